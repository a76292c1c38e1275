/*
 * store.h - persistence of a study in DIR/study.db (SQLite).
 *
 * Every write is its own committed transaction, so a study that is
 * interrupted or killed keeps every context entry, cell and sample that
 * was written before; hv_store_load() rebuilds the result model from it.
 *
 * Schema (see store.c): context(key, json), cell(id, env, bench, params,
 * metric, unit, higher_is_better, status, reason), sample(cell_id, rep,
 * seq, warmup, value, raw, t_start_ns, wall_ns, cpu_psi, load1).
 */
#ifndef HPCVIRT_STORE_H
#define HPCVIRT_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "hpcvirt/util/err.h"
#include "hpcvirt/results/result.h"

struct hv_store;

/* One repetition of a cell. */
struct hv_sample {
	int rep;	    /* 0-based repetition index, warm-ups included */
	int seq;	    /* global position in the study's run order */
	bool warmup;	    /* warm-up repetitions are stored, not analysed */
	double value;	    /* the cell's metric */
	const char *raw;    /* the kernel's HPCVIRT-RESULT JSON, may be NULL */
	int64_t t_start_ns; /* CLOCK_REALTIME at start */
	int64_t wall_ns;    /* wall time of the repetition */
	/* % of the repetition some task waited for a CPU while the study's
	 * own threads left one free (/proc/pressure/cpu some total), -1
	 * unknown (no PSI, or the study's own load filled the CPUs). Studies
	 * before 2026-12 stored the larger some avg10 around it. */
	double cpu_psi;
	double load1; /* max 1-minute load average, -1 unknown */
};

enum hv_store_mode {
	/* Load only: the file is never modified; no study is -ENOENT. */
	HV_STORE_READ,
	/* A new study: DIR is created (mode 0755) when missing and the
	 * schema set up; a DIR that holds a study already is -EEXIST. */
	HV_STORE_NEW,
	/* Write more into the study in DIR (run --resume). */
	HV_STORE_RESUME,
};

/*
 * Open DIR/study.db. A store opened to write holds an exclusive lock on
 * DIR until it is closed (or its process ends): a second writer gets
 * -EBUSY.
 */
int hv_store_open(struct hv_store **out, const char *dir,
		  enum hv_store_mode mode, struct hv_err *err);
void hv_store_close(struct hv_store *st);

/* Group writes into one transaction: all of them are stored, or none
 * (a repetition's samples, one per metric). */
int hv_store_begin(struct hv_store *st, struct hv_err *err);
int hv_store_commit(struct hv_store *st, struct hv_err *err);
void hv_store_rollback(struct hv_store *st);

int hv_store_put_context(struct hv_store *st, const char *key, const char *json,
			 struct hv_err *err);
/* Insert the cell and set c->id. */
int hv_store_add_cell(struct hv_store *st, struct hv_cell *c,
		      struct hv_err *err);
int hv_store_set_status(struct hv_store *st, const struct hv_cell *c,
			struct hv_err *err);
int hv_store_add_sample(struct hv_store *st, const struct hv_cell *c,
			const struct hv_sample *smp, struct hv_err *err);

/*
 * Load the whole study (context, cells, non-warm-up samples ordered by
 * rep) into an initialised, empty *s. Cells come back in insertion order
 * with their status and reason; pending cells of an interrupted study come
 * with the samples they have so far. The seed comes from context "seed"
 * (a JSON number or a string of digits; 0 when absent). On error *s is
 * left empty.
 */
int hv_store_load(struct hv_store *st, struct hv_study *s, struct hv_err *err);

/*
 * Call fn for every stored repetition of cell c (warm-ups included), in
 * rep order, with smp->raw the kernel's JSON line (or NULL). smp and its
 * strings are valid only during the call. A non-zero return from fn stops
 * the walk and is returned as is; otherwise 0 or -errno.
 */
int hv_store_foreach_raw(struct hv_store *st, const struct hv_cell *c,
			 int (*fn)(const struct hv_sample *smp, void *arg),
			 void *arg, struct hv_err *err);

#endif
