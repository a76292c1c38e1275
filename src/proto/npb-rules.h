/*
 * npb-rules.h - the facts about the NAS Parallel Benchmarks that the host
 * (src/bench/npb.c, to plan and check cells) and the NPB kernels (to
 * check their arguments) must agree on: which problem classes each
 * benchmark has in this implementation, serial/OpenMP and MPI, and which
 * MPI rank counts it accepts (NPB's rules: any for EP, a power of two for
 * IS, CG, MG, FT and LU, a square for BT and SP). One table, in
 * npb-rules.c; libc only, so the static kernels link it.
 */
#ifndef HPCVIRT_NPB_RULES_H
#define HPCVIRT_NPB_RULES_H

#include <stdbool.h>

/* Every class letter NPB defines, smallest first. */
#define HV_NPB_CLASSES "SWABCD"

enum hv_npb_rank_rule {
	HV_NPB_RANKS_ANY,
	HV_NPB_RANKS_POW2,
	HV_NPB_RANKS_SQUARE,
};

struct hv_npb_rule {
	const char *name;	 /* "ep" */
	const char *classes;	 /* serial and OpenMP builds */
	const char *mpi_classes; /* the MPI build */
	enum hv_npb_rank_rule ranks;
};

/* The rule of benchmark name ("ep", "cg", ...), or NULL. */
const struct hv_npb_rule *hv_npb_rule_find(const char *name);

/* Does the MPI build accept n ranks? */
bool hv_npb_ranks_ok(const struct hv_npb_rule *r, long n);

/* "any count", "a power of two (1, 2, 4, 8, ...)" or "a square number
 * (1, 4, 9, 16, ...)", for messages. */
const char *hv_npb_ranks_str(const struct hv_npb_rule *r);

#endif
