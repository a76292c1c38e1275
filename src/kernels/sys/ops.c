/*
 * ops.c - the seven tests of hpcvirt-sys. Each is a batch of one kind of
 * operation that a virtualization layer can make dearer than the bare
 * kernel does: a trap into the kernel (syscall), the clock read user
 * space does without one where the vDSO exists (clock), a page fault on
 * fresh memory (fault), a switch between two processes (ctxsw), process
 * creation (forkexec), address-space changes (mmap) and a timer
 * interrupt's wake-up (timer). Every test checks what it can about its
 * own operations (the values it reads back, the ping-pong bytes, the
 * children's exit codes) and fails if they are wrong.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "klib.h"
#include "sys.h"

/* Lateness samples kept for the timer's median: 8 MiB at most. */
#define MAX_LATE (1u << 20)

static int fail(struct hv_sys_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
fail(struct hv_sys_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* --- syscall, clock ------------------------------------------------- */

/* syscall(2), not the libc wrapper, so that nothing can cache it. */
static int
syscall_batch(struct hv_sys_ctx *c, uint64_t n, int64_t *ns, uint64_t *ops)
{
	long want = (long)getppid();
	uint64_t i, bad = 0;
	int64_t t0 = hv_k_now_ns();

	for (i = 0; i < n; i++)
		bad += syscall(SYS_getppid) != want;
	*ns += hv_k_now_ns() - t0;
	*ops += n;
	if (bad)
		return fail(c,
			    "getppid returned another pid than %ld in %llu "
			    "of %llu calls",
			    want, (unsigned long long)bad,
			    (unsigned long long)n);
	return 0;
}

static int
clock_batch(struct hv_sys_ctx *c, uint64_t n, int64_t *ns, uint64_t *ops)
{
	struct timespec prev = {0, 0}, ts;
	uint64_t i, bad = 0;
	int64_t t0 = hv_k_now_ns();

	for (i = 0; i < n; i++) {
		bad += clock_gettime(CLOCK_MONOTONIC, &ts) != 0;
		bad += ts.tv_sec < prev.tv_sec ||
		       (ts.tv_sec == prev.tv_sec && ts.tv_nsec < prev.tv_nsec);
		prev = ts;
	}
	*ns += hv_k_now_ns() - t0;
	*ops += n;
	if (bad)
		return fail(c,
			    "CLOCK_MONOTONIC failed or went back %llu "
			    "times in %llu reads",
			    (unsigned long long)bad, (unsigned long long)n);
	return 0;
}

/* --- fault ---------------------------------------------------------- */

/* The byte the fault test writes to page i of chunk seq: never 0, the
 * value a page that was not written reads. */
static char
page_mark(uint64_t seq, size_t i)
{
	return (char)(1 + (seq + i) % 255);
}

/*
 * Each chunk is a fresh 1 MiB mapping, with transparent huge pages off
 * so that every 4 KiB page takes its own fault. Only the first writes
 * are timed; the mmap, the check and the munmap are not.
 */
static int
fault_batch(struct hv_sys_ctx *c, uint64_t n, int64_t *ns, uint64_t *ops)
{
	size_t pages = HV_SYS_MAP_BYTES / c->page, i;
	volatile char *v;
	int64_t t0;
	char *p;

	for (uint64_t k = 0; k < n; k++, c->seq++) {
		p = mmap(NULL, HV_SYS_MAP_BYTES, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return fail(c, "mmap of %u bytes: %s", HV_SYS_MAP_BYTES,
				    strerror(errno));
		/* Not every kernel has THP (UML): then it is moot. */
		madvise(p, HV_SYS_MAP_BYTES, MADV_NOHUGEPAGE);
		v = p;
		t0 = hv_k_now_ns();
		for (i = 0; i < pages; i++)
			v[i * c->page] = page_mark(c->seq, i);
		*ns += hv_k_now_ns() - t0;
		*ops += pages;
		for (i = 0; i < pages; i++)
			if (v[i * c->page] != page_mark(c->seq, i))
				break;
		munmap(p, HV_SYS_MAP_BYTES);
		if (i < pages)
			return fail(c,
				    "page %zu of a fresh mapping does not "
				    "hold the byte written to it",
				    i);
	}
	return 0;
}

/* --- ctxsw ---------------------------------------------------------- */

/* Pin this process (and so the child it forks) to the CPU it is on, so
 * that every round trip is two switches on one CPU, as on a one-vCPU
 * guest, and not a wake-up on another CPU. Best effort: c->cpu is -1 if
 * the mask cannot be set. */
static void
pin_here(struct hv_sys_ctx *c)
{
	cpu_set_t one;
	int cpu;

	c->cpu = -1;
	if (sched_getaffinity(0, sizeof(c->saved_mask), &c->saved_mask) != 0)
		return;
	cpu = sched_getcpu();
	if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &c->saved_mask))
		for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
			if (CPU_ISSET(cpu, &c->saved_mask))
				break;
	if (cpu >= CPU_SETSIZE)
		return;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) == 0)
		c->cpu = cpu;
}

/* The child: answer byte b with b + 1, checking that the bytes come in
 * sequence from 0; exit 0 at end of file, else with what went wrong. */
static void __attribute__((noreturn)) pong(int in, int out)
{
	unsigned char b, want = 0;
	ssize_t r;

	for (;;) {
		r = read(in, &b, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			_exit(0);
		if (r != 1)
			_exit(4);
		if (b != want)
			_exit(3);
		want++;
		b++;
		if (write(out, &b, 1) != 1)
			_exit(5);
	}
}

static int
ctxsw_setup(struct hv_sys_ctx *c)
{
	int down[2], up[2];

	if (pipe(down) != 0)
		return fail(c, "pipe: %s", strerror(errno));
	if (pipe(up) != 0) {
		close(down[0]);
		close(down[1]);
		return fail(c, "pipe: %s", strerror(errno));
	}
	pin_here(c);
	c->child = fork();
	if (c->child == 0) {
		close(down[1]);
		close(up[0]);
		pong(down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);
	c->to_child = down[1];
	c->from_child = up[0];
	if (c->child < 0)
		return fail(c, "fork: %s", strerror(errno));
	return 0;
}

/* One round trip, byte c->seq out and c->seq + 1 back: two switches. */
static int
ctxsw_batch(struct hv_sys_ctx *c, uint64_t n, int64_t *ns, uint64_t *ops)
{
	unsigned char out, in;
	int64_t t0 = hv_k_now_ns();
	ssize_t r;

	for (uint64_t k = 0; k < n; k++, c->seq++) {
		out = (unsigned char)c->seq;
		if (write(c->to_child, &out, 1) != 1)
			return fail(c, "write to the ping-pong child: %s",
				    strerror(errno));
		do
			r = read(c->from_child, &in, 1);
		while (r < 0 && errno == EINTR);
		if (r != 1)
			return fail(c, "read from the ping-pong child: %s",
				    r == 0 ? "it exited" : strerror(errno));
		if (in != (unsigned char)(out + 1))
			return fail(c,
				    "the ping-pong child answered %u to %u, "
				    "expected %u",
				    in, out, (unsigned char)(out + 1));
	}
	*ns += hv_k_now_ns() - t0;
	*ops += 2 * n;
	return 0;
}

/* Why a child ended, for messages. */
static void
status_text(int st, char *buf, size_t len)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exited with %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "was killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, len, "ended with status 0x%x", st);
}

static pid_t
wait_child(pid_t pid, int *st)
{
	pid_t r;

	do
		r = waitpid(pid, st, 0);
	while (r < 0 && errno == EINTR);
	return r;
}

static int
ctxsw_finish(struct hv_sys_ctx *c)
{
	char why[64];
	int st = 0, rc = 0;

	if (c->to_child >= 0)
		close(c->to_child);
	if (c->from_child >= 0)
		close(c->from_child);
	c->to_child = c->from_child = -1;
	if (c->child > 0 && wait_child(c->child, &st) < 0)
		rc = fail(c, "waitpid: %s", strerror(errno));
	else if (c->child > 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		status_text(st, why, sizeof(why));
		rc = fail(c, "the ping-pong child %s%s", why,
			  WIFEXITED(st) && WEXITSTATUS(st) == 3
				  ? " (a byte came out of sequence)"
				  : "");
	}
	c->child = 0;
	if (c->cpu >= 0)
		sched_setaffinity(0, sizeof(c->saved_mask), &c->saved_mask);
	return rc;
}

/* --- forkexec ------------------------------------------------------- */

/*
 * The child execs this very program with "--exec-child CODE", which
 * exits with CODE at once: every box has it, even one whose only files
 * are hpcvirt's static kernels. CODE cycles through 1..100, so that a
 * child that exits without having run our code is caught.
 */
static int
forkexec_batch(struct hv_sys_ctx *c, uint64_t n, int64_t *ns, uint64_t *ops)
{
	char arg0[] = "hpcvirt-sys", arg1[] = "--exec-child", code[8];
	char *argv[] = {arg0, arg1, code, NULL};
	int64_t t0 = hv_k_now_ns();
	char why[64];
	int st, want;
	bool noexec;
	pid_t pid;

	for (uint64_t k = 0; k < n; k++, c->seq++) {
		want = 1 + (int)(c->seq % 100);
		snprintf(code, sizeof(code), "%d", want);
		pid = fork();
		if (pid < 0)
			return fail(c, "fork: %s", strerror(errno));
		if (pid == 0) {
			execv(c->self, argv);
			_exit(HV_SYS_EXEC_FAILED);
		}
		if (wait_child(pid, &st) < 0)
			return fail(c, "waitpid: %s", strerror(errno));
		if (WIFEXITED(st) && WEXITSTATUS(st) == want)
			continue;
		status_text(st, why, sizeof(why));
		noexec = WIFEXITED(st) && WEXITSTATUS(st) == HV_SYS_EXEC_FAILED;
		return fail(c, "the child running %s %s, expected exit %d%s",
			    c->self, why, want,
			    noexec ? " (127: the exec failed)" : "");
	}
	*ns += hv_k_now_ns() - t0;
	*ops += n;
	return 0;
}

/* --- mmap ----------------------------------------------------------- */

static int
mmap_batch(struct hv_sys_ctx *c, uint64_t n, int64_t *ns, uint64_t *ops)
{
	int64_t t0 = hv_k_now_ns();
	char *p;

	for (uint64_t k = 0; k < n; k++) {
		p = mmap(NULL, HV_SYS_MAP_BYTES, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return fail(c, "mmap of %u bytes: %s", HV_SYS_MAP_BYTES,
				    strerror(errno));
		if ((uintptr_t)p % c->page != 0)
			return fail(c, "mmap returned %p, not page aligned",
				    (void *)p);
		if (munmap(p, HV_SYS_MAP_BYTES) != 0)
			return fail(c, "munmap: %s", strerror(errno));
	}
	*ns += hv_k_now_ns() - t0;
	*ops += n;
	return 0;
}

/* --- timer ---------------------------------------------------------- */

/* The default timer slack (50 us for a normal task) would be most of
 * what is measured: set it to 1 ns, so that the lateness is the timer's
 * and the scheduler's, and restore it after. */
static int
timer_setup(struct hv_sys_ctx *c)
{
	c->saved_slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	c->nlate = 0;
	return 0;
}

static int
keep_late(struct hv_sys_ctx *c, int64_t late)
{
	int64_t *p;
	size_t cap;

	if (c->nlate == c->caplate) {
		if (c->caplate >= MAX_LATE)
			return 0; /* the mean still counts it */
		cap = c->caplate ? c->caplate * 2 : 4096;
		p = realloc(c->late, cap * sizeof(*p));
		if (!p)
			return fail(c, "out of memory for %zu samples", cap);
		c->late = p;
		c->caplate = cap;
	}
	c->late[c->nlate++] = late;
	return 0;
}

/* Sleep to an absolute deadline sleep_ns ahead; the lateness is the time
 * from the deadline to the first clock read after the wake-up. */
static int
timer_batch(struct hv_sys_ctx *c, uint64_t n, int64_t *ns, uint64_t *ops)
{
	struct timespec ts;
	int64_t target, woke;
	int rc;

	for (uint64_t k = 0; k < n; k++) {
		target = hv_k_now_ns() + c->sleep_ns;
		ts.tv_sec = target / 1000000000;
		ts.tv_nsec = target % 1000000000;
		do
			rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
					     &ts, NULL);
		while (rc == EINTR);
		woke = hv_k_now_ns();
		if (rc != 0)
			return fail(c, "clock_nanosleep: %s", strerror(rc));
		if (woke < target)
			return fail(c, "woke %lld ns before its deadline",
				    (long long)(target - woke));
		if (keep_late(c, woke - target) < 0)
			return -1;
		*ns += woke - target;
		*ops += 1;
	}
	return 0;
}

static int
timer_finish(struct hv_sys_ctx *c)
{
	if (c->saved_slack > 0)
		prctl(PR_SET_TIMERSLACK, (unsigned long)c->saved_slack, 0, 0,
		      0);
	return 0;
}

/* --- the table ------------------------------------------------------ */

static const struct hv_sys_test_def tests[HV_SYS_NTESTS] = {
	[HV_SYS_SYSCALL] = {.name = "syscall",
			    .op = "getppid call",
			    .batch = syscall_batch},
	[HV_SYS_CLOCK] = {.name = "clock",
			  .op = "clock_gettime",
			  .batch = clock_batch},
	[HV_SYS_FAULT] = {.name = "fault", .op = "page", .batch = fault_batch},
	[HV_SYS_CTXSW] = {.name = "ctxsw",
			  .op = "switch",
			  .setup = ctxsw_setup,
			  .batch = ctxsw_batch,
			  .finish = ctxsw_finish},
	[HV_SYS_FORKEXEC] = {.name = "forkexec",
			     .op = "fork+exec+wait",
			     .batch = forkexec_batch},
	[HV_SYS_MMAP] = {.name = "mmap",
			 .op = "1 MiB mmap+munmap",
			 .batch = mmap_batch},
	[HV_SYS_TIMER] = {.name = "timer",
			  .op = "wake-up, ns late",
			  .setup = timer_setup,
			  .batch = timer_batch,
			  .finish = timer_finish},
};

const struct hv_sys_test_def *
hv_sys_test(enum hv_sys_test t)
{
	return (unsigned)t < HV_SYS_NTESTS ? &tests[t] : NULL;
}
