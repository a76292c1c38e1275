/*
 * bt.c - NPB BT: the model problem of cfd.h advanced by an implicit
 * approximate factorisation (ADI). Each time step forms rhs = dt*(f +
 * L(u)) and solves three block-tridiagonal systems, along x, y and z
 * lines in turn, whose 5x5 blocks are the flux Jacobians and viscous
 * Jacobians of the neighbours (block Thomas, no pivoting), then adds
 * the correction to u. Lines are independent: threads share the planes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfd.h"
#include "npb.h"

struct bt_prm {
	char cls;
	int n, niter;
	double dt;
};

static const struct bt_prm bt_prms[] = {
	{'S', 12, 60, 0.010},	 {'W', 24, 200, 0.0008},
	{'A', 64, 200, 0.0008},	 {'B', 102, 200, 0.0003},
	{'C', 162, 200, 0.0001}, {'D', 408, 250, 0.00002},
};

static const struct bt_prm *
bt_prm(char cls)
{
	size_t i;

	for (i = 0; i < sizeof(bt_prms) / sizeof(bt_prms[0]); i++)
		if (bt_prms[i].cls == cls)
			return &bt_prms[i];
	return NULL;
}

/* NPB's operation count polynomial in the grid size n (hv_cfd_mops). */
static const double bt_ops[4] = {3478.8, -17655.7, 28023.7, 0.0};

static double
bt_mops(char cls)
{
	const struct bt_prm *p = bt_prm(cls);

	return p ? hv_cfd_mops(p->n, p->niter, bt_ops) : 0;
}

/*
 * Per-thread line work space: Jacobians and the eliminated C blocks,
 * len doubles each. The Jacobians of a direction are nonzero at the
 * same places at every point, so hv_cfd_jacobians writes only those:
 * fj and nj are zeroed when the direction they hold (dir, -1 for none)
 * changes, not at every point (which took 16 % of BT's time).
 */
struct bt_work {
	double *fj, *nj, *cp;
	size_t len;
	int dir;
};

static inline __attribute__((always_inline)) void
bt_work_dir(struct bt_work *w, int dir)
{
	if (w->dir == dir)
		return;
	memset(w->fj, 0, w->len * sizeof(double));
	memset(w->nj, 0, w->len * sizeof(double));
	w->dir = dir;
}

/*
 * Solve B X = [C r] in place (with_c false: B x = r alone): Gauss-Jordan
 * on a 5x5 block without pivoting; B is destroyed. Inlined with a
 * constant with_c and the loops unrolled, every index is a constant:
 * the straight-line code NPB's binvcrhs is, without writing it out.
 */
static inline __attribute__((always_inline)) void
bt_binv(double *restrict B, double *restrict C, double *restrict r, bool with_c)
{
	int p, q, x;

#pragma GCC unroll 5
	for (p = 0; p < 5; p++) {
		double piv = 1.0 / B[p * 5 + p];

#pragma GCC unroll 5
		for (x = p + 1; x < 5; x++)
			B[p * 5 + x] *= piv;
		if (with_c)
#pragma GCC unroll 5
			for (x = 0; x < 5; x++)
				C[p * 5 + x] *= piv;
		r[p] *= piv;
#pragma GCC unroll 5
		for (q = 0; q < 5; q++) {
			double f;

			if (q == p)
				continue;
			f = B[q * 5 + p];
#pragma GCC unroll 5
			for (x = p + 1; x < 5; x++)
				B[q * 5 + x] -= f * B[p * 5 + x];
			if (with_c)
#pragma GCC unroll 5
				for (x = 0; x < 5; x++)
					C[q * 5 + x] -= f * C[p * 5 + x];
			r[q] -= f * r[p];
		}
	}
}

/*
 * The blocks of a line position: A couples the previous position, B
 * this one, C the next. F and N point at this position's Jacobians
 * (25 doubles a position, the neighbours' next to them).
 */
static inline __attribute__((always_inline)) void
bt_blocks(const struct hv_cfd *c, int dir, const double *F, const double *N,
	  double *A, double *B, double *C)
{
	double t1 = c->dt * c->t1[dir], t2 = c->dt * c->t2[dir];
	const double *Fm = F - 25, *Nm = N - 25, *Fp = F + 25, *Np = N + 25;
	int x, m;

	for (x = 0; x < 25; x++) {
		A[x] = -t2 * Fm[x] - t1 * Nm[x];
		B[x] = 2.0 * t1 * N[x];
		C[x] = t2 * Fp[x] - t1 * Np[x];
	}
	for (m = 0; m < 5; m++) {
		double dm = t1 * c->d[dir][m];

		A[m * 6] -= dm;
		B[m * 6] += 1.0 + 2.0 * dm;
		C[m * 6] -= dm;
	}
}

/*
 * Jacobians of cnt points of a line from u (stride s points) on, into
 * w->fj and w->nj from their start.
 */
static inline __attribute__((always_inline)) void
bt_jacobians(const struct hv_cfd *c, int dir, const double *u, size_t s,
	     int cnt, struct bt_work *w)
{
	double *F = w->fj, *N = w->nj;
	int l;

	bt_work_dir(w, dir);
	for (l = 0; l < cnt; l++)
		hv_cfd_jacobians(c, dir, u + 5 * s * l, F + 25 * l, N + 25 * l);
}

/*
 * Forward elimination (block Thomas) of positions l0..l1 of a line,
 * 1 <= l0 <= l1 <= n-2. F, N, r and cp point at position l0: its
 * Jacobians (those of l0-1 and l1+1 next to them), its rhs (stride s
 * points) and the room for its eliminated C' block (25 doubles a
 * position). When l0 > 1, r - 5s and cp - 25 hold the eliminated rhs
 * and C' of l0-1: the caller's own, or what the rank below sent, so a
 * line can be eliminated piece by piece. The C' of n-2 is not formed:
 * it couples to the boundary, where the correction is zero.
 */
static inline __attribute__((always_inline)) void
bt_forward(const struct hv_cfd *c, int dir, const double *F, const double *N,
	   double *r, size_t s, double *cp, int l0, int l1)
{
	int n = c->n, l, m, q, x;
	double A[25], B[25], Clast[25];

	for (l = l0; l <= l1; l++, F += 25, N += 25, r += 5 * s, cp += 25) {
		/* C goes straight to its room; the last one is not kept */
		bt_blocks(c, dir, F, N, A, B, l < n - 2 ? cp : Clast);
		if (l > 1) {
			const double *cm = cp - 25;
			double rm[5], acc;

			/* copies: r and r - 5s are the same array to gcc */
#pragma GCC unroll 5
			for (q = 0; q < 5; q++)
				rm[q] = r[q - 5 * (long)s];
#pragma GCC unroll 5
			for (m = 0; m < 5; m++) {
				acc = r[m];
#pragma GCC unroll 5
				for (q = 0; q < 5; q++)
					acc -= A[m * 5 + q] * rm[q];
				r[m] = acc;
			}
#pragma GCC unroll 5
			for (m = 0; m < 5; m++)
#pragma GCC unroll 5
				for (x = 0; x < 5; x++) {
					acc = 0.0;
#pragma GCC unroll 5
					for (q = 0; q < 5; q++)
						acc += A[m * 5 + q] *
						       cm[q * 5 + x];
					B[m * 5 + x] -= acc;
				}
		}
		if (l < n - 2) {
			bt_binv(B, cp, r, true);
		} else {
			bt_binv(B, NULL, r, false);
		}
	}
}

/*
 * Back substitution of positions l1 down to l0 (r and cp point at l0,
 * as for bt_forward): r of l -= C' of l times the solution of l+1. The
 * solution of l1+1 is at r + 5s*(l1-l0+1) (from the rank above when it
 * is not the boundary, n-1, whose correction is zero).
 */
static inline __attribute__((always_inline)) void
bt_back(int n, double *r, size_t s, const double *cp, int l0, int l1)
{
	int l, m, q;

	r += 5 * s * (l1 - l0);
	cp += 25 * (l1 - l0);
	for (l = l1; l >= l0; l--, r -= 5 * s, cp -= 25) {
		const double *rp = r + 5 * s;
		double v[5], acc;

		if (l == n - 2)
			continue;
#pragma GCC unroll 5
		for (q = 0; q < 5; q++)
			v[q] = rp[q];
#pragma GCC unroll 5
		for (m = 0; m < 5; m++) {
			acc = r[m];
#pragma GCC unroll 5
			for (q = 0; q < 5; q++)
				acc -= cp[m * 5 + q] * v[q];
			r[m] = acc;
		}
	}
}

/*
 * One whole block-tridiagonal line solve, in place on c->rhs; inlined
 * with a constant dir, so that each direction's Jacobians and blocks
 * are compiled for it.
 */
static inline __attribute__((always_inline)) void
bt_line(struct hv_cfd *c, size_t p0, size_t s, int dir, struct bt_work *w)
{
	int n = c->n;
	double *r = c->rhs + 5 * (p0 + s);

	bt_jacobians(c, dir, c->u + 5 * p0, s, n, w);
	bt_forward(c, dir, w->fj + 25, w->nj + 25, r, s, w->cp + 25, 1, n - 2);
	bt_back(n, r, s, w->cp + 25, 1, n - 2);
}

/* One ADI step: the rhs, the x, y and z line solves, u += the correction. */
static inline __attribute__((always_inline)) void
bt_adi_body(struct hv_cfd *c, struct bt_work *w)
{
	int n = c->n, a, b;
	size_t sy = (size_t)c->ni, sz = sy * c->nj, p;

	hv_cfd_compute_rhs(c, true);
#pragma omp for schedule(static)
	for (b = 1; b < n - 1; b++)
		for (a = 1; a < n - 1; a++)
			bt_line(c, hv_cfd_ix(c, 0, a, b), 1, 0, w);
#pragma omp for schedule(static)
	for (b = 1; b < n - 1; b++)
		for (a = 1; a < n - 1; a++)
			bt_line(c, hv_cfd_ix(c, a, 0, b), sy, 1, w);
#pragma omp for schedule(static)
	for (b = 1; b < n - 1; b++)
		for (a = 1; a < n - 1; a++)
			bt_line(c, hv_cfd_ix(c, a, b, 0), sz, 2, w);
#pragma omp for schedule(static)
	for (b = 1; b < n - 1; b++) {
		int i, j, m;

		for (j = 1; j < n - 1; j++)
			for (i = 1; i < n - 1; i++) {
				p = hv_cfd_ix(c, i, j, b);
				for (m = 0; m < 5; m++)
					c->u[5 * p + m] += c->rhs[5 * p + m];
			}
	}
}

HV_NPB_MULTIVERSION(bt_adi, (struct hv_cfd * c, struct bt_work *w), (c, w))

/* Run nsteps ADI steps with every thread of the team. */
static int
bt_steps(struct hv_cfd *c, int nsteps)
{
	int err = 0;

#pragma omp parallel
	{
		struct bt_work w;
		size_t sz = (size_t)c->n * 25 * sizeof(double);
		int step, ok;

		w.fj = malloc(sz);
		w.nj = malloc(sz);
		w.cp = malloc(sz);
		w.len = (size_t)c->n * 25;
		w.dir = -1;
		ok = w.fj && w.nj && w.cp;
#pragma omp atomic update
		err |= !ok;
#pragma omp barrier
		for (step = 0; step < nsteps && !err; step++)
			bt_adi(c, &w);
		free(w.fj);
		free(w.nj);
		free(w.cp);
	}
	return err ? -ENOMEM : 0;
}

/*
 * Fill the result from the norms of the final state: size, the nominal
 * operation count (NPB's formula) and the verification of dt, xcr / dt
 * and xce. r->time_s must be set.
 */
static void
bt_report(const struct bt_prm *p, const double xce[5], const double xcr[5],
	  struct hv_npb_result *r)
{
	hv_cfd_report(r, "BT", p->cls, p->n, p->niter, p->dt, bt_ops, xcr,
		      p->dt, xce);
}

static int
bt_run(char cls, int threads, struct hv_npb_result *r)
{
	const struct bt_prm *p = bt_prm(cls);
	struct hv_cfd c;
	double t0, xce[5], xcr[5];
	int err;

	(void)threads;
	if (!p)
		return -EINVAL;
	err = hv_cfd_init(&c, p->n, p->dt, false);
	if (err < 0)
		return err;
	hv_cfd_exact_rhs(&c);
	hv_cfd_initialize(&c);
	err = bt_steps(&c, 1); /* untimed warm-up step */
	if (err < 0)
		goto out;
	hv_cfd_initialize(&c);
	t0 = hv_npb_wtime();
	err = bt_steps(&c, p->niter);
	r->time_s = hv_npb_wtime() - t0;
	if (err < 0)
		goto out;
	hv_cfd_error_norm(&c, 0, p->n - 1, xce);
	hv_cfd_compute_rhs(&c, true);
	hv_cfd_field_norm(&c, c.rhs, xcr);
	bt_report(p, xce, xcr, r);
out:
	hv_cfd_free(&c);
	return err;
}

static uint64_t
bt_mem(char cls, int threads)
{
	const struct bt_prm *p = bt_prm(cls);

	if (!p)
		return 0;
	return hv_cfd_mem_bytes(p->n, p->n, false) +
	       (uint64_t)threads * 75 * p->n * sizeof(double) + (4ULL << 20);
}

const struct hv_npb_bench hv_npb_bt = {
	.name = "bt",
	.mem_bytes = bt_mem,
	.mops = bt_mops,
	.run = bt_run,
};
