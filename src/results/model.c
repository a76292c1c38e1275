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

#include "hpcvirt/results/comm.h"
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

/* --- scaling ------------------------------------------------------------ */

/* An NPB-MPI time cell at one rank a node: its bench name after "npb.",
 * class and node count; NULL if c is not one. */
static const char *
mpi_time_cell(const struct hv_cell *c, char *cls, int *nodes)
{
	const char *v = hv_params_get(&c->params, "variant");
	const char *k = hv_params_get(&c->params, "class");
	const char *nd = hv_params_get(&c->params, "nodes");
	const char *rpn = hv_params_get(&c->params, "ranks_per_node");

	if (c->status != HV_CELL_OK || c->n == 0 ||
	    strncmp(c->bench, "npb.", 4) != 0 ||
	    strcmp(c->metric, "time_s") != 0 || !v || strcmp(v, "mpi") != 0 ||
	    !k || strlen(k) != 1 || !nd || (rpn && strcmp(rpn, "1") != 0))
		return NULL;
	*cls = k[0];
	*nodes = (int)strtol(nd, NULL, 10);
	return *nodes >= 1 ? c->bench + 4 : NULL;
}

/* Mean and 95 % Student-t interval of a cell's samples. */
static void
mean_ci(const struct hv_cell *c, double *mean, double *lo, double *hi)
{
	double m = mean_of(c->samples, c->n), ss = 0, h = 0;

	for (size_t i = 0; i < c->n; i++)
		ss += (c->samples[i] - m) * (c->samples[i] - m);
	if (c->n > 1)
		h = hv_student_t_quantile(0.975, (double)c->n - 1) *
		    sqrt(ss / (double)(c->n - 1) / (double)c->n);
	*mean = m;
	*lo = m - h;
	*hi = m + h;
}

/* The cell of (env, bench, cls) at nodes, or NULL. */
static const struct hv_cell *
find_time(const struct hv_study *s, const char *env, const char *bench,
	  char cls, int nodes)
{
	for (size_t i = 0; i < s->ncells; i++) {
		const struct hv_cell *c = &s->cells[i];
		char k;
		int nd;
		const char *b = mpi_time_cell(c, &k, &nd);

		if (b && k == cls && nd == nodes && strcmp(c->env, env) == 0 &&
		    strcmp(b, bench) == 0)
			return c;
	}
	return NULL;
}

static void
add_node(int *list, size_t *n, int nodes)
{
	for (size_t i = 0; i < *n; i++)
		if (list[i] == nodes)
			return;
	if (*n < HV_SCALE_MAX)
		list[(*n)++] = nodes;
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The node counts of sm: the standard series, then those measured. */
static void
node_list(const struct hv_study *s, struct hv_scale_model *sm,
	  const char *bench, int max_nodes, int *list, size_t *n)
{
	bool sq = strcmp(bench, "bt") == 0 || strcmp(bench, "sp") == 0;

	*n = 0;
	for (int k = 1; k * k <= max_nodes && sq; k++)
		add_node(list, n, k * k);
	for (int k = 1; k <= max_nodes && !sq; k *= 2)
		add_node(list, n, k);
	for (size_t i = 0; i < s->ncells; i++) {
		char cls;
		int nd;
		const char *b = mpi_time_cell(&s->cells[i], &cls, &nd);

		if (b && cls == sm->cls && strcmp(b, bench) == 0 &&
		    strcmp(s->cells[i].env, sm->env) == 0)
			add_node(list, n, nd);
	}
	qsort(list, *n, sizeof(*list), cmp_int);
}

static void
scale_one(const struct hv_study *s, const struct hv_hockney *h, int host_cores,
	  int max_nodes, struct hv_scale_model *sm)
{
	const char *bench = sm->bench + 4;
	struct hv_comm_count cnt[HV_COMM_KINDS];
	double t1, t1_lo, t1_hi, lo_a, lo_b, hi_a, hi_b;
	int list[HV_SCALE_MAX];
	size_t nl, nc;

	double scale = 1;

	mean_ci(find_time(s, sm->env, bench, sm->meas_cls, 1), &t1, &t1_lo,
		&t1_hi);
	if (sm->cls != sm->meas_cls) {
		double to = hv_comm_class_mops(bench, sm->cls);
		double from = hv_comm_class_mops(bench, sm->meas_cls);

		scale = to > 0 && from > 0 ? to / from : 0;
		if (!scale) {
			snprintf(sm->why, sizeof(sm->why),
				 "no operation count for %s class %c or %c",
				 sm->bench, sm->meas_cls, sm->cls);
			return;
		}
	}
	t1 *= scale;
	t1_lo *= scale;
	t1_hi *= scale;
	sm->t1 = t1;
	node_list(s, sm, bench, max_nodes, list, &nl);
	for (size_t i = 0; i < nl; i++) {
		struct hv_scale_point *p = &sm->p[sm->np];
		const struct hv_cell *c;
		int N = list[i], cores = N < host_cores ? N : host_cores;

		if (hv_comm_counts(bench, sm->cls, N, cnt, &nc,
				   &sm->max_ranks) < 0)
			continue;
		p->nodes = N;
		hv_comm_time(cnt, nc, N, h->alpha, h->beta, &p->t_alpha,
			     &p->t_beta);
		hv_comm_time(cnt, nc, N, h->alpha_lo, h->beta_lo, &lo_a, &lo_b);
		hv_comm_time(cnt, nc, N, h->alpha_hi, h->beta_hi, &hi_a, &hi_b);
		p->t_pred = t1 / N + p->t_alpha + p->t_beta;
		p->t_lo = fmax(t1_lo, 0) / N + lo_a + lo_b;
		p->t_hi = t1_hi / N + hi_a + hi_b;
		p->t_check =
			t1 / (cores > 0 ? cores : 1) + p->t_alpha + p->t_beta;
		p->t_meas = p->t_meas_lo = p->t_meas_hi = p->err = NAN;
		c = sm->cls == sm->meas_cls
			    ? find_time(s, sm->env, bench, sm->cls, N)
			    : NULL;
		if (c) {
			mean_ci(c, &p->t_meas, &p->t_meas_lo, &p->t_meas_hi);
			p->err = (p->t_check - p->t_meas) / p->t_meas;
		}
		sm->np++;
	}
	sm->ok = sm->np > 0;
	if (!sm->ok && !sm->why[0])
		snprintf(sm->why, sizeof(sm->why),
			 "no count model for %s class %c (the model knows EP, "
			 "CG, BT and SP, classes S to C)",
			 sm->bench, sm->cls);
}

/* Is (env, bench, cls) already in out[0..n)? */
static bool
listed_scale(const struct hv_scale_model *out, size_t n, const char *env,
	     const char *bench, char cls)
{
	for (size_t i = 0; i < n; i++)
		if (out[i].cls == cls && strcmp(out[i].env, env) == 0 &&
		    strcmp(out[i].bench, bench) == 0)
			return true;
	return false;
}

int
hv_model_scale_study(const struct hv_study *s, const struct hv_env_model *m,
		     size_t nm, int host_cores, int max_nodes, char cls,
		     struct hv_scale_model **out, size_t *n, struct hv_err *err)
{
	struct hv_scale_model *sm;
	char target = cls;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	sm = calloc(s->ncells + 1, sizeof(*sm));
	if (!sm)
		return hv_err_set(err, ENOMEM, "model: out of memory");
	for (size_t i = 0; i < s->ncells; i++) {
		const struct hv_cell *c = &s->cells[i];
		const struct hv_env_model *em = NULL;
		int nd;

		if (!mpi_time_cell(c, &cls, &nd) || nd != 1 ||
		    listed_scale(sm, k, c->env, c->bench,
				 target ? target : cls))
			continue;
		sm[k].env = c->env;
		sm[k].bench = c->bench;
		sm[k].meas_cls = cls;
		sm[k].cls = target ? target : cls;
		for (size_t j = 0; j < nm; j++)
			if (strcmp(m[j].env, c->env) == 0)
				em = &m[j];
		if (em && em->ok)
			scale_one(s, &em->h, host_cores, max_nodes, &sm[k]);
		else
			snprintf(sm[k].why, sizeof(sm[k].why),
				 "no network model for %s: %s", c->env,
				 em ? em->why : "no net.rr cells");
		k++;
	}
	*out = sm;
	*n = k;
	return 0;
}
