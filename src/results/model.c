/*
 * model.c - Hockney's alpha-beta model of an environment's network path,
 * fitted from its own measurements (model.h has the contract).
 *
 * alpha comes from the size sweep (net.rr, TCP_RR): the intercept of the
 * ordinary least-squares line through (m_i, mean t_i), one point per size,
 * so that every size weighs alike however many repetitions it has. beta
 * comes from the streaming bandwidth when there is one: request/response
 * messages of a few KiB never reach the link's asymptotic rate, which is
 * what the large transfers of NPB see.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "hpcvirt/results/model.h"

#define DEFAULT_ITERS 4000
#define DEFAULT_LEVEL 0.95

static double
mean_of(const double *x, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += x[i];
	return s / (double)n;
}

/* Mean of n draws with replacement from x. */
static double
resampled_mean(struct hv_rng *rng, const double *x, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += x[hv_rng_below(rng, n)];
	return s / (double)n;
}

/*
 * alpha and beta from one set of per-size means (and a mean bandwidth,
 * or 0 for none): the line's intercept; 1 / bw or the line's slope.
 */
static void
fit_once(const struct hv_lat_point *pts, const double *tm, size_t npts,
	 double bwm, double *alpha, double *beta)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0, slope;
	size_t i;

	for (i = 0; i < npts; i++) {
		mx += pts[i].bytes;
		my += tm[i];
	}
	mx /= (double)npts;
	my /= (double)npts;
	for (i = 0; i < npts; i++) {
		sxx += (pts[i].bytes - mx) * (pts[i].bytes - mx);
		sxy += (pts[i].bytes - mx) * (tm[i] - my);
	}
	slope = sxx > 0 ? sxy / sxx : 0;
	*alpha = my - slope * mx;
	*beta = bwm > 0 ? 1.0 / bwm : slope;
}

static int
check_input(const struct hv_lat_point *pts, size_t npts, const double *bw,
	    size_t nbw, struct hv_err *err)
{
	bool sizes_differ = false;
	size_t i, k;

	if (npts == 0)
		return hv_err_set(err, EINVAL,
				  "no latency sweep: alpha needs net.rr "
				  "samples");
	for (i = 0; i < npts; i++) {
		if (pts[i].n == 0)
			return hv_err_set(err, EINVAL,
					  "no samples for %g-byte messages",
					  pts[i].bytes);
		if (!isfinite(pts[i].bytes) || pts[i].bytes < 0)
			return hv_err_set(err, EINVAL,
					  "message size %g: expected a finite "
					  "size >= 0",
					  pts[i].bytes);
		for (k = 0; k < pts[i].n; k++)
			if (!isfinite(pts[i].t[k]) || pts[i].t[k] <= 0)
				return hv_err_set(err, EINVAL,
						  "%g-byte message time %g s: "
						  "expected a finite time > 0",
						  pts[i].bytes, pts[i].t[k]);
		sizes_differ |= pts[i].bytes != pts[0].bytes;
	}
	for (k = 0; k < nbw; k++)
		if (!isfinite(bw[k]) || bw[k] <= 0)
			return hv_err_set(err, EINVAL,
					  "bandwidth %g B/s: expected a finite "
					  "bandwidth > 0",
					  bw[k]);
	if (nbw == 0 && !sizes_differ)
		return hv_err_set(err, EINVAL,
				  "beta needs two message sizes or a "
				  "streaming bandwidth");
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
hv_hockney_fit(const struct hv_lat_point *pts, size_t npts, const double *bw,
	       size_t nbw, const struct hv_boot_opts *o, struct hv_hockney *out,
	       struct hv_err *err)
{
	unsigned iters = o->iters ? o->iters : DEFAULT_ITERS;
	double level = o->level > 0 ? o->level : DEFAULT_LEVEL;
	double *tm, *ra, *rb, lo_q = (1 - level) / 2;
	struct hv_rng rng;
	unsigned it;
	size_t i;
	int rc;

	rc = check_input(pts, npts, bw, nbw, err);
	if (rc < 0)
		return rc;
	tm = malloc(npts * sizeof(*tm));
	ra = malloc(iters * sizeof(*ra));
	rb = malloc(iters * sizeof(*rb));
	if (!tm || !ra || !rb) {
		rc = hv_err_set(err, ENOMEM, "model fit: out of memory");
		goto out;
	}
	for (i = 0; i < npts; i++)
		tm[i] = mean_of(pts[i].t, pts[i].n);
	fit_once(pts, tm, npts, nbw ? mean_of(bw, nbw) : 0, &out->alpha,
		 &out->beta);
	out->beta_from_stream = nbw > 0;
	hv_rng_seed(&rng, o->seed);
	for (it = 0; it < iters; it++) {
		for (i = 0; i < npts; i++)
			tm[i] = resampled_mean(&rng, pts[i].t, pts[i].n);
		fit_once(pts, tm, npts, nbw ? resampled_mean(&rng, bw, nbw) : 0,
			 &ra[it], &rb[it]);
	}
	qsort(ra, iters, sizeof(*ra), cmp_double);
	qsort(rb, iters, sizeof(*rb), cmp_double);
	/* A percentile interval need not contain the point estimate of a
	 * non-linear statistic (1 / bw); the contract is lo <= est <= hi. */
	out->alpha_lo = fmin(hv_quantile_sorted(ra, iters, lo_q), out->alpha);
	out->alpha_hi =
		fmax(hv_quantile_sorted(ra, iters, 1 - lo_q), out->alpha);
	out->beta_lo = fmin(hv_quantile_sorted(rb, iters, lo_q), out->beta);
	out->beta_hi = fmax(hv_quantile_sorted(rb, iters, 1 - lo_q), out->beta);
	rc = 0;
out:
	free(tm);
	free(ra);
	free(rb);
	return rc;
}
