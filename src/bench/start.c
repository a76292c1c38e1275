/*
 * start.c - env.start: what it costs to bring a box up. Each repetition
 * starts a fresh box of the environment (beside the study's long-lived
 * one), measures the time from start to a connected agent and the
 * resident memory of the box's host processes, and stops it again. The
 * scheduler does the work (box_start); this is only the descriptor.
 */
#include "hpcvirt/study/bench.h"

static const struct hv_metric_def start_metrics[] = {
	{.name = "start_s", .unit = "s", .higher_is_better = false},
	{.name = "rss_bytes", .unit = "bytes", .higher_is_better = false},
};

/*
 * Not measured before the study (that would boot every box once more):
 * about 2 s, what UML and TCG take to boot on this project's 2-core
 * hosts (docs/performance.md); containers take less.
 */
static double
start_expect_s(const struct hv_params *p, struct hv_pilot *pl)
{
	(void)p;
	(void)pl;
	return 2.0;
}

const struct hv_bench hv_bench_env_start = {
	.name = "env.start",
	.summary = "box start to agent-ready, and host memory of the box",
	.kernel = "hpcvirt-agent",
	.metrics = start_metrics,
	.nmetrics = sizeof(start_metrics) / sizeof(start_metrics[0]),
	.timeout_ms = 120 * 1000,
	.box_start = true,
	.expect_s = start_expect_s,
};
