/*
 * cfd-mpi.c - the slab decomposition of the MPI BT, SP and LU (see
 * cfd-mpi.h): which planes a rank owns, its ghost-plane exchange with
 * the ranks above and below (planes are contiguous in memory, so a halo
 * is one MPI_Sendrecv each way, no packing), and the norms summed over
 * all ranks.
 */
#include <errno.h>

#include "cfd-mpi.h"

void
hv_cfdm_slab(int n, int rank, int nranks, int *klo, int *khi)
{
	long in = n - 2;

	*klo = rank == 0 ? 0 : 1 + (int)(in * rank / nranks);
	*khi = rank == nranks - 1 ? n : 1 + (int)(in * (rank + 1) / nranks);
}

int
hv_cfdm_max_ranks(int n)
{
	return (n - 2) / CFDM_GHOST;
}

size_t
hv_cfdm_mem_bytes(int n, int nranks, bool want_speed)
{
	int most = (n - 2 + nranks - 1) / nranks + 2 * CFDM_GHOST;

	return hv_cfd_mem_bytes(n, most < n ? most : n, want_speed);
}

int
hv_cfdm_init(struct hv_cfd *c, int n, double dt, bool want_speed, int rank,
	     int nranks)
{
	int klo, khi;

	hv_cfdm_slab(n, rank, nranks, &klo, &khi);
	return hv_cfd_init_slab(c, n, dt, want_speed, klo, khi, CFDM_GHOST);
}

int
hv_cfdm_down(int rank)
{
	return rank > 0 ? rank - 1 : MPI_PROC_NULL;
}

int
hv_cfdm_up(int rank, int nranks)
{
	return rank < nranks - 1 ? rank + 1 : MPI_PROC_NULL;
}

/* Start of plane k of field f, or NULL if it is not stored. */
static double *
plane(const struct hv_cfd *c, double *f, int ncomp, int k)
{
	if (k < c->kb || k >= c->kb + c->nk)
		return NULL;
	return f + (size_t)ncomp * hv_cfd_ix(c, 0, 0, k);
}

void
hv_cfdm_halo(const struct hv_cfd *c, double *f, int ncomp, int depth, int rank,
	     int nranks)
{
	int dn = hv_cfdm_down(rank), up = hv_cfdm_up(rank, nranks);
	int cnt = ncomp * c->ni * c->nj * depth;
	double *lo_own = plane(c, f, ncomp, c->klo);
	double *hi_own = plane(c, f, ncomp, c->khi - depth);
	double *lo_ghost =
		dn == MPI_PROC_NULL ? NULL : plane(c, f, ncomp, c->klo - depth);
	double *hi_ghost =
		up == MPI_PROC_NULL ? NULL : plane(c, f, ncomp, c->khi);

	/* upward: my top planes to the ghosts of the rank above */
	MPI_Sendrecv(hi_own, up == MPI_PROC_NULL ? 0 : cnt, MPI_DOUBLE, up, 11,
		     lo_ghost, dn == MPI_PROC_NULL ? 0 : cnt, MPI_DOUBLE, dn,
		     11, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
	/* downward: my bottom planes to the ghosts of the rank below */
	MPI_Sendrecv(lo_own, dn == MPI_PROC_NULL ? 0 : cnt, MPI_DOUBLE, dn, 12,
		     hi_ghost, up == MPI_PROC_NULL ? 0 : cnt, MPI_DOUBLE, up,
		     12, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

void
hv_cfdm_error_norm(const struct hv_cfd *c, int lo, int hi, double out[5])
{
	double part[5];

	hv_cfd_error_sums(c, lo, hi, part);
	MPI_Allreduce(part, out, 5, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
	hv_cfd_rms(c, out);
}

void
hv_cfdm_field_norm(const struct hv_cfd *c, const double *f, double out[5])
{
	double part[5];

	hv_cfd_field_sums(c, f, part);
	MPI_Allreduce(part, out, 5, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
	hv_cfd_rms(c, out);
}
