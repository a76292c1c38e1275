/*
 * test-report.c - golden tests of the JSON, CSV and table renderers.
 *
 * A fixed study (fixed samples, seed and context, no dates) with native
 * and two environments over two benchmarks, one failed cell and one cell
 * with a single sample, is rendered to memory and compared byte for byte
 * with tests/golden/study.{json,csv,txt} under $HV_SRCDIR (default ".").
 * HV_UPDATE_GOLDEN=1 rewrites the goldens instead; review them by eye
 * before committing. Independently of the goldens, the test parses the
 * JSON and recomputes every ratio from the samples it carries, so a
 * golden cannot silently bless a wrong number.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hpcvirt/results/explain.h"
#include "hpcvirt/results/report.h"
#include "tap.h"

static const double rr_native[] = {11800, 11750, 11900, 11820, 11780, 11850};
static const double rr_ns[] = {12400, 12350, 12500, 12420, 12380, 12460};
static const double rr_uml[] = {251000};
static const double st_native[] = {2.10e9, 2.05e9, 2.12e9, 2.08e9, 2.11e9};
static const double st_ns[] = {2.00e9, 2.02e9, 1.98e9, 2.01e9, 1.99e9};
static const double cg_native1[] = {1.52, 1.50, 1.55, 1.51};
static const double cg_native2[] = {0.81, 0.80, 0.83, 0.82};
static const double cg_ns1[] = {1.54, 1.53, 1.57, 1.52};
static const double cg_ns2[] = {0.90, 0.88, 0.93, 0.89};
/* A raw "slower" that Benjamini-Hochberg drops over the study's ratios. */
static const double rr_crun[] = {11913, 11813, 12013, 11863, 11843, 11963};
/* One stalled repetition: cv and max/median far past the guard's limits. */
static const double rr_tcg[] = {240000, 251000, 9.0e6, 245000};
/* An unstable native (cv > 30 %) and a box 20x "faster" than it. */
static const double sync_native[] = {2.1e6, 1.2e6, 3.9e6, 2.0e6};
static const double sync_ns[] = {1.1e5, 1.0e5, 1.2e5, 1.05e5};

/* fs.sync time per fsync at 4 KiB: lower is better. */
static void
add_sync(struct hv_study *s, const char *env, const double *x, size_t n)
{
	struct hv_params p;
	struct hv_cell *c;
	size_t i;

	hv_params_init(&p);
	hv_params_set(&p, "block_bytes", "4096");
	hv_study_add_cell(s, env, "fs.sync", &p, "sync_ns", "ns", false, &c);
	for (i = 0; i < n; i++)
		hv_cell_add_sample(c, x[i]);
	c->status = HV_CELL_OK;
	hv_params_release(&p);
}

/* npb.cg time at a rank count: a scaling pair per env. */
static void
add_cg(struct hv_study *s, const char *env, const char *ranks, const double *x,
       size_t n)
{
	struct hv_params p;
	struct hv_cell *c;
	size_t i;

	hv_params_init(&p);
	hv_params_set(&p, "class", "W");
	hv_params_set(&p, "variant", "mpi");
	hv_params_set(&p, "ranks", ranks);
	hv_study_add_cell(s, env, "npb.cg", &p, "time_s", "s", false, &c);
	for (i = 0; i < n; i++)
		hv_cell_add_sample(c, x[i]);
	c->status = HV_CELL_OK;
	hv_params_release(&p);
}

static void
add(struct hv_study *s, const char *env, int bench, const double *x, size_t n)
{
	struct hv_params p;
	struct hv_cell *c;
	size_t i;

	hv_params_init(&p);
	if (bench == 0) {
		hv_params_set(&p, "size_bytes", "1");
		hv_study_add_cell(s, env, "net.rr", &p, "half_rtt_p50_ns", "ns",
				  false, &c);
	} else {
		hv_params_set(&p, "size_bytes", "65536");
		hv_params_set(&p, "proto", "tcp");
		hv_study_add_cell(s, env, "net.stream", &p, "bw_bytes_per_sec",
				  "bytes/s", true, &c);
	}
	for (i = 0; i < n; i++)
		hv_cell_add_sample(c, x[i]);
	c->status = HV_CELL_OK;
	if (!x) {
		c->status = HV_CELL_FAILED;
		hv_cell_set_reason(c, "agent did not start: \"timeout\", 30 s");
	}
	hv_params_release(&p);
}

/* ns comes first on purpose: the table must still list native first. */
static void
build(struct hv_study *s)
{
	hv_study_init(s);
	s->seed = 42;
	hv_context_set_json(s, "seed", "42");
	hv_context_set_str(s, "host", "testhost");
	hv_context_set_json(s, "ncpus", "2");
	hv_context_set_json(s, "envs",
			    "{\"ns\":{\"start_ns\":25000000},"
			    "\"native\":{\"start_ns\":13000000},"
			    "\"uml\":{\"error\":\"timeout\"}}");
	add(s, "ns", 0, rr_ns, 6);
	add(s, "native", 0, rr_native, 6);
	add(s, "uml", 0, rr_uml, 1);
	add(s, "native", 1, st_native, 5);
	add(s, "ns", 1, st_ns, 5);
	add(s, "uml", 1, NULL, 0);
	add_cg(s, "native", "1", cg_native1, 4);
	add_cg(s, "native", "2", cg_native2, 4);
	add_cg(s, "ns", "1", cg_ns1, 4);
	add_cg(s, "ns", "2", cg_ns2, 4);
	add(s, "crun", 0, rr_crun, 6);
	add(s, "tcg", 0, rr_tcg, 4);
	add_sync(s, "native", sync_native, 4);
	add_sync(s, "ns", sync_ns, 4);
	/* ns's stream cell ran while the host was busy. */
	s->cells[4].cpu_psi_max = 35.5;
	s->cells[4].load1_max = 3.2;
}

static char *
render(int (*fn)(FILE *, const struct hv_study *, struct hv_err *),
       const struct hv_study *s, size_t *len)
{
	char *buf = NULL;
	struct hv_err err;
	FILE *f = open_memstream(&buf, len);
	int rc;

	if (!f)
		return NULL;
	hv_err_init(&err);
	rc = fn(f, s, &err);
	fclose(f);
	if (rc < 0) {
		diag("render failed: %s", err.msg);
		free(buf);
		return NULL;
	}
	return buf;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
		*len = fread(buf, 1, (size_t)n, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

/* Compare with the golden file, or rewrite it under HV_UPDATE_GOLDEN=1. */
static void
golden(const char *name, const char *got, size_t len)
{
	const char *dir = getenv("HV_SRCDIR");
	const char *upd = getenv("HV_UPDATE_GOLDEN");
	char path[512], *want;
	size_t wlen = 0, i, line = 1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/golden/%s",
		 dir && *dir ? dir : ".", name);
	if (upd && strcmp(upd, "1") == 0) {
		f = fopen(path, "wb");
		if (!f) {
			ok(0, "golden %s opened for writing", path);
			return;
		}
		wlen = fwrite(got, 1, len, f);
		ok(fclose(f) == 0 && wlen == len, "golden %s rewritten", path);
		return;
	}
	want = slurp(path, &wlen);
	if (!ok(want != NULL, "golden %s readable", path))
		return;
	for (i = 0; i < len && i < wlen && got[i] == want[i]; i++)
		line += got[i] == '\n';
	if (!ok(len == wlen && i == len, "%s matches its golden", name))
		diag("  first difference at byte %zu, line %zu", i, line);
	free(want);
}

static double
json_mean(const cJSON *cell)
{
	const cJSON *x;
	double sum = 0;
	int n = 0;

	cJSON_ArrayForEach(x, cJSON_GetObjectItem(cell, "samples"))
	{
		sum += x->valuedouble;
		n++;
	}
	return n ? sum / n : NAN;
}

static const cJSON *
json_native_of(const cJSON *cells, const cJSON *c)
{
	const cJSON *t;
	char *pc = cJSON_PrintUnformatted(cJSON_GetObjectItem(c, "params"));
	char *pt;
	const cJSON *hit = NULL;

	cJSON_ArrayForEach(t, cells)
	{
		pt = cJSON_PrintUnformatted(cJSON_GetObjectItem(t, "params"));
		if (!hit &&
		    !strcmp(cJSON_GetObjectItem(t, "env")->valuestring,
			    "native") &&
		    !strcmp(cJSON_GetObjectItem(t, "bench")->valuestring,
			    cJSON_GetObjectItem(c, "bench")->valuestring) &&
		    !strcmp(pc, pt))
			hit = t;
		cJSON_free(pt);
	}
	cJSON_free(pc);
	return hit;
}

/* One env cell with a ratio: recompute it, check its CI and verdict. */
static void
check_ratio(const cJSON *cells, const cJSON *c, const char *tag)
{
	const cJSON *nat = json_native_of(cells, c);
	const cJSON *ci = cJSON_GetObjectItem(c, "ratio_ci95");
	double r = cJSON_GetObjectItem(c, "ratio_to_native")->valuedouble;
	double lo = cJSON_GetArrayItem(ci, 0)->valuedouble;
	double hi = cJSON_GetArrayItem(ci, 1)->valuedouble;
	double want = json_mean(c) / json_mean(nat);
	double cv_e, cv_n, se;
	const char *v = cJSON_GetObjectItem(c, "verdict")->valuestring;
	bool hib = cJSON_IsTrue(cJSON_GetObjectItem(c, "higher_is_better"));

	is_near(r, want, want * 1e-14, "%s: ratio = mean(env)/mean(native)",
		tag);
	ok(lo <= r && r <= hi, "%s: CI [%g, %g] contains %g", tag, lo, hi, r);
	/* The delta-method standard error of log(ratio) bounds what a
	 * sane 95% interval looks like: wider than 1 se, within 6 se. */
	cv_e = cJSON_GetObjectItem(c, "stddev")->valuedouble / json_mean(c);
	cv_n = cJSON_GetObjectItem(nat, "stddev")->valuedouble / json_mean(nat);
	se = sqrt(cv_e * cv_e / cJSON_GetObjectItem(c, "n")->valuedouble +
		  cv_n * cv_n / cJSON_GetObjectItem(nat, "n")->valuedouble);
	ok(log(hi / lo) > se && log(r / lo) < 6 * se && log(hi / r) < 6 * se,
	   "%s: CI width plausible (log width %g, se %g)", tag, log(hi / lo),
	   se);
	if (lo > 1 || hi < 1)
		is_str(v, (lo > 1) != hib ? "slower" : "faster",
		       "%s: verdict follows the CI", tag);
	else
		is_str(v, "indistinguishable", "%s: verdict follows the CI",
		       tag);
}

static double
json_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *
json_str(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(o, key));
}

/*
 * Benjamini-Hochberg again, from its definition and the JSON alone: the
 * p of every cell with a ratio, p_bh = min over the p' >= p of
 * m p' / rank(p'), and verdict_bh is the raw verdict when p_bh <= 5 %.
 */
static void
check_bh(const cJSON *cells)
{
	double p[64], want;
	const cJSON *c;
	size_t m = 0, i, j, rank;
	bool good = true;

	cJSON_ArrayForEach(c, cells)
	{
		if (cJSON_IsNumber(cJSON_GetObjectItem(c, "p_value")) && m < 64)
			p[m++] = json_num(c, "p_value");
	}
	is_int(m, 7, "BH: seven cells with a ratio and a p");
	i = 0;
	cJSON_ArrayForEach(c, cells)
	{
		if (!cJSON_IsNumber(cJSON_GetObjectItem(c, "p_value")))
			continue;
		want = 1.0;
		for (j = 0; j < m; j++) {
			size_t k;

			if (p[j] < p[i])
				continue;
			for (rank = 0, k = 0; k < m; k++)
				rank += p[k] <= p[j];
			if (p[j] * (double)m / (double)rank < want)
				want = p[j] * (double)m / (double)rank;
		}
		good &= fabs(json_num(c, "p_bh") - want) <= 1e-15 * want;
		good &= strcmp(json_str(c, "verdict_bh"),
			       want <= 0.05 ? json_str(c, "verdict")
					    : "indistinguishable") == 0;
		i++;
	}
	ok(good, "BH: every p_bh and verdict_bh recomputed from the p-values");
}

/* The marginal crun cell loses its verdict, the strong ns one keeps it. */
static void
check_bh_cells(const cJSON *cells)
{
	const cJSON *c = cJSON_GetArrayItem(cells, 10);
	double p = json_num(c, "p_value");

	is_str(json_str(c, "env"), "crun", "BH: cell 10 is crun");
	ok(p > 0.05 * 6 / 7 && p < 0.05 && json_num(c, "p_bh") > 0.05,
	   "BH: crun p %g < 5 %% but adjusted %g > 5 %%", p,
	   json_num(c, "p_bh"));
	ok(!strcmp(json_str(c, "verdict"), "slower") &&
		   !strcmp(json_str(c, "verdict_bh"), "indistinguishable"),
	   "BH: crun slower raw, indistinguishable after BH");
	c = cJSON_GetArrayItem(cells, 0);
	ok(json_num(c, "p_value") < 1e-6 &&
		   !strcmp(json_str(c, "verdict_bh"), "slower"),
	   "BH: ns net.rr keeps slower");
	c = cJSON_GetArrayItem(cells, 1);
	ok(cJSON_IsNull(cJSON_GetObjectItem(c, "p_value")) &&
		   cJSON_IsNull(cJSON_GetObjectItem(c, "p_bh")) &&
		   cJSON_IsNull(cJSON_GetObjectItem(c, "verdict_bh")),
	   "BH: native has no p, no corrected verdict");
}

/* The guard in JSON: null when readable, the numbers when flagged. */
static void
check_unstable(const cJSON *cells)
{
	const cJSON *u;

	ok(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(cells, 0),
					    "unstable")) &&
		   cJSON_IsNull(cJSON_GetObjectItem(
			   cJSON_GetArrayItem(cells, 1), "unstable")),
	   "unstable: null for quiet cells");
	u = cJSON_GetObjectItem(cJSON_GetArrayItem(cells, 11), "unstable");
	ok(json_num(u, "cv") > 0.3 && json_num(u, "max_over_median") > 10 &&
		   json_num(u, "ratio") > 100 &&
		   strstr(json_str(u, "why"), "max/median 36.3 > 10") &&
		   cJSON_IsFalse(cJSON_GetObjectItem(u, "native_unstable")),
	   "unstable: tcg's stall, cv and max/median with the numbers");
	u = cJSON_GetObjectItem(cJSON_GetArrayItem(cells, 12), "unstable");
	ok(json_num(u, "cv") > 0.3 && json_num(u, "max_over_median") < 10 &&
		   cJSON_IsNull(cJSON_GetObjectItem(u, "ratio")) &&
		   !strcmp(json_str(u, "why"), "cv 49.6% > 30%"),
	   "unstable: a native cell by its cv, no ratio");
	u = cJSON_GetObjectItem(cJSON_GetArrayItem(cells, 13), "unstable");
	ok(json_num(u, "ratio") < 0.1 && json_num(u, "cv") < 0.3 &&
		   cJSON_IsTrue(cJSON_GetObjectItem(u, "native_unstable")) &&
		   strstr(json_str(u, "why"), "better than native") &&
		   strstr(json_str(u, "why"), "native: cv 49.6%"),
	   "unstable: 20x better than native, and its native unstable");
}

/* A 2-rank cell: speedup = mean(1 rank) / mean(2 ranks) for a time. */
static void
check_speedup(const cJSON *cells, const cJSON *c, int base, const char *tag)
{
	const cJSON *b = cJSON_GetArrayItem(cells, base);
	const cJSON *ci = cJSON_GetObjectItem(c, "speedup_ci95");
	double sp = cJSON_GetObjectItem(c, "speedup")->valuedouble;
	double want = json_mean(b) / json_mean(c);

	is_near(sp, want, want * 1e-14, "%s: speedup = mean(1 rank)/mean", tag);
	ok(cJSON_GetArrayItem(ci, 0)->valuedouble <= sp &&
		   sp <= cJSON_GetArrayItem(ci, 1)->valuedouble &&
		   cJSON_GetArrayItem(ci, 0)->valuedouble > 1.0,
	   "%s: its CI contains it and is above 1", tag);
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(c, "speedup_vs")),
	       "ranks=1", "%s: speedup_vs names the base", tag);
}

static void
check_json(const char *txt)
{
	cJSON *doc = cJSON_Parse(txt);
	const cJSON *cells = cJSON_GetObjectItem(doc, "cells");
	const cJSON *c;
	const cJSON *ctx = cJSON_GetObjectItem(doc, "context");
	const cJSON *p;

	if (!ok(doc != NULL, "JSON parses"))
		return;
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(doc, "hpcvirt")),
	       HV_VERSION, "JSON: version");
	ok(cJSON_GetObjectItem(ctx, "seed")->valuedouble == 42 &&
		   cJSON_IsObject(cJSON_GetObjectItem(ctx, "envs")),
	   "JSON: context values are JSON values");
	is_int(cJSON_GetArraySize(cells), 14, "JSON: fourteen cells");
	p = cJSON_GetObjectItem(cJSON_GetArrayItem(cells, 3), "params");
	ok(cJSON_IsNumber(cJSON_GetObjectItem(p, "size_bytes")) &&
		   cJSON_IsString(cJSON_GetObjectItem(p, "proto")),
	   "JSON: numeric params are numbers, others strings");
	check_ratio(cells, cJSON_GetArrayItem(cells, 0), "ns net.rr");
	check_ratio(cells, cJSON_GetArrayItem(cells, 4), "ns net.stream");
	c = cJSON_GetArrayItem(cells, 1);
	ok(cJSON_GetObjectItem(c, "ratio_to_native")->valuedouble == 1.0 &&
		   cJSON_IsNull(cJSON_GetObjectItem(c, "ratio_ci95")) &&
		   cJSON_IsNull(cJSON_GetObjectItem(c, "verdict")),
	   "JSON: native is 1.0 with null CI and verdict");
	c = cJSON_GetArrayItem(cells, 2);
	ok(cJSON_GetObjectItem(c, "n")->valuedouble == 1 &&
		   cJSON_GetObjectItem(c, "mean")->valuedouble == 251000 &&
		   cJSON_IsNull(cJSON_GetObjectItem(c, "ratio_to_native")) &&
		   cJSON_IsNull(cJSON_GetObjectItem(c, "ratio_ci95")),
	   "JSON: one sample, summary but null ratio");
	c = cJSON_GetArrayItem(cells, 5);
	ok(!strcmp(cJSON_GetObjectItem(c, "status")->valuestring, "failed") &&
		   strstr(cJSON_GetObjectItem(c, "reason")->valuestring,
			  "\"timeout\"") &&
		   cJSON_IsNull(cJSON_GetObjectItem(c, "mean")) &&
		   cJSON_GetArraySize(cJSON_GetObjectItem(c, "samples")) == 0,
	   "JSON: failed cell with reason and null summary");
	check_speedup(cells, cJSON_GetArrayItem(cells, 7), 6, "native cg");
	check_speedup(cells, cJSON_GetArrayItem(cells, 9), 8, "ns cg");
	c = cJSON_GetArrayItem(cells, 8);
	ok(cJSON_IsNull(cJSON_GetObjectItem(c, "speedup")) &&
		   cJSON_IsNull(cJSON_GetObjectItem(c, "speedup_vs")) &&
		   cJSON_IsNull(cJSON_GetObjectItem(
			   cJSON_GetArrayItem(cells, 0), "speedup")),
	   "JSON: no speedup at one rank or without ranks");
	check_ratio(cells, cJSON_GetArrayItem(cells, 10), "crun net.rr");
	check_bh(cells);
	check_bh_cells(cells);
	check_unstable(cells);
	cJSON_Delete(doc);
}

/* Count the fields of each CSV record, honouring RFC 4180 quotes. */
static void
check_csv(const char *txt)
{
	const char *crun, *end;
	int fields = 1, rows = 0, bad = 0;
	bool quoted = false;
	const char *p;

	for (p = txt; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == ',')
			fields++;
		else if (!quoted && *p == '\n') {
			bad += fields != 30;
			rows++;
			fields = 1;
		}
	}
	ok(rows == 15 && !bad && !quoted, "CSV: 15 records of 30 fields");
	ok(strstr(txt, ",p_value,p_bh,verdict_bh,unstable,half_width,"
		       "precision,oversubscribed,reason\n") != NULL,
	   "CSV: p, corrected verdict, guard, precision and oversubscription "
	   "before the reason");
	crun = strstr(txt, "\ncrun,net.rr,");
	end = crun ? strchr(crun + 1, '\n') : NULL;
	ok(end && end - crun > 20 &&
		   memmem(crun, (size_t)(end - crun), ",slower,false,", 14) &&
		   !strncmp(end - 28, ",indistinguishable,,,,false,\n", 29),
	   "CSV: crun slower raw, indistinguishable after BH");
	ok(strstr(txt,
		  ",slower,cv 179.8% > 30%; max/median 36.3 > 10,,,false,\n") !=
		   NULL,
	   "CSV: tcg's guard says why");
	ok(strstr(txt, ",\"agent did not start: \"\"timeout\"\", 30 s\"\n") !=
		   NULL,
	   "CSV: reason quoted with doubled quotes");
	ok(strstr(txt, "native,net.rr,size_bytes=1,half_rtt_p50_ns,ns,false,"
		       "ok,6,11816.666666666666,") != NULL,
	   "CSV: native row with full-precision mean");
}

static void
check_table(const char *txt)
{
	const char *nat = strstr(txt, "\n  native ");
	const char *ns = strstr(txt, "\n  ns ");

	ok(nat && ns && nat < ns, "table: native listed first");
	ok(strstr(txt, "11.8 us") && strstr(txt, "2.10 GB/s"),
	   "table: values scaled to us and GB/s");
	ok(strstr(txt, "FAILED: agent did not start") != NULL,
	   "table: failed cell shows its reason");
	ok(strstr(txt, "  1.00\n") != NULL, "table: native ratio 1.00");
	ok(strstr(txt, " slower (p 0.046, not after BH)\n") != NULL,
	   "table: a verdict BH drops is marked, with its p");
	ok(strstr(txt, "keeps 5 of 6\n  slower/faster verdicts") != NULL,
	   "table: the BH line counts the verdicts kept");
	ok(strstr(txt, "] slower (unstable [1])\n") &&
		   strstr(txt, "  1.00 (unstable [2])\n") &&
		   strstr(txt, " faster (unstable, native unstable [3])\n"),
	   "table: unstable cells marked, native unstable named");
	ok(strstr(txt, "\n  [1] tcg net.rr half_rtt_p50_ns size_bytes=1: cv "
		       "179.8% > 30%; max/median 36.3 > 10\n") != NULL,
	   "table: footnote 1 gives the numbers");
}

/* Unit scaling at its edges, in a study of single-sample cells. */
static void
check_units(void)
{
	static const struct {
		double v;
		const char *unit, *want;
	} t[] = {
		{999.7, "ns", " 1.00 us "},
		{999.4, "ns", " 999 ns "},
		{0.5, "ns", " 0.50 ns "},
		{2.5e9, "ns", " 2.50 s "},
		{0.0123, "s", " 12.3 ms "},
		{12.0, "s", " 12.0 s "},
		{999.0, "bytes/s", " 999 B/s "},
		{1.5e6, "bytes/s", " 1.50 MB/s "},
		{12345.6, "Mop/s", " 12346 Mop/s "},
		{1.5, "Mop/s", " 1.5 Mop/s "},
	};
	struct hv_study s;
	struct hv_cell *c;
	struct hv_err err;
	char *txt, env[16];
	size_t i, len;

	hv_study_init(&s);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(env, sizeof(env), "e%zu", i);
		hv_study_add_cell(&s, env, "b", NULL, "m", t[i].unit, false,
				  &c);
		hv_cell_add_sample(c, t[i].v);
		c->status = i == 0 ? HV_CELL_PENDING : HV_CELL_OK;
	}
	hv_study_analyze(&s, &err);
	txt = render(hv_render_table, &s, &len);
	for (i = 0; txt && i < sizeof(t) / sizeof(t[0]); i++)
		ok(strstr(txt, t[i].want) != NULL, "table: %g %s shows as%s",
		   t[i].v, t[i].unit, t[i].want);
	ok(txt && strstr(txt, "  - (pending)\n"), "table: pending is marked");
	free(txt);
	hv_study_release(&s);
}

/*
 * Threads per box against the box's vCPUs (the context's envs.ENV.vcpus):
 * two OpenMP threads in a one-vCPU UML box are oversubscribed, one is
 * not, two in a two-CPU native box are not, and two MPI ranks per node
 * in a one-vCPU box are; without a vCPU count nothing is flagged.
 */
static void
check_oversubscribed(void)
{
	static const struct {
		const char *env, *threads, *ranks, *nodes, *rpn;
		bool want;
	} t[] = {
		{"native", "2", "1", "1", "1", false},
		{"uml", "2", "1", "1", "1", true},
		{"uml", "1", "1", "1", "1", false},
		{"uml", "1", "4", "2", "2", true},
		{"tcg", "1", "2", "2", "1", false},
		{"lxc", "8", "1", "1", "1", false}, /* no vCPUs recorded */
	};
	struct hv_study s;
	struct hv_params p;
	struct hv_cell *c;
	struct hv_err err;
	char *table, *json, *csv;
	const char *at;
	size_t len, i, k, right = 0;

	hv_study_init(&s);
	hv_context_set_json(&s, "envs",
			    "{\"native\":{\"vcpus\":2},\"uml\":{\"vcpus\":1},"
			    "\"tcg\":{\"vcpus\":2},\"lxc\":{}}");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		hv_params_init(&p);
		hv_params_set(&p, "threads", t[i].threads);
		hv_params_set(&p, "ranks", t[i].ranks);
		hv_params_set(&p, "nodes", t[i].nodes);
		hv_params_set(&p, "ranks_per_node", t[i].rpn);
		hv_study_add_cell(&s, t[i].env, "b1", &p, "time_s", "s", false,
				  &c);
		hv_params_release(&p);
		for (k = 0; k < 3; k++)
			hv_cell_add_sample(c, 1.0 + 0.01 * (double)k);
		c->status = HV_CELL_OK;
	}
	hv_err_init(&err);
	ok(hv_study_analyze(&s, &err) == 0, "oversubscribed: analyze (%s)",
	   err.msg);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		right += hv_cell_oversubscribed(&s.cells[i]) == t[i].want;
	ok(right == sizeof(t) / sizeof(t[0]),
	   "oversubscribed: threads x ranks per box against vCPUs (%zu right)",
	   right);
	table = render(hv_render_table, &s, &len);
	json = render(hv_render_json, &s, &len);
	csv = render(hv_render_csv, &s, &len);
	k = 0;
	for (at = table; at && (at = strstr(at, "(oversubscribed: 2 threads, "
						"the box has 1 vCPU)"));
	     at++)
		k++;
	ok(k == 2,
	   "oversubscribed: the table says threads and vCPUs, twice "
	   "(%zu)",
	   k);
	ok(json && strstr(json, "\"box_vcpus\":\t1,\n") &&
		   strstr(json, "\"oversubscribed\":\ttrue") &&
		   strstr(json, "\"box_vcpus\":\tnull,\n"),
	   "oversubscribed: JSON has the box's vCPUs and the flag");
	ok(csv && strstr(csv, ",true,\n") && strstr(csv, ",false,\n"),
	   "oversubscribed: CSV has the flag");
	free(table);
	free(json);
	free(csv);
	hv_study_release(&s);
}

/*
 * The layer's own CPU: uml's box spends 2 s of host CPU per NPB run where
 * native spends 1 s, and its guest accounts for 1.5 s of it (25 %
 * outside); a net cell (fixed time, not fixed work) is left out; a cell
 * without CPU data has a null host_cpu.
 */
static void
check_layer_cpu(void)
{
	static const struct {
		const char *env, *bench;
		double host, kern;
		size_t n;
		double work;
	} t[] = {
		{"native", "npb.ep", 2.0, 1.98, 2, 0},
		{"uml", "npb.ep", 4.0, 3.0, 2, 0},
		{"native", "net.rr", 1.0, 0.5, 2, 4000},
		{"uml", "net.rr", 9.0, 1.0, 2, 2000},
		{"ns", "npb.ep", 0, 0, 0, 0},
	};
	struct hv_study s;
	struct hv_cell *c;
	struct hv_err err;
	char *table, *json;
	size_t len, i;

	hv_study_init(&s);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		hv_study_add_cell(&s, t[i].env, t[i].bench, NULL, "time_s", "s",
				  false, &c);
		hv_cell_add_sample(c, 1.0);
		hv_cell_add_sample(c, 1.1);
		c->host_cpu_s = t[i].host;
		c->kernel_cpu_s = t[i].kern;
		c->ncpu = t[i].n;
		c->work = t[i].work;
		c->status = HV_CELL_OK;
	}
	hv_err_init(&err);
	ok(hv_study_analyze(&s, &err) == 0, "layer CPU: analyze (%s)", err.msg);
	table = render(hv_render_table, &s, &len);
	json = render(hv_render_json, &s, &len);
	ok(table &&
		   strstr(table, "\n  uml: 2.00x native's (geometric mean), "
				 "outside 25.0% (1 cells)\n") &&
		   strstr(table, "\n  native: outside 1.0% (1 cells)\n"),
	   "layer CPU: uml 2x native's, 25 %% outside, net left out");
	ok(table && strstr(table, "\n  net.rr, native: 250 us per transaction\n"
				  "  net.rr, uml: 4500 us per transaction "
				  "(18.00x native's)\n"),
	   "layer CPU: net.rr's host CPU per transaction, against native's");
	ok(json && strstr(json, "\"box_s\":\t2,") &&
		   strstr(json, "\"kernel_s\":\t1.5,") &&
		   strstr(json, "\"host_cpu\":\tnull"),
	   "layer CPU: JSON has each cell's mean, null without data");
	free(table);
	free(json);
	hv_study_release(&s);
}

/*
 * The explanation table on a study whose answers are known: uml's round
 * trip is 170 us longer, of which 2 extra system calls (20 us each) and
 * a context switch (30 us) make 70 us: 41 % by sys, the rest
 * unexplained; tcg's NPB takes 10x native's time and 9.1x its host CPU:
 * 90 % by the layer's CPU, 0 % by sys (no system calls in NPB's timed
 * part); ns's NPB is native's: nothing to explain.
 */
static void
check_explain(void)
{
	static const struct {
		const char *env, *bench, *metric, *test;
		double v, cpu;
	} t[] = {
		{"native", "net.rr", "half_rtt_p50_ns", NULL, 15000, 0},
		{"uml", "net.rr", "half_rtt_p50_ns", NULL, 100000, 0},
		{"native", "sys", "ns_per_op", "syscall", 100, 0},
		{"uml", "sys", "ns_per_op", "syscall", 20100, 0},
		{"tcg", "sys", "ns_per_op", "syscall", 5100, 0},
		{"native", "sys", "ns_per_op", "ctxsw", 2000, 0},
		{"uml", "sys", "ns_per_op", "ctxsw", 32000, 0},
		{"native", "npb.ep", "time_s", NULL, 1.0, 1.0},
		{"tcg", "npb.ep", "time_s", NULL, 10.0, 9.1},
		{"ns", "npb.ep", "time_s", NULL, 1.0, 1.0},
	};
	struct hv_study s;
	struct hv_explain ex;
	struct hv_params p;
	struct hv_cell *c;
	struct hv_err err;
	char *table, *json;
	size_t len, i, k;
	const struct hv_explain_row *rr = NULL, *npb = NULL, *nsr = NULL;

	hv_study_init(&s);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		hv_params_init(&p);
		if (t[i].test)
			hv_params_set(&p, "test", t[i].test);
		hv_study_add_cell(&s, t[i].env, t[i].bench, &p, t[i].metric,
				  "ns", false, &c);
		hv_params_release(&p);
		for (k = 0; k < 3; k++)
			hv_cell_add_sample(c, t[i].v);
		c->host_cpu_s = t[i].cpu * 3;
		c->ncpu = t[i].cpu > 0 ? 3 : 0;
		c->status = HV_CELL_OK;
	}
	hv_err_init(&err);
	ok(hv_study_analyze(&s, &err) == 0, "explain: analyze (%s)", err.msg);
	ok(hv_explain_study(&s, &ex) == 0, "explain: the table is made");
	for (i = 0; i < ex.n; i++) {
		const struct hv_explain_row *r = &ex.rows[i];

		if (!strcmp(r->env, "uml") && r->family == HV_EXPLAIN_RR)
			rr = r;
		if (!strcmp(r->env, "tcg") && r->family == HV_EXPLAIN_NPB)
			npb = r;
		if (!strcmp(r->env, "ns") && r->family == HV_EXPLAIN_NPB)
			nsr = r;
	}
	ok(rr && fabs(rr->overhead - 100000.0 / 15000) < 1e-9 &&
		   fabs(rr->by_sys - 70000.0 / 170000) < 1e-9 &&
		   isnan(rr->by_cpu) &&
		   fabs(rr->unexplained - 100000.0 / 170000) < 1e-9,
	   "explain: uml's round trip is 41 %% sys, 59 %% unexplained");
	ok(npb && fabs(npb->by_cpu - 8.1 / 9) < 1e-9 && npb->by_sys == 0 &&
		   fabs(npb->unexplained - 0.9 / 9) < 1e-9,
	   "explain: tcg's NPB is 90 %% the layer's CPU, 0 %% sys");
	ok(nsr && fabs(nsr->overhead - 1) < 1e-9 && isnan(nsr->unexplained),
	   "explain: ns's NPB has nothing to explain");
	hv_explain_release(&ex);
	table = render(hv_render_table, &s, &len);
	json = render(hv_render_json, &s, &len);
	ok(table &&
		   strstr(table, "  uml          net.rr         6.67x    41%"
				 "          -          59%: unexplained\n") &&
		   strstr(table, "none to explain"),
	   "explain: the table's rows");
	ok(json && strstr(json, "\"family\":\t\"net.rr\"") &&
		   strstr(json, "\"by_layer_cpu\":\t0.899999"),
	   "explain: JSON has the rows");
	free(table);
	free(json);
	hv_study_release(&s);
}

/*
 * An adaptive study's cells against its target: a quiet pair meets +-2 %,
 * a noisy one misses it and says why; the p99 (exempt) is no target.
 */
static void
check_precision(void)
{
	static const double quiet_n[] = {100, 100.2, 99.9, 100.1, 100};
	static const double quiet_e[] = {110, 110.1, 109.9, 110.2, 110};
	static const double noisy_n[] = {100, 120, 90, 130, 95};
	static const double noisy_e[] = {105, 80, 125, 99, 140};
	const double *v[] = {quiet_n, quiet_e, noisy_n, noisy_e, quiet_n};
	const char *env[] = {"native", "ns", "native", "ns", "native"};
	const char *metric[] = {"a", "a", "b", "b", "p99"};
	struct hv_study s;
	struct hv_cell *c;
	struct hv_err err;
	char *table, *json, *csv;
	size_t len, i, k;

	hv_study_init(&s);
	s.seed = 1;
	hv_context_set_json(&s, "precision",
			    "{\"target\":0.02,\"min_reps\":3,\"max_reps\":30,"
			    "\"budget_s\":60,\"exempt\":[\"b1 p99\"]}");
	hv_context_set_json(&s, "adaptive",
			    "{\"rounds\":2,\"stopped\":\"budget\"}");
	for (i = 0; i < 5; i++) {
		hv_study_add_cell(&s, env[i], "b1", NULL, metric[i], "s", false,
				  &c);
		for (k = 0; k < 5; k++)
			hv_cell_add_sample(c, v[i][k]);
		c->status = HV_CELL_OK;
	}
	hv_err_init(&err);
	ok(hv_study_analyze(&s, &err) == 0, "precision: analyze (%s)", err.msg);
	ok(s.prec_target == 0.02 && s.prec_ntarget == 4 && s.prec_nmet == 2 &&
		   !strcmp(s.prec_stop, "budget"),
	   "precision: 2 of 4 targets met, stopped by the budget (%zu of %zu)",
	   s.prec_nmet, s.prec_ntarget);
	ok(s.cells[1].prec == HV_PREC_MET && s.cells[1].half_width < 0.02 &&
		   s.cells[3].prec == HV_PREC_MISSED &&
		   strstr(s.cells[3].prec_why, "the budget") &&
		   s.cells[4].prec == HV_PREC_NONE,
	   "precision: quiet met, noisy missed (%s), the tail no target",
	   s.cells[3].prec_why);
	table = render(hv_render_table, &s, &len);
	json = render(hv_render_json, &s, &len);
	csv = render(hv_render_csv, &s, &len);
	ok(table && strstr(table, "+-CI") &&
		   strstr(table, "(missed the target: cv ") &&
		   strstr(table,
			  "met by 2 of 4 cells; the repetitions stopped: "
			  "the budget ran out"),
	   "precision: the table has the column, the miss and the summary");
	ok(json && strstr(json, "\"half_width\":\t") &&
		   strstr(json, "\"met\":\tfalse,\n") &&
		   strstr(json, "\"why\":\t\"cv "),
	   "precision: JSON has each cell's");
	ok(csv && strstr(csv, ",met,false,\n") &&
		   strstr(csv, ",missed,false,\n"),
	   "precision: CSV has met and missed");
	free(table);
	free(json);
	free(csv);
	hv_study_release(&s);
}

/* Sets left out of a reduced study: one line per reason, each env once. */
static void
check_reduced(void)
{
	struct hv_study s;
	struct hv_cell *c;
	struct hv_err err;
	size_t len;
	char *t;

	hv_study_init(&s);
	hv_study_add_cell(&s, "native", "b", NULL, "m", "ns", false, &c);
	hv_cell_add_sample(c, 1);
	hv_context_set_json(
		&s, "reduced",
		"[{\"env\":\"ns\",\"bench\":\"b\",\"params\":\"k=1\","
		"\"why\":\"A\"},{\"env\":\"tcg\",\"bench\":\"b\","
		"\"params\":\"k=2\",\"why\":\"B\"},{\"env\":\"crun\","
		"\"bench\":\"b\",\"params\":\"k=1\",\"why\":\"A\"},"
		"{\"env\":\"ns\",\"bench\":\"b\",\"params\":\"k=3\","
		"\"why\":\"A\"}]");
	hv_err_init(&err);
	hv_study_analyze(&s, &err);
	t = render(hv_render_table, &s, &len);
	ok(t &&
		   strstr(t, "reduced: ns, crun left out 3 parameter sets: A "
			     "(--full runs them)\n") &&
		   strstr(t, "reduced: tcg left out b k=2: B (--full runs "
			     "them)\n"),
	   "reduced: a line per reason, each env once, the set when one");
	free(t);
	hv_study_release(&s);
}

/* The table of a one-cell study with context "link" = link (or none). */
static char *
link_table(const char *link)
{
	struct hv_study s;
	struct hv_cell *c;
	struct hv_err err;
	size_t len;
	char *txt;

	hv_study_init(&s);
	hv_study_add_cell(&s, "native", "b", NULL, "m", "ns", false, &c);
	hv_cell_add_sample(c, 1);
	if (link)
		hv_context_set_json(&s, "link", link);
	hv_study_analyze(&s, &err);
	txt = render(hv_render_table, &s, &len);
	hv_study_release(&s);
	return txt;
}

/*
 * The link line: what was asked, and what was applied where that differs
 * (a delay on a kernel without netem), so the table never shows a delay
 * that was not there; nothing without emulation.
 */
static void
check_link(void)
{
	char *t;

	t = link_table("{\"requested\":{\"preset\":\"gige\",\"rate_bps\":"
		       "1e9,\"delay_us\":25},\"applied\":{\"qdisc\":"
		       "\"netem\",\"rate_bps\":1e9,\"delay_us\":25}}");
	ok(t && strstr(t, "\nlink: gige: 1 Gbit/s, 25 us one-way delay "
			  "(netem on every box port)\n"),
	   "link: applied as asked");
	free(t);
	t = link_table("{\"requested\":{\"preset\":\"gige\",\"rate_bps\":"
		       "1e9,\"delay_us\":25},\"applied\":{\"qdisc\":\"tbf\","
		       "\"rate_bps\":1e9,\"delay_us\":0},\"note\":\"no "
		       "netem\"}");
	ok(t && strstr(t, "\nlink: requested gige: 1 Gbit/s, 25 us one-way "
			  "delay; applied: 1 Gbit/s, no delay (tbf on every "
			  "box port)\n  no netem\n"),
	   "link: the delay that was not applied is not claimed");
	free(t);
	t = link_table("{\"requested\":{\"preset\":null,\"rate_bps\":"
		       "1500000,\"delay_us\":0},\"applied\":{\"qdisc\":"
		       "\"tbf\",\"rate_bps\":1500000,\"delay_us\":0}}");
	ok(t && strstr(t, "\nlink: 1500 kbit/s, no delay (tbf on every box "
			  "port)\n"),
	   "link: a rate alone, without a preset");
	free(t);
	t = link_table("{\"requested\":{\"preset\":\"none\",\"rate_bps\":"
		       "0,\"delay_us\":0},\"applied\":{\"qdisc\":\"none\","
		       "\"rate_bps\":0,\"delay_us\":0}}");
	ok(t && !strstr(t, "link:"), "link: no line without emulation");
	free(t);
	t = link_table("{\"requested\":{\"preset\":\"g\\u001b[2J\","
		       "\"rate_bps\":8,\"delay_us\":0},\"applied\":"
		       "{\"qdisc\":\"tbf\",\"rate_bps\":8,\"delay_us\":0}}");
	ok(t && strstr(t, "\nlink: g?[2J: 8 bit/s, no delay"),
	   "link: a preset name is cleaned");
	free(t);
}

/*
 * A study the store did not write (found by tests/fuzz/fuzz-store.c):
 * text with control characters must not reach the terminal, and cells
 * of one table with different parameters must not be read past their
 * end (the title's constant parameters were compared by position).
 */
static void
check_hostile(void)
{
	struct hv_study s;
	struct hv_params p;
	struct hv_cell *c;
	struct hv_err err;
	char *txt;
	size_t len, i;
	bool clean = true;

	hv_study_init(&s);
	hv_params_init(&p);
	hv_study_add_cell(&s, "native", "b", NULL, "m", "ns", false, &c);
	hv_cell_add_sample(c, 1);
	hv_params_set(&p, "a", "1");
	hv_params_set(&p, "k\x1b]0;x\x07", "2");
	hv_study_add_cell(&s, "ns\x1b[2J", "b", &p, "m", "u\n", false, &c);
	hv_cell_add_sample(c, 1);
	hv_study_add_cell(&s, "uml", "b", &p, "m", "ns", false, &c);
	c->status = HV_CELL_FAILED;
	hv_cell_set_reason(c, "exit 1: \x1b[31mred\nnative 1.00\xc2\x9b");
	hv_context_set_json(&s, "envs", "{\"v\\u001bm\":{\"start_ns\":1}}");
	hv_context_set_json(&s, "teardown",
			    "[{\"env\":\"u\\u001bl\",\"why\":\"stop:\\u007f"
			    "\\u0005busy\"}]");
	hv_study_analyze(&s, &err);
	txt = render(hv_render_table, &s, &len);
	for (i = 0; txt && i < len; i++)
		if (((unsigned char)txt[i] < 0x20 && txt[i] != '\n') ||
		    txt[i] == 0x7f ||
		    ((unsigned char)txt[i] == 0xc2 && i + 1 < len &&
		     (unsigned char)txt[i + 1] >= 0x80 &&
		     (unsigned char)txt[i + 1] <= 0x9f))
			clean = false;
	ok(txt && clean, "table: no control character from the study");
	ok(txt && strstr(txt, "FAILED: exit 1: ?[31mred?native 1.00??\n"),
	   "table: a reason stays on its row, controls shown as '?'");
	ok(txt && strstr(txt, "  ns?[2J "), "table: env cleaned, width kept");
	ok(txt && strstr(txt, "\nteardown: u?l left something behind: "
			      "stop:??busy (hpcvirt clean retries)\n"),
	   "table: a teardown's env and why are cleaned");
	free(txt);
	hv_params_release(&p);
	hv_study_release(&s);
}

int
main(void)
{
	struct hv_study s;
	struct hv_err err;
	char *json, *csv, *table;
	size_t jl = 0, cl = 0, tl = 0;

	build(&s);
	hv_err_init(&err);
	ok(hv_study_analyze(&s, &err) == 0, "analyze (%s)", err.msg);
	json = render(hv_render_json, &s, &jl);
	csv = render(hv_render_csv, &s, &cl);
	table = render(hv_render_table, &s, &tl);
	if (!ok(json && csv && table, "render all three formats"))
		return done_testing();
	check_json(json);
	check_csv(csv);
	check_table(table);
	check_units();
	check_hostile();
	check_link();
	check_precision();
	check_oversubscribed();
	check_layer_cpu();
	check_explain();
	check_reduced();
	golden("study.json", json, jl);
	golden("study.csv", csv, cl);
	golden("study.txt", table, tl);
	free(json);
	free(csv);
	free(table);
	hv_study_release(&s);
	return done_testing();
}
