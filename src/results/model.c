/*
 * model.c - Hockney's alpha-beta model of an environment's network path,
 * fitted from its own measurements (model.h has the contract).
 *
 * alpha is the time of the smallest message of the size sweep (net.rr,
 * TCP_RR), less its bytes times beta: Hockney's zero-byte latency,
 * measured where it is defined rather than extrapolated (an intercept
 * swings far, even below zero, when a path is not linear in the size, as
 * UML's is above its MTU). beta comes from the streaming bandwidth when
 * there is one: request/response messages of a few KiB never reach the
 * link's asymptotic rate, which is what the large transfers of NPB see.
 * Without it, beta is the slope of the least-squares line through the
 * sweep's means. How far the line misses each size is reported, not
 * hidden.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
 * or 0 for none): beta is 1 / bw or the least-squares slope; alpha the
 * smallest size's time less its bytes times beta.
 */
static void
fit_once(const struct hv_lat_point *pts, const double *tm, size_t npts,
	 double bwm, double *alpha, double *beta)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0;
	size_t i, lo = 0;

	for (i = 0; i < npts; i++) {
		mx += pts[i].bytes;
		my += tm[i];
		if (pts[i].bytes < pts[lo].bytes)
			lo = i;
	}
	mx /= (double)npts;
	my /= (double)npts;
	for (i = 0; i < npts; i++) {
		sxx += (pts[i].bytes - mx) * (pts[i].bytes - mx);
		sxy += (pts[i].bytes - mx) * (tm[i] - my);
	}
	*beta = bwm > 0 ? 1.0 / bwm : (sxx > 0 ? sxy / sxx : 0);
	*alpha = tm[lo] - pts[lo].bytes * *beta;
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
	tm = calloc(npts, sizeof(*tm));
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
	out->worst_err = 0;
	out->worst_bytes = pts[0].bytes;
	for (i = 0; i < npts; i++) {
		double e = (hv_hockney_time(out, pts[i].bytes) - tm[i]) / tm[i];

		if (fabs(e) > fabs(out->worst_err)) {
			out->worst_err = e;
			out->worst_bytes = pts[i].bytes;
		}
	}
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

static bool
usable(const struct hv_cell *c, const char *bench, const char *metric)
{
	return c->status == HV_CELL_OK && c->n > 0 &&
	       strcmp(c->bench, bench) == 0 && strcmp(c->metric, metric) == 0;
}

/* Fit one env: its sweep points (ns -> s) and stream bandwidths. */
static int
fit_env(const struct hv_study *s, struct hv_env_model *m, struct hv_err *err)
{
	struct hv_boot_opts o = {.seed = s->seed};
	struct hv_lat_point *pts;
	double *bw, *secs;
	size_t i, k, np = 0, nb = 0, ns = 0, nsec = 0;
	struct hv_err ferr;
	int rc = 0;

	for (i = 0; i < s->ncells; i++) {
		const struct hv_cell *c = &s->cells[i];

		if (strcmp(c->env, m->env) != 0)
			continue;
		if (usable(c, "net.rr", "half_rtt_p50_ns")) {
			np++;
			nsec += c->n;
		} else if (usable(c, "net.stream", "bw_bytes_per_sec")) {
			nb += c->n;
		}
	}
	pts = calloc(np + 1, sizeof(*pts));
	secs = calloc(nsec + 1, sizeof(*secs));
	bw = calloc(nb + 1, sizeof(*bw));
	if (!pts || !secs || !bw) {
		rc = hv_err_set(err, ENOMEM, "model: out of memory");
		goto out;
	}
	np = nb = 0;
	for (i = 0; i < s->ncells; i++) {
		const struct hv_cell *c = &s->cells[i];
		const char *size = hv_params_get(&c->params, "size_bytes");

		if (strcmp(c->env, m->env) != 0)
			continue;
		if (usable(c, "net.rr", "half_rtt_p50_ns") && size) {
			pts[np].bytes = strtod(size, NULL);
			pts[np].t = secs + ns;
			pts[np].n = c->n;
			for (k = 0; k < c->n; k++)
				secs[ns++] = c->samples[k] * 1e-9;
			np++;
		} else if (usable(c, "net.stream", "bw_bytes_per_sec")) {
			for (k = 0; k < c->n; k++)
				bw[nb++] = c->samples[k];
		}
	}
	m->nsizes = np;
	m->nbw = nb;
	hv_err_init(&ferr);
	if (hv_hockney_fit(pts, np, bw, nb, &o, &m->h, &ferr) == 0)
		m->ok = true;
	else
		snprintf(m->why, sizeof(m->why), "%s", ferr.msg);
out:
	free(pts);
	free(secs);
	free(bw);
	return rc;
}

int
hv_model_fit_study(const struct hv_study *s, struct hv_env_model **out,
		   size_t *n, struct hv_err *err)
{
	struct hv_env_model *m;
	size_t i, k, nenv = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	m = calloc(s->ncells + 1, sizeof(*m));
	if (!m)
		return hv_err_set(err, ENOMEM, "model: out of memory");
	for (i = 0; i < s->ncells; i++) {
		for (k = 0; k < nenv && strcmp(m[k].env, s->cells[i].env); k++)
			;
		if (k == nenv)
			m[nenv++].env = s->cells[i].env;
	}
	for (k = 0; k < nenv && rc == 0; k++)
		rc = fit_env(s, &m[k], err);
	if (rc < 0) {
		free(m);
		return rc;
	}
	*out = m;
	*n = nenv;
	return 0;
}
