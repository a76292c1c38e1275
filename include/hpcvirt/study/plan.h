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
	/* Across hosts (hv_plan_spread): the host the set runs on, and
	 * the host of its net peer; -1 on one host. An MPI set of N nodes
	 * runs on hosts 0..N-1. */
	int host, peer_host;
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

/*
 * Spread the plan over hosts (a Slurm allocation's, in its order): each
 * set becomes one set per host, with a "host" parameter naming it, so
 * that each host's cells are its own and are compared with native on
 * the same host. A bench with a peer runs between host pairs, each host
 * to the next ("host" = "n1>n2"); an MPI set of N nodes runs once, over
 * the first N hosts ("n1+n2"). More nodes than hosts is -EINVAL naming
 * --nodes and the allocation. names[i] is host i's name.
 */
int hv_plan_spread(struct hv_plan *pl, const char *const *names, size_t n,
		   struct hv_err *err);

#endif
