/*
 * net.c - the network benchmarks, the paper's netperf TCP_RR and
 * TCP_STREAM: hpcvirt-net runs in the box as the client, its server runs
 * natively as the peer. One repetition is one kernel run for one message
 * size (rr) or block size (stream).
 */
#include <errno.h>
#include <stdio.h>

#include "hpcvirt/study/bench.h"
#include "hpcvirt/util/opt.h"
#include "proto/bounds.h"

static int
check_msg(const char *name, const char *value, struct hv_err *err)
{
	return hv_check_bytes_max(name, value, HV_NET_MAX_MSG, err);
}

static const struct hv_param_def rr_params[] = {
	{.name = "size_bytes",
	 .defval = "1,64,1024,4096,16384,65536",
	 .help = "message size sweep (--sizes)",
	 .option = "sizes",
	 .check = check_msg},
	{.name = "duration_s",
	 .defval = "1",
	 .help = "measured seconds per repetition (--duration)",
	 .option = "duration",
	 .check = hv_check_secs},
};

static const struct hv_metric_def rr_metrics[] = {
	{.name = "half_rtt_p50_ns", .unit = "ns", .higher_is_better = false},
	{.name = "half_rtt_p99_ns",
	 .unit = "ns",
	 .higher_is_better = false,
	 .tail = true},
	{.name = "half_rtt_mean_ns", .unit = "ns", .higher_is_better = false},
};

static const struct hv_param_def stream_params[] = {
	{.name = "block_bytes",
	 .defval = "131072",
	 .help = "send size (--set block_bytes=...)",
	 .check = check_msg},
	{.name = "duration_s",
	 .defval = "2",
	 .help = "measured seconds per repetition (--duration)",
	 .option = "duration",
	 .check = hv_check_secs},
};

static const struct hv_metric_def stream_metrics[] = {
	{.name = "bw_bytes_per_sec",
	 .unit = "bytes/s",
	 .higher_is_better = true},
};

/* Arguments both modes share: peer, duration, JSON output. */
static int
common_argv(const char *mode, const struct hv_params *p,
	    const struct hv_peer *peer, struct hv_argv *out)
{
	int rc = 0;

	rc |= hv_argv_add(out, "hpcvirt-net");
	rc |= hv_argv_add(out, mode);
	rc |= hv_argv_add(out, "--host");
	rc |= hv_argv_add(out, peer->addr);
	rc |= hv_argv_add(out, "--port");
	rc |= hv_argv_addf(out, "%d", peer->port);
	rc |= hv_argv_add(out, "--duration");
	rc |= hv_argv_add(out, hv_params_get(p, "duration_s"));
	rc |= hv_argv_add(out, "--json");
	return rc ? -ENOMEM : 0;
}

static int
rr_argv(const struct hv_params *p, const struct hv_bench_ctx *bc,
	struct hv_argv *out, struct hv_err *err)
{
	if (common_argv("rr", p, &bc->peer, out) < 0 ||
	    hv_argv_add(out, "--size") < 0 ||
	    hv_argv_add(out, hv_params_get(p, "size_bytes")) < 0)
		return hv_err_set(err, ENOMEM, "net.rr: argv");
	return 0;
}

static int
stream_argv(const struct hv_params *p, const struct hv_bench_ctx *bc,
	    struct hv_argv *out, struct hv_err *err)
{
	if (common_argv("stream", p, &bc->peer, out) < 0 ||
	    hv_argv_add(out, "--block") < 0 ||
	    hv_argv_add(out, hv_params_get(p, "block_bytes")) < 0)
		return hv_err_set(err, ENOMEM, "net.stream: argv");
	return 0;
}

/* The first element of "results", which is the one size we asked for. */
static int
first_result(const cJSON *res, const cJSON **out, struct hv_err *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(res, "results");

	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != 1)
		return hv_err_set(
			err, EINVAL,
			"net result: expected one entry in 'results'");
	*out = cJSON_GetArrayItem(arr, 0);
	return 0;
}

static int
rr_parse(const struct hv_params *p, const cJSON *res, double *values,
	 struct hv_err *err)
{
	const cJSON *r;
	size_t i;
	int rc;

	(void)p;
	rc = first_result(res, &r, err);
	for (i = 0; rc == 0 && i < sizeof(rr_metrics) / sizeof(rr_metrics[0]);
	     i++)
		rc = hv_json_number(r, rr_metrics[i].name, &values[i], err);
	return rc;
}

static int
stream_parse(const struct hv_params *p, const cJSON *res, double *values,
	     struct hv_err *err)
{
	const cJSON *r;
	int rc;

	(void)p;
	rc = first_result(res, &r, err);
	if (rc == 0)
		rc = hv_json_number(r, "bw_bytes_per_sec", &values[0], err);
	return rc;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A repetition lasts its duration, plus about 0.2 s to start the peer
 * and the kernel and to connect. */
static double
net_expect_s(const struct hv_params *p, struct hv_pilot *pl)
{
	double v;

	(void)pl;
	if (hv_opt_secs("duration", hv_params_get(p, "duration_s"), 0.001,
			86400, &v, NULL) < 0)
		return -1;
	return v + 0.2;
}

const struct hv_bench hv_bench_net_rr = {
	.name = "net.rr",
	.summary = "TCP request/response half round trip (netperf TCP_RR)",
	.kernel = "hpcvirt-net",
	.params = rr_params,
	.nparams = N(rr_params),
	.metrics = rr_metrics,
	.nmetrics = N(rr_metrics),
	.needs_peer = true,
	.timeout_ms = 120000,
	.argv = rr_argv,
	.parse = rr_parse,
	.expect_s = net_expect_s,
};

const struct hv_bench hv_bench_net_stream = {
	.name = "net.stream",
	.summary = "TCP bulk transfer bandwidth (netperf TCP_STREAM)",
	.kernel = "hpcvirt-net",
	.params = stream_params,
	.nparams = N(stream_params),
	.metrics = stream_metrics,
	.nmetrics = N(stream_metrics),
	.needs_peer = true,
	.timeout_ms = 120000,
	.argv = stream_argv,
	.parse = stream_parse,
	.expect_s = net_expect_s,
};
