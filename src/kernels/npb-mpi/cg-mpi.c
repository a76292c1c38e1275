/*
 * cg-mpi.c - NPB CG over MPI ranks, by block rows. Every rank assembles
 * the same matrix with the serial code (../npb/cg.c is compiled into
 * this unit, so makea and the row kernel are shared, not copied) and
 * keeps to its rows [lo, hi): the SpMV of a row needs the whole search
 * direction p, which an MPI_Allgatherv rebuilds after each update; the
 * dot products are local sums combined by MPI_Allreduce. NPB's rule is
 * a power-of-two rank count, which we keep for comparability.
 */
#include "../npb/cg.c"

#include "mpi-count.h"
#include "npb-mpi.h"

struct cgm {
	const struct cg_mat *m;
	struct cg_vecs w;
	int lo, hi;
	int *cnt, *disp; /* Allgatherv layout: rows of each rank */
};

static double
cgm_sum(double v)
{
	double s;

	MPI_Allreduce(&v, &s, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
	return s;
}

static void
cgm_gather(const struct cgm *c, double *v)
{
	MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, v, c->cnt, c->disp,
		       MPI_DOUBLE, MPI_COMM_WORLD);
}

/* 25 CG iterations on A z = x from z = 0 over the local rows. */
static void
cgm_iterate(const struct cgm *c)
{
	double *restrict z = c->w.z, *restrict r = c->w.r;
	double *restrict p = c->w.p, *restrict q = c->w.q;
	const double *restrict x = c->w.x;
	double rho = 0, d, rn, alpha, beta;
	int i, it;

	for (i = c->lo; i < c->hi; i++) {
		z[i] = 0;
		r[i] = p[i] = x[i];
		rho += x[i] * x[i];
	}
	rho = cgm_sum(rho);
	cgm_gather(c, p);
	for (it = 0; it < CG_ITMAX; it++) {
		d = 0;
		for (i = c->lo; i < c->hi; i++) {
			q[i] = cg_row(c->m, p, i);
			d += p[i] * q[i];
		}
		alpha = rho / cgm_sum(d);
		rn = 0;
		for (i = c->lo; i < c->hi; i++) {
			z[i] += alpha * p[i];
			r[i] -= alpha * q[i];
			rn += r[i] * r[i];
		}
		rn = cgm_sum(rn);
		beta = rn / rho;
		rho = rn;
		for (i = c->lo; i < c->hi; i++)
			p[i] = r[i] + beta * p[i];
		cgm_gather(c, p);
	}
}

/* One outer step: solve, ||x - A z||, zeta = shift + 1/(x.z), x = z/|z|. */
static double
cgm_step(const struct cg_prm *p, const struct cgm *c, double *rnorm)
{
	double xz = 0, zz = 0, e2 = 0, scale, v[3], s[3];
	int i;

	cgm_iterate(c);
	cgm_gather(c, c->w.z);
	for (i = c->lo; i < c->hi; i++) {
		double e = c->w.x[i] - cg_row(c->m, c->w.z, i);

		e2 += e * e;
		xz += c->w.x[i] * c->w.z[i];
		zz += c->w.z[i] * c->w.z[i];
	}
	v[0] = e2;
	v[1] = xz;
	v[2] = zz;
	MPI_Allreduce(v, s, 3, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
	*rnorm = sqrt(s[0]);
	scale = 1.0 / sqrt(s[2]);
	for (i = c->lo; i < c->hi; i++)
		c->w.x[i] = scale * c->w.z[i];
	return p->shift + 1.0 / s[1];
}

static void
cgm_layout(struct cgm *c, int na, int rank, int nranks)
{
	long lo, hi;
	int k;

	c->cnt = calloc((size_t)nranks, sizeof(int));
	c->disp = calloc((size_t)nranks, sizeof(int));
	if (!c->cnt || !c->disp)
		hv_k_die(HV_K_EXIT_FAIL, "out of memory");
	for (k = 0; k < nranks; k++) {
		npbm_part(na, k, nranks, &lo, &hi);
		c->disp[k] = (int)lo;
		c->cnt[k] = (int)(hi - lo);
	}
	npbm_part(na, rank, nranks, &lo, &hi);
	c->lo = (int)lo;
	c->hi = (int)hi;
}

static void
cgm_set_x(const struct cgm *c)
{
	int i;

	for (i = c->lo; i < c->hi; i++)
		c->w.x[i] = 1.0;
}

static int
cgm_run(char cls, int rank, int nranks, struct hv_npb_result *r)
{
	const struct cg_prm *p = cg_prm(cls);
	struct cg_mat m = {0};
	struct cgm c = {.m = &m};
	double *buf, t0, zeta = 0, nz1, rnorm;
	size_t stride;
	int it;

	if (!p)
		return -EINVAL;
	cg_makea(p, &m);
	cgm_layout(&c, p->na, rank, nranks);
	stride = (size_t)p->na + 8;
	buf = hv_k_alloc_aligned(5 * stride * sizeof(double));
	memset(buf, 0, 5 * stride * sizeof(double));
	c.w.x = buf;
	c.w.z = c.w.x + stride;
	c.w.r = c.w.z + stride;
	c.w.p = c.w.r + stride;
	c.w.q = c.w.p + stride;
	cgm_set_x(&c);
	cgm_step(p, &c, &rnorm); /* untimed warm-up */
	cgm_set_x(&c);
	MPI_Barrier(MPI_COMM_WORLD);
	t0 = npbm_timed_start();
	for (it = 1; it <= p->niter; it++)
		zeta = cgm_step(p, &c, &rnorm);
	r->time_s = npbm_timed_stop(t0);
	snprintf(r->size, sizeof(r->size), "%d", p->na);
	r->iterations = p->niter;
	r->op_type = "floating point";
	nz1 = (double)p->nonzer * (p->nonzer + 1);
	r->mops_total = 2.0 * p->niter * p->na *
			(3.0 + nz1 + 25.0 * (5.0 + nz1) + 3.0) / r->time_s /
			1e6;
	hv_npb_check_real(r, "CG", cls, "zeta", 0, zeta);
	free(buf);
	free(c.cnt);
	free(c.disp);
	free(m.rowptr);
	free(m.col);
	free(m.val);
	return 0;
}

/* Each rank holds the whole matrix (makea is shared with the serial). */
static uint64_t
cgm_mem(char cls, int nranks)
{
	return cg_mem(cls, 1) * (uint64_t)nranks;
}

const struct hv_npbm_bench hv_npbm_cg = {
	.name = "cg",
	.mem_bytes = cgm_mem,
	.run = cgm_run,
};
