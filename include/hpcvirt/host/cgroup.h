/*
 * cgroup.h - a box's control groups: CPU and memory limits on cgroup v1,
 * cgroup v2, or the hybrid of both (v1 controllers plus a cgroup2 mount,
 * as on this project's development hosts).
 *
 * Detection is per controller: a controller is on cgroup2 when the v2
 * mount's cgroup.controllers lists it, otherwise on the v1 hierarchy
 * whose mount (found in /proc/self/mountinfo, never a hard-coded path)
 * carries it. A box's groups are created UNDER hpcvirt's own cgroup of
 * each hierarchy (from /proc/self/cgroup), so a limit never escapes the
 * limits hpcvirt itself runs under, and they are named
 * "hpcvirt-<ownerpid>-<box>" so that the groups of a dead run are found
 * by name and removed (hv_clean_stale) and nothing else is touched.
 */
#ifndef HPCVIRT_CGROUP_H
#define HPCVIRT_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hpcvirt/host/clean.h" /* HV_CLEAN_PREFIX names the groups */
#include "hpcvirt/util/err.h"

enum hv_cg_ctrl {
	HV_CG_CPU = 0,
	HV_CG_MEMORY,
	HV_CG_CPUSET, /* detected only; no limit is set on it */
	HV_CG_NCTRL,
};

/* Where one controller lives. */
struct hv_cg_place {
	bool present; /* false: the controller is mounted nowhere */
	bool v2;      /* on the cgroup2 mount, else on a v1 hierarchy */
	/* Host directory of hpcvirt's own cgroup in that hierarchy, in
	 * which the boxes' groups are created. */
	char own_dir[512];
};

struct hv_cg_layout {
	struct hv_cg_place ctrl[HV_CG_NCTRL];
	char v2_mount[256]; /* "" if there is no cgroup2 mount */
};

/* One box's groups; dir[i] is "" where none was created. */
struct hv_cg {
	char dir[HV_CG_NCTRL][600];
	bool v2[HV_CG_NCTRL];
	char name[128]; /* "hpcvirt-<pid>-<box>" */
};

/* Limits as the kernel reports them back (-1: unlimited / not set). */
struct hv_cg_limits {
	int64_t cpu_quota_us;
	int64_t cpu_period_us;
	int64_t mem_bytes;
	int64_t memsw_bytes; /* v1 memsw or v2 swap.max; -1 if absent */
};

/* Name of a controller ("cpu", "memory", "cpuset"). */
const char *hv_cg_ctrl_name(enum hv_cg_ctrl c);

/*
 * Find every controller of this process. Fails only if /proc/self/cgroup
 * or /proc/self/mountinfo cannot be read; an absent controller is
 * present = false.
 */
int hv_cg_detect(struct hv_cg_layout *l, struct hv_err *err);

/*
 * Create the box's groups for cpu and memory (cpuset is only detected:
 * the spec has no CPU placement) and set the limits: cpus -> CFS quota of cpus
 * * 100 ms per 100 ms period, mem_mib -> the memory limit (and the memory+swap
 * limit, or swap.max 0, where the kernel has one), 0 meaning unlimited.
 * A value the kernel refuses fails its write; the values are exact, so
 * they are not read back here (this is on a box's start path):
 * hv_cg_read_limits does that, and the tests compare. A controller that
 * is needed for a limit but absent is an error (-ENOTSUP). On failure
 * nothing is left.
 */
int hv_cg_create(struct hv_cg *cg, const struct hv_cg_layout *l,
		 const char *box, int cpus, int mem_mib, struct hv_err *err);

/* Put pid into every group of the box. */
int hv_cg_attach(const struct hv_cg *cg, pid_t pid, struct hv_err *err);

/*
 * Open the cgroup.procs file of each group of the box (once per
 * directory), write-only and close-on-exec, so that a process can join
 * the groups itself by writing "0" (a container's first process, before
 * it execs). Fills fds[0..n-1] and returns n, or -errno with nothing
 * left open. The caller closes them.
 */
int hv_cg_open_procs(const struct hv_cg *cg, int fds[HV_CG_NCTRL],
		     struct hv_err *err);

/* Read the limits back from the kernel. */
int hv_cg_read_limits(const struct hv_cg *cg, struct hv_cg_limits *lim,
		      struct hv_err *err);

/*
 * How many processes the kernel's OOM killer has killed in the box's
 * memory group (v1 memory.oom_control, v2 memory.events "oom_kill"),
 * or -1 if that is not known.
 */
int64_t hv_cg_oom_kills(const struct hv_cg *cg);

/* Number of processes in the box's groups (max over them), or -errno. */
int hv_cg_count_procs(const struct hv_cg *cg);

/*
 * SIGKILL every process left in the groups, wait (at most 5 s) for them
 * to go, and remove the directories: when it returns 0, the box's
 * processes are gone. Safe on a half-created or already removed cg.
 * Returns 0, or -EBUSY if a directory could not be removed in time, with
 * err (may be NULL) naming the first such directory (the caller reports
 * it; the next stale cleanup tries again).
 */
int hv_cg_remove(struct hv_cg *cg, struct hv_err *err);

#endif
