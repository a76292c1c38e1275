/*
 * test-model.c - the Hockney fit on synthetic data with known alpha and
 * beta: exact on noiseless data, close and covered by its CIs with noise,
 * the slope when no bandwidth is given, deterministic for a seed, and
 * bad input refused with a message naming the value.
 */
#include <errno.h>
#include <string.h>

#include "hpcvirt/results/model.h"
#include "tap.h"

#define NSIZES 6
#define NREPS 5

static const double sizes[NSIZES] = {1, 64, 1024, 4096, 16384, 65536};
static double times[NSIZES][NREPS];
static struct hv_lat_point pts[NSIZES];

/* t = alpha + m beta, times (1 + noise * r) with r in [-1, 1] fixed. */
static void
make_sweep(double alpha, double beta, double noise)
{
	static const double r[NREPS] = {-1, -0.5, 0, 0.5, 1};
	size_t i, k;

	for (i = 0; i < NSIZES; i++) {
		for (k = 0; k < NREPS; k++)
			times[i][k] = (alpha + sizes[i] * beta) *
				      (1 + noise * r[(k + i) % NREPS]);
		pts[i] = (struct hv_lat_point){sizes[i], times[i], NREPS};
	}
}

int
main(void)
{
	const double alpha = 20e-6, beta = 1e-9; /* 20 us, 1 GB/s */
	double bw[NREPS] = {0.98e9, 0.99e9, 1e9, 1.01e9, 1.02e9}, bad;
	struct hv_boot_opts o = {.seed = 42, .iters = 2000};
	struct hv_hockney h, h2;
	struct hv_err err;

	plan(22);
	hv_err_init(&err);

	make_sweep(alpha, beta, 0);
	ok(hv_hockney_fit(pts, NSIZES, NULL, 0, &o, &h, &err) == 0,
	   "noiseless sweep fits (%s)", err.msg);
	is_near(h.alpha, alpha, 1e-12, "alpha exact: %g", h.alpha);
	is_near(h.beta, beta, 1e-15, "beta exact from the slope: %g", h.beta);
	ok(!h.beta_from_stream, "beta from the sweep");
	ok(h.alpha_lo == h.alpha && h.alpha_hi == h.alpha,
	   "no noise: the CI is a point");
	ok(fabs(h.worst_err) < 1e-9, "a linear sweep is fitted everywhere");

	/* Above 1500 bytes the path is 100 times slower: the model, from
	 * the small sizes and the stream, says where it misses. */
	make_sweep(alpha, beta, 0);
	for (int i = 3; i < NSIZES; i++)
		for (int k = 0; k < NREPS; k++)
			times[i][k] *= 100;
	ok(hv_hockney_fit(pts, NSIZES, bw, NREPS, &o, &h, &err) == 0 &&
		   fabs(h.alpha - (alpha + beta - 1 / 1e9)) < 1e-12,
	   "alpha stays the small message's time: %g", h.alpha);
	ok(h.worst_err < -0.98 && h.worst_bytes >= 4096,
	   "the miss is named: %.1f %% at %g bytes", h.worst_err * 100,
	   h.worst_bytes);

	make_sweep(alpha, 1.25e-9, 0.03);
	ok(hv_hockney_fit(pts, NSIZES, bw, NREPS, &o, &h, &err) == 0,
	   "noisy sweep and stream fit (%s)", err.msg);
	ok(h.beta_from_stream, "beta from the stream");
	is_near(h.beta, 1e-9, 1e-20, "beta = 1 / mean bandwidth");
	ok(fabs(h.alpha - alpha) / alpha < 0.05, "alpha within 5 %%: %.3g us",
	   h.alpha * 1e6);
	ok(h.alpha_lo < alpha && alpha < h.alpha_hi,
	   "alpha's CI [%.3g, %.3g] us covers 20 us", h.alpha_lo * 1e6,
	   h.alpha_hi * 1e6);
	ok(h.beta_lo < 1e-9 && 1e-9 < h.beta_hi && h.beta_lo > 0.97e-9 &&
		   h.beta_hi < 1.03e-9,
	   "beta's CI [%.4g, %.4g] is tight around 1 ns/B", h.beta_lo,
	   h.beta_hi);
	is_near(hv_hockney_time(&h, 1e6), h.alpha + 1e6 * h.beta, 1e-15,
		"model time of a 1 MB message");
	ok(hv_hockney_fit(pts, NSIZES, bw, NREPS, &o, &h2, &err) == 0 &&
		   memcmp(&h, &h2, sizeof(h)) == 0,
	   "same seed, same fit and CIs");

	ok(hv_hockney_fit(pts, 0, bw, NREPS, &o, &h, &err) == -EINVAL &&
		   strstr(err.msg, "net.rr"),
	   "no sweep refused: %s", err.msg);
	ok(hv_hockney_fit(pts, 1, NULL, 0, &o, &h, &err) == -EINVAL &&
		   strstr(err.msg, "two message sizes"),
	   "one size and no stream: %s", err.msg);
	ok(hv_hockney_fit(pts, 1, bw, NREPS, &o, &h, &err) == 0,
	   "one size with a stream fits");
	bad = times[2][1];
	times[2][1] = -3;
	ok(hv_hockney_fit(pts, NSIZES, bw, NREPS, &o, &h, &err) == -EINVAL &&
		   strstr(err.msg, "-3"),
	   "negative time named: %s", err.msg);
	times[2][1] = bad;
	bw[3] = NAN;
	ok(hv_hockney_fit(pts, NSIZES, bw, NREPS, &o, &h, &err) == -EINVAL &&
		   strstr(err.msg, "bandwidth"),
	   "NaN bandwidth refused: %s", err.msg);
	pts[4].n = 0;
	ok(hv_hockney_fit(pts, NSIZES, NULL, 0, &o, &h, &err) == -EINVAL &&
		   strstr(err.msg, "16384"),
	   "a size without samples named: %s", err.msg);
	return done_testing();
}
