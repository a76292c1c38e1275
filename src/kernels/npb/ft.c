/*
 * ft.c - NPB FT: solve a 3-D diffusion PDE spectrally. A random complex
 * field is transformed forward once (x, y, then z); each step multiplies
 * it by exp(-4 alpha pi^2 |k|^2) (cumulatively), transforms a copy back
 * (z, y, then x; unnormalised) and checksums 1024 sample points.
 *
 * Layout: complex interleaved, x fastest, no padding. The FFT engine
 * transforms a batch of FT_B lines at once: a pass gathers them into a
 * split re/im scratch laid out [point][line] so every butterfly is a
 * stride-1 loop over the lines (vectorises), runs a radix-2 Stockham
 * autosort FFT, and scatters the result. The evolution factor is not
 * stored: it is a product of three 1-D tables, applied while the first
 * inverse pass (z) gathers its input.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klib.h"
#include "npb-rand.h"
#include "npb.h"

#define FT_B 16	     /* lines per batch */
#define FT_MAXN 4096 /* longest line supported */
#define FT_CHK 1024  /* checksum sample points */
#define FT_ALPHA 1.0e-6
#define FT_PI 3.141592653589793238

struct ft_prm {
	char cls;
	int nx, ny, nz, niter;
};

static const struct ft_prm ft_prms[] = {
	{'S', 64, 64, 64, 6},	  {'W', 128, 128, 32, 6},
	{'A', 256, 256, 128, 6},  {'B', 512, 256, 256, 20},
	{'C', 512, 512, 512, 20}, {'D', 2048, 1024, 1024, 25},
};

/* Twiddles of one length: stage tables concatenated (n - 1 entries). */
struct ft_roots {
	int n, log2n;
	double *wr, *wi;
};

struct ft_state {
	const struct ft_prm *p;
	double *u0, *u1;       /* complex interleaved, nx*ny*nz */
	double *ex[3];	       /* per-axis evolution factors */
	struct ft_roots rt[3]; /* x, y, z */
};

/* Scratch of one thread: two ping-pong buffers, split re/im. */
struct ft_work {
	double *ar, *ai, *br, *bi;
};

static const struct ft_prm *
ft_prm(char cls)
{
	size_t i;

	for (i = 0; i < sizeof(ft_prms) / sizeof(ft_prms[0]); i++)
		if (ft_prms[i].cls == cls)
			return &ft_prms[i];
	return NULL;
}

/* NPB's operation count: the setup FFT and niter evolve+FFT steps. */
static double
ft_mops(char cls)
{
	const struct ft_prm *p = ft_prm(cls);
	double ntot, lnt;

	if (!p)
		return 0;
	ntot = (double)p->nx * p->ny * p->nz;
	lnt = log(ntot);
	return ntot *
	       (14.8157 + 7.19641 * lnt +
		(5.23518 + 7.21113 * lnt) * p->niter) /
	       1e6;
}

static int
ilog2(int n)
{
	int l = 0;

	while ((1 << l) < n)
		l++;
	return l;
}

/*
 * Twiddles in the order the stages use them: when log2 n is odd a
 * radix-2 stage first (l = n/2 roots exp(+i pi j / l)), then radix-4
 * stages (for each j < l the roots w^j, w^2j, w^3j, w = exp(+i pi /
 * (2 l))), l shrinking by 4 each stage.
 */
static void
ft_roots_init(struct ft_roots *rt, int n)
{
	int len = n, off = 0, l, j, q;

	rt->n = n;
	rt->log2n = ilog2(n);
	rt->wr = hv_k_alloc_aligned(2 * (size_t)n * sizeof(double));
	rt->wi = hv_k_alloc_aligned(2 * (size_t)n * sizeof(double));
	if (rt->log2n & 1) {
		l = len / 2;
		for (j = 0; j < l; j++) {
			rt->wr[off + j] = cos(FT_PI * j / l);
			rt->wi[off + j] = sin(FT_PI * j / l);
		}
		off += l;
		len = l;
	}
	for (; len >= 4; len = l) {
		l = len / 4;
		for (j = 0; j < l; j++)
			for (q = 1; q <= 3; q++) {
				double an = FT_PI * j * q / (2.0 * l);

				rt->wr[off + 3 * j + q - 1] = cos(an);
				rt->wi[off + 3 * j + q - 1] = sin(an);
			}
		off += 3 * l;
	}
}

static void
ft_roots_free(struct ft_roots *rt)
{
	free(rt->wr);
	free(rt->wi);
}

/* Split-complex pointers of one scratch buffer. */
struct ft_buf {
	double *r, *i;
};

/* Radix-2 Stockham stage: l butterfly groups of m * FT_B points. */
static inline __attribute__((always_inline)) void
ft_radix2(const double *wr, const double *wi, double sign, int l, int m,
	  struct ft_buf x, struct ft_buf y)
{
	int mb = m * FT_B, j, k;

	for (j = 0; j < l; j++) {
		double cr = wr[j], ci = sign * wi[j];
		const double *restrict ar = x.r + (long)j * mb;
		const double *restrict ai = x.i + (long)j * mb;
		const double *restrict br = ar + (long)l * mb;
		const double *restrict bi = ai + (long)l * mb;
		double *restrict y0r = y.r + 2L * j * mb;
		double *restrict y0i = y.i + 2L * j * mb;
		double *restrict y1r = y0r + mb, *restrict y1i = y0i + mb;

		for (k = 0; k < mb; k++) {
			double dr = ar[k] - br[k], di = ai[k] - bi[k];

			y0r[k] = ar[k] + br[k];
			y0i[k] = ai[k] + bi[k];
			y1r[k] = cr * dr - ci * di;
			y1i[k] = cr * di + ci * dr;
		}
	}
}

/* Radix-4 Stockham stage; w holds w^j, w^2j, w^3j for each j < l. */
static inline __attribute__((always_inline)) void
ft_radix4(const double *wr, const double *wi, double sign, int l, int m,
	  struct ft_buf x, struct ft_buf y)
{
	long mb = (long)m * FT_B, lm = (long)l * mb;
	int j, k;

	for (j = 0; j < l; j++) {
		double c1 = wr[3 * j], s1 = sign * wi[3 * j];
		double c2 = wr[3 * j + 1], s2 = sign * wi[3 * j + 1];
		double c3 = wr[3 * j + 2], s3 = sign * wi[3 * j + 2];
		const double *restrict ar = x.r + j * mb, *restrict ai =
								  x.i + j * mb;
		double *restrict yr = y.r + 4 * j * mb, *restrict yi =
								y.i +
								4 * j * mb;

		for (k = 0; k < mb; k++) {
			double t0r = ar[k] + ar[k + 2 * lm];
			double t0i = ai[k] + ai[k + 2 * lm];
			double t1r = ar[k] - ar[k + 2 * lm];
			double t1i = ai[k] - ai[k + 2 * lm];
			double t2r = ar[k + lm] + ar[k + 3 * lm];
			double t2i = ai[k + lm] + ai[k + 3 * lm];
			/* s * i * (b - d) */
			double t3r = -sign * (ai[k + lm] - ai[k + 3 * lm]);
			double t3i = sign * (ar[k + lm] - ar[k + 3 * lm]);
			double z1r = t1r + t3r, z1i = t1i + t3i;
			double z2r = t0r - t2r, z2i = t0i - t2i;
			double z3r = t1r - t3r, z3i = t1i - t3i;

			yr[k] = t0r + t2r;
			yi[k] = t0i + t2i;
			yr[k + mb] = c1 * z1r - s1 * z1i;
			yi[k + mb] = c1 * z1i + s1 * z1r;
			yr[k + 2 * mb] = c2 * z2r - s2 * z2i;
			yi[k + 2 * mb] = c2 * z2i + s2 * z2r;
			yr[k + 3 * mb] = c3 * z3r - s3 * z3i;
			yi[k + 3 * mb] = c3 * z3i + s3 * z3r;
		}
	}
}

/*
 * Stockham autosort FFT (radix 4, plus one radix-2 stage when log2 n is
 * odd) of FT_B lines in w->a (layout [point][line]), ping-ponging with
 * w->b. sign +1 uses the roots as stored, -1 their conjugates. Sets
 * *r, *i to the buffer holding the result.
 */
static inline __attribute__((always_inline)) void
ft_fft_batch(const struct ft_roots *rt, double sign, struct ft_work *w,
	     double **r, double **i)
{
	struct ft_buf x = {w->ar, w->ai}, y = {w->br, w->bi}, t;
	int len = rt->n, m = 1, off = 0, l;

	if (rt->log2n & 1) {
		l = len / 2;
		ft_radix2(rt->wr + off, rt->wi + off, sign, l, m, x, y);
		t = x, x = y, y = t;
		off += l;
		m *= 2;
		len = l;
	}
	for (; len >= 4; len = l) {
		l = len / 4;
		ft_radix4(rt->wr + off, rt->wi + off, sign, l, m, x, y);
		t = x, x = y, y = t;
		off += 3 * l;
		m *= 4;
	}
	*r = x.r;
	*i = x.i;
}

/*
 * A batch of lines in a complex array: point p of line b is at complex
 * index base + p * sp + b * sb.
 */
struct ft_lines {
	long base, sp, sb;
	int n;
};

static inline __attribute__((always_inline)) void
ft_gather(const double *restrict u, const struct ft_lines *L, struct ft_work *w)
{
	double *restrict ar = w->ar, *restrict ai = w->ai;
	int p, b;

	if (L->sb == 1) {
		for (p = 0; p < L->n; p++) {
			const double *s = u + 2 * (L->base + p * L->sp);

			for (b = 0; b < FT_B; b++) {
				ar[p * FT_B + b] = s[2 * b];
				ai[p * FT_B + b] = s[2 * b + 1];
			}
		}
		return;
	}
	for (b = 0; b < FT_B; b++) {
		const double *s = u + 2 * (L->base + b * L->sb);

		for (p = 0; p < L->n; p++) {
			ar[p * FT_B + b] = s[2 * p * L->sp];
			ai[p * FT_B + b] = s[2 * p * L->sp + 1];
		}
	}
}

static inline __attribute__((always_inline)) void
ft_scatter(double *restrict u, const struct ft_lines *L,
	   const double *restrict xr, const double *restrict xi)
{
	int p, b;

	if (L->sb == 1) {
		for (p = 0; p < L->n; p++) {
			double *d = u + 2 * (L->base + p * L->sp);

			for (b = 0; b < FT_B; b++) {
				d[2 * b] = xr[p * FT_B + b];
				d[2 * b + 1] = xi[p * FT_B + b];
			}
		}
		return;
	}
	for (b = 0; b < FT_B; b++) {
		double *d = u + 2 * (L->base + b * L->sb);

		for (p = 0; p < L->n; p++) {
			d[2 * p * L->sp] = xr[p * FT_B + b];
			d[2 * p * L->sp + 1] = xi[p * FT_B + b];
		}
	}
}

/*
 * Gather for the first inverse pass (z lines at (y, x0..x0+B)) while
 * applying the evolution step: u0 *= ex_x * ex_y * ex_z, in place.
 */
static inline __attribute__((always_inline)) void
ft_gather_evolve(const struct ft_state *s, double *restrict u0,
		 const struct ft_lines *L, int y, int x0, struct ft_work *w)
{
	const double *ex = s->ex[0] + x0, *ez = s->ex[2];
	double ey = s->ex[1][y];
	double *restrict ar = w->ar, *restrict ai = w->ai;
	int p, b;

	for (p = 0; p < L->n; p++) {
		double *d = u0 + 2 * (L->base + p * L->sp);
		double f = ey * ez[p];

		for (b = 0; b < FT_B; b++) {
			double g = f * ex[b];
			double re = d[2 * b] * g, im = d[2 * b + 1] * g;

			d[2 * b] = re;
			d[2 * b + 1] = im;
			ar[p * FT_B + b] = re;
			ai[p * FT_B + b] = im;
		}
	}
}

/* Lines of batch blk along axis (0 x, 1 y, 2 z); *y, *x0 locate it. */
static inline __attribute__((always_inline)) void
ft_block(const struct ft_prm *p, int axis, long blk, struct ft_lines *L, int *y,
	 int *x0)
{
	long nxy = (long)p->nx * p->ny;
	int nbx = p->nx / FT_B, nby = p->ny / FT_B;

	if (axis == 0) {
		long z = blk / nby, yb = blk % nby;

		L->base = (z * p->ny + yb * FT_B) * p->nx;
		L->sp = 1;
		L->sb = p->nx;
		L->n = p->nx;
	} else if (axis == 1) {
		long z = blk / nbx, xb = blk % nbx;

		L->base = z * nxy + xb * FT_B;
		L->sp = p->nx;
		L->sb = 1;
		L->n = p->ny;
	} else {
		*y = (int)(blk / nbx);
		*x0 = (int)(blk % nbx) * FT_B;
		L->base = (long)*y * p->nx + *x0;
		L->sp = nxy;
		L->sb = 1;
		L->n = p->nz;
	}
}

/* One 1-D FFT pass over every line of an axis; src may equal dst. */
static inline __attribute__((always_inline)) void
ft_pass_body(const struct ft_state *s, int axis, double sign, double *src,
	     double *dst, bool evolve, struct ft_work *w)
{
	const struct ft_prm *p = s->p;
	long nb, blk;

	nb = axis == 0	 ? (long)p->nz * (p->ny / FT_B)
	     : axis == 1 ? (long)p->nz * (p->nx / FT_B)
			 : (long)p->ny * (p->nx / FT_B);
#pragma omp for schedule(static)
	for (blk = 0; blk < nb; blk++) {
		struct ft_lines L;
		double *r, *i;
		int y = 0, x0 = 0;

		ft_block(p, axis, blk, &L, &y, &x0);
		if (evolve)
			ft_gather_evolve(s, src, &L, y, x0, w);
		else
			ft_gather(src, &L, w);
		ft_fft_batch(&s->rt[axis], sign, w, &r, &i);
		ft_scatter(dst, &L, r, i);
	}
}

HV_NPB_MULTIVERSION(ft_pass,
		    (const struct ft_state *s, int axis, double sign,
		     double *src, double *dst, bool evolve, struct ft_work *w),
		    (s, axis, sign, src, dst, evolve, w))

/* Initial field in u1: one continuous stream, planes found by jumps. */
static void
ft_init_field(const struct ft_state *s)
{
	const struct ft_prm *p = s->p;
	long plane = 2L * p->nx * p->ny;
	int z;

#pragma omp for schedule(static)
	for (z = 0; z < p->nz; z++) {
		uint64_t x = npb_skip(NPB_SEED, NPB_A, (uint64_t)plane * z);

		npb_vranlc(plane, &x, NPB_A, s->u1 + plane * z);
	}
}

/* ex[d][i] = exp(-4 alpha pi^2 ibar^2), ibar the folded wavenumber. */
static void
ft_setup(struct ft_state *s)
{
	const int n[3] = {s->p->nx, s->p->ny, s->p->nz};
	double ap = -4.0 * FT_ALPHA * FT_PI * FT_PI;
	int d, i;

	for (d = 0; d < 3; d++) {
		for (i = 0; i < n[d]; i++) {
			int ib = (i + n[d] / 2) % n[d] - n[d] / 2;

			s->ex[d][i] = exp(ap * (double)ib * ib);
		}
		ft_roots_init(&s->rt[d], n[d]);
	}
}

static void
ft_checksum(const struct ft_state *s, double *re, double *im)
{
	const struct ft_prm *p = s->p;
	double sr = 0, si = 0, ntot = (double)p->nx * p->ny * p->nz;
	long j;

	for (j = 1; j <= FT_CHK; j++) {
		long q = j % p->nx, r = (3 * j) % p->ny, t = (5 * j) % p->nz;
		const double *c = s->u1 + 2 * ((t * p->ny + r) * p->nx + q);

		sr += c[0];
		si += c[1];
	}
	*re = sr / ntot;
	*im = si / ntot;
}

static void
ft_work_alloc(struct ft_work *w, int n)
{
	size_t sz = (size_t)n * FT_B * sizeof(double);

	w->ar = hv_k_alloc_aligned(4 * sz);
	w->ai = w->ar + (size_t)n * FT_B;
	w->br = w->ai + (size_t)n * FT_B;
	w->bi = w->br + (size_t)n * FT_B;
}

/* The whole problem: setup, forward FFT, niter evolve/inverse/checksum. */
static void
ft_solve(struct ft_state *s, double *cre, double *cim)
{
	const struct ft_prm *p = s->p;
	int nmax = p->nx > p->ny ? p->nx : p->ny;

	nmax = nmax > p->nz ? nmax : p->nz;
	ft_setup(s);
#pragma omp parallel
	{
		struct ft_work w;
		int t;

		ft_work_alloc(&w, nmax);
		ft_init_field(s);
		ft_pass(s, 0, 1.0, s->u1, s->u1, false, &w);
		ft_pass(s, 1, 1.0, s->u1, s->u1, false, &w);
		ft_pass(s, 2, 1.0, s->u1, s->u0, false, &w);
		for (t = 0; t < p->niter; t++) {
			ft_pass(s, 2, -1.0, s->u0, s->u1, true, &w);
			ft_pass(s, 1, -1.0, s->u1, s->u1, false, &w);
			ft_pass(s, 0, -1.0, s->u1, s->u1, false, &w);
#pragma omp single
			ft_checksum(s, &cre[t], &cim[t]);
		}
		free(w.ar);
	}
	for (int d = 0; d < 3; d++)
		ft_roots_free(&s->rt[d]);
}

static int
ft_run(char cls, int threads, struct hv_npb_result *r)
{
	const struct ft_prm *p = ft_prm(cls);
	struct ft_state s = {0};
	double cre[32], cim[32], t0;
	size_t npt;
	int t;

	(void)threads;
	if (!p || p->niter > 32 || p->nx > FT_MAXN || p->ny > FT_MAXN ||
	    p->nz > FT_MAXN)
		return -EINVAL;
	s.p = p;
	npt = (size_t)p->nx * p->ny * p->nz;
	s.u0 = hv_k_alloc_aligned(2 * npt * sizeof(double));
	s.u1 = hv_k_alloc_aligned(2 * npt * sizeof(double));
	s.ex[0] = calloc((size_t)p->nx + p->ny + p->nz, sizeof(double));
	if (!s.ex[0])
		return -ENOMEM;
	s.ex[1] = s.ex[0] + p->nx;
	s.ex[2] = s.ex[1] + p->ny;
	ft_solve(&s, cre, cim); /* untimed dry run */
	t0 = hv_npb_wtime();
	ft_solve(&s, cre, cim);
	r->time_s = hv_npb_wtime() - t0;
	snprintf(r->size, sizeof(r->size), "%dx%dx%d", p->nx, p->ny, p->nz);
	r->iterations = p->niter;
	r->op_type = "floating point";
	r->mops_total = ft_mops(cls) / r->time_s;
	for (t = 0; t < p->niter; t++)
		hv_npb_check_complex(r, "FT", cls, "checksum", t + 1, cre[t],
				     cim[t]);
	free(s.u0);
	free(s.u1);
	free(s.ex[0]);
	return 0;
}

static uint64_t
ft_mem(char cls, int threads)
{
	const struct ft_prm *p = ft_prm(cls);

	if (!p)
		return 0;
	return 32ULL * p->nx * p->ny * p->nz +
	       (uint64_t)threads * 4 * FT_B * 8 * 512 + (4ULL << 20);
}

const struct hv_npb_bench hv_npb_ft = {
	.name = "ft",
	.mem_bytes = ft_mem,
	.mops = ft_mops,
	.run = ft_run,
};
