/*
 * lu.c - NPB LU: the model problem of cfd.h solved by symmetric
 * successive over-relaxation (SSOR, omega = 1.2) on the implicit
 * operator. Each iteration scales the residual by dt, does a lower
 * block-triangular sweep in (k, j, i) order and an upper one in
 * reverse order (5x5 diagonal blocks, off-diagonal blocks from the
 * flux and viscous Jacobians of the neighbours), adds the correction
 * and recomputes the residual. The sweeps are a wavefront: with
 * OpenMP the j range is split among threads and each thread waits,
 * per k plane, on a progress counter of its neighbour (point-to-point,
 * no barrier per plane) - the pipelining the NPB OpenMP code uses.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfd.h"
#include "npb.h"

#define LU_OMEGA 1.2

struct lu_prm {
	char cls;
	int n, itmax;
	double dt;
};

static const struct lu_prm lu_prms[] = {
	{'S', 12, 50, 0.5},   {'W', 33, 300, 1.5e-3}, {'A', 64, 250, 2.0},
	{'B', 102, 250, 2.0}, {'C', 162, 250, 2.0},   {'D', 408, 300, 1.0},
};

static const struct lu_prm *
lu_prm(char cls)
{
	size_t i;

	for (i = 0; i < sizeof(lu_prms) / sizeof(lu_prms[0]); i++)
		if (lu_prms[i].cls == cls)
			return &lu_prms[i];
	return NULL;
}

/* NPB's operation count polynomial in the grid size n (hv_cfd_mops). */
static const double lu_ops[4] = {1984.77, -10923.3, 27770.9, -144010.0};

static double
lu_mops(char cls)
{
	const struct lu_prm *p = lu_prm(cls);

	return p ? hv_cfd_mops(p->n, p->itmax, lu_ops) : 0;
}

/* Progress of each thread through the planes of a sweep (own line). */
struct lu_sync {
	int done __attribute__((aligned(64)));
	char pad[60];
};

static void
lu_wait(const struct lu_sync *s, int want, bool up)
{
	unsigned spins = 0;

	for (;;) {
		int v = __atomic_load_n(&s->done, __ATOMIC_ACQUIRE);

		if (up ? v <= want : v >= want)
			return;
		if (++spins > 4096)
			sched_yield();
	}
}

/*
 * acc += (sa * F_d(U) - b * (N_d(U) + diag d_d)) v: the off-diagonal
 * block towards a neighbour q in direction d applied to v, written out
 * from the Jacobians (cfd.h) with w = v - vel * v0. The velocities come
 * from the auxiliary fields of the last residual (same u).
 */
static inline __attribute__((always_inline)) void
lu_jvec(const struct hv_cfd *c, size_t q, int d, double sa, double b,
	const double *restrict v, double *restrict acc)
{
	const double *U = c->u + 5 * q;
	double r1 = c->rho_i[q], vel[3] = {c->us[q], c->vs[q], c->ws[q]};
	double qs = c->qs[q], e = U[4] * r1, un = vel[d], v0 = v[0];
	double w[3], dot = 0.0, nv4 = 0.0, c1345 = c->c1345;
	int x;

	for (x = 0; x < 3; x++) {
		double k = x == d ? c->con43 * c->c3c4 : c->c3c4;

		w[x] = v[x + 1] - vel[x] * v0;
		dot += vel[x] * v[x + 1];
		nv4 += (k - c1345) * vel[x] * w[x];
		acc[x + 1] += sa * (un * w[x] + vel[x] * v[d + 1]) -
			      b * (k * r1 * w[x] + c->d[d][x + 1] * v[x + 1]);
	}
	/* the normal momentum row has the pressure terms on top */
	acc[d + 1] += sa * (CFD_C2 * (qs * v0 - dot + v[4]));
	acc[0] += sa * v[d + 1] - b * c->d[d][0] * v0;
	acc[4] +=
		sa * (un * (CFD_C2 * (2.0 * qs * v0 - dot) +
			    CFD_C1 * (v[4] - e * v0)) +
		      (CFD_C1 * e - CFD_C2 * qs) * v[d + 1]) -
		b * (r1 * (nv4 + c1345 * (v[4] - e * v0)) + c->d[d][4] * v[4]);
}

/*
 * Solve D x = r in place, D = I + 2 dt t1 sum_d (N_d + diag d_d) the
 * diagonal block at point p. On the cubic grid t1 is the same in every
 * direction, so D is sparse (row 0 diagonal, rows 1-3 two entries) and
 * is solved directly.
 */
static inline void
lu_dsolve(const struct hv_cfd *c, size_t p, double *restrict r)
{
	const double *U = c->u + 5 * p;
	double f = 2.0 * c->dt * c->t1[0], r1 = c->rho_i[p];
	double vel[3] = {c->us[p], c->vs[p], c->ws[p]}, e = U[4] * r1;
	double K = c->c3c4 * (c->con43 + 2.0), c1345 = c->c1345;
	double s = 0.0, x0;
	int m;

	x0 = r[0] / (1.0 + f * (c->d[0][0] + c->d[1][0] + c->d[2][0]));
	for (m = 1; m < 4; m++) {
		double dm = c->d[0][m] + c->d[1][m] + c->d[2][m];

		r[m] = (r[m] + f * K * r1 * vel[m - 1] * x0) /
		       (1.0 + f * dm + f * K * r1);
		s += (K - 3.0 * c1345) * vel[m - 1] * (r[m] - vel[m - 1] * x0);
	}
	r[0] = x0;
	r[4] = (r[4] - f * r1 * (s - 3.0 * c1345 * e * x0)) /
	       (1.0 + f * (c->d[0][4] + c->d[1][4] + c->d[2][4]) +
		3.0 * f * c1345 * r1);
}

/* Lower sweep of rows j0..j1-1 of plane k. */
static void
lu_lower_plane(struct hv_cfd *c, int k, int j0, int j1)
{
	size_t sy = (size_t)c->ni, sz = sy * c->nj;
	double a = -c->dt * c->t2[0], b = c->dt * c->t1[0];
	int n = c->n, i, j, m;

	for (j = j0; j < j1; j++)
		for (i = 1; i < n - 1; i++) {
			size_t p = hv_cfd_ix(c, i, j, k);
			double *v = c->rhs + 5 * p, acc[5] = {0};

			lu_jvec(c, p - 1, 0, a, b, v - 5, acc);
			lu_jvec(c, p - sy, 1, a, b, v - 5 * sy, acc);
			lu_jvec(c, p - sz, 2, a, b, v - 5 * sz, acc);
			for (m = 0; m < 5; m++)
				v[m] -= LU_OMEGA * acc[m];
			lu_dsolve(c, p, v);
		}
}

/* Upper sweep of rows j1-1 down to j0 of plane k. */
static void
lu_upper_plane(struct hv_cfd *c, int k, int j0, int j1)
{
	size_t sy = (size_t)c->ni, sz = sy * c->nj;
	double a = c->dt * c->t2[0], b = c->dt * c->t1[0];
	int n = c->n, i, j, m;

	for (j = j1 - 1; j >= j0; j--)
		for (i = n - 2; i >= 1; i--) {
			size_t p = hv_cfd_ix(c, i, j, k);
			double *v = c->rhs + 5 * p, acc[5] = {0};

			lu_jvec(c, p + 1, 0, a, b, v + 5, acc);
			lu_jvec(c, p + sy, 1, a, b, v + 5 * sy, acc);
			lu_jvec(c, p + sz, 2, a, b, v + 5 * sz, acc);
			for (m = 0; m < 5; m++)
				acc[m] *= LU_OMEGA;
			lu_dsolve(c, p, acc);
			for (m = 0; m < 5; m++)
				v[m] -= acc[m];
		}
}

/* Scale (f = dt) or apply (u += f * rsd) over the interior of plane k. */
static void
lu_plane_axpy(struct hv_cfd *c, int k, double f, bool to_u)
{
	int n = c->n, i, j, m;

	for (j = 1; j < n - 1; j++)
		for (i = 1; i < n - 1; i++) {
			size_t p = 5 * hv_cfd_ix(c, i, j, k);

			for (m = 0; m < 5; m++) {
				if (to_u)
					c->u[p + m] += f * c->rhs[p + m];
				else
					c->rhs[p + m] *= f;
			}
		}
}

/* One SSOR iteration by the whole team; sync holds one slot a thread. */
static void
lu_iter(struct hv_cfd *c, struct lu_sync *sync)
{
	int n = c->n, nt = npb_nthreads(), t = npb_tid(), k;
	int rows = n - 2, j0 = 1 + rows * t / nt, j1 = 1 + rows * (t + 1) / nt;

#pragma omp for schedule(static)
	for (k = 1; k < n - 1; k++)
		lu_plane_axpy(c, k, c->dt, false);
	for (k = 1; k < n - 1; k++) {
		if (t > 0)
			lu_wait(&sync[t - 1], k, false);
		lu_lower_plane(c, k, j0, j1);
		__atomic_store_n(&sync[t].done, k, __ATOMIC_RELEASE);
	}
#pragma omp barrier
	__atomic_store_n(&sync[t].done, n - 1, __ATOMIC_RELEASE);
#pragma omp barrier
	for (k = n - 2; k >= 1; k--) {
		if (t < nt - 1)
			lu_wait(&sync[t + 1], k, true);
		lu_upper_plane(c, k, j0, j1);
		__atomic_store_n(&sync[t].done, k, __ATOMIC_RELEASE);
	}
#pragma omp barrier
	__atomic_store_n(&sync[t].done, 0, __ATOMIC_RELEASE);
#pragma omp for schedule(static)
	for (k = 1; k < n - 1; k++)
		lu_plane_axpy(c, k, 1.0 / (LU_OMEGA * (2.0 - LU_OMEGA)), true);
	hv_cfd_compute_rhs(c, false);
}

/* Residual of the start values, then niter timed SSOR iterations. */
static int
lu_ssor(struct hv_cfd *c, int niter, double *secs)
{
	struct lu_sync *sync;
	double t0;
	int nt = 1;

	hv_cfd_compute_rhs(c, false);
#ifdef _OPENMP
	nt = omp_get_max_threads();
#endif
	sync = aligned_alloc(64, sizeof(*sync) * (size_t)nt);
	if (!sync)
		return -ENOMEM;
	memset(sync, 0, sizeof(*sync) * (size_t)nt);
	t0 = hv_npb_wtime();
#pragma omp parallel
	{
		int it;

		for (it = 0; it < niter; it++)
			lu_iter(c, sync);
	}
	*secs = hv_npb_wtime() - t0;
	free(sync);
	return 0;
}

static double
lu_phi(const struct hv_cfd *c, int i, int j, int k)
{
	const double *u = c->u + 5 * hv_cfd_ix(c, i, j, k);

	return CFD_C2 *
	       (u[4] - 0.5 * (u[1] * u[1] + u[2] * u[2] + u[3] * u[3]) / u[0]);
}

/* The 4-corner sums of phi over the cells of the k face at plane k. */
static double
lu_kface(const struct hv_cfd *c, int k)
{
	int n = c->n, a, b;
	double f = 0;

	for (b = 1; b < n - 3; b++)
		for (a = 1; a < n - 2; a++)
			f += lu_phi(c, a, b, k) + lu_phi(c, a + 1, b, k) +
			     lu_phi(c, a, b + 1, k) +
			     lu_phi(c, a + 1, b + 1, k);
	return f;
}

/*
 * Surface integral of phi over the box i 1..n-2, j 1..n-3, k 2..n-2
 * (0-based): 4-corner sums per cell face on both faces of each pair.
 * A slab adds its part: the k faces on the planes it owns and the cells
 * of the j and i faces whose lower plane it owns (the upper one may be
 * a ghost plane), so that the parts of all slabs add up to the whole.
 */
static double
lu_pintgr(const struct hv_cfd *c)
{
	int n = c->n, i0 = 1, i1 = n - 2, j0 = 1, j1 = n - 3, k0 = 2;
	int k1 = n - 2, a, b;
	int b0 = c->klo > k0 ? c->klo : k0, b1 = c->khi < k1 ? c->khi : k1;
	double h = 1.0 / (n - 1), f1 = 0, f2 = 0, f3 = 0;

	if (k0 >= c->klo && k0 < c->khi)
		f1 += lu_kface(c, k0);
	if (k1 >= c->klo && k1 < c->khi)
		f1 += lu_kface(c, k1);
	for (b = b0; b < b1; b++)
		for (a = i0; a < i1; a++)
			f2 += lu_phi(c, a, j0, b) + lu_phi(c, a + 1, j0, b) +
			      lu_phi(c, a, j0, b + 1) +
			      lu_phi(c, a + 1, j0, b + 1) +
			      lu_phi(c, a, j1, b) + lu_phi(c, a + 1, j1, b) +
			      lu_phi(c, a, j1, b + 1) +
			      lu_phi(c, a + 1, j1, b + 1);
	for (b = b0; b < b1; b++)
		for (a = j0; a < j1; a++)
			f3 += lu_phi(c, i0, a, b) + lu_phi(c, i0, a + 1, b) +
			      lu_phi(c, i0, a, b + 1) +
			      lu_phi(c, i0, a + 1, b + 1) +
			      lu_phi(c, i1, a, b) + lu_phi(c, i1, a + 1, b) +
			      lu_phi(c, i1, a, b + 1) +
			      lu_phi(c, i1, a + 1, b + 1);
	return 0.25 * (f1 + f2 + f3) * h * h;
}

/*
 * Fill the result of a finished run: size, Mop/s (NPB's operation
 * count; r->time_s must be set) and the checks of dt, xcr, xce and xci.
 */
static void
lu_report(const struct lu_prm *p, const double xce[5], const double xcr[5],
	  double xci, struct hv_npb_result *r)
{
	hv_cfd_report(r, "LU", p->cls, p->n, p->itmax, p->dt, lu_ops, xcr, 1.0,
		      xce);
	hv_npb_check_real(r, "LU", p->cls, "xci", 0, xci);
}

static int
lu_run(char cls, int threads, struct hv_npb_result *r)
{
	const struct lu_prm *p = lu_prm(cls);
	struct hv_cfd c;
	double xce[5], xcr[5], secs;
	int err;

	(void)threads;
	if (!p)
		return -EINVAL;
	err = hv_cfd_init(&c, p->n, p->dt, false);
	if (err < 0)
		return err;
	hv_cfd_exact_rhs(&c);
	hv_cfd_initialize(&c);
	err = lu_ssor(&c, 1, &secs); /* untimed warm-up iteration */
	if (err < 0)
		goto out;
	hv_cfd_initialize(&c);
	err = lu_ssor(&c, p->itmax, &secs);
	if (err < 0)
		goto out;
	r->time_s = secs;
	hv_cfd_field_norm(&c, c.rhs, xcr);
	hv_cfd_error_norm(&c, 1, p->n - 2, xce);
	lu_report(p, xce, xcr, lu_pintgr(&c), r);
out:
	hv_cfd_free(&c);
	return err;
}

static uint64_t
lu_mem(char cls, int threads)
{
	const struct lu_prm *p = lu_prm(cls);

	(void)threads;
	if (!p)
		return 0;
	return hv_cfd_mem_bytes(p->n, p->n, false) + (4ULL << 20);
}

const struct hv_npb_bench hv_npb_lu = {
	.name = "lu",
	.mem_bytes = lu_mem,
	.mops = lu_mops,
	.run = lu_run,
};
