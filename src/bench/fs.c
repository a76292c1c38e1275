/*
 * fs.c - the file-system bench, the paper's IOZone writer/reader: in each
 * box, hpcvirt-fs writes, rewrites, reads and rereads a file on the box's
 * own storage (native: a host directory; ns: its scratch directory on the
 * host's disk; VMs: their disk), in 1 MiB records, over a file-size sweep.
 * One repetition is one kernel run for one file size; it yields the four
 * bandwidths.
 */
#include <errno.h>
#include <string.h>

#include "hpcvirt/study/bench.h"
#include "proto/bounds.h"

static const char *const tests[] = {"write", "rewrite", "read", "reread"};

static int
check_mode(const char *name, const char *v, struct hv_err *err)
{
	if (strcmp(v, "default") == 0 || strcmp(v, "fsync") == 0 ||
	    strcmp(v, "direct") == 0 || strcmp(v, "cold") == 0)
		return 0;
	return hv_err_set(err, EINVAL,
			  "bad --%s '%s': expected default (as IOZone: no "
			  "fsync in the timed region), fsync, direct or cold",
			  name, v);
}

static int
check_file(const char *name, const char *value, struct hv_err *err)
{
	return hv_check_bytes_max(name, value, HV_FS_MAX_FILE, err);
}

static int
check_record(const char *name, const char *value, struct hv_err *err)
{
	return hv_check_bytes_max(name, value, HV_FS_MAX_RECORD, err);
}

static const struct hv_param_def fs_params[] = {
	{.name = "file_bytes",
	 .defval = "1MiB,2MiB,4MiB,8MiB,16MiB,32MiB,64MiB,128MiB,256MiB,512MiB",
	 .help = "file-size sweep (--set file_bytes=...)",
	 .check = check_file},
	{.name = "record_bytes",
	 .defval = "1MiB",
	 .help = "size of each write and read (--set record_bytes=...)",
	 .check = check_record},
	{.name = "mode",
	 .defval = "default",
	 .help = "default, fsync, direct or cold (--set mode=...)",
	 .check = check_mode},
};

static const struct hv_metric_def fs_metrics[] = {
	{.name = "write_bw_bytes_per_sec",
	 .unit = "bytes/s",
	 .higher_is_better = true},
	{.name = "rewrite_bw_bytes_per_sec",
	 .unit = "bytes/s",
	 .higher_is_better = true},
	{.name = "read_bw_bytes_per_sec",
	 .unit = "bytes/s",
	 .higher_is_better = true},
	{.name = "reread_bw_bytes_per_sec",
	 .unit = "bytes/s",
	 .higher_is_better = true},
};

static int
fs_argv(const struct hv_params *p, const struct hv_bench_ctx *bc,
	struct hv_argv *out, struct hv_err *err)
{
	const char *mode = hv_params_get(p, "mode");
	int rc = 0;

	if (!bc->scratch || !bc->scratch[0])
		return hv_err_set(err, EINVAL, "fs: the box has no storage");
	rc |= hv_argv_add(out, "hpcvirt-fs");
	rc |= hv_argv_add(out, "--dir");
	rc |= hv_argv_add(out, bc->scratch);
	rc |= hv_argv_add(out, "--size");
	rc |= hv_argv_add(out, hv_params_get(p, "file_bytes"));
	rc |= hv_argv_add(out, "--record");
	rc |= hv_argv_add(out, hv_params_get(p, "record_bytes"));
	if (strcmp(mode, "default") != 0)
		rc |= hv_argv_addf(out, "--%s", mode);
	rc |= hv_argv_add(out, "--json");
	return rc ? hv_err_set(err, ENOMEM, "fs: argv") : 0;
}

/* The "bw_bytes_per_sec" of the result entry for test t. */
static int
test_bw(const cJSON *res, const char *t, double *out, struct hv_err *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(res, "results");
	const cJSON *e, *name;

	cJSON_ArrayForEach(e, arr)
	{
		name = cJSON_GetObjectItemCaseSensitive(e, "test");
		if (cJSON_IsString(name) && strcmp(name->valuestring, t) == 0)
			return hv_json_number(e, "bw_bytes_per_sec", out, err);
	}
	return hv_err_set(err, EINVAL, "fs result has no '%s' entry", t);
}

static int
fs_parse(const struct hv_params *p, const cJSON *res, double *values,
	 struct hv_err *err)
{
	size_t i;
	int rc = 0;

	(void)p;
	for (i = 0; rc == 0 && i < sizeof(tests) / sizeof(tests[0]); i++)
		rc = test_bw(res, tests[i], &values[i], err);
	return rc;
}

const struct hv_bench hv_bench_fs = {
	.name = "fs",
	.summary = "file-system writer/rewriter/reader/rereader (IOZone)",
	.kernel = "hpcvirt-fs",
	.params = fs_params,
	.nparams = sizeof(fs_params) / sizeof(fs_params[0]),
	.metrics = fs_metrics,
	.nmetrics = sizeof(fs_metrics) / sizeof(fs_metrics[0]),
	.timeout_ms = 600 * 1000,
	.argv = fs_argv,
	.parse = fs_parse,
};
