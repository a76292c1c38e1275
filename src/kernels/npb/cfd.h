/*
 * cfd.h - the model problem that the NPB pseudo-applications BT, SP and
 * LU share: five compressible Navier-Stokes equations on the unit cube
 * with a manufactured exact solution (a polynomial per component), a
 * forcing term that makes it a steady state of the discrete operator,
 * 4th-order artificial dissipation, and the error and residual norms.
 * The discrete steady-state operator L(u) is the same in the three
 * codes; only their implicit solvers differ (bt.c, sp.c, lu.c).
 *
 * Layout: a grid point (i, j, k) has point index ((k-kb)*nj + j)*ni + i
 * with x fastest; the leading dimensions ni, nj are padded to an odd
 * number so that y and z lines do not alias in the caches. Five-
 * component fields hold the components of a point next to each other
 * (u[5*p+m]).
 *
 * Slabs: a process may hold only the z planes kb..kb+nk-1 of the grid
 * and own (update) the planes klo..khi-1 among them; the others are
 * ghost planes that the caller fills (the MPI versions exchange them,
 * ../npb-mpi/cfd-mpi.c). The serial and OpenMP programs hold and own
 * the whole grid: kb = klo = 0, nk = khi = n.
 */
#ifndef HPCVIRT_NPB_CFD_H
#define HPCVIRT_NPB_CFD_H

#include <stdbool.h>
#include <stddef.h>

#define CFD_C1 1.4
#define CFD_C2 0.4
#define CFD_C3 0.1
#define CFD_C4 1.0
#define CFD_C5 1.4

struct hv_cfd {
	int n;	      /* grid points per side, boundary included */
	int ni, nj;   /* padded leading dimensions (points) */
	int kb, nk;   /* stored planes kb..kb+nk-1 */
	int klo, khi; /* owned planes klo..khi-1 */
	size_t npts;  /* stored points */
	double dt;
	/* 1/h^2, 1/(2h), 1/h per direction (x, y, z) */
	double t1[3], t2[3], t3[3];
	double d[3][5]; /* dissipation coefficients dx1..dx5 per direction */
	double dssp;
	double c3c4, c1c5, c1345, con43;
	double *u, *rhs, *forcing;
	double *rho_i, *us, *vs, *ws, *qs, *square, *speed;
	void *mem; /* the one allocation the fields are carved from */
};

/* Point index of (i, j, k). */
static inline size_t
hv_cfd_ix(const struct hv_cfd *c, int i, int j, int k)
{
	return ((size_t)(k - c->kb) * c->nj + j) * c->ni + i;
}

/*
 * Set the constants for an n^3 grid and time step dt and allocate the
 * fields of the whole grid (speed only when want_speed). Returns 0 or
 * -ENOMEM.
 */
int hv_cfd_init(struct hv_cfd *c, int n, double dt, bool want_speed);
/*
 * The same for a slab: own planes klo..khi-1 and store ghost planes
 * more on each side, clipped to the grid.
 */
int hv_cfd_init_slab(struct hv_cfd *c, int n, double dt, bool want_speed,
		     int klo, int khi, int ghost);
void hv_cfd_free(struct hv_cfd *c);
/* Bytes hv_cfd_init allocates for nk stored planes of an n^3 grid. */
size_t hv_cfd_mem_bytes(int n, int nk, bool want_speed);

/* The exact solution at (xi, eta, zeta) in [0,1]^3. */
void hv_cfd_exact(double xi, double eta, double zeta, double out[5]);
/*
 * u = transfinite interpolation of the exact boundary values in the
 * interior and the exact solution on the six faces, on every stored
 * plane (ghosts included: the values are known, not computed).
 */
void hv_cfd_initialize(struct hv_cfd *c);
/*
 * forcing = -L(u_exact) on the owned interior, 0 elsewhere. It needs
 * two ghost planes on each side of a slab (the dissipation's reach).
 */
void hv_cfd_exact_rhs(struct hv_cfd *c);

/*
 * Auxiliary fields (rho_i, us, vs, ws, square, qs and, if allocated,
 * speed) on the owned planes and one more each side, then rhs =
 * forcing + L(u) on the owned interior planes, times dt when scale_dt.
 * u must be current on the owned planes and two more each side.
 * Work-shared: call it from inside an OpenMP parallel region (or
 * serially); it ends with a barrier.
 */
void hv_cfd_compute_rhs(struct hv_cfd *c, bool scale_dt);

/*
 * Sums over the box lo..hi (each direction; k only where owned) of
 * (u - u_exact)^2 per component, and over the owned interior of f^2
 * for a 5-component field f: the parts of the norms that a slab adds
 * before the sums of all slabs are combined.
 */
void hv_cfd_error_sums(const struct hv_cfd *c, int lo, int hi, double out[5]);
void hv_cfd_field_sums(const struct hv_cfd *c, const double *f, double out[5]);
/* sum -> sqrt(sum / (n-2)^3), in place: the RMS over the interior. */
void hv_cfd_rms(const struct hv_cfd *c, double sums[5]);
/*
 * The whole grid's norms (sums then RMS): BT and SP take the error over
 * the whole grid (lo 0, hi n-1), LU over the interior.
 */
void hv_cfd_error_norm(const struct hv_cfd *c, int lo, int hi, double out[5]);
void hv_cfd_field_norm(const struct hv_cfd *c, const double *f, double out[5]);

struct hv_npb_result;

/* NPB's operation count of a BT, SP or LU run, in millions: niter *
 * (ops[0] n^3 + ops[1] n^2 + ops[2] n + ops[3]) / 1e6. */
double hv_cfd_mops(int n, int niter, const double ops[4]);

/*
 * The result of a finished BT, SP or LU run (r->time_s set): size, the
 * nominal Mop/s from NPB's operation count niter * (ops[0] n^3 + ops[1]
 * n^2 + ops[2] n + ops[3]), and the checks of dt, of xcr / xcr_div (BT
 * and SP divide by dt, LU does not) and of xce, under bench ("BT").
 */
void hv_cfd_report(struct hv_npb_result *r, const char *bench, char cls, int n,
		   int niter, double dt, const double ops[4],
		   const double xcr[5], double xcr_div, const double xce[5]);

/*
 * The 5x5 Jacobians of the inviscid flux (fj) and of the viscous
 * "potential" (nj) in direction dir (0 x, 1 y, 2 z) at the state U.
 * Row-major: fj[r*5+col]. Only the entries that can be nonzero for dir
 * are written (the same ones at every point): the others must be 0
 * already. The implicit operator of BT is built from these (LU applies
 * them to vectors, lu.c). Inline: BT calls it for every point of every
 * line.
 */
static inline __attribute__((always_inline)) void
hv_cfd_jacobians(const struct hv_cfd *c, int dir, const double *U,
		 double *restrict fj, double *restrict nj)
{
	double r1 = 1.0 / U[0], r2 = r1 * r1, r3 = r2 * r1;
	double qs = 0.5 * (U[1] * U[1] + U[2] * U[2] + U[3] * U[3]) * r2;
	double c1345 = c->c1345;
	int mc = dir + 1, q, x;

	fj[mc] = 1.0;
	nj[20] = -c1345 * r2 * U[4];
	for (q = 1; q < 4; q++) {
		double k = q == mc ? c->con43 * c->c3c4 : c->c3c4;

		nj[q * 5] = -k * r2 * U[q];
		nj[q * 5 + q] = k * r1;
		nj[20] -= (k - c1345) * r3 * U[q] * U[q];
		nj[20 + q] = (k - c1345) * r2 * U[q];
		if (q == mc)
			continue;
		fj[q * 5] = -U[q] * U[mc] * r2;
		fj[q * 5 + q] = U[mc] * r1;
		fj[q * 5 + mc] = U[q] * r1;
		fj[20 + q] = -CFD_C2 * U[q] * U[mc] * r2;
	}
	nj[24] = c1345 * r1;
	x = mc * 5;
	fj[x] = -U[mc] * U[mc] * r2 + CFD_C2 * qs;
	for (q = 1; q < 4; q++)
		fj[x + q] = q == mc ? (2.0 - CFD_C2) * U[mc] * r1
				    : -CFD_C2 * U[q] * r1;
	fj[x + 4] = CFD_C2;
	fj[20] = (CFD_C2 * 2.0 * qs * U[0] - CFD_C1 * U[4]) * U[mc] * r2;
	fj[20 + mc] = CFD_C1 * U[4] * r1 - CFD_C2 * (U[mc] * U[mc] * r2 + qs);
	fj[24] = CFD_C1 * U[mc] * r1;
}

#endif
