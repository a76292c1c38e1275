/*
 * stats.c - per-cell summaries, the seeded random generator, and the
 * ratio of an environment to native with a bootstrap confidence interval.
 *
 * The generator is xoshiro256** seeded through splitmix64 (Blackman and
 * Vigna, public domain algorithms, written here from their description)
 * so that a study's seed reproduces every interval bit for bit. The
 * default interval is Hesterberg's expanded percentile interval for the
 * log of the ratio of means, which needs the Student t and normal
 * quantiles (computed here from the incomplete beta function and erfc);
 * the symmetric and equal-tailed bootstrap-t and the plain percentile
 * interval are kept as selectable baselines. docs/METHOD.md says why: at
 * n = 5 the percentile interval covers 1.0 in an A/A comparison only
 * about 87 % of the time instead of 95 %, and at n = 3 the bootstrap-t
 * intervals explode.
 *
 * A ratio's p-value is its interval inverted (the smallest alpha whose
 * interval excludes 1), so that the verdicts of a whole study can be
 * corrected together by Benjamini-Hochberg (hv_bh_adjust); the
 * gross-artefact guard (hv_unstable_check) flags the cells whose samples
 * or ratio no interval should be drawn from.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpcvirt/results/stats.h"

#define BOOT_DEFAULT_ITERS 4000u
#define BOOT_MIN_ITERS 100u
#define BOOT_MAX_ITERS 1000000u

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z;

	*x += 0x9e3779b97f4a7c15ULL;
	z = *x;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void
hv_rng_seed(struct hv_rng *rng, uint64_t seed)
{
	uint64_t x = seed;
	int i;

	for (i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&x);
}

uint64_t
hv_rng_next(struct hv_rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t out = rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return out;
}

/*
 * Lemire's multiply-and-shift: the high word of x * n is uniform in
 * [0, n) once the few low words that would bias it are rejected.
 */
uint64_t
hv_rng_below(struct hv_rng *rng, uint64_t n)
{
	unsigned __int128 m;
	uint64_t low, threshold;

	if (n == 0)
		return 0;
	m = (unsigned __int128)hv_rng_next(rng) * n;
	low = (uint64_t)m;
	if (low < n) {
		/* (2^64 - n) mod n: the count of biased low words. */
		threshold = -n % n;
		while (low < threshold) {
			m = (unsigned __int128)hv_rng_next(rng) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double
hv_rng_double(struct hv_rng *rng)
{
	return (double)(hv_rng_next(rng) >> 11) * 0x1.0p-53;
}

static void
swap_bytes(unsigned char *a, unsigned char *b, size_t sz)
{
	unsigned char tmp[64];
	size_t k, len;

	for (k = 0; k < sz; k += len) {
		len = sz - k < sizeof(tmp) ? sz - k : sizeof(tmp);
		memcpy(tmp, a + k, len);
		memcpy(a + k, b + k, len);
		memcpy(b + k, tmp, len);
	}
}

void
hv_rng_shuffle(struct hv_rng *rng, void *base, size_t n, size_t sz)
{
	unsigned char *p = base;
	size_t i, j;

	if (n < 2 || sz == 0)
		return;
	for (i = n - 1; i > 0; i--) {
		j = (size_t)hv_rng_below(rng, (uint64_t)i + 1);
		if (j != i)
			swap_bytes(p + i * sz, p + j * sz, sz);
	}
}

double
hv_quantile_sorted(const double *sorted, size_t n, double q)
{
	double h, frac;
	size_t lo;

	if (n == 0)
		return NAN;
	if (!(q > 0.0)) /* also catches NaN */
		return sorted[0];
	if (q >= 1.0)
		return sorted[n - 1];
	h = (double)(n - 1) * q;
	lo = (size_t)floor(h);
	frac = h - (double)lo;
	if (lo + 1 >= n)
		return sorted[n - 1];
	/* Equal neighbours (even infinite ones) need no interpolation. */
	if (frac == 0.0 || sorted[lo] == sorted[lo + 1])
		return sorted[lo];
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Mean and sample variance (n-1), two passes for accuracy. */
static void
mean_var(const double *x, size_t n, double *mean, double *var)
{
	double sum = 0.0, ss = 0.0, d;
	size_t i;

	for (i = 0; i < n; i++)
		sum += x[i];
	*mean = sum / (double)n;
	for (i = 0; i < n; i++) {
		d = x[i] - *mean;
		ss += d * d;
	}
	*var = n > 1 ? ss / (double)(n - 1) : 0.0;
}

static int
check_finite(const double *x, size_t n, const char *what, struct hv_err *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return hv_err_set(err, EINVAL,
					  "%s sample %zu is %g: expected a "
					  "finite number",
					  what, i, x[i]);
	return 0;
}

int
hv_summary_compute(const double *x, size_t n, struct hv_summary *out,
		   struct hv_err *err)
{
	double *s = NULL, var;
	int rc;

	if (n == 0) {
		rc = hv_err_set(err, EINVAL, "no samples: expected n >= 1");
		goto out;
	}
	rc = check_finite(x, n, "cell", err);
	if (rc)
		goto out;
	s = malloc(n * sizeof(*s));
	if (!s) {
		rc = hv_err_set(err, ENOMEM, "summary of %zu samples", n);
		goto out;
	}
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	mean_var(s, n, &out->mean, &var);
	out->n = n;
	out->stddev = sqrt(var);
	out->min = s[0];
	out->max = s[n - 1];
	out->median = hv_quantile_sorted(s, n, 0.5);
	out->p99 = hv_quantile_sorted(s, n, 0.99);
out:
	free(s);
	return rc;
}

const char *
hv_verdict_name(enum hv_verdict v)
{
	switch (v) {
	case HV_VERDICT_INDISTINGUISHABLE:
		return "indistinguishable";
	case HV_VERDICT_SLOWER:
		return "slower";
	case HV_VERDICT_FASTER:
		return "faster";
	case HV_VERDICT_NONE:
		break;
	}
	return "";
}

const char *
hv_boot_method_name(enum hv_boot_method m)
{
	switch (m) {
	case HV_BOOT_DEFAULT:
	case HV_BOOT_EXPANDED:
		return "expanded-percentile-log";
	case HV_BOOT_SYMMETRIC_T:
		return "symmetric-t-log";
	case HV_BOOT_STUDENT_LOG:
		return "studentized-log";
	case HV_BOOT_PERCENTILE:
		return "percentile";
	}
	return "";
}

enum hv_verdict
hv_verdict_from_ci(double lo, double hi, bool higher_is_better)
{
	if (isnan(lo) || isnan(hi))
		return HV_VERDICT_NONE;
	if (lo <= 1.0 && hi >= 1.0)
		return HV_VERDICT_INDISTINGUISHABLE;
	if (lo > 1.0)
		return higher_is_better ? HV_VERDICT_FASTER : HV_VERDICT_SLOWER;
	return higher_is_better ? HV_VERDICT_SLOWER : HV_VERDICT_FASTER;
}

/* One sample's moments, as the bootstrap needs them. */
struct boot_side {
	const double *x;
	size_t n;
	double mean;
	double var;
};

/*
 * Draw one resample of side s (n indices from the stream, in order) and
 * return its mean and sample variance. Deviations are taken from the
 * original mean so the one-pass variance does not cancel.
 */
static void
resample(struct hv_rng *rng, const struct boot_side *s, double *mean,
	 double *var)
{
	double d, s1 = 0.0, s2 = 0.0, nn = (double)s->n;
	size_t i;

	for (i = 0; i < s->n; i++) {
		d = s->x[hv_rng_below(rng, s->n)] - s->mean;
		s1 += d;
		s2 += d * d;
	}
	*mean = s->mean + s1 / nn;
	*var = (s2 - s1 * s1 / nn) / (nn - 1.0);
	if (*var < 0.0)
		*var = 0.0;
}

/* Delta-method standard error of log(mean_e / mean_b). */
static double
log_ratio_se(double me, double ve, size_t ne, double mb, double vb, size_t nb)
{
	return sqrt(ve / ((double)ne * me * me) + vb / ((double)nb * mb * mb));
}

/* Studentized statistic of one resample; +-inf when its se is zero. */
static double
student_t(double lstar, double l, double se)
{
	double d = lstar - l;

	if (se > 0.0)
		return d / se;
	if (d == 0.0)
		return 0.0;
	return d > 0.0 ? INFINITY : -INFINITY;
}

/*
 * Fill rep[0..iters-1] with the bootstrap replicates: the ratio of means
 * for the percentile method, its log for the expanded one, the
 * studentized log ratio t* otherwise, or its absolute value for the
 * symmetric interval.
 */
static void
boot_replicates(const struct boot_side *e, const struct boot_side *b,
		enum hv_boot_method method, unsigned iters, uint64_t seed,
		double *rep)
{
	double me, ve, mb, vb, l = log(e->mean / b->mean);
	struct hv_rng rng;
	unsigned i;

	hv_rng_seed(&rng, seed);
	for (i = 0; i < iters; i++) {
		resample(&rng, e, &me, &ve);
		resample(&rng, b, &mb, &vb);
		if (method == HV_BOOT_PERCENTILE) {
			rep[i] = me / mb;
			continue;
		}
		if (method == HV_BOOT_EXPANDED) {
			rep[i] = log(me / mb);
			continue;
		}
		rep[i] = student_t(log(me / mb), l,
				   log_ratio_se(me, ve, e->n, mb, vb, b->n));
		if (method == HV_BOOT_SYMMETRIC_T)
			rep[i] = fabs(rep[i]);
	}
}

static int
check_side(const double *x, size_t n, const char *what, struct hv_err *err)
{
	size_t i;

	if (n < 2)
		return hv_err_set(err, EINVAL,
				  "%s has %zu sample%s: the ratio needs at "
				  "least 2",
				  what, n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++)
		if (!isfinite(x[i]) || x[i] <= 0.0)
			return hv_err_set(err, EINVAL,
					  "%s sample %zu is %g: expected a "
					  "positive finite time, rate or size",
					  what, i, x[i]);
	return 0;
}

static int
check_opts(const struct hv_boot_opts *o, unsigned *iters, double *level,
	   struct hv_err *err)
{
	*iters = o->iters ? o->iters : BOOT_DEFAULT_ITERS;
	*level = o->level != 0.0 ? o->level : 0.95;
	if (*iters < BOOT_MIN_ITERS || *iters > BOOT_MAX_ITERS)
		return hv_err_set(err, EINVAL,
				  "bootstrap iterations %u: expected %u..%u "
				  "(0 for %u)",
				  *iters, BOOT_MIN_ITERS, BOOT_MAX_ITERS,
				  BOOT_DEFAULT_ITERS);
	if (!(*level > 0.5 && *level < 1.0))
		return hv_err_set(err, EINVAL,
				  "confidence level %g: expected a fraction "
				  "in (0.5, 1), e.g. 0.95 (0 for 0.95)",
				  *level);
	if ((unsigned)o->method > HV_BOOT_EXPANDED)
		return hv_err_set(err, EINVAL,
				  "bootstrap method %d: expected 0..%d",
				  (int)o->method, (int)HV_BOOT_EXPANDED);
	return 0;
}

/*
 * Continued fraction of the incomplete beta function (the even and odd
 * terms d_2m = m (b - m) x / ((a + 2m - 1)(a + 2m)) and d_2m+1 =
 * -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))), evaluated by the
 * modified Lentz method. Converges fast for x < (a + 1) / (a + b + 2).
 */
static double
beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1.0, d, f, num, delta;
	int m, k;

	d = 1.0 - (a + b) * x / (a + 1.0);
	d = fabs(d) < tiny ? tiny : d;
	d = 1.0 / d;
	f = d;
	for (m = 1; m <= 1000; m++) {
		for (k = 0; k < 2; k++) {
			if (k == 0)
				num = m * (b - m) * x /
				      ((a + 2 * m - 1) * (a + 2 * m));
			else
				num = -(a + m) * (a + b + m) * x /
				      ((a + 2 * m) * (a + 2 * m + 1));
			d = 1.0 + num * d;
			d = fabs(d) < tiny ? tiny : d;
			c = 1.0 + num / c;
			c = fabs(c) < tiny ? tiny : c;
			d = 1.0 / d;
			delta = c * d;
			f *= delta;
		}
		if (fabs(delta - 1.0) < 1e-15)
			break;
	}
	return f;
}

/* Regularized incomplete beta I_x(a, b), for a, b > 0, x in [0, 1]. */
static double
inc_beta(double a, double b, double x)
{
	double front;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
		    b * log1p(-x));
	if (x < (a + 1.0) / (a + b + 2.0))
		return front * beta_cf(a, b, x) / a;
	return 1.0 - front * beta_cf(b, a, 1.0 - x) / b;
}

/* P(T > t) for t >= 0 and Student's t with df degrees of freedom. */
static double
t_upper(double t, double df)
{
	return 0.5 * inc_beta(df / 2.0, 0.5, df / (df + t * t));
}

/* P(Z > z) for the standard normal; df is unused. */
static double
z_upper(double z, double df)
{
	(void)df;
	return 0.5 * erfc(z / M_SQRT2);
}

/*
 * The x >= 0 with upper(x) = tail (tail in (0, 0.5]) for a decreasing
 * upper tail: double a bracket, then bisect to the last bit.
 */
static double
tail_inverse(double (*upper)(double, double), double df, double tail)
{
	double lo = 0.0, hi = 1.0, mid;
	int i;

	for (i = 0; i < 1100 && upper(hi, df) > tail; i++) {
		lo = hi;
		hi *= 2.0;
	}
	for (i = 0; i < 2000; i++) {
		mid = 0.5 * (lo + hi);
		if (mid <= lo || mid >= hi)
			break;
		if (upper(mid, df) > tail)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

double
hv_student_t_quantile(double p, double df)
{
	if (!(p > 0.0 && p < 1.0) || !(df > 0.0) || isinf(df))
		return NAN;
	if (p == 0.5)
		return 0.0;
	if (p > 0.5)
		return tail_inverse(t_upper, df, 1.0 - p);
	return -tail_inverse(t_upper, df, p);
}

double
hv_normal_quantile(double p)
{
	if (!(p > 0.0 && p < 1.0))
		return NAN;
	if (p == 0.5)
		return 0.0;
	if (p > 0.5)
		return tail_inverse(z_upper, 0.0, 1.0 - p);
	return -tail_inverse(z_upper, 0.0, p);
}

/*
 * The expansion f of the expanded percentile interval: k (the bootstrap
 * variance of L* is a (n_e-1)/n_e + b (n_b-1)/n_b instead of a + b)
 * times t_{1-alpha/2, df} / z_{1-alpha/2}, df by Welch-Satterthwaite.
 */
static double
expand_factor(const struct boot_side *e, const struct boot_side *b,
	      double alpha)
{
	double ne = (double)e->n, nb = (double)b->n, k = 1.0, df;
	double va = e->var / (ne * e->mean * e->mean);
	double vb = b->var / (nb * b->mean * b->mean);

	df = (ne < nb ? ne : nb) - 1.0;
	if (va + vb > 0.0) {
		k = sqrt((va + vb) /
			 (va * (ne - 1.0) / ne + vb * (nb - 1.0) / nb));
		df = (va + vb) * (va + vb) /
		     (va * va / (ne - 1.0) + vb * vb / (nb - 1.0));
		/* Always true in exact arithmetic; guards an underflow. */
		if (!(df <= ne + nb - 2.0))
			df = ne + nb - 2.0;
	}
	return k * hv_student_t_quantile(1.0 - alpha / 2.0, df) /
	       hv_normal_quantile(1.0 - alpha / 2.0);
}

/*
 * Where the B replicates stop describing the tail: the level of about the
 * TAIL_REPS-th most extreme one (never inside the 95 % interval's 2.5 %).
 */
#define TAIL_REPS 10.0
#define TAIL_EDGE_MAX 0.0025

/*
 * The q quantile of the sorted replicates (type 7) where they resolve it;
 * further out, the tail is continued as a normal one through the edge
 * quantile: M + (Q(edge) - M) z_q / z_edge, M the median. Only the
 * p-value's search goes there (alpha / 2 below 10 / B); a min or max of
 * B draws would otherwise stop the interval from growing with t/z alone
 * and make small p-values too small.
 */
static double
boot_quantile(const double *rep, unsigned iters, double q)
{
	double edge = fmin(TAIL_REPS / (double)iters, TAIL_EDGE_MAX);
	double m, t;

	if (q >= edge && q <= 1.0 - edge)
		return hv_quantile_sorted(rep, iters, q);
	m = hv_quantile_sorted(rep, iters, 0.5);
	t = q < edge ? q : 1.0 - q;
	q = q < edge ? edge : 1.0 - edge;
	return m + (hv_quantile_sorted(rep, iters, q) - m) *
			   hv_normal_quantile(t) / hv_normal_quantile(edge);
}

/*
 * Turn the sorted replicates into the interval [*lo, *hi] of the ratio.
 * A zero se (every sample constant) leaves the point estimate alone,
 * whatever the quantiles of t* are.
 */
static void
boot_interval(const struct boot_side *e, const struct boot_side *b,
	      enum hv_boot_method method, const double *rep, unsigned iters,
	      double alpha, double *lo, double *hi)
{
	double l = log(e->mean / b->mean), q, qlo, qhi, se;

	if (method == HV_BOOT_EXPANDED) {
		q = expand_factor(e, b, alpha);
		qlo = boot_quantile(rep, iters, alpha / 2.0);
		qhi = boot_quantile(rep, iters, 1.0 - alpha / 2.0);
		*lo = exp(l + q * (qlo - l));
		*hi = exp(l + q * (qhi - l));
		return;
	}
	se = log_ratio_se(e->mean, e->var, e->n, b->mean, b->var, b->n);
	if (method == HV_BOOT_SYMMETRIC_T) {
		q = hv_quantile_sorted(rep, iters, 1.0 - alpha);
		*lo = se > 0.0 ? exp(l - q * se) : exp(l);
		*hi = se > 0.0 ? exp(l + q * se) : exp(l);
		return;
	}
	qlo = hv_quantile_sorted(rep, iters, alpha / 2.0);
	qhi = hv_quantile_sorted(rep, iters, 1.0 - alpha / 2.0);
	if (method == HV_BOOT_PERCENTILE) {
		*lo = qlo;
		*hi = qhi;
		return;
	}
	*lo = se > 0.0 ? exp(l - qhi * se) : exp(l);
	*hi = se > 0.0 ? exp(l - qlo * se) : exp(l);
}

/* What the p-value search needs to redraw the interval at any alpha. */
struct boot_set {
	const struct boot_side *e, *b;
	enum hv_boot_method method;
	const double *rep; /* sorted replicates */
	unsigned iters;
	double ratio;
};

/*
 * Does the (1 - alpha) interval, widened to the point estimate as
 * hv_ratio_bootstrap reports it, exclude 1? A bound that cannot be
 * computed at this alpha (NaN: 1 - alpha/2 rounds to 1, so t and z have
 * no quantile) excludes nothing.
 */
static bool
boot_excludes_one(const struct boot_set *x, double alpha)
{
	double lo, hi;

	boot_interval(x->e, x->b, x->method, x->rep, x->iters, alpha, &lo, &hi);
	if (isnan(lo) || isnan(hi))
		return false;
	lo = fmin(lo, x->ratio);
	hi = fmax(hi, x->ratio);
	return lo > 1.0 || hi < 1.0;
}

static uint64_t
dbl_bits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

static double
bits_dbl(uint64_t u)
{
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

#define P_REL_TOL 1e-6

/*
 * The smallest alpha whose interval excludes 1 (stats.h). Bisection on
 * the bit patterns of alpha in [0, 1] (positive doubles order as their
 * bits), started from alpha0 = 1 - level, where the caller's verdict
 * already says which side of p it lies: the result is then <= alpha0
 * exactly when the verdict excludes 1, whatever the precision. lo never
 * excludes, hi always does (1.0 by convention: p = 1 when nothing
 * below it does); at most 64 halvings reach adjacent doubles.
 */
static double
boot_p_value(const struct boot_set *x, double alpha0, bool excluded0)
{
	uint64_t lo = 0, hi = dbl_bits(1.0), mid;
	double dlo, dhi;
	int i;

	/* A single-point bootstrap distribution: [ratio, ratio] at every
	 * level, so it excludes 1 at all of them (a ratio other than 1) or
	 * at none. */
	if (x->rep[0] == x->rep[x->iters - 1])
		return excluded0 ? 0.0 : 1.0;
	if (excluded0)
		hi = dbl_bits(alpha0);
	else
		lo = dbl_bits(alpha0);
	for (i = 0; i < 64 && hi - lo > 1; i++) {
		dlo = bits_dbl(lo);
		dhi = bits_dbl(hi);
		if (dlo > 0.0 && dhi - dlo <= P_REL_TOL * dhi)
			break;
		mid = lo + (hi - lo) / 2;
		if (boot_excludes_one(x, bits_dbl(mid)))
			hi = mid;
		else
			lo = mid;
	}
	/* Excluded at every alpha tried, down to the smallest double. */
	if (lo == 0 && hi <= 1)
		return 0.0;
	return bits_dbl(hi);
}

int
hv_ratio_bootstrap(const double *env, size_t n_env, const double *base,
		   size_t n_base, const struct hv_boot_opts *opts,
		   struct hv_ratio *out, struct hv_err *err)
{
	static const struct hv_boot_opts defaults;
	struct boot_side e = {.x = env, .n = n_env};
	struct boot_side b = {.x = base, .n = n_base};
	enum hv_boot_method method;
	double *rep = NULL, level;
	struct boot_set set;
	unsigned iters;
	int rc;

	if (!opts)
		opts = &defaults;
	rc = check_opts(opts, &iters, &level, err);
	if (rc == 0)
		rc = check_side(env, n_env, "environment", err);
	if (rc == 0)
		rc = check_side(base, n_base, "native", err);
	if (rc)
		goto out;
	method = opts->method ? opts->method : HV_BOOT_EXPANDED;
	mean_var(env, n_env, &e.mean, &e.var);
	mean_var(base, n_base, &b.mean, &b.var);
	rep = malloc((size_t)iters * sizeof(*rep));
	if (!rep) {
		rc = hv_err_set(err, ENOMEM, "bootstrap of %u resamples",
				iters);
		goto out;
	}
	boot_replicates(&e, &b, method, iters, opts->seed, rep);
	qsort(rep, iters, sizeof(*rep), cmp_double);
	out->ratio = e.mean / b.mean;
	boot_interval(&e, &b, method, rep, iters, 1.0 - level, &out->lo,
		      &out->hi);
	/* The point estimate is always inside its own interval. */
	out->lo = fmin(out->lo, out->ratio);
	out->hi = fmax(out->hi, out->ratio);
	out->verdict =
		hv_verdict_from_ci(out->lo, out->hi, opts->higher_is_better);
	set = (struct boot_set){&e, &b, method, rep, iters, out->ratio};
	out->p = boot_p_value(&set, 1.0 - level,
			      out->verdict == HV_VERDICT_SLOWER ||
				      out->verdict == HV_VERDICT_FASTER);
out:
	free(rep);
	return rc;
}

/* An index into the p-values, sorted by p (ties by index: stable). */
struct p_rank {
	double p;
	size_t i;
};

static int
cmp_p_rank(const void *a, const void *b)
{
	const struct p_rank *x = a, *y = b;

	if (x->p != y->p)
		return (x->p > y->p) - (x->p < y->p);
	return (x->i > y->i) - (x->i < y->i);
}

int
hv_bh_adjust(const double *p, size_t m, double *adj, struct hv_err *err)
{
	struct p_rank *r = NULL;
	double run = 1.0, v;
	size_t k;
	int rc = 0;

	if (m == 0)
		goto out;
	for (k = 0; k < m; k++)
		if (!(p[k] >= 0.0 && p[k] <= 1.0)) {
			rc = hv_err_set(err, EINVAL,
					"p-value %zu is %g: expected a "
					"probability in [0, 1]",
					k, p[k]);
			goto out;
		}
	r = malloc(m * sizeof(*r));
	if (!r) {
		rc = hv_err_set(err, ENOMEM, "BH over %zu p-values", m);
		goto out;
	}
	for (k = 0; k < m; k++)
		r[k] = (struct p_rank){p[k], k};
	qsort(r, m, sizeof(*r), cmp_p_rank);
	/* From the largest down: the running minimum of m p_(j) / j. */
	for (k = m; k > 0; k--) {
		v = r[k - 1].p * ((double)m / (double)k);
		if (v < run)
			run = v;
		adj[r[k - 1].i] = run;
	}
out:
	free(r);
	return rc;
}

/* Append ";"-separated text to a fixed buffer, cutting it short. */
static void why_add(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
why_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(buf, len);
	va_list ap;

	if (used + 1 >= len)
		return;
	if (used) {
		snprintf(buf + used, len - used, "; ");
		used = strnlen(buf, len);
	}
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

void
hv_unstable_check(const struct hv_summary *s, const struct hv_ratio *r,
		  bool higher_is_better, const struct hv_unstable *native,
		  struct hv_unstable *out)
{
	/* How many times worse than native: above 1 is worse. */
	double worse;

	memset(out, 0, sizeof(*out));
	out->cv = s->n >= 2 && s->mean != 0.0 ? s->stddev / fabs(s->mean) : NAN;
	out->max_over_median = s->median > 0.0 ? s->max / s->median : NAN;
	out->ratio = r ? r->ratio : NAN;
	if (out->cv > HV_UNSTABLE_CV_MAX) {
		out->flags |= HV_UNSTABLE_CV;
		why_add(out->why, sizeof(out->why), "cv %.1f%% > %.0f%%",
			100.0 * out->cv, 100.0 * HV_UNSTABLE_CV_MAX);
	}
	if (out->max_over_median > HV_UNSTABLE_SPIKE_MAX) {
		out->flags |= HV_UNSTABLE_SPIKE;
		why_add(out->why, sizeof(out->why), "max/median %.3g > %.0f",
			out->max_over_median, HV_UNSTABLE_SPIKE_MAX);
	}
	if (r && r->ratio > 0.0 && isfinite(r->ratio)) {
		worse = higher_is_better ? 1.0 / r->ratio : r->ratio;
		if (worse > HV_IMPLAUSIBLE_WORSE) {
			out->flags |= HV_UNSTABLE_WORSE;
			why_add(out->why, sizeof(out->why),
				"ratio %.3g: %.3gx worse than native "
				"(limit %.0fx)",
				r->ratio, worse, HV_IMPLAUSIBLE_WORSE);
		} else if (worse < 1.0 / HV_IMPLAUSIBLE_BETTER) {
			out->flags |= HV_UNSTABLE_BETTER;
			why_add(out->why, sizeof(out->why),
				"ratio %.3g: %.3gx better than native "
				"(limit %.0fx)",
				r->ratio, 1.0 / worse, HV_IMPLAUSIBLE_BETTER);
		}
	}
	if (r && native && (native->flags & HV_UNSTABLE_OWN_SAMPLES)) {
		out->flags |= HV_UNSTABLE_NATIVE;
		why_add(out->why, sizeof(out->why), "native: %s", native->why);
	}
}
