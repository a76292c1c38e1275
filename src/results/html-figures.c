/*
 * html-figures.c - the figures of the HTML report as gnuplot scripts
 * (html.h). Each script carries its data inline ($dN << EOD blocks) and
 * asks gnuplot's SVG terminal for a plot with labelled axes in the units
 * the caption states. Env names from the store are cut to a safe
 * alphabet before they reach a script, so a hostile study cannot inject
 * gnuplot commands.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hpcvirt/util/opt.h"
#include "hpcvirt/results/html.h"
#include "hpcvirt/results/model.h"
#include "hpcvirt/results/stats.h"

#define MAX_ENVS 32
#define MAX_CATS 64

static const char *const npb_order[] = {"npb.ep", "npb.is", "npb.cg", "npb.mg",
					"npb.ft", "npb.bt", "npb.sp", "npb.lu"};

void
hv_figset_init(struct hv_figset *fs)
{
	memset(fs, 0, sizeof(*fs));
}

void
hv_figset_release(struct hv_figset *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		free(fs->v[i].script);
		free(fs->v[i].svg);
		free(fs->v[i].why);
	}
	free(fs->v);
	hv_figset_init(fs);
}

/* A name for a script: letters, digits, '.', '-', '_' and '+' only. */
static void
safe_name(char *buf, size_t len, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = (s[i] >= 'a' && s[i] <= 'z') ||
					 (s[i] >= 'A' && s[i] <= 'Z') ||
					 (s[i] >= '0' && s[i] <= '9') ||
					 strchr(".-_+", s[i])
				 ? s[i]
				 : '_';
	buf[len ? i : 0] = '\0';
}

/* The study's envs, native first, then in the order of their cells. */
static size_t
study_envs(const struct hv_study *s, const char **out)
{
	size_t i, j, n = 0;

	for (i = 0; i < s->ncells; i++)
		if (strcmp(s->cells[i].env, "native") == 0) {
			out[n++] = s->cells[i].env;
			break;
		}
	for (i = 0; i < s->ncells && n < MAX_ENVS; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(out[j], s->cells[i].env) == 0)
				break;
		if (j == n)
			out[n++] = s->cells[i].env;
	}
	return n;
}

/*
 * A study across hosts draws the cells of its first host: those whose
 * "host" (n1, n1>n2, n1+n2) starts with the first cell's. Cells without
 * one always count.
 */
static bool
on_first_host(const struct hv_study *s, const struct hv_cell *c)
{
	const char *h = hv_params_get(&c->params, "host"), *h0;
	size_t n0;

	if (!h || s->ncells == 0)
		return true;
	h0 = hv_params_get(&s->cells[0].params, "host");
	if (!h0)
		return true;
	n0 = strcspn(h0, ">+");
	return strncmp(h, h0, n0) == 0 && strchr(">+", h[n0]) != NULL;
}

/* The mean with its 95 % t-interval; false without a summary. */
static bool
mean_ci(const struct hv_cell *c, double *m, double *lo, double *hi)
{
	double h = 0;

	if (!c->has_summary || c->status == HV_CELL_FAILED || c->n < 1)
		return false;
	*m = c->summary.mean;
	if (c->n >= 2)
		h = hv_student_t_quantile(0.975, (double)c->n - 1) *
		    c->summary.stddev / sqrt((double)c->n);
	*lo = *m - h;
	*hi = *m + h;
	return isfinite(*m);
}

/* A count or a size parameter ("4", "1MiB" is 1048576), NaN if none. */
static double
num_param(const struct hv_cell *c, const char *key)
{
	const char *v = hv_params_get(&c->params, key);
	uint64_t b;

	if (!v)
		return NAN;
	if (hv_opt_bytes(key, v, 0, UINT64_MAX, &b, NULL) == 0)
		return (double)b;
	return strtod(v, NULL);
}

/* A figure being written: its script goes to a memory stream. */
struct fig_draft {
	struct hv_figure fig;
	FILE *f;
	size_t len;
	size_t ncurves, nmin, nmax;
};

static int
draft_open(struct fig_draft *d, const char *id, const char *title)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->fig.id, sizeof(d->fig.id), "%s", id);
	snprintf(d->fig.title, sizeof(d->fig.title), "%s", title);
	d->f = open_memstream(&d->fig.script, &d->len);
	if (!d->f)
		return -ENOMEM;
	fprintf(d->f, "set terminal svg size 720,400 noenhanced font 'sans,11' "
		      "background '#ffffff'\nset key outside right top\n"
		      "set grid\nset border 3\nset tics nomirror\n");
	d->nmin = (size_t)-1;
	return 0;
}

static void
draft_n(struct fig_draft *d, const struct hv_cell *c)
{
	d->nmin = c->n < d->nmin ? c->n : d->nmin;
	d->nmax = c->n > d->nmax ? c->n : d->nmax;
}

/* Close the draft and keep it in fs when it drew anything. */
static int
draft_keep(struct hv_figset *fs, struct fig_draft *d, const char *what,
	   const char *whiskers)
{
	struct hv_figure *nv;
	char n[64];

	if (fclose(d->f) != 0 || !d->fig.script) {
		free(d->fig.script);
		return -ENOMEM;
	}
	if (!d->ncurves) {
		free(d->fig.script);
		return 0;
	}
	if (d->nmin == d->nmax)
		snprintf(n, sizeof(n), "n = %zu", d->nmin);
	else
		snprintf(n, sizeof(n), "n = %zu to %zu", d->nmin, d->nmax);
	snprintf(d->fig.caption, sizeof(d->fig.caption),
		 "%s. Points: %s repetitions per point. Whiskers: %s.", what, n,
		 whiskers);
	nv = realloc(fs->v, (fs->n + 1) * sizeof(*nv));
	if (!nv) {
		free(d->fig.script);
		return -ENOMEM;
	}
	fs->v = nv;
	fs->v[fs->n++] = d->fig;
	return 0;
}

/* The plot command over the data blocks $d0.. with their titles. */
static void
plot_blocks(FILE *f, const char *titles[], size_t n, const char *using,
	    const char *with)
{
	size_t i;

	fputs("plot ", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s$d%zu using %s with %s title '%s'",
			i ? ", \\\n     " : "", i, using, with, titles[i]);
	fputc('\n', f);
}

/* Is c the first cell of its env, bench, metric and x value? Sweeps
 * with another parameter varying too keep the first. */
static bool
first_at_x(const struct hv_study *s, const struct hv_cell *c, const char *xkey)
{
	size_t i;

	for (i = 0; &s->cells[i] != c; i++) {
		const struct hv_cell *d = &s->cells[i];

		if (strcmp(d->env, c->env) == 0 &&
		    strcmp(d->bench, c->bench) == 0 &&
		    strcmp(d->metric, c->metric) == 0 &&
		    num_param(d, xkey) == num_param(c, xkey))
			return false;
	}
	return true;
}

static int
cmp_row(const void *a, const void *b)
{
	const double *x = a, *y = b;

	return (x[0] > y[0]) - (x[0] < y[0]);
}

/*
 * Labels at 2 and 5 of each decade from lo to hi besides gnuplot's own
 * at the powers of 10: a frame within one decade (latencies of 20 to
 * 60 us) had a single label, and no value could be read off it.
 */
static void
log_tics(FILE *f, double lo, double hi)
{
	double d;
	int n = 0;

	if (!(hi > lo) || hi / lo > 1e4)
		return;
	fputs("set ytics add (", f);
	for (d = pow(10, floor(log10(lo))); d <= hi * 10; d *= 10) {
		fprintf(f, "%s\"%g\" %.17g, \"%g\" %.17g", n ? ", " : "", 2 * d,
			2 * d, 5 * d, 5 * d);
		n++;
	}
	fputs(")\n", f);
}

/* One curve per env of metric against xkey, absolute values / div. */
static int
sweep(struct hv_figset *fs, const struct hv_study *s, const char *id,
      const char *title, const char *bench, const char *metric,
      const char *xkey, double xdiv, const char *xlabel, const char *ylabel,
      double div, const char *what)
{
	const char *envs[MAX_ENVS], *titles[MAX_ENVS];
	char names[MAX_ENVS][48];
	struct fig_draft d;
	double *rows, ylo = INFINITY, yhi = 0;
	size_t ne, e, i, k;

	if (draft_open(&d, id, title) < 0)
		return -ENOMEM;
	rows = malloc((s->ncells + 1) * 4 * sizeof(*rows));
	if (!rows) {
		fclose(d.f);
		free(d.fig.script);
		return -ENOMEM;
	}
	ne = study_envs(s, envs);
	for (e = 0; e < ne; e++) {
		for (i = 0, k = 0; i < s->ncells; i++) {
			const struct hv_cell *c = &s->cells[i];
			double *r = &rows[4 * k];

			if (strcmp(c->env, envs[e]) ||
			    strcmp(c->bench, bench) ||
			    strcmp(c->metric, metric) || !on_first_host(s, c) ||
			    !(num_param(c, xkey) > 0) ||
			    !first_at_x(s, c, xkey) ||
			    !mean_ci(c, &r[1], &r[2], &r[3]))
				continue;
			r[0] = num_param(c, xkey) / xdiv;
			/* The frame's floor: half the lowest drawn value. */
			ylo = fmin(ylo, (r[2] > 0 ? r[2] : r[1]) / div / 2);
			yhi = fmax(yhi, r[3] / div);
			draft_n(&d, c);
			k++;
		}
		if (!k)
			continue;
		qsort(rows, k, 4 * sizeof(*rows), cmp_row);
		fprintf(d.f, "$d%zu << EOD\n", d.ncurves);
		/* A lower bound at or below 0 cannot be drawn on a log axis:
		 * its whisker runs out of the bottom of the frame. */
		for (i = 0; i < k; i++)
			fprintf(d.f, "%.17g %.17g %.17g %.17g\n", rows[4 * i],
				rows[4 * i + 1] / div,
				rows[4 * i + 2] > 0 ? rows[4 * i + 2] / div
						    : ylo / 2,
				rows[4 * i + 3] / div);
		fputs("EOD\n", d.f);
		safe_name(names[d.ncurves], sizeof(names[0]), envs[e]);
		titles[d.ncurves] = names[d.ncurves];
		d.ncurves++;
	}
	free(rows);
	fprintf(d.f,
		"set logscale x 2\nset logscale y\nset xlabel '%s'\n"
		"set ylabel '%s'\n",
		xlabel, ylabel);
	if (isfinite(ylo) && ylo > 0) {
		fprintf(d.f, "set yrange [%.17g:*]\n", ylo);
		log_tics(d.f, ylo, yhi);
	}
	plot_blocks(d.f, titles, d.ncurves, "1:2:3:4", "yerrorlines");
	return draft_keep(fs, &d, what,
			  "95 % Student-t interval of the mean over the "
			  "repetitions (one whose lower end is at or below 0 "
			  "runs out of the bottom of the frame)");
}

/* Does c belong to a relative figure (npb variant, or a bench)? */
static bool
rel_match(const struct hv_cell *c, const char *bench, const char *metric,
	  const char *variant)
{
	const char *v = hv_params_get(&c->params, "variant");

	if (strcmp(c->metric, metric) != 0)
		return false;
	if (variant)
		return strncmp(c->bench, "npb.", 4) == 0 && v &&
		       strcmp(v, variant) == 0;
	return strcmp(c->bench, bench) == 0;
}

/* The category label of a cell: "ep W" for NPB, "" otherwise. */
static void
cat_label(char *buf, size_t len, const struct hv_cell *c, const char *variant)
{
	char b[32], k[16], t[16];

	safe_name(b, sizeof(b), c->bench + (variant ? 4 : 0));
	safe_name(k, sizeof(k),
		  hv_params_get(&c->params, "class")
			  ? hv_params_get(&c->params, "class")
			  : "");
	safe_name(t, sizeof(t),
		  hv_params_get(&c->params, "threads")
			  ? hv_params_get(&c->params, "threads")
			  : "");
	if (!variant)
		snprintf(buf, len, "%s", b);
	else if (strcmp(variant, "omp") == 0)
		snprintf(buf, len, "%s %s %st", b, k, t);
	else
		snprintf(buf, len, "%s %s", b, k);
}

static size_t
npb_rank(const char *bench)
{
	size_t i;

	for (i = 0; i < sizeof(npb_order) / sizeof(npb_order[0]); i++)
		if (strcmp(npb_order[i], bench) == 0)
			return i;
	return i;
}

/* Categories (x positions) of a relative figure, in NPB order. */
static size_t
rel_categories(const struct hv_study *s, const char *bench, const char *metric,
	       const char *variant, char cats[][48])
{
	size_t i, j, n = 0, r;
	char lab[48];

	for (r = 0; r <= sizeof(npb_order) / sizeof(npb_order[0]); r++)
		for (i = 0; i < s->ncells && n < MAX_CATS; i++) {
			const struct hv_cell *c = &s->cells[i];

			if (!c->has_ratio ||
			    !rel_match(c, bench, metric, variant) ||
			    (variant && npb_rank(c->bench) != r) ||
			    (!variant && r))
				continue;
			cat_label(lab, sizeof(lab), c, variant);
			for (j = 0; j < n; j++)
				if (strcmp(cats[j], lab) == 0)
					break;
			if (j == n)
				snprintf(cats[n++], 48, "%s", lab);
		}
	return n;
}

/* Ratios to native with their bootstrap CI, one point per env and
 * category, envs side by side around each category. */
static int
relative(struct hv_figset *fs, const struct hv_study *s, const char *id,
	 const char *title, const char *bench, const char *metric,
	 const char *variant, const char *ylabel, const char *what)
{
	const char *envs[MAX_ENVS], *titles[MAX_ENVS];
	char names[MAX_ENVS][48], cats[MAX_CATS][48], lab[48];
	double lo = INFINITY, hi = 0;
	struct fig_draft d;
	size_t ne, e, i, j, nc, k;
	bool logy;

	if (draft_open(&d, id, title) < 0)
		return -ENOMEM;
	nc = rel_categories(s, bench, metric, variant, cats);
	ne = study_envs(s, envs);
	for (e = 0; e < ne && nc; e++) {
		for (i = 0, k = 0; i < s->ncells; i++) {
			const struct hv_cell *c = &s->cells[i];

			if (strcmp(c->env, envs[e]) || !c->has_ratio ||
			    !rel_match(c, bench, metric, variant) ||
			    !on_first_host(s, c))
				continue;
			cat_label(lab, sizeof(lab), c, variant);
			for (j = 0; j < nc && strcmp(cats[j], lab); j++)
				;
			if (j == nc)
				continue;
			if (!k++)
				fprintf(d.f, "$d%zu << EOD\n", d.ncurves);
			fprintf(d.f, "%.6g %.17g %.17g %.17g\n",
				(double)j + 0.12 * (double)d.ncurves,
				c->ratio.ratio, c->ratio.lo, c->ratio.hi);
			if (c->ratio.lo > 0)
				lo = fmin(lo, c->ratio.lo);
			hi = fmax(hi, c->ratio.hi);
			draft_n(&d, c);
		}
		if (!k)
			continue;
		fputs("EOD\n", d.f);
		safe_name(names[d.ncurves], sizeof(names[0]), envs[e]);
		titles[d.ncurves] = names[d.ncurves];
		d.ncurves++;
	}
	/* Many categories: a wider plot, labels slanted so they do not
	 * run into each other. */
	if (nc > 12)
		fprintf(d.f, "set terminal svg size 1000,460 noenhanced font "
			     "'sans,11' background '#ffffff'\n"
			     "set xtics rotate by -45\n");
	fprintf(d.f, "set xtics (");
	for (j = 0; j < nc; j++)
		fprintf(d.f, "%s'%s' %zu", j ? ", " : "", cats[j], j);
	fprintf(d.f,
		")\nset xrange [-0.5:%zu.5]\nset ylabel '%s'\n"
		"set arrow from graph 0, first 1 to graph 1, first 1 nohead "
		"dt 2\n",
		nc ? nc - 1 : 0, ylabel);
	/* Ratios from 0.9 to 60 (containers and TCG in one figure) on a
	 * linear axis squash the ones near 1 flat: log above 8x apart. */
	logy = isfinite(lo) && hi / lo > 8;
	if (logy)
		fprintf(d.f, "set logscale y\nset yrange [%.6g:%.6g]\n",
			fmin(lo, 1) / 1.25, fmax(hi, 1) * 1.25);
	else
		fputs("set yrange [*<0.95:1.05<*]\n", d.f);
	plot_blocks(d.f, titles, d.ncurves, "1:2:3:4", "yerrorbars pt 7");
	return draft_keep(
		fs, &d, what,
		logy ? "bootstrap 95 % CI of the ratio of means "
		       "(docs/METHOD.md); log axis; the line at 1 "
		       "is native"
		     : "bootstrap 95 % CI of the ratio of means (docs/"
		       "METHOD.md); the line at 1 is native");
}

/* NPB-MPI speedup against nodes (or ranks), one curve per env and
 * bench. */
/*
 * Data blocks $m0.. of the model's speedup on this host, N against
 * T(1) / T_check(N) (results/model.h), one per measured curve ("env
 * bench" in titles) the model has; lt[k] is the measured curve block k
 * goes with (its gnuplot linetype, 1-based). Returns how many.
 */
static size_t
model_curves(struct fig_draft *d, const struct hv_study *s,
	     const char *const titles[], int lt[MAX_ENVS])
{
	const char *nc = hv_context_get(s, "ncpus");
	struct hv_env_model *m = NULL;
	struct hv_scale_model *sm = NULL;
	size_t nm = 0, nsm = 0, j, c, q, n = 0;
	char name[64], e[40], b[24];
	int cores = nc ? (int)strtol(nc, NULL, 10) : 0, maxn = 1;

	for (j = 0; j < s->ncells; j++)
		if (hv_params_get(&s->cells[j].params, "nodes") &&
		    num_param(&s->cells[j], "nodes") > maxn)
			maxn = (int)num_param(&s->cells[j], "nodes");
	if (cores < 1 || maxn < 2 || hv_model_fit_study(s, &m, &nm, NULL) < 0 ||
	    hv_model_scale_study(s, m, nm, cores, maxn, '\0', &sm, &nsm, NULL) <
		    0)
		goto out;
	for (j = 0; j < nsm && n < MAX_ENVS; j++) {
		const struct hv_scale_model *x = &sm[j];

		if (!x->ok || x->np < 2 || !(x->t1 > 0))
			continue;
		safe_name(e, sizeof(e), x->env);
		safe_name(b, sizeof(b), x->bench + 4);
		snprintf(name, sizeof(name), "%s %s", e, b);
		for (c = 0; c < d->ncurves && strcmp(titles[c], name); c++)
			;
		if (c == d->ncurves)
			continue; /* no measured curve to go with */
		fprintf(d->f, "$m%zu << EOD\n", n);
		for (q = 0; q < x->np; q++)
			if (x->p[q].t_check > 0)
				fprintf(d->f, "%d %.17g\n", x->p[q].nodes,
					x->t1 / x->p[q].t_check);
		fputs("EOD\n", d->f);
		lt[n++] = (int)c + 1;
	}
out:
	free(m);
	free(sm);
	return n;
}

static int
scaling(struct hv_figset *fs, const struct hv_study *s)
{
	const char *titles[MAX_ENVS];
	char names[MAX_ENVS][64], e[40], b[24];
	const char *envs[MAX_ENVS], *key = NULL;
	struct fig_draft d;
	size_t ne, ei, r, i, k, nmodel;
	int model_lt[MAX_ENVS];

	if (draft_open(&d, "fig4",
		       "Figure 4: NPB-MPI speedup against "
		       "nodes (or ranks)") < 0)
		return -ENOMEM;
	ne = study_envs(s, envs);
	for (ei = 0; ei < ne; ei++)
		for (r = 0; r < sizeof(npb_order) / sizeof(npb_order[0]); r++) {
			for (i = 0, k = 0; i < s->ncells; i++) {
				const struct hv_cell *c = &s->cells[i];
				const char *ck = hv_cell_scale_key(c);

				if (strcmp(c->env, envs[ei]) ||
				    strcmp(c->bench, npb_order[r]) ||
				    strcmp(c->metric, "time_s") ||
				    !on_first_host(s, c) || !c->has_speedup ||
				    !ck || strcmp(ck, "threads") == 0 ||
				    d.ncurves >= MAX_ENVS)
					continue;
				key = key ? key : ck;
				if (strcmp(ck, key))
					continue;
				if (!k++)
					fprintf(d.f, "$d%zu << EOD\n1 1 1 1\n",
						d.ncurves);
				fprintf(d.f, "%.17g %.17g %.17g %.17g\n",
					num_param(c, key), c->speedup.ratio,
					c->speedup.lo, c->speedup.hi);
				draft_n(&d, c);
			}
			if (!k)
				continue;
			fputs("EOD\n", d.f);
			safe_name(e, sizeof(e), envs[ei]);
			safe_name(b, sizeof(b), npb_order[r] + 4);
			snprintf(names[d.ncurves], sizeof(names[0]), "%s %s", e,
				 b);
			titles[d.ncurves] = names[d.ncurves];
			d.ncurves++;
		}
	fprintf(d.f,
		"set xlabel '%s'\nset ylabel 'speedup over 1 (times "
		"faster)'\nset logscale x 2\n",
		key ? key : "nodes");
	nmodel = key && !strcmp(key, "nodes")
			 ? model_curves(&d, s, (const char *const *)titles,
					model_lt)
			 : 0;
	/* The measured curves, then the model's, dashed, each in its
	 * measured curve's colour. */
	fputs("plot ", d.f);
	for (i = 0; i < d.ncurves; i++)
		fprintf(d.f,
			"%s$d%zu using 1:2:3:4 with yerrorlines lt %zu "
			"title '%s'",
			i ? ", \\\n     " : "", i, i + 1, titles[i]);
	for (i = 0; i < nmodel; i++)
		fprintf(d.f,
			", \\\n     $m%zu using 1:2 with lines lt %d dt 2 "
			"title '%s model'",
			i, model_lt[i], titles[model_lt[i] - 1]);
	fputc('\n', d.f);
	return draft_keep(fs, &d,
			  nmodel ? "Speedup of NPB-MPI time against the same "
				   "env at one node (rank); dashed: the "
				   "model's speedup for this host (the env's "
				   "latency and bandwidth from its net.rr and "
				   "net.stream cells, the benchmark's "
				   "messages, the host's cores; docs/mpi.md "
				   "section 5)"
				 : "Speedup of NPB-MPI time against the same "
				   "env at one node (rank); no model curve: "
				   "the study has no net.rr and net.stream "
				   "cells to fit one from, or no MPI across "
				   "nodes",
			  "bootstrap 95 % CI of the speedup");
}

static bool
has_cells(const struct hv_study *s, const char *bench)
{
	size_t i;

	for (i = 0; i < s->ncells; i++)
		if (strcmp(s->cells[i].bench, bench) == 0)
			return true;
	return false;
}

int
hv_html_plan(struct hv_figset *fs, const struct hv_study *s, struct hv_err *err)
{
	int rc = 0;

	rc |= sweep(fs, s, "fig1a-p50",
		    "Figure 1a: half round trip (p50) against message size",
		    "net.rr", "half_rtt_p50_ns", "size_bytes", 1,
		    "message size (bytes)", "half round trip (us)", 1e3,
		    "Median half round trip of TCP request/response (net.rr), "
		    "in microseconds, log axes; each repetition gives one "
		    "median");
	rc |= sweep(fs, s, "fig1a-p99",
		    "Figure 1a: half round trip (p99) against message size",
		    "net.rr", "half_rtt_p99_ns", "size_bytes", 1,
		    "message size (bytes)", "half round trip (us)", 1e3,
		    "99th percentile half round trip (net.rr), in "
		    "microseconds, log axes");
	rc |= relative(fs, s, "fig1b",
		       "Figure 1b: TCP stream bandwidth "
		       "relative to native",
		       "net.stream", "bw_bytes_per_sec", NULL,
		       "bandwidth / native bandwidth",
		       "TCP stream bandwidth (net.stream) as a fraction of "
		       "native's (unitless ratio of means); the table below "
		       "gives its CPU cost per MB");
	rc |= sweep(fs, s, "fig2-write",
		    "Figure 2: file system writer against file size", "fs",
		    "write_bw_bytes_per_sec", "file_bytes", 1048576,
		    "file size (MiB)", "write bandwidth (MB/s)", 1e6,
		    "Writer bandwidth (fs), in MB/s (10^6 bytes/s), log axes");
	rc |= sweep(fs, s, "fig2-read",
		    "Figure 2: file system reader against file size", "fs",
		    "read_bw_bytes_per_sec", "file_bytes", 1048576,
		    "file size (MiB)", "read bandwidth (MB/s)", 1e6,
		    "Reader bandwidth (fs), in MB/s (10^6 bytes/s), log axes");
	rc |= relative(fs, s, "fig3a",
		       "Figure 3a: NPB serial, time relative to native", NULL,
		       "time_s", "ser", "time / native time",
		       "NPB serial run time relative to native's (unitless; "
		       "above 1 is slower), per benchmark and class");
	rc |= relative(fs, s, "fig3b",
		       "Figure 3b: NPB OpenMP, time relative to native", NULL,
		       "time_s", "omp", "time / native time",
		       "NPB OpenMP run time relative to native's (unitless; "
		       "above 1 is slower), per benchmark, class and threads");
	rc |= scaling(fs, s);
	if (rc)
		return hv_err_set(err, ENOMEM, "HTML figures: out of memory");
	snprintf(fs->missing, sizeof(fs->missing), "%s%s%s%s",
		 has_cells(s, "net.rr") ? "" : "Figure 1a (no net.rr cells). ",
		 has_cells(s, "net.stream") ? ""
					    : "Figure 1b (no net.stream "
					      "cells). ",
		 has_cells(s, "fs") ? "" : "Figure 2 (no fs cells). ", "");
	return 0;
}

/* An event attribute (" onload=", " onclick=") anywhere in s? */
static bool
has_event_attr(const char *s)
{
	const char *p, *q;

	for (p = strstr(s, " on"); p; p = strstr(p + 1, " on")) {
		for (q = p + 3; *q >= 'a' && *q <= 'z'; q++)
			;
		if (q > p + 3 && *q == '=')
			return true;
	}
	return false;
}

/* A URL other than the SVG and XLink namespace names? */
static bool
has_url(const char *s)
{
	static const char *const schemes[] = {
		"http:", "https:", "file:", "data:", "javascript:"};
	const char *p;
	size_t i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		for (p = strstr(s, schemes[i]); p;
		     p = strstr(p + 1, schemes[i]))
			if (strncmp(p, "http://www.w3.org/", 18) != 0)
				return true;
	return false;
}

int
hv_figure_set_svg(struct hv_figure *fig, const char *svg, struct hv_err *err)
{
	static const char *const banned[] = {"<script", "<foreignObject",
					     "<iframe", "<image", "@import"};
	static const char *const ids[] = {"gpPt", "gpDot", "gnuplot_canvas"};
	const char *start = strstr(svg, "<svg");
	size_t i, len, idlen = strlen(fig->id), extra = 0;
	const char *p;
	char *out, *w;

	if (!start)
		return hv_err_set(err, EINVAL,
				  "%s: gnuplot's output has no <svg> element",
				  fig->id);
	for (i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
		if (strstr(start, banned[i]))
			return hv_err_set(err, EINVAL,
					  "%s: the SVG holds '%s': refused in "
					  "a self-contained report",
					  fig->id, banned[i]);
	if (has_url(start) || has_event_attr(start))
		return hv_err_set(err, EINVAL,
				  "%s: the SVG holds a URL or an event "
				  "attribute: refused in a self-contained "
				  "report",
				  fig->id);
	len = strlen(start);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		for (p = strstr(start, ids[i]); p; p = strstr(p + 1, ids[i]))
			extra += idlen + 1;
	out = malloc(len + extra + 1);
	if (!out)
		return hv_err_set(err, ENOMEM, "%s: out of memory", fig->id);
	/* Every figure's ids get its own prefix: gnuplot names its point
	 * shapes the same in every SVG, and one document holds them all. */
	for (p = start, w = out; *p;) {
		for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
			if (strncmp(p, ids[i], strlen(ids[i])) == 0)
				break;
		if (i < sizeof(ids) / sizeof(ids[0])) {
			memcpy(w, fig->id, idlen);
			w += idlen;
			*w++ = '-';
		}
		*w++ = *p++;
	}
	*w = '\0';
	free(fig->svg);
	fig->svg = out;
	return 0;
}
