/*
 * proc.h - child processes of the host tool: spawn with an argv array
 * (never a shell), read their output with a deadline, stop them with a
 * bounded grace period. Every box driver and benchmark peer uses these, so
 * no process is left behind on success, failure or timeout.
 */
#ifndef HPCVIRT_PROC_H
#define HPCVIRT_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hpcvirt/util/err.h"

struct hv_proc {
	pid_t pid;  /* 0 when not running */
	int out_fd; /* read end of the child's stdout, -1 if not piped */
	int status; /* waitpid status once reaped */
	bool reaped;
	char buf[4096]; /* line buffer for hv_proc_read_line() */
	size_t buf_len;
};

struct hv_proc_opts {
	bool pipe_stdout;     /* else stdout goes to /dev/null */
	bool keep_stderr;     /* else stderr goes to /dev/null */
	const char *log_path; /* if set, stderr is appended to this file */
	bool die_with_parent; /* PR_SET_PDEATHSIG(SIGKILL) in the child */
	const char *cwd;      /* chdir before exec, may be NULL */
	int netns_fd;	      /* > 0: setns(CLONE_NEWNET) into it before exec */
	bool own_pgrp;	      /* the child leads a process group of its own */
	bool no_aslr;	      /* personality ADDR_NO_RANDOMIZE, as setarch -R */
	/* > 0: the child's stdin and stdout (one end of a socketpair, say);
	 * pipe_stdout is then ignored. */
	int stdio_fd;
	/* cgroup.procs files (hv_cg_open_procs) the child joins by writing
	 * "0" before exec, so that all it forks is in its groups. */
	const int *cg_fds;
	int ncg_fds;
};

void hv_proc_init(struct hv_proc *p);

/*
 * Start argv[0] (a path) with argv. Returns once the child has exec'd;
 * a child that cannot (exec format error, chdir, setns...) is reaped and
 * its failure returned: "cannot run 'PROG': exec: Exec format error".
 */
int hv_proc_spawn(struct hv_proc *p, char *const argv[],
		  const struct hv_proc_opts *opts, struct hv_err *err);

/*
 * Read one line of the child's stdout (without the newline) into line,
 * waiting at most timeout_ms in total. -ETIMEDOUT, or -EPIPE when the child
 * closed stdout (exited) first.
 */
int hv_proc_read_line(struct hv_proc *p, char *line, size_t len, int timeout_ms,
		      struct hv_err *err);

/* True while the child has not exited (reaps it if it has). */
bool hv_proc_alive(struct hv_proc *p);

/*
 * Wait up to timeout_ms for the child to exit by itself; then SIGTERM, then
 * SIGKILL after grace_ms. Always reaps. Returns 0 if it exited by itself
 * within timeout_ms, 1 if it had to be signalled.
 */
int hv_proc_stop(struct hv_proc *p, int timeout_ms, int grace_ms);

/*
 * SIGKILL every process left in the process group pgid (a child spawned
 * with own_pgrp, and what it forked) and wait up to timeout_ms until the
 * group is gone. Returns 0, or -ETIMEDOUT if members remain.
 */
int hv_proc_kill_group(pid_t pgid, int timeout_ms);

/*
 * Resident memory (VmRSS) of root and all its descendants, in bytes; -1
 * if root does not exist. A box's host-side footprint.
 */
int64_t hv_proc_tree_rss(pid_t root);

/*
 * CPU time (user + system, in ns, at the kernel's clock-tick resolution,
 * 10 ms at USER_HZ 100) that root and its descendants have used: the
 * live processes' own time and that of the children they reaped. -1 if
 * root does not exist. Taken before and after a repetition, the
 * difference is what the box's host processes spent on it.
 */
int64_t hv_proc_tree_cpu_ns(pid_t root);

/* A waitpid status in words ("exit status 1", "killed by signal 9
 * (Killed)"), written into buf, which is returned. */
const char *hv_proc_status_str(int status, char *buf, size_t len);

/* Milliseconds of CLOCK_MONOTONIC, and nanoseconds. */
int64_t hv_now_ms(void);
int64_t hv_now_ns(void);

#endif
