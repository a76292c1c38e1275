/*
 * stats.h - the one statistics module: per-cell summaries, the ratio of an
 * environment to native with a seeded bootstrap 95 % confidence interval,
 * and the verdict drawn from it. docs/METHOD.md explains the choices.
 *
 * Everything here is deterministic for a given seed, allocates only
 * scratch memory it frees itself, and never prints.
 */
#ifndef HPCVIRT_STATS_H
#define HPCVIRT_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hpcvirt/err.h"

/* xoshiro256** generator, seeded through splitmix64 (public algorithms). */
struct hv_rng {
	uint64_t s[4];
};

void hv_rng_seed(struct hv_rng *rng, uint64_t seed);
uint64_t hv_rng_next(struct hv_rng *rng);
/* Uniform integer in [0, n), without modulo bias. n > 0. */
uint64_t hv_rng_below(struct hv_rng *rng, uint64_t n);
/* Uniform double in [0, 1). */
double hv_rng_double(struct hv_rng *rng);
/* Fisher-Yates shuffle of n elements of size sz. */
void hv_rng_shuffle(struct hv_rng *rng, void *base, size_t n, size_t sz);

/* Summary of one cell's samples (warm-up already discarded). */
struct hv_summary {
	size_t n;
	double mean;
	double stddev; /* sample standard deviation (n-1); 0 when n < 2 */
	double min;
	double max;
	double median;
	double p99;
};

/*
 * Quantile q in [0,1] of an ascending array, by linear interpolation
 * between order statistics (Hyndman-Fan type 7, as R's default).
 * n must be > 0.
 */
double hv_quantile_sorted(const double *sorted, size_t n, double q);

/* Fill *out from x[0..n-1]; x is not modified. -EINVAL when n == 0. */
int hv_summary_compute(const double *x, size_t n, struct hv_summary *out,
		       struct hv_err *err);

enum hv_verdict {
	HV_VERDICT_NONE = 0,	       /* not computed (native, or no data) */
	HV_VERDICT_INDISTINGUISHABLE, /* the CI contains 1.0 */
	HV_VERDICT_SLOWER,	       /* worse than native */
	HV_VERDICT_FASTER,	       /* better than native */
};

/* "slower", "faster", "indistinguishable", or "" for NONE. */
const char *hv_verdict_name(enum hv_verdict v);

struct hv_ratio {
	double ratio; /* mean(env) / mean(native) */
	double lo;    /* lower bound of the CI */
	double hi;    /* upper bound of the CI */
	enum hv_verdict verdict;
};

struct hv_boot_opts {
	unsigned iters;	   /* bootstrap resamples; 0 means 4000 */
	double level;	   /* confidence level; 0 means 0.95 */
	uint64_t seed;	   /* the study's seed, recorded in its context */
	bool higher_is_better; /* bandwidth yes, time and latency no */
};

/*
 * Ratio of env to native (point estimate: ratio of means) with a
 * percentile bootstrap CI: both samples are resampled independently with
 * replacement, iters times. The verdict compares the CI with 1.0 and
 * takes higher_is_better into account (a bandwidth ratio below 1 is
 * "slower"). Needs n_env >= 2, n_base >= 2 and a positive native mean;
 * otherwise -EINVAL with a message.
 */
int hv_ratio_bootstrap(const double *env, size_t n_env, const double *base,
		       size_t n_base, const struct hv_boot_opts *opts,
		       struct hv_ratio *out, struct hv_err *err);

#endif
