/*
 * rtclean.h - removing what external container runtimes leave on the
 * host. crun, runc, LXC and podman create cgroups wherever their own
 * rules say (the root of each v1 hierarchy, under the caller's group, in
 * the cgroup2 mount, under a parent such as podman's --cgroup-parent),
 * and podman mounts tmpfs into its storage. hpcvirt names every such
 * cgroup "hpcvirt-<pid>-<box>" (cgroup.h's prefix) and keeps the storage
 * under its run directory /tmp/hpcvirt-run.<pid>.*, so both are found by
 * name: by the box's own stop, and after a SIGKILL by the next run or
 * "hpcvirt clean" (hv_runstate_clean_stale calls hv_rt_clean_stale).
 * Nothing with another name is ever removed.
 */
#ifndef HPCVIRT_RTCLEAN_H
#define HPCVIRT_RTCLEAN_H

#include <stddef.h>
#include <stdint.h>

/*
 * Remove every cgroup directory named name (or name.SUFFIX), at most a few
 * levels below the root of any mounted cgroup hierarchy (v1 or v2), with the
 * groups under it: their processes are SIGKILLed first. Returns how many
 * directories named name were removed.
 */
int hv_rt_remove_cgroups(const char *name);

/*
 * Find the directory named exactly name in the hierarchy mounted at mnt
 * (same depth limit); 0 and its path in out, or -ENOENT.
 */
int hv_rt_find_cgroup(const char *mnt, const char *name, char *out, size_t len);

/*
 * OOM kills counted by the memory groups named name (and the groups
 * directly below them, where a runtime such as podman puts the limit):
 * v1 memory.oom_control or v2 memory.events "oom_kill". -1 if unknown.
 */
long long hv_rt_oom_kills(const char *name);

/* Unmount (lazily) every mount at or under dir, deepest first. Returns
 * how many were unmounted. */
int hv_rt_umount_under(const char *dir);

/*
 * Remove LXC's lock directories for lxcpath (/run/lxc/lock<lxcpath>),
 * and their parents up to the first component below /run/lxc/lock as
 * long as they are empty (LXC creates them and never removes them).
 */
void hv_rt_lxc_unlock(const char *lxcpath);

/*
 * After a SIGKILLed run: remove the cgroups "hpcvirt-<pid>-*" of dead
 * pids in every hierarchy, unmount what is mounted under the run
 * directories of dead runs (so that their removal does not fail), and
 * remove the runtimes' short directories <base>/hpcvirt-<deadpid>-*
 * (podman's storage, see src/env/rt.h), and LXC's lock directories
 * for the lxcpaths under dead runs' directories.
 * Returns how many cgroups and mounts were removed.
 */
int hv_rt_clean_stale(void);

#endif
