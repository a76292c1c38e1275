/*
 * sp.c - NPB SP: the model problem of cfd.h advanced by the diagonalised
 * Beam-Warming factorisation. Each step forms rhs = dt*(f + L(u)),
 * moves it into the characteristic variables of x (T_x^-1), solves
 * scalar pentadiagonal systems along x lines (one matrix for the three
 * waves moving with u, one each for u+c and u-c, 2nd-order implicit
 * terms plus 4th-order dissipation), changes basis to y (N^-1), solves
 * along y, to z (P^-1), solves along z, returns to the conserved
 * variables (T_z) and adds the correction. No pivoting; lines are
 * independent, threads share the planes.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfd.h"
#include "npb.h"

struct sp_prm {
	char cls;
	int n, niter;
	double dt;
};

static const struct sp_prm sp_prms[] = {
	{'S', 12, 100, 0.015},	  {'W', 36, 400, 0.0015},
	{'A', 64, 400, 0.0015},	  {'B', 102, 400, 0.001},
	{'C', 162, 400, 0.00067}, {'D', 408, 500, 0.00030},
};

static const struct sp_prm *
sp_prm(char cls)
{
	size_t i;

	for (i = 0; i < sizeof(sp_prms) / sizeof(sp_prms[0]); i++)
		if (sp_prms[i].cls == cls)
			return &sp_prms[i];
	return NULL;
}

#define SP_BT 0.70710678118654752440 /* sqrt(0.5) */

/*
 * Lines are solved in batches of up to SP_NB parallel lines, gathered
 * into structure-of-arrays work space with the line index innermost, so
 * that the elimination recurrences of different lines overlap and
 * vectorise.
 */
#define SP_NB 16

/* Per-thread work space, each array [.][n][SP_NB]. */
struct sp_work {
	double *lhs[3]; /* u, u+c, u-c: bands a b c d e -> [5][n][NB] */
	double *r;	/* rhs [5][n][NB] */
	double *cv, *rho, *spd;
};

/* rhs = T_x^-1 rhs at every interior point of plane k. */
static void
sp_txinvr(struct hv_cfd *c, int k)
{
	int n = c->n, i, j;

	for (j = 1; j < n - 1; j++)
		for (i = 1; i < n - 1; i++) {
			size_t p = hv_cfd_ix(c, i, j, k);
			double *r = c->rhs + 5 * p;
			double ru1 = c->rho_i[p], uu = c->us[p], vv = c->vs[p];
			double ww = c->ws[p], ac = c->speed[p];
			double r1 = r[0], r2 = r[1], r3 = r[2], r4 = r[3];
			double r5 = r[4], t1, t2, t3;

			t1 = CFD_C2 / (ac * ac) *
			     (c->qs[p] * r1 - uu * r2 - vv * r3 - ww * r4 + r5);
			t2 = SP_BT * ru1 * (uu * r1 - r2);
			t3 = SP_BT * ru1 * ac * t1;
			r[0] = r1 - t1;
			r[1] = -ru1 * (ww * r1 - r4);
			r[2] = ru1 * (vv * r1 - r3);
			r[3] = -t2 + t3;
			r[4] = t2 + t3;
		}
}

/* From x to y characteristic variables (N^-1) at one point. */
static inline void
sp_ninvr(double *r)
{
	double r1 = r[0], r2 = r[1], r3 = r[2], r4 = r[3], r5 = r[4];
	double t1 = SP_BT * r3, t2 = 0.5 * (r4 + r5);

	r[0] = -r2;
	r[1] = r1;
	r[2] = SP_BT * (r4 - r5);
	r[3] = -t1 + t2;
	r[4] = t1 + t2;
}

/* From y to z characteristic variables (P^-1) at one point. */
static inline void
sp_pinvr(double *r)
{
	double r1 = r[0], r2 = r[1], r3 = r[2], r4 = r[3], r5 = r[4];
	double t1 = SP_BT * r1, t2 = 0.5 * (r4 + r5);

	r[0] = SP_BT * (r4 - r5);
	r[1] = -r3;
	r[2] = r2;
	r[3] = -t1 + t2;
	r[4] = t1 + t2;
}

/* From z characteristic to conserved variables (T_z) at point p. */
static inline void
sp_tzetar(const struct hv_cfd *c, size_t p)
{
	double *r = c->rhs + 5 * p;
	double xv = c->us[p], yv = c->vs[p], zv = c->ws[p], ac = c->speed[p];
	double r1 = r[0], r2 = r[1], r3 = r[2], r4 = r[3], r5 = r[4];
	double rho = c->u[5 * p], btuz = SP_BT * rho;
	double t1 = btuz / ac * (r4 + r5), t2 = r3 + t1;
	double t3 = btuz * (r4 - r5);

	r[0] = t2;
	r[1] = -rho * r2 + xv * t2;
	r[2] = rho * r1 + yv * t2;
	r[3] = zv * t2 + t3;
	r[4] = rho * (-xv * r2 + yv * r1) + c->qs[p] * t2 +
	       ac * ac / CFD_C2 * t1 + zv * t3;
}

/* rho_i -> the spectral radius bound of the viscous terms (in place). */
static void
sp_rhon(const struct hv_cfd *c, int dir, int cnt, double *rho)
{
	double dm = 0.0, d1 = c->d[dir][0], dn = c->d[dir][dir + 1];
	double d5 = c->d[dir][4];
	int x, m;

	for (m = 1; m < 4; m++)
		if (m != dir + 1)
			dm = fmax(dm, c->d[dir][m]);
	for (x = 0; x < cnt; x++) {
		double ru1 = c->c3c4 * rho[x];

		rho[x] = fmax(fmax(dn + c->con43 * ru1, d5 + c->c1c5 * ru1),
			      fmax(dm + ru1, d1));
	}
}

/*
 * Element (band or component x, position l, line b) of a work array.
 * SP_LS pads the band stride so that bands are not 4 KiB apart.
 */
#define SP_LS(n) ((size_t)(n)*SP_NB + 40)
#define SP_AT(a, x, l, b) ((a)[(size_t)(x)*SP_LS(n) + (size_t)(l)*SP_NB + (b)])

/* Bands of the three matrices at line position l of a batch of nb. */
static void
sp_build(const struct hv_cfd *c, int dir, int l, int nb, struct sp_work *w)
{
	int n = c->n, b, x;
	double dt1 = c->dt * c->t1[dir], dt2 = c->dt * c->t2[dir];
	double z1 = c->dt * c->dssp, dz[5] = {0, 0, 0, 0, 0};
	const double *cv = w->cv, *rh = w->rho, *sp = w->spd;

	/* 4th-order dissipation stencil of this position */
	if (l == 1) {
		dz[2] = 5.0, dz[3] = -4.0, dz[4] = 1.0;
	} else if (l == 2) {
		dz[1] = -4.0, dz[2] = 6.0, dz[3] = -4.0, dz[4] = 1.0;
	} else if (l == n - 3) {
		dz[0] = 1.0, dz[1] = -4.0, dz[2] = 6.0, dz[3] = -4.0;
	} else if (l == n - 2) {
		dz[0] = 1.0, dz[1] = -4.0, dz[2] = 5.0;
	} else {
		dz[0] = 1.0, dz[1] = -4.0, dz[2] = 6.0, dz[3] = -4.0;
		dz[4] = 1.0;
	}
	for (x = 0; x < 5; x++)
		dz[x] *= z1;
	for (b = 0; b < nb; b++) {
		double lb = -dt2 * SP_AT(cv, 0, l - 1, b) -
			    dt1 * SP_AT(rh, 0, l - 1, b) + dz[1];
		double lc = 1.0 + 2.0 * dt1 * SP_AT(rh, 0, l, b) + dz[2];
		double ld = dt2 * SP_AT(cv, 0, l + 1, b) -
			    dt1 * SP_AT(rh, 0, l + 1, b) + dz[3];
		double sm = dt2 * SP_AT(sp, 0, l - 1, b);
		double sq = dt2 * SP_AT(sp, 0, l + 1, b);
		int k;

		for (k = 0; k < 3; k++) {
			double *L = w->lhs[k];

			SP_AT(L, 0, l, b) = dz[0];
			SP_AT(L, 2, l, b) = lc;
			SP_AT(L, 4, l, b) = dz[4];
		}
		SP_AT(w->lhs[0], 1, l, b) = lb;
		SP_AT(w->lhs[0], 3, l, b) = ld;
		SP_AT(w->lhs[1], 1, l, b) = lb - sm;
		SP_AT(w->lhs[1], 3, l, b) = ld + sq;
		SP_AT(w->lhs[2], 1, l, b) = lb + sm;
		SP_AT(w->lhs[2], 3, l, b) = ld - sq;
	}
}

/*
 * Forward elimination and back substitution of matrix X (bands
 * destroyed) for components m0..m1-1 of the batch (positions 1..n-2).
 * Every inner loop runs over the lines of the batch (unit stride).
 */
static void
sp_penta(int n, double *X, double *R, int m0, int m1, int nb)
{
	double f[SP_NB];
	int l, m, b;

	for (l = 1; l < n - 1; l++) {
		for (b = 0; b < nb; b++) {
			f[b] = 1.0 / SP_AT(X, 2, l, b);
			SP_AT(X, 3, l, b) *= f[b];
			SP_AT(X, 4, l, b) *= f[b];
		}
		for (m = m0; m < m1; m++)
			for (b = 0; b < nb; b++)
				SP_AT(R, m, l, b) *= f[b];
		if (l + 1 < n - 1) {
			for (b = 0; b < nb; b++) {
				double y1 = SP_AT(X, 1, l + 1, b);

				SP_AT(X, 2, l + 1, b) -= y1 * SP_AT(X, 3, l, b);
				SP_AT(X, 3, l + 1, b) -= y1 * SP_AT(X, 4, l, b);
			}
			for (m = m0; m < m1; m++)
				for (b = 0; b < nb; b++)
					SP_AT(R, m, l + 1, b) -=
						SP_AT(X, 1, l + 1, b) *
						SP_AT(R, m, l, b);
		}
		if (l + 2 < n - 1) {
			for (b = 0; b < nb; b++) {
				double z0 = SP_AT(X, 0, l + 2, b);

				SP_AT(X, 1, l + 2, b) -= z0 * SP_AT(X, 3, l, b);
				SP_AT(X, 2, l + 2, b) -= z0 * SP_AT(X, 4, l, b);
			}
			for (m = m0; m < m1; m++)
				for (b = 0; b < nb; b++)
					SP_AT(R, m, l + 2, b) -=
						SP_AT(X, 0, l + 2, b) *
						SP_AT(R, m, l, b);
		}
	}
	for (m = m0; m < m1; m++) {
		for (b = 0; b < nb; b++)
			SP_AT(R, m, n - 3, b) -=
				SP_AT(X, 3, n - 3, b) * SP_AT(R, m, n - 2, b);
		for (l = n - 4; l >= 1; l--)
			for (b = 0; b < nb; b++)
				SP_AT(R, m, l, b) -=
					SP_AT(X, 3, l, b) *
						SP_AT(R, m, l + 1, b) +
					SP_AT(X, 4, l, b) *
						SP_AT(R, m, l + 2, b);
	}
}

/*
 * Solve nb lines starting at point p0 (positions stride s, lines
 * stride t) in direction dir, then change basis for the next direction.
 */
static void
sp_batch(struct hv_cfd *c, size_t p0, size_t s, size_t t, int nb, int dir,
	 struct sp_work *w)
{
	const double *vel = dir == 0 ? c->us : dir == 1 ? c->vs : c->ws;
	int n = c->n, l, b, m;

	for (l = 0; l < n; l++)
		for (b = 0; b < nb; b++) {
			size_t p = p0 + l * s + b * t;

			SP_AT(w->cv, 0, l, b) = vel[p];
			SP_AT(w->rho, 0, l, b) = c->rho_i[p];
			SP_AT(w->spd, 0, l, b) = c->speed[p];
		}
	for (l = 0; l < n; l++)
		sp_rhon(c, dir, nb, w->rho + (size_t)l * SP_NB);
	for (l = 1; l < n - 1; l++) {
		sp_build(c, dir, l, nb, w);
		for (b = 0; b < nb; b++) {
			const double *r = c->rhs + 5 * (p0 + l * s + b * t);

			for (m = 0; m < 5; m++)
				SP_AT(w->r, m, l, b) = r[m];
		}
	}
	sp_penta(n, w->lhs[0], w->r, 0, 3, nb);
	sp_penta(n, w->lhs[1], w->r, 3, 4, nb);
	sp_penta(n, w->lhs[2], w->r, 4, 5, nb);
	for (l = 1; l < n - 1; l++)
		for (b = 0; b < nb; b++) {
			size_t p = p0 + l * s + b * t;
			double *r = c->rhs + 5 * p;

			for (m = 0; m < 5; m++)
				r[m] = SP_AT(w->r, m, l, b);
			if (dir == 0)
				sp_ninvr(r);
			else if (dir == 1)
				sp_pinvr(r);
			else
				sp_tzetar(c, p);
		}
}

/* All lines of direction dir in plane b (k for x and y, j for z). */
static void
sp_plane(struct hv_cfd *c, int dir, int pl, struct sp_work *w)
{
	size_t sy = (size_t)c->ni, sz = sy * c->nj;
	int n = c->n, a, nb;

	for (a = 1; a < n - 1; a += SP_NB) {
		nb = n - 1 - a < SP_NB ? n - 1 - a : SP_NB;
		if (dir == 0)
			sp_batch(c, hv_cfd_ix(c, 0, a, pl), 1, sy, nb, 0, w);
		else if (dir == 1)
			sp_batch(c, hv_cfd_ix(c, a, 0, pl), sy, 1, nb, 1, w);
		else
			sp_batch(c, hv_cfd_ix(c, a, pl, 0), sz, 1, nb, 2, w);
	}
}

static void
sp_adi(struct hv_cfd *c, struct sp_work *w)
{
	int n = c->n, b;

	hv_cfd_compute_rhs(c, true);
#pragma omp for schedule(static)
	for (b = 1; b < n - 1; b++) {
		sp_txinvr(c, b);
		sp_plane(c, 0, b, w);
	}
#pragma omp for schedule(static)
	for (b = 1; b < n - 1; b++)
		sp_plane(c, 1, b, w);
#pragma omp for schedule(static)
	for (b = 1; b < n - 1; b++)
		sp_plane(c, 2, b, w);
#pragma omp for schedule(static)
	for (b = 1; b < n - 1; b++) {
		int i, j, m;

		for (j = 1; j < n - 1; j++)
			for (i = 1; i < n - 1; i++) {
				size_t p = hv_cfd_ix(c, i, j, b);

				for (m = 0; m < 5; m++)
					c->u[5 * p + m] += c->rhs[5 * p + m];
			}
	}
}

static int
sp_steps(struct hv_cfd *c, int nsteps)
{
	int err = 0;

#pragma omp parallel
	{
		struct sp_work w;
		size_t n = SP_LS(c->n);
		double *buf = calloc((15 + 5 + 3) * n, sizeof(double));
		int step;

		if (buf) {
			w.lhs[0] = buf;
			w.lhs[1] = buf + 5 * n;
			w.lhs[2] = buf + 10 * n;
			w.r = buf + 15 * n;
			w.cv = buf + 20 * n;
			w.rho = buf + 21 * n;
			w.spd = buf + 22 * n;
		}
#pragma omp atomic update
		err |= !buf;
#pragma omp barrier
		for (step = 0; step < nsteps && !err; step++)
			sp_adi(c, &w);
		free(buf);
	}
	return err ? -ENOMEM : 0;
}

static int
sp_run(char cls, int threads, struct hv_npb_result *r)
{
	const struct sp_prm *p = sp_prm(cls);
	struct hv_cfd c;
	double t0, xce[5], xcr[5], n;
	int err, m;

	(void)threads;
	if (!p)
		return -EINVAL;
	err = hv_cfd_init(&c, p->n, p->dt, true);
	if (err < 0)
		return err;
	hv_cfd_exact_rhs(&c);
	hv_cfd_initialize(&c);
	err = sp_steps(&c, 1); /* untimed warm-up step */
	if (err < 0)
		goto out;
	hv_cfd_initialize(&c);
	t0 = hv_npb_wtime();
	err = sp_steps(&c, p->niter);
	r->time_s = hv_npb_wtime() - t0;
	if (err < 0)
		goto out;
	hv_cfd_error_norm(&c, 0, p->n - 1, xce);
	hv_cfd_compute_rhs(&c, true);
	hv_cfd_field_norm(&c, c.rhs, xcr);
	n = p->n;
	snprintf(r->size, sizeof(r->size), "%dx%dx%d", p->n, p->n, p->n);
	r->iterations = p->niter;
	r->op_type = "floating point";
	r->mops_total = p->niter *
			(881.174 * n * n * n - 4683.91 * n * n + 11484.5 * n -
			 19272.4) /
			r->time_s / 1e6;
	hv_npb_check_abs(r, "SP", cls, "dt", 0, p->dt);
	for (m = 0; m < 5; m++)
		hv_npb_check_real(r, "SP", cls, "xcr", m + 1, xcr[m] / p->dt);
	for (m = 0; m < 5; m++)
		hv_npb_check_real(r, "SP", cls, "xce", m + 1, xce[m]);
out:
	hv_cfd_free(&c);
	return err;
}

static uint64_t
sp_mem(char cls, int threads)
{
	const struct sp_prm *p = sp_prm(cls);

	if (!p)
		return 0;
	return hv_cfd_mem_bytes(p->n, p->n, true) +
	       (uint64_t)threads * 23 * SP_LS(p->n) * sizeof(double) +
	       (4ULL << 20);
}

const struct hv_npb_bench hv_npb_sp = {
	.name = "sp",
	.classes = "SWABCD",
	.mem_bytes = sp_mem,
	.run = sp_run,
};
