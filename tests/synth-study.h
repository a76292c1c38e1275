/*
 * synth-study.h - for the C tests of renderers over stored studies: build
 * a study of known samples in memory, store it in DIR/study.db through
 * the real store and load it back, so that the code under test reads
 * exactly what "hpcvirt report DIR" would (header-only).
 */
#ifndef HPCVIRT_TEST_SYNTH_STUDY_H
#define HPCVIRT_TEST_SYNTH_STUDY_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hpcvirt/results/store.h"

/* Centred noise, a fixed draw (mean 0, standard deviation about 1). */
static const double synth_z[] = {-1.2, 0.4, 0.9, -0.6, 1.3, -0.3, 0.1, -0.6};

/*
 * Add a cell of n samples mean * (1 + cv z_i) (n <= 8). params is
 * "k=v,k=v" or "". n == 0 makes a failed cell. Returns the cell or NULL.
 */
static inline struct hv_cell *
synth_cell(struct hv_study *s, const char *env, const char *bench,
	   const char *params, const char *metric, const char *unit,
	   bool higher, double mean, double cv, size_t n)
{
	char buf[256], *p, *next, *eq;
	struct hv_params pp;
	struct hv_cell *c = NULL;
	size_t i;

	hv_params_init(&pp);
	snprintf(buf, sizeof(buf), "%s", params);
	for (p = *buf ? buf : NULL; p; p = next) {
		next = strchr(p, ',');
		if (next)
			*next++ = '\0';
		eq = strchr(p, '=');
		if (eq) {
			*eq = '\0';
			hv_params_set(&pp, p, eq + 1);
		}
	}
	if (hv_study_add_cell(s, env, bench, &pp, metric, unit, higher, &c) < 0)
		c = NULL;
	hv_params_release(&pp);
	for (i = 0; c && i < n && i < 8; i++)
		hv_cell_add_sample(c, mean * (1 + cv * synth_z[i]));
	if (c) {
		c->status = n ? HV_CELL_OK : HV_CELL_FAILED;
		if (!n)
			hv_cell_set_reason(c, "synthetic failure");
	}
	return c;
}

/*
 * Store every context entry, cell and sample of s into a new study in
 * dir, then load it back into *out (initialised here) and analyse it.
 * 0 or -errno with err filled.
 */
static inline int
synth_store_load(const struct hv_study *s, const char *dir,
		 struct hv_study *out, struct hv_err *err)
{
	struct hv_store *st = NULL;
	struct hv_sample smp;
	struct hv_cell *c;
	size_t i, j;
	int rc, seq = 0;

	hv_study_init(out);
	rc = hv_store_open(&st, dir, HV_STORE_NEW, err);
	for (i = 0; rc == 0 && i < s->context.n; i++)
		rc = hv_store_put_context(st, s->context.v[i].key,
					  s->context.v[i].value, err);
	for (i = 0; rc == 0 && i < s->ncells; i++) {
		c = &s->cells[i];
		c->id = 0;
		rc = hv_store_add_cell(st, c, err);
		for (j = 0; rc == 0 && j < c->n; j++) {
			memset(&smp, 0, sizeof(smp));
			smp.rep = (int)j;
			smp.seq = seq++;
			smp.value = c->samples[j];
			smp.t_start_ns = 1000 + seq;
			smp.wall_ns = 1;
			smp.cpu_psi = -1;
			smp.load1 = -1;
			rc = hv_store_add_sample(st, c, &smp, err);
		}
		if (rc == 0)
			rc = hv_store_set_status(st, c, err);
	}
	if (st)
		hv_store_close(st);
	if (rc == 0 &&
	    (rc = hv_store_open(&st, dir, HV_STORE_READ, err)) == 0) {
		rc = hv_store_load(st, out, err);
		hv_store_close(st);
	}
	if (rc == 0)
		rc = hv_study_analyze(out, err);
	return rc;
}

#endif
