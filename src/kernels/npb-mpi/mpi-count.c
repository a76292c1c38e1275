/*
 * mpi-count.c - the PMPI layer of mpi-count.h. Each wrapper counts, while
 * counting is on, and calls the library's PMPI_ entry point; the
 * benchmarks call MPI_* as always and are linked with this file.
 */
#include <mpi.h>
#include <stdbool.h>
#include <string.h>

#include "mpi-count.h"

static const char *const kind_name[NPBM_NKINDS] = {
	[NPBM_P2P] = "p2p",
	[NPBM_ALLREDUCE] = "allreduce",
	[NPBM_REDUCE] = "reduce",
	[NPBM_BCAST] = "bcast",
	[NPBM_EXSCAN] = "exscan",
	[NPBM_ALLGATHER] = "allgather",
	[NPBM_ALLGATHERV] = "allgatherv",
	[NPBM_ALLTOALL] = "alltoall",
	[NPBM_ALLTOALLV] = "alltoallv",
	[NPBM_BARRIER] = "barrier",
};

static bool counting;
static uint64_t calls[NPBM_NKINDS], bytes[NPBM_NKINDS];

static uint64_t
size_of(int count, MPI_Datatype dt)
{
	int sz = 0;

	if (count <= 0 || dt == MPI_DATATYPE_NULL ||
	    PMPI_Type_size(dt, &sz) != MPI_SUCCESS || sz < 0)
		return 0;
	return (uint64_t)count * (uint64_t)sz;
}

static void
note(enum npbm_kind k, uint64_t b)
{
	if (!counting)
		return;
	calls[k]++;
	bytes[k] += b;
}

static int
comm_rank(MPI_Comm comm)
{
	int r = 0;

	PMPI_Comm_rank(comm, &r);
	return r;
}

static int
comm_size(MPI_Comm comm)
{
	int n = 1;

	PMPI_Comm_size(comm, &n);
	return n;
}

double
npbm_timed_start(void)
{
	memset(calls, 0, sizeof(calls));
	memset(bytes, 0, sizeof(bytes));
	counting = true;
	return hv_npb_wtime();
}

double
npbm_timed_stop(double t0)
{
	double t = hv_npb_wtime() - t0;

	counting = false;
	return t;
}

int
npbm_comm_max(struct hv_npb_comm *out)
{
	uint64_t mine[2 * NPBM_NKINDS], max[2 * NPBM_NKINDS];
	int k, n = 0;

	memcpy(mine, calls, sizeof(calls));
	memcpy(mine + NPBM_NKINDS, bytes, sizeof(bytes));
	PMPI_Allreduce(mine, max, 2 * NPBM_NKINDS, MPI_UINT64_T, MPI_MAX,
		       MPI_COMM_WORLD);
	for (k = 0; k < NPBM_NKINDS; k++) {
		if (!max[k])
			continue;
		out[n].kind = kind_name[k];
		out[n].calls = max[k];
		out[n].bytes = max[NPBM_NKINDS + k];
		n++;
	}
	return n;
}

/* --- the wrappers ------------------------------------------------------ */

int
MPI_Send(const void *buf, int count, MPI_Datatype dt, int dest, int tag,
	 MPI_Comm comm)
{
	if (dest != MPI_PROC_NULL)
		note(NPBM_P2P, size_of(count, dt));
	return PMPI_Send(buf, count, dt, dest, tag, comm);
}

int
MPI_Isend(const void *buf, int count, MPI_Datatype dt, int dest, int tag,
	  MPI_Comm comm, MPI_Request *req)
{
	if (dest != MPI_PROC_NULL)
		note(NPBM_P2P, size_of(count, dt));
	return PMPI_Isend(buf, count, dt, dest, tag, comm, req);
}

int
MPI_Sendrecv(const void *sbuf, int scount, MPI_Datatype sdt, int dest, int stag,
	     void *rbuf, int rcount, MPI_Datatype rdt, int src, int rtag,
	     MPI_Comm comm, MPI_Status *st)
{
	if (dest != MPI_PROC_NULL)
		note(NPBM_P2P, size_of(scount, sdt));
	return PMPI_Sendrecv(sbuf, scount, sdt, dest, stag, rbuf, rcount, rdt,
			     src, rtag, comm, st);
}

int
MPI_Allreduce(const void *sbuf, void *rbuf, int count, MPI_Datatype dt,
	      MPI_Op op, MPI_Comm comm)
{
	note(NPBM_ALLREDUCE, size_of(count, dt));
	return PMPI_Allreduce(sbuf, rbuf, count, dt, op, comm);
}

int
MPI_Reduce(const void *sbuf, void *rbuf, int count, MPI_Datatype dt, MPI_Op op,
	   int root, MPI_Comm comm)
{
	note(NPBM_REDUCE, size_of(count, dt));
	return PMPI_Reduce(sbuf, rbuf, count, dt, op, root, comm);
}

int
MPI_Bcast(void *buf, int count, MPI_Datatype dt, int root, MPI_Comm comm)
{
	note(NPBM_BCAST, size_of(count, dt));
	return PMPI_Bcast(buf, count, dt, root, comm);
}

int
MPI_Exscan(const void *sbuf, void *rbuf, int count, MPI_Datatype dt, MPI_Op op,
	   MPI_Comm comm)
{
	note(NPBM_EXSCAN, size_of(count, dt));
	return PMPI_Exscan(sbuf, rbuf, count, dt, op, comm);
}

int
MPI_Allgather(const void *sbuf, int scount, MPI_Datatype sdt, void *rbuf,
	      int rcount, MPI_Datatype rdt, MPI_Comm comm)
{
	note(NPBM_ALLGATHER, sbuf == MPI_IN_PLACE ? size_of(rcount, rdt)
						  : size_of(scount, sdt));
	return PMPI_Allgather(sbuf, scount, sdt, rbuf, rcount, rdt, comm);
}

int
MPI_Allgatherv(const void *sbuf, int scount, MPI_Datatype sdt, void *rbuf,
	       const int rcounts[], const int displs[], MPI_Datatype rdt,
	       MPI_Comm comm)
{
	note(NPBM_ALLGATHERV, sbuf == MPI_IN_PLACE
				      ? size_of(rcounts[comm_rank(comm)], rdt)
				      : size_of(scount, sdt));
	return PMPI_Allgatherv(sbuf, scount, sdt, rbuf, rcounts, displs, rdt,
			       comm);
}

int
MPI_Alltoall(const void *sbuf, int scount, MPI_Datatype sdt, void *rbuf,
	     int rcount, MPI_Datatype rdt, MPI_Comm comm)
{
	note(NPBM_ALLTOALL,
	     size_of(scount, sdt) * (uint64_t)(comm_size(comm) - 1));
	return PMPI_Alltoall(sbuf, scount, sdt, rbuf, rcount, rdt, comm);
}

int
MPI_Alltoallv(const void *sbuf, const int scounts[], const int sdispls[],
	      MPI_Datatype sdt, void *rbuf, const int rcounts[],
	      const int rdispls[], MPI_Datatype rdt, MPI_Comm comm)
{
	int n = comm_size(comm), me = comm_rank(comm), j;
	uint64_t b = 0;

	for (j = 0; j < n && counting; j++)
		if (j != me)
			b += size_of(scounts[j], sdt);
	note(NPBM_ALLTOALLV, b);
	return PMPI_Alltoallv(sbuf, scounts, sdispls, sdt, rbuf, rcounts,
			      rdispls, rdt, comm);
}

int
MPI_Barrier(MPI_Comm comm)
{
	note(NPBM_BARRIER, 0);
	return PMPI_Barrier(comm);
}
