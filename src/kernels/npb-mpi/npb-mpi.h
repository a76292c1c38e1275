/*
 * npb-mpi.h - shared declarations of hpcvirt-npb-mpi, the MPI versions
 * of our NAS Parallel Benchmarks. The verification, the random number
 * generator and the result record are those of the serial programs
 * (../npb/npb.h); what differs is the data distribution over the ranks
 * of MPI_COMM_WORLD. Each benchmark checks its rank-count rule (NPB's:
 * any count for EP, a power of two for CG, FT, IS, MG and LU, a square
 * for BT and SP; BT, SP and LU also need two z planes a rank), runs with
 * its timed region bracketed by barriers, and fills the result on every
 * rank; the driver (npb-mpi-main.c) takes the maximum time over the
 * ranks and lets rank 0 verify and print.
 */
#ifndef HPCVIRT_NPB_MPI_H
#define HPCVIRT_NPB_MPI_H

#include <mpi.h>
#include <stdbool.h>

#include "../npb/npb.h"
#include "npb-rules.h"

struct hv_npbm_bench {
	const char *name;
	/* classes and rank rule: the table in src/proto/npb-rules.c */
	/* the most ranks a class takes (NULL: no limit), and why */
	int (*max_ranks)(char cls);
	const char *max_rule;
	/* total bytes over all ranks for a class on n ranks */
	uint64_t (*mem_bytes)(char cls, int nranks);
	/* 0 when it ran (verified or not), else a negative errno */
	int (*run)(char cls, int rank, int nranks, struct hv_npb_result *r);
};

extern const struct hv_npbm_bench hv_npbm_ep, hv_npbm_is, hv_npbm_cg,
	hv_npbm_mg, hv_npbm_ft, hv_npbm_bt, hv_npbm_sp, hv_npbm_lu;

/* Block partition of [0, n) over nranks: the range of rank. */
static inline void
npbm_part(long n, int rank, int nranks, long *lo, long *hi)
{
	*lo = n * rank / nranks;
	*hi = n * (rank + 1) / nranks;
}

#endif
