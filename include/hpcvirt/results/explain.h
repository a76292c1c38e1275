/*
 * explain.h - the explanation table (docs/METHOD.md section 12): per env
 * and bench family (net.rr, net.stream, fs, NPB), the overhead measured
 * against native and how much of it two measured causes account for:
 *
 *   - sys: the env's extra cost of the operations the family's kernel
 *     makes, from the same study's `sys` cells (the env's ns per
 *     operation minus native's) times a count of those operations per
 *     unit of work: net.rr 2 system calls and 1 context switch per
 *     transaction (the client's send and receive, and its wake-up);
 *     net.stream 1 system call per block sent; fs 1 system call per
 *     record written; NPB none (its timed part makes no system calls);
 *   - layer CPU: the host CPU of the box per repetition against native's
 *     (section 11), for the families whose repetition is fixed work
 *     (fs, NPB): a layer that spends k times native's CPU on the same
 *     work accounts for (k - 1) / (r - 1) of a time ratio r.
 *
 * What neither accounts for is "unexplained". A model, not a proof: its
 * counts are the kernels' own, its shares are capped at 100 %.
 */
#ifndef HPCVIRT_EXPLAIN_H
#define HPCVIRT_EXPLAIN_H

#include <stddef.h>

#include "hpcvirt/results/result.h"

enum hv_explain_family {
	HV_EXPLAIN_RR = 0, /* net.rr half round trip (p50) */
	HV_EXPLAIN_STREAM, /* net.stream bandwidth */
	HV_EXPLAIN_FS,	   /* fs writer bandwidth */
	HV_EXPLAIN_NPB,	   /* NPB run time */
	HV_EXPLAIN_NFAMILIES,
};

/* "net.rr", "net.stream", "fs", "NPB". */
const char *hv_explain_family_name(enum hv_explain_family f);

struct hv_explain_row {
	const char *env; /* points into the study */
	enum hv_explain_family family;
	size_t ncells; /* cells with a ratio the row is drawn from */
	/* Time per unit of work against native's (a rate's inverse),
	 * geometric mean over the cells: 1.30 is 30 % overhead. */
	double overhead;
	/* Shares of the extra time (overhead - 1), in [0, 1]; NaN where
	 * the cause does not apply or was not measured. */
	double by_sys;
	double by_cpu;
	/* 1 - the larger share, or NaN when neither is known. */
	double unexplained;
};

struct hv_explain {
	struct hv_explain_row *rows;
	size_t n;
};

/*
 * Fill ex from an analysed study (hv_study_analyze): one row per non-native
 * env and family that has cells with a ratio. Rows point into s. Returns
 * 0 (ex->n may be 0), or -ENOMEM. Release with hv_explain_release.
 */
int hv_explain_study(const struct hv_study *s, struct hv_explain *ex);
void hv_explain_release(struct hv_explain *ex);

#endif
