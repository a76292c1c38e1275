/*
 * sp.c - NPB SP: the model problem of cfd.h advanced by the diagonalised
 * Beam-Warming factorisation. Each step forms rhs = dt*(f + L(u)),
 * moves it into the characteristic variables of x (T_x^-1), solves
 * scalar pentadiagonal systems along x lines (one matrix for the three
 * waves moving with u, one each for u+c and u-c, 2nd-order implicit
 * terms plus 4th-order dissipation), changes basis to y (N^-1), solves
 * along y, to z (P^-1), solves along z, returns to the conserved
 * variables (T_z) and adds the correction. No pivoting; lines are
 * independent, threads share the planes. The elimination is written as
 * steps on a range of rows so that the MPI version (../npb-mpi/sp-mpi.c)
 * can run a z line's rows slab by slab with the same arithmetic.
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

/* NPB's operation count polynomial in the grid size n (hv_cfd_mops). */
static const double sp_ops[4] = {881.174, -4683.91, 11484.5, -19272.4};

static double
sp_mops(char cls)
{
	const struct sp_prm *p = sp_prm(cls);

	return p ? hv_cfd_mops(p->n, p->niter, sp_ops) : 0;
}

#define SP_BT 0.70710678118654752440 /* sqrt(0.5) */

/* rhs = T_x^-1 rhs at every interior point of plane k. */
static inline __attribute__((always_inline)) void
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
static inline __attribute__((always_inline)) void
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
static inline __attribute__((always_inline)) void
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
static inline __attribute__((always_inline)) void
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

/*
 * The larger of a and b; the values are finite, and unlike fmax (a libm
 * call at -O2/-O3 without -ffinite-math-only) this compiles to maxsd.
 */
static inline __attribute__((always_inline)) double
sp_max(double a, double b)
{
	return a > b ? a : b;
}

/* rho_i -> the spectral radius bound of the viscous terms (in place). */
static inline __attribute__((always_inline)) void
sp_rhon(const struct hv_cfd *c, int dir, int cnt, double *rho)
{
	double dm = 0.0, d1 = c->d[dir][0], dn = c->d[dir][dir + 1];
	double d5 = c->d[dir][4];
	int x, m;

	for (m = 1; m < 4; m++)
		if (m != dir + 1)
			dm = sp_max(dm, c->d[dir][m]);
	for (x = 0; x < cnt; x++) {
		double ru1 = c->c3c4 * rho[x];

		rho[x] = sp_max(sp_max(dn + c->con43 * ru1, d5 + c->c1c5 * ru1),
				sp_max(dm + ru1, d1));
	}
}

/*
 * Lines are solved in batches of up to SP_NB parallel lines, gathered
 * into structure-of-arrays work space with the line index innermost, so
 * that the elimination recurrences of different lines overlap and
 * vectorise. Element (position l, line b) of a work array is at
 * SP_E(l, b); SP_LS(n) doubles hold an array of n positions, padded so
 * that arrays carved one after the other are not 4 KiB apart.
 */
#define SP_NB 16
#define SP_E(l, b) ((size_t)(l)*SP_NB + (b))
#define SP_LS(n) ((size_t)(n)*SP_NB + 40)

/*
 * One scalar pentadiagonal system of a batch: its bands (x[0] two below
 * the diagonal .. x[4] two above) and the rhs components it carries.
 * SP has three: the one of the waves moving with u (components 1-3),
 * that of u+c (4) and that of u-c (5). The MPI version keeps the bands
 * and rhs that back substitution needs apart from the others, hence
 * pointers rather than one block.
 */
struct sp_sys {
	double *x[5];
	double *r[3];
	int nr;
};

/* Work space of a batch: the three systems and the aux of its lines. */
struct sp_work {
	struct sp_sys sys[3];
	double *r[5]; /* the rhs components, as the systems carry them */
	double *cv, *rho, *spd;
};

#define SP_WORK_ARRAYS 23 /* 15 bands, 5 rhs, cv, rho, spd */

/* Point the systems' rhs at w->r. */
static void
sp_work_link(struct sp_work *w)
{
	int m;

	for (m = 0; m < 3; m++)
		w->sys[0].r[m] = w->r[m];
	w->sys[0].nr = 3;
	w->sys[1].r[0] = w->r[3];
	w->sys[1].nr = 1;
	w->sys[2].r[0] = w->r[4];
	w->sys[2].nr = 1;
}

/* Carve w from buf: SP_WORK_ARRAYS arrays of ls doubles. */
static void
sp_work_carve(struct sp_work *w, double *buf, size_t ls)
{
	int k, x;

	for (k = 0; k < 3; k++)
		for (x = 0; x < 5; x++)
			w->sys[k].x[x] = buf + (5 * k + x) * ls;
	for (x = 0; x < 5; x++)
		w->r[x] = buf + (15 + x) * ls;
	w->cv = buf + 20 * ls;
	w->rho = buf + 21 * ls;
	w->spd = buf + 22 * ls;
	sp_work_link(w);
}

/* 4th-order dissipation stencil at line position l (of n), times z. */
static inline __attribute__((always_inline)) void
sp_diss(int n, int l, double z, double dz[5])
{
	static const double st[5][5] = {
		{0, 0, 5, -4, 1},  {0, -4, 6, -4, 1}, {1, -4, 6, -4, 1},
		{1, -4, 6, -4, 0}, {1, -4, 5, 0, 0},
	};
	int row = l == 1 ? 0 : l == 2 ? 1 : l == n - 3 ? 3 : l == n - 2 ? 4 : 2;
	int x;

	for (x = 0; x < 5; x++)
		dz[x] = st[row][x] * z;
}

/*
 * Bands of the three systems at row pos of the work space, line
 * position l (which sets the dissipation stencil); it reads the aux of
 * rows pos-1..pos+1.
 */
static inline __attribute__((always_inline)) void
sp_build(const struct hv_cfd *c, int dir, int l, int pos, int nb,
	 const struct sp_work *w)
{
	double dt1 = c->dt * c->t1[dir], dt2 = c->dt * c->t2[dir], dz[5];
	const double *cv = w->cv + SP_E(pos, 0), *rh = w->rho + SP_E(pos, 0);
	const double *sp = w->spd + SP_E(pos, 0);
	double *const *u = w->sys[0].x, *const *p = w->sys[1].x;
	double *const *q = w->sys[2].x;
	size_t e = SP_E(pos, 0);
	int b;

	sp_diss(c->n, l, c->dt * c->dssp, dz);
	for (b = 0; b < nb; b++) {
		double lb = -dt2 * cv[b - SP_NB] - dt1 * rh[b - SP_NB] + dz[1];
		double lc = 1.0 + 2.0 * dt1 * rh[b] + dz[2];
		double ld = dt2 * cv[b + SP_NB] - dt1 * rh[b + SP_NB] + dz[3];
		double sm = dt2 * sp[b - SP_NB], sq = dt2 * sp[b + SP_NB];

		u[0][e + b] = p[0][e + b] = q[0][e + b] = dz[0];
		u[2][e + b] = p[2][e + b] = q[2][e + b] = lc;
		u[4][e + b] = p[4][e + b] = q[4][e + b] = dz[4];
		u[1][e + b] = lb;
		u[3][e + b] = ld;
		p[1][e + b] = lb - sm;
		p[3][e + b] = ld + sq;
		q[1][e + b] = lb + sm;
		q[3][e + b] = ld - sq;
	}
}

/*
 * The elimination, without pivoting, in three steps per row l: divide
 * the row by its diagonal (sp_norm), then subtract it from row l+1
 * (sp_elim1, against band b) and row l+2 (sp_elim2, band a). Bands a..c
 * of the rows below are destroyed; d and e of the normalised rows and
 * the rhs carry what back substitution needs. Every inner loop runs
 * over the lines of the batch (unit stride).
 */
static inline __attribute__((always_inline)) void
sp_norm(const struct sp_sys *s, int l, int nb)
{
	const double *c = s->x[2] + SP_E(l, 0);
	double *d = s->x[3] + SP_E(l, 0), *e = s->x[4] + SP_E(l, 0);
	double f[SP_NB];
	int b, m;

	for (b = 0; b < nb; b++) {
		f[b] = 1.0 / c[b];
		d[b] *= f[b];
		e[b] *= f[b];
	}
	for (m = 0; m < s->nr; m++) {
		double *r = s->r[m] + SP_E(l, 0);

		for (b = 0; b < nb; b++)
			r[b] *= f[b];
	}
}

static inline void
sp_elim1(const struct sp_sys *s, int l, int nb)
{
	const double *d = s->x[3] + SP_E(l, 0), *e = s->x[4] + SP_E(l, 0);
	const double *y = s->x[1] + SP_E(l + 1, 0);
	double *c1 = s->x[2] + SP_E(l + 1, 0), *d1 = s->x[3] + SP_E(l + 1, 0);
	int b, m;

	for (b = 0; b < nb; b++) {
		c1[b] -= y[b] * d[b];
		d1[b] -= y[b] * e[b];
	}
	for (m = 0; m < s->nr; m++) {
		double *r = s->r[m] + SP_E(l, 0);

		for (b = 0; b < nb; b++)
			r[b + SP_NB] -= y[b] * r[b];
	}
}

static inline void
sp_elim2(const struct sp_sys *s, int l, int nb)
{
	const double *d = s->x[3] + SP_E(l, 0), *e = s->x[4] + SP_E(l, 0);
	const double *z = s->x[0] + SP_E(l + 2, 0);
	double *b2 = s->x[1] + SP_E(l + 2, 0), *c2 = s->x[2] + SP_E(l + 2, 0);
	int b, m;

	for (b = 0; b < nb; b++) {
		b2[b] -= z[b] * d[b];
		c2[b] -= z[b] * e[b];
	}
	for (m = 0; m < s->nr; m++) {
		double *r = s->r[m] + SP_E(l, 0);

		for (b = 0; b < nb; b++)
			r[b + 2 * SP_NB] -= z[b] * r[b];
	}
}

/* Forward elimination of rows l0..l1-1, into rows below l1 only. */
static inline __attribute__((always_inline)) void
sp_forward(const struct sp_sys *s, int l0, int l1, int nb)
{
	int l;

	for (l = l0; l < l1; l++) {
		sp_norm(s, l, nb);
		if (l + 1 < l1)
			sp_elim1(s, l, nb);
		if (l + 2 < l1)
			sp_elim2(s, l, nb);
	}
}

/*
 * Back substitution of rows l1-1 down to l0. If last, row l1-1 is the
 * last of the line (already solved); otherwise rows l1 and l1+1 hold
 * the solution above.
 */
static inline __attribute__((always_inline)) void
sp_back(const struct sp_sys *s, int l0, int l1, bool last, int nb)
{
	const double *d = s->x[3], *e = s->x[4];
	int l, m, b;

	for (m = 0; m < s->nr; m++) {
		double *r = s->r[m];

		l = l1 - 1;
		if (last) {
			for (b = 0; b < nb; b++)
				r[SP_E(l - 1, b)] -=
					d[SP_E(l - 1, b)] * r[SP_E(l, b)];
			l -= 2;
		}
		for (; l >= l0; l--)
			for (b = 0; b < nb; b++)
				r[SP_E(l, b)] -=
					d[SP_E(l, b)] * r[SP_E(l + 1, b)] +
					e[SP_E(l, b)] * r[SP_E(l + 2, b)];
	}
}

/*
 * Gather the aux of rows pos0..pos1-1 of nb lines in direction dir: row
 * pos of line b is point q0 + pos*s + b*t. rho_i becomes the viscous
 * bound.
 */
static inline __attribute__((always_inline)) void
sp_aux(const struct hv_cfd *c, int dir, size_t q0, size_t s, size_t t, int pos0,
       int pos1, int nb, const struct sp_work *w)
{
	const double *vel = dir == 0 ? c->us : dir == 1 ? c->vs : c->ws;
	int l, b;

	for (l = pos0; l < pos1; l++)
		for (b = 0; b < nb; b++) {
			size_t p = q0 + l * s + b * t;

			w->cv[SP_E(l, b)] = vel[p];
			w->rho[SP_E(l, b)] = c->rho_i[p];
			w->spd[SP_E(l, b)] = c->speed[p];
		}
	for (l = pos0; l < pos1; l++)
		sp_rhon(c, dir, nb, w->rho + SP_E(l, 0));
}

/*
 * Build rows pos0..pos1-1 (line position pos + g) and gather their rhs;
 * points as in sp_aux.
 */
static inline __attribute__((always_inline)) void
sp_load(const struct hv_cfd *c, int dir, size_t q0, size_t s, size_t t,
	int pos0, int pos1, int g, int nb, const struct sp_work *w)
{
	int l, b, m;

	for (l = pos0; l < pos1; l++) {
		sp_build(c, dir, l + g, l, nb, w);
		for (b = 0; b < nb; b++) {
			const double *r = c->rhs + 5 * (q0 + l * s + b * t);

			for (m = 0; m < 5; m++)
				w->r[m][SP_E(l, b)] = r[m];
		}
	}
}

/* Scatter the solution of rows pos0..pos1-1, changing basis after dir. */
static inline __attribute__((always_inline)) void
sp_store(struct hv_cfd *c, int dir, size_t q0, size_t s, size_t t, int pos0,
	 int pos1, int nb, const struct sp_work *w)
{
	int l, b, m;

	for (l = pos0; l < pos1; l++)
		for (b = 0; b < nb; b++) {
			size_t p = q0 + l * s + b * t;
			double *r = c->rhs + 5 * p;

			for (m = 0; m < 5; m++)
				r[m] = w->r[m][SP_E(l, b)];
			if (dir == 0)
				sp_ninvr(r);
			else if (dir == 1)
				sp_pinvr(r);
			else
				sp_tzetar(c, p);
		}
}

/*
 * Solve nb whole lines starting at point p0 (positions stride s, lines
 * stride t) in direction dir, then change basis for the next direction.
 */
static inline __attribute__((always_inline)) void
sp_batch(struct hv_cfd *c, size_t p0, size_t s, size_t t, int nb, int dir,
	 struct sp_work *w)
{
	int n = c->n, k;

	sp_aux(c, dir, p0, s, t, 0, n, nb, w);
	sp_load(c, dir, p0, s, t, 1, n - 1, 0, nb, w);
	for (k = 0; k < 3; k++) {
		sp_forward(&w->sys[k], 1, n - 1, nb);
		sp_back(&w->sys[k], 1, n - 1, true, nb);
	}
	sp_store(c, dir, p0, s, t, 1, n - 1, nb, w);
}

/* All lines of direction dir in plane b (k for x and y, j for z). */
static inline __attribute__((always_inline)) void
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

/* u += rhs at the interior points of plane k. */
static inline __attribute__((always_inline)) void
sp_add(struct hv_cfd *c, int k)
{
	int n = c->n, i, j, m;

	for (j = 1; j < n - 1; j++)
		for (i = 1; i < n - 1; i++) {
			size_t p = hv_cfd_ix(c, i, j, k);

			for (m = 0; m < 5; m++)
				c->u[5 * p + m] += c->rhs[5 * p + m];
		}
}

/* One step: the rhs, the x, y and z line solves, u += the correction. */
static inline __attribute__((always_inline)) void
sp_adi_body(struct hv_cfd *c, struct sp_work *w)
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
	for (b = 1; b < n - 1; b++)
		sp_add(c, b);
}

HV_NPB_MULTIVERSION(sp_adi, (struct hv_cfd * c, struct sp_work *w), (c, w))

static int
sp_steps(struct hv_cfd *c, int nsteps)
{
	int err = 0;

#pragma omp parallel
	{
		struct sp_work w;
		size_t ls = SP_LS(c->n);
		double *buf = calloc(SP_WORK_ARRAYS * ls, sizeof(double));
		int step;

		if (buf)
			sp_work_carve(&w, buf, ls);
#pragma omp atomic update
		err |= !buf;
#pragma omp barrier
		for (step = 0; step < nsteps && !err; step++)
			sp_adi(c, &w);
		free(buf);
	}
	return err ? -ENOMEM : 0;
}

/* Size, Mop/s (NPB's operation count) and the checks of a finished run. */
static void
sp_report(const struct sp_prm *p, const double xce[5], const double xcr[5],
	  struct hv_npb_result *r)
{
	hv_cfd_report(r, "SP", p->cls, p->n, p->niter, p->dt, sp_ops, xcr,
		      p->dt, xce);
}

static int
sp_run(char cls, int threads, struct hv_npb_result *r)
{
	const struct sp_prm *p = sp_prm(cls);
	struct hv_cfd c;
	double t0, xce[5], xcr[5];
	int err;

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
	sp_report(p, xce, xcr, r);
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
	       (uint64_t)threads * SP_WORK_ARRAYS * SP_LS(p->n) *
		       sizeof(double) +
	       (4ULL << 20);
}

const struct hv_npb_bench hv_npb_sp = {
	.name = "sp",
	.mem_bytes = sp_mem,
	.mops = sp_mops,
	.run = sp_run,
};
