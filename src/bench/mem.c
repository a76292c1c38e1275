/*
 * mem.c - memory micro-benchmark: the cost of first-touch page faults (a
 * large part of what a virtualization layer adds: nested paging, shadow
 * page tables, emulated MMUs) and STREAM-like triad bandwidth, from
 * hpcvirt-mem. In a box with a memory limit, a buffer over the limit gets
 * the kernel OOM-killed and the cell fails with that reason.
 */
#include <errno.h>

#include "hpcvirt/study/bench.h"
#include "proto/bounds.h"

static int
check_mem(const char *name, const char *value, struct hv_err *err)
{
	return hv_check_bytes_max(name, value, HV_MEM_MAX_BYTES, err);
}

static const struct hv_param_def mem_params[] = {
	{.name = "mem_bytes",
	 .defval = "256MiB",
	 .help = "buffer size (--set mem_bytes=...)",
	 .check = check_mem},
};

static const struct hv_metric_def mem_metrics[] = {
	{.name = "fault_ns_per_page", .unit = "ns", .higher_is_better = false},
	{.name = "triad_bw_bytes_per_sec",
	 .unit = "bytes/s",
	 .higher_is_better = true},
};

static int
mem_argv(const struct hv_params *p, const struct hv_bench_ctx *bc,
	 struct hv_argv *out, struct hv_err *err)
{
	int rc = 0;

	(void)bc;
	rc |= hv_argv_add(out, "hpcvirt-mem");
	rc |= hv_argv_add(out, "--size");
	rc |= hv_argv_add(out, hv_params_get(p, "mem_bytes"));
	rc |= hv_argv_add(out, "--json");
	return rc ? hv_err_set(err, ENOMEM, "mem: argv") : 0;
}

static int
mem_parse(const struct hv_params *p, const cJSON *res, double *values,
	  struct hv_err *err)
{
	int rc;

	(void)p;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "verified")))
		return hv_err_set(err, EINVAL, "mem: triad not verified");
	rc = hv_json_number(res, "fault_ns_per_page", &values[0], err);
	if (rc == 0)
		rc = hv_json_number(res, "triad_bw_bytes_per_sec", &values[1],
				    err);
	return rc;
}

const struct hv_bench hv_bench_mem = {
	.name = "mem",
	.summary = "first-touch page-fault cost and triad memory bandwidth",
	.kernel = "hpcvirt-mem",
	.params = mem_params,
	.nparams = sizeof(mem_params) / sizeof(mem_params[0]),
	.metrics = mem_metrics,
	.nmetrics = sizeof(mem_metrics) / sizeof(mem_metrics[0]),
	.timeout_ms = 600 * 1000,
	.argv = mem_argv,
	.parse = mem_parse,
};
