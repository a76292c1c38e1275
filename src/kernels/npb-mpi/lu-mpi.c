/*
 * lu-mpi.c - NPB LU over MPI ranks on the z-slab decomposition of
 * cfd-mpi.h. The numerical kernels are those of the serial LU
 * (../npb/lu.c, compiled into this unit): the residual, the per-plane
 * lower and upper SSOR sweeps and the verification. What is new is the
 * wavefront across ranks. The lower sweep at plane k needs plane k-1
 * already swept, so the rank above waits on the top owned plane of the
 * rank below; the upper sweep runs the other way. To keep all ranks
 * busy the j rows are cut into blocks: a rank sweeps one block through
 * all its planes and passes that block's rows of its edge plane on,
 * while it goes on with the next block (a pipeline, as the OpenMP code
 * does between threads). Power-of-two rank counts, as NPB 3.4 allows,
 * each rank owning at least two interior planes.
 */
#include "../npb/lu.c"

#include "cfd-mpi.h"
#include "mpi-count.h"
#include "npb-mpi.h"

#define LUM_TAG_LOWER 21
#define LUM_TAG_UPPER 22
/* j blocks per rank of pipeline depth (see lum_blocks) */
#define LUM_FILL 32

struct lum {
	struct hv_cfd c;
	int rank, nranks;
	int k0, k1;	  /* owned interior planes k0..k1-1 */
	int nb;		  /* j blocks of a sweep */
	MPI_Request *req; /* nb receives, then nb sends */
};

/*
 * Number of j blocks. A sweep lasts nb + P - 1 block times on P ranks
 * (rank r starts r blocks late), so the ranks idle (P-1)/(nb+P-1) of
 * it, while every block costs one message. LUM_FILL blocks per waiting
 * rank keep the idle share near 3 % with messages of one or two rows
 * (2.5-5 KB in class A); on class W and A at 2 ranks 16 or one block a
 * row were as fast within the noise, 4 blocks 10 % and 1 block 50 %
 * slower. One rank needs no pipeline: one block, the serial loop order.
 */
static int
lum_blocks(int n, int nranks)
{
	int rows = n - 2, nb = LUM_FILL * (nranks - 1);

	if (nranks == 1)
		return 1;
	return nb < rows ? nb : rows;
}

/* First row of j block b (block nb ends at the last interior row). */
static int
lum_row(const struct lum *g, int b)
{
	return 1 + (g->c.n - 2) * b / g->nb;
}

/*
 * The rsd values of rows j0..j1-1 of plane k as one contiguous span:
 * from (1, j0) to (n-2, j1-1). The boundary points inside the span hold
 * zeros on every rank, so they may travel along.
 */
static double *
lum_span(struct lum *g, int k, int j0, int j1, int *count)
{
	struct hv_cfd *c = &g->c;

	*count = 5 * ((j1 - 1 - j0) * c->ni + c->n - 2);
	return c->rhs + 5 * hv_cfd_ix(c, 1, j0, k);
}

/*
 * Lower sweep: block by block in ascending j, receive the block's rows
 * of plane k0-1 from below (after that rank's sweep), sweep them up
 * through the owned planes, send the rows of plane k1-1 up. All
 * receives are posted first, straight into the ghost plane.
 */
static void
lum_lower(struct lum *g)
{
	int dn = hv_cfdm_down(g->rank), up = hv_cfdm_up(g->rank, g->nranks);
	MPI_Request *rr = g->req, *sr = g->req + g->nb;
	int b, k, cnt;
	double *buf;

	for (b = 0; b < g->nb; b++) {
		buf = lum_span(g, g->k0 - 1, lum_row(g, b), lum_row(g, b + 1),
			       &cnt);
		MPI_Irecv(buf, cnt, MPI_DOUBLE, dn, LUM_TAG_LOWER,
			  MPI_COMM_WORLD, &rr[b]);
	}
	for (b = 0; b < g->nb; b++) {
		int j0 = lum_row(g, b), j1 = lum_row(g, b + 1);

		MPI_Wait(&rr[b], MPI_STATUS_IGNORE);
		for (k = g->k0; k < g->k1; k++)
			lu_lower_plane(&g->c, k, j0, j1);
		buf = lum_span(g, g->k1 - 1, j0, j1, &cnt);
		MPI_Isend(buf, cnt, MPI_DOUBLE, up, LUM_TAG_LOWER,
			  MPI_COMM_WORLD, &sr[b]);
	}
	MPI_Waitall(g->nb, sr, MPI_STATUSES_IGNORE);
}

/* Upper sweep: the mirror, blocks in descending j, data flowing down. */
static void
lum_upper(struct lum *g)
{
	int dn = hv_cfdm_down(g->rank), up = hv_cfdm_up(g->rank, g->nranks);
	MPI_Request *rr = g->req, *sr = g->req + g->nb;
	int b, k, cnt;
	double *buf;

	for (b = g->nb - 1; b >= 0; b--) {
		buf = lum_span(g, g->k1, lum_row(g, b), lum_row(g, b + 1),
			       &cnt);
		MPI_Irecv(buf, cnt, MPI_DOUBLE, up, LUM_TAG_UPPER,
			  MPI_COMM_WORLD, &rr[b]);
	}
	for (b = g->nb - 1; b >= 0; b--) {
		int j0 = lum_row(g, b), j1 = lum_row(g, b + 1);

		MPI_Wait(&rr[b], MPI_STATUS_IGNORE);
		for (k = g->k1 - 1; k >= g->k0; k--)
			lu_upper_plane(&g->c, k, j0, j1);
		buf = lum_span(g, g->k0, j0, j1, &cnt);
		MPI_Isend(buf, cnt, MPI_DOUBLE, dn, LUM_TAG_UPPER,
			  MPI_COMM_WORLD, &sr[b]);
	}
	MPI_Waitall(g->nb, sr, MPI_STATUSES_IGNORE);
}

/*
 * One SSOR iteration: rsd *= dt, the two sweeps, u += rsd/(w(2-w)),
 * then u's ghost planes (two: the residual's reach) and the residual.
 * The Jacobians of the sweeps read u and the auxiliary fields at the
 * ghost planes k0-1 and k1, current since the last residual.
 */
static void
lum_iter(struct lum *g)
{
	struct hv_cfd *c = &g->c;
	int k;

	for (k = g->k0; k < g->k1; k++)
		lu_plane_axpy(c, k, c->dt, false);
	lum_lower(g);
	lum_upper(g);
	for (k = g->k0; k < g->k1; k++)
		lu_plane_axpy(c, k, 1.0 / (LU_OMEGA * (2.0 - LU_OMEGA)), true);
	hv_cfdm_halo(c, c->u, 5, 2, g->rank, g->nranks);
	hv_cfd_compute_rhs(c, false);
}

/*
 * Start values (every stored plane, ghosts included, so no halo is
 * needed), their residual, then niter timed iterations.
 */
static double
lum_ssor(struct lum *g, int niter)
{
	double t0;
	int it;

	hv_cfd_initialize(&g->c);
	hv_cfd_compute_rhs(&g->c, false);
	MPI_Barrier(MPI_COMM_WORLD);
	t0 = npbm_timed_start();
	for (it = 0; it < niter; it++)
		lum_iter(g);
	return npbm_timed_stop(t0);
}

/* The norms and the surface integral summed over the ranks. */
static void
lum_verify(struct lum *g, const struct lu_prm *p, struct hv_npb_result *r)
{
	double xce[5], xcr[5], part, xci;

	hv_cfdm_field_norm(&g->c, g->c.rhs, xcr);
	hv_cfdm_error_norm(&g->c, 1, p->n - 2, xce);
	part = lu_pintgr(&g->c);
	MPI_Allreduce(&part, &xci, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
	lu_report(p, xce, xcr, xci, r);
}

static int
lum_run(char cls, int rank, int nranks, struct hv_npb_result *r)
{
	const struct lu_prm *p = lu_prm(cls);
	struct lum g = {.rank = rank, .nranks = nranks};
	int err;

	if (!p)
		return -EINVAL;
	err = hv_cfdm_init(&g.c, p->n, p->dt, false, rank, nranks);
	if (err < 0)
		return err;
	g.k0 = g.c.klo > 1 ? g.c.klo : 1;
	g.k1 = g.c.khi < p->n - 1 ? g.c.khi : p->n - 1;
	g.nb = lum_blocks(p->n, nranks);
	g.req = calloc(2 * (size_t)g.nb, sizeof(*g.req));
	if (!g.req) {
		err = -ENOMEM;
		goto out;
	}
	hv_cfd_exact_rhs(&g.c);
	lum_ssor(&g, 1); /* untimed warm-up iteration */
	r->time_s = lum_ssor(&g, p->itmax);
	lum_verify(&g, p, r);
out:
	free(g.req);
	hv_cfd_free(&g.c);
	return err;
}

/* The slab limit, rounded down to a count the power-of-two rule takes. */
static int
lum_max_ranks(char cls)
{
	const struct lu_prm *p = lu_prm(cls);
	int most = p ? hv_cfdm_max_ranks(p->n) : 1, q = 1;

	while (2 * q <= most)
		q *= 2;
	return q;
}

static uint64_t
lum_mem(char cls, int nranks)
{
	const struct lu_prm *p = lu_prm(cls);

	if (!p)
		return 0;
	return (uint64_t)nranks *
	       (hv_cfdm_mem_bytes(p->n, nranks, false) + (4ULL << 20));
}

const struct hv_npbm_bench hv_npbm_lu = {
	.name = "lu",
	.max_ranks = lum_max_ranks,
	.max_rule = "each rank needs two of the grid's interior z planes",
	.mem_bytes = lum_mem,
	.run = lum_run,
};
