/*
 * report.c - the machine-readable renderers: JSON (through cJSON) and CSV.
 * Both read an analysed study and print every cell with its samples'
 * summary and its ratio to native, in the cells' order. Numbers keep full
 * precision (the shortest text that reads back as the same double), and a
 * value that is unknown or not finite is null in JSON and empty in CSV.
 * The terminal table lives in report-table.c.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hpcvirt/results/explain.h"
#include "hpcvirt/results/report.h"

/* Above 2^53 integers stop being exact doubles; keep them as text. */
#define EXACT_INT_LIMIT 9007199254740992.0

static bool
is_native(const struct hv_cell *c)
{
	return strcmp(c->env, "native") == 0;
}

/* Native compares to itself: ratio 1 whenever it has data and did not
 * fail. */
static bool
native_ratio_one(const struct hv_cell *c)
{
	return is_native(c) && c->has_summary && c->status != HV_CELL_FAILED;
}

static const char *
skip_digits(const char *p)
{
	while (isdigit((unsigned char)*p))
		p++;
	return p;
}

/*
 * True when s is a complete JSON number (RFC 8259 grammar: no hex, no
 * leading '+', no "inf") that is finite as a double and, if integral,
 * exact. Such parameter values are rendered as JSON numbers.
 */
static bool
param_is_number(const char *s, double *out)
{
	const char *p = s;
	bool integral = true;
	char *end;

	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	p = *p == '0' ? p + 1 : skip_digits(p);
	if (*p == '.') {
		integral = false;
		if (!isdigit((unsigned char)*++p))
			return false;
		p = skip_digits(p);
	}
	if (*p == 'e' || *p == 'E') {
		integral = false;
		p += (p[1] == '+' || p[1] == '-') ? 2 : 1;
		if (!isdigit((unsigned char)*p))
			return false;
		p = skip_digits(p);
	}
	if (*p)
		return false;
	*out = strtod(s, &end);
	return *end == '\0' && isfinite(*out) &&
	       !(integral && fabs(*out) > EXACT_INT_LIMIT);
}

/* Add item under key; remember a failure (NULL item, no memory). */
static void
add(cJSON *o, const char *key, cJSON *item, bool *ok)
{
	if (!item || !cJSON_AddItemToObject(o, key, item)) {
		cJSON_Delete(item);
		*ok = false;
	}
}

static cJSON *
num_or_null(bool have, double v)
{
	return have && isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *
str_or_null(const char *s)
{
	return s && *s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *
params_obj(const struct hv_params *p)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;
	double d;
	size_t i;

	for (i = 0; ok && i < p->n; i++)
		add(o, p->v[i].key,
		    param_is_number(p->v[i].value, &d)
			    ? cJSON_CreateNumber(d)
			    : cJSON_CreateString(p->v[i].value),
		    &ok);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *
samples_arr(const struct hv_cell *c)
{
	cJSON *a = cJSON_CreateArray();
	cJSON *x;
	size_t i;

	for (i = 0; a && i < c->n; i++) {
		x = num_or_null(true, c->samples[i]);
		if (!x || !cJSON_AddItemToArray(a, x)) {
			cJSON_Delete(x);
			cJSON_Delete(a);
			return NULL;
		}
	}
	return a;
}

static void
add_summary(cJSON *o, const struct hv_cell *c, bool *ok)
{
	const struct hv_summary *m = &c->summary;
	bool h = c->has_summary;

	add(o, "n", cJSON_CreateNumber((double)c->n), ok);
	add(o, "mean", num_or_null(h, m->mean), ok);
	add(o, "stddev", num_or_null(h, m->stddev), ok);
	add(o, "min", num_or_null(h, m->min), ok);
	add(o, "max", num_or_null(h, m->max), ok);
	add(o, "median", num_or_null(h, m->median), ok);
	add(o, "p99", num_or_null(h, m->p99), ok);
}

/* [lo, hi] of a ratio, or null without one. */
static cJSON *
ci_arr(const struct hv_ratio *r, bool have)
{
	cJSON *ci;

	if (!have)
		return cJSON_CreateNull();
	ci = cJSON_CreateArray();
	if (ci && (!cJSON_AddItemToArray(ci, num_or_null(true, r->lo)) ||
		   !cJSON_AddItemToArray(ci, num_or_null(true, r->hi)))) {
		cJSON_Delete(ci);
		ci = NULL;
	}
	return ci;
}

/* "ranks=1" (the base of c's speedup), or NULL for a cell without one. */
static const char *
speedup_vs(const struct hv_cell *c, char *buf, size_t len)
{
	const char *key = hv_cell_scale_key(c);

	if (!key)
		return NULL;
	snprintf(buf, len, "%s=1", key);
	return buf;
}

static void
add_speedup(cJSON *o, const struct hv_cell *c, bool *ok)
{
	char vs[32];

	add(o, "speedup", num_or_null(c->has_speedup, c->speedup.ratio), ok);
	add(o, "speedup_ci95", ci_arr(&c->speedup, c->has_speedup), ok);
	add(o, "speedup_vs", str_or_null(speedup_vs(c, vs, sizeof(vs))), ok);
	add(o, "ranks_per_core",
	    num_or_null(c->ranks_per_core > 0, c->ranks_per_core), ok);
}

static void
add_ratio(cJSON *o, const struct hv_cell *c, bool *ok)
{
	const struct hv_ratio *r = &c->ratio;
	cJSON *ci = ci_arr(r, c->has_ratio);

	add(o, "ratio_to_native",
	    native_ratio_one(c) ? cJSON_CreateNumber(1.0)
				: num_or_null(c->has_ratio, r->ratio),
	    ok);
	add(o, "ratio_ci95", ci, ok);
	add(o, "verdict",
	    str_or_null(c->has_ratio ? hv_verdict_name(r->verdict) : NULL), ok);
	add(o, "p_value", num_or_null(c->has_ratio, r->p), ok);
	add(o, "p_bh", num_or_null(c->has_ratio, c->p_bh), ok);
	add(o, "verdict_bh",
	    str_or_null(c->has_ratio ? hv_verdict_name(c->verdict_bh) : NULL),
	    ok);
}

/* "met", "missed", or "" for a cell that is no target. */
static const char *
prec_name(enum hv_prec_state p)
{
	return p == HV_PREC_MET ? "met" : p == HV_PREC_MISSED ? "missed" : "";
}

/* null for a cell that is no precision target, else {"half_width",
 * "met", "why"} (why null when met). */
static cJSON *
prec_obj(const struct hv_cell *c)
{
	bool ok = true;
	cJSON *o;

	if (c->prec == HV_PREC_NONE)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	if (!o)
		return NULL;
	add(o, "half_width", num_or_null(!isnan(c->half_width), c->half_width),
	    &ok);
	add(o, "met", cJSON_CreateBool(c->prec == HV_PREC_MET), &ok);
	add(o, "why",
	    str_or_null(c->prec == HV_PREC_MISSED ? c->prec_why : NULL), &ok);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* null for a readable cell, else {"why", "cv", "max_over_median",
 * "ratio", "native_unstable"}. */
static cJSON *
unstable_obj(const struct hv_cell *c)
{
	const struct hv_unstable *u = &c->unstable;
	bool ok = true;
	cJSON *o;

	if (!u->flags)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	if (!o)
		return NULL;
	add(o, "why", cJSON_CreateString(u->why), &ok);
	add(o, "cv", num_or_null(true, u->cv), &ok);
	add(o, "max_over_median", num_or_null(true, u->max_over_median), &ok);
	add(o, "ratio", num_or_null(true, u->ratio), &ok);
	add(o, "native_unstable",
	    cJSON_CreateBool((u->flags & HV_UNSTABLE_NATIVE) != 0), &ok);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* {"box_s", "kernel_s", "n", "per_work_s"}: the mean host CPU of a
 * repetition, and per transaction or byte where the kernel counts them;
 * null where none was recorded. */
static cJSON *
host_cpu_obj(const struct hv_cell *c)
{
	cJSON *o;

	if (!c->ncpu)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	if (o &&
	    (!cJSON_AddNumberToObject(o, "box_s",
				      c->host_cpu_s / (double)c->ncpu) ||
	     !cJSON_AddNumberToObject(o, "kernel_s",
				      c->kernel_cpu_s / (double)c->ncpu) ||
	     !cJSON_AddNumberToObject(o, "n", (double)c->ncpu) ||
	     !(c->work > 0 ? cJSON_AddNumberToObject(o, "per_work_s",
						     c->host_cpu_s / c->work)
			   : cJSON_AddNullToObject(o, "per_work_s")))) {
		cJSON_Delete(o);
		o = NULL;
	}
	return o;
}
static cJSON *
cell_obj(const struct hv_cell *c)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;

	if (!o)
		return NULL;
	add(o, "env", cJSON_CreateString(c->env), &ok);
	add(o, "bench", cJSON_CreateString(c->bench), &ok);
	add(o, "params", params_obj(&c->params), &ok);
	add(o, "metric", cJSON_CreateString(c->metric), &ok);
	add(o, "unit", cJSON_CreateString(c->unit), &ok);
	add(o, "higher_is_better", cJSON_CreateBool(c->higher_is_better), &ok);
	add(o, "status", cJSON_CreateString(hv_cell_status_name(c->status)),
	    &ok);
	add(o, "reason", str_or_null(c->reason), &ok);
	add(o, "samples", samples_arr(c), &ok);
	add_summary(o, c, &ok);
	add_ratio(o, c, &ok);
	add_speedup(o, c, &ok);
	add(o, "host_cpu_pressure_max",
	    num_or_null(c->cpu_psi_max >= 0, c->cpu_psi_max), &ok);
	add(o, "host_load1_max", num_or_null(c->load1_max >= 0, c->load1_max),
	    &ok);
	add(o, "contended", cJSON_CreateBool(hv_cell_contended(c)), &ok);
	add(o, "unstable", unstable_obj(c), &ok);
	add(o, "precision", prec_obj(c), &ok);
	add(o, "box_vcpus", num_or_null(c->box_vcpus > 0, c->box_vcpus), &ok);
	add(o, "host_cpu", host_cpu_obj(c), &ok);
	add(o, "oversubscribed", cJSON_CreateBool(hv_cell_oversubscribed(c)),
	    &ok);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *
context_obj(const struct hv_study *s)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;
	cJSON *v;
	size_t i;

	for (i = 0; ok && i < s->context.n; i++) {
		/* Entries are validated when set; keep a stray one as text. */
		v = cJSON_ParseWithOpts(s->context.v[i].value, NULL, true);
		if (!v)
			v = cJSON_CreateString(s->context.v[i].value);
		add(o, s->context.v[i].key, v, &ok);
	}
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* The explanation table (explain.h), one object per row. */
static cJSON *
explain_arr(const struct hv_study *s)
{
	cJSON *a = cJSON_CreateArray(), *o;
	struct hv_explain ex;
	bool ok = a != NULL;
	size_t i;

	if (!a || hv_explain_study(s, &ex) < 0) {
		cJSON_Delete(a);
		return NULL;
	}
	for (i = 0; ok && i < ex.n; i++) {
		const struct hv_explain_row *r = &ex.rows[i];

		o = cJSON_CreateObject();
		ok = o && cJSON_AddItemToArray(a, o);
		if (!ok) {
			cJSON_Delete(o);
			break;
		}
		add(o, "env", cJSON_CreateString(r->env), &ok);
		add(o, "family",
		    cJSON_CreateString(hv_explain_family_name(r->family)), &ok);
		add(o, "cells", cJSON_CreateNumber((double)r->ncells), &ok);
		add(o, "overhead", num_or_null(true, r->overhead), &ok);
		add(o, "by_sys", num_or_null(!isnan(r->by_sys), r->by_sys),
		    &ok);
		add(o, "by_layer_cpu",
		    num_or_null(!isnan(r->by_cpu), r->by_cpu), &ok);
		add(o, "unexplained",
		    num_or_null(!isnan(r->unexplained), r->unexplained), &ok);
	}
	hv_explain_release(&ex);
	if (!ok) {
		cJSON_Delete(a);
		return NULL;
	}
	return a;
}

static cJSON *
study_doc(const struct hv_study *s)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *cells = cJSON_CreateArray();
	bool ok = doc && cells;
	cJSON *c;
	size_t i;

	for (i = 0; ok && i < s->ncells; i++) {
		c = cell_obj(&s->cells[i]);
		if (!c || !cJSON_AddItemToArray(cells, c)) {
			cJSON_Delete(c);
			ok = false;
		}
	}
	if (doc) {
		add(doc, "hpcvirt", cJSON_CreateString(HV_VERSION), &ok);
		add(doc, "context", context_obj(s), &ok);
		add(doc, "cells", cells, &ok);
		add(doc, "explanation", explain_arr(s), &ok);
	} else {
		cJSON_Delete(cells);
	}
	if (!ok) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

int
hv_render_json(FILE *f, const struct hv_study *s, struct hv_err *err)
{
	cJSON *doc = study_doc(s);
	char *txt = doc ? cJSON_Print(doc) : NULL;
	int rc = 0;

	if (!txt) {
		rc = hv_err_set(err, ENOMEM, "rendering JSON: out of memory");
		goto out;
	}
	if (fputs(txt, f) == EOF || fputc('\n', f) == EOF || ferror(f))
		rc = hv_err_sys(err, errno ? errno : EIO, "writing JSON");
out:
	cJSON_free(txt);
	cJSON_Delete(doc);
	return rc;
}

/* ---- CSV ---------------------------------------------------------------- */

enum {
	CSV_COLS = 30,
	NUM_LEN = 32,
};

static const char csv_header[] =
	"env,bench,params,metric,unit,higher_is_better,status,n,mean,stddev,"
	"min,median,p99,max,ratio_to_native,ci_lo,ci_hi,verdict,contended,"
	"speedup,speedup_lo,speedup_hi,p_value,p_bh,verdict_bh,unstable,"
	"half_width,precision,oversubscribed,reason\n";

/* The shortest of %.15g, %.16g, %.17g that reads back as v; "" if none. */
static const char *
fmt_num(char *buf, bool have, double v)
{
	int prec;

	buf[0] = '\0';
	if (!have || !isfinite(v))
		return buf;
	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, NUM_LEN, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

/* RFC 4180: quote a field holding a comma, quote, CR or LF; double the
 * quotes inside. */
static void
csv_field(FILE *f, const char *s, bool last)
{
	const char *p;

	if (!s[strcspn(s, ",\"\r\n")]) {
		fputs(s, f);
	} else {
		fputc('"', f);
		for (p = s; *p; p++) {
			if (*p == '"')
				fputc('"', f);
			fputc(*p, f);
		}
		fputc('"', f);
	}
	fputc(last ? '\n' : ',', f);
}

static int
csv_row(FILE *f, const struct hv_cell *c)
{
	char num[16][NUM_LEN];
	const struct hv_summary *m = &c->summary;
	const struct hv_ratio *r = &c->ratio, *sp = &c->speedup;
	bool h = c->has_summary, hr = c->has_ratio, hs = c->has_speedup;
	const char *col[CSV_COLS];
	size_t plen, i;
	char *params;

	plen = hv_params_format(&c->params, NULL, 0);
	params = malloc(plen + 1);
	if (!params)
		return -ENOMEM;
	hv_params_format(&c->params, params, plen + 1);
	snprintf(num[0], NUM_LEN, "%zu", c->n);
	col[0] = c->env;
	col[1] = c->bench;
	col[2] = params;
	col[3] = c->metric;
	col[4] = c->unit;
	col[5] = c->higher_is_better ? "true" : "false";
	col[6] = hv_cell_status_name(c->status);
	col[7] = num[0];
	col[8] = fmt_num(num[1], h, m->mean);
	col[9] = fmt_num(num[2], h, m->stddev);
	col[10] = fmt_num(num[3], h, m->min);
	col[11] = fmt_num(num[4], h, m->median);
	col[12] = fmt_num(num[5], h, m->p99);
	col[13] = fmt_num(num[6], h, m->max);
	col[14] = native_ratio_one(c) ? "1" : fmt_num(num[7], hr, r->ratio);
	col[15] = fmt_num(num[8], hr, r->lo);
	col[16] = fmt_num(num[9], hr, r->hi);
	col[17] = hr ? hv_verdict_name(r->verdict) : "";
	col[18] = hv_cell_contended(c) ? "true" : "false";
	col[19] = fmt_num(num[10], hs, sp->ratio);
	col[20] = fmt_num(num[11], hs, sp->lo);
	col[21] = fmt_num(num[12], hs, sp->hi);
	col[22] = fmt_num(num[13], hr, r->p);
	col[23] = fmt_num(num[14], hr, c->p_bh);
	col[24] = hr ? hv_verdict_name(c->verdict_bh) : "";
	col[25] = c->unstable.why;
	col[26] = fmt_num(num[15], c->prec != HV_PREC_NONE, c->half_width);
	col[27] = prec_name(c->prec);
	col[28] = hv_cell_oversubscribed(c) ? "true" : "false";
	col[29] = c->reason ? c->reason : "";
	for (i = 0; i < CSV_COLS; i++)
		csv_field(f, col[i], i + 1 == CSV_COLS);
	free(params);
	return 0;
}

int
hv_render_csv(FILE *f, const struct hv_study *s, struct hv_err *err)
{
	size_t i;

	fputs(csv_header, f);
	for (i = 0; i < s->ncells; i++)
		if (csv_row(f, &s->cells[i]) < 0)
			return hv_err_set(err, ENOMEM,
					  "rendering CSV: out of memory");
	if (ferror(f))
		return hv_err_sys(err, errno ? errno : EIO, "writing CSV");
	return 0;
}
