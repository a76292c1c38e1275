/*
 * report-table.c - the terminal renderer: one small table per benchmark,
 * parameter set and metric, native first and then the other environments
 * in the order they first appear in the study:
 *
 *   net.rr size_bytes=1 half_rtt_p50_ns   median   n   cv%  vs native (95% CI)
 *     native                             11.8 us  10  1.2%  1.00
 *     ns                                 12.4 us  10  2.0%  1.05 [1.03, 1.07]
 * slower
 *
 * The value column is the median, scaled to a readable unit (ns to us, ms
 * or s; bytes/s to decimal KB/s, MB/s, GB/s). n and cv% (stddev / mean)
 * show how noisy the cell was. The ratio is mean(env) / mean(native) with
 * its bootstrap CI, as computed by hv_study_analyze().
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hpcvirt/report.h"

enum {
	FIELD_LEN = 64,
	TITLE_INLINE_MAX = 40, /* longer titles get a line of their own */
};

/* One printed line of a group. */
struct row {
	const struct hv_cell *c;
	char value[FIELD_LEN];
	char n[FIELD_LEN];
	char cv[FIELD_LEN];
	char ratio[FIELD_LEN * 2];
};

struct scale {
	double div;
	const char *name;
};

static const struct scale ns_scale[] = {
	{1, "ns"}, {1e3, "us"}, {1e6, "ms"}, {1e9, "s"}, {0, NULL}};
static const struct scale s_scale[] = {
	{1e-6, "us"}, {1e-3, "ms"}, {1, "s"}, {0, NULL}};
static const struct scale rate_scale[] = {{1, "B/s"},	  {1e3, "KB/s"},
					  {1e6, "MB/s"},  {1e9, "GB/s"},
					  {1e12, "TB/s"}, {0, NULL}};

static const struct {
	const char *unit;
	const struct scale *scale;
} unit_scales[] = {
	{"ns", ns_scale},
	{"s", s_scale},
	{"bytes/s", rate_scale},
};

static bool
is_native(const struct hv_cell *c)
{
	return strcmp(c->env, "native") == 0;
}

/* Three significant digits: 1.23, 12.3, 123. */
static void
fmt_sig3(char *buf, size_t len, double x, const char *unit)
{
	double a = fabs(x);
	int prec = a >= 99.95 ? 0 : a >= 9.995 ? 1 : 2;

	snprintf(buf, len, "%.*f %s", prec, x, unit);
}

/*
 * Print v (in unit) scaled for reading. The largest step whose value is
 * at least 0.9995 wins, so 999.7 ns prints as "1.00 us", not "1000 ns".
 * Units without a scale are printed as they are with 4 significant digits
 * (all integer digits from 10000 up).
 */
static void
fmt_value(char *buf, size_t len, double v, const char *unit)
{
	const struct scale *sc = NULL, *best;
	size_t i;

	for (i = 0; i < sizeof(unit_scales) / sizeof(unit_scales[0]); i++)
		if (strcmp(unit, unit_scales[i].unit) == 0)
			sc = unit_scales[i].scale;
	if (!sc) {
		snprintf(buf, len, fabs(v) >= 1e4 ? "%.0f%s%s" : "%.4g%s%s", v,
			 *unit ? " " : "", unit);
		return;
	}
	best = sc;
	for (; sc->name; sc++)
		if (fabs(v) / sc->div >= 0.9995)
			best = sc;
	fmt_sig3(buf, len, v / best->div, best->name);
}

static void
fmt_ratio(char *buf, size_t len, const struct hv_cell *c)
{
	const struct hv_ratio *r = &c->ratio;

	if (is_native(c) && c->has_summary)
		snprintf(buf, len, "1.00");
	else if (c->has_ratio)
		snprintf(buf, len, "%.2f [%.2f, %.2f] %s", r->ratio, r->lo,
			 r->hi, hv_verdict_name(r->verdict));
	else
		snprintf(buf, len, "-");
}

/*
 * Notes after the ratio. This is the hook for per-cell flags: when the
 * study records contention (load, CPU pressure, steal time) per cell, the
 * "contended" flag goes here, next to "pending".
 */
static const char *
row_note(const struct hv_study *s, const struct hv_cell *c)
{
	(void)s;
	return c->status == HV_CELL_PENDING ? " (pending)" : "";
}

static void
row_fill(struct row *r, const struct hv_cell *c)
{
	const struct hv_summary *m = &c->summary;

	r->c = c;
	snprintf(r->n, sizeof(r->n), "%zu", c->n);
	snprintf(r->value, sizeof(r->value), "-");
	snprintf(r->cv, sizeof(r->cv), "-");
	if (c->has_summary)
		fmt_value(r->value, sizeof(r->value), m->median, c->unit);
	if (c->has_summary && c->n >= 2 && m->mean != 0)
		snprintf(r->cv, sizeof(r->cv), "%.1f%%",
			 100.0 * m->stddev / fabs(m->mean));
	fmt_ratio(r->ratio, sizeof(r->ratio), c);
}

static bool
same_group(const struct hv_cell *a, const struct hv_cell *b)
{
	size_t i;

	if (strcmp(a->bench, b->bench) != 0 ||
	    strcmp(a->metric, b->metric) != 0 || a->params.n != b->params.n)
		return false;
	for (i = 0; i < a->params.n; i++)
		if (strcmp(a->params.v[i].key, b->params.v[i].key) != 0 ||
		    strcmp(a->params.v[i].value, b->params.v[i].value) != 0)
			return false;
	return true;
}

/* Position of c's env in the study: its first cell's index, native -1. */
static long
env_rank(const struct hv_study *s, const struct hv_cell *c)
{
	size_t i;

	if (is_native(c))
		return -1;
	for (i = 0; i < s->ncells; i++)
		if (strcmp(s->cells[i].env, c->env) == 0)
			break;
	return (long)i;
}

/* Rows of the group led by cell g, sorted by env rank (stable). */
static size_t
group_rows(const struct hv_study *s, size_t g, struct row *rows)
{
	size_t i, j, n = 0;
	struct row tmp;

	for (i = g; i < s->ncells; i++) {
		if (!same_group(&s->cells[g], &s->cells[i]))
			continue;
		row_fill(&rows[n], &s->cells[i]);
		for (j = n++; j > 0 && env_rank(s, rows[j - 1].c) >
					       env_rank(s, rows[j].c);
		     j--) {
			tmp = rows[j];
			rows[j] = rows[j - 1];
			rows[j - 1] = tmp;
		}
	}
	return n;
}

static size_t
max_len(const struct row *rows, size_t n, size_t off, size_t least)
{
	size_t i, l;

	for (i = 0; i < n; i++) {
		l = strlen((const char *)&rows[i] + off);
		if (l > least)
			least = l;
	}
	return least;
}

/* "bench k=v k=v metric" into a fresh string, or NULL. */
static char *
group_title(const struct hv_cell *c)
{
	size_t len = strlen(c->bench) + strlen(c->metric) + 2, i;
	char *t, *p;

	for (i = 0; i < c->params.n; i++)
		len += strlen(c->params.v[i].key) +
		       strlen(c->params.v[i].value) + 2;
	t = malloc(len + 1);
	if (!t)
		return NULL;
	p = t + snprintf(t, len + 1, "%s", c->bench);
	for (i = 0; i < c->params.n; i++)
		p += snprintf(p, len + 1 - (size_t)(p - t), " %s=%s",
			      c->params.v[i].key, c->params.v[i].value);
	snprintf(p, len + 1 - (size_t)(p - t), " %s", c->metric);
	return t;
}

static void
print_row(FILE *f, const struct hv_study *s, const struct row *r, int wn,
	  int wv, int wc, int wcv)
{
	const struct hv_cell *c = r->c;

	if (c->status == HV_CELL_FAILED) {
		fprintf(f, "  %-*s  FAILED%s%s\n", wn - 2, c->env,
			c->reason ? ": " : "", c->reason ? c->reason : "");
		return;
	}
	fprintf(f, "  %-*s  %*s  %*s  %*s  %s%s\n", wn - 2, c->env, wv,
		r->value, wc, r->n, wcv, r->cv, r->ratio, row_note(s, c));
}

/*
 * The title heads the name column when it is short, as in the example at
 * the top; a long one (many parameters) gets a line of its own so that
 * the rows stay narrow.
 */
static int
print_group(FILE *f, const struct hv_study *s, size_t g, struct row *rows)
{
	size_t n = group_rows(s, g, rows), i;
	char *title = group_title(&s->cells[g]);
	int tl, wn = 8, wv, wc, wcv;

	if (!title)
		return -ENOMEM;
	tl = (int)strlen(title);
	for (i = 0; i < n; i++)
		if ((int)strlen(rows[i].c->env) + 2 > wn)
			wn = (int)strlen(rows[i].c->env) + 2;
	if (tl <= TITLE_INLINE_MAX && tl > wn)
		wn = tl;
	else if (tl > TITLE_INLINE_MAX)
		fprintf(f, "%s\n", title);
	wv = (int)max_len(rows, n, offsetof(struct row, value), 6);
	wc = (int)max_len(rows, n, offsetof(struct row, n), 1);
	wcv = (int)max_len(rows, n, offsetof(struct row, cv), 3);
	fprintf(f, "%-*s  %*s  %*s  %*s  %s\n", wn,
		tl <= TITLE_INLINE_MAX ? title : "", wv, "median", wc, "n", wcv,
		"cv%", "vs native (95% CI)");
	for (i = 0; i < n; i++)
		print_row(f, s, &rows[i], wn, wv, wc, wcv);
	free(title);
	return 0;
}

int
hv_render_table(FILE *f, const struct hv_study *s, struct hv_err *err)
{
	struct row *rows = NULL;
	size_t g, j;
	int rc = 0;

	rows = calloc(s->ncells ? s->ncells : 1, sizeof(*rows));
	if (!rows) {
		rc = hv_err_set(err, ENOMEM, "rendering table: out of memory");
		goto out;
	}
	for (g = 0; g < s->ncells; g++) {
		for (j = 0; j < g; j++)
			if (same_group(&s->cells[j], &s->cells[g]))
				break;
		if (j < g)
			continue; /* printed with its group's first cell */
		if (g)
			fputc('\n', f);
		rc = print_group(f, s, g, rows);
		if (rc < 0) {
			rc = hv_err_set(err, ENOMEM,
					"rendering table: out of memory");
			goto out;
		}
	}
	fprintf(f,
		"\nratio: mean(env) / mean(native); 95%% CI: bootstrap (%s), "
		"seed %llu\nunits: decimal SI (1 MB/s = 10^6 bytes/s); "
		"cv: stddev / mean\n",
		hv_boot_method_name(HV_BOOT_DEFAULT),
		(unsigned long long)s->seed);
	if (ferror(f))
		rc = hv_err_sys(err, errno ? errno : EIO, "writing table");
out:
	free(rows);
	return rc;
}
