/*
 * compare.h - two studies side by side ("hpcvirt compare A B"), and the
 * studies under a results directory ("hpcvirt history DIR").
 *
 * A comparison pairs the cells of A and B that have the same env, bench,
 * parameters and metric, and gives each pair the ratio of B's mean to
 * A's with the same bootstrap CI and verdict as a ratio to native
 * (stats.h), so "slower" means B is worse than A. The verdicts are
 * corrected together by Benjamini-Hochberg, as a study's are. Beside the
 * cells it lists what changed between the two studies' provenance
 * (kernel, CPU, versions, binaries, link, limits), because a difference
 * is read differently when the kernel changed too.
 */
#ifndef HPCVIRT_COMPARE_H
#define HPCVIRT_COMPARE_H

#include <stdbool.h>
#include <stdio.h>

#include "hpcvirt/util/err.h"
#include "hpcvirt/results/result.h"

struct hv_cmp_row {
	const struct hv_cell *a, *b; /* into the two studies */
	struct hv_ratio ratio;	     /* mean(b) / mean(a) */
	bool has_ratio;
	double p_bh; /* NaN without a ratio */
	enum hv_verdict verdict_bh;
	const char *why; /* without a ratio: why not (static text) */
};

/* One provenance entry that differs: JSON texts, NULL when absent. */
struct hv_cmp_diff {
	char *key; /* "kernel", "binaries.hpcvirt-net", "envs.kvm.config" */
	char *a, *b;
};

struct hv_compare {
	struct hv_cmp_row *rows;
	size_t n;
	size_t only_a, only_b; /* cells with no partner */
	struct hv_cmp_diff *diffs;
	size_t ndiffs;
};

void hv_compare_init(struct hv_compare *c);
void hv_compare_release(struct hv_compare *c);

/*
 * Pair the cells of the analysed studies a and b and compute every
 * pair's ratio (seed: a's), the BH correction and the provenance diff.
 * No cell in common is -ENODATA with a message saying what each study
 * holds (its envs and benches); -ENOMEM otherwise.
 */
int hv_compare_build(struct hv_compare *c, const struct hv_study *a,
		     const struct hv_study *b, struct hv_err *err);

/*
 * The terminal form: the provenance diff, then one line per pair: env,
 * bench, parameters, metric, A's and B's means, B/A [95 % CI] and the
 * verdict after BH; a summary line counts the verdicts.
 */
int hv_render_compare_table(FILE *f, const struct hv_compare *c,
			    const char *name_a, const char *name_b,
			    struct hv_err *err);

/*
 * JSON: {"hpcvirt", "a", "b", "only_a", "only_b", "provenance_diff":
 * [{"key", "a", "b"}] (values as JSON, null when absent), "cells":
 * [{"env", "bench", "params", "metric", "unit", "higher_is_better",
 * "n_a", "n_b", "mean_a", "mean_b", "ratio", "ratio_ci95", "verdict",
 * "p_value", "p_bh", "verdict_bh", "why", "contended", "unstable"}]}.
 */
int hv_render_compare_json(FILE *f, const struct hv_compare *c,
			   const char *name_a, const char *name_b,
			   struct hv_err *err);

/* The same as one self-contained HTML page (no script, nothing
 * fetched): the provenance diff and the pairs as tables. */
int hv_render_compare_html(FILE *f, const struct hv_compare *c,
			   const char *name_a, const char *name_b,
			   struct hv_err *err);

/* One study under a results directory. */
struct hv_history_entry {
	char *dir;  /* the study's directory */
	char *date; /* context "date", or NULL */
	char *host; /* context "host", or NULL */
	char *envs; /* "native,ns,kvm", in the study's order */
	char *benches;
	size_t ncells, nfailed, npending;
	char *error; /* the study could not be read: why (others NULL) */
};

struct hv_history {
	struct hv_history_entry *v;
	size_t n;
};

void hv_history_init(struct hv_history *h);
void hv_history_release(struct hv_history *h);

/*
 * The studies in dir: dir itself when it holds a study.db, and every
 * directory right under it that does, sorted by date (unreadable ones
 * last, with their error). A missing or unreadable dir is -errno; a dir
 * with no study under it is -ENODATA, both with a message naming dir.
 */
int hv_history_scan(struct hv_history *h, const char *dir, struct hv_err *err);

int hv_render_history_table(FILE *f, const struct hv_history *h,
			    struct hv_err *err);
/* {"hpcvirt", "studies": [{"dir", "date", "host", "envs": [...],
 * "benches": [...], "cells", "failed", "pending", "error"}]} */
int hv_render_history_json(FILE *f, const struct hv_history *h,
			   struct hv_err *err);
/* The same as one self-contained HTML page with a table. */
int hv_render_history_html(FILE *f, const struct hv_history *h,
			   struct hv_err *err);

#endif
