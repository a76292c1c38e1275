/*
 * bench.h - benchmark descriptors. A benchmark is a static const struct
 * hv_bench listed once in src/registry.c: which kernel program it runs,
 * which parameters it sweeps (each parameter set is one cell), how to
 * build the kernel's argv for one repetition, and how to read its metrics
 * from the kernel's HPCVIRT-RESULT JSON line.
 */
#ifndef HPCVIRT_BENCH_H
#define HPCVIRT_BENCH_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "hpcvirt/util/err.h"
#include "hpcvirt/results/result.h"

/* A parameter: its values are a comma-separated list; the cells of a
 * study are the cartesian product of all parameter lists. */
struct hv_param_def {
	const char *name;   /* key in params, e.g. "size_bytes" */
	const char *defval; /* default list, e.g. "1,64,1024" */
	const char *help;
	/* The run option that sets it ("sizes" for --sizes), or NULL: it is
	 * set with --set NAME=LIST. Messages about its values name this. */
	const char *option;
	/* Validates one value; NULL accepts anything. name is the option
	 * to name in the message ("sizes", or "set size_bytes"). Bounds are
	 * the kernel's own (src/proto/bounds.h). */
	int (*check)(const char *name, const char *value, struct hv_err *err);
};

/* A metric the benchmark reports per repetition (one cell each). */
struct hv_metric_def {
	const char *name; /* "half_rtt_p50_ns" */
	const char *unit; /* "ns" */
	bool higher_is_better;
	/* A tail quantile (p99): reported, but no precision target, since
	 * pinning a rare event to 2 % takes far more repetitions. */
	bool tail;
};

/* A peer a repetition needs (the net server), started natively by the
 * host and stopped after the repetition. */
struct hv_peer {
	char addr[64]; /* numeric address it listens on */
	int port;
};

/* What one repetition's argv may depend on besides the parameters. */
struct hv_bench_ctx {
	struct hv_peer peer; /* valid when the bench needs_peer */
	const char *scratch; /* the box's storage dir, as the box sees it */
};

#define HV_ARGV_MAX 48

/* An argv under construction; strings are owned by the struct. */
struct hv_argv {
	char *v[HV_ARGV_MAX + 1];
	int n;
};

void hv_argv_init(struct hv_argv *a);
void hv_argv_release(struct hv_argv *a);
int hv_argv_add(struct hv_argv *a, const char *s);
int hv_argv_addf(struct hv_argv *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Native runs of kernels for a time estimate (study/estimate.h):
 * run(pl, argv, &wall_s) runs argv (argv[0] a kernel of the host's build)
 * natively, once per distinct argv, and returns its HPCVIRT-RESULT
 * object, owned by the pilot, with the run's wall time; NULL if it did
 * not run or exit 0.
 */
struct hv_pilot {
	const cJSON *(*run)(struct hv_pilot *pl, const struct hv_argv *argv,
			    double *wall_s);
};

struct hv_bench {
	const char *name;    /* "net.rr" */
	const char *summary; /* one line */
	const char *kernel;  /* file name of the kernel, e.g. "hpcvirt-net" */
	const struct hv_param_def *params;
	size_t nparams;
	const struct hv_metric_def *metrics;
	size_t nmetrics;
	bool needs_peer; /* start "KERNEL server" natively for each rep */
	/* No kernel: a repetition starts a fresh box of the env and measures
	 * the start itself (metrics[0]: seconds to agent-ready, metrics[1]:
	 * resident memory of the box's host processes, in bytes). */
	bool box_start;
	/* Per-repetition timeout for the agent, in ms. */
	int timeout_ms;
	/* Optional: false for a parameter combination that makes no sense
	 * (e.g. a serial variant with 2 threads); the plan skips it. */
	bool (*valid)(const struct hv_params *p);
	/* Build the kernel's argv (argv[0] is the kernel name). */
	int (*argv)(const struct hv_params *p, const struct hv_bench_ctx *bc,
		    struct hv_argv *out, struct hv_err *err);
	/* Extract every metric (values[i] for metrics[i]) from the result. */
	int (*parse)(const struct hv_params *p, const cJSON *result,
		     double *values, struct hv_err *err);
	/* Optional: seconds one repetition of p takes at native speed on
	 * this host, for the estimate printed before a study; it may run
	 * short native pilots through pl. Negative: not known. Without
	 * it, the estimate runs the repetition's own argv natively once. */
	double (*expect_s)(const struct hv_params *p, struct hv_pilot *pl);
};

/* Shared value checkers for parameter definitions. */
int hv_check_bytes_max(const char *name, const char *value, uint64_t max,
		       struct hv_err *err);
int hv_check_count(const char *name, const char *value, struct hv_err *err);
int hv_check_secs(const char *name, const char *value, struct hv_err *err);

/* Number of the field key in obj as a double; -EINVAL with a message if
 * missing or not a number. */
int hv_json_number(const cJSON *obj, const char *key, double *out,
		   struct hv_err *err);

#endif
