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

#endif
