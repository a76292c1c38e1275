/*
 * cfd-mpi.h - the slab decomposition that the MPI versions of BT, SP and
 * LU share. The grid's z planes are cut into one slab per rank: the
 * interior planes 1..n-2 are split evenly, rank 0 also owns plane 0 and
 * the last rank plane n-1. A rank stores its slab plus CFDM_GHOST planes
 * on each side (struct hv_cfd's slab mode, ../npb/cfd.h), enough for the
 * reach of the steady-state operator (4th-order dissipation: k +- 2).
 * Ghost planes are refreshed from the neighbouring ranks with
 * hv_cfdm_halo; the verification norms are combined over the ranks.
 * x and y lines lie inside a slab; a z line crosses the ranks in rank
 * order (up = rank+1 holds the larger k).
 */
#ifndef HPCVIRT_NPB_CFD_MPI_H
#define HPCVIRT_NPB_CFD_MPI_H

#include <mpi.h>
#include <stdbool.h>

#include "../npb/cfd.h"

#define CFDM_GHOST 2

/* Owned planes klo..khi-1 of rank out of nranks on an n^3 grid. */
void hv_cfdm_slab(int n, int rank, int nranks, int *klo, int *khi);
/*
 * The most ranks an n^3 grid takes: each must own CFDM_GHOST interior
 * planes, so that a halo comes from the next rank alone.
 */
int hv_cfdm_max_ranks(int n);
/* Bytes of one rank's fields (the largest slab) on nranks ranks. */
size_t hv_cfdm_mem_bytes(int n, int nranks, bool want_speed);

/* hv_cfd_init_slab for this rank's slab. 0 or -ENOMEM. */
int hv_cfdm_init(struct hv_cfd *c, int n, double dt, bool want_speed, int rank,
		 int nranks);

/* Neighbours in z: the rank below (smaller k) and above, or MPI_PROC_NULL. */
int hv_cfdm_down(int rank);
int hv_cfdm_up(int rank, int nranks);

/*
 * Refresh `depth` (1..CFDM_GHOST) ghost planes on each side of field f
 * (ncomp doubles a point, laid out like u) from the neighbours' owned
 * planes. Collective over MPI_COMM_WORLD.
 */
void hv_cfdm_halo(const struct hv_cfd *c, double *f, int ncomp, int depth,
		  int rank, int nranks);

/* The whole grid's norms (hv_cfd_error_norm, _field_norm), on every rank. */
void hv_cfdm_error_norm(const struct hv_cfd *c, int lo, int hi, double out[5]);
void hv_cfdm_field_norm(const struct hv_cfd *c, const double *f, double out[5]);

#endif
