/*
 * report-table.c - the terminal renderer: one table per benchmark and
 * metric, a block of rows per parameter set (a size sweep reads top to
 * bottom, like the paper's figures), native first and then the other
 * environments in the order they first appear in the study:
 *
 *   net.rr half_rtt_p50_ns (lower is better), duration_s=1
 *                      env      median   n   cv%  vs native (95% CI)
 *     size_bytes=1     native  11.8 us  10  1.2%  1.00
 *                      ns      12.4 us  10  2.0%  1.05 [1.03, 1.07] slower
 *
 * Parameters that vary label the blocks; constant ones go to the title.
 * The value column is the median, scaled to a readable unit (ns to us, ms
 * or s; bytes/s to decimal KB/s, MB/s, GB/s). n and cv% (stddev / mean)
 * show how noisy the cell was. The ratio is mean(env) / mean(native) with
 * its bootstrap CI, as computed by hv_study_analyze(), and the raw verdict;
 * one that Benjamini-Hochberg drops reads "slower (p 0.046, not after
 * BH)". A cell the gross-artefact guard flags is marked "(unstable [k])"
 * or "(native unstable [k])", footnote k under the tables giving the
 * numbers.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hpcvirt/results/explain.h"
#include "hpcvirt/results/provenance.h"
#include "hpcvirt/results/report.h"
#include "hpcvirt/util/opt.h"

enum {
	FIELD_LEN = 64,
};

/* One printed line of a group. */
struct row {
	const struct hv_cell *c;
	char value[FIELD_LEN];
	char n[FIELD_LEN];
	char cv[FIELD_LEN];
	char hw[FIELD_LEN]; /* half-width reached, in an adaptive study */
	char ratio[FIELD_LEN * 2];
	char speedup[FIELD_LEN * 2];
};

struct scale {
	double div;
	const char *name;
};

static const struct scale ns_scale[] = {
	{1, "ns"}, {1e3, "us"}, {1e6, "ms"}, {1e9, "s"}, {0, NULL}};
static const struct scale s_scale[] = {
	{1e-6, "us"}, {1e-3, "ms"}, {1, "s"}, {0, NULL}};
static const struct scale bytes_scale[] = {
	{1, "B"}, {1e3, "kB"}, {1e6, "MB"}, {1e9, "GB"}, {0, NULL}};
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
	{"bytes", bytes_scale},
};

static bool
is_native(const struct hv_cell *c)
{
	return strcmp(c->env, "native") == 0;
}

/*
 * Text from the study (env and parameter names, a failure's reason, which
 * is the tail of a kernel's stderr) is the guest's: in place, replace
 * every control character, the UTF-8 C1 controls too, by '?', so that it
 * can neither drive the terminal (escape sequences) nor fake table rows
 * (newlines). One byte for one keeps the column widths.
 */
static char *
clean(char *s)
{
	unsigned char *p = (unsigned char *)s;

	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			p[0] = p[1] = '?';
	}
	return s;
}

/* Print s cleaned, left-aligned in width columns. */
static void
put_clean(FILE *f, const char *s, int width)
{
	char buf[256];
	size_t len = strlen(s), off, n;

	for (off = 0; off < len; off += n) {
		n = len - off < sizeof(buf) - 1 ? len - off : sizeof(buf) - 1;
		/* Do not cut a C1 control in two between chunks. */
		if (n > 1 && off + n < len &&
		    (unsigned char)s[off + n - 1] == 0xc2)
			n--;
		memcpy(buf, s + off, n);
		buf[n] = '\0';
		fputs(clean(buf), f);
	}
	for (; width > (int)len; width--)
		fputc(' ', f);
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
		clean(buf);
		return;
	}
	best = sc;
	for (; sc->name; sc++)
		if (fabs(v) / sc->div >= 0.9995)
			best = sc;
	fmt_sig3(buf, len, v / best->div, best->name);
}

void
hv_format_value(char *buf, size_t len, double v, const char *unit)
{
	fmt_value(buf, len, v, unit);
}

/*
 * The ratio with its CI and raw verdict; a verdict that does not survive
 * the study's Benjamini-Hochberg correction says so, with its p.
 */
static void
fmt_ratio(char *buf, size_t len, const struct hv_cell *c)
{
	const struct hv_ratio *r = &c->ratio;

	if (is_native(c) && c->has_summary)
		snprintf(buf, len, "1.00");
	else if (c->has_ratio && c->verdict_bh != r->verdict)
		snprintf(buf, len,
			 "%.2f [%.2f, %.2f] %s (p %.2g, not after BH)",
			 r->ratio, r->lo, r->hi, hv_verdict_name(r->verdict),
			 r->p);
	else if (c->has_ratio)
		snprintf(buf, len, "%.2f [%.2f, %.2f] %s", r->ratio, r->lo,
			 r->hi, hv_verdict_name(r->verdict));
	else
		snprintf(buf, len, "-");
}

/* The unstable cells in the order the table shows them: footnote k is
 * cell[k - 1]. */
struct footnotes {
	const struct hv_cell **cell;
	size_t n;
};

/*
 * Notes after the ratio: pending, contended, and the gross-artefact
 * guard with the number of its footnote ("unstable" for the cell's own
 * samples or ratio, "native unstable" when its native twin's samples
 * make the ratio suspect).
 */
static void
row_note(char *buf, size_t len, const struct hv_cell *c, struct footnotes *fn)
{
	unsigned own = c->unstable.flags & ~(unsigned)HV_UNSTABLE_NATIVE;
	bool nat = (c->unstable.flags & HV_UNSTABLE_NATIVE) != 0;
	size_t used = 0;

	buf[0] = '\0';
	if (c->status == HV_CELL_PENDING)
		used += (size_t)snprintf(buf + used, len - used, "%spending",
					 used ? ", " : " (");
	if (used < len && hv_cell_contended(c))
		used += (size_t)snprintf(buf + used, len - used, "%scontended",
					 used ? ", " : " (");
	if (used < len && hv_cell_oversubscribed(c))
		used += (size_t)snprintf(
			buf + used, len - used,
			"%soversubscribed: %d threads, the box has %d vCPU%s",
			used ? ", " : " (", c->box_threads, c->box_vcpus,
			c->box_vcpus == 1 ? "" : "s");
	if (used < len && c->prec == HV_PREC_MISSED)
		used += (size_t)snprintf(buf + used, len - used,
					 "%smissed the target: %s",
					 used ? ", " : " (", c->prec_why);
	if (used < len && c->unstable.flags) {
		fn->cell[fn->n++] = c;
		used += (size_t)snprintf(buf + used, len - used,
					 "%s%s%s%s [%zu]", used ? ", " : " (",
					 own ? "unstable" : "",
					 own && nat ? ", " : "",
					 nat ? "native unstable" : "", fn->n);
	}
	if (used && used < len)
		snprintf(buf + used, len - used, ")");
}

/* "; 1.85x [1.80, 1.92] vs ranks=1, 2 ranks/core (shared)" for a cell
 * with a speedup; the ranks per core when known. */
static void
fmt_speedup(char *buf, size_t len, const struct hv_cell *c)
{
	const struct hv_ratio *r = &c->speedup;

	buf[0] = '\0';
	if (c->has_speedup)
		snprintf(buf, len, "; speedup %.2fx [%.2f, %.2f] vs %s=1",
			 r->ratio, r->lo, r->hi, hv_cell_scale_key(c));
	if (c->has_speedup && c->ranks_per_core > 0) {
		size_t used = strlen(buf);

		snprintf(buf + used, len - used, ", %.3g ranks/core%s",
			 c->ranks_per_core,
			 c->ranks_per_core > 1 ? " (shared)" : "");
	}
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
	snprintf(r->hw, sizeof(r->hw), "-");
	if (c->prec != HV_PREC_NONE && !isnan(c->half_width))
		snprintf(r->hw, sizeof(r->hw), "%.1f%%", 100.0 * c->half_width);
	fmt_ratio(r->ratio, sizeof(r->ratio), c);
	fmt_speedup(r->speedup, sizeof(r->speedup), c);
}

static bool
same_params(const struct hv_cell *a, const struct hv_cell *b)
{
	size_t i;

	if (a->params.n != b->params.n)
		return false;
	for (i = 0; i < a->params.n; i++)
		if (strcmp(a->params.v[i].key, b->params.v[i].key) != 0 ||
		    strcmp(a->params.v[i].value, b->params.v[i].value) != 0)
			return false;
	return true;
}

/* A table holds one bench and metric; its rows are the parameter sets. */
static bool
same_group(const struct hv_cell *a, const struct hv_cell *b)
{
	return strcmp(a->bench, b->bench) == 0 &&
	       strcmp(a->metric, b->metric) == 0;
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

/* Index of the first cell of the group with c's parameters. */
static size_t
set_rank(const struct hv_study *s, const struct hv_cell *c)
{
	size_t i;

	for (i = 0; i < s->ncells; i++)
		if (same_group(&s->cells[i], c) && same_params(&s->cells[i], c))
			break;
	return i;
}

static bool
row_before(const struct hv_study *s, const struct row *a, const struct row *b)
{
	size_t sa = set_rank(s, a->c), sb = set_rank(s, b->c);

	if (sa != sb)
		return sa < sb;
	return env_rank(s, a->c) < env_rank(s, b->c);
}

/* Rows of the group led by cell g: by parameter set, native first. */
static size_t
group_rows(const struct hv_study *s, size_t g, struct row *rows)
{
	size_t i, j, n = 0;
	struct row tmp;

	for (i = g; i < s->ncells; i++) {
		if (!same_group(&s->cells[g], &s->cells[i]))
			continue;
		row_fill(&rows[n], &s->cells[i]);
		for (j = n++; j > 0 && row_before(s, &rows[j], &rows[j - 1]);
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

/*
 * Does parameter key (value in one row) take more than one value among
 * the rows? By name, not position: in a study the store did not write,
 * the cells of a table need not have the same parameters.
 */
static bool
param_varies(const struct row *rows, size_t n, const char *key,
	     const char *value)
{
	const char *v;
	size_t i;

	for (i = 0; i < n; i++) {
		v = hv_params_get(&rows[i].c->params, key);
		if (!v || strcmp(v, value) != 0)
			return true;
	}
	return false;
}

/*
 * The label of a row's parameter set: the parameters that vary within
 * the table ("size_bytes=64"); the constant ones go to the title.
 */
static void
set_label(const struct row *rows, size_t n, const struct hv_cell *c,
	  bool varying, char *buf, size_t len)
{
	size_t k, used = 0;

	buf[0] = '\0';
	for (k = 0; k < c->params.n && used < len; k++) {
		if (param_varies(rows, n, c->params.v[k].key,
				 c->params.v[k].value) != varying)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s=%s",
					 used ? " " : "", c->params.v[k].key,
					 c->params.v[k].value);
	}
	clean(buf);
}

static void
print_row(FILE *f, struct footnotes *fn, const struct row *r, const char *label,
	  int wl, int we, int wv, int wc, int wcv, int whw)
{
	const struct hv_cell *c = r->c;
	char note[FIELD_LEN * 2];

	fprintf(f, "  %-*s%s", wl, label, wl ? "  " : "");
	put_clean(f, c->env, we);
	fputs("  ", f);
	if (c->status == HV_CELL_FAILED) {
		fprintf(f, "FAILED%s", c->reason ? ": " : "");
		put_clean(f, c->reason ? c->reason : "", 0);
		fputc('\n', f);
		return;
	}
	row_note(note, sizeof(note), c, fn);
	fprintf(f, "%*s  %*s  %*s  ", wv, r->value, wc, r->n, wcv, r->cv);
	if (whw)
		fprintf(f, "%*s  ", whw, r->hw);
	fprintf(f, "%s%s%s\n", r->ratio, r->speedup, note);
}

static int
print_group(FILE *f, const struct hv_study *s, size_t g, struct row *rows,
	    struct footnotes *fn)
{
	size_t n = group_rows(s, g, rows), i;
	const struct hv_cell *c0 = &s->cells[g];
	char label[256], fixed[256];
	int wl = 0, we = 3, wv, wc, wcv, whw = 0;

	for (i = 0; i < n; i++) {
		set_label(rows, n, rows[i].c, true, label, sizeof(label));
		if ((int)strlen(label) > wl)
			wl = (int)strlen(label);
		if ((int)strlen(rows[i].c->env) > we)
			we = (int)strlen(rows[i].c->env);
	}
	set_label(rows, n, c0, false, fixed, sizeof(fixed));
	put_clean(f, c0->bench, 0);
	fputc(' ', f);
	put_clean(f, c0->metric, 0);
	fprintf(f, " (%s is better)%s%s\n",
		c0->higher_is_better ? "higher" : "lower", fixed[0] ? ", " : "",
		fixed);
	wv = (int)max_len(rows, n, offsetof(struct row, value), 6);
	wc = (int)max_len(rows, n, offsetof(struct row, n), 1);
	wcv = (int)max_len(rows, n, offsetof(struct row, cv), 3);
	fprintf(f, "  %-*s%s%-*s  %*s  %*s  %*s  ", wl, "", wl ? "  " : "", we,
		"env", wv, "median", wc, "n", wcv, "cv%");
	if (s->prec_target > 0) {
		whw = (int)max_len(rows, n, offsetof(struct row, hw), 4);
		fprintf(f, "%*s  ", whw, "+-CI");
	}
	fprintf(f, "vs native (95%% CI)\n");
	for (i = 0; i < n; i++) {
		label[0] = '\0';
		if (i == 0 || !same_params(rows[i - 1].c, rows[i].c))
			set_label(rows, n, rows[i].c, true, label,
				  sizeof(label));
		print_row(f, fn, &rows[i], label, wl, we, wv, wc, wcv, whw);
	}
	return 0;
}

/* Comparison of two (name, ns) start-up entries by time. */
struct start_entry {
	const char *env;
	double ns;
};

static int
cmp_start(const void *a, const void *b)
{
	double x = ((const struct start_entry *)a)->ns;
	double y = ((const struct start_entry *)b)->ns;

	return x < y ? -1 : x > y;
}

/*
 * The start-up of every env's box in this study (context "envs": start to
 * a connected agent), fastest first: a ranking at a glance. The env.start
 * bench measures it with repetitions and a CI.
 */
static void
print_startup(FILE *f, const struct hv_study *s)
{
	const char *txt = hv_context_get(s, "envs");
	cJSON *envs = txt ? cJSON_Parse(txt) : NULL, *e, *ns;
	struct start_entry v[64];
	char val[64];
	size_t n = 0, i;

	cJSON_ArrayForEach(e, envs)
	{
		ns = cJSON_GetObjectItemCaseSensitive(e, "start_ns");
		if (cJSON_IsNumber(ns) && e->string && n < 64)
			v[n++] = (struct start_entry){e->string,
						      ns->valuedouble};
	}
	if (n) {
		qsort(v, n, sizeof(v[0]), cmp_start);
		fprintf(f, "start-up (box start to agent ready):");
		for (i = 0; i < n; i++) {
			fmt_value(val, sizeof(val), v[i].ns, "ns");
			fprintf(f, "%s ", i ? "," : "");
			put_clean(f, v[i].env, 0);
			fprintf(f, " %s", val);
		}
		fputc('\n', f);
	}
	cJSON_Delete(envs);
}

/* Does a repetition of c do a fixed amount of work (an NPB run, a file
 * written and read), so that its CPU compares across envs as it is?
 * net benches run for a fixed time instead. */
static bool
fixed_work(const struct hv_cell *c)
{
	return strncmp(c->bench, "npb.", 4) == 0 || !strcmp(c->bench, "fs") ||
	       !strcmp(c->bench, "mem");
}

/*
 * The layer's own CPU, per env: over the cells of fixed work that
 * recorded host CPU, the host CPU of the box's processes per repetition
 * against native's for the same cell (geometric mean), and the share of
 * it that the kernel's own CPU, as the box reports it, leaves out.
 */
static void
print_layer_cpu(FILE *f, const struct hv_study *s)
{
	const char *done[64];
	size_t nd = 0, i, j, k, n;
	bool head = false;

	for (i = 0; i < s->ncells && nd < 64; i++) {
		const char *env = s->cells[i].env;
		double logsum = 0, host = 0, kern = 0;
		size_t nr = 0;

		for (k = 0; k < nd && strcmp(done[k], env); k++)
			;
		if (k < nd)
			continue;
		done[nd++] = env;
		for (j = i, n = 0; j < s->ncells; j++) {
			const struct hv_cell *c = &s->cells[j];
			const struct hv_cell *b = hv_study_native_of(s, c);

			if (strcmp(c->env, env) || !c->ncpu || !fixed_work(c))
				continue;
			n++;
			host += c->host_cpu_s / (double)c->ncpu;
			kern += c->kernel_cpu_s / (double)c->ncpu;
			if (b && b != c && b->ncpu && b->host_cpu_s > 0 &&
			    c->host_cpu_s > 0) {
				logsum +=
					log((c->host_cpu_s / (double)c->ncpu) /
					    (b->host_cpu_s / (double)b->ncpu));
				nr++;
			}
		}
		if (!n || host <= 0)
			continue;
		if (!head)
			fprintf(f, "layer CPU (host CPU of the box's processes "
				   "per repetition of NPB, fs, mem; outside: "
				   "the share the\n  kernel's own CPU, as its "
				   "box reports it, leaves out):\n");
		head = true;
		fputs("  ", f);
		put_clean(f, env, 0);
		if (nr)
			fprintf(f, ": %.2fx native's (geometric mean),",
				exp(logsum / (double)nr));
		else
			fputc(':', f);
		fprintf(f, " outside %.1f%% (%zu cells)\n",
			100.0 * fmax(host - kern, 0) / host, n);
	}
}

/* A share as "42%", or "-" when not known. */
static void
fmt_share(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.0f%%", 100 * v);
}

/*
 * The explanation table (results/explain.h): per env and family, the
 * overhead and the shares the sys figures and the layer's CPU account
 * for.
 */
static int
print_explain(FILE *f, const struct hv_study *s)
{
	struct hv_explain ex;
	char sys[16], cpu[16], un[16];
	size_t i;

	if (hv_explain_study(s, &ex) < 0)
		return -ENOMEM;
	if (ex.n)
		fprintf(f,
			"explanation (docs/METHOD.md section 12): the "
			"overhead against native and the share of it\n"
			"  the sys figures and the layer's host CPU account "
			"for:\n  %-12s %-10s %9s %6s %10s %12s\n",
			"env", "bench", "overhead", "sys", "layer CPU",
			"unexplained");
	for (i = 0; i < ex.n; i++) {
		const struct hv_explain_row *r = &ex.rows[i];

		fmt_share(sys, sizeof(sys), r->by_sys);
		fmt_share(cpu, sizeof(cpu), r->by_cpu);
		fmt_share(un, sizeof(un), r->unexplained);
		fputs("  ", f);
		put_clean(f, r->env, 12);
		fprintf(f, " %-10s %8.2fx %6s %10s %12s%s\n",
			hv_explain_family_name(r->family), r->overhead, sys,
			cpu,
			r->overhead - 1 < 0.02	? "none to explain"
			: isnan(r->unexplained) ? "not measured"
						: un,
			!isnan(r->unexplained) && r->unexplained > 0.5
				? ": unexplained"
				: "");
	}
	hv_explain_release(&ex);
	return 0;
}

/*
 * Service demand of the net benches, which run for a fixed time: the
 * host CPU of each box per transaction (net.rr) and per GB moved
 * (net.stream), against native's.
 */
static void
print_net_demand(FILE *f, const struct hv_study *s)
{
	static const struct {
		const char *bench, *what;
		double scale;
	} b[] = {{"net.rr", "us per transaction", 1e6},
		 {"net.stream", "s per GB", 1e9}};
	const char *done[64];
	size_t nd, i, k, j;
	bool head = false;
	double v, n;

	for (j = 0; j < 2; j++) {
		n = hv_study_cpu_per_work(s, "native", b[j].bench);
		for (i = 0, nd = 0; i < s->ncells && nd < 64; i++) {
			const char *env = s->cells[i].env;

			for (k = 0; k < nd && strcmp(done[k], env); k++)
				;
			if (k < nd)
				continue;
			done[nd++] = env;
			v = hv_study_cpu_per_work(s, env, b[j].bench);
			if (isnan(v))
				continue;
			if (!head)
				fprintf(f,
					"host CPU of the box's processes per "
					"unit of work of the net benches "
					"(they run for a fixed time):\n");
			head = true;
			fprintf(f, "  %s, ", b[j].bench);
			put_clean(f, env, 0);
			fprintf(f, ": %.4g %s", v * b[j].scale, b[j].what);
			if (!isnan(n) && n > 0 && strcmp(env, "native"))
				fprintf(f, " (%.2fx native's)", v / n);
			fputc('\n', f);
		}
	}
}

/* An adaptive study's target, and how many cells met it. */
static void
print_precision(FILE *f, const struct hv_study *s)
{
	if (s->prec_target <= 0)
		return;
	fprintf(f,
		"precision: target +-%.3g%% (+-CI: half-width of the 95%% CI "
		"of the ratio, or of\n  native's mean), met by %zu of %zu "
		"cells; the repetitions stopped: %s\n",
		100 * s->prec_target, s->prec_nmet, s->prec_ntarget,
		!strcmp(s->prec_stop, "met")	    ? "every cell met it"
		: !strcmp(s->prec_stop, "budget")   ? "the budget ran out"
		: !strcmp(s->prec_stop, "max_reps") ? "--max-reps"
						    : "interrupted");
}

/* The string member key of a JSON object, or NULL. */
static const char *
str_of(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* Is o an entry of the reduced list with this reason? */
static bool
of_reason(const cJSON *o, const char *why)
{
	const char *w = str_of(o, "why");

	return w && str_of(o, "env") && strcmp(w, why) == 0;
}

/* Is there an entry before stop with this reason (and env, if not NULL)? */
static bool
seen_before(const cJSON *list, const cJSON *stop, const char *why,
	    const char *env)
{
	const cJSON *p;

	for (p = list->child; p != stop; p = p->next)
		if (of_reason(p, why) &&
		    (!env || strcmp(str_of(p, "env"), env) == 0))
			return true;
	return false;
}

/* A study across hosts: which, and what differs between them. */
static void
print_hosts(FILE *f, const struct hv_study *s)
{
	char diff[1024], lab[256];
	int n = hv_provenance_hosts_differ(hv_context_get(s, "host_info"), diff,
					   sizeof(diff));

	if (n < 2)
		return;
	if (hv_provenance_overlay_envs(hv_context_get(s, "envs"), lab,
				       sizeof(lab)))
		fprintf(f,
			"between hosts: native over the hosts' network, the "
			"boxes of %s over a lab across hosts (VXLAN); their "
			"ratios across hosts include it (docs/slurm.md)\n",
			lab);
	if (!diff[0]) {
		fprintf(f,
			"hosts: %d, alike in kernel, CPU, memory, versions "
			"and binaries\n",
			n);
		return;
	}
	fputs("hosts differ: ", f);
	put_clean(f, diff, 0);
	fputs(" (a ratio on one host is against native on that host)\n", f);
}

/*
 * The parameter sets envs left out of a reduced study, and why: one line
 * per reason, with the envs it holds for and the set when it is one.
 */
static void
print_reduced(FILE *f, const struct hv_study *s)
{
	const char *txt = hv_context_get(s, "reduced");
	cJSON *list = txt ? cJSON_Parse(txt) : NULL;
	const cJSON *e, *o;
	const char *why;
	int sets;

	cJSON_ArrayForEach(e, list)
	{
		why = str_of(e, "why");
		if (!why || !str_of(e, "env") || !str_of(e, "bench") ||
		    !str_of(e, "params") || seen_before(list, e, why, NULL))
			continue; /* printed with the first of its reason */
		fputs("reduced: ", f);
		sets = 0;
		for (o = e; o; o = o->next) {
			if (!of_reason(o, why))
				continue;
			if (!seen_before(list, o, why, str_of(o, "env"))) {
				fputs(o == e ? "" : ", ", f);
				put_clean(f, str_of(o, "env"), 0);
			}
			sets++;
		}
		fputs(" left out ", f);
		if (sets == 1) {
			put_clean(f, str_of(e, "bench"), 0);
			fputc(' ', f);
			put_clean(f, str_of(e, "params"), 0);
		} else {
			fprintf(f, "%d parameter sets", sets);
		}
		fputs(": ", f);
		put_clean(f, why, 0);
		/* What a study across hosts cannot run, --full does not
		 * run either. */
		fputs(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
			      e, "across_hosts"))
			      ? "\n"
			      : " (--full runs them)\n",
		      f);
	}
	cJSON_Delete(list);
}

/* A number member of a JSON object, 0 if it is missing. */
static double
num_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) && v->valuedouble > 0 ? v->valuedouble : 0;
}

/* "1 Gbit/s, 25 us one-way delay" from {"rate_bps", "delay_us"}. */
static void
put_link(FILE *f, const cJSON *o)
{
	double rate = num_of(o, "rate_bps"), delay = num_of(o, "delay_us");
	char buf[32];

	if (rate > 0 && rate < 1e15) {
		hv_opt_rate_str((uint64_t)rate, buf, sizeof(buf));
		fprintf(f, "%s", buf);
	} else {
		fputs("no rate limit", f);
	}
	if (delay > 0)
		fprintf(f, ", %.0f us one-way delay", delay);
	else
		fputs(", no delay", f);
}

/*
 * The link emulation of the study (context "link"): what was asked and,
 * if the lab could not do all of it, what every box port got instead and
 * why, so that the report never claims a delay that was not there.
 */
static void
print_link(FILE *f, const struct hv_study *s)
{
	const char *txt = hv_context_get(s, "link");
	cJSON *link = txt ? cJSON_Parse(txt) : NULL;
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(link, "requested");
	const cJSON *app = cJSON_GetObjectItemCaseSensitive(link, "applied");
	const char *preset = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(req, "preset"));
	const char *qdisc = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(app, "qdisc"));
	const char *note = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(link, "note"));

	bool differ;

	if (!cJSON_IsObject(req) || !cJSON_IsObject(app) || !qdisc ||
	    (num_of(req, "rate_bps") == 0 && num_of(req, "delay_us") == 0))
		goto out;
	differ = num_of(req, "rate_bps") != num_of(app, "rate_bps") ||
		 num_of(req, "delay_us") != num_of(app, "delay_us");
	fputs(differ ? "link: requested " : "link: ", f);
	if (preset) {
		put_clean(f, preset, 0);
		fputs(": ", f);
	}
	put_link(f, req);
	if (differ) {
		fputs("; applied: ", f);
		put_link(f, app);
	}
	fputs(" (", f);
	put_clean(f, qdisc, 0);
	fputs(" on every box port)\n", f);
	if (note) {
		fputs("  ", f);
		put_clean(f, note, 0);
		fputc('\n', f);
	}
out:
	cJSON_Delete(link);
}

/* Boxes whose teardown left something on the host (context "teardown"). */
static void
print_teardown(FILE *f, const struct hv_study *s)
{
	const char *txt = hv_context_get(s, "teardown");
	cJSON *list = txt ? cJSON_Parse(txt) : NULL, *e;

	cJSON_ArrayForEach(e, list)
	{
		const char *env = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(e, "env"));
		const char *why = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(e, "why"));

		if (!env || !why)
			continue;
		fputs("teardown: ", f);
		put_clean(f, env, 0);
		fputs(" left something behind: ", f);
		put_clean(f, why, 0);
		fputs(" (hpcvirt clean retries)\n", f);
	}
	cJSON_Delete(list);
}

/*
 * How many raw verdicts Benjamini-Hochberg kept, over how many ratios;
 * nothing in a study without a ratio.
 */
static void
print_bh(FILE *f, const struct hv_study *s)
{
	size_t i, m = 0, flagged = 0, kept = 0;
	const struct hv_cell *c;

	for (i = 0; i < s->ncells; i++) {
		c = &s->cells[i];
		if (!c->has_ratio)
			continue;
		m++;
		if (c->ratio.verdict != HV_VERDICT_SLOWER &&
		    c->ratio.verdict != HV_VERDICT_FASTER)
			continue;
		flagged++;
		kept += c->verdict_bh == c->ratio.verdict;
	}
	if (!m)
		return;
	fprintf(f,
		"BH: Benjamini-Hochberg at FDR %.0f%% over the study's %zu "
		"ratio%s keeps %zu of %zu\n  slower/faster verdicts%s\n",
		100.0 * HV_BH_FDR, m, m == 1 ? "" : "s", kept, flagged,
		kept < flagged ? "; \"not after BH\" marks the others" : "");
}

/* The footnotes of the unstable cells: which cell, and the numbers. */
static int
print_unstable(FILE *f, const struct footnotes *fn)
{
	const struct hv_cell *c;
	char *params;
	size_t k, plen;

	if (!fn->n)
		return 0;
	fprintf(f,
		"unstable: samples spread too much (cv > %.0f%% or max/median "
		"> %.0f), or a ratio\n  no overhead explains (over %.0fx "
		"worse or %.0fx better than native); native\n  unstable: the "
		"native cell the ratio divides by is unstable. Measure these\n"
		"  again before reading them:\n",
		100.0 * HV_UNSTABLE_CV_MAX, HV_UNSTABLE_SPIKE_MAX,
		HV_IMPLAUSIBLE_WORSE, HV_IMPLAUSIBLE_BETTER);
	for (k = 0; k < fn->n; k++) {
		c = fn->cell[k];
		plen = hv_params_format(&c->params, NULL, 0);
		params = malloc(plen + 1);
		if (!params)
			return -ENOMEM;
		hv_params_format(&c->params, params, plen + 1);
		fprintf(f, "  [%zu] ", k + 1);
		put_clean(f, c->env, 0);
		fputc(' ', f);
		put_clean(f, c->bench, 0);
		fputc(' ', f);
		put_clean(f, c->metric, 0);
		fputs(plen ? " " : "", f);
		put_clean(f, params, 0);
		fputs(": ", f);
		put_clean(f, c->unstable.why, 0);
		fputc('\n', f);
		free(params);
	}
	return 0;
}

int
hv_render_table(FILE *f, const struct hv_study *s, struct hv_err *err)
{
	struct footnotes fn = {0};
	struct row *rows = NULL;
	size_t g, j;
	int rc = 0;

	rows = calloc(s->ncells ? s->ncells : 1, sizeof(*rows));
	fn.cell = calloc(s->ncells ? s->ncells : 1, sizeof(*fn.cell));
	if (!rows || !fn.cell) {
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
		rc = print_group(f, s, g, rows, &fn);
		if (rc < 0) {
			rc = hv_err_set(err, ENOMEM,
					"rendering table: out of memory");
			goto out;
		}
	}
	fprintf(f,
		"\nratio: mean(env) / mean(native); 95%% CI: bootstrap (%s),\n"
		"  seed %llu\nunits: decimal SI (1 MB/s = 10^6 bytes/s); "
		"cv: stddev / mean\n",
		hv_boot_method_name(HV_BOOT_DEFAULT),
		(unsigned long long)s->seed);
	for (g = 0; g < s->ncells && !s->cells[g].has_speedup; g++)
		;
	if (g < s->ncells)
		fprintf(f, "speedup: the same env's cell at 1 rank (thread) "
			   "against this one, above 1 when faster;\n  95%% CI: "
			   "the same bootstrap\n");
	print_precision(f, s);
	print_startup(f, s);
	print_layer_cpu(f, s);
	print_net_demand(f, s);
	if (print_explain(f, s) < 0) {
		rc = hv_err_set(err, ENOMEM, "rendering table: out of memory");
		goto out;
	}
	print_link(f, s);
	print_reduced(f, s);
	print_hosts(f, s);
	print_teardown(f, s);
	for (g = 0; g < s->ncells && !hv_cell_contended(&s->cells[g]); g++)
		;
	if (g < s->ncells)
		fprintf(f,
			"contended: other tasks kept a CPU waiting >= %.0f%% "
			"of "
			"a repetition; measure again on a quiet host\n",
			HV_CONTENDED_PSI);
	print_bh(f, s);
	if (print_unstable(f, &fn) < 0) {
		rc = hv_err_set(err, ENOMEM, "rendering table: out of memory");
		goto out;
	}
	if (ferror(f))
		rc = hv_err_sys(err, errno ? errno : EIO, "writing table");
out:
	free(fn.cell);
	free(rows);
	return rc;
}
