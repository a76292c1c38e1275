/*
 * precision.h - how precisely a cell is known: the relative half-width of
 * the 95 % interval a study's precision target (hpcvirt run --precision)
 * is set on. For a cell with a native twin that is the ratio's interval,
 * the very one the report prints; for a native cell, or one without a
 * twin, the interval of its mean. The scheduler decides with it which
 * cells need more repetitions, and hv_study_analyze (result.h) tells with
 * it which cells met the target, so the two cannot disagree.
 * docs/METHOD.md section 7.
 */
#ifndef HPCVIRT_PRECISION_H
#define HPCVIRT_PRECISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hpcvirt/util/err.h"

struct hv_precision {
	/* Relative half-width: (hi - lo) / 2 / ratio for a ratio, t * s /
	 * sqrt(n) / mean for a mean. NaN when it is not known yet (fewer
	 * than 2 samples on a side, or a sample the bootstrap refuses). */
	double half_width;
	bool of_ratio; /* of the ratio to base, else of x's own mean */
	/* The two terms of the log ratio's variance (delta method): a =
	 * s^2 / (n m^2) of x, b the same of base (0 for a mean). Which side
	 * more repetitions would narrow most. */
	double a, b;
	double cv; /* of x: s / m (0 when n < 2) */
};

/*
 * The precision of the samples x[0..n-1] of a cell against base[0..nb-1],
 * those of its native twin (NULL for a native cell or one without a
 * twin), with the report's bootstrap (seed, the default interval). 0, or
 * -ENOMEM with err set.
 */
int hv_precision_of(const double *x, size_t n, const double *base, size_t nb,
		    bool higher_is_better, uint64_t seed,
		    struct hv_precision *out, struct hv_err *err);

#endif
