/*
 * clean.h - the one place that finds and removes what hpcvirt leaves on
 * the host: cgroups, mounts, run directories, the runtimes' short
 * directories and LXC's locks, together with the rules they share.
 *
 * Everything hpcvirt creates on the host is named after the process that
 * owns it: cgroups and the runtimes' directories "hpcvirt-<pid>-<box>"
 * (HV_CLEAN_PREFIX), run directories "<base>/hpcvirt-run.<pid>.XXXXXX"
 * with an "owner" file holding the pid and its start time. An owner is
 * dead when its pid is gone, is a zombie, or (where a start time was
 * recorded) now belongs to another process; that is the one liveness
 * rule. A box's own stop removes its things by name (hv_clean_cgroups,
 * hv_clean_umount_under, hv_rm_tree); after a SIGKILL, the next run or
 * "hpcvirt clean" removes those of dead owners (hv_clean_stale). Nothing
 * with another name, and nothing of a live owner, is ever touched.
 */
#ifndef HPCVIRT_CLEAN_H
#define HPCVIRT_CLEAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HV_CLEAN_PREFIX "hpcvirt-"	   /* "hpcvirt-<pid>-<box>" */
#define HV_CLEAN_RUN_PREFIX "hpcvirt-run." /* "hpcvirt-run.<pid>.XXXXXX" */

/* Where run directories live: $HPCVIRT_RUN_BASE, else /tmp. */
const char *hv_clean_run_base(void);

/*
 * Start time of pid (field 22 of /proc/PID/stat, clock ticks since boot)
 * and whether it is a zombie. Returns false if pid does not exist.
 */
bool hv_pid_stat(long pid, unsigned long long *start, bool *zombie);

/*
 * The liveness rule: false if pid is gone or a zombie, or if start is not
 * 0 and differs from pid's start time (the pid was reused).
 */
bool hv_pid_alive(long pid, unsigned long long start);

/*
 * Split one line of /proc/PID/mountinfo in place: root (field 4), mount
 * point (field 5), file system type and super options. False if the line
 * is malformed.
 */
bool hv_mountinfo_split(char *line, char **root, char **mnt, char **fstype,
			char **super);

/*
 * SIGKILL the processes of the cgroup directory dir and of the groups
 * below it, and remove them all, children first, retrying while the
 * kernel still reports the group busy, for at most timeout_ms. Returns 0
 * (also if dir did not exist), or -errno (-EBUSY: still busy at the
 * deadline) naming nothing: the caller knows dir.
 */
int hv_clean_cgroup_dir(const char *dir, int timeout_ms);

/*
 * Remove every cgroup directory named name (or name.SUFFIX), at most a few
 * levels below the root of any mounted cgroup hierarchy (v1 or v2), with the
 * groups under it: their processes are SIGKILLed first. Returns how many
 * directories named name were removed, or -EBUSY if one could not be.
 */
int hv_clean_cgroups(const char *name);

/*
 * Find the directory named exactly name in the hierarchy mounted at mnt
 * (same depth limit); 0 and its path in out, or -ENOENT.
 */
int hv_clean_find_cgroup(const char *mnt, const char *name, char *out,
			 size_t len);

/*
 * OOM kills counted by the memory groups named name (and the groups
 * directly below them, where a runtime such as podman puts the limit):
 * v1 memory.oom_control or v2 memory.events "oom_kill". -1 if unknown.
 */
long long hv_clean_oom_kills(const char *name);

/* Unmount (lazily) every mount at or under dir, deepest first. Returns
 * how many were unmounted. */
int hv_clean_umount_under(const char *dir);

/*
 * Remove LXC's lock directories for lxcpath (/run/lxc/lock<lxcpath>),
 * and their parents up to the first component below /run/lxc/lock as
 * long as they are empty (LXC creates them and never removes them).
 */
void hv_clean_lxc_unlock(const char *lxcpath);

/*
 * Remove dir and everything under it, children first, without following
 * symlinks or crossing into a mount (a mount left under it stays, and so
 * do the directories above it). Best effort: errors are ignored.
 */
void hv_rm_tree(const char *dir);

/* What hv_clean_stale found and removed. */
struct hv_clean_report {
	int cgroups; /* cgroup directories of dead owners removed */
	int busy;    /* ... that could not be removed (still busy) */
	int killed;  /* processes killed in them (guest kernels, agents) */
	int mounts;  /* mounts under dead runs' directories */
	int dirs;    /* run directories, short directories, LXC locks */
};

/*
 * After a SIGKILLed run: kill the processes and remove the cgroups
 * "hpcvirt-<pid>-*" of dead pids in every hierarchy, unmount what is
 * mounted under the run directories of dead runs, remove those
 * directories, the runtimes' short directories <base>/hpcvirt-<deadpid>-*
 * and LXC's lock directories for lxcpaths under dead runs. Fills r (may
 * be NULL) and returns the number of runs whose leftovers were removed
 * (the distinct dead owners), never negative.
 */
int hv_clean_stale(struct hv_clean_report *r);

#endif
