/*
 * estimate.h - how long a study will take, said before it starts
 * (hpcvirt run --estimate, and --full). Each unit's repetition is timed
 * at native speed on this host: by its bench's expect_s hook (NPB from a
 * class S pilot and the operation counts, net from its duration), else
 * by running the repetition's own kernel natively once. Boxes that run
 * slower than native (UML, TCG, KVM) are named, not modelled: the
 * figures are what the study takes if they ran at native speed.
 */
#ifndef HPCVIRT_ESTIMATE_H
#define HPCVIRT_ESTIMATE_H

#include <stdbool.h>
#include <stddef.h>

#include "hpcvirt/study/sched.h"

struct hv_estimate {
	size_t units;	/* units the study runs */
	size_t unknown; /* of them, units whose time is not known */
	/* Repetitions per unit, warm-up included: the fewest (the fixed
	 * count, or the minimum before adaptive rounds) and the most
	 * (--max-reps), and the study's seconds at native speed for each;
	 * under a budget, hi_s is at most the budget (or lo_s if more). */
	int lo_reps, hi_reps;
	double lo_s, hi_s;
	bool capped;	  /* hi_s is the budget */
	size_t pilots;	  /* native pilot runs made */
	double pilot_s;	  /* their wall time */
	char slower[256]; /* "uml, tcg": envs slower than native, or "" */
};

/*
 * Estimate the study of plan (from hv_run_validate with the same o),
 * running short native pilots from o->bin_dir in a private run
 * directory that is removed before it returns. Creates no study.
 * Returns 0, or -errno (no run directory, no memory).
 */
int hv_run_estimate(const struct hv_run_opts *o, const struct hv_plan *plan,
		    struct hv_estimate *est, struct hv_err *err);

#endif
