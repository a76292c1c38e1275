/*
 * sys.c - hpcvirt-sys: the attribution kernel. It measures, in ns per
 * operation, what the operations a layer can tax cost in the box it runs
 * in: a null system call, a clock read, a first-touch page fault, a
 * context switch, fork+exec+wait, mmap+munmap of 1 MiB and the lateness
 * of a timer wake-up (the tests themselves are in ops.c). Each test runs
 * for a fixed window of wall time rather than a fixed count, so that a
 * run takes as long under TCG or UML as natively, in batches that grow
 * until one takes 1/64 of the window; one untimed operation comes first.
 *
 *   hpcvirt-sys [--tests syscall,clock,...] [--window 0.2] [--sleep 50us]
 *               [--json]
 *   hpcvirt-sys --exec-child CODE    (the forkexec test's child: exit CODE)
 *
 * It is linked statically even natively (kernel.mk), so that fork+exec
 * costs the same program load in every box.
 *
 * With --json it prints one line "HPCVIRT-RESULT {json}" with the keys
 * kernel, version, window_ns, sleep_ns, page_bytes, map_bytes,
 * clocksource (null where /sys does not say), clock_res_ns, results
 * (one entry per test, in --tests order: test, ops, batches, timed_ns,
 * wall_ns, ns_per_op; ctxsw adds cpu, timer adds late_p50_ns, late_max_ns
 * and timer_slack_ns), cpu_ns and verified; else a table.
 *
 * Exit codes: 0 ok, 1 a test failed or its check did, 2 bad usage.
 */
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "klib.h"
#include "bounds.h"
#include "sys.h"

#define VERSION 1
#define ALL_TESTS HV_SYS_TESTS

struct test_list {
	int n;
	enum hv_sys_test t[HV_SYS_NTESTS];
};

struct sys_opts {
	struct test_list tests;
	int64_t window_ns;
	int64_t sleep_ns;
	uint64_t exec_child;
	bool json;
};

/* One test's figures. */
struct sys_result {
	uint64_t ops, batches;
	int64_t timed_ns, wall_ns;
	int64_t late_p50, late_max; /* timer only */
	long slack;		    /* timer only */
	int cpu;		    /* ctxsw only */
};

/* "syscall,frob" -> the tests, each named once. */
static int
parse_tests(const struct hv_k_opt *o, const char *v, void *dst,
	    struct hv_k_opt_err *err)
{
	struct test_list *l = dst;
	const char *p = v;
	size_t len;
	int t, k;

	l->n = 0;
	for (;;) {
		len = strcspn(p, ",");
		for (t = 0; t < HV_SYS_NTESTS; t++)
			if (strlen(hv_sys_test(t)->name) == len &&
			    strncmp(hv_sys_test(t)->name, p, len) == 0)
				break;
		if (t == HV_SYS_NTESTS)
			return hv_k_opt_errf(
				err, HV_K_EXIT_USAGE,
				"unknown test '%.*s' in --%s '%s': "
				"expected a list of " ALL_TESTS,
				(int)len, p, o->name, v);
		for (k = 0; k < l->n; k++)
			if (l->t[k] == (enum hv_sys_test)t)
				return hv_k_opt_errf(
					err, HV_K_EXIT_USAGE,
					"test '%s' is listed twice in --%s "
					"'%s': expected each test once",
					hv_sys_test(t)->name, o->name, v);
		l->t[l->n++] = (enum hv_sys_test)t;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

#define OFF(f) offsetof(struct sys_opts, f)
#define MS 1000000LL

static const struct hv_k_opt opts[] = {
	{.name = "tests",
	 .type = HV_K_OPT_CUSTOM,
	 .def = ALL_TESTS,
	 .off = OFF(tests),
	 .form = "a list of " ALL_TESTS,
	 .help = "tests to run, in this order",
	 .parse = parse_tests},
	{.name = "window",
	 .type = HV_K_OPT_SECS,
	 .min = HV_SYS_MIN_WINDOW_MS * MS,
	 .max = HV_SYS_MAX_WINDOW_MS * MS,
	 .def = "0.2",
	 .off = OFF(window_ns),
	 .help = "measured wall time of each test"},
	{.name = "sleep",
	 .type = HV_K_OPT_SECS,
	 .min = 1000,
	 .max = 1000 * MS,
	 .def = "50us",
	 .off = OFF(sleep_ns),
	 .form = "seconds like 50us or 0.001, from 1us to 1s",
	 .form_has_bounds = true,
	 .help = "timer: the sleep whose lateness is measured"},
	{.name = "exec-child",
	 .type = HV_K_OPT_U64,
	 .max = 255,
	 .off = OFF(exec_child),
	 .help = "exit at once with this code (the forkexec child)"},
	{.name = "json",
	 .type = HV_K_OPT_FLAG,
	 .off = OFF(json),
	 .help = "print one HPCVIRT-RESULT {json} line"},
};

/* The index of --exec-child in opts, for seen[]. */
enum { OPT_EXEC_CHILD = 3 };

static const struct hv_k_optset optset = {
	.synopsis = "hpcvirt-sys [--tests LIST] [--window SECS] "
		    "[--sleep SECS] [--json]",
	.opts = opts,
	.nopts = sizeof(opts) / sizeof(opts[0]),
	.width = 16,
};

/* The path this program runs from, which the forkexec child execs. */
static void
find_self(const char *argv0, char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	if (n > 0) {
		buf[n] = '\0';
		return;
	}
	if (strchr(argv0, '/') && strlen(argv0) < len) {
		snprintf(buf, len, "%s", argv0);
		return;
	}
	hv_k_die(HV_K_EXIT_FAIL,
		 "forkexec: cannot find this program: /proc/self/exe cannot "
		 "be read and argv[0] '%s' is not a path",
		 argv0);
}

/*
 * What the box's clock is: the kernel's clocksource ("tsc"; "" if /sys
 * does not say) and CLOCK_MONOTONIC's resolution (1 ns with high-
 * resolution timers, a tick without them). A guest that finds its TSC
 * unstable switches to a clocksource the vDSO cannot read, and a clock
 * read becomes a system call: this is how the result shows it.
 */
static void
clock_info(char *src, size_t len, int64_t *res_ns)
{
	static const char path[] =
		"/sys/devices/system/clocksource/clocksource0/"
		"current_clocksource";
	struct timespec ts;
	FILE *f = fopen(path, "r");

	src[0] = '\0';
	if (f && fgets(src, (int)len, f))
		src[strcspn(src, "\n")] = '\0';
	if (f)
		fclose(f);
	*res_ns = clock_getres(CLOCK_MONOTONIC, &ts) == 0
			  ? (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec
			  : -1;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The timer's median and largest lateness from its kept samples. */
static void
late_stats(struct hv_sys_ctx *c, struct sys_result *r)
{
	if (!c->nlate)
		return;
	qsort(c->late, c->nlate, sizeof(*c->late), cmp_i64);
	r->late_p50 = c->late[c->nlate / 2];
	r->late_max = c->late[c->nlate - 1];
	r->slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
}

/* Run the batches of t until the window is over; 0, or -1 (c->msg). */
static int
measure(const struct hv_sys_test_def *t, struct hv_sys_ctx *c, int64_t window,
	struct sys_result *r)
{
	uint64_t n = 1, wops = 0;
	int64_t t0, b0, now, wns = 0;
	char msg[sizeof(c->msg)];
	int rc;

	memset(r, 0, sizeof(*r));
	c->seq = 0;
	rc = t->setup ? t->setup(c) : 0;
	if (rc == 0)
		rc = t->batch(c, 1, &wns, &wops); /* untimed */
	c->nlate = 0;
	t0 = hv_k_now_ns();
	while (rc == 0) {
		b0 = hv_k_now_ns();
		rc = t->batch(c, n, &r->timed_ns, &r->ops);
		now = hv_k_now_ns();
		r->batches++;
		if (now - t0 >= window)
			break;
		if ((now - b0) * 64 < window && n < ((uint64_t)1 << 40))
			n *= 2;
	}
	r->wall_ns = hv_k_now_ns() - t0;
	r->cpu = c->cpu;
	if (rc == 0)
		late_stats(c, r);
	memcpy(msg, c->msg, sizeof(msg));
	if (t->finish && t->finish(c) < 0 && rc == 0)
		return -1;
	memcpy(c->msg, msg, sizeof(msg));
	return rc;
}

static void
print_json(const struct sys_opts *o, const struct hv_sys_ctx *c,
	   const struct sys_result *r)
{
	const struct hv_sys_test_def *t;
	struct hv_k_json j;
	char src[64];
	int64_t res;

	hv_k_json_begin(&j, stdout);
	hv_k_json_obj(&j, NULL);
	hv_k_json_str(&j, "kernel", "sys");
	hv_k_json_i64(&j, "version", VERSION);
	hv_k_json_i64(&j, "window_ns", o->window_ns);
	hv_k_json_i64(&j, "sleep_ns", o->sleep_ns);
	hv_k_json_u64(&j, "page_bytes", c->page);
	hv_k_json_u64(&j, "map_bytes", HV_SYS_MAP_BYTES);
	clock_info(src, sizeof(src), &res);
	if (src[0])
		hv_k_json_str(&j, "clocksource", src);
	else
		hv_k_json_null(&j, "clocksource");
	hv_k_json_i64(&j, "clock_res_ns", res);
	hv_k_json_arr(&j, "results");
	for (int k = 0; k < o->tests.n; k++) {
		t = hv_sys_test(o->tests.t[k]);
		hv_k_json_obj(&j, NULL);
		hv_k_json_str(&j, "test", t->name);
		hv_k_json_u64(&j, "ops", r[k].ops);
		hv_k_json_u64(&j, "batches", r[k].batches);
		hv_k_json_i64(&j, "timed_ns", r[k].timed_ns);
		hv_k_json_i64(&j, "wall_ns", r[k].wall_ns);
		hv_k_json_dbl(&j, "ns_per_op",
			      (double)r[k].timed_ns / (double)r[k].ops);
		if (o->tests.t[k] == HV_SYS_CTXSW)
			hv_k_json_i64(&j, "cpu", r[k].cpu);
		if (o->tests.t[k] == HV_SYS_TIMER) {
			hv_k_json_i64(&j, "late_p50_ns", r[k].late_p50);
			hv_k_json_i64(&j, "late_max_ns", r[k].late_max);
			hv_k_json_i64(&j, "timer_slack_ns", r[k].slack);
		}
		hv_k_json_end(&j);
	}
	hv_k_json_end(&j);
	hv_k_json_i64(&j, "cpu_ns", hv_k_cpu_ns());
	hv_k_json_bool(&j, "verified", true);
	hv_k_json_end(&j);
	if (hv_k_json_finish(&j) < 0)
		hv_k_die(HV_K_EXIT_FAIL, "cannot write the result");
}

static void
print_table(const struct sys_opts *o, const struct sys_result *r)
{
	const struct hv_sys_test_def *t;

	printf("%-9s %12s %12s  %s\n", "test", "ops", "ns/op", "per");
	for (int k = 0; k < o->tests.n; k++) {
		t = hv_sys_test(o->tests.t[k]);
		printf("%-9s %12llu %12.1f  %s\n", t->name,
		       (unsigned long long)r[k].ops,
		       (double)r[k].timed_ns / (double)r[k].ops, t->op);
	}
}

/* The forkexec child's fast path: no option table, no output. */
static int
exec_child(const char *code)
{
	uint64_t v;

	if (hv_k_parse_u64(code, 0, 255, &v) != 0)
		hv_k_die(HV_K_EXIT_USAGE,
			 "bad --exec-child '%s': expected an integer from 0 "
			 "to 255",
			 code);
	return (int)v;
}

int
main(int argc, char **argv)
{
	struct hv_sys_ctx c = {.to_child = -1, .from_child = -1, .cpu = -1};
	struct sys_result r[HV_SYS_NTESTS];
	bool seen[sizeof(opts) / sizeof(opts[0])] = {false};
	char self[PATH_MAX];
	struct sys_opts o;

	hv_k_progname("hpcvirt-sys");
	if (argc == 3 && strcmp(argv[1], "--exec-child") == 0)
		return exec_child(argv[2]);
	hv_k_opts_help(&optset, argc, argv);
	memset(&o, 0, sizeof(o));
	hv_k_parse_opts_or_die(&optset, 0, &o, seen, argc - 1, argv + 1);
	if (seen[OPT_EXEC_CHILD])
		return (int)o.exec_child;
	signal(SIGPIPE, SIG_IGN);
	c.page = (size_t)sysconf(_SC_PAGESIZE);
	c.sleep_ns = o.sleep_ns;
	for (int k = 0; k < o.tests.n; k++)
		if (o.tests.t[k] == HV_SYS_FORKEXEC)
			find_self(argv[0], self, sizeof(self));
	c.self = self;
	for (int k = 0; k < o.tests.n; k++)
		if (measure(hv_sys_test(o.tests.t[k]), &c, o.window_ns, &r[k]) <
		    0)
			hv_k_die(HV_K_EXIT_FAIL, "%s: %s",
				 hv_sys_test(o.tests.t[k])->name, c.msg);
	free(c.late);
	if (o.json)
		print_json(&o, &c, r);
	else
		print_table(&o, r);
	return HV_K_EXIT_OK;
}
