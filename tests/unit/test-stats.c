/*
 * test-stats.c - unit tests of the statistics module: summaries and
 * type-7 quantiles against hand-computed values, the generator against
 * the published splitmix64 and xoshiro256** vectors plus determinism and
 * uniformity checks, the t and normal quantiles against printed tables,
 * and the bootstrap against naive re-implementations written here from
 * the contract in stats.h (same generator stream; the expanded interval's
 * t quantile by integrating the density instead) and against an exactly
 * enumerable case. Verdicts, errors and speed last.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "hpcvirt/results/stats.h"
#include "tap.h"

#define NAIVE_MAX 64

static void
test_summary(void)
{
	/* Sorted: 2 4 4 4 5 5 7 9; sum of squared deviations from 5 is 32. */
	double x[] = {5, 9, 4, 2, 4, 7, 4, 5};
	double copy[8], one = 3.25, bad[] = {1, NAN};
	struct hv_summary s;
	struct hv_err err;

	memcpy(copy, x, sizeof(x));
	hv_err_init(&err);
	is_int(hv_summary_compute(x, 8, &s, &err), 0, "summary of 8 values");
	is_int(s.n, 8, "n");
	is_near(s.mean, 5.0, 1e-15, "mean 40/8");
	is_near(s.stddev, sqrt(32.0 / 7.0), 1e-15, "stddev sqrt(32/7)");
	is_near(s.min, 2.0, 0, "min");
	is_near(s.max, 9.0, 0, "max");
	is_near(s.median, 4.5, 1e-15, "median (4+5)/2");
	/* h = 7 * 0.99 = 6.93: 7 + 0.93 * (9 - 7). */
	is_near(s.p99, 8.86, 1e-12, "p99 interpolates 7..9");
	ok(memcmp(x, copy, sizeof(x)) == 0, "input left unsorted");

	is_int(hv_summary_compute(&one, 1, &s, &err), 0, "summary of 1");
	ok(s.n == 1 && s.mean == 3.25 && s.stddev == 0.0 && s.min == 3.25 &&
		   s.max == 3.25 && s.median == 3.25 && s.p99 == 3.25,
	   "n = 1: every statistic is the value, stddev 0");

	is_int(hv_summary_compute(x, 0, &s, &err), -EINVAL, "n = 0 rejected");
	ok(err.code == EINVAL && strstr(err.msg, "n >= 1"), "message: %s",
	   err.msg);
	is_int(hv_summary_compute(bad, 2, &s, &err), -EINVAL, "NaN rejected");
	ok(strstr(err.msg, "sample 1") != NULL, "message names it: %s",
	   err.msg);
}

static void
test_quantile(void)
{
	double one[] = {42.0}, five[] = {1, 2, 3, 4, 5}, two[] = {10, 20};
	double inf[] = {1, INFINITY, INFINITY};

	ok(hv_quantile_sorted(one, 1, 0.0) == 42.0 &&
		   hv_quantile_sorted(one, 1, 0.5) == 42.0 &&
		   hv_quantile_sorted(one, 1, 1.0) == 42.0,
	   "n = 1: every quantile is the value");
	is_near(hv_quantile_sorted(five, 5, 0.0), 1.0, 0, "q = 0 is the min");
	is_near(hv_quantile_sorted(five, 5, 1.0), 5.0, 0, "q = 1 is the max");
	is_near(hv_quantile_sorted(five, 5, 0.25), 2.0, 0, "q = .25 hits x[1]");
	is_near(hv_quantile_sorted(five, 5, 0.3), 2.2, 1e-15, "q = .3 -> 2.2");
	is_near(hv_quantile_sorted(two, 2, 0.1), 11.0, 1e-14, "q = .1 -> 11");
	is_near(hv_quantile_sorted(two, 2, 0.975), 19.75, 1e-13,
		"q = .975 -> 19.75");
	ok(hv_quantile_sorted(five, 5, -0.5) == 1.0 &&
		   hv_quantile_sorted(five, 5, 1.5) == 5.0 &&
		   hv_quantile_sorted(five, 5, NAN) == 1.0,
	   "q outside [0, 1] or NaN clamps");
	ok(isinf(hv_quantile_sorted(inf, 3, 0.75)),
	   "equal infinite neighbours give inf, not NaN");
}

static void
test_rng_vectors(void)
{
	static const uint64_t sm0[4] = {
		0xe220a8397b1dcdafULL, 0x6e789e6aa1b965f4ULL,
		0x06c45d188009454fULL, 0xf88bb8a8724c81ecULL};
	static const uint64_t xo[6] = {
		11520ULL,
		0ULL,
		1509978240ULL,
		1215971899390074240ULL,
		1216172134540287360ULL,
		607988272756665600ULL,
	};
	struct hv_rng r = {{1, 2, 3, 4}};
	int i, same = 1;

	for (i = 0; i < 6; i++)
		same &= hv_rng_next(&r) == xo[i];
	ok(same, "xoshiro256** from {1,2,3,4} matches the published outputs");
	hv_rng_seed(&r, 0);
	ok(memcmp(r.s, sm0, sizeof(sm0)) == 0,
	   "seed 0 gives the published splitmix64 outputs as the state");
}

static void
test_rng_determinism(void)
{
	struct hv_rng a, b, c;
	int i, same = 1, differ = 0;

	hv_rng_seed(&a, 12345);
	hv_rng_seed(&b, 12345);
	hv_rng_seed(&c, 12346);
	for (i = 0; i < 1000; i++) {
		uint64_t x = hv_rng_next(&a);

		same &= x == hv_rng_next(&b);
		differ += x != hv_rng_next(&c);
	}
	ok(same, "same seed, same 1000 outputs");
	ok(differ > 990, "neighbouring seed differs (%d of 1000)", differ);
}

static void
test_rng_below(void)
{
	static const uint64_t ns[] = {
		1, 2, 3, 7, 10, 1000, (1ULL << 63) + 1, UINT64_MAX};
	double chi2 = 0.0, d, sum = 0.0, u;
	long counts[6] = {0};
	struct hv_rng r;
	int i, k, in_range = 1, in_unit = 1;

	hv_rng_seed(&r, 7);
	for (k = 0; k < (int)(sizeof(ns) / sizeof(ns[0])); k++)
		for (i = 0; i < 2000; i++)
			in_range &= hv_rng_below(&r, ns[k]) < ns[k];
	ok(in_range, "hv_rng_below(n) < n for n from 1 to 2^64-1");
	for (i = 0; i < 60000; i++)
		counts[hv_rng_below(&r, 6)]++;
	for (k = 0; k < 6; k++) {
		d = (double)counts[k] - 10000.0;
		chi2 += d * d / 10000.0;
	}
	/* 5 degrees of freedom: P(chi2 > 30) is below 2e-5. */
	ok(chi2 < 30.0, "below(6) is uniform: chi2 %.2f < 30", chi2);
	for (i = 0; i < 100000; i++) {
		u = hv_rng_double(&r);
		in_unit &= u >= 0.0 && u < 1.0;
		sum += u;
	}
	ok(in_unit, "hv_rng_double in [0, 1)");
	is_near(sum / 100000.0, 0.5, 0.01, "hv_rng_double mean near 1/2");
}

struct wide {
	int id;
	char pad[96]; /* wider than the swap buffer */
};

static void
test_rng_shuffle(void)
{
	int v[100], seen[100] = {0}, i, perm = 1, moved = 0, intact = 1;
	long counts[6] = {0};
	struct wide w[10];
	struct hv_rng r;
	double chi2 = 0.0, d;

	hv_rng_seed(&r, 99);
	for (i = 0; i < 100; i++)
		v[i] = i;
	hv_rng_shuffle(&r, v, 100, sizeof(v[0]));
	for (i = 0; i < 100; i++) {
		if (v[i] < 0 || v[i] >= 100 || seen[v[i]]++)
			perm = 0;
		moved += v[i] != i;
	}
	ok(perm, "shuffle of 0..99 is a permutation");
	ok(moved > 80, "shuffle moved %d of 100", moved);

	for (i = 0; i < 10; i++) {
		w[i].id = i;
		memset(w[i].pad, 'a' + i, sizeof(w[i].pad));
	}
	hv_rng_shuffle(&r, w, 10, sizeof(w[0]));
	for (i = 0; i < 10; i++)
		intact &= w[i].pad[0] == 'a' + w[i].id &&
			  w[i].pad[95] == 'a' + w[i].id;
	ok(intact, "96-byte elements move whole");

	/* The 6 orders of 3 elements, each ~10000 of 60000. */
	for (i = 0; i < 60000; i++) {
		int t[3] = {0, 1, 2};

		hv_rng_shuffle(&r, t, 3, sizeof(t[0]));
		counts[t[0] * 2 + (t[1] > t[2])]++;
	}
	for (i = 0; i < 6; i++) {
		d = (double)counts[i] - 10000.0;
		chi2 += d * d / 10000.0;
	}
	ok(chi2 < 30.0, "shuffle orders of 3 are uniform: chi2 %.2f", chi2);
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Straight from the contract: h = (n-1) q, interpolate. */
static double
naive_q(const double *s, size_t n, double q)
{
	double h = (double)(n - 1) * q;
	size_t i = (size_t)h;

	return i + 1 < n ? s[i] + (h - (double)i) * (s[i + 1] - s[i]) : s[i];
}

static void
naive_moments(const double *x, size_t n, double *m, double *v)
{
	double s = 0.0, ss = 0.0;
	size_t i;

	for (i = 0; i < n; i++)
		s += x[i];
	*m = s / (double)n;
	for (i = 0; i < n; i++)
		ss += (x[i] - *m) * (x[i] - *m);
	*v = ss / (double)(n - 1);
}

/* Student t density; df = 0 stands for the standard normal. */
static double
naive_pdf(double x, double df)
{
	if (df == 0.0)
		return exp(-x * x / 2) / sqrt(2 * M_PI);
	return tgamma((df + 1) / 2) / (sqrt(df * M_PI) * tgamma(df / 2)) *
	       pow(1 + x * x / df, -(df + 1) / 2);
}

/*
 * The p > 0.5 quantile the slow, obvious way: integrate the density
 * from 0 by Simpson's rule on 4000 panels, bisect on the upper bound.
 */
static double
naive_tq(double p, double df)
{
	double lo = 0, hi = 200, x, h, sum;
	int i, k;

	for (k = 0; k < 60; k++) {
		x = (lo + hi) / 2;
		h = x / 4000;
		sum = naive_pdf(0, df) + naive_pdf(x, df);
		for (i = 1; i < 4000; i++)
			sum += (i % 2 ? 4 : 2) * naive_pdf(i * h, df);
		if (0.5 + sum * h / 3 < p)
			lo = x;
		else
			hi = x;
	}
	return (lo + hi) / 2;
}

static void
test_quantiles_t_z(void)
{
	static const double df[] = {1, 2, 4, 9, 30};
	static const double tab[] = {12.706, 4.303, 2.776, 2.262, 2.042};
	int i, good = 1;

	for (i = 0; i < 5; i++)
		is_near(hv_student_t_quantile(0.975, df[i]), tab[i], 5e-4,
			"t_{0.975,%g} = %.3f (table)", df[i], tab[i]);
	is_near(hv_student_t_quantile(0.995, 1), 63.657, 5e-4,
		"t_{0.995,1} = 63.657 (table)");
	is_near(hv_student_t_quantile(0.95, 5), 2.015, 5e-4,
		"t_{0.95,5} = 2.015 (table)");
	is_near(hv_student_t_quantile(0.025, 4), -2.776, 5e-4,
		"t_{0.025,4} = -2.776 (lower tail)");
	is_near(hv_student_t_quantile(0.5, 3), 0.0, 0, "t median is 0");
	/* df = 1 is Cauchy: the quantile is tan(pi (p - 1/2)). */
	is_near(hv_student_t_quantile(0.9, 1), tan(0.4 * M_PI), 1e-10,
		"t_{0.9,1} = tan(0.4 pi)");
	is_near(hv_student_t_quantile(0.975, 1e7), 1.959964, 1e-5,
		"huge df tends to z");
	for (i = 0; i < 8; i++)
		good &= fabs(hv_student_t_quantile(0.975, 1.5 + 0.9 * i) -
			     naive_tq(0.975, 1.5 + 0.9 * i)) < 1e-8;
	ok(good, "non-integer df 1.5..7.8 match integrating the density");
	is_near(hv_normal_quantile(0.975), 1.959964, 1e-6,
		"z_{0.975} = 1.95996");
	is_near(hv_normal_quantile(0.995), 2.575829, 1e-6,
		"z_{0.995} = 2.57583");
	is_near(hv_normal_quantile(0.05), -1.644854, 1e-6,
		"z_{0.05} = -1.64485");
	ok(isnan(hv_student_t_quantile(1.0, 3)) &&
		   isnan(hv_student_t_quantile(0.9, 0)) &&
		   isnan(hv_normal_quantile(0.0)) &&
		   isnan(hv_normal_quantile(NAN)),
	   "p outside (0, 1) or df <= 0 give NaN");
}

/* The expansion of the expanded percentile interval, from stats.h, at
 * 1 - alpha/2 = p. */
static double
naive_expand(double ve, size_t ne, double vb, size_t nb, double p)
{
	double k =
		sqrt((ve + vb) / (ve * (ne - 1.0) / ne + vb * (nb - 1.0) / nb));
	double df = (ve + vb) * (ve + vb) /
		    (ve * ve / (ne - 1.0) + vb * vb / (nb - 1.0));

	return k * naive_tq(p, df) / naive_tq(p, 0);
}

/*
 * The expanded interval's quantile q of the replicates, with the tail
 * beyond edge = min(10 / iters, 0.0025) continued as a normal one
 * through the edge quantile around the median (stats.c).
 */
static double
naive_tail_q(const double *rep, unsigned iters, double q)
{
	double edge = fmin(10.0 / iters, 0.0025), m, t;

	if (q >= edge && q <= 1 - edge)
		return naive_q(rep, iters, q);
	m = naive_q(rep, iters, 0.5);
	t = q < edge ? q : 1 - q;
	return m + (naive_q(rep, iters, q < edge ? edge : 1 - edge) - m) *
			   naive_tq(1 - t, 0) / naive_tq(1 - edge, 0);
}

/*
 * Every method re-done the slow, obvious way: materialize each resample,
 * compute its moments from scratch, sort all replicates with qsort.
 */
static void
naive_boot_at(const double *e, size_t ne, const double *b, size_t nb,
	      int method, unsigned iters, uint64_t seed, double alpha,
	      double *lo, double *hi)
{
	double re[NAIVE_MAX], rb[NAIVE_MAX], me, ve, mb, vb, l, se, t, f;
	double *rep = calloc(iters, sizeof(*rep));
	struct hv_rng r;
	unsigned i;
	size_t k;

	*lo = *hi = NAN;
	if (!rep)
		return;
	naive_moments(e, ne, &me, &ve);
	naive_moments(b, nb, &mb, &vb);
	l = log(me / mb);
	se = sqrt(ve / (ne * me * me) + vb / (nb * mb * mb));
	hv_rng_seed(&r, seed);
	for (i = 0; i < iters; i++) {
		double m1, v1, m2, v2;

		for (k = 0; k < ne; k++)
			re[k] = e[hv_rng_below(&r, ne)];
		for (k = 0; k < nb; k++)
			rb[k] = b[hv_rng_below(&r, nb)];
		naive_moments(re, ne, &m1, &v1);
		naive_moments(rb, nb, &m2, &v2);
		t = (log(m1 / m2) - l) /
		    sqrt(v1 / (ne * m1 * m1) + v2 / (nb * m2 * m2));
		rep[i] = method == HV_BOOT_PERCENTILE	 ? m1 / m2
			 : method == HV_BOOT_EXPANDED	 ? log(m1 / m2)
			 : method == HV_BOOT_SYMMETRIC_T ? fabs(t)
							 : t;
	}
	qsort(rep, iters, sizeof(*rep), cmp_dbl);
	if (method == HV_BOOT_PERCENTILE) {
		*lo = naive_q(rep, iters, alpha / 2);
		*hi = naive_q(rep, iters, 1 - alpha / 2);
	} else if (method == HV_BOOT_EXPANDED) {
		f = naive_expand(ve / (ne * me * me), ne, vb / (nb * mb * mb),
				 nb, 1 - alpha / 2);
		*lo = exp(l + f * (naive_tail_q(rep, iters, alpha / 2) - l));
		*hi = exp(l +
			  f * (naive_tail_q(rep, iters, 1 - alpha / 2) - l));
	} else if (method == HV_BOOT_SYMMETRIC_T) {
		*lo = exp(l - naive_q(rep, iters, 1 - alpha) * se);
		*hi = exp(l + naive_q(rep, iters, 1 - alpha) * se);
	} else {
		*lo = exp(l - naive_q(rep, iters, 1 - alpha / 2) * se);
		*hi = exp(l - naive_q(rep, iters, alpha / 2) * se);
	}
	free(rep);
}

static void
naive_boot(const double *e, size_t ne, const double *b, size_t nb, int method,
	   unsigned iters, uint64_t seed, double *lo, double *hi)
{
	naive_boot_at(e, ne, b, nb, method, iters, seed, 0.05, lo, hi);
}

static void
test_boot_naive(void)
{
	/* Continuous data: no resample has zero variance, t* is finite. */
	double e[10] = {10.3, 10.9, 10.1, 11.4, 10.6,
			10.2, 12.0, 10.8, 10.5, 11.1};
	double b[7] = {9.9, 10.1, 10.4, 9.7, 10.0, 10.8, 9.8};
	struct hv_boot_opts o = {.iters = 3000, .seed = 2026};
	struct hv_ratio q;
	struct hv_err err;
	double lo, hi;
	int m;

	for (m = HV_BOOT_PERCENTILE; m <= HV_BOOT_EXPANDED; m++) {
		o.method = m;
		is_int(hv_ratio_bootstrap(e, 10, b, 7, &o, &q, &err), 0,
		       "%s bootstrap runs", hv_boot_method_name(m));
		naive_boot(e, 10, b, 7, m, 3000, 2026, &lo, &hi);
		is_near(q.ratio, (107.9 / 10) / (70.7 / 7), 1e-12,
			"%s: ratio of means", hv_boot_method_name(m));
		is_near(q.lo, lo, 1e-10, "%s: lo = naive re-implementation",
			hv_boot_method_name(m));
		is_near(q.hi, hi, 1e-10, "%s: hi = naive re-implementation",
			hv_boot_method_name(m));
	}
	/* At level 0.9995, alpha/2 = 2.5e-4 is beyond the replicates'
	 * edge (0.0025): the normal continuation of the tail. */
	o.method = HV_BOOT_EXPANDED;
	o.level = 0.9995;
	hv_ratio_bootstrap(e, 10, b, 7, &o, &q, &err);
	naive_boot_at(e, 10, b, 7, HV_BOOT_EXPANDED, 3000, 2026, 0.0005, &lo,
		      &hi);
	ok(fabs(q.lo / lo - 1) < 1e-8 && fabs(q.hi / hi - 1) < 1e-8,
	   "expanded at 99.95 %%: [%.10g, %.10g], tail continued as naive "
	   "[%.10g, %.10g]",
	   q.lo, q.hi, lo, hi);
	o.level = 0;
	o.method = HV_BOOT_DEFAULT;
	hv_ratio_bootstrap(e, 10, b, 7, &o, &q, &err);
	naive_boot(e, 10, b, 7, HV_BOOT_EXPANDED, 3000, 2026, &lo, &hi);
	ok(fabs(q.lo - lo) < 1e-10 && fabs(q.hi - hi) < 1e-10,
	   "method 0 is the expanded percentile interval");
	is_str(hv_boot_method_name(HV_BOOT_DEFAULT), "expanded-percentile-log",
	       "method 0 is named expanded-percentile-log");
	is_str(hv_boot_method_name(HV_BOOT_SYMMETRIC_T), "symmetric-t-log",
	       "symmetric-t-log still selectable by name");
}

/*
 * env {1, 3}, native {2, 4}: the resampled means are 1, 2, 3 and 2, 3, 4,
 * each side with probabilities 1/4, 1/2, 1/4. The smallest ratio 1/4 has
 * probability 1/16 = 6.25 % and the largest 3/2 also 1/16, so with 4000
 * resamples the 2.5 % and 97.5 % percentile bounds are exactly 0.25 and 1.5
 * (the chance that fewer than 2.5 % of draws hit either end is below 1e-20).
 */
static void
test_boot_exact(void)
{
	double e[2] = {1, 3}, b[2] = {2, 4};
	struct hv_boot_opts o = {.seed = 5, .method = HV_BOOT_PERCENTILE};
	struct hv_ratio q;
	struct hv_err err;

	is_int(hv_ratio_bootstrap(e, 2, b, 2, &o, &q, &err), 0,
	       "two-point samples");
	is_near(q.ratio, 2.0 / 3.0, 1e-15, "ratio 2/3");
	is_near(q.lo, 0.25, 0, "percentile lo is exactly 1/4");
	is_near(q.hi, 1.5, 0, "percentile hi is exactly 3/2");
	is_int(q.verdict, HV_VERDICT_INDISTINGUISHABLE, "[1/4, 3/2] holds 1");
}

static void
fill(struct hv_rng *r, double *x, size_t n, double center, double spread)
{
	size_t i;

	for (i = 0; i < n; i++)
		x[i] = center * (1.0 + spread * (hv_rng_double(r) - 0.5));
}

static void
test_boot_properties(void)
{
	double e[12], b[12];
	struct hv_boot_opts o = {.seed = 11};
	struct hv_ratio q, q2;
	struct hv_err err;
	struct hv_rng r;
	int i, m, good = 1, same = 1;

	hv_rng_seed(&r, 3);
	for (i = 0; i < 60; i++) {
		fill(&r, e, 5 + i % 8, 1.0 + 0.01 * i, 0.3);
		fill(&r, b, 5 + i % 6, 1.0, 0.3);
		o.seed = (uint64_t)i;
		for (m = 0; m <= HV_BOOT_EXPANDED; m++) {
			o.method = m;
			hv_ratio_bootstrap(e, 5 + i % 8, b, 5 + i % 6, &o, &q,
					   &err);
			good &= q.lo <= q.ratio && q.ratio <= q.hi;
			hv_ratio_bootstrap(e, 5 + i % 8, b, 5 + i % 6, &o, &q2,
					   &err);
			same &= q.ratio == q2.ratio && q.lo == q2.lo &&
				q.hi == q2.hi && q.verdict == q2.verdict &&
				q.p == q2.p;
		}
	}
	ok(good, "lo <= ratio <= hi in 300 bootstraps");
	ok(same, "same seed, identical result");
	o.method = 0;
	o.seed = 1;
	hv_ratio_bootstrap(e, 12, b, 10, &o, &q, &err);
	o.seed = 2;
	hv_ratio_bootstrap(e, 12, b, 10, &o, &q2, &err);
	ok(q.lo != q2.lo && q.ratio == q2.ratio,
	   "another seed moves the bounds, not the estimate");
}

static void
test_boot_constant(void)
{
	double e[3] = {2, 2, 2}, b[3] = {1, 1, 1};
	struct hv_ratio q;
	struct hv_err err;

	is_int(hv_ratio_bootstrap(e, 3, b, 3, NULL, &q, &err), 0,
	       "constant samples, NULL opts");
	ok(q.ratio == 2.0 && q.lo == 2.0 && q.hi == 2.0,
	   "constant samples: [2, 2] (got [%g, %g])", q.lo, q.hi);
	is_int(q.verdict, HV_VERDICT_SLOWER, "constant 2x time is slower");
}

/*
 * The failure that retired the bootstrap-t default (a real study at
 * --reps 3): env 17x native with 0.5 % noise, native with 16 % noise.
 * Symmetric-t gave 0.06 [0.00, 31.43]-like nonsense ("indistinguishable").
 * The samples below are 17 (1 + 0.005 z) and 1 + 0.16 z for z = -1, 0, 1
 * shuffled, i.e. exactly that spread.
 */
static void
test_boot_17x_n3(void)
{
	double e[3] = {17.085, 16.915, 17.0}, b[3] = {1.0, 1.16, 0.84};
	struct hv_boot_opts o = {.seed = 42};
	struct hv_ratio q;
	struct hv_err err;
	int s, slower = 1, bounded = 1;

	is_int(hv_ratio_bootstrap(e, 3, b, 3, &o, &q, &err), 0,
	       "17x, n = 3 runs");
	is_near(q.ratio, 17.0, 1e-12, "ratio 17");
	is_int(q.verdict, HV_VERDICT_SLOWER, "17x, n = 3: slower");
	diag("17x n=3 default: %.2f [%.2f, %.2f]", q.ratio, q.lo, q.hi);
	/* Bounded by the data: no resample can reach 17 / 1.16^2 or 17 * 1.2^2.
	 */
	ok(q.lo > 10.0 && q.hi < 30.0, "17x, n = 3: sane [%.2f, %.2f]", q.lo,
	   q.hi);
	for (s = 0; s < 50; s++) {
		o.seed = (uint64_t)s;
		hv_ratio_bootstrap(e, 3, b, 3, &o, &q, &err);
		slower &= q.verdict == HV_VERDICT_SLOWER;
		bounded &= isfinite(q.hi) && q.lo > 1.0;
	}
	ok(slower && bounded, "17x, n = 3: slower for 50 seeds");
	o.method = HV_BOOT_SYMMETRIC_T;
	o.seed = 42;
	hv_ratio_bootstrap(e, 3, b, 3, &o, &q, &err);
	diag("17x n=3 symmetric-t: %.2f [%.2f, %.2f]", q.ratio, q.lo, q.hi);
}

static void
test_verdicts(void)
{
	double slow[8], base[8], fast[8];
	struct hv_boot_opts o = {.seed = 4};
	struct hv_ratio q;
	struct hv_err err;
	struct hv_rng r;

	is_int(hv_verdict_from_ci(0.9, 1.1, false),
	       HV_VERDICT_INDISTINGUISHABLE, "CI around 1");
	is_int(hv_verdict_from_ci(1.0, 1.2, false),
	       HV_VERDICT_INDISTINGUISHABLE, "CI touching 1 counts as holding");
	is_int(hv_verdict_from_ci(1.1, 1.2, false), HV_VERDICT_SLOWER,
	       "time ratio > 1: slower");
	is_int(hv_verdict_from_ci(1.1, 1.2, true), HV_VERDICT_FASTER,
	       "bandwidth ratio > 1: faster");
	is_int(hv_verdict_from_ci(0.8, 0.9, false), HV_VERDICT_FASTER,
	       "time ratio < 1: faster");
	is_int(hv_verdict_from_ci(0.8, 0.9, true), HV_VERDICT_SLOWER,
	       "bandwidth ratio < 1: slower");
	is_int(hv_verdict_from_ci(NAN, 0.9, true), HV_VERDICT_NONE, "NaN");

	hv_rng_seed(&r, 8);
	fill(&r, slow, 8, 2.0, 0.05);
	fill(&r, base, 8, 1.0, 0.05);
	fill(&r, fast, 8, 0.5, 0.05);
	hv_ratio_bootstrap(slow, 8, base, 8, &o, &q, &err);
	is_int(q.verdict, HV_VERDICT_SLOWER, "2x the time: slower");
	o.higher_is_better = true;
	hv_ratio_bootstrap(slow, 8, base, 8, &o, &q, &err);
	is_int(q.verdict, HV_VERDICT_FASTER, "2x the bandwidth: faster");
	hv_ratio_bootstrap(fast, 8, base, 8, &o, &q, &err);
	is_int(q.verdict, HV_VERDICT_SLOWER, "half the bandwidth: slower");
	o.higher_is_better = false;
	hv_ratio_bootstrap(fast, 8, base, 8, &o, &q, &err);
	is_int(q.verdict, HV_VERDICT_FASTER, "half the time: faster");
	hv_ratio_bootstrap(base, 8, base, 8, &o, &q, &err);
	ok(q.ratio == 1.0 && q.verdict == HV_VERDICT_INDISTINGUISHABLE,
	   "native against itself: 1.00, indistinguishable");

	is_str(hv_verdict_name(HV_VERDICT_SLOWER), "slower", "name slower");
	is_str(hv_verdict_name(HV_VERDICT_FASTER), "faster", "name faster");
	is_str(hv_verdict_name(HV_VERDICT_INDISTINGUISHABLE),
	       "indistinguishable", "name indistinguishable");
	is_str(hv_verdict_name(HV_VERDICT_NONE), "", "name none");
}

/*
 * The p-value is the interval inverted: over random cases of every size
 * from 3 to 10, spreads from 2 % to 12 % and true ratios from 0.9 to
 * 1.1 (so that both verdicts are common), p < 0.05 exactly when the 95 %
 * interval excludes 1, for every method; and p is tight: the interval at
 * level 1 - p (1 + 1e-4) excludes 1, at 1 - p (1 - 1e-4) it does not.
 */
static void
test_p_consistent(void)
{
	double e[10], b[10], shift, sp;
	struct hv_boot_opts o = {0};
	struct hv_ratio q, q1;
	struct hv_err err;
	struct hv_rng r;
	int i, m, excl, agree, tight, tried, in01;
	size_t ne, nb, k;

	hv_rng_seed(&r, 16);
	for (m = HV_BOOT_PERCENTILE; m <= HV_BOOT_EXPANDED; m++) {
		excl = agree = tight = tried = in01 = 0;
		for (i = 0; i < 200; i++) {
			ne = 3 + (size_t)i % 8;
			nb = 3 + (size_t)(i / 8) % 8;
			shift = 0.9 + 0.2 * hv_rng_double(&r);
			sp = 0.02 + 0.1 * hv_rng_double(&r);
			for (k = 0; k < ne; k++)
				e[k] = shift * exp(sp * 3.4 *
						   (hv_rng_double(&r) - 0.5));
			for (k = 0; k < nb; k++)
				b[k] = exp(sp * 3.4 *
					   (hv_rng_double(&r) - 0.5));
			o.seed = (uint64_t)i;
			o.method = m;
			o.level = 0;
			hv_ratio_bootstrap(e, ne, b, nb, &o, &q, &err);
			excl += q.verdict != HV_VERDICT_INDISTINGUISHABLE;
			agree += (q.p < 0.05) ==
				 (q.verdict != HV_VERDICT_INDISTINGUISHABLE);
			in01 += q.p >= 0.0 && q.p <= 1.0;
			/* 1 - level loses alpha's low bits below 1e-8. */
			if (!(q.p > 1e-8 && q.p < 0.49))
				continue;
			tried++;
			o.level = 1.0 - q.p * (1.0 + 1e-4);
			hv_ratio_bootstrap(e, ne, b, nb, &o, &q1, &err);
			k = q1.verdict != HV_VERDICT_INDISTINGUISHABLE;
			o.level = 1.0 - q.p * (1.0 - 1e-4);
			hv_ratio_bootstrap(e, ne, b, nb, &o, &q1, &err);
			tight +=
				k && q1.verdict == HV_VERDICT_INDISTINGUISHABLE;
		}
		diag("%s: %d of 200 exclude 1", hv_boot_method_name(m), excl);
		ok(agree == 200 && in01 == 200 && excl >= 40 && excl <= 160,
		   "%s: p < 0.05 iff the 95 %% CI excludes 1 (%d of 200 agree, "
		   "%d exclude)",
		   hv_boot_method_name(m), agree, excl);
		ok(tried >= 100 && tight == tried,
		   "%s: the CI at 1 - p (1 +- 1e-4) flips (%d of %d)",
		   hv_boot_method_name(m), tight, tried);
	}
}

/*
 * p on known cases: the two-point samples of test_boot_exact, where the
 * percentile interval's upper end falls below 1 once 1 - alpha/2 is
 * under P(ratio* < 1) = 11/16, i.e. p = 2 (1 - 11/16) = 0.625 up to the
 * resampling noise (sd 0.015 with 4000 resamples); constant samples
 * (p 0, or 1 at a ratio of 1); the 17x case; the same seed, the same p.
 */
static void
test_p_known(void)
{
	double e[2] = {1, 3}, b[2] = {2, 4}, k2[3] = {2, 2, 2};
	double k1[3] = {1, 1, 1}, e3[3] = {17.085, 16.915, 17.0};
	double b3[3] = {1.0, 1.16, 0.84};
	struct hv_boot_opts o = {.seed = 5, .method = HV_BOOT_PERCENTILE};
	struct hv_ratio q, q2;
	struct hv_err err;

	hv_ratio_bootstrap(e, 2, b, 2, &o, &q, &err);
	is_near(q.p, 0.625, 0.06, "p of the enumerable case is about 0.625");
	hv_ratio_bootstrap(k2, 3, k1, 3, NULL, &q, &err);
	ok(q.p == 0.0, "constant 2x: p = 0 (got %g)", q.p);
	hv_ratio_bootstrap(k1, 3, k1, 3, NULL, &q, &err);
	ok(q.p == 1.0, "constant 1x: p = 1 (got %g)", q.p);
	o = (struct hv_boot_opts){.seed = 42};
	hv_ratio_bootstrap(e3, 3, b3, 3, &o, &q, &err);
	hv_ratio_bootstrap(e3, 3, b3, 3, &o, &q2, &err);
	ok(q.p > 0.0 && q.p < 0.01 && q.p == q2.p,
	   "17x, n = 3: p %g small, the same for the same seed", q.p);
}

/*
 * Benjamini and Hochberg's own example (JRSS B 57, 1995, section 4.2):
 * 15 p-values, of which BH at 5 % rejects the four smallest (Bonferroni
 * three). The adjusted values are computed by hand from
 * min over j >= i of 15 p_(j) / j; the input is shuffled.
 */
static void
test_bh(void)
{
	static const double p[15] = {0.0298, 0.4262, 0.0001, 0.0459, 0.7590,
				     0.0095, 1.0,    0.0344, 0.0004, 0.5719,
				     0.0201, 0.3240, 0.0019, 0.6528, 0.0278};
	static const double want[15] = {0.0298 * 15 / 7,
					0.4262 * 15 / 11,
					0.0001 * 15,
					0.0459 * 15 / 9,
					0.7590 * 15 / 14,
					0.0095 * 15 / 4,
					1.0,
					0.0344 * 15 / 8,
					0.0004 * 15 / 2,
					0.5719 * 15 / 12,
					0.0201 * 15 / 5,
					0.3240 * 15 / 10,
					0.0019 * 15 / 3,
					0.6528 * 15 / 13,
					0.0298 * 15 / 7};
	double adj[15], q[3] = {0.049, 0.04, 0.045}, t[4];
	struct hv_err err;
	int i, rejected = 0, good = 1;

	is_int(hv_bh_adjust(p, 15, adj, &err), 0, "BH: 15 p-values");
	for (i = 0; i < 15; i++) {
		good &= fabs(adj[i] - want[i]) < 1e-15;
		rejected += adj[i] <= 0.05;
	}
	ok(good, "BH: the adjusted p-values worked by hand");
	is_int(rejected, 4, "BH at 5 %%: the four smallest rejected");
	ok(adj[5] <= 0.05 && adj[10] > 0.05,
	   "BH: 0.0095 (4th) rejected, 0.0201 (5th) not");
	/* Step-up: 0.04 > 1 x 0.05 / 3 alone, but the largest p, 0.049,
	 * is under 3 x 0.05 / 3, so all three are rejected. */
	hv_bh_adjust(q, 3, q, &err);
	ok(q[0] == 0.049 && q[1] == 0.049 && q[2] == 0.049,
	   "BH: step-up, in place: all three adjusted to 0.049");
	t[0] = 0.01;
	t[1] = 0.02;
	t[2] = 0.02;
	t[3] = 0.5;
	hv_bh_adjust(t, 4, t, &err);
	/* 4 x 0.02 / 3 (the tie's larger rank) also caps 2 x 0.02 and
	 * 4 x 0.01. */
	ok(t[1] == t[2] && fabs(t[1] - 0.08 / 3) < 1e-15 && t[0] == t[1] &&
		   t[3] == 0.5,
	   "BH: ties share one adjusted value (%g %g %g %g)", t[0], t[1], t[2],
	   t[3]);
	is_int(hv_bh_adjust(p, 0, adj, &err), 0, "BH: no test, nothing");
	t[1] = NAN;
	ok(hv_bh_adjust(t, 4, adj, &err) == -EINVAL &&
		   strstr(err.msg, "p-value 1 is nan"),
	   "BH: NaN refused (%s)", err.msg);
	t[1] = 1.5;
	ok(hv_bh_adjust(t, 4, adj, &err) == -EINVAL &&
		   strstr(err.msg, "p-value 1 is 1.5"),
	   "BH: 1.5 refused (%s)", err.msg);
}

/* The guard of samples x with ratio r (NaN: none), time or rate. */
static unsigned
guard(const double *x, size_t n, double r, bool hib,
      const struct hv_unstable *nat, struct hv_unstable *u)
{
	struct hv_ratio q = {.ratio = r};
	struct hv_summary s;
	struct hv_err err;

	hv_summary_compute(x, n, &s, &err);
	hv_unstable_check(&s, isnan(r) ? NULL : &q, hib, nat, u);
	return u->flags;
}

/*
 * The gross-artefact guard at its limits. Two samples 1 -+ d have
 * mean 1 and stddev d sqrt 2, so d = cv / sqrt 2 gives the cv wanted.
 */
static void
test_unstable(void)
{
	double x[5], one[4] = {1, 1, 1, 1}, d;
	struct hv_unstable u, nat;

	d = 0.31 / M_SQRT2;
	x[0] = 1 - d;
	x[1] = 1 + d;
	is_int(guard(x, 2, NAN, false, NULL, &u), HV_UNSTABLE_CV,
	       "guard: cv 31 %% flagged");
	is_near(u.cv, 0.31, 1e-12, "guard: cv 0.31 reported");
	is_str(u.why, "cv 31.0% > 30%", "guard: why names cv and limit");
	d = 0.29 / M_SQRT2;
	x[0] = 1 - d;
	x[1] = 1 + d;
	is_int(guard(x, 2, NAN, false, NULL, &u), 0, "guard: cv 29 %% not");
	is_str(u.why, "", "guard: no why when readable");
	x[0] = x[1] = x[2] = x[3] = 1.0;
	x[4] = 10.5;
	ok(guard(x, 5, NAN, false, NULL, &u) & HV_UNSTABLE_SPIKE,
	   "guard: max/median 10.5 flagged");
	is_near(u.max_over_median, 10.5, 1e-12, "guard: max/median reported");
	ok(strstr(u.why, "max/median 10.5 > 10") != NULL, "guard: why %s",
	   u.why);
	x[4] = 10.0;
	ok(!(guard(x, 5, NAN, false, NULL, &u) & HV_UNSTABLE_SPIKE),
	   "guard: max/median 10 exactly is not");
	x[4] = 9.5;
	ok(!(guard(x, 5, NAN, false, NULL, &u) & HV_UNSTABLE_SPIKE),
	   "guard: max/median 9.5 not");
	is_int(guard(one, 1, NAN, false, NULL, &u), 0, "guard: one sample");
	ok(isnan(u.cv) && u.max_over_median == 1.0 && isnan(u.ratio),
	   "guard: n = 1 has no cv, no ratio");
	/* A time 1001x native's is flagged, 999x is not; a rate needs the
	 * inverse; better than native by over 10x either way. */
	is_int(guard(one, 4, 1001, false, NULL, &u), HV_UNSTABLE_WORSE,
	       "guard: time ratio 1001 flagged");
	ok(strstr(u.why, "ratio 1e+03: 1e+03x worse than native") != NULL,
	   "guard: why %s", u.why);
	is_int(guard(one, 4, 999, false, NULL, &u), 0, "guard: 999 not");
	is_int(guard(one, 4, 1001, true, NULL, &u), HV_UNSTABLE_BETTER,
	       "guard: bandwidth 1001x native is better, not worse");
	is_int(guard(one, 4, 1.0 / 1001, true, NULL, &u), HV_UNSTABLE_WORSE,
	       "guard: bandwidth 1/1001 of native flagged");
	is_int(guard(one, 4, 0.099, false, NULL, &u), HV_UNSTABLE_BETTER,
	       "guard: time 0.099 of native (10.1x better) flagged");
	is_int(guard(one, 4, 0.101, false, NULL, &u), 0,
	       "guard: time 0.101 of native not");
	is_int(guard(one, 4, 10.1, true, NULL, &u), HV_UNSTABLE_BETTER,
	       "guard: bandwidth 10.1x native flagged");
	is_near(u.ratio, 10.1, 0, "guard: the ratio is reported");
	/* A native twin unstable by its samples makes the ratio suspect;
	 * one without ratio does not make a ratio-less cell so. */
	d = 0.4 / M_SQRT2;
	x[0] = 1 - d;
	x[1] = 1 + d;
	guard(x, 2, NAN, false, NULL, &nat);
	is_int(guard(one, 4, 1.05, false, &nat, &u), HV_UNSTABLE_NATIVE,
	       "guard: native unstable");
	is_str(u.why, "native: cv 40.0% > 30%", "guard: why names native");
	is_int(guard(one, 4, NAN, false, &nat, &u), 0,
	       "guard: no ratio, native irrelevant");
	nat.flags = HV_UNSTABLE_WORSE;
	is_int(guard(one, 4, 1.05, false, &nat, &u), 0,
	       "guard: only a twin's own samples count");
}

static void
expect_einval(int rc, const struct hv_err *err, const char *needle,
	      const char *what)
{
	ok(rc == -EINVAL && err->code == EINVAL && strstr(err->msg, needle),
	   "%s: -EINVAL, message '%s'", what, err->msg);
}

static void
test_boot_errors(void)
{
	double x[3] = {1, 2, 3}, zero[3] = {0, 0, 0}, neg[3] = {1, -1, 2};
	double nan3[3] = {1, NAN, 2};
	struct hv_boot_opts o = {0};
	struct hv_ratio q;
	struct hv_err err;

	expect_einval(hv_ratio_bootstrap(x, 1, x, 3, &o, &q, &err), &err,
		      "environment has 1 sample", "n_env = 1");
	expect_einval(hv_ratio_bootstrap(x, 3, x, 0, &o, &q, &err), &err,
		      "native has 0 samples", "n_base = 0");
	expect_einval(hv_ratio_bootstrap(x, 3, zero, 3, &o, &q, &err), &err,
		      "native sample 0 is 0", "zero native mean");
	expect_einval(hv_ratio_bootstrap(neg, 3, x, 3, &o, &q, &err), &err,
		      "environment sample 1 is -1", "negative sample");
	expect_einval(hv_ratio_bootstrap(x, 3, nan3, 3, &o, &q, &err), &err,
		      "native sample 1 is nan", "NaN sample");
	o.level = 1.5;
	expect_einval(hv_ratio_bootstrap(x, 3, x, 3, &o, &q, &err), &err,
		      "confidence level 1.5", "level 1.5");
	o.level = 0;
	o.iters = 5;
	expect_einval(hv_ratio_bootstrap(x, 3, x, 3, &o, &q, &err), &err,
		      "iterations 5", "5 resamples");
	o.iters = 0;
	o.method = (enum hv_boot_method)9;
	expect_einval(hv_ratio_bootstrap(x, 3, x, 3, &o, &q, &err), &err,
		      "method 9", "unknown method");
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* How long one bootstrap takes, for the record (a study has hundreds). */
static void
test_speed(void)
{
	double e[10], b[10], t0, per;
	struct hv_boot_opts o = {0};
	struct hv_ratio q;
	struct hv_err err;
	struct hv_rng r;
	int i;

	hv_rng_seed(&r, 1);
	fill(&r, e, 10, 1.1, 0.1);
	fill(&r, b, 10, 1.0, 0.1);
	t0 = now_s();
	for (i = 0; i < 50; i++) {
		o.seed = (uint64_t)i;
		hv_ratio_bootstrap(e, 10, b, 10, &o, &q, &err);
	}
	per = (now_s() - t0) / 50.0 * 1e3;
	/* Reported, not asserted: tests check correctness, never speed. */
	diag("one bootstrap, n = 10, 4000 resamples: %.3f ms", per);
}

int
main(void)
{
	plan(158);
	test_summary();
	test_quantile();
	test_quantiles_t_z();
	test_rng_vectors();
	test_rng_determinism();
	test_rng_below();
	test_rng_shuffle();
	test_boot_naive();
	test_boot_exact();
	test_boot_properties();
	test_boot_constant();
	test_boot_17x_n3();
	test_verdicts();
	test_p_consistent();
	test_p_known();
	test_bh();
	test_unstable();
	test_boot_errors();
	test_speed();
	return done_testing();
}
