/*
 * plan.h - the parameter sets of a study: one per cell of each bench
 * (the cartesian product of its parameter lists), validated up front.
 */
#ifndef HPCVIRT_PLAN_H
#define HPCVIRT_PLAN_H

#include <stddef.h>

#include "hpcvirt/study/bench.h"
#include "hpcvirt/results/result.h"

struct hv_plan_set {
	const struct hv_bench *bench;
	struct hv_params params;
};

struct hv_plan {
	struct hv_plan_set *sets;
	size_t n;
	size_t cap;
};

void hv_plan_init(struct hv_plan *pl);
void hv_plan_release(struct hv_plan *pl);

/*
 * Expand benches with the user's overrides (sets: key -> list). A key
 * is a parameter name, for every bench that has it, or "BENCH:NAME" for
 * one bench, which wins over the shared list ("npb.cg:class" = "A" with
 * "class" = "W" runs CG at A and the other NPB benches at W). A key that
 * no selected bench has, or a bad value, is -EINVAL with a message
 * naming it.
 */
int hv_plan_build(struct hv_plan *pl, const struct hv_bench *const *benches,
		  size_t nbenches, const struct hv_params *sets,
		  struct hv_err *err);

#endif
