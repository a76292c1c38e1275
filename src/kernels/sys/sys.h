/*
 * sys.h - internal interfaces of hpcvirt-sys, the attribution kernel,
 * shared by its two files: sys.c (options, the measuring loop, output)
 * and ops.c (the seven tests, each one operation a virtualization layer
 * may make dearer). Nothing here is used outside src/kernels/sys/.
 */
#ifndef HPCVIRT_SYS_H
#define HPCVIRT_SYS_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The tests, in the order of the default --tests list. */
enum hv_sys_test {
	HV_SYS_SYSCALL,	 /* getppid through syscall(2) */
	HV_SYS_CLOCK,	 /* clock_gettime(CLOCK_MONOTONIC), vDSO if any */
	HV_SYS_FAULT,	 /* first write to a fresh anonymous page */
	HV_SYS_CTXSW,	 /* one switch of a pipe ping-pong on one CPU */
	HV_SYS_FORKEXEC, /* fork, exec of this program, exit, wait */
	HV_SYS_MMAP,	 /* mmap and munmap of 1 MiB, untouched */
	HV_SYS_TIMER,	 /* lateness of a clock_nanosleep wake-up */
	HV_SYS_NTESTS,
};

/* Bytes the mmap test maps, and the fault test per chunk. */
#define HV_SYS_MAP_BYTES (1u << 20)

/* Exit code of the forkexec child that could not exec. */
#define HV_SYS_EXEC_FAILED 127

/*
 * State the tests share with the measuring loop. msg says why a test
 * failed; the test's hooks fill it and return -1.
 */
struct hv_sys_ctx {
	const char *self; /* this program, which the forkexec child runs */
	int64_t sleep_ns; /* timer: the requested sleep */
	size_t page;	  /* bytes of a page */
	uint64_t seq;	  /* a per-test counter the checks use */
	/* ctxsw: the pipes to and from the child, the child, the CPU
	 * both are pinned to (-1: not pinned) and the mask to restore */
	int to_child, from_child;
	pid_t child;
	int cpu;
	cpu_set_t saved_mask;
	/* timer: the slack to restore, and each wake-up's lateness */
	long saved_slack;
	int64_t *late;
	size_t nlate, caplate;
	char msg[512];
};

/*
 * A test. batch() does n operations (n >= 1) and adds what it timed to
 * *ns and the operations it did to *ops: the loop times whole batches
 * itself, but a test that excludes its setup (fault: the mmap of each
 * chunk) or counts other units (ctxsw: two switches per round trip)
 * says so here. setup() and finish() may be NULL; finish() runs after a
 * failed batch too and checks what can only be checked at the end (the
 * ping-pong child's exit status).
 */
struct hv_sys_test_def {
	const char *name; /* "syscall" */
	const char *op;	  /* one operation, for the table: "call" */
	int (*setup)(struct hv_sys_ctx *c);
	int (*batch)(struct hv_sys_ctx *c, uint64_t n, int64_t *ns,
		     uint64_t *ops);
	int (*finish)(struct hv_sys_ctx *c);
};

/* The definition of test t. */
const struct hv_sys_test_def *hv_sys_test(enum hv_sys_test t);

#endif
