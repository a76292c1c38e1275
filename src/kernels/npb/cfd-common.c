/*
 * cfd-common.c - the parts of the NPB pseudo-applications BT, SP and LU
 * that are the same in all three (see cfd.h): constants, exact
 * solution, initial values, forcing, the steady-state operator L(u)
 * (convective and viscous fluxes plus 4th-order dissipation), the
 * flux Jacobians and the error and residual norms. Written from the
 * NPB 1 report's description of the model problem and the numbers in
 * FACTS.md; the operator is applied per point in one pass over the
 * three directions.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfd.h"
#include "npb.h"

/* Coefficients of the exact solution, ce[m][0..12] (FACTS.md). */
static const double cfd_ce[5][13] = {
	{2.0, 0.0, 0.0, 4.0, 5.0, 3.0, 0.5, 0.02, 0.01, 0.03, 0.5, 0.4, 0.3},
	{1.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 0.01, 0.03, 0.02, 0.4, 0.3, 0.5},
	{2.0, 2.0, 0.0, 0.0, 0.0, 2.0, 3.0, 0.04, 0.03, 0.05, 0.3, 0.5, 0.4},
	{2.0, 2.0, 0.0, 0.0, 0.0, 2.0, 3.0, 0.03, 0.05, 0.04, 0.2, 0.1, 0.3},
	{5.0, 4.0, 3.0, 2.0, 0.1, 0.4, 0.3, 0.05, 0.04, 0.03, 0.1, 0.3, 0.2},
};

void
hv_cfd_exact(double xi, double eta, double zeta, double out[5])
{
	int m;

	for (m = 0; m < 5; m++) {
		const double *e = cfd_ce[m];

		out[m] = e[0] +
			 xi * (e[1] + xi * (e[4] + xi * (e[7] + xi * e[10]))) +
			 eta * (e[2] +
				eta * (e[5] + eta * (e[8] + eta * e[11]))) +
			 zeta * (e[3] +
				 zeta * (e[6] + zeta * (e[9] + zeta * e[12])));
	}
}

static int
cfd_pad(int n)
{
	return n | 1;
}

/*
 * The fields are carved from one allocation and staggered by
 * CFD_STAGGER bytes each: fields of equal size that start at the same
 * offset modulo 4 KiB make the loads of one and the stores of another
 * at the same point alias in the store buffer (4K aliasing).
 */
#define CFD_STAGGER 320
#define CFD_NFIELDS 10

size_t
hv_cfd_mem_bytes(int n, int nk, bool want_speed)
{
	size_t pts = (size_t)cfd_pad(n) * cfd_pad(n) * nk;

	return pts * sizeof(double) * (15 + 6 + (want_speed ? 1 : 0)) +
	       CFD_NFIELDS * (CFD_STAGGER + 64);
}

static void
cfd_constants(struct hv_cfd *c, int n, double dt)
{
	double h = 1.0 / (n - 1);
	int d, m;

	c->n = n;
	c->ni = c->nj = cfd_pad(n);
	c->npts = (size_t)c->ni * c->nj * c->nk;
	c->dt = dt;
	for (d = 0; d < 3; d++) {
		c->t1[d] = 1.0 / (h * h);
		c->t2[d] = 1.0 / (2.0 * h);
		c->t3[d] = 1.0 / h;
		for (m = 0; m < 5; m++)
			c->d[d][m] = d == 2 ? 1.0 : 0.75;
	}
	c->dssp = 0.25 * fmax(c->d[0][0], fmax(c->d[1][0], c->d[2][0]));
	c->c3c4 = CFD_C3 * CFD_C4;
	c->c1c5 = CFD_C1 * CFD_C5;
	c->c1345 = c->c1c5 * c->c3c4;
	c->con43 = 4.0 / 3.0;
}

int
hv_cfd_init(struct hv_cfd *c, int n, double dt, bool want_speed)
{
	return hv_cfd_init_slab(c, n, dt, want_speed, 0, n, 0);
}

int
hv_cfd_init_slab(struct hv_cfd *c, int n, double dt, bool want_speed, int klo,
		 int khi, int ghost)
{
	double **f[CFD_NFIELDS] = {&c->u,      &c->rhs,	 &c->forcing, &c->rho_i,
				   &c->us,     &c->vs,	 &c->ws,      &c->qs,
				   &c->square, &c->speed};
	size_t i, nf = want_speed ? CFD_NFIELDS : CFD_NFIELDS - 1, off = 0;
	char *base;

	memset(c, 0, sizeof(*c));
	c->klo = klo;
	c->khi = khi;
	c->kb = klo - ghost > 0 ? klo - ghost : 0;
	c->nk = (khi + ghost < n ? khi + ghost : n) - c->kb;
	cfd_constants(c, n, dt);
	c->mem = calloc(1, hv_cfd_mem_bytes(n, c->nk, want_speed));
	if (!c->mem)
		return -ENOMEM;
	base = c->mem;
	for (i = 0; i < nf; i++) {
		size_t len = c->npts * (i < 3 ? 5 : 1) * sizeof(double);

		off = (off + 63) / 64 * 64 + CFD_STAGGER;
		*f[i] = (double *)(base + off);
		off += len;
	}
	return 0;
}

void
hv_cfd_free(struct hv_cfd *c)
{
	free(c->mem);
	memset(c, 0, sizeof(*c));
}

/* Transfinite interpolation of the face values at one interior point. */
static void
cfd_tfi(int n, int i, int j, int k, double *out)
{
	double h = 1.0 / (n - 1), xi = i * h, eta = j * h, zeta = k * h;
	double f[6][5];
	int m;

	hv_cfd_exact(0.0, eta, zeta, f[0]);
	hv_cfd_exact(1.0, eta, zeta, f[1]);
	hv_cfd_exact(xi, 0.0, zeta, f[2]);
	hv_cfd_exact(xi, 1.0, zeta, f[3]);
	hv_cfd_exact(xi, eta, 0.0, f[4]);
	hv_cfd_exact(xi, eta, 1.0, f[5]);
	for (m = 0; m < 5; m++) {
		double px = xi * f[1][m] + (1.0 - xi) * f[0][m];
		double py = eta * f[3][m] + (1.0 - eta) * f[2][m];
		double pz = zeta * f[5][m] + (1.0 - zeta) * f[4][m];

		out[m] = px + py + pz - px * py - px * pz - py * pz +
			 px * py * pz;
	}
}

void
hv_cfd_initialize(struct hv_cfd *c)
{
	int n = c->n, i, j, k;
	double h = 1.0 / (n - 1);

	for (k = c->kb; k < c->kb + c->nk; k++)
		for (j = 0; j < n; j++)
			for (i = 0; i < n; i++) {
				double *u = c->u + 5 * hv_cfd_ix(c, i, j, k);

				if (i == 0 || j == 0 || k == 0 || i == n - 1 ||
				    j == n - 1 || k == n - 1)
					hv_cfd_exact(i * h, j * h, k * h, u);
				else
					cfd_tfi(n, i, j, k, u);
			}
}

void
hv_cfd_exact_rhs(struct hv_cfd *c)
{
	int n = c->n, i, j, k;
	double h = 1.0 / (n - 1);
	size_t p;

	/* L(u_exact) with a zero forcing, then negate. */
	for (k = c->kb; k < c->kb + c->nk; k++)
		for (j = 0; j < n; j++)
			for (i = 0; i < n; i++)
				hv_cfd_exact(i * h, j * h, k * h,
					     c->u + 5 * hv_cfd_ix(c, i, j, k));
	memset(c->forcing, 0, c->npts * 5 * sizeof(double));
	hv_cfd_compute_rhs(c, false);
	for (p = 0; p < c->npts * 5; p++)
		c->forcing[p] = -c->rhs[p];
	memset(c->rhs, 0, c->npts * 5 * sizeof(double));
}

/* Auxiliary per-point fields of one k plane. */
static inline __attribute__((always_inline)) void
cfd_aux_plane(struct hv_cfd *c, int k)
{
	int n = c->n, i, j;

	for (j = 0; j < n; j++) {
		size_t p0 = hv_cfd_ix(c, 0, j, k);

		for (i = 0; i < n; i++) {
			size_t p = p0 + i;
			const double *u = c->u + 5 * p;
			double ri = 1.0 / u[0];
			double sq = 0.5 *
				    (u[1] * u[1] + u[2] * u[2] + u[3] * u[3]) *
				    ri;

			c->rho_i[p] = ri;
			c->us[p] = u[1] * ri;
			c->vs[p] = u[2] * ri;
			c->ws[p] = u[3] * ri;
			c->square[p] = sq;
			c->qs[p] = sq * ri;
			if (c->speed)
				c->speed[p] = sqrt(CFD_C1 * CFD_C2 * ri *
						   (u[4] - sq));
		}
	}
}

/*
 * Convective and viscous terms of direction dir at point p (stride s
 * points), added to r. Inlined with a constant dir.
 */
static inline __attribute__((always_inline)) void
cfd_flux_dir(const struct hv_cfd *c, size_t p, size_t s, int dir,
	     double *restrict r)
{
	const double *u0 = c->u + 5 * p, *up = u0 + 5 * s, *um = u0 - 5 * s;
	const double *vel[3] = {c->us, c->vs, c->ws};
	const double *vn = vel[dir], *sq = c->square;
	double t1 = c->t1[dir], t2 = c->t2[dir];
	double con = c->c3c4 * t1; /* c3c4 * t3 * t3 */
	double vp = vn[p + s], v0 = vn[p], vm = vn[p - s];
	int q, mc = dir + 1;

	r[0] += c->d[dir][0] * t1 * (up[0] - 2.0 * u0[0] + um[0]) -
		t2 * (up[mc] - um[mc]);
	for (q = 1; q < 4; q++) {
		const double *w = vel[q - 1];
		double k = q == mc ? con * c->con43 : con;
		double f = up[q] * vp - um[q] * vm;

		if (q == mc)
			f += (up[4] - sq[p + s] - um[4] + sq[p - s]) * CFD_C2;
		r[q] += c->d[dir][q] * t1 * (up[q] - 2.0 * u0[q] + um[q]) +
			k * (w[p + s] - 2.0 * w[p] + w[p - s]) - t2 * f;
	}
	r[4] += c->d[dir][4] * t1 * (up[4] - 2.0 * u0[4] + um[4]) +
		con * (1.0 - c->c1c5) *
			(c->qs[p + s] - 2.0 * c->qs[p] + c->qs[p - s]) +
		con / 6.0 * (vp * vp - 2.0 * v0 * v0 + vm * vm) +
		con * c->c1c5 *
			(up[4] * c->rho_i[p + s] - 2.0 * u0[4] * c->rho_i[p] +
			 um[4] * c->rho_i[p - s]) -
		t2 * ((CFD_C1 * up[4] - CFD_C2 * sq[p + s]) * vp -
		      (CFD_C1 * um[4] - CFD_C2 * sq[p - s]) * vm);
}

/*
 * 4th-order dissipation of direction at position l (of n) along a
 * line with stride s points, subtracted from r.
 */
static inline __attribute__((always_inline)) void
cfd_diss(const double *u0, size_t s, int l, int n, double dssp,
	 double *restrict r)
{
	const double *p2 = u0 + 10 * s, *p1 = u0 + 5 * s;
	const double *m1 = u0 - 5 * s, *m2 = u0 - 10 * s;
	int m;

	if (l == 1) {
		for (m = 0; m < 5; m++)
			r[m] -= dssp * (5.0 * u0[m] - 4.0 * p1[m] + p2[m]);
	} else if (l == 2) {
		for (m = 0; m < 5; m++)
			r[m] -= dssp * (-4.0 * m1[m] + 6.0 * u0[m] -
					4.0 * p1[m] + p2[m]);
	} else if (l == n - 3) {
		for (m = 0; m < 5; m++)
			r[m] -= dssp * (m2[m] - 4.0 * m1[m] + 6.0 * u0[m] -
					4.0 * p1[m]);
	} else if (l == n - 2) {
		for (m = 0; m < 5; m++)
			r[m] -= dssp * (m2[m] - 4.0 * m1[m] + 5.0 * u0[m]);
	} else {
		for (m = 0; m < 5; m++)
			r[m] -= dssp * (m2[m] - 4.0 * m1[m] + 6.0 * u0[m] -
					4.0 * p1[m] + p2[m]);
	}
}

static inline __attribute__((always_inline)) void
cfd_rhs_plane(struct hv_cfd *c, int k, bool scale_dt)
{
	int n = c->n, i, j, m;
	size_t sy = (size_t)c->ni, sz = (size_t)c->ni * c->nj;

	for (j = 1; j < n - 1; j++) {
		for (i = 1; i < n - 1; i++) {
			size_t p = hv_cfd_ix(c, i, j, k);
			const double *u0 = c->u + 5 * p;
			double r[5];

			for (m = 0; m < 5; m++)
				r[m] = c->forcing[5 * p + m];
			cfd_flux_dir(c, p, 1, 0, r);
			cfd_flux_dir(c, p, sy, 1, r);
			cfd_flux_dir(c, p, sz, 2, r);
			cfd_diss(u0, 1, i, n, c->dssp, r);
			cfd_diss(u0, sy, j, n, c->dssp, r);
			cfd_diss(u0, sz, k, n, c->dssp, r);
			for (m = 0; m < 5; m++)
				c->rhs[5 * p + m] =
					scale_dt ? r[m] * c->dt : r[m];
		}
	}
}

static inline __attribute__((always_inline)) void
cfd_compute_rhs_body(struct hv_cfd *c, bool scale_dt)
{
	int k, n = c->n;
	int a0 = c->klo > 1 ? c->klo - 1 : 0, a1 = c->khi < n ? c->khi + 1 : n;
	int r0 = c->klo > 1 ? c->klo : 1, r1 = c->khi < n - 1 ? c->khi : n - 1;

#pragma omp for schedule(static)
	for (k = a0; k < a1; k++)
		cfd_aux_plane(c, k);
#pragma omp for schedule(static)
	for (k = r0; k < r1; k++)
		cfd_rhs_plane(c, k, scale_dt);
}

HV_NPB_MULTIVERSION(cfd_compute_rhs, (struct hv_cfd * c, bool scale_dt),
		    (c, scale_dt))

void
hv_cfd_compute_rhs(struct hv_cfd *c, bool scale_dt)
{
	cfd_compute_rhs(c, scale_dt);
}

void
hv_cfd_error_sums(const struct hv_cfd *c, int lo, int hi, double out[5])
{
	int n = c->n, i, j, k, m;
	int k0 = lo > c->klo ? lo : c->klo,
	    k1 = hi < c->khi - 1 ? hi : c->khi - 1;
	double h = 1.0 / (n - 1), e[5];

	for (m = 0; m < 5; m++)
		out[m] = 0.0;
	for (k = k0; k <= k1; k++)
		for (j = lo; j <= hi; j++)
			for (i = lo; i <= hi; i++) {
				const double *u =
					c->u + 5 * hv_cfd_ix(c, i, j, k);

				hv_cfd_exact(i * h, j * h, k * h, e);
				for (m = 0; m < 5; m++)
					out[m] += (u[m] - e[m]) * (u[m] - e[m]);
			}
}

void
hv_cfd_field_sums(const struct hv_cfd *c, const double *f, double out[5])
{
	int n = c->n, i, j, k, m;
	int k0 = c->klo > 1 ? c->klo : 1, k1 = c->khi < n - 1 ? c->khi : n - 1;

	for (m = 0; m < 5; m++)
		out[m] = 0.0;
	for (k = k0; k < k1; k++)
		for (j = 1; j < n - 1; j++)
			for (i = 1; i < n - 1; i++) {
				const double *v = f + 5 * hv_cfd_ix(c, i, j, k);

				for (m = 0; m < 5; m++)
					out[m] += v[m] * v[m];
			}
}

void
hv_cfd_rms(const struct hv_cfd *c, double sums[5])
{
	double d = (double)(c->n - 2);
	int m;

	for (m = 0; m < 5; m++)
		sums[m] = sqrt(sums[m] / (d * d * d));
}

void
hv_cfd_error_norm(const struct hv_cfd *c, int lo, int hi, double out[5])
{
	hv_cfd_error_sums(c, lo, hi, out);
	hv_cfd_rms(c, out);
}

void
hv_cfd_field_norm(const struct hv_cfd *c, const double *f, double out[5])
{
	hv_cfd_field_sums(c, f, out);
	hv_cfd_rms(c, out);
}

double
hv_cfd_mops(int n, int niter, const double ops[4])
{
	double x = n;

	return niter * (((ops[0] * x + ops[1]) * x + ops[2]) * x + ops[3]) /
	       1e6;
}

void
hv_cfd_report(struct hv_npb_result *r, const char *bench, char cls, int n,
	      int niter, double dt, const double ops[4], const double xcr[5],
	      double xcr_div, const double xce[5])
{
	int m;

	snprintf(r->size, sizeof(r->size), "%dx%dx%d", n, n, n);
	r->iterations = niter;
	r->op_type = "floating point";
	r->mops_total = hv_cfd_mops(n, niter, ops) / r->time_s;
	hv_npb_check_abs(r, bench, cls, "dt", 0, dt);
	for (m = 0; m < 5; m++)
		hv_npb_check_real(r, bench, cls, "xcr", m + 1,
				  xcr[m] / xcr_div);
	for (m = 0; m < 5; m++)
		hv_npb_check_real(r, bench, cls, "xce", m + 1, xce[m]);
}
