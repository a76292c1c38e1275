/*
 * mpi-count.h - what the timed region of an NPB-MPI benchmark sends: an
 * MPI profiling (PMPI) layer counts, per rank and per kind of operation,
 * the calls and the bytes this rank contributes, between
 * npbm_timed_start() and npbm_timed_stop(). These counts are the message
 * side of the communication model (issue 15): T = compute + sum over
 * messages of alpha + bytes * beta.
 *
 * Bytes per call, for this rank: point-to-point (MPI_Send, MPI_Isend, the
 * send half of MPI_Sendrecv) the message, and only to a real rank (not
 * MPI_PROC_NULL); Allreduce, Reduce, Bcast and Exscan the vector; Allgather
 * and Allgatherv this rank's block; Alltoall and Alltoallv what it sends
 * to the other ranks; Barrier none.
 */
#ifndef HPCVIRT_MPI_COUNT_H
#define HPCVIRT_MPI_COUNT_H

#include <stdint.h>

#include "../npb/npb.h"

enum npbm_kind {
	NPBM_P2P,
	NPBM_ALLREDUCE,
	NPBM_REDUCE,
	NPBM_BCAST,
	NPBM_EXSCAN,
	NPBM_ALLGATHER,
	NPBM_ALLGATHERV,
	NPBM_ALLTOALL,
	NPBM_ALLTOALLV,
	NPBM_BARRIER,
	NPBM_NKINDS
};

/* Start counting (from zero) and return the time, as hv_npb_wtime(). */
double npbm_timed_start(void);
/* Stop counting; return the seconds since t0. */
double npbm_timed_stop(double t0);

/*
 * The busiest rank's counts of each kind (a maximum over the ranks, kind
 * by kind; collective over MPI_COMM_WORLD), as the result's "comm"
 * entries: out[0..NPBM_NKINDS-1], kinds without a call left out. Returns
 * the number of entries.
 */
int npbm_comm_max(struct hv_npb_comm *out);

#endif
