/*
 * test-compare.c - "hpcvirt compare" and "hpcvirt history" in the
 * library, on synthetic studies stored in SQLite and loaded back:
 *
 *   - a study against itself: every cell indistinguishable, ratio 1, no
 *     provenance change;
 *   - against a copy with one cell's samples multiplied by 1.30 and the
 *     kernel changed: that cell slower at 1.30, every other cell
 *     indistinguishable, the kernel named in the provenance diff;
 *   - against a study of other benches: -ENODATA naming what each holds;
 *   - history of a directory with two studies, a corrupt study.db and a
 *     plain directory: two studies by date, the corrupt one listed last
 *     with its error; a missing or empty directory refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hpcvirt/results/compare.h"
#include "study-dir.h"
#include "synth-study.h"
#include "tap.h"

#define FACTOR 1.30

static void
build(struct hv_study *s, const char *date, const char *kernel, double factor,
      bool other_bench)
{
	const char *b = other_bench ? "net.stream" : "net.rr";
	static const char *const envs[] = {"native", "ns", "crun"};
	char p[64];
	size_t e, k;

	hv_study_init(s);
	s->seed = 3;
	hv_context_set_json(s, "seed", "3");
	hv_context_set_str(s, "date", date);
	hv_context_set_str(s, "host", "testhost");
	hv_context_set_str(s, "kernel", kernel);
	for (e = 0; e < 3; e++)
		for (k = 0; k < 3; k++) {
			snprintf(p, sizeof(p), "size_bytes=%d", 1 << (4 * k));
			/* Only ns at the largest size gets the factor. */
			synth_cell(s, envs[e], b, p, "half_rtt_p50_ns", "ns",
				   false,
				   (10000.0 + 1000 * (double)k) *
					   (e == 1 && k == 2 ? factor : 1.0),
				   0.02, 6);
		}
}

static int
store(const char *dir, const char *date, const char *kernel, double factor,
      bool other, struct hv_study *out)
{
	struct hv_study s;
	struct hv_err err;
	int rc;

	hv_err_init(&err);
	build(&s, date, kernel, factor, other);
	rc = synth_store_load(&s, dir, out, &err);
	if (rc < 0)
		diag("store %s: %s", dir, err.msg);
	hv_study_release(&s);
	return rc;
}

static size_t
count(const struct hv_compare *c, enum hv_verdict v)
{
	size_t i, n = 0;

	for (i = 0; i < c->n; i++)
		n += c->rows[i].has_ratio && c->rows[i].verdict_bh == v;
	return n;
}

static void
test_self(const struct hv_study *a)
{
	struct hv_compare c;
	struct hv_err err;
	size_t i;
	bool ones = true;

	hv_compare_init(&c);
	hv_err_init(&err);
	ok(hv_compare_build(&c, a, a, &err) == 0, "compare A with itself");
	is_int(c.n, 9, "9 cells paired");
	is_int(count(&c, HV_VERDICT_INDISTINGUISHABLE), 9,
	       "every cell indistinguishable");
	for (i = 0; i < c.n; i++)
		ones = ones && fabs(c.rows[i].ratio.ratio - 1) < 1e-12 &&
		       c.rows[i].ratio.lo <= 1 && c.rows[i].ratio.hi >= 1;
	ok(ones, "every ratio 1, its CI holding 1");
	is_int(c.ndiffs, 0, "no provenance change");
	hv_compare_release(&c);
}

static void
test_factor(const struct hv_study *a, const struct hv_study *b)
{
	struct hv_compare c;
	struct hv_err err;
	const struct hv_cmp_row *r = NULL;
	size_t i;

	hv_compare_init(&c);
	hv_err_init(&err);
	ok(hv_compare_build(&c, a, b, &err) == 0, "compare A with B");
	for (i = 0; i < c.n; i++)
		if (c.rows[i].has_ratio &&
		    c.rows[i].verdict_bh == HV_VERDICT_SLOWER)
			r = &c.rows[i];
	is_int(count(&c, HV_VERDICT_SLOWER), 1, "one cell slower in B");
	ok(r && strcmp(r->a->env, "ns") == 0 &&
		   strcmp(hv_params_get(&r->a->params, "size_bytes"), "256") ==
			   0,
	   "the slower cell is the one with the injected factor");
	ok(r && fabs(r->ratio.ratio - FACTOR) < 1e-9 && r->ratio.lo <= FACTOR &&
		   r->ratio.hi >= FACTOR,
	   "its ratio is the factor, %.2f, within its CI", FACTOR);
	is_int(count(&c, HV_VERDICT_INDISTINGUISHABLE), 8,
	       "the other 8 cells indistinguishable");
	ok(c.ndiffs == 1 && strcmp(c.diffs[0].key, "kernel") == 0 &&
		   strstr(c.diffs[0].b, "6.2-test"),
	   "the provenance diff names the kernel that changed");
	hv_compare_release(&c);
}

static void
test_disjoint(const struct hv_study *a, const struct hv_study *d)
{
	struct hv_compare c;
	struct hv_err err;
	int rc;

	hv_compare_init(&c);
	hv_err_init(&err);
	rc = hv_compare_build(&c, a, d, &err);
	ok(rc == -ENODATA && strstr(err.msg, "no cell in common") &&
		   strstr(err.msg, "net.rr") && strstr(err.msg, "net.stream"),
	   "no common cell: -ENODATA naming both studies' benches (%s)",
	   err.msg);
	hv_compare_release(&c);
}

static void
test_history(const char *root, const char *a, const char *b)
{
	char junk[600], plain[600], path[700];
	struct hv_history h;
	struct hv_err err;
	int fd, rc;

	snprintf(junk, sizeof(junk), "%s/junk", root);
	snprintf(plain, sizeof(plain), "%s/plain", root);
	mkdir(junk, 0755);
	mkdir(plain, 0755);
	snprintf(path, sizeof(path), "%s/study.db", junk);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, "not a database at all, just text\n", 33) < 0)
			diag("write failed");
		close(fd);
	}
	hv_history_init(&h);
	hv_err_init(&err);
	rc = hv_history_scan(&h, root, &err);
	ok(rc == 0 && h.n == 3, "history: 2 studies and the corrupt one (%s)",
	   err.msg);
	ok(h.n == 3 && strcmp(h.v[0].dir, b) == 0 && strcmp(h.v[1].dir, a) == 0,
	   "sorted by date (B is older)");
	ok(h.n == 3 && h.v[2].error && strcmp(h.v[2].dir, junk) == 0,
	   "the corrupt study listed last, with its error");
	ok(h.n == 3 && h.v[0].ncells == 9 &&
		   strcmp(h.v[0].envs, "native,ns,crun") == 0 &&
		   strcmp(h.v[0].benches, "net.rr") == 0 &&
		   strcmp(h.v[0].host, "testhost") == 0,
	   "cells, envs, benches and host of a study");
	hv_history_release(&h);
	hv_err_init(&err);
	ok(hv_history_scan(&h, plain, &err) == -ENODATA &&
		   strstr(err.msg, plain),
	   "a directory without studies is refused, named");
	hv_history_release(&h);
	snprintf(path, sizeof(path), "%s/missing", root);
	ok(hv_history_scan(&h, path, &err) == -ENOENT && strstr(err.msg, path),
	   "a missing directory is refused, named");
	hv_history_release(&h);
	snprintf(path, sizeof(path), "%s/study.db", junk);
	unlink(path);
	rmdir(junk);
	rmdir(plain);
}

int
main(void)
{
	char root[] = "/tmp/hpcvirt-test-compare.XXXXXX";
	char da[600], db[600], dd[600];
	struct hv_study a, b, d;

	plan(19);
	if (!mkdtemp(root))
		return 1;
	snprintf(da, sizeof(da), "%s/a", root);
	snprintf(db, sizeof(db), "%s/b", root);
	snprintf(dd, sizeof(dd), "%s/d", root);
	ok(store(da, "2026-12-02T10:00:00Z", "6.1-test", 1.0, false, &a) == 0 &&
		   store(db, "2026-12-01T10:00:00Z", "6.2-test", FACTOR, false,
			 &b) == 0 &&
		   store(dd, "2026-12-03T10:00:00Z", "6.1-test", 1.0, true,
			 &d) == 0,
	   "three synthetic studies stored and loaded");
	test_self(&a);
	test_factor(&a, &b);
	test_disjoint(&a, &d);
	hv_study_release(&d);
	remove_study(dd);
	test_history(root, da, db);
	hv_study_release(&a);
	hv_study_release(&b);
	remove_study(da);
	remove_study(db);
	rmdir(root);
	return done_testing();
}
