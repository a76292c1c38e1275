/*
 * explain.c - the explanation table (explain.h): each env's overhead per
 * bench family, and the shares the sys microbenchmarks and the layer's
 * own CPU account for.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hpcvirt/results/explain.h"
#include "hpcvirt/util/opt.h"

/* Below this much overhead there is nothing worth explaining. */
#define MIN_OVERHEAD 0.02

static const struct {
	const char *name;
	const char *bench; /* exact, or a prefix ending in '.' */
	const char *metric;
} fams[HV_EXPLAIN_NFAMILIES] = {
	[HV_EXPLAIN_RR] = {"net.rr", "net.rr", "half_rtt_p50_ns"},
	[HV_EXPLAIN_STREAM] = {"net.stream", "net.stream", "bw_bytes_per_sec"},
	[HV_EXPLAIN_FS] = {"fs", "fs", "write_bw_bytes_per_sec"},
	[HV_EXPLAIN_NPB] = {"NPB", "npb.", "time_s"},
};

const char *
hv_explain_family_name(enum hv_explain_family f)
{
	return f < HV_EXPLAIN_NFAMILIES ? fams[f].name : "";
}

static bool
in_family(const struct hv_cell *c, enum hv_explain_family f)
{
	const char *b = fams[f].bench;
	size_t len = strlen(b);

	if (strcmp(c->metric, fams[f].metric) != 0)
		return false;
	return b[len - 1] == '.' ? strncmp(c->bench, b, len) == 0
				 : strcmp(c->bench, b) == 0;
}

/* The mean ns per operation of sys test in env, NaN if not measured. */
static double
sys_ns(const struct hv_study *s, const char *env, const char *test)
{
	const char *t;
	size_t i;

	for (i = 0; i < s->ncells; i++) {
		const struct hv_cell *c = &s->cells[i];

		t = hv_params_get(&c->params, "test");
		if (!strcmp(c->bench, "sys") && !strcmp(c->env, env) && t &&
		    !strcmp(t, test) && !strcmp(c->metric, "ns_per_op") &&
		    c->has_summary && c->status != HV_CELL_FAILED)
			return c->summary.mean;
	}
	return NAN;
}

/* env's extra ns per operation of test over native's (NaN: unknown). */
static double
sys_delta(const struct hv_study *s, const char *env, const char *test)
{
	return sys_ns(s, env, test) - sys_ns(s, "native", test);
}

/* A size parameter in bytes, NaN if absent or bad. */
static double
bytes_param(const struct hv_cell *c, const char *key)
{
	const char *v = hv_params_get(&c->params, key);
	uint64_t b;

	if (!v || hv_opt_bytes(key, v, 1, UINT64_MAX, &b, NULL) < 0)
		return NAN;
	return (double)b;
}

/* Sums over a row's cells. */
struct acc {
	size_t n;
	double log_r;	     /* sum of log(time ratio) */
	double extra, model; /* extra time and the sys model's, per work */
	double log_k;	     /* sum of log(host CPU ratio) */
	size_t nk;
};

static void
add_cell(const struct hv_study *s, const struct hv_cell *c,
	 const struct hv_cell *b, enum hv_explain_family f, struct acc *a)
{
	double r = c->higher_is_better ? 1 / c->ratio.ratio : c->ratio.ratio;
	double d_sys = sys_delta(s, c->env, "syscall");
	double e = c->summary.mean, n = b->summary.mean, unit;

	a->n++;
	a->log_r += log(r);
	switch (f) {
	case HV_EXPLAIN_RR: /* ns per round trip */
		a->extra += 2 * (e - n);
		a->model += 2 * d_sys + sys_delta(s, c->env, "ctxsw");
		break;
	case HV_EXPLAIN_STREAM: /* ns per byte; a send per block */
		unit = bytes_param(c, "block_bytes");
		a->extra += 1e9 / e - 1e9 / n;
		a->model += d_sys / unit;
		break;
	case HV_EXPLAIN_FS: /* ns per byte; a write per record */
		unit = bytes_param(c, "record_bytes");
		a->extra += 1e9 / e - 1e9 / n;
		a->model += d_sys / unit;
		break;
	default: /* NPB: no system call in the timed part */
		a->extra += e - n;
		a->model += isnan(d_sys) ? NAN : 0;
		break;
	}
	if ((f == HV_EXPLAIN_FS || f == HV_EXPLAIN_NPB) && c->ncpu && b->ncpu &&
	    c->host_cpu_s > 0 && b->host_cpu_s > 0) {
		a->log_k += log((c->host_cpu_s / (double)c->ncpu) /
				(b->host_cpu_s / (double)b->ncpu));
		a->nk++;
	}
}

static double
share(double part, double whole)
{
	if (!(whole > 0) || isnan(part))
		return NAN;
	return part <= 0 ? 0 : part >= whole ? 1 : part / whole;
}

/* The row of env and family f, if it has cells. */
static bool
make_row(const struct hv_study *s, const char *env, enum hv_explain_family f,
	 struct hv_explain_row *row)
{
	struct acc a = {0};
	const struct hv_cell *b;
	double fwd, k;
	size_t i;

	for (i = 0; i < s->ncells; i++) {
		const struct hv_cell *c = &s->cells[i];

		if (strcmp(c->env, env) || !in_family(c, f) || !c->has_ratio ||
		    !(c->ratio.ratio > 0) || !c->has_summary ||
		    !(b = hv_study_native_of(s, c)) || !b->has_summary ||
		    !(b->summary.mean > 0) || !(c->summary.mean > 0))
			continue;
		/* A unit's host CPU rides on its first metric, which each
		 * family's is (p50, write, time_s). */
		add_cell(s, c, b, f, &a);
	}
	if (!a.n)
		return false;
	*row = (struct hv_explain_row){.env = env,
				       .family = f,
				       .ncells = a.n,
				       .overhead = exp(a.log_r / (double)a.n),
				       .by_sys = NAN,
				       .by_cpu = NAN,
				       .unexplained = NAN};
	fwd = row->overhead - 1;
	if (fwd < MIN_OVERHEAD)
		return true; /* nothing to explain */
	row->by_sys = share(a.model, a.extra);
	if (a.nk) {
		k = exp(a.log_k / (double)a.nk);
		row->by_cpu = share(k - 1, fwd);
	}
	if (!isnan(row->by_sys) || !isnan(row->by_cpu))
		row->unexplained =
			1 - fmax(isnan(row->by_sys) ? 0 : row->by_sys,
				 isnan(row->by_cpu) ? 0 : row->by_cpu);
	return true;
}

int
hv_explain_study(const struct hv_study *s, struct hv_explain *ex)
{
	const char **envs;
	size_t ne = 0, i, j;
	int f;

	memset(ex, 0, sizeof(*ex));
	envs = calloc(s->ncells + 1, sizeof(*envs));
	ex->rows =
		calloc(s->ncells * HV_EXPLAIN_NFAMILIES + 1, sizeof(*ex->rows));
	if (!envs || !ex->rows) {
		free(envs);
		free(ex->rows);
		ex->rows = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < s->ncells; i++) {
		const char *e = s->cells[i].env;

		for (j = 0; j < ne && strcmp(envs[j], e); j++)
			;
		if (j == ne && strcmp(e, "native") != 0)
			envs[ne++] = e;
	}
	for (i = 0; i < ne; i++)
		for (f = 0; f < HV_EXPLAIN_NFAMILIES; f++)
			if (make_row(s, envs[i], (enum hv_explain_family)f,
				     &ex->rows[ex->n]))
				ex->n++;
	free(envs);
	return 0;
}

void
hv_explain_release(struct hv_explain *ex)
{
	free(ex->rows);
	memset(ex, 0, sizeof(*ex));
}
