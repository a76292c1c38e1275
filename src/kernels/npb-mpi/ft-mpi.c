/*
 * ft-mpi.c - NPB FT over MPI ranks, by slabs with a transpose. Rank r
 * holds z planes [r nz/P, (r+1) nz/P) ("A" layout, [z][y][x]) for the x
 * and y FFTs, and y rows [r ny/P, (r+1) ny/P) with every z ("B" layout,
 * [y][z][x]) for the z FFTs; an MPI_Alltoall of packed row blocks turns
 * one into the other, twice per step. The spectral field u0 stays in B,
 * where the evolution is applied. Checksum points are summed by the
 * rank owning their plane and combined with MPI_Allreduce. The FFT
 * engine, its line batches, the roots and the evolution tables are the
 * serial ones (../npb/ft.c, compiled into this unit); one rank runs the
 * serial solver itself. Power-of-two rank counts, as NPB requires.
 */
#include "../npb/ft.c"

#include "mpi-count.h"
#include "npb-mpi.h"

struct ftm {
	const struct ft_prm *p;
	struct ft_prm pa, pb;	/* local shapes of layouts A and B */
	struct ft_state sa, sb; /* A: roots x, y; B: roots x, z (as y) */
	double *u1, *u0, *t;	/* A, B (spectral), B scratch */
	double *sbuf, *rbuf;	/* packed transpose blocks */
	int rank, P, nzl, nyl;
};

/* A -> B: rows (z, y in d's range) of my planes go to rank d. */
static void
ftm_a2b(struct ftm *f, const double *a, double *b)
{
	const struct ft_prm *p = f->p;
	size_t row = 2 * (size_t)p->nx * sizeof(double);
	long blk = (long)f->nzl * f->nyl * 2 * p->nx, at;
	int d, z, y;

	for (d = 0, at = 0; d < f->P; d++)
		for (z = 0; z < f->nzl; z++)
			for (y = 0; y < f->nyl; y++, at += 2 * p->nx)
				memcpy(f->sbuf + at,
				       a + 2 *
						       ((long)z * p->ny +
							d * f->nyl + y) *
						       p->nx,
				       row);
	MPI_Alltoall(f->sbuf, (int)blk, MPI_DOUBLE, f->rbuf, (int)blk,
		     MPI_DOUBLE, MPI_COMM_WORLD);
	for (d = 0, at = 0; d < f->P; d++)
		for (z = 0; z < f->nzl; z++)
			for (y = 0; y < f->nyl; y++, at += 2 * p->nx)
				memcpy(b + 2 *
						       ((long)y * p->nz +
							d * f->nzl + z) *
						       p->nx,
				       f->rbuf + at, row);
}

/* B -> A: rows (y, z in d's range) of my y rows go to rank d. */
static void
ftm_b2a(struct ftm *f, const double *b, double *a)
{
	const struct ft_prm *p = f->p;
	size_t row = 2 * (size_t)p->nx * sizeof(double);
	long blk = (long)f->nzl * f->nyl * 2 * p->nx, at;
	int d, z, y;

	for (d = 0, at = 0; d < f->P; d++)
		for (y = 0; y < f->nyl; y++)
			for (z = 0; z < f->nzl; z++, at += 2 * p->nx)
				memcpy(f->sbuf + at,
				       b + 2 *
						       ((long)y * p->nz +
							d * f->nzl + z) *
						       p->nx,
				       row);
	MPI_Alltoall(f->sbuf, (int)blk, MPI_DOUBLE, f->rbuf, (int)blk,
		     MPI_DOUBLE, MPI_COMM_WORLD);
	for (d = 0, at = 0; d < f->P; d++)
		for (y = 0; y < f->nyl; y++)
			for (z = 0; z < f->nzl; z++, at += 2 * p->nx)
				memcpy(a + 2 *
						       ((long)z * p->ny +
							d * f->nyl + y) *
						       p->nx,
				       f->rbuf + at, row);
}

/* u0 (B layout) *= ex_x * ex_y * ex_z: one evolution step. */
static void
ftm_evolve(struct ftm *f)
{
	const struct ft_prm *p = f->p;
	double *const *ex = f->sa.ex;
	int y, z, x;

	for (y = 0; y < f->nyl; y++)
		for (z = 0; z < p->nz; z++) {
			double g = ex[1][f->rank * f->nyl + y] * ex[2][z];
			double *l = f->u0 + 2 * ((long)y * p->nz + z) * p->nx;

			for (x = 0; x < p->nx; x++) {
				l[2 * x] *= g * ex[0][x];
				l[2 * x + 1] *= g * ex[0][x];
			}
		}
}

/* My planes of the initial field (A layout), by jump-ahead per plane. */
static void
ftm_init_field(struct ftm *f)
{
	long plane = 2L * f->p->nx * f->p->ny;
	int z;

	for (z = 0; z < f->nzl; z++) {
		uint64_t x = npb_skip(NPB_SEED, NPB_A,
				      (uint64_t)plane * (f->rank * f->nzl + z));

		npb_vranlc(plane, &x, NPB_A, f->u1 + plane * z);
	}
}

/* The checksum points of my planes, summed over the ranks. */
static void
ftm_checksum(struct ftm *f, double *re, double *im)
{
	const struct ft_prm *p = f->p;
	double s[2] = {0, 0}, tot[2], ntot = (double)p->nx * p->ny * p->nz;
	long j;

	for (j = 1; j <= FT_CHK; j++) {
		long q = j % p->nx, r = (3 * j) % p->ny, t = (5 * j) % p->nz;
		const double *c;

		if (t / f->nzl != f->rank)
			continue;
		c = f->u1 + 2 * (((t % f->nzl) * p->ny + r) * p->nx + q);
		s[0] += c[0];
		s[1] += c[1];
	}
	MPI_Allreduce(s, tot, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
	*re = tot[0] / ntot;
	*im = tot[1] / ntot;
}

/* Setup, forward FFT, niter x (evolve, inverse FFT, checksum). */
static void
ftm_solve(struct ftm *f, double *cre, double *cim)
{
	const struct ft_prm *p = f->p;
	struct ft_work w;
	int nmax = p->nx > p->ny ? p->nx : p->ny, t, d;

	nmax = nmax > p->nz ? nmax : p->nz;
	f->sa.p = p;
	ft_setup(&f->sa); /* tables and roots of the whole grid */
	f->sa.p = &f->pa;
	f->sb.p = &f->pb;
	f->sb.rt[0] = f->sa.rt[0];
	f->sb.rt[1] = f->sa.rt[2]; /* in B, z lines are "axis 1" */
	ft_work_alloc(&w, nmax);
	ftm_init_field(f);
	ft_pass(&f->sa, 0, 1.0, f->u1, f->u1, false, &w);
	ft_pass(&f->sa, 1, 1.0, f->u1, f->u1, false, &w);
	ftm_a2b(f, f->u1, f->u0);
	ft_pass(&f->sb, 1, 1.0, f->u0, f->u0, false, &w);
	for (t = 0; t < p->niter; t++) {
		ftm_evolve(f);
		ft_pass(&f->sb, 1, -1.0, f->u0, f->t, false, &w);
		ftm_b2a(f, f->t, f->u1);
		ft_pass(&f->sa, 1, -1.0, f->u1, f->u1, false, &w);
		ft_pass(&f->sa, 0, -1.0, f->u1, f->u1, false, &w);
		ftm_checksum(f, &cre[t], &cim[t]);
	}
	free(w.ar);
	for (d = 0; d < 3; d++)
		ft_roots_free(&f->sa.rt[d]);
}

static int
ftm_alloc(struct ftm *f)
{
	const struct ft_prm *p = f->p;
	size_t slab;

	if (p->nz % f->P || p->ny % f->P || p->niter > 32)
		return -EINVAL;
	f->nzl = p->nz / f->P;
	f->nyl = p->ny / f->P;
	f->pa = *p;
	f->pa.nz = f->nzl;
	f->pb = *p;
	f->pb.ny = p->nz;
	f->pb.nz = f->nyl;
	slab = 2 * (size_t)p->nx * p->ny * f->nzl * sizeof(double);
	f->u1 = hv_k_alloc_aligned(slab);
	f->u0 = hv_k_alloc_aligned(slab);
	f->t = hv_k_alloc_aligned(slab);
	f->sbuf = hv_k_alloc_aligned(slab);
	f->rbuf = hv_k_alloc_aligned(slab);
	f->sa.ex[0] = calloc((size_t)p->nx + p->ny + p->nz, sizeof(double));
	if (!f->sa.ex[0])
		return -ENOMEM;
	f->sa.ex[1] = f->sa.ex[0] + p->nx;
	f->sa.ex[2] = f->sa.ex[1] + p->ny;
	return 0;
}

static void
ftm_free(struct ftm *f)
{
	free(f->u1);
	free(f->u0);
	free(f->t);
	free(f->sbuf);
	free(f->rbuf);
	free(f->sa.ex[0]);
}

static int
ftm_run(char cls, int rank, int nranks, struct hv_npb_result *r)
{
	struct ftm f = {.p = ft_prm(cls), .rank = rank, .P = nranks};
	double cre[32], cim[32], t0, ntot, lnt;
	int t, err;

	if (!f.p)
		return -EINVAL;
	if (nranks == 1)
		return ft_run(cls, 1, r); /* one rank: the serial solver */
	err = ftm_alloc(&f);
	if (err < 0) {
		ftm_free(&f);
		return err;
	}
	ftm_solve(&f, cre, cim); /* untimed dry run, as NPB does */
	MPI_Barrier(MPI_COMM_WORLD);
	t0 = npbm_timed_start();
	ftm_solve(&f, cre, cim);
	r->time_s = npbm_timed_stop(t0);
	snprintf(r->size, sizeof(r->size), "%dx%dx%d", f.p->nx, f.p->ny,
		 f.p->nz);
	r->iterations = f.p->niter;
	r->op_type = "floating point";
	ntot = (double)f.p->nx * f.p->ny * f.p->nz;
	lnt = log(ntot);
	r->mops_total = ntot *
			(14.8157 + 7.19641 * lnt +
			 (5.23518 + 7.21113 * lnt) * f.p->niter) /
			r->time_s / 1e6;
	for (t = 0; t < f.p->niter; t++)
		hv_npb_check_complex(r, "FT", cls, "checksum", t + 1, cre[t],
				     cim[t]);
	ftm_free(&f);
	return 0;
}

/* Five slabs per rank: about 80 bytes per grid point in total. */
static uint64_t
ftm_mem(char cls, int nranks)
{
	const struct ft_prm *p = ft_prm(cls);

	if (!p)
		return 0;
	if (nranks == 1)
		return ft_mem(cls, 1);
	return 80ULL * p->nx * p->ny * p->nz + (uint64_t)nranks * (8ULL << 20);
}

const struct hv_npbm_bench hv_npbm_ft = {
	.name = "ft",
	.mem_bytes = ftm_mem,
	.run = ftm_run,
};
