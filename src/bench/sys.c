/*
 * sys.c - the attribution bench: what one system call, clock read, page
 * fault, context switch, fork+exec+wait, 1 MiB mmap+munmap and timer
 * wake-up cost in each box, from hpcvirt-sys. One cell per test (the
 * "test" parameter), so that each gets the repetitions its own noise
 * needs and a test that fails in a box fails only its cell. A
 * repetition is one kernel run measuring its test for a fixed window of
 * wall time (window_s), which bounds it in a slow box as well.
 */
#include <errno.h>
#include <string.h>

#include "hpcvirt/study/bench.h"
#include "hpcvirt/util/opt.h"
#include "proto/bounds.h"

#define MIN_WINDOW_S (HV_SYS_MIN_WINDOW_MS / 1000.0)
#define MAX_WINDOW_S (HV_SYS_MAX_WINDOW_MS / 1000.0)

/* Is v one of the comma-separated names in HV_SYS_TESTS? */
static int
check_test(const char *name, const char *v, struct hv_err *err)
{
	const char *p = HV_SYS_TESTS;
	size_t len, vlen = strlen(v);

	for (;;) {
		len = strcspn(p, ",");
		if (len == vlen && strncmp(p, v, len) == 0)
			return 0;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	return hv_err_set(err, EINVAL,
			  "bad --%s '%s': expected tests from " HV_SYS_TESTS,
			  name, v);
}

static int
check_window(const char *name, const char *v, struct hv_err *err)
{
	double s;

	return hv_opt_secs(name, v, MIN_WINDOW_S, MAX_WINDOW_S, &s, err);
}

static const struct hv_param_def sys_params[] = {
	{.name = "test",
	 .defval = HV_SYS_TESTS,
	 .help = "operations to time, one cell each (--set test=...)",
	 .check = check_test},
	{.name = "window_s",
	 .defval = "0.2",
	 .help = "measured seconds of each repetition (--set window_s=...)",
	 .check = check_window},
};

static const struct hv_metric_def sys_metrics[] = {
	{.name = "ns_per_op", .unit = "ns", .higher_is_better = false},
};

static int
sys_argv(const struct hv_params *p, const struct hv_bench_ctx *bc,
	 struct hv_argv *out, struct hv_err *err)
{
	int rc = 0;

	(void)bc;
	rc |= hv_argv_add(out, "hpcvirt-sys");
	rc |= hv_argv_add(out, "--tests");
	rc |= hv_argv_add(out, hv_params_get(p, "test"));
	rc |= hv_argv_add(out, "--window");
	rc |= hv_argv_add(out, hv_params_get(p, "window_s"));
	rc |= hv_argv_add(out, "--json");
	return rc ? hv_err_set(err, ENOMEM, "sys: argv") : 0;
}

/* The one entry of "results", which must be the test asked for. */
static int
sys_parse(const struct hv_params *p, const cJSON *res, double *values,
	  struct hv_err *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(res, "results");
	const char *want = hv_params_get(p, "test");
	const cJSON *e, *name;

	if (!want)
		return hv_err_set(err, EINVAL, "sys: no 'test' parameter");
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "verified")))
		return hv_err_set(err, EINVAL, "sys: result not verified");
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != 1)
		return hv_err_set(err, EINVAL,
				  "sys result: expected one entry in "
				  "'results'");
	e = cJSON_GetArrayItem(arr, 0);
	name = cJSON_GetObjectItemCaseSensitive(e, "test");
	if (!cJSON_IsString(name) || strcmp(name->valuestring, want) != 0)
		return hv_err_set(err, EINVAL,
				  "sys result: the entry is not test '%s'",
				  want);
	return hv_json_number(e, "ns_per_op", &values[0], err);
}

/* A repetition is its window, plus about 10 ms to start the kernel and
 * its untimed first operation (a fork+exec takes 3 ms on a slow host). */
static double
sys_expect_s(const struct hv_params *p, struct hv_pilot *pl)
{
	double v;

	(void)pl;
	if (hv_opt_secs("window_s", hv_params_get(p, "window_s"), MIN_WINDOW_S,
			MAX_WINDOW_S, &v, NULL) < 0)
		return -1;
	return v + 0.01;
}

const struct hv_bench hv_bench_sys = {
	.name = "sys",
	.summary = "ns per syscall, clock read, page fault, context switch, "
		   "fork+exec, mmap, timer wake-up",
	.kernel = "hpcvirt-sys",
	.params = sys_params,
	.nparams = sizeof(sys_params) / sizeof(sys_params[0]),
	.metrics = sys_metrics,
	.nmetrics = sizeof(sys_metrics) / sizeof(sys_metrics[0]),
	.timeout_ms = 120 * 1000,
	.argv = sys_argv,
	.parse = sys_parse,
	.expect_s = sys_expect_s,
};
