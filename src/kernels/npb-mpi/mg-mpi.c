/*
 * mg-mpi.c - NPB MG over MPI ranks: each fine level is cut into slabs
 * of z planes (rank r owns planes r*n/P+1 .. (r+1)*n/P plus one ghost
 * plane each side, exchanged with MPI_Sendrecv around the periodic
 * ring); the coarse levels (fewer than MGM_DIST points per side) are
 * small, so every rank holds them whole and works them redundantly:
 * the restriction into the first such level ends with an
 * MPI_Allgather of the planes. The serial code (../npb/mg.c, compiled
 * into this unit) does the coarse levels, the row kernels, the
 * right-hand side (zran3, on a whole-grid scratch copy, untimed) and
 * the coefficients; the slab loops below apply the same stencils to
 * local planes. One rank runs the serial solver itself: the slab code
 * would only copy its own ghost planes. Power-of-two rank counts, as
 * NPB requires.
 */
#include "../npb/mg.c"

#include "mpi-count.h"
#include "npb-mpi.h"

#define MGM_DIST 16 /* levels at least this big are distributed */

struct mgm {
	struct mg_state s; /* lev[k].u/r: slabs or whole cubes */
	bool dist[MG_MAXLEV + 1];
	int nl[MG_MAXLEV + 1]; /* local planes of a distributed level */
	int rank, P;
};

/* Ghost planes: x/y periodic in each local plane, z from neighbours. */
static void
mgm_comm3(const struct mgm *g, double *u, int k)
{
	int n = g->s.lev[k].n, m = n + 2, nl = g->nl[k], i3, i2;
	int up = (g->rank + 1) % g->P, dn = (g->rank + g->P - 1) % g->P;
	long pl = (long)m * m;

	for (i3 = 1; i3 <= nl; i3++) {
		for (i2 = 1; i2 <= n; i2++) {
			double *l = u + IX(m, i3, i2, 0);

			l[0] = l[n];
			l[n + 1] = l[1];
		}
		memcpy(u + IX(m, i3, 0, 0), u + IX(m, i3, n, 0),
		       (size_t)m * sizeof(double));
		memcpy(u + IX(m, i3, n + 1, 0), u + IX(m, i3, 1, 0),
		       (size_t)m * sizeof(double));
	}
	if (g->P == 1) {
		memcpy(u, u + nl * pl, (size_t)pl * sizeof(double));
		memcpy(u + (nl + 1) * pl, u + pl, (size_t)pl * sizeof(double));
		return;
	}
	MPI_Sendrecv(u + nl * pl, (int)pl, MPI_DOUBLE, up, 1, u, (int)pl,
		     MPI_DOUBLE, dn, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
	MPI_Sendrecv(u + pl, (int)pl, MPI_DOUBLE, dn, 2, u + (nl + 1) * pl,
		     (int)pl, MPI_DOUBLE, up, 2, MPI_COMM_WORLD,
		     MPI_STATUS_IGNORE);
}

/* r = v - A u on the local planes, then the ghosts of r. */
static void
mgm_resid(const struct mgm *g, const double *u, const double *v, double *r,
	  int k)
{
	int n = g->s.lev[k].n, m = n + 2, i3, i2, i1;
	const double *a = g->s.a;
	double s1[m], s2[m];

	for (i3 = 1; i3 <= g->nl[k]; i3++)
		for (i2 = 1; i2 <= n; i2++) {
			const double *restrict uc = u + IX(m, i3, i2, 0);
			const double *vc = v + IX(m, i3, i2, 0);
			double *rc = r + IX(m, i3, i2, 0);

			mg_sums(u, m, i3, i2, s1, s2);
			for (i1 = 1; i1 <= n; i1++)
				rc[i1] = vc[i1] - a[0] * uc[i1] -
					 a[2] * (s2[i1] + s1[i1 - 1] +
						 s1[i1 + 1]) -
					 a[3] * (s2[i1 - 1] + s2[i1 + 1]);
		}
	mgm_comm3(g, r, k);
}

/* u += S r on the local planes, then the ghosts of u. */
static void
mgm_psinv(const struct mgm *g, const double *r, double *u, int k)
{
	int n = g->s.lev[k].n, m = n + 2, i3, i2, i1;
	const double *c = g->s.c;
	double s1[m], s2[m];

	for (i3 = 1; i3 <= g->nl[k]; i3++)
		for (i2 = 1; i2 <= n; i2++) {
			const double *restrict rc = r + IX(m, i3, i2, 0);
			double *restrict uc = u + IX(m, i3, i2, 0);

			mg_sums(r, m, i3, i2, s1, s2);
			for (i1 = 1; i1 <= n; i1++)
				uc[i1] += c[0] * rc[i1] +
					  c[1] * (rc[i1 - 1] + rc[i1 + 1] +
						  s1[i1]) +
					  c[2] * (s2[i1] + s1[i1 - 1] +
						  s1[i1 + 1]);
		}
	mgm_comm3(g, u, k);
}

/*
 * Restrict the fine residual of distributed level k into level k-1: its
 * local planes, or this rank's planes of the whole coarse cube, which
 * an in-place MPI_Allgather then completes on every rank.
 */
static void
mgm_rprj3(const struct mgm *g, int k)
{
	const double *rf = g->s.lev[k].r;
	double *rc = g->s.lev[k - 1].r;
	int nf = g->s.lev[k].n, mf = nf + 2, nc = nf / 2, mc = nc + 2;
	int nlc = g->nl[k] / 2, j3, j2, j1;
	long pl = (long)mc * mc;
	double *base = g->dist[k - 1] ? rc : rc + g->rank * nlc * pl;
	double s1[mf], s2[mf];

	for (j3 = 1; j3 <= nlc; j3++)
		for (j2 = 1; j2 <= nc; j2++) {
			const double *f = rf + IX(mf, 2 * j3, 2 * j2, 0);
			double *o = base + IX(mc, j3, j2, 0);

			mg_sums(rf, mf, 2 * j3, 2 * j2, s1, s2);
			for (j1 = 1; j1 <= nc; j1++) {
				int i = 2 * j1;

				o[j1] = 0.5 * f[i] +
					0.25 * (f[i - 1] + f[i + 1] + s1[i]) +
					0.125 * (s2[i] + s1[i - 1] +
						 s1[i + 1]) +
					0.0625 * (s2[i - 1] + s2[i + 1]);
			}
		}
	if (g->dist[k - 1]) {
		mgm_comm3(g, rc, k - 1);
		return;
	}
	MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, rc + pl,
		      (int)(nlc * pl), MPI_DOUBLE, MPI_COMM_WORLD);
	mg_comm3(rc, nc);
}

/*
 * u of distributed level k += interpolation of u of level k-1: coarse
 * plane c (local, or this rank's offset into the whole cube) feeds fine
 * local planes 2c and 2c+1, ghosts included, as in the serial loop.
 */
static void
mgm_interp(const struct mgm *g, int k)
{
	int nc = g->s.lev[k - 1].n, mc = nc + 2, mf = 2 * nc + 2;
	int nlc = g->nl[k] / 2, c, i2, i1;
	const double *z = g->s.lev[k - 1].u;
	double *u = g->s.lev[k].u;
	double t1[mc], t2[mc], t3[mc];

	if (!g->dist[k - 1])
		z += (long)g->rank * nlc * mc * mc;
	for (c = 0; c <= nlc; c++)
		for (i2 = 0; i2 < mc - 1; i2++) {
			const double *z00 = z + IX(mc, c, i2, 0);
			const double *z01 = z + IX(mc, c, i2 + 1, 0);
			const double *z10 = z + IX(mc, c + 1, i2, 0);
			const double *z11 = z + IX(mc, c + 1, i2 + 1, 0);

			for (i1 = 0; i1 < mc; i1++) {
				t1[i1] = z00[i1] + z01[i1];
				t2[i1] = z00[i1] + z10[i1];
				t3[i1] = t1[i1] + z10[i1] + z11[i1];
			}
			mg_interp_row(u + IX(mf, 2 * c, 2 * i2, 0), z00, mc,
				      1.0);
			mg_interp_row(u + IX(mf, 2 * c, 2 * i2 + 1, 0), t1, mc,
				      0.5);
			mg_interp_row(u + IX(mf, 2 * c + 1, 2 * i2, 0), t2, mc,
				      0.5);
			mg_interp_row(u + IX(mf, 2 * c + 1, 2 * i2 + 1, 0), t3,
				      mc, 0.25);
		}
}

static long
mgm_points(const struct mgm *g, int k)
{
	long m = g->s.lev[k].m;

	return (g->dist[k] ? g->nl[k] + 2 : m) * m * m;
}

/* One V-cycle: slab operators on distributed levels, serial below. */
static void
mgm_vcycle(const struct mgm *g)
{
	const struct mg_lev *L = g->s.lev;
	const struct mg_state *s = &g->s;
	int k, lt = s->lt;

	for (k = lt; k >= 2; k--)
		if (g->dist[k])
			mgm_rprj3(g, k);
		else
			mg_rprj3(L[k].r, L[k].n, L[k - 1].r);
	mg_zero(L[1].u, L[1].n);
	mg_psinv(s, L[1].r, L[1].u, L[1].n);
	for (k = 2; k <= lt; k++) {
		if (k < lt)
			memset(L[k].u, 0,
			       (size_t)mgm_points(g, k) * sizeof(double));
		if (!g->dist[k]) {
			mg_interp(L[k - 1].u, L[k - 1].n, L[k].u);
			mg_resid(s, L[k].u, L[k].r, L[k].r, L[k].n);
			mg_psinv(s, L[k].r, L[k].u, L[k].n);
			continue;
		}
		mgm_interp(g, k);
		mgm_resid(g, L[k].u, k < lt ? L[k].r : s->v, L[k].r, k);
		mgm_psinv(g, L[k].r, L[k].u, k);
	}
}

static int
mgm_alloc(struct mgm *g, const struct mg_prm *p)
{
	int k;

	g->s.lt = p->lt;
	for (k = 1; k <= p->lt; k++) {
		struct mg_lev *L = &g->s.lev[k];
		size_t bytes;

		L->n = 1 << k;
		L->m = L->n + 2;
		g->dist[k] = L->n >= MGM_DIST && L->n % g->P == 0 &&
			     L->n / g->P >= 2;
		g->nl[k] = g->dist[k] ? L->n / g->P : L->n;
		bytes = (size_t)mgm_points(g, k) * sizeof(double);
		L->u = hv_k_alloc_aligned(bytes);
		L->r = hv_k_alloc_aligned(bytes);
		memset(L->u, 0, bytes);
		memset(L->r, 0, bytes);
	}
	if (!g->dist[p->lt])
		return -EINVAL; /* more ranks than planes: not supported */
	g->s.v = hv_k_alloc_aligned((size_t)mgm_points(g, p->lt) *
				    sizeof(double));
	return 0;
}

/*
 * u = 0 everywhere; v: the serial zran3 on a whole-grid scratch state
 * (untimed, as in NPB), then this rank's planes with their ghosts.
 */
static void
mgm_reset(struct mgm *g)
{
	int lt = g->s.lt, k;
	struct mg_state t = {.lt = lt};
	long m = g->s.lev[lt].m, pl = m * m;

	for (k = 1; k <= lt; k++)
		memset(g->s.lev[k].u, 0,
		       (size_t)mgm_points(g, k) * sizeof(double));
	t.lev[lt].n = g->s.lev[lt].n;
	t.lev[lt].m = (int)m;
	t.v = hv_k_alloc_aligned((size_t)(pl * m) * sizeof(double));
	mg_zran3(&t);
	memcpy(g->s.v, t.v + (long)g->rank * g->nl[lt] * pl,
	       (size_t)((g->nl[lt] + 2) * pl) * sizeof(double));
	free(t.v);
}

static void
mgm_norm(const struct mgm *g, double *rnm2)
{
	int lt = g->s.lt, n = g->s.lev[lt].n, m = n + 2, i3, i2, i1;
	const double *r = g->s.lev[lt].r;
	double sum = 0, tot;

	for (i3 = 1; i3 <= g->nl[lt]; i3++)
		for (i2 = 1; i2 <= n; i2++) {
			const double *l = r + IX(m, i3, i2, 0);

			for (i1 = 1; i1 <= n; i1++)
				sum += l[i1] * l[i1];
		}
	MPI_Allreduce(&sum, &tot, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
	*rnm2 = sqrt(tot / ((double)n * n * n));
}

static void
mgm_free(struct mgm *g)
{
	int k;

	for (k = 1; k <= g->s.lt; k++) {
		free(g->s.lev[k].u);
		free(g->s.lev[k].r);
	}
	free(g->s.v);
}

static int
mgm_run(char cls, int rank, int nranks, struct hv_npb_result *r)
{
	const struct mg_prm *p = mg_prm(cls);
	struct mgm g = {.rank = rank, .P = nranks};
	double t0, rnm2;
	int it, n, lt, err;

	if (!p)
		return -EINVAL;
	if (nranks == 1)
		return mg_run(cls, 1, r); /* one rank: the serial solver */
	err = mgm_alloc(&g, p);
	if (err < 0) {
		mgm_free(&g);
		return err;
	}
	mg_coeffs(&g.s, cls);
	lt = p->lt;
	n = g.s.lev[lt].n;
	mgm_reset(&g);
	mgm_resid(&g, g.s.lev[lt].u, g.s.v, g.s.lev[lt].r, lt); /* warm-up */
	mgm_vcycle(&g);
	mgm_resid(&g, g.s.lev[lt].u, g.s.v, g.s.lev[lt].r, lt);
	mgm_reset(&g);
	MPI_Barrier(MPI_COMM_WORLD);
	t0 = npbm_timed_start();
	mgm_resid(&g, g.s.lev[lt].u, g.s.v, g.s.lev[lt].r, lt);
	for (it = 1; it <= p->nit; it++) {
		mgm_vcycle(&g);
		mgm_resid(&g, g.s.lev[lt].u, g.s.v, g.s.lev[lt].r, lt);
	}
	mgm_norm(&g, &rnm2);
	r->time_s = npbm_timed_stop(t0);
	snprintf(r->size, sizeof(r->size), "%dx%dx%d", n, n, n);
	r->iterations = p->nit;
	r->op_type = "floating point";
	r->mops_total = 58.0 * p->nit * (double)n * n * n / r->time_s / 1e6;
	hv_npb_check_real(r, "MG", cls, "rnm2", 0, rnm2);
	mgm_free(&g);
	return 0;
}

/* Slabs, plus one whole-grid scratch v per rank during setup. */
static uint64_t
mgm_mem(char cls, int nranks)
{
	const struct mg_prm *p = mg_prm(cls);
	uint64_t m;

	if (!p)
		return 0;
	if (nranks == 1)
		return mg_mem(cls, 1);
	m = (1ULL << p->lt) + 2;
	return mg_mem(cls, 1) + (uint64_t)nranks * 8 * m * m * m;
}

const struct hv_npbm_bench hv_npbm_mg = {
	.name = "mg",
	.mem_bytes = mgm_mem,
	.run = mgm_run,
};
