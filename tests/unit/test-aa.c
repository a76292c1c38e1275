/*
 * test-aa.c - the A/A self-check of the confidence interval: native
 * against native. Both samples come from one distribution, so the true
 * ratio is 1.0 and a 95 % interval must contain it in about 95 % of
 * trials; fewer means the verdicts "slower"/"faster" are claimed too
 * often. The converse checks power: a true 20 % slowdown at n = 10 with
 * 3 % noise must be flagged in nearly every trial. An A/B case, where the
 * environment is noisier than native, checks coverage of the true ratio
 * where the two samples' spreads differ.
 *
 * A simulated study of 200 ratios checks the Benjamini-Hochberg
 * correction of the verdicts: it must keep the share of false verdicts
 * among the flagged near 5 % where the raw 95 % verdicts do not.
 *
 * Every trial is seeded, so the numbers are the same on every run:
 *   build/tests/test-aa                  the check (500 trials per case)
 *   build/tests/test-aa --trials 2000 --all-methods
 *                                        the tables of docs/METHOD.md
 *   build/tests/test-aa --bh             section 5's p calibration and
 *                                        BH tables (about 4 minutes)
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>

#include "hpcvirt/results/stats.h"
#include "tap.h"

#define MAX_N 10
#define MIN_COVERAGE 0.90
#define NNS 3 /* sample sizes of the coverage table */

enum dist {
	LOGNORM3,  /* timing noise of a quiet host */
	LOGNORM10, /* noisy host, virtual NIC */
	SHIFTLOG,  /* skewed: floor plus a lognormal(sigma 1) delay */
	PARETO,	   /* heavy tail: Pareto alpha 2.5 above a floor */
	OUTLIER,   /* 3 % noise, 10 % of runs hit by a 1.5x stall */
	NDIST,
};

static const char *const dist_name[NDIST] = {
	"lognormal 3%",
	"lognormal 10%",
	"1+0.1*lognormal(0,1)",
	"1+0.05*(Pareto(2.5)-1)",
	"lognormal 3% + 10% 1.5x",
};

static double
gauss(struct hv_rng *r)
{
	double u = 1.0 - hv_rng_double(r), v = hv_rng_double(r);

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* One sample, around 1, of the given shape. */
static double
draw(struct hv_rng *r, enum dist d)
{
	double x;

	switch (d) {
	case LOGNORM3:
		return exp(0.03 * gauss(r));
	case LOGNORM10:
		return exp(0.10 * gauss(r));
	case SHIFTLOG:
		return 1.0 + 0.1 * exp(gauss(r));
	case PARETO:
		return 1.0 + 0.05 * (pow(1.0 - hv_rng_double(r), -1 / 2.5) - 1);
	case OUTLIER:
	case NDIST:
		break;
	}
	x = exp(0.03 * gauss(r));
	return hv_rng_double(r) < 0.1 ? 1.5 * x : x;
}

/* The population mean of each shape, for the A/B coverage. */
static double
dist_mean(enum dist d)
{
	switch (d) {
	case LOGNORM3:
		return exp(0.03 * 0.03 / 2);
	case LOGNORM10:
		return exp(0.10 * 0.10 / 2);
	case SHIFTLOG:
		return 1.0 + 0.1 * exp(0.5);
	case PARETO:
		return 1.0 + 0.05 * (2.5 / 1.5 - 1.0);
	case OUTLIER:
	case NDIST:
		break;
	}
	return exp(0.03 * 0.03 / 2) * (0.9 + 0.1 * 1.5);
}

struct trial_set {
	enum dist d;  /* native's shape */
	enum dist de; /* the environment's shape (A/A: the same) */
	size_t n;
	double scale; /* env = scale * a draw; 1 for A/A */
	double truth; /* > 0: count CIs holding it, not verdicts */
	bool higher_is_better;
	enum hv_boot_method method;
	int trials;
};

/*
 * Fraction of trials whose verdict is want, or whose interval holds
 * t->truth when that is set; -1 on a library error.
 */
static double
run_trials(const struct trial_set *t, enum hv_verdict want)
{
	double env[MAX_N], base[MAX_N];
	struct hv_boot_opts o = {.higher_is_better = t->higher_is_better,
				 .method = t->method};
	struct hv_ratio q;
	struct hv_err err;
	struct hv_rng r;
	int i, hits = 0;
	size_t k;

	hv_rng_seed(&r, 1000u * t->d + t->n);
	for (i = 0; i < t->trials; i++) {
		for (k = 0; k < t->n; k++) {
			env[k] = t->scale * draw(&r, t->de);
			base[k] = draw(&r, t->d);
		}
		o.seed = (uint64_t)i + 1;
		if (hv_ratio_bootstrap(env, t->n, base, t->n, &o, &q, &err)) {
			diag("bootstrap failed: %s", err.msg);
			return -1.0;
		}
		if (t->truth > 0.0)
			hits += q.lo <= t->truth && t->truth <= q.hi;
		else
			hits += q.verdict == want;
	}
	return (double)hits / t->trials;
}

/*
 * The threshold: with 500 trials and a true coverage of 95 %, the
 * observed fraction has a standard deviation of 1 %, so 90 % is five
 * of them below: a correct interval does not fail by chance, while one
 * whose true coverage is 88 % or less (the percentile bootstrap at
 * n = 5) fails. The trials are seeded, so the outcome is fixed anyway.
 */
static void
check_coverage(int trials, bool all_methods)
{
	struct trial_set t = {.trials = trials};
	static const size_t ns[NNS] = {3, 5, 10};
	double cov;
	int d, k, m;

	for (d = 0; d < NDIST; d++)
		for (k = 0; k < NNS; k++) {
			t.d = t.de = d;
			t.n = ns[k];
			t.scale = 1.0;
			for (m = HV_BOOT_PERCENTILE; m <= HV_BOOT_EXPANDED;
			     m++) {
				if (!all_methods && m != HV_BOOT_EXPANDED)
					continue;
				t.method = m;
				cov = run_trials(&t,
						 HV_VERDICT_INDISTINGUISHABLE);
				diag("coverage %-24s n=%-2zu %-23s %.3f "
				     "(%d trials)",
				     dist_name[d], t.n, hv_boot_method_name(m),
				     cov, trials);
				if (m != HV_BOOT_EXPANDED)
					continue;
				ok(cov >= MIN_COVERAGE,
				   "A/A %s n=%zu: 1.0 inside the CI in %.1f "
				   "%% >= %.0f %%",
				   dist_name[d], t.n, 100 * cov,
				   100 * MIN_COVERAGE);
			}
		}
}

/* The check has teeth: the textbook percentile interval fails it. */
static void
check_baseline_fails(int trials)
{
	struct trial_set t = {.d = LOGNORM3,
			      .de = LOGNORM3,
			      .n = 5,
			      .scale = 1.0,
			      .method = HV_BOOT_PERCENTILE,
			      .trials = trials};
	double cov = run_trials(&t, HV_VERDICT_INDISTINGUISHABLE);

	ok(cov >= 0.0 && cov < MIN_COVERAGE,
	   "percentile bootstrap, lognormal 3%% n=5: %.1f %% < %.0f %% "
	   "(the check can fail)",
	   100 * cov, 100 * MIN_COVERAGE);
	t.method = HV_BOOT_DEFAULT;
	t.d = t.de = LOGNORM10;
	cov = run_trials(&t, HV_VERDICT_INDISTINGUISHABLE);
	ok(cov <= 0.995,
	   "default interval not uselessly wide: lognormal 10%% n=5 "
	   "coverage %.1f %% <= 99.5 %%",
	   100 * cov);
}

static void
check_power(int trials)
{
	struct trial_set t = {
		.d = LOGNORM3, .de = LOGNORM3, .n = 10, .trials = trials};
	static const size_t ns[NNS] = {3, 5, 10};
	double p;
	int k;

	t.scale = 1.2;
	for (k = 0; k < NNS; k++) {
		t.n = ns[k];
		p = run_trials(&t, HV_VERDICT_SLOWER);
		diag("power: time +20%%, 3%% noise, n=%zu: %.3f slower", t.n,
		     p);
	}
	ok(p >= 0.95, "20 %% more time at n=10 is 'slower' in %.1f %%",
	   100 * p);
	t.scale = 1.0 / 1.2;
	t.higher_is_better = true;
	p = run_trials(&t, HV_VERDICT_SLOWER);
	diag("power: bandwidth /1.2, 3%% noise, n=10: %.3f slower", p);
	ok(p >= 0.95, "bandwidth / 1.2 at n=10 is 'slower' in %.1f %%",
	   100 * p);
	t.higher_is_better = false;
	t.scale = 1.05;
	for (k = 0; k < NNS; k++) {
		t.n = ns[k];
		diag("power: time +5%%, 3%% noise, n=%zu: %.3f slower", t.n,
		     run_trials(&t, HV_VERDICT_SLOWER));
	}
}

/*
 * The case that retired the bootstrap-t default: n = 3, the environment
 * 17x slower with 0.5 % noise, native with 16 % noise. Symmetric-t gave
 * intervals like [0.00, 31.43] there ("indistinguishable"); a sane
 * interval calls it "slower" every time.
 */
static void
check_17x(int trials, bool all_methods)
{
	double env[3], base[3], p;
	struct hv_boot_opts o = {0};
	struct hv_ratio q;
	struct hv_err err;
	struct hv_rng r;
	int i, m, hits;
	size_t k;

	for (m = HV_BOOT_PERCENTILE; m <= HV_BOOT_EXPANDED; m++) {
		if (!all_methods && m != HV_BOOT_EXPANDED)
			continue;
		hv_rng_seed(&r, 17);
		o.method = m;
		for (i = hits = 0; i < trials; i++) {
			for (k = 0; k < 3; k++) {
				env[k] = 17.0 * exp(0.005 * gauss(&r));
				base[k] = exp(0.16 * gauss(&r));
			}
			o.seed = (uint64_t)i + 1;
			if (hv_ratio_bootstrap(env, 3, base, 3, &o, &q, &err))
				break;
			hits += q.verdict == HV_VERDICT_SLOWER;
		}
		p = (double)hits / trials;
		diag("power: 17x, 0.5%% vs 16%% noise, n=3, %-23s %.3f "
		     "slower",
		     hv_boot_method_name(m), p);
		if (m == HV_BOOT_EXPANDED)
			ok(p >= 0.99,
			   "17x slower, n=3, 0.5 %% vs 16 %% noise: "
			   "'slower' in %.1f %% >= 99 %%",
			   100 * p);
	}
}

/*
 * A/B: the environment is 1.3x slower and has another shape than native
 * (lognormal 3 %), so the two samples differ in spread and skew, which
 * an A/A check cannot exercise. Coverage of the true ratio of means.
 * One case is asserted; --all-methods prints every shape and method.
 */
static void
check_ab(int trials, bool all_methods)
{
	struct trial_set t = {.d = LOGNORM3, .scale = 1.3, .trials = trials};
	double cov;
	int d, m, k;

	for (d = LOGNORM10; d < NDIST; d++)
		for (k = 5; k <= 10; k += 5)
			for (m = HV_BOOT_PERCENTILE; m <= HV_BOOT_EXPANDED;
			     m++) {
				if (!all_methods && (m != HV_BOOT_EXPANDED ||
						     d != LOGNORM10 || k != 5))
					continue;
				t.de = d;
				t.n = (size_t)k;
				t.method = m;
				t.truth = 1.3 * dist_mean(d) /
					  dist_mean(LOGNORM3);
				cov = run_trials(&t, HV_VERDICT_NONE);
				diag("A/B env 1.3x %-24s n=%-2d %-23s %.3f",
				     dist_name[d], k, hv_boot_method_name(m),
				     cov);
			}
	t.de = LOGNORM10;
	t.n = 5;
	t.method = HV_BOOT_DEFAULT;
	t.truth = 1.3 * dist_mean(LOGNORM10) / dist_mean(LOGNORM3);
	cov = run_trials(&t, HV_VERDICT_NONE);
	ok(cov >= MIN_COVERAGE,
	   "A/B env lognormal 10%% vs native 3%%, n=5: true ratio inside "
	   "the CI in %.1f %% >= %.0f %%",
	   100 * cov, 100 * MIN_COVERAGE);
}

/* What one simulated study's verdicts got right and wrong. */
struct bh_count {
	long raw_false, raw_true, bh_false, bh_true, holm_false, holm_true;
	double raw_fdp, bh_fdp; /* sums of per-study false shares */
	int studies_false_bh;	/* studies with a false BH verdict */
};

#define BH_SETS 50
#define BH_ENVS 4
#define BH_M (BH_SETS * BH_ENVS)

static int
cmp_idx_p(const void *a, const void *b, void *arg)
{
	const double *p = arg;
	double x = p[*(const int *)a], y = p[*(const int *)b];

	return (x > y) - (x < y);
}

/* Holm's step-down at 5 %: the smallest p against 0.05 / m, the next
 * against 0.05 / (m - 1), ... until one fails. */
static void
holm(const double *p, const bool *real, struct bh_count *c)
{
	int idx[BH_M], i;

	for (i = 0; i < BH_M; i++)
		idx[i] = i;
	qsort_r(idx, BH_M, sizeof(idx[0]), cmp_idx_p, (void *)p);
	for (i = 0; i < BH_M && p[idx[i]] <= 0.05 / (BH_M - i); i++) {
		c->holm_true += real[idx[i]];
		c->holm_false += !real[idx[i]];
	}
}

/*
 * One study: BH_SETS parameter sets, each a native cell and BH_ENVS
 * environments compared with it (so the ratios of a set share their
 * native sample, as in a real study), n repetitions, lognormal 3 %
 * noise; the first n_real environment cells are slower by 'effect'.
 */
static int
bh_study(struct hv_rng *r, size_t n, int n_real, double effect, uint64_t seed,
	 struct bh_count *c)
{
	double nat[MAX_N], env[MAX_N], p[BH_M], adj[BH_M];
	bool real[BH_M], raw;
	long rf = 0, rt = 0, bf = 0, bt = 0;
	struct hv_ratio q[BH_M];
	struct hv_boot_opts o = {0};
	struct hv_err err;
	int set, e, i = 0;
	size_t k;

	for (set = 0; set < BH_SETS; set++) {
		for (k = 0; k < n; k++)
			nat[k] = draw(r, LOGNORM3);
		for (e = 0; e < BH_ENVS; e++, i++) {
			real[i] = i < n_real;
			for (k = 0; k < n; k++)
				env[k] = (real[i] ? 1.0 + effect : 1.0) *
					 draw(r, LOGNORM3);
			o.seed = seed * BH_M + (uint64_t)i;
			if (hv_ratio_bootstrap(env, n, nat, n, &o, &q[i], &err))
				return -1;
			p[i] = q[i].p;
		}
	}
	if (hv_bh_adjust(p, BH_M, adj, &err))
		return -1;
	for (i = 0; i < BH_M; i++) {
		raw = q[i].verdict != HV_VERDICT_INDISTINGUISHABLE;
		rt += raw && real[i];
		rf += raw && !real[i];
		bt += raw && adj[i] <= HV_BH_FDR && real[i];
		bf += raw && adj[i] <= HV_BH_FDR && !real[i];
	}
	holm(p, real, c);
	c->raw_false += rf;
	c->raw_true += rt;
	c->bh_false += bf;
	c->bh_true += bt;
	c->raw_fdp += rf + rt ? (double)rf / (double)(rf + rt) : 0.0;
	c->bh_fdp += bf + bt ? (double)bf / (double)(bf + bt) : 0.0;
	c->studies_false_bh += bf > 0;
	return 0;
}

static int
bh_studies(size_t n, int n_real, double effect, int studies, struct bh_count *c)
{
	struct hv_rng r;
	int s;

	memset(c, 0, sizeof(*c));
	hv_rng_seed(&r, 5000u + n * 100u + (uint64_t)n_real);
	for (s = 0; s < studies; s++)
		if (bh_study(&r, n, n_real, effect, (uint64_t)s, c))
			return -1;
	diag("BH study: %d ratios, %d %.0f %% slower, n=%zu, %d studies: "
	     "per study raw %.1f false + %.1f true (FDR %.3f), BH %.1f + "
	     "%.1f (FDR %.3f, %d studies with a false one), Holm %.1f + "
	     "%.1f",
	     BH_M, n_real, 100 * effect, n, studies,
	     (double)c->raw_false / studies, (double)c->raw_true / studies,
	     c->raw_fdp / studies, (double)c->bh_false / studies,
	     (double)c->bh_true / studies, c->bh_fdp / studies,
	     c->studies_false_bh, (double)c->holm_false / studies,
	     (double)c->holm_true / studies);
	return 0;
}

/*
 * The correction has teeth and keeps its promise: over 10 studies of 200
 * ratios (40 of them 10 % slower, n = 10), more than 10 % of the raw
 * flags are false (about 16 %: 8 of the 160 equal cells each time) but
 * at most 10 % of the BH ones (about 4 %), and BH keeps 90 % of the real
 * slowdowns.
 */
static void
check_bh(void)
{
	struct bh_count c;
	double raw, bh;

	if (bh_studies(10, 40, 0.10, 10, &c)) {
		ok(0, "BH study ran");
		return;
	}
	raw = (double)c.raw_false / (double)(c.raw_false + c.raw_true);
	bh = (double)c.bh_false / (double)(c.bh_false + c.bh_true);
	ok(raw > 0.10 && bh <= 0.10,
	   "BH: false share of flags %.1f %% raw > 10 %%, %.1f %% after BH "
	   "<= 10 %%",
	   100 * raw, 100 * bh);
	ok(c.bh_true >= 0.9 * 40 * 10,
	   "BH: %.1f %% of the real 10 %% slowdowns kept",
	   100.0 * (double)c.bh_true / 400.0);
}

/*
 * How often p <= t when there is nothing to find (native against
 * native, lognormal 3 %): a calibrated p has P(p <= t) = t. BH at 5 %
 * over 200 ratios reads p down to 0.05 / 200 = 2.5e-4.
 */
static void
p_calibration(size_t n, int trials)
{
	static const double t[] = {0.05, 0.01, 1e-3, 2.5e-4, 1e-4};
	double env[MAX_N], base[MAX_N];
	long hits[5] = {0};
	struct hv_boot_opts o = {0};
	struct hv_ratio q;
	struct hv_err err;
	struct hv_rng r;
	int i, j;
	size_t k;

	hv_rng_seed(&r, 7000u + n);
	for (i = 0; i < trials; i++) {
		for (k = 0; k < n; k++) {
			env[k] = draw(&r, LOGNORM3);
			base[k] = draw(&r, LOGNORM3);
		}
		o.seed = (uint64_t)i + 1;
		if (hv_ratio_bootstrap(env, n, base, n, &o, &q, &err))
			return;
		for (j = 0; j < 5; j++)
			hits[j] += q.p <= t[j];
	}
	for (j = 0; j < 5; j++)
		diag("p calibration, A/A lognormal 3%%, n=%zu: P(p <= %g) = "
		     "%.5f (%ld of %d, %.2f x t)",
		     n, t[j], (double)hits[j] / trials, hits[j], trials,
		     (double)hits[j] / trials / t[j]);
}

/* The tables of docs/METHOD.md section 5. */
static void
bh_tables(void)
{
	static const struct {
		size_t n;
		int real;
		double effect;
	} c[] = {
		{5, 0, 0.0},   {10, 0, 0.0},   {3, 40, 0.10},  {5, 40, 0.10},
		{5, 40, 0.05}, {10, 40, 0.05}, {10, 40, 0.10},
	};
	struct bh_count cnt;
	size_t i;

	p_calibration(5, 60000);
	p_calibration(10, 60000);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		bh_studies(c[i].n, c[i].real, c[i].effect, c[i].real ? 50 : 100,
			   &cnt);
}

static int
parse_args(int argc, char **argv, int *trials, bool *all, bool *bh)
{
	char *end;
	long v;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all-methods") == 0) {
			*all = true;
			continue;
		}
		if (strcmp(argv[i], "--bh") == 0) {
			*bh = true;
			continue;
		}
		if (strcmp(argv[i], "--trials") != 0 || i + 1 >= argc) {
			fprintf(stderr,
				"test-aa: bad argument '%s': expected "
				"[--trials N] [--all-methods] [--bh]\n",
				argv[i]);
			return 2;
		}
		errno = 0;
		v = strtol(argv[++i], &end, 10);
		if (errno || end == argv[i] || *end || v < 100 || v > 100000) {
			fprintf(stderr,
				"test-aa: bad --trials '%s': expected an "
				"integer 100..100000\n",
				argv[i]);
			return 2;
		}
		*trials = (int)v;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	bool all = false, bh = false;
	int trials = 500, rc;

	rc = parse_args(argc, argv, &trials, &all, &bh);
	if (rc)
		return rc;
	if (bh) {
		bh_tables();
		return 0;
	}
	plan(NNS * NDIST + 8);
	check_coverage(trials, all);
	check_baseline_fails(trials);
	check_power(trials);
	check_17x(trials, all);
	check_ab(trials, all);
	check_bh();
	return done_testing();
}
