/*
 * container.h - hpcvirt's own container runtime, written directly against
 * the kernel API (clone, mount, pivot_root, sethostname): no external
 * runtime and no helper programs, so a box starts in a few milliseconds.
 *
 * hv_ct_start() clones a child into the namespaces asked for. With
 * new_root, the child builds a root on a tmpfs: read-only binds of the
 * host's /usr, /etc, /bin, /sbin and /lib* (symlinks such as Debian's
 * /bin -> usr/bin are recreated as symlinks), the hpcvirt build at
 * /opt/hpcvirt/bin (read-only), a private /tmp, a fresh /proc of the new
 * PID namespace, a minimal /dev, /sys of the new network namespace
 * (read-only), host directories for the agent's socket (/run/hpcvirt)
 * and the scratch storage (/scratch, read-write); then pivot_root and
 * detach the old root. The mount namespace is made private first, so
 * nothing propagates to the host, and every mount dies with it.
 *
 * The child shares the caller's memory and the caller is suspended
 * until the child execs (CLONE_VM | CLONE_VFORK, as posix_spawn does):
 * no copy of the caller's page tables and no copy-on-write faults, which
 * on a virtual machine were most of the start's CPU time. So the child
 * must prepare alone what has to precede the exec: it joins its cgroups
 * itself (through cgroup.procs files the caller opened) and sets the
 * hostname. An optional started callback then runs in the caller while
 * the program starts (a network port: its waits overlap the program's
 * start-up). The same runtime with ns_flags = CLONE_NEWNET and new_root
 * = false gives the native baseline its own network namespace and
 * nothing else.
 */
#ifndef HPCVIRT_CONTAINER_H
#define HPCVIRT_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "hpcvirt/util/err.h"
#include "hpcvirt/host/proc.h"

/* Where the runtime puts things inside a new root. */
#define HV_CT_BIN_DIR "/opt/hpcvirt/bin"
#define HV_CT_SOCK_DIR "/run/hpcvirt"
#define HV_CT_SCRATCH "/scratch"

struct hv_ct_opts {
	int ns_flags;  /* CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS ... */
	bool new_root; /* build and pivot into the root (needs CLONE_NEWNS) */
	/* With new_root: an empty host directory on which the tmpfs root is
	 * mounted (only inside the child's mount namespace). */
	const char *root_dir;
	const char *bin_dir;	 /* host build bin dir -> HV_CT_BIN_DIR */
	const char *sock_dir;	 /* host dir -> HV_CT_SOCK_DIR, or NULL */
	const char *scratch_dir; /* host dir -> HV_CT_SCRATCH, or NULL */
	char *const *argv;	 /* argv[0] as a path seen inside the box */
	const char *log_path;	 /* stderr is appended here, else /dev/null */
	bool pipe_stdout;	 /* else stdout goes to /dev/null */
	const char *hostname;	 /* NULL: keep it (new UTS ns: the host's) */
	/* Open cgroup.procs files (hv_cg_open_procs): the child writes
	 * itself into each before the exec, so its program never runs
	 * outside its limits. */
	const int *join_fds;
	int njoin;
	/* Optional; runs in the caller after the exec, with the child's
	 * pid. A negative return fails the start (the child is killed). */
	int (*started)(void *arg, pid_t pid, struct hv_err *err);
	void *started_arg;
};

/*
 * Start the container. On success p holds the child (PID 1 of its PID
 * namespace when CLONE_NEWPID), which has already exec'd argv; the child
 * dies with the calling thread (PR_SET_PDEATHSIG), and with it the
 * whole box. An error in the child (a mount, pivot_root, exec) comes back
 * in err, naming the step and the path. Stop it with hv_proc_stop().
 */
int hv_ct_start(struct hv_proc *p, const struct hv_ct_opts *o,
		struct hv_err *err);

/*
 * Quick check that this host lets us create the namespaces in ns_flags:
 * a forked child tries unshare(ns_flags) and reports. 0 or -errno.
 */
int hv_ct_probe(int ns_flags, struct hv_err *why);

#endif
