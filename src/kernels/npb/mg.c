/*
 * mg.c - NPB MG: V-cycle multigrid on a periodic n^3 grid for the 3-D
 * Poisson equation with a right-hand side of +-1 at 20 random points.
 * Every level k (2^k interior points per side) is stored with one ghost
 * layer, x fastest: index (i3 * m + i2) * m + i1 with m = 2^k + 2. The
 * 27-point operators use line sums of the y/z neighbours (sum of the 4
 * faces, sum of the 4 edges) so that each output point needs a few adds.
 * Parallel over z planes; comm3 refreshes the periodic ghosts.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klib.h"
#include "npb-rand.h"
#include "npb.h"

#define MG_MAXLEV 12
/*
 * Levels with fewer points per side than this are worked by thread 0
 * alone: a coarse level is microseconds of work, and skipping its
 * barriers matters most when a vCPU is descheduled.
 */
#define MG_PARN 32

struct mg_prm {
	char cls;
	int lt, nit;
};

static const struct mg_prm mg_prms[] = {
	{'S', 5, 4},  {'W', 7, 4},  {'A', 8, 4},
	{'B', 8, 20}, {'C', 9, 20}, {'D', 10, 50},
};

struct mg_lev {
	int n, m;
	double *u, *r;
};

struct mg_state {
	int lt;
	struct mg_lev lev[MG_MAXLEV + 1];
	double *v;
	double a[4], c[4];
};

#define IX(m, i3, i2, i1) ((((long)(i3) * (m)) + (i2)) * (m) + (i1))

static const struct mg_prm *
mg_prm(char cls)
{
	size_t i;

	for (i = 0; i < sizeof(mg_prms) / sizeof(mg_prms[0]); i++)
		if (mg_prms[i].cls == cls)
			return &mg_prms[i];
	return NULL;
}

/* NPB's count: 58 operations per point of the finest grid per V-cycle. */
static double
mg_mops(char cls)
{
	const struct mg_prm *p = mg_prm(cls);
	double n;

	if (!p)
		return 0;
	n = (double)(1L << p->lt);
	return 58.0 * p->nit * n * n * n / 1e6;
}

/*
 * This thread's share [*lo, *hi) of the items [first, end) of a level
 * with n points per side; false when it has nothing to do (a small
 * level is done by thread 0 alone).
 */
static inline __attribute__((always_inline)) bool
mg_part(int n, int first, int end, int *lo, int *hi)
{
	int nt = npb_nthreads(), t = npb_tid();

	if (n < MG_PARN || nt == 1) {
		*lo = first;
		*hi = end;
		return t == 0;
	}
	*lo = first + (int)((long)(end - first) * t / nt);
	*hi = first + (int)((long)(end - first) * (t + 1) / nt);
	return true;
}

/* Barrier after an operation on a level that all threads share. */
static inline __attribute__((always_inline)) void
mg_sync(int n)
{
	if (n >= MG_PARN && npb_nthreads() > 1) {
#pragma omp barrier
	}
}

/* Periodic ghost update, axis 1, then 2, then 3 (NPB order). */
static inline __attribute__((always_inline)) void
mg_comm3(double *u, int n)
{
	int m = n + 2, i1, i2, i3, lo, hi;

	if (mg_part(n, 1, n + 1, &lo, &hi))
		for (i3 = lo; i3 < hi; i3++) {
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
	mg_sync(n);
	if (mg_part(n, 0, m, &lo, &hi))
		for (i2 = lo; i2 < hi; i2++)
			for (i1 = 0; i1 < m; i1++) {
				u[IX(m, 0, i2, i1)] = u[IX(m, n, i2, i1)];
				u[IX(m, n + 1, i2, i1)] = u[IX(m, 1, i2, i1)];
			}
	mg_sync(n);
}

/* Line sums over the y/z neighbours of row (i2, i3): faces and edges. */
static inline __attribute__((always_inline)) void
mg_sums(const double *restrict u, int m, int i3, int i2, double *restrict s1,
	double *restrict s2)
{
	const double *ym = u + IX(m, i3, i2 - 1, 0);
	const double *yp = u + IX(m, i3, i2 + 1, 0);
	const double *zm = u + IX(m, i3 - 1, i2, 0);
	const double *zp = u + IX(m, i3 + 1, i2, 0);
	const double *mm = u + IX(m, i3 - 1, i2 - 1, 0);
	const double *mp = u + IX(m, i3 - 1, i2 + 1, 0);
	const double *pm = u + IX(m, i3 + 1, i2 - 1, 0);
	const double *pp = u + IX(m, i3 + 1, i2 + 1, 0);
	int i1;

	for (i1 = 0; i1 < m; i1++) {
		s1[i1] = ym[i1] + yp[i1] + zm[i1] + zp[i1];
		s2[i1] = mm[i1] + mp[i1] + pm[i1] + pp[i1];
	}
}

/* r = v - A u on the interior (v may be r itself), then comm3(r). */
static inline __attribute__((always_inline)) void
mg_resid(const struct mg_state *s, const double *u, const double *v, double *r,
	 int n)
{
	int m = n + 2, i3, lo, hi;
	const double *a = s->a;

	if (mg_part(n, 1, n + 1, &lo, &hi))
		for (i3 = lo; i3 < hi; i3++) {
			double s1[m], s2[m];
			int i2, i1;

			for (i2 = 1; i2 <= n; i2++) {
				const double *restrict uc =
					u + IX(m, i3, i2, 0);
				const double *vc = v + IX(m, i3, i2, 0);
				double *rc = r + IX(m, i3, i2, 0);

				mg_sums(u, m, i3, i2, s1, s2);
				for (i1 = 1; i1 <= n; i1++)
					rc[i1] = vc[i1] - a[0] * uc[i1] -
						 a[2] * (s2[i1] + s1[i1 - 1] +
							 s1[i1 + 1]) -
						 a[3] * (s2[i1 - 1] +
							 s2[i1 + 1]);
			}
		}
	mg_sync(n);
	mg_comm3(r, n);
}

/* u = u + S r (the smoother), then comm3(u). */
static inline __attribute__((always_inline)) void
mg_psinv(const struct mg_state *s, const double *r, double *u, int n)
{
	int m = n + 2, i3, lo, hi;
	const double *c = s->c;

	if (mg_part(n, 1, n + 1, &lo, &hi))
		for (i3 = lo; i3 < hi; i3++) {
			double s1[m], s2[m];
			int i2, i1;

			for (i2 = 1; i2 <= n; i2++) {
				const double *restrict rc =
					r + IX(m, i3, i2, 0);
				double *restrict uc = u + IX(m, i3, i2, 0);

				mg_sums(r, m, i3, i2, s1, s2);
				for (i1 = 1; i1 <= n; i1++)
					uc[i1] += c[0] * rc[i1] +
						  c[1] * (rc[i1 - 1] +
							  rc[i1 + 1] + s1[i1]) +
						  c[2] * (s2[i1] + s1[i1 - 1] +
							  s1[i1 + 1]);
			}
		}
	mg_sync(n);
	mg_comm3(u, n);
}

/* Restrict fine residual rf (nf) to the coarse grid rc (nf/2), comm3. */
static inline __attribute__((always_inline)) void
mg_rprj3(const double *rf, int nf, double *rc)
{
	int mf = nf + 2, nc = nf / 2, mc = nc + 2, j3, lo, hi;

	if (mg_part(nc, 1, nc + 1, &lo, &hi))
		for (j3 = lo; j3 < hi; j3++) {
			double s1[mf], s2[mf];
			int j2, j1;

			for (j2 = 1; j2 <= nc; j2++) {
				const double *f =
					rf + IX(mf, 2 * j3, 2 * j2, 0);
				double *o = rc + IX(mc, j3, j2, 0);

				mg_sums(rf, mf, 2 * j3, 2 * j2, s1, s2);
				for (j1 = 1; j1 <= nc; j1++) {
					int i = 2 * j1;

					o[j1] = 0.5 * f[i] +
						0.25 * (f[i - 1] + f[i + 1] +
							s1[i]) +
						0.125 * (s2[i] + s1[i - 1] +
							 s1[i + 1]) +
						0.0625 *
							(s2[i - 1] + s2[i + 1]);
				}
			}
		}
	mg_sync(nc);
	mg_comm3(rc, nc);
}

/* Add one interpolated fine row: t at coarse points, w = its weight. */
static inline __attribute__((always_inline)) void
mg_interp_row(double *restrict f, const double *restrict t, int mc, double w)
{
	int i;

	for (i = 0; i < mc - 1; i++) {
		f[2 * i] += w * t[i];
		f[2 * i + 1] += 0.5 * w * (t[i] + t[i + 1]);
	}
}

/* u (fine, 2nc) += trilinear interpolation of z (coarse, nc). */
static inline __attribute__((always_inline)) void
mg_interp(const double *z, int nc, double *u)
{
	int mc = nc + 2, mf = 2 * nc + 2, i3, lo, hi;

	if (mg_part(2 * nc, 0, mc - 1, &lo, &hi))
		for (i3 = lo; i3 < hi; i3++) {
			double t1[mc], t2[mc], t3[mc];
			int i2, i1;

			for (i2 = 0; i2 < mc - 1; i2++) {
				const double *z00 = z + IX(mc, i3, i2, 0);
				const double *z01 = z + IX(mc, i3, i2 + 1, 0);
				const double *z10 = z + IX(mc, i3 + 1, i2, 0);
				const double *z11 =
					z + IX(mc, i3 + 1, i2 + 1, 0);

				for (i1 = 0; i1 < mc; i1++) {
					t1[i1] = z00[i1] + z01[i1];
					t2[i1] = z00[i1] + z10[i1];
					t3[i1] = t1[i1] + z10[i1] + z11[i1];
				}
				mg_interp_row(u + IX(mf, 2 * i3, 2 * i2, 0),
					      z00, mc, 1.0);
				mg_interp_row(u + IX(mf, 2 * i3, 2 * i2 + 1, 0),
					      t1, mc, 0.5);
				mg_interp_row(u + IX(mf, 2 * i3 + 1, 2 * i2, 0),
					      t2, mc, 0.5);
				mg_interp_row(
					u + IX(mf, 2 * i3 + 1, 2 * i2 + 1, 0),
					t3, mc, 0.25);
			}
		}
	mg_sync(2 * nc);
}

static inline __attribute__((always_inline)) void
mg_zero(double *u, int n)
{
	long m = n + 2;
	int i3, lo, hi;

	if (mg_part(n, 0, (int)m, &lo, &hi))
		for (i3 = lo; i3 < hi; i3++)
			memset(u + i3 * m * m, 0,
			       (size_t)(m * m) * sizeof(double));
	mg_sync(n);
}

/* One V-cycle (mg3P); runs inside a parallel region. */
static inline __attribute__((always_inline)) void
mg_vcycle(const struct mg_state *s)
{
	const struct mg_lev *L = s->lev;
	int k, lt = s->lt;

	for (k = lt; k >= 2; k--)
		mg_rprj3(L[k].r, L[k].n, L[k - 1].r);
	mg_zero(L[1].u, L[1].n);
	mg_psinv(s, L[1].r, L[1].u, L[1].n);
	for (k = 2; k < lt; k++) {
		if (L[k].n >= MG_PARN && L[k - 1].n < MG_PARN) {
#pragma omp barrier /* thread 0 finished the coarse levels */
		}
		mg_zero(L[k].u, L[k].n);
		mg_interp(L[k - 1].u, L[k - 1].n, L[k].u);
		mg_resid(s, L[k].u, L[k].r, L[k].r, L[k].n);
		mg_psinv(s, L[k].r, L[k].u, L[k].n);
	}
	if (L[lt].n >= MG_PARN && L[lt - 1].n < MG_PARN) {
#pragma omp barrier
	}
	mg_interp(L[lt - 1].u, L[lt - 1].n, L[lt].u);
	mg_resid(s, L[lt].u, s->v, L[lt].r, L[lt].n);
	mg_psinv(s, L[lt].r, L[lt].u, L[lt].n);
}

/* The timed iterations, inside a parallel region: residual, then nit
 * V-cycles each followed by the residual. */
static inline __attribute__((always_inline)) void
mg_iterate_body(const struct mg_state *s, int nit)
{
	const struct mg_lev *F = &s->lev[s->lt];
	int it;

	mg_resid(s, F->u, s->v, F->r, F->n);
	for (it = 1; it <= nit; it++) {
		mg_vcycle(s);
		mg_resid(s, F->u, s->v, F->r, F->n);
	}
}

HV_NPB_MULTIVERSION(mg_iterate, (const struct mg_state *s, int nit), (s, nit))

/* Keep the 10 extreme values: best[0] is the weakest of them. */
struct mg_top {
	double val[10];
	long pos[10];
};

static inline void
mg_top_add(struct mg_top *t, double x, long pos, int sign)
{
	int j;

	if (sign * x <= sign * t->val[0])
		return;
	for (j = 0; j < 9 && sign * x > sign * t->val[j + 1]; j++) {
		t->val[j] = t->val[j + 1];
		t->pos[j] = t->pos[j + 1];
	}
	t->val[j] = x;
	t->pos[j] = pos;
}

/*
 * zran3: uniforms from seed 314159265 over the interior, x fastest (one
 * continuous stream), then v = +1 at the 10 largest, -1 at the 10
 * smallest, 0 elsewhere.
 */
static void
mg_zran3(struct mg_state *s)
{
	int n = s->lev[s->lt].n, m = n + 2, i3, i2, i1, j;
	uint64_t x = NPB_SEED;
	struct mg_top hi, lo;
	double *v = s->v;

	for (j = 0; j < 10; j++) {
		hi.val[j] = -1.0;
		lo.val[j] = 2.0;
		hi.pos[j] = lo.pos[j] = 0;
	}
	for (i3 = 1; i3 <= n; i3++)
		for (i2 = 1; i2 <= n; i2++) {
			double *l = v + IX(m, i3, i2, 0);

			npb_vranlc(n, &x, NPB_A, l + 1);
			for (i1 = 1; i1 <= n; i1++) {
				mg_top_add(&hi, l[i1], l + i1 - v, 1);
				mg_top_add(&lo, l[i1], l + i1 - v, -1);
			}
		}
	memset(v, 0, (size_t)m * m * m * sizeof(double));
	for (j = 0; j < 10; j++) {
		v[lo.pos[j]] = -1.0;
		v[hi.pos[j]] = 1.0;
	}
	mg_comm3(v, n);
}

/* rnm2 = sqrt(sum r^2 / n^3) over the interior; rnmu = max |r|. */
static void
mg_norm(const double *r, int n, double *rnm2, double *rnmu)
{
	int m = n + 2, i3;
	double sum = 0, mx = 0;

#pragma omp parallel for reduction(+ : sum) reduction(max : mx)
	for (i3 = 1; i3 <= n; i3++) {
		int i2, i1;

		for (i2 = 1; i2 <= n; i2++) {
			const double *l = r + IX(m, i3, i2, 0);

			for (i1 = 1; i1 <= n; i1++) {
				sum += l[i1] * l[i1];
				mx = fmax(mx, fabs(l[i1]));
			}
		}
	}
	*rnm2 = sqrt(sum / ((double)n * n * n));
	*rnmu = mx;
}

static void
mg_alloc(struct mg_state *s, const struct mg_prm *p)
{
	size_t tot = 0, off = 0;
	double *buf;
	int k;

	s->lt = p->lt;
	for (k = 1; k <= p->lt; k++) {
		s->lev[k].n = 1 << k;
		s->lev[k].m = s->lev[k].n + 2;
		tot += (size_t)s->lev[k].m * s->lev[k].m * s->lev[k].m;
	}
	buf = hv_k_alloc_aligned(2 * tot * sizeof(double));
	for (k = 1; k <= p->lt; k++) {
		size_t sz = (size_t)s->lev[k].m * s->lev[k].m * s->lev[k].m;

		s->lev[k].u = buf + off;
		s->lev[k].r = buf + tot + off;
		off += sz;
	}
	s->v = hv_k_alloc_aligned(
		off ? (size_t)s->lev[p->lt].m * s->lev[p->lt].m *
				s->lev[p->lt].m * sizeof(double)
		    : 8);
}

static void
mg_coeffs(struct mg_state *s, char cls)
{
	static const double sa[4] = {-3.0 / 8.0, 1.0 / 32.0, -1.0 / 64.0, 0};
	static const double sb[4] = {-3.0 / 17.0, 1.0 / 33.0, -1.0 / 61.0, 0};
	bool small = cls == 'S' || cls == 'W' || cls == 'A';

	s->a[0] = -8.0 / 3.0;
	s->a[1] = 0.0;
	s->a[2] = 1.0 / 6.0;
	s->a[3] = 1.0 / 12.0;
	memcpy(s->c, small ? sa : sb, sizeof(s->c));
}

/* Reset: u = 0 on every level, v regenerated. */
static void
mg_reset(struct mg_state *s)
{
	int k;

	for (k = 1; k <= s->lt; k++)
		memset(s->lev[k].u, 0,
		       (size_t)s->lev[k].m * s->lev[k].m * s->lev[k].m *
			       sizeof(double));
	mg_zran3(s);
}

static int
mg_run(char cls, int threads, struct hv_npb_result *r)
{
	const struct mg_prm *p = mg_prm(cls);
	struct mg_state s = {0};
	struct mg_lev *F;
	double t0, rnm2, rnmu;
	int n;

	(void)threads;
	if (!p)
		return -EINVAL;
	mg_alloc(&s, p);
	mg_coeffs(&s, cls);
	F = &s.lev[p->lt];
	n = F->n;
	mg_reset(&s);
#pragma omp parallel
	mg_iterate(&s, 1); /* untimed warm-up: one V-cycle */
	mg_reset(&s);
	t0 = hv_npb_wtime();
#pragma omp parallel
	mg_iterate(&s, p->nit);
	mg_norm(F->r, n, &rnm2, &rnmu);
	r->time_s = hv_npb_wtime() - t0;
	snprintf(r->size, sizeof(r->size), "%dx%dx%d", n, n, n);
	r->iterations = p->nit;
	r->op_type = "floating point";
	r->mops_total = mg_mops(cls) / r->time_s;
	hv_npb_check_real(r, "MG", cls, "rnm2", 0, rnm2);
	free(s.lev[1].u);
	free(s.v);
	return 0;
}

static uint64_t
mg_mem(char cls, int threads)
{
	const struct mg_prm *p = mg_prm(cls);
	uint64_t m, tot = 0;
	int k;

	(void)threads;
	if (!p)
		return 0;
	for (k = 1; k <= p->lt; k++) {
		m = (1ULL << k) + 2;
		tot += m * m * m;
	}
	m = (1ULL << p->lt) + 2;
	return 8 * (2 * tot + m * m * m) + (4ULL << 20);
}

const struct hv_npb_bench hv_npb_mg = {
	.name = "mg",
	.mem_bytes = mg_mem,
	.mops = mg_mops,
	.run = mg_run,
};
