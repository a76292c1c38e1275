/*
 * cg.c - NPB CG: estimate the smallest eigenvalue of a random sparse
 * symmetric positive definite matrix by inverse power iteration, each
 * step solving A z = x with 25 plain conjugate gradient iterations.
 * The matrix is assembled (untimed) from the NPB random outer-product
 * recipe into CSR with 32-bit column indices, duplicates summed and
 * columns sorted. The CG loops are fused (SpMV with p.q, the z/r update
 * with r.r) to cut memory passes; OpenMP splits rows statically.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klib.h"
#include "npb-rand.h"
#include "npb.h"

#define CG_ITMAX 25
#define CG_RCOND 0.1

struct cg_prm {
	char cls;
	int na, nonzer, niter;
	double shift;
};

static const struct cg_prm cg_prms[] = {
	{'S', 1400, 7, 15, 10.0},     {'W', 7000, 8, 15, 12.0},
	{'A', 14000, 11, 15, 20.0},   {'B', 75000, 13, 75, 60.0},
	{'C', 150000, 15, 75, 110.0}, {'D', 1500000, 21, 100, 500.0},
};

struct cg_mat {
	int n;
	long *rowptr; /* n + 1 */
	int *col;
	double *val;
};

static const struct cg_prm *
cg_prm(char cls)
{
	size_t i;

	for (i = 0; i < sizeof(cg_prms) / sizeof(cg_prms[0]); i++)
		if (cg_prms[i].cls == cls)
			return &cg_prms[i];
	return NULL;
}

/* NPB's operation count of the niter conjugate-gradient iterations. */
static double
cg_mops(char cls)
{
	const struct cg_prm *p = cg_prm(cls);
	double nz1;

	if (!p)
		return 0;
	nz1 = (double)p->nonzer * (p->nonzer + 1);
	return 2.0 * p->niter * p->na * (3.0 + nz1 + 25.0 * (5.0 + nz1) + 3.0) /
	       1e6;
}

/*
 * The random vectors of makea: vector i (0-based) has cnt[i] entries
 * idx[i*w + j] (0-based) with values v[i*w + j], w = nonzer + 1. Each
 * candidate draws the value, then the position; out-of-range or repeated
 * positions are rejected. Element i is then set to 0.5 (or appended).
 */
static void
cg_vectors(const struct cg_prm *p, uint64_t *tran, int *idx, double *v,
	   int *cnt)
{
	int w = p->nonzer + 1, nn1 = 1, i;

	while (nn1 < p->na)
		nn1 *= 2;
	for (i = 0; i < p->na; i++) {
		int *ix = idx + (long)i * w, nz = 0, j;
		double *vv = v + (long)i * w;

		while (nz < p->nonzer) {
			double val = npb_randlc(tran, NPB_A);
			double loc = npb_randlc(tran, NPB_A);
			int k = (int)(loc * nn1), dup = 0;

			if (k >= p->na)
				continue;
			for (j = 0; j < nz; j++)
				dup |= ix[j] == k;
			if (dup)
				continue;
			vv[nz] = val;
			ix[nz++] = k;
		}
		for (j = 0; j < nz && ix[j] != i; j++)
			;
		vv[j] = 0.5;
		if (j == nz) {
			ix[nz++] = i;
		}
		cnt[i] = nz;
	}
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Sum duplicates of each row and sort its columns, compacting in place. */
static void
cg_compact(struct cg_mat *m, const long *raw_end)
{
	double *acc = calloc((size_t)m->n, sizeof(double));
	char *seen = calloc((size_t)m->n, 1);
	long out = 0, start = 0, j;
	int r;

	if (!acc || !seen)
		hv_k_die(HV_K_EXIT_FAIL, "out of memory in makea");
	for (r = 0; r < m->n; r++) {
		long end = raw_end[r], o0 = out;

		for (j = start; j < end; j++) {
			int c = m->col[j];

			if (!seen[c]) {
				seen[c] = 1;
				acc[c] = 0;
				m->col[out++] = c; /* out <= j: safe */
			}
			acc[c] += m->val[j];
		}
		qsort(m->col + o0, (size_t)(out - o0), sizeof(int), cmp_int);
		for (j = o0; j < out; j++) {
			m->val[j] = acc[m->col[j]];
			seen[m->col[j]] = 0;
		}
		start = m->rowptr[r + 1];
		m->rowptr[r + 1] = out;
	}
	free(acc);
	free(seen);
}

/* A = sum_i size_i v_i v_i^T + (rcond - shift) I, size_i = rcond^(i/n). */
static void
cg_makea(const struct cg_prm *p, struct cg_mat *m)
{
	int w = p->nonzer + 1, n = p->na, i, j, k;
	int *idx = calloc((size_t)n * w, sizeof(int));
	double *v = calloc((size_t)n * w, sizeof(double));
	int *cnt = calloc((size_t)n, sizeof(int));
	long *fill = calloc((size_t)n + 1, sizeof(long));
	double size = 1.0, ratio = pow(CG_RCOND, 1.0 / n);
	uint64_t tran = NPB_SEED;

	if (!idx || !v || !cnt || !fill)
		hv_k_die(HV_K_EXIT_FAIL, "out of memory in makea");
	npb_randlc(&tran, NPB_A); /* NPB draws one number before makea */
	cg_vectors(p, &tran, idx, v, cnt);
	m->n = n;
	m->rowptr = calloc((size_t)n + 1, sizeof(long));
	if (!m->rowptr)
		hv_k_die(HV_K_EXIT_FAIL, "out of memory in makea");
	for (i = 0; i < n; i++)
		for (j = 0; j < cnt[i]; j++)
			m->rowptr[idx[(long)i * w + j] + 1] += cnt[i];
	for (i = 0; i < n; i++)
		m->rowptr[i + 1] += m->rowptr[i];
	m->col = hv_k_alloc_aligned((size_t)m->rowptr[n] * sizeof(int));
	m->val = hv_k_alloc_aligned((size_t)m->rowptr[n] * sizeof(double));
	memcpy(fill, m->rowptr, (size_t)n * sizeof(long));
	for (i = 0; i < n; i++) {
		const int *ix = idx + (long)i * w;
		const double *vv = v + (long)i * w;

		for (j = 0; j < cnt[i]; j++)
			for (k = 0; k < cnt[i]; k++) {
				long at = fill[ix[j]]++;
				double a = size * vv[j] * vv[k];

				if (ix[j] == i && ix[k] == i)
					a += CG_RCOND - p->shift;
				m->col[at] = ix[k];
				m->val[at] = a;
			}
		size *= ratio;
	}
	cg_compact(m, fill);
	free(idx);
	free(v);
	free(cnt);
	free(fill);
}

struct cg_vecs {
	double *x, *z, *r, *p, *q;
};

/* One row of A v; four accumulators hide the add latency. */
static inline double
cg_row(const struct cg_mat *m, const double *restrict v, int i)
{
	const int *restrict col = m->col;
	const double *restrict val = m->val;
	long j = m->rowptr[i], e = m->rowptr[i + 1];
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;

	for (; j + 3 < e; j += 4) {
		s0 += val[j] * v[col[j]];
		s1 += val[j + 1] * v[col[j + 1]];
		s2 += val[j + 2] * v[col[j + 2]];
		s3 += val[j + 3] * v[col[j + 3]];
	}
	for (; j < e; j++)
		s0 += val[j] * v[col[j]];
	return (s0 + s1) + (s2 + s3);
}

/*
 * Sum of the per-thread partials in slot k after a barrier. Every
 * thread adds them in the same order, so all get the same value, and
 * no shared accumulator has to be reset (which would race).
 */
static inline double
cg_allsum(const double *part, int k, int nt)
{
	double s = 0;
	int t;

	for (t = 0; t < nt; t++)
		s += part[t * 8 + k];
	return s;
}

/* The 25 CG iterations: q = A p, z += a p, r -= a q, p = r + b p. */
static void
cg_iterate(const struct cg_mat *m, const struct cg_vecs *w, double *part)
{
	double *restrict z = w->z, *restrict r = w->r;
	double *restrict p = w->p, *restrict q = w->q;
	int t = npb_tid(), nt = npb_nthreads(), n = m->n, i, it;
	int lo = (int)((long)n * t / nt), hi = (int)((long)n * (t + 1) / nt);
	double rho = cg_allsum(part, 0, nt), alpha, beta, d, rn;

	for (it = 0; it < CG_ITMAX; it++) {
		d = 0;
		for (i = lo; i < hi; i++) {
			q[i] = cg_row(m, p, i);
			d += p[i] * q[i];
		}
		part[t * 8 + 1] = d;
#pragma omp barrier
		alpha = rho / cg_allsum(part, 1, nt);
		rn = 0;
		for (i = lo; i < hi; i++) {
			z[i] += alpha * p[i];
			r[i] -= alpha * q[i];
			rn += r[i] * r[i];
		}
		part[t * 8 + 2] = rn;
#pragma omp barrier
		rn = cg_allsum(part, 2, nt);
		beta = rn / rho;
		rho = rn;
		for (i = lo; i < hi; i++)
			p[i] = r[i] + beta * p[i];
#pragma omp barrier
	}
}

/* 25 CG iterations on A z = x from z = 0; returns ||x - A z||. */
static double
cg_solve(const struct cg_mat *m, const struct cg_vecs *w)
{
	double part[HV_NPB_MAXTHR * 8] __attribute__((aligned(64)));
	double sum = 0;
	int n = m->n;

#pragma omp parallel
	{
		int t = npb_tid(), nt = npb_nthreads(), i;
		int lo = (int)((long)n * t / nt);
		int hi = (int)((long)n * (t + 1) / nt);
		double s = 0;

		for (i = lo; i < hi; i++) {
			w->z[i] = 0;
			w->r[i] = w->p[i] = w->x[i];
			s += w->x[i] * w->x[i];
		}
		part[t * 8] = s;
#pragma omp barrier
		cg_iterate(m, w, part);
#pragma omp for reduction(+ : sum)
		for (i = 0; i < n; i++) {
			double e = w->x[i] - cg_row(m, w->z, i);

			sum += e * e;
		}
	}
	return sqrt(sum);
}

/* One outer step: solve, zeta = shift + 1/(x.z), x = z/||z||. */
static double
cg_step(const struct cg_prm *p, const struct cg_mat *m, const struct cg_vecs *w)
{
	double xz = 0, zz = 0, scale;
	int i, n = m->n;

	cg_solve(m, w);
#pragma omp parallel for reduction(+ : xz, zz)
	for (i = 0; i < n; i++) {
		xz += w->x[i] * w->z[i];
		zz += w->z[i] * w->z[i];
	}
	scale = 1.0 / sqrt(zz);
#pragma omp parallel for
	for (i = 0; i < n; i++)
		w->x[i] = scale * w->z[i];
	return p->shift + 1.0 / xz;
}

static void
cg_set_x(const struct cg_vecs *w, int n)
{
	int i;

#pragma omp parallel for
	for (i = 0; i < n; i++)
		w->x[i] = 1.0;
}

static int
cg_run(char cls, int threads, struct hv_npb_result *r)
{
	const struct cg_prm *p = cg_prm(cls);
	struct cg_mat m = {0};
	struct cg_vecs w;
	double *buf, t0, zeta = 0;
	int it;

	(void)threads;
	if (!p)
		return -EINVAL;
	cg_makea(p, &m);
	buf = hv_k_alloc_aligned(5 * ((size_t)p->na + 8) * sizeof(double));
	w.x = buf;
	w.z = w.x + p->na + 8;
	w.r = w.z + p->na + 8;
	w.p = w.r + p->na + 8;
	w.q = w.p + p->na + 8;
	cg_set_x(&w, p->na);
	cg_step(p, &m, &w); /* untimed warm-up */
	cg_set_x(&w, p->na);
	t0 = hv_npb_wtime();
	for (it = 1; it <= p->niter; it++)
		zeta = cg_step(p, &m, &w);
	r->time_s = hv_npb_wtime() - t0;
	snprintf(r->size, sizeof(r->size), "%d", p->na);
	r->iterations = p->niter;
	r->op_type = "floating point";
	r->mops_total = cg_mops(cls) / r->time_s;
	hv_npb_check_real(r, "CG", cls, "zeta", 0, zeta);
	free(buf);
	free(m.rowptr);
	free(m.col);
	free(m.val);
	return 0;
}

static uint64_t
cg_mem(char cls, int threads)
{
	const struct cg_prm *p = cg_prm(cls);
	uint64_t w, nz;

	(void)threads;
	if (!p)
		return 0;
	w = (uint64_t)p->nonzer + 1;
	nz = (uint64_t)p->na * w * w;
	return 12 * nz + (uint64_t)p->na * (12 * w + 80) + (4ULL << 20);
}

const struct hv_npb_bench hv_npb_cg = {
	.name = "cg",
	.mem_bytes = cg_mem,
	.mops = cg_mops,
	.run = cg_run,
};
