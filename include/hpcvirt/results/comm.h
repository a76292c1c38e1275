/*
 * comm.h - what an NPB-MPI benchmark of hpcvirt sends, and what that costs
 * on a network of Hockney's alpha and beta (issue 15, the communication
 * model).
 *
 * The counts are those of hpcvirt's own MPI kernels (src/kernels/npb-mpi/),
 * written out from their code: the busiest rank's calls and bytes of each
 * kind in the timed region, exactly what their PMPI layer reports as
 * "comm" (mpi-count.h), so a run checks them. They cover EP, CG, BT and
 * SP, the benchmarks of the paper's Figure 4.
 *
 * The cost of a kind on N nodes (one rank a node) follows the usual
 * algorithms of MPI libraries (Thakur, Rabenseifner and Gropp, "Optimization
 * of Collective Communication Operations in MPICH", IJHPCA 2005), with
 * L = ceil(log2 N):
 *
 *   point to point, per message of m bytes    alpha + m beta
 *   allreduce, reduce, bcast, exscan (m)      L (alpha + m beta)
 *   allgather(v), block b of each rank        L alpha + (N - 1) b beta
 *   alltoall(v), m bytes to the others        (N - 1) alpha + m beta
 *   barrier                                   L alpha
 *
 * Messages are taken one after another (no overlap with computation or
 * with each other): an upper bound on what the network adds.
 */
#ifndef HPCVIRT_COMM_H
#define HPCVIRT_COMM_H

#include <stddef.h>

#define HV_COMM_KINDS 10

/* One kind of operation of the busiest rank (max over ranks, per field). */
struct hv_comm_count {
	const char *kind; /* "p2p", "allreduce", ... as in the kernel JSON */
	double calls;
	double bytes; /* this rank's part, summed over the calls */
};

/*
 * The counts of hpcvirt-npb-mpi BENCH (ep, cg, bt, sp) of class CLS on
 * nranks ranks into out[HV_COMM_KINDS], *n entries, kinds without a call
 * left out. -ENOENT when there is no count model for bench or class,
 * -ERANGE when the benchmark does not run on nranks ranks (BT and SP: a
 * square, at most max ranks; CG: a power of two), with *max_ranks set
 * (0 when unbounded) if max_ranks is not NULL.
 */
int hv_comm_counts(const char *bench, char cls, int nranks,
		   struct hv_comm_count *out, size_t *n, int *max_ranks);

/*
 * The time counts take on nodes nodes (one rank each) under alpha (s) and
 * beta (s/byte), split into the part of alpha (latency) and of beta
 * (bandwidth). 0 for one node.
 */
void hv_comm_time(const struct hv_comm_count *c, size_t n, int nodes,
		  double alpha, double beta, double *t_alpha, double *t_beta);

/*
 * The operations of the benchmark class in millions, as NPB counts them
 * for its Mop/s (EP 2^(m+1) pairs; CG, BT and SP their formulas), or 0
 * for an unknown bench or class. The model carries a time measured at
 * one class to another in this ratio.
 */
double hv_comm_class_mops(const char *bench, char cls);

#endif
