/*
 * report-html.c - the HTML report (html.h): one document with inline CSS
 * and the figures' SVG, no script and no external resource, so that it
 * reads the same offline, in a mail client or years later. Every text
 * that comes from the study is escaped.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hpcvirt/results/explain.h"
#include "hpcvirt/results/html.h"
#include "hpcvirt/results/provenance.h"
#include "hpcvirt/results/report.h"

const char hv_html_css[] =
	"body{font-family:sans-serif;max-width:1100px;margin:1em auto;"
	"padding:0 1em;color:#222}"
	"h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;margin-top:2em}"
	"table{border-collapse:collapse;margin:.5em 0}"
	"td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;"
	"font-size:.9em;vertical-align:top}"
	"th{background:#f3f3f3}.num{text-align:right}"
	".holds{background:#dff0d8}.fails{background:#f2dede}"
	".inconclusive{background:#fcf8e3}.nodata{color:#888}"
	"figure{margin:1.5em 0}figcaption{font-size:.9em;color:#444;"
	"max-width:720px}svg{max-width:100%;height:auto}"
	".summary{background:#f7f7f7;padding:.5em 1em;border:1px solid #ddd}"
	"code{font-size:.85em;word-break:break-all}";

void
hv_html_head(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	      "charset=\"utf-8\">\n<meta name=\"viewport\" "
	      "content=\"width=device-width\">\n<title>",
	      f);
	hv_html_esc(f, title);
	fprintf(f, "</title>\n<style>%s</style></head><body>\n", hv_html_css);
}

void
hv_html_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			if ((unsigned char)*s >= 0x20 && *s != 0x7f)
				fputc(*s, f);
		}
	}
}

static void
esc_params(FILE *f, const struct hv_params *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		fputs(i ? ", " : "", f);
		hv_html_esc(f, p->v[i].key);
		fputc('=', f);
		hv_html_esc(f, p->v[i].value);
	}
}

/* A context entry, as a JSON string's text or the JSON itself. */
static void
esc_ctx(FILE *f, const struct hv_study *s, const char *key)
{
	const char *t = hv_context_get(s, key);
	cJSON *v = t ? cJSON_Parse(t) : NULL;

	if (cJSON_IsString(v))
		hv_html_esc(f, v->valuestring);
	else
		hv_html_esc(f, t ? t : "(not recorded)");
	cJSON_Delete(v);
}

static bool
is_native(const struct hv_cell *c)
{
	return strcmp(c->env, "native") == 0;
}

/* A study across hosts: "Hosts n1, n2 (Slurm job 3; ...). "; false for
 * a study on one host. */
static bool
hosts_line(FILE *f, const struct hv_study *s)
{
	const char *txt = hv_context_get(s, "launcher");
	cJSON *l = txt ? cJSON_Parse(txt) : NULL, *h;
	const cJSON *job = cJSON_GetObjectItemCaseSensitive(l, "job");
	char lab[256];
	bool first = true;

	if (!l)
		return false;
	fputs("<b>Hosts</b> ", f);
	cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(l, "hosts"))
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(h, "name");

		if (!cJSON_IsString(n))
			continue;
		fputs(first ? "" : ", ", f);
		hv_html_esc(f, n->valuestring);
		first = false;
	}
	fputs(" (Slurm job ", f);
	hv_html_esc(f, cJSON_IsString(job) ? job->valuestring : "?");
	fputs("; each figure draws the cells of the first host", f);
	if (hv_provenance_overlay_envs(hv_context_get(s, "envs"), lab,
				       sizeof(lab))) {
		fputs("; between hosts, native talks over the hosts' network "
		      "and the boxes of ",
		      f);
		hv_html_esc(f, lab);
		fputs(" over a lab across hosts (VXLAN), which their ratios "
		      "across hosts include",
		      f);
	}
	fputs("), ", f);
	cJSON_Delete(l);
	return true;
}

static void
summary(FILE *f, const struct hv_study *s, const struct hv_scorecard *sc)
{
	size_t i, failed = 0, pending = 0, cnt[4] = {0}, vs[4] = {0};

	for (i = 0; i < s->ncells; i++) {
		failed += s->cells[i].status == HV_CELL_FAILED;
		pending += s->cells[i].status == HV_CELL_PENDING;
		if (s->cells[i].has_ratio)
			cnt[s->cells[i].verdict_bh]++;
	}
	for (i = 0; sc && i < sc->n; i++)
		vs[sc->v[i].verdict]++;
	fputs("<div class=\"summary\"><p>", f);
	fputs(hosts_line(f, s) ? "<b>run from</b> " : "<b>Host</b> ", f);
	esc_ctx(f, s, "host");
	fputs(" (", f);
	esc_ctx(f, s, "cpu_model");
	fputs(", kernel ", f);
	esc_ctx(f, s, "kernel");
	fputs("), <b>date</b> ", f);
	esc_ctx(f, s, "date");
	fprintf(f,
		".</p><p><b>%zu cells</b>: %zu failed, %zu pending. Against "
		"native (95 %% CI, Benjamini-Hochberg): %zu slower, %zu "
		"faster, %zu indistinguishable.</p>",
		s->ncells, failed, pending, cnt[HV_VERDICT_SLOWER],
		cnt[HV_VERDICT_FASTER], cnt[HV_VERDICT_INDISTINGUISHABLE]);
	if (sc)
		fprintf(f,
			"<p><b>2008 scorecard</b>: %zu verdicts: %zu hold, %zu "
			"do not hold, %zu inconclusive, %zu without data "
			"(<a href=\"#scorecard\">below</a>).</p>",
			sc->n, vs[HV_CLAIM_HOLDS], vs[HV_CLAIM_FAILS],
			vs[HV_CLAIM_INCONCLUSIVE], vs[HV_CLAIM_NO_DATA]);
	fputs("</div>\n", f);
}

/*
 * Figure 1b's CPU cost: each env's host CPU (its box's processes) per
 * MB streamed, from the repetitions that recorded it, against native's.
 */
static void
stream_cpu(FILE *f, const struct hv_study *s)
{
	double nat = NAN, v;
	size_t i, j, k = 0;

	for (i = 0; i < s->ncells; i++) {
		const struct hv_cell *c = &s->cells[i];

		if (strcmp(c->bench, "net.stream") || !(c->work > 0))
			continue;
		for (j = 0; j < i; j++)
			if (!strcmp(s->cells[j].bench, "net.stream") &&
			    !strcmp(s->cells[j].env, c->env))
				break;
		if (j < i)
			continue; /* the env's row is written already */
		v = hv_study_cpu_per_work(s, c->env, "net.stream") * 1e6;
		if (!strcmp(c->env, "native"))
			nat = v;
		if (!k++)
			fputs("<table><tr><th>env</th><th>host CPU per MB "
			      "streamed</th><th>against native's</th></tr>\n",
			      f);
		fputs("<tr><td>", f);
		hv_html_esc(f, c->env);
		fprintf(f, "</td><td class=\"num\">%.3g ms</td>", v * 1e3);
		if (!isnan(nat) && strcmp(c->env, "native"))
			fprintf(f, "<td class=\"num\">%.2fx</td></tr>\n",
				v / nat);
		else
			fputs("<td class=\"num\">-</td></tr>\n", f);
	}
	if (k)
		fputs("</table><p>The CPU time of every host process of the "
		      "box "
		      "during the repetitions (docs/METHOD.md section 11) over "
		      "the bytes the kernel sent in them; 10 ms clock-tick "
		      "resolution.</p>\n",
		      f);
}

static void
figures(FILE *f, const struct hv_figset *fs, const struct hv_study *s)
{
	size_t i;

	fputs("<h2 id=\"figures\">Figures</h2>\n", f);
	for (i = 0; i < fs->n; i++) {
		const struct hv_figure *g = &fs->v[i];

		fprintf(f, "<figure id=\"%s\"><h3>", g->id);
		hv_html_esc(f, g->title);
		fputs("</h3>\n", f);
		if (g->svg)
			fputs(g->svg, f);
		else {
			fputs("<p>Not drawn: ", f);
			hv_html_esc(f, g->why ? g->why : "no plot");
			fputs("</p>", f);
		}
		fputs("\n<figcaption>", f);
		hv_html_esc(f, g->caption);
		fputs("</figcaption></figure>\n", f);
		if (!strcmp(g->id, "fig1b"))
			stream_cpu(f, s);
	}
	if (!fs->n)
		fputs("<p>This study has no cells the paper's figures "
		      "show.</p>\n",
		      f);
	if (fs->missing[0]) {
		fputs("<p>Not in this study: ", f);
		hv_html_esc(f, fs->missing);
		fputs("</p>\n", f);
	}
}

static void
value_ci(FILE *f, const struct hv_cell *c)
{
	char v[48], h[48];
	double hw = 0;

	if (!c->has_summary) {
		fputs("-", f);
		return;
	}
	if (c->n >= 2)
		hw = hv_student_t_quantile(0.975, (double)c->n - 1) *
		     c->summary.stddev / sqrt((double)c->n);
	hv_format_value(v, sizeof(v), c->summary.mean, c->unit);
	hv_format_value(h, sizeof(h), hw, c->unit);
	hv_html_esc(f, v);
	fputs(" &plusmn; ", f);
	hv_html_esc(f, h);
}

/* A share as a percentage, or a dash when not known. */
static void
share_td(FILE *f, double v)
{
	if (isnan(v))
		fputs("<td class=\"num\">-</td>", f);
	else
		fprintf(f, "<td class=\"num\">%.0f %%</td>", 100 * v);
}

/* The explanation table (results/explain.h). */
static void
attribution(FILE *f, const struct hv_study *s)
{
	struct hv_explain ex;
	size_t i;

	fputs("<h3>Attribution</h3>\n", f);
	if (hv_explain_study(s, &ex) < 0 || !ex.n) {
		fputs("<p>No row: the study has no net.rr, net.stream, fs or "
		      "NPB cell with a ratio to native.</p>\n",
		      f);
		hv_explain_release(&ex);
		return;
	}
	fputs("<p>Each env's overhead against native (time per unit of "
	      "work, geometric mean over the cells) and the share of the "
	      "extra time that the <code>sys</code> figures (the env's extra "
	      "cost per system call and context switch, times the kernel's "
	      "count of them) and the layer's host CPU (docs/METHOD.md "
	      "section 11) account for; the rest is unexplained "
	      "(docs/METHOD.md section 12). A dash: not measured in this "
	      "study, or no cause of that kind.</p>\n<table><tr><th>env</th>"
	      "<th>bench</th><th>cells</th><th>overhead</th><th>by sys</th>"
	      "<th>by layer CPU</th><th>unexplained</th></tr>\n",
	      f);
	for (i = 0; i < ex.n; i++) {
		const struct hv_explain_row *r = &ex.rows[i];

		fputs("<tr><td>", f);
		hv_html_esc(f, r->env);
		fprintf(f,
			"</td><td>%s</td><td class=\"num\">%zu</td>"
			"<td class=\"num\">%.2fx</td>",
			hv_explain_family_name(r->family), r->ncells,
			r->overhead);
		share_td(f, r->by_sys);
		share_td(f, r->by_cpu);
		if (r->overhead - 1 < 0.02)
			fputs("<td>none to explain</td>", f);
		else if (isnan(r->unexplained))
			fputs("<td>not measured</td>", f);
		else
			share_td(f, r->unexplained);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	hv_explain_release(&ex);
}

static void
startup(FILE *f, const struct hv_study *s)
{
	size_t i, k = 0;

	fputs("<h2 id=\"startup\">Start-up time and memory</h2>\n", f);
	for (i = 0; i < s->ncells; i++) {
		const struct hv_cell *c = &s->cells[i];

		if (strcmp(c->bench, "env.start") != 0)
			continue;
		if (!k++)
			fputs("<table><tr><th>env</th><th>metric</th>"
			      "<th>mean &plusmn; 95 % t-interval</th><th>n</th>"
			      "</tr>\n",
			      f);
		fputs("<tr><td>", f);
		hv_html_esc(f, c->env);
		fputs("</td><td>", f);
		hv_html_esc(f, c->metric);
		fputs("</td><td class=\"num\">", f);
		value_ci(f, c);
		fprintf(f, "</td><td class=\"num\">%zu</td></tr>\n", c->n);
	}
	if (k)
		fputs("</table>\n", f);
	else
		fputs("<p>Not in this study (bench env.start).</p>\n", f);
	attribution(f, s);
}

static const char *
verdict_class(enum hv_claim_verdict v)
{
	static const char *const cls[] = {
		[HV_CLAIM_NO_DATA] = "nodata",
		[HV_CLAIM_HOLDS] = "holds",
		[HV_CLAIM_FAILS] = "fails",
		[HV_CLAIM_INCONCLUSIVE] = "inconclusive",
	};

	return cls[v];
}

static void
score_row(FILE *f, const struct hv_score *x)
{
	const struct hv_claim *k = x->claim;

	fputs("<tr><td>", f);
	hv_html_esc(f, k->id);
	fputs("</td><td>", f);
	hv_html_esc(f, k->sentence);
	fputs("</td><td>", f);
	hv_html_esc(f, k->value_2008);
	fputs("</td><td>", f);
	if (!isinf(k->lo))
		fprintf(f, "&ge; %g ", k->lo);
	if (!isinf(k->hi))
		fprintf(f, "&le; %g", k->hi);
	fputs("</td><td>", f);
	hv_html_esc(f, x->env);
	fputs("</td><td class=\"num\">", f);
	if (x->verdict != HV_CLAIM_NO_DATA)
		fprintf(f, "%.3g [%.3g, %.3g]", x->value, x->lo, x->hi);
	fprintf(f, "</td><td class=\"%s\">%s%s%s</td><td>",
		verdict_class(x->verdict), hv_claim_verdict_name(x->verdict),
		x->contended ? " (contended)" : "",
		x->unstable ? " (unstable)" : "");
	if (x->cell) {
		hv_html_esc(f, x->cell->bench);
		fputc(' ', f);
		esc_params(f, &x->cell->params);
		fprintf(f, "; %zu cell%s", x->ncells,
			x->ncells == 1 ? "" : "s");
	}
	fputs("</td></tr>\n", f);
}

static void
scorecard(FILE *f, const struct hv_scorecard *sc, const struct hv_claims *c)
{
	size_t i;

	fputs("<h2 id=\"scorecard\">The 2008 scorecard</h2>\n", f);
	if (!sc || !c) {
		fputs("<p>Not computed: no claims file.</p>\n", f);
		return;
	}
	fputs("<p>Each finding of Walters et al. (AINA 2008), for each env "
	      "that stands in for its technology today: <b>holds</b> when "
	      "the 95 % CI of the measured ratio lies in the claim's range, "
	      "<b>does not hold</b> when it lies outside, "
	      "<b>inconclusive</b> otherwise (docs/METHOD.md section "
	      "10).</p>\n<table><tr><th>claim</th><th>2008 finding</th>"
	      "<th>2008 value</th><th>range</th><th>env</th>"
	      "<th>today [95 % CI]</th><th>verdict</th><th>decided by</th>"
	      "</tr>\n",
	      f);
	for (i = 0; i < sc->n; i++)
		score_row(f, &sc->v[i]);
	fputs("</table>\n", f);
}

static void
prov_row(FILE *f, const struct hv_study *s, const char *key)
{
	fputs("<tr><th>", f);
	hv_html_esc(f, key);
	fputs("</th><td><code>", f);
	esc_ctx(f, s, key);
	fputs("</code></td></tr>\n", f);
}

/* Why a cell is flagged, or NULL. */
static void
flags(char *buf, size_t len, const struct hv_cell *c)
{
	char over[80] = "";

	if (hv_cell_oversubscribed(c))
		snprintf(over, sizeof(over),
			 "oversubscribed: %d threads, the box has %d vCPU%s; ",
			 c->box_threads, c->box_vcpus,
			 c->box_vcpus == 1 ? "" : "s");
	else if (c->ranks_per_core > 1)
		snprintf(over, sizeof(over), "ranks share host cores; ");
	snprintf(buf, len, "%s%s%s%s%s",
		 c->status == HV_CELL_FAILED	? "failed; "
		 : c->status == HV_CELL_PENDING ? "pending; "
						: "",
		 hv_cell_contended(c) ? "contended; " : "",
		 c->unstable.flags ? "unstable; " : "", over,
		 c->prec == HV_PREC_MISSED ? "missed the precision target; "
					   : "");
}

static void
flagged(FILE *f, const struct hv_study *s)
{
	char why[240];
	size_t i, k = 0;

	fputs("<h3>Flagged cells</h3>\n", f);
	for (i = 0; i < s->ncells; i++) {
		const struct hv_cell *c = &s->cells[i];

		flags(why, sizeof(why), c);
		if (!why[0])
			continue;
		if (!k++)
			fputs("<table><tr><th>env</th><th>bench</th>"
			      "<th>params</th><th>metric</th><th>flags</th>"
			      "<th>detail</th></tr>\n",
			      f);
		fputs("<tr><td>", f);
		hv_html_esc(f, c->env);
		fputs("</td><td>", f);
		hv_html_esc(f, c->bench);
		fputs("</td><td>", f);
		esc_params(f, &c->params);
		fputs("</td><td>", f);
		hv_html_esc(f, c->metric);
		fputs("</td><td>", f);
		hv_html_esc(f, why);
		fputs("</td><td>", f);
		hv_html_esc(f, c->reason	   ? c->reason
			       : c->unstable.flags ? c->unstable.why
						   : c->prec_why);
		fputs("</td></tr>\n", f);
	}
	fputs(k ? "</table>\n"
		: "<p>None: no cell failed, ran under contention, was "
		  "unstable, oversubscribed or short of its precision "
		  "target.</p>\n",
	      f);
}

static void
provenance(FILE *f, const struct hv_study *s)
{
	static const char *const keys[] = {
		"hpcvirt",   "git_rev", "host",
		"kernel",    "arch",	"kernel_cmdline",
		"cpu_model", "ncpus",	"mem_total_bytes",
		"governor",  "smt",	"date",
		"seed",	     "reps",	"warmup",
		"spec",	     "link",	"precision",
		"adaptive",  "cmdline", "selected_envs",
		"binaries",  "envs",	"launcher",
		"host_info"};
	char diff[1024];
	size_t i;
	int n = hv_provenance_hosts_differ(hv_context_get(s, "host_info"), diff,
					   sizeof(diff));

	fputs("<h2 id=\"provenance\">Provenance</h2>\n", f);
	if (n > 1 && diff[0]) {
		fputs("<p><b>The hosts differ:</b> ", f);
		hv_html_esc(f, diff);
		fputs(". A ratio on one host is against native on that "
		      "host.</p>\n",
		      f);
	}
	fputs("<table>\n", f);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (hv_context_get(s, keys[i]) ||
		    (strcmp(keys[i], "launcher") &&
		     strcmp(keys[i], "host_info")))
			prov_row(f, s, keys[i]);
	fputs("</table>\n<details><summary>Run order (each block runs "
	      "every unit once, in a seeded random order)</summary>"
	      "<p><code>",
	      f);
	esc_ctx(f, s, "order");
	fputs("</code></p></details>\n", f);
	flagged(f, s);
}

static void
all_cells(FILE *f, const struct hv_study *s)
{
	size_t i;

	fputs("<h2 id=\"cells\">All cells</h2><details><summary>Every cell: "
	      "mean &plusmn; 95 % t-interval, ratio to native with its "
	      "bootstrap 95 % CI, verdict after Benjamini-Hochberg"
	      "</summary>\n<table><tr><th>env</th><th>bench</th>"
	      "<th>params</th><th>metric</th><th>n</th><th>mean</th>"
	      "<th>vs native</th><th>verdict</th></tr>\n",
	      f);
	for (i = 0; i < s->ncells; i++) {
		const struct hv_cell *c = &s->cells[i];

		fputs("<tr><td>", f);
		hv_html_esc(f, c->env);
		fputs("</td><td>", f);
		hv_html_esc(f, c->bench);
		fputs("</td><td>", f);
		esc_params(f, &c->params);
		fputs("</td><td>", f);
		hv_html_esc(f, c->metric);
		fprintf(f, "</td><td class=\"num\">%zu</td><td class=\"num\">",
			c->n);
		value_ci(f, c);
		fputs("</td><td class=\"num\">", f);
		if (c->has_ratio)
			fprintf(f, "%.3g [%.3g, %.3g]", c->ratio.ratio,
				c->ratio.lo, c->ratio.hi);
		else if (is_native(c) && c->has_summary)
			fputs("1", f);
		fprintf(f, "</td><td>%s</td></tr>\n",
			c->has_ratio ? hv_verdict_name(c->verdict_bh) : "");
	}
	fputs("</table></details>\n", f);
}

int
hv_render_html(FILE *f, const struct hv_study *s, const struct hv_figset *fs,
	       const struct hv_scorecard *sc, const struct hv_claims *c,
	       struct hv_err *err)
{
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
		   "charset=\"utf-8\">\n<meta name=\"viewport\" "
		   "content=\"width=device-width\">\n<title>hpcvirt report: ");
	esc_ctx(f, s, "host");
	fprintf(f,
		"</title>\n<style>%s</style></head><body>\n<h1>What does "
		"virtualization cost HPC here?</h1>\n<p>hpcvirt %s: this "
		"host's answer to Walters et al., <i>A Comparison of "
		"Virtualization Technologies for HPC</i> (AINA 2008). Every "
		"result is a ratio to native with a 95 %% confidence "
		"interval.</p>\n",
		hv_html_css, HV_VERSION);
	summary(f, s, sc);
	figures(f, fs, s);
	startup(f, s);
	scorecard(f, sc, c);
	provenance(f, s);
	all_cells(f, s);
	fputs("</body></html>\n", f);
	if (ferror(f))
		return hv_err_sys(err, errno ? errno : EIO,
				  "writing the HTML report");
	return 0;
}
