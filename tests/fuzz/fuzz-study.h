/*
 * fuzz-study.h - what the store targets (fuzz-store.c, fuzz-store-sql.c)
 * and the seed generator (gen-study-db.c) share: a scratch directory, a
 * small real study written through the store API, and the check of what
 * `hpcvirt report` does with a study.db it did not write: open it
 * read-only, load it, walk every cell's raw samples, analyse it and
 * render it in every format, and fit `hpcvirt model`'s Hockney model.
 *
 * Whatever the file holds, either the load fails with a message (never
 * "out of memory", and leaving the study empty) or the loaded model is
 * sane and every renderer copes: the JSON parses back with one entry per
 * cell, the CSV has one record of 30 fields per cell, and the terminal
 * table holds no control character but newlines (a guest's text must not
 * drive the user's terminal), every ratio's p-value agrees with its
 * verdict and the corrected verdict only keeps or drops it, and a model
 * fit is finite with each interval around its estimate. A broken rule
 * calls abort().
 */
#ifndef HPCVIRT_FUZZ_STUDY_H
#define HPCVIRT_FUZZ_STUDY_H

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "hpcvirt/results/model.h"
#include "hpcvirt/results/report.h"
#include "hpcvirt/results/store.h"

#define FS_CSV_COLS 30

/*
 * A fresh directory under $TMPDIR, else /dev/shm (fast), else /tmp,
 * removed at exit; a failing input leaves it with its study.db. Also
 * makes SQLite's "unix-none" VFS (no file locks) the default: one process
 * works in the directory, and the lock syscalls were a large part of
 * every input's time.
 */
static inline char *
fs_mkdtemp(const char *tag)
{
	const char *base = getenv("TMPDIR");
	char path[512];

	if (sqlite3_vfs_register(sqlite3_vfs_find("unix-none"), 1) != SQLITE_OK)
		abort();
	if (!base || !*base)
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(path, sizeof(path), "%s/hv-fuzz-%s.XXXXXX", base, tag);
	if (!mkdtemp(path))
		abort();
	return strdup(path);
}

/* Remove DIR/study.db and the files SQLite keeps beside it. */
static inline void
fs_clear(const char *dir)
{
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
	char path[600];
	size_t i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(path, sizeof(path), "%s/study.db%s", dir, sfx[i]);
		unlink(path);
	}
}

static inline void
fs_put_ctx(struct hv_store *st, const char *key, const char *json)
{
	struct hv_err err;

	if (hv_store_put_context(st, key, json, &err) < 0)
		abort();
}

/* Store one cell of net.rr, npb.cg... with its samples and status. */
static inline void
fs_put_cell(struct hv_store *st, const char *env, const char *bench,
	    const char *pk, const char *pv, const char *metric,
	    const char *unit, const double *v, int n,
	    enum hv_cell_status status, const char *reason)
{
	struct hv_study s;
	struct hv_params p;
	struct hv_cell *c;
	struct hv_err err;
	int i;

	hv_study_init(&s);
	hv_params_init(&p);
	if (hv_params_set(&p, pk, pv) < 0 ||
	    hv_params_set(&p, "duration_s", "1") < 0 ||
	    hv_study_add_cell(&s, env, bench, &p, metric, unit, false, &c) <
		    0 ||
	    hv_store_add_cell(st, c, &err) < 0)
		abort();
	for (i = 0; i < n; i++) {
		struct hv_sample smp = {
			.rep = i,
			.seq = i,
			.warmup = i == 0,
			.value = v[i],
			.raw = "{\"result\":{\"kernel\":\"net\"},\"host\":{}}",
			.t_start_ns = 1700000000000000000LL + i,
			.wall_ns = 1000000,
			.cpu_psi = i == 2 ? 12.5 : 0.5,
			.load1 = 0.25,
		};
		if (hv_store_add_sample(st, c, &smp, &err) < 0)
			abort();
	}
	c->status = status;
	if ((reason && hv_cell_set_reason(c, reason) < 0) ||
	    hv_store_set_status(st, c, &err) < 0)
		abort();
	hv_params_release(&p);
	hv_study_release(&s);
}

/*
 * A small study as `hpcvirt run` writes it into DIR/study.db: context,
 * native and ns cells with a ratio, a failed cell; when full, also a
 * pending cell, a thread sweep with a speedup, and a size sweep and
 * streams a model can fit. (Each ratio, speedup and fit is a bootstrap
 * of 4000 resamples: the small study keeps store-sql fast.)
 */
static inline void
fs_write_study(const char *dir, bool full)
{
	static const double a[] = {99, 10, 11, 12, 10.5};
	static const double b[] = {50, 12, 13, 12.5, 12.2};
	static const double t1[] = {9, 2.0, 2.1, 2.05};
	static const double t2[] = {9, 1.1, 1.0, 1.05};
	static const double bw[] = {1e9, 2.1e9, 2.0e9, 2.05e9};
	struct hv_store *st;
	struct hv_err err;

	if (hv_store_open(&st, dir, HV_STORE_NEW, &err) < 0)
		abort();
	fs_put_ctx(st, "seed", "\"18446744073709551557\"");
	fs_put_ctx(st, "host", "{\"name\":\"box\",\"cpus\":2}");
	fs_put_ctx(st, "envs",
		   "{\"native\":{\"start_ns\":2000000},\"ns\":{\"start_ns\":"
		   "9000000}}");
	fs_put_ctx(st, "reduced",
		   "[{\"env\":\"uml\",\"bench\":\"npb.cg\",\"params\":"
		   "\"class=A\",\"why\":\"too slow\"}]");
	fs_put_ctx(st, "teardown",
		   "[{\"env\":\"uml\",\"why\":\"stop: cgroup busy\"}]");
	fs_put_cell(st, "native", "net.rr", "size_bytes", "64",
		    "half_rtt_p50_ns", "ns", a, 5, HV_CELL_OK, NULL);
	fs_put_cell(st, "ns", "net.rr", "size_bytes", "64", "half_rtt_p50_ns",
		    "ns", b, 5, HV_CELL_OK, NULL);
	fs_put_cell(st, "uml", "net.rr", "size_bytes", "64", "half_rtt_p50_ns",
		    "ns", b, 2, HV_CELL_FAILED, "exit 1: bad \"size\"");
	if (!full)
		goto out;
	fs_put_cell(st, "ns", "net.rr", "size_bytes", "1024", "half_rtt_p50_ns",
		    "ns", b, 3, HV_CELL_PENDING, NULL);
	fs_put_cell(st, "native", "net.rr", "size_bytes", "1024",
		    "half_rtt_p50_ns", "ns", b, 5, HV_CELL_OK, NULL);
	fs_put_cell(st, "native", "net.stream", "block_bytes", "131072",
		    "bw_bytes_per_sec", "bytes/s", bw, 4, HV_CELL_OK, NULL);
	fs_put_cell(st, "ns", "net.stream", "block_bytes", "131072",
		    "bw_bytes_per_sec", "bytes/s", bw, 4, HV_CELL_OK, NULL);
	fs_put_cell(st, "native", "npb.cg", "threads", "1", "time_s", "s", t1,
		    4, HV_CELL_OK, NULL);
	fs_put_cell(st, "native", "npb.cg", "threads", "2", "time_s", "s", t2,
		    4, HV_CELL_OK, NULL);
out:
	hv_store_close(st);
}

static inline void
fs_check_loaded(const struct hv_study *s)
{
	const struct hv_cell *c;
	size_t i, k;

	for (i = 0; i < s->context.n; i++) {
		cJSON *j = cJSON_ParseWithOpts(s->context.v[i].value, NULL, 1);

		if (!s->context.v[i].key[0] || !j)
			abort();
		cJSON_Delete(j);
	}
	for (i = 0; i < s->ncells; i++) {
		c = &s->cells[i];
		if (!c->env || !c->env[0] || !c->bench || !c->bench[0] ||
		    !c->metric || !c->unit || c->n > c->cap ||
		    (c->n && !c->samples) ||
		    (c->status != HV_CELL_PENDING && c->status != HV_CELL_OK &&
		     c->status != HV_CELL_FAILED))
			abort();
		for (k = 0; k < c->n; k++)
			if (!isfinite(c->samples[k]))
				abort();
		for (k = 0; k < c->params.n; k++)
			if (!c->params.v[k].key[0] || !c->params.v[k].value)
				abort();
	}
}

static inline int
fs_count_raw(const struct hv_sample *smp, void *arg)
{
	size_t *n = arg;

	if (smp->raw)
		(void)strlen(smp->raw);
	(*n)++;
	return 0;
}

static inline void
fs_check_json(const char *txt, size_t ncells)
{
	cJSON *doc = cJSON_Parse(txt);
	const cJSON *cells = cJSON_GetObjectItemCaseSensitive(doc, "cells");

	if (!cJSON_IsArray(cells) ||
	    (size_t)cJSON_GetArraySize(cells) != ncells)
		abort();
	cJSON_Delete(doc);
}

/* RFC 4180 records of FS_CSV_COLS fields, a header and one per cell. */
static inline void
fs_check_csv(const char *p, size_t len, size_t ncells)
{
	const char *end = p + len;
	size_t records = 0, fields = 1;
	int quoted = 0;

	for (; p < end; p++) {
		if (quoted) {
			if (*p == '"' && p + 1 < end && p[1] == '"')
				p++;
			else if (*p == '"')
				quoted = 0;
		} else if (*p == '"') {
			quoted = 1;
		} else if (*p == ',') {
			fields++;
		} else if (*p == '\n') {
			if (fields != FS_CSV_COLS)
				abort();
			records++;
			fields = 1;
		}
	}
	if (quoted || fields != 1 || records != ncells + 1)
		abort();
}

/* No byte of the table may move the cursor or talk to the terminal. */
static inline void
fs_check_table(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)p[i];

		if ((ch < 0x20 && ch != '\n') || ch == 0x7f)
			abort();
		/* C1 controls (U+0080..U+009F) in UTF-8 */
		if (ch == 0xc2 && i + 1 < len &&
		    (unsigned char)p[i + 1] >= 0x80 &&
		    (unsigned char)p[i + 1] <= 0x9f)
			abort();
	}
}

/*
 * Every ratio's p is a probability on the right side of its verdict
 * (p <= 1 - 0.95 exactly when the 95 % CI excludes 1), Benjamini-Hochberg
 * only raises it and only keeps or drops a verdict, and the guard says
 * why whenever it flags a cell.
 */
static inline void
fs_check_verdicts(const struct hv_study *s)
{
	const struct hv_cell *c;
	bool excl;
	size_t i;

	for (i = 0; i < s->ncells; i++) {
		c = &s->cells[i];
		if ((c->unstable.flags != 0) != (c->unstable.why[0] != '\0'))
			abort();
		if (!c->has_ratio)
			continue;
		excl = c->ratio.verdict == HV_VERDICT_SLOWER ||
		       c->ratio.verdict == HV_VERDICT_FASTER;
		if (!(c->ratio.p >= 0.0 && c->ratio.p <= 1.0) ||
		    (c->ratio.p <= 1.0 - 0.95) != excl ||
		    !(c->p_bh >= c->ratio.p && c->p_bh <= 1.0) ||
		    (c->verdict_bh != c->ratio.verdict &&
		     c->verdict_bh != HV_VERDICT_INDISTINGUISHABLE))
			abort();
	}
}

/* `hpcvirt model DIR`: every env's Hockney fit, or why there is none. */
static inline void
fs_check_model(const struct hv_study *s)
{
	struct hv_env_model *m = NULL;
	const struct hv_hockney *h;
	struct hv_err err;
	size_t n = 0, i;

	if (hv_model_fit_study(s, &m, &n, &err) < 0)
		abort(); /* only out of memory */
	for (i = 0; i < n; i++) {
		h = &m[i].h;
		if (!m[i].env || (!m[i].ok && !m[i].why[0]))
			abort();
		/* A fit is finite, and each interval holds its estimate. */
		if (m[i].ok &&
		    !(h->alpha_lo <= h->alpha && h->alpha <= h->alpha_hi &&
		      h->beta_lo <= h->beta && h->beta <= h->beta_hi &&
		      isfinite(h->alpha_lo) && isfinite(h->alpha_hi) &&
		      isfinite(h->beta_lo) && isfinite(h->beta_hi) &&
		      isfinite(h->worst_err)))
			abort();
	}
	free(m);
}

static inline void
fs_render(const struct hv_study *s,
	  int (*fn)(FILE *, const struct hv_study *, struct hv_err *),
	  char **txt, size_t *len)
{
	struct hv_err err;
	FILE *f;

	*txt = NULL;
	*len = 0;
	f = open_memstream(txt, len);
	if (!f)
		abort();
	if (fn(f, s, &err) < 0)
		abort(); /* only out of memory or a write error */
	if (fclose(f) != 0)
		abort();
}

/* Everything `hpcvirt report DIR --json F --csv F` does, checked. */
static inline void
fs_report(const char *dir)
{
	struct hv_store *st = NULL;
	struct hv_study s;
	struct hv_err err;
	size_t i, nraw, len;
	char *txt;
	int rc;

	hv_study_init(&s);
	hv_err_init(&err);
	rc = hv_store_open(&st, dir, HV_STORE_READ, &err);
	if (rc == 0)
		rc = hv_store_load(st, &s, &err);
	if (rc < 0) {
		if (err.code <= 0 || rc != -err.code || !err.msg[0] ||
		    err.code == ENOMEM || s.ncells || s.context.n)
			abort();
		goto out;
	}
	fs_check_loaded(&s);
	for (i = 0; i < s.ncells; i++) {
		nraw = 0;
		rc = hv_store_foreach_raw(st, &s.cells[i], fs_count_raw, &nraw,
					  &err);
		if (rc != 0 && (rc > 0 || err.code <= 0 || err.code == ENOMEM))
			abort();
	}
	if (hv_study_analyze(&s, &err) < 0)
		abort(); /* only out of memory */
	fs_check_verdicts(&s);
	fs_check_model(&s);
	fs_render(&s, hv_render_json, &txt, &len);
	fs_check_json(txt, s.ncells);
	free(txt);
	fs_render(&s, hv_render_csv, &txt, &len);
	fs_check_csv(txt, len, s.ncells);
	free(txt);
	fs_render(&s, hv_render_table, &txt, &len);
	fs_check_table(txt, len);
	free(txt);
out:
	hv_store_close(st);
	hv_study_release(&s);
}

#endif
