/*
 * compare-render.c - the terminal and JSON forms of a comparison of two
 * studies (compare.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hpcvirt/results/compare.h"
#include "hpcvirt/results/html.h"
#include "hpcvirt/results/render-util.h"
#include "hpcvirt/results/report.h"

static char *
params_text(const struct hv_params *p)
{
	size_t len = hv_params_format(p, NULL, 0);
	char *buf = malloc(len + 1);

	if (buf)
		hv_params_format(p, buf, len + 1);
	return buf;
}

static void
print_diffs(FILE *f, const struct hv_compare *c)
{
	size_t i;

	if (!c->ndiffs) {
		fputs("provenance: the same host, kernel, CPU, versions and "
		      "binaries\n",
		      f);
		return;
	}
	fprintf(f, "provenance: %zu change%s from A to B\n", c->ndiffs,
		c->ndiffs == 1 ? "" : "s");
	for (i = 0; i < c->ndiffs; i++) {
		fputs("  ", f);
		hv_put_text(f, c->diffs[i].key, 0);
		fputs(": ", f);
		hv_put_text(f, c->diffs[i].a ? c->diffs[i].a : "(absent)", 0);
		fputs(" -> ", f);
		hv_put_text(f, c->diffs[i].b ? c->diffs[i].b : "(absent)", 0);
		fputc('\n', f);
	}
}

static int
print_row(FILE *f, const struct hv_cmp_row *r, size_t count[4])
{
	char va[48], vb[48], ratio[96];
	char *params = params_text(&r->a->params);

	if (!params)
		return -ENOMEM;
	hv_put_text(f, r->a->env, 10);
	fputc(' ', f);
	hv_put_text(f, r->a->bench, 11);
	fputc(' ', f);
	hv_put_text(f, params, 28);
	fputc(' ', f);
	hv_put_text(f, r->a->metric, 24);
	free(params);
	snprintf(va, sizeof(va), "-");
	snprintf(vb, sizeof(vb), "-");
	if (r->a->has_summary)
		hv_format_value(va, sizeof(va), r->a->summary.mean, r->a->unit);
	if (r->b->has_summary)
		hv_format_value(vb, sizeof(vb), r->b->summary.mean, r->b->unit);
	if (r->has_ratio) {
		snprintf(ratio, sizeof(ratio), "%.3g [%.3g, %.3g]",
			 r->ratio.ratio, r->ratio.lo, r->ratio.hi);
		count[r->verdict_bh]++;
	} else {
		snprintf(ratio, sizeof(ratio), "-");
		count[HV_VERDICT_NONE]++;
	}
	fprintf(f, " %11s %11s  %-22s %s", va, vb, ratio,
		r->has_ratio ? hv_verdict_name(r->verdict_bh) : r->why);
	if (hv_cell_contended(r->a) || hv_cell_contended(r->b))
		fputs(" (contended)", f);
	if (r->a->unstable.flags || r->b->unstable.flags)
		fputs(" (unstable)", f);
	fputc('\n', f);
	return 0;
}

int
hv_render_compare_table(FILE *f, const struct hv_compare *c, const char *name_a,
			const char *name_b, struct hv_err *err)
{
	size_t i, count[4] = {0};

	fputs("A: ", f);
	hv_put_text(f, name_a, 0);
	fputs("\nB: ", f);
	hv_put_text(f, name_b, 0);
	fputs("\n", f);
	print_diffs(f, c);
	fprintf(f,
		"cells: %zu in both, %zu only in A, %zu only in B\n\n"
		"%-10s %-11s %-28s %-24s %11s %11s  %-22s %s\n",
		c->n, c->only_a, c->only_b, "env", "bench", "params", "metric",
		"mean A", "mean B", "B/A (95% CI)", "verdict (BH)");
	for (i = 0; i < c->n; i++)
		if (print_row(f, &c->rows[i], count) < 0)
			return hv_err_set(err, ENOMEM,
					  "compare table: out of memory");
	fprintf(f,
		"\n%zu cells: %zu indistinguishable, %zu slower in B, %zu "
		"faster in B, %zu without a ratio (B/A: mean of B over mean "
		"of A, bootstrap 95%% CI; verdicts after Benjamini-Hochberg "
		"over the %zu ratios)\n",
		c->n, count[HV_VERDICT_INDISTINGUISHABLE],
		count[HV_VERDICT_SLOWER], count[HV_VERDICT_FASTER],
		count[HV_VERDICT_NONE], c->n - count[HV_VERDICT_NONE]);
	if (ferror(f))
		return hv_err_sys(err, errno ? errno : EIO,
				  "writing the comparison");
	return 0;
}

static cJSON *
json_or_null(const char *text)
{
	cJSON *v = text ? cJSON_Parse(text) : NULL;

	return v ? v : cJSON_CreateNull();
}

static cJSON *
row_json(const struct hv_cmp_row *r)
{
	cJSON *o = cJSON_CreateObject(), *ci = cJSON_CreateArray(), *p;
	bool ok = o && ci, h = r->has_ratio;
	size_t i;

	p = cJSON_CreateObject();
	for (i = 0; p && i < r->a->params.n; i++)
		hv_json_put(p, r->a->params.v[i].key,
			    cJSON_CreateString(r->a->params.v[i].value), &ok);
	if (ci) {
		hv_json_put(ci, NULL, hv_json_num(h, r->ratio.lo), &ok);
		hv_json_put(ci, NULL, hv_json_num(h, r->ratio.hi), &ok);
	}
	hv_json_put(o, "env", cJSON_CreateString(r->a->env), &ok);
	hv_json_put(o, "bench", cJSON_CreateString(r->a->bench), &ok);
	hv_json_put(o, "params", p, &ok);
	hv_json_put(o, "metric", cJSON_CreateString(r->a->metric), &ok);
	hv_json_put(o, "unit", cJSON_CreateString(r->a->unit), &ok);
	hv_json_put(o, "higher_is_better",
		    cJSON_CreateBool(r->a->higher_is_better), &ok);
	hv_json_put(o, "n_a", cJSON_CreateNumber((double)r->a->n), &ok);
	hv_json_put(o, "n_b", cJSON_CreateNumber((double)r->b->n), &ok);
	hv_json_put(o, "mean_a",
		    hv_json_num(r->a->has_summary, r->a->summary.mean), &ok);
	hv_json_put(o, "mean_b",
		    hv_json_num(r->b->has_summary, r->b->summary.mean), &ok);
	hv_json_put(o, "ratio", hv_json_num(h, r->ratio.ratio), &ok);
	hv_json_put(o, "ratio_ci95", h ? ci : cJSON_CreateNull(), &ok);
	if (!h)
		cJSON_Delete(ci);
	hv_json_put(o, "verdict",
		    h ? cJSON_CreateString(hv_verdict_name(r->ratio.verdict))
		      : cJSON_CreateNull(),
		    &ok);
	hv_json_put(o, "p_value", hv_json_num(h, r->ratio.p), &ok);
	hv_json_put(o, "p_bh", hv_json_num(h, r->p_bh), &ok);
	hv_json_put(o, "verdict_bh",
		    h ? cJSON_CreateString(hv_verdict_name(r->verdict_bh))
		      : cJSON_CreateNull(),
		    &ok);
	hv_json_put(o, "why",
		    h ? cJSON_CreateNull() : cJSON_CreateString(r->why), &ok);
	hv_json_put(o, "contended",
		    cJSON_CreateBool(hv_cell_contended(r->a) ||
				     hv_cell_contended(r->b)),
		    &ok);
	hv_json_put(
		o, "unstable",
		cJSON_CreateBool(r->a->unstable.flags || r->b->unstable.flags),
		&ok);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *
diffs_json(const struct hv_compare *c, bool *ok)
{
	cJSON *arr = cJSON_CreateArray(), *d;
	size_t i;

	for (i = 0; arr && i < c->ndiffs; i++) {
		d = cJSON_CreateObject();
		if (d) {
			hv_json_put(d, "key",
				    cJSON_CreateString(c->diffs[i].key), ok);
			hv_json_put(d, "a", json_or_null(c->diffs[i].a), ok);
			hv_json_put(d, "b", json_or_null(c->diffs[i].b), ok);
		}
		hv_json_put(arr, NULL, d, ok);
	}
	return arr;
}

int
hv_render_compare_json(FILE *f, const struct hv_compare *c, const char *name_a,
		       const char *name_b, struct hv_err *err)
{
	cJSON *doc = cJSON_CreateObject(), *cells = cJSON_CreateArray();
	bool ok = doc != NULL;
	char *txt = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; cells && i < c->n; i++)
		hv_json_put(cells, NULL, row_json(&c->rows[i]), &ok);
	hv_json_put(doc, "hpcvirt", cJSON_CreateString(HV_VERSION), &ok);
	hv_json_put(doc, "a", cJSON_CreateString(name_a), &ok);
	hv_json_put(doc, "b", cJSON_CreateString(name_b), &ok);
	hv_json_put(doc, "only_a", cJSON_CreateNumber((double)c->only_a), &ok);
	hv_json_put(doc, "only_b", cJSON_CreateNumber((double)c->only_b), &ok);
	hv_json_put(doc, "provenance_diff", diffs_json(c, &ok), &ok);
	hv_json_put(doc, "cells", cells, &ok);
	txt = ok ? cJSON_Print(doc) : NULL;
	if (!txt)
		rc = hv_err_set(err, ENOMEM, "compare JSON: out of memory");
	else if (fputs(txt, f) == EOF || fputc('\n', f) == EOF || ferror(f))
		rc = hv_err_sys(err, errno ? errno : EIO,
				"writing the compare JSON");
	free(txt);
	cJSON_Delete(doc);
	return rc;
}

/* One pair as an HTML table row. */
static int
html_row(FILE *f, const struct hv_cmp_row *r)
{
	char va[48] = "-", vb[48] = "-";
	char *params = params_text(&r->a->params);

	if (!params)
		return -ENOMEM;
	if (r->a->has_summary)
		hv_format_value(va, sizeof(va), r->a->summary.mean, r->a->unit);
	if (r->b->has_summary)
		hv_format_value(vb, sizeof(vb), r->b->summary.mean, r->b->unit);
	fputs("<tr><td>", f);
	hv_html_esc(f, r->a->env);
	fputs("</td><td>", f);
	hv_html_esc(f, r->a->bench);
	fputs("</td><td>", f);
	hv_html_esc(f, params);
	fputs("</td><td>", f);
	hv_html_esc(f, r->a->metric);
	fputs("</td><td class=\"num\">", f);
	hv_html_esc(f, va);
	fputs("</td><td class=\"num\">", f);
	hv_html_esc(f, vb);
	if (r->has_ratio)
		fprintf(f,
			"</td><td class=\"num\">%.3g [%.3g, %.3g]</td><td>%s",
			r->ratio.ratio, r->ratio.lo, r->ratio.hi,
			hv_verdict_name(r->verdict_bh));
	else
		fprintf(f, "</td><td class=\"num\">-</td><td>%s", r->why);
	if (hv_cell_contended(r->a) || hv_cell_contended(r->b))
		fputs(" (contended)", f);
	if (r->a->unstable.flags || r->b->unstable.flags)
		fputs(" (unstable)", f);
	fputs("</td></tr>\n", f);
	free(params);
	return 0;
}

int
hv_render_compare_html(FILE *f, const struct hv_compare *c, const char *name_a,
		       const char *name_b, struct hv_err *err)
{
	size_t i, count[4] = {0};

	hv_html_head(f, "hpcvirt compare");
	fputs("<h1>B against A</h1>\n<p>A: <code>", f);
	hv_html_esc(f, name_a);
	fputs("</code><br>B: <code>", f);
	hv_html_esc(f, name_b);
	fprintf(f,
		"</code></p>\n<p>%zu cells in both, %zu only in A, %zu only "
		"in B. B/A: the mean of B over the mean of A with its "
		"bootstrap 95 %% CI; verdicts after Benjamini-Hochberg over "
		"the ratios (slower: B is worse).</p>\n<h2>What changed</h2>\n",
		c->n, c->only_a, c->only_b);
	if (!c->ndiffs)
		fputs("<p>Nothing: the same host, kernel, CPU, versions and "
		      "binaries.</p>\n",
		      f);
	else
		fputs("<table><tr><th>what</th><th>A</th><th>B</th></tr>\n", f);
	for (i = 0; i < c->ndiffs; i++) {
		fputs("<tr><td>", f);
		hv_html_esc(f, c->diffs[i].key);
		fputs("</td><td><code>", f);
		hv_html_esc(f, c->diffs[i].a ? c->diffs[i].a : "(absent)");
		fputs("</code></td><td><code>", f);
		hv_html_esc(f, c->diffs[i].b ? c->diffs[i].b : "(absent)");
		fputs("</code></td></tr>\n", f);
	}
	if (c->ndiffs)
		fputs("</table>\n", f);
	fputs("<h2>Cells</h2>\n<table><tr><th>env</th><th>bench</th>"
	      "<th>params</th><th>metric</th><th>mean A</th><th>mean B</th>"
	      "<th>B/A (95 % CI)</th><th>verdict (BH)</th></tr>\n",
	      f);
	for (i = 0; i < c->n; i++) {
		const struct hv_cmp_row *r = &c->rows[i];

		count[r->has_ratio ? r->verdict_bh : HV_VERDICT_NONE]++;
		if (html_row(f, r) < 0)
			return hv_err_set(err, ENOMEM,
					  "compare HTML: out of memory");
	}
	fprintf(f,
		"</table>\n<p>%zu cells: %zu indistinguishable, %zu slower in "
		"B, %zu faster in B, %zu without a "
		"ratio.</p>\n</body></html>\n",
		c->n, count[HV_VERDICT_INDISTINGUISHABLE],
		count[HV_VERDICT_SLOWER], count[HV_VERDICT_FASTER],
		count[HV_VERDICT_NONE]);
	if (ferror(f))
		return hv_err_sys(err, errno ? errno : EIO,
				  "writing the comparison");
	return 0;
}
