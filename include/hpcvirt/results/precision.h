/*
 * precision.h - how precisely a cell is known: the relative half-width of
 * the 95 % interval a study's precision target (hpcvirt run --precision)
 * is set on. For a cell with a native twin that is the ratio's interval,
 * the very one the report prints; for a native cell, or one without a
 * twin, the interval of its mean. The scheduler decides with it which
 * cells need more repetitions and the report says with it which cells
 * met the target, so the two cannot disagree. docs/METHOD.md section 7.
 */
#ifndef HPCVIRT_PRECISION_H
#define HPCVIRT_PRECISION_H

#include <stdbool.h>

#include "hpcvirt/results/result.h"

struct hv_precision {
	/* Relative half-width: (hi - lo) / 2 / ratio for a ratio, t * s /
	 * sqrt(n) / mean for a mean. NaN when it is not known yet (fewer
	 * than 2 samples on a side, or a sample the bootstrap refuses). */
	double half_width;
	bool of_ratio; /* of the ratio to base, else of c's own mean */
	/* The two terms of the log ratio's variance (delta method): a =
	 * s^2 / (n m^2) of c, b the same of base (0 for a mean). Which side
	 * more repetitions would narrow most. */
	double a, b;
	double cv; /* of c's samples: s / m (0 when n < 2) */
};

/*
 * The precision of c against base (its native twin, or NULL for a
 * native cell or one without a twin), with the report's bootstrap (seed
 * s->seed, the default interval). 0, or -ENOMEM with err set.
 */
int hv_cell_precision(const struct hv_study *s, const struct hv_cell *c,
		      const struct hv_cell *base, struct hv_precision *out,
		      struct hv_err *err);

/* A cell against the study's target (context "precision"). */
struct hv_cell_prec {
	bool target; /* a target: not failed, not exempt (a tail) */
	struct hv_precision p;
	bool met;      /* half_width <= target */
	char why[128]; /* when not met: "cv 12.3 %, budget", ... */
};

/* The study's target and where each cell stands against it. */
struct hv_study_prec {
	double target;	  /* relative half-width, 0: not an adaptive study */
	int max_reps;	  /* the cap it ran with */
	const char *stop; /* how the rounds ended: "met", "budget", ... */
	struct hv_cell_prec *cells; /* [s->ncells] */
	size_t ntarget, nmet;
};

/*
 * Where every cell of s stands against the target recorded in its
 * context ("precision", "adaptive"; a study without them has target 0
 * and no cell is a target). The why of a cell that missed names its cv
 * and what stopped it: "budget", "--max-reps 30", "interrupted". 0, or
 * -ENOMEM with err set; release with hv_study_prec_release.
 */
int hv_study_prec_compute(const struct hv_study *s, struct hv_study_prec *out,
			  struct hv_err *err);
void hv_study_prec_release(struct hv_study_prec *p);

#endif
