/*
 * stats.h - the one statistics module: per-cell summaries, the ratio of an
 * environment to native with a seeded bootstrap 95 % confidence interval,
 * the verdict drawn from it and its p-value, the Benjamini-Hochberg
 * correction of many verdicts, and the gross-artefact guard.
 * docs/METHOD.md explains the choices.
 *
 * Everything here is deterministic for a given seed, allocates only
 * scratch memory it frees itself, and never prints.
 */
#ifndef HPCVIRT_STATS_H
#define HPCVIRT_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hpcvirt/util/err.h"

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
/* Fisher-Yates shuffle of n elements of size sz (from the last down). */
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
 * between order statistics (Hyndman-Fan type 7, as R's default):
 * h = (n-1) q, result x[floor h] + (h - floor h) (x[floor h + 1] -
 * x[floor h]). q <= 0 (or NaN) gives the minimum, q >= 1 the maximum.
 * n must be > 0 (NaN otherwise).
 */
double hv_quantile_sorted(const double *sorted, size_t n, double q);

/*
 * Fill *out from x[0..n-1]; x is not modified. -EINVAL when n == 0 or a
 * sample is not finite, -ENOMEM if the sorted copy cannot be allocated.
 */
int hv_summary_compute(const double *x, size_t n, struct hv_summary *out,
		       struct hv_err *err);

enum hv_verdict {
	HV_VERDICT_NONE = 0,	      /* not computed (native, or no data) */
	HV_VERDICT_INDISTINGUISHABLE, /* the CI contains 1.0 */
	HV_VERDICT_SLOWER,	      /* worse than native */
	HV_VERDICT_FASTER,	      /* better than native */
};

/* "slower", "faster", "indistinguishable", or "" for NONE. */
const char *hv_verdict_name(enum hv_verdict v);

/*
 * The verdict for an interval [lo, hi] of env/native: INDISTINGUISHABLE
 * when lo <= 1 <= hi; otherwise a ratio above 1 is SLOWER for a time or
 * latency and FASTER when higher_is_better (a bandwidth), and the
 * reverse below 1. NONE if lo or hi is NaN.
 */
enum hv_verdict hv_verdict_from_ci(double lo, double hi, bool higher_is_better);

struct hv_ratio {
	double ratio; /* mean(env) / mean(native) */
	double lo;    /* lower bound of the CI (always <= ratio) */
	double hi;    /* upper bound of the CI (always >= ratio) */
	enum hv_verdict verdict;
	/* The smallest alpha whose (1 - alpha) interval excludes 1: the
	 * verdict is SLOWER or FASTER iff p <= 1 - level. */
	double p;
};

/*
 * How the interval is built from the resamples (docs/METHOD.md has the
 * A/A coverage of each). HV_BOOT_DEFAULT is HV_BOOT_EXPANDED; the others
 * are kept for comparison and tests: the percentile interval covers only
 * about 87 % instead of 95 % at n = 5, and the two bootstrap-t intervals
 * explode at n = 3 (a resample with a near-zero se* makes t* huge).
 */
enum hv_boot_method {
	HV_BOOT_DEFAULT = 0,
	HV_BOOT_PERCENTILE,  /* quantiles of mean(env*) / mean(native*) */
	HV_BOOT_STUDENT_LOG, /* equal-tailed bootstrap-t on log(ratio) */
	HV_BOOT_SYMMETRIC_T, /* symmetric bootstrap-t on log(ratio) */
	HV_BOOT_EXPANDED,    /* expanded percentile on log(ratio) */
};

/*
 * "expanded-percentile-log" (also for DEFAULT), "symmetric-t-log",
 * "studentized-log", "percentile", or "" for an unknown value: the
 * study's context records it.
 */
const char *hv_boot_method_name(enum hv_boot_method m);

struct hv_boot_opts {
	unsigned iters;	       /* bootstrap resamples; 0 means 4000 */
	double level;	       /* confidence level; 0 means 0.95 */
	uint64_t seed;	       /* the study's seed, recorded in its context */
	bool higher_is_better; /* bandwidth yes, time and latency no */
	enum hv_boot_method method; /* 0: HV_BOOT_EXPANDED */
};

/*
 * Ratio of env to native (point estimate: ratio of means) with a
 * bootstrap CI. Both samples are resampled independently with
 * replacement, iters times, from one generator seeded with opts->seed:
 * each resample draws n_env indices hv_rng_below(rng, n_env), then n_base
 * indices hv_rng_below(rng, n_base), so the result is a pure function of
 * the data and the options.
 *
 * Quantiles are type 7 (hv_quantile_sorted) of the iters replicates,
 * alpha = 1 - level. HV_BOOT_PERCENTILE: the CI is the alpha/2 and
 * 1-alpha/2 quantiles of the resampled ratios of means. The other two
 * studentize L = log(ratio) by its delta-method standard error
 * se = sqrt(s_e^2/(n_e m_e^2) + s_b^2/(n_b m_b^2)) (s: sample standard
 * deviation, m: mean); each resample gives t* = (L* - L) / se*.
 * HV_BOOT_STUDENT_LOG: CI = [exp(L - t*_(1-alpha/2) se),
 * exp(L - t*_(alpha/2) se)]. HV_BOOT_SYMMETRIC_T: with c the 1-alpha
 * quantile of |t*|, CI = [exp(L - c se), exp(L + c se)]. When se is 0
 * (both samples constant) the CI is [ratio, ratio]. A resample with
 * se* = 0 has t* = +-inf, so with n = 2 the studentized CI is usually
 * [0, +inf] (indistinguishable): renderers must print an infinite bound
 * (JSON has no inf: use null).
 *
 * HV_BOOT_EXPANDED (the default): the replicates are L* = log(mean(env*)
 * / mean(native*)), qlo and qhi their alpha/2 and 1-alpha/2 quantiles,
 * and CI = [exp(L + f (qlo - L)), exp(L + f (qhi - L))] with
 * f = k t_{1-alpha/2, df} / z_{1-alpha/2}. With a = s_e^2/(n_e m_e^2)
 * and b = s_b^2/(n_b m_b^2) (the two terms of se^2), k = sqrt((a + b) /
 * (a (n_e-1)/n_e + b (n_b-1)/n_b)) undoes the bootstrap's (n-1)/n
 * variance shrinkage (k = sqrt(n/(n-1)) when n_e = n_b = n) and df is
 * Welch-Satterthwaite's (a + b)^2 / (a^2/(n_e-1) + b^2/(n_b-1)), which
 * lies in [min(n_e, n_b) - 1, n_e + n_b - 2]; when a = b = 0, k = 1 and
 * df = min(n_e, n_b) - 1. Beyond the level the replicates resolve,
 * alpha/2 < edge = min(10 / iters, 0.0025) (so never at level 0.95),
 * the tail is continued as a normal one through the edge quantile: the
 * q quantile is M + (Q(edge) - M) z_q / z_edge, M the median of the L*
 * (and the same at 1 - q). The bounds stay finite. In every case the
 * interval is widened, if needed, to contain the point estimate.
 *
 * The verdict is hv_verdict_from_ci(lo, hi, higher_is_better).
 *
 * p is the interval inverted: the smallest alpha at which the (1 - alpha)
 * interval of the same method, replicates and rule (widened to the
 * point estimate) excludes 1, found by bisection on alpha (on the bits
 * of the double, so the search is as fine near 1e-9 as near 0.5) to a
 * relative 1e-6, rounded up. The replicates are those of the interval,
 * so p is a pure function of the data and the options too; for the
 * expanded interval f moves with alpha through t_{1-alpha/2, df} and
 * z_{1-alpha/2}. The search is bracketed by the reported interval itself,
 * so the verdict is SLOWER or FASTER exactly when p <= 1 - level.
 * Each method's interval shrinks as alpha grows (for the expanded one:
 * f falls, and a quantile that crosses L puts the bound past L, where
 * the widening holds it), so the alphas that exclude 1 are one range
 * [p, 1). p is 1 when no alpha below 1 excludes 1 (a ratio of exactly
 * 1), and 0 when every one does (a bootstrap distribution that is a
 * single point: constant samples). Small p-values of the expanded
 * interval rest on its tail continuation (a clamped quantile made them
 * too small, docs/METHOD.md section 5.1); below about 1e-16, where
 * 1 - alpha/2 rounds to 1, p stops. Read p < 1e-3 as "very small", not
 * as an exact figure.
 *
 * opts may be NULL (every default, seed 0, lower is better). Needs
 * n_env >= 2, n_base >= 2, every sample positive and finite (times,
 * rates and sizes are), iters 100..1000000 and level in (0.5, 1);
 * otherwise -EINVAL with a message naming the bad value. -ENOMEM if
 * the iters replicates cannot be allocated. About 0.8 ms for n = 10 and
 * 4000 resamples, and about 0.25 ms more for p.
 */
int hv_ratio_bootstrap(const double *env, size_t n_env, const double *base,
		       size_t n_base, const struct hv_boot_opts *opts,
		       struct hv_ratio *out, struct hv_err *err);

/*
 * Benjamini-Hochberg adjusted p-values ("q-values") of m tests: with
 * p_(1) <= ... <= p_(m) sorted, adj_(i) = min over j >= i of
 * min(1, m p_(j) / j). Rejecting every test with adj <= q is the BH
 * step-up procedure at false discovery rate q: find the largest k with
 * p_(k) <= k q / m and reject the k smallest. Tied p-values get the same
 * adjusted value. p and adj may be the same array. -EINVAL (naming the
 * value) when a p is NaN or outside [0, 1], -ENOMEM when the sort's
 * scratch cannot be allocated; m == 0 does nothing.
 */
int hv_bh_adjust(const double *p, size_t m, double *adj, struct hv_err *err);

/*
 * The false discovery rate of the study's corrected verdicts: 5 %,
 * written as the default interval's own alpha (1 - 0.95, one ulp above
 * 0.05) so that a study with a single ratio keeps its raw verdict.
 */
#define HV_BH_FDR (1.0 - 0.95)

/*
 * The gross-artefact guard (docs/METHOD.md section 5.3): limits past which
 * a cell is not measured well enough to be read, the same for every
 * bench. Samples: cv = stddev / mean above HV_UNSTABLE_CV_MAX, or the
 * largest sample above HV_UNSTABLE_SPIKE_MAX times the median. Ratio to
 * native: worse than native by more than HV_IMPLAUSIBLE_WORSE times
 * (the ratio of a time above it, of a rate below its inverse) or better
 * by more than HV_IMPLAUSIBLE_BETTER times. Every limit is strict: a cv
 * of exactly 30 % passes.
 */
#define HV_UNSTABLE_CV_MAX 0.30
#define HV_UNSTABLE_SPIKE_MAX 10.0
#define HV_IMPLAUSIBLE_WORSE 1000.0
#define HV_IMPLAUSIBLE_BETTER 10.0

enum hv_unstable_flag {
	HV_UNSTABLE_CV = 1u << 0,     /* cv > HV_UNSTABLE_CV_MAX */
	HV_UNSTABLE_SPIKE = 1u << 1,  /* max / median > SPIKE_MAX */
	HV_UNSTABLE_WORSE = 1u << 2,  /* worse than native beyond belief */
	HV_UNSTABLE_BETTER = 1u << 3, /* better than native beyond belief */
	HV_UNSTABLE_NATIVE = 1u << 4, /* the native twin of its ratio is
				       * unstable by its own samples */
};

/* The samples' own flags, which make a native twin suspect. */
#define HV_UNSTABLE_OWN_SAMPLES (HV_UNSTABLE_CV | HV_UNSTABLE_SPIKE)

struct hv_unstable {
	unsigned flags;		/* enum hv_unstable_flag; 0: readable */
	double cv;		/* stddev / mean; NaN when n < 2 */
	double max_over_median; /* NaN when the median is not positive */
	double ratio;		/* the ratio checked; NaN without one */
	char why[192];		/* "cv 45.2% > 30%; max/median 12.1 > 10";
				 * "" when flags is 0 */
};

/*
 * Check one cell: its summary s (n >= 1), its ratio to native r (NULL
 * for a native cell or one without a ratio; higher_is_better says which
 * way is worse), and native, the check of r's native twin (NULL if none):
 * a twin flagged by its own samples (HV_UNSTABLE_OWN_SAMPLES) sets
 * HV_UNSTABLE_NATIVE and adds "native: <its why>" to why. Never fails;
 * why is cut short rather than overflowed.
 */
void hv_unstable_check(const struct hv_summary *s, const struct hv_ratio *r,
		       bool higher_is_better, const struct hv_unstable *native,
		       struct hv_unstable *out);

/*
 * Quantile p in (0, 1) of Student's t distribution with df > 0 degrees
 * of freedom (df need not be an integer), from the regularized
 * incomplete beta function; accurate to about 1e-12 relative. NaN when
 * p or df is out of range or NaN. hv_normal_quantile is the same for
 * the standard normal distribution.
 */
double hv_student_t_quantile(double p, double df);
double hv_normal_quantile(double p);

#endif
