/*
 * comm.c - the message counts of hpcvirt's NPB-MPI kernels and their cost
 * under Hockney's model (comm.h). Each count function mirrors its
 * kernel's timed region; tests/integ/model-counts.sh holds them to what
 * the kernels' PMPI layer measures.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "hpcvirt/results/comm.h"

/* Problem sizes and iterations (NPB's, as the kernels use them). */
struct prm {
	char cls;
	int size; /* CG: rows na; BT, SP: grid points per side n; EP: m */
	int niter;
	int nonzer; /* CG */
};

static const struct prm ep_prms[] = {
	{'S', 24, 0, 0}, {'W', 25, 0, 0}, {'A', 28, 0, 0},
	{'B', 30, 0, 0}, {'C', 32, 0, 0},
};
static const struct prm cg_prms[] = {
	{'S', 1400, 15, 7},   {'W', 7000, 15, 8},    {'A', 14000, 15, 11},
	{'B', 75000, 75, 13}, {'C', 150000, 75, 15},
};
static const struct prm bt_prms[] = {
	{'S', 12, 60, 0},   {'W', 24, 200, 0},	{'A', 64, 200, 0},
	{'B', 102, 200, 0}, {'C', 162, 200, 0},
};
static const struct prm sp_prms[] = {
	{'S', 12, 100, 0},  {'W', 36, 400, 0},	{'A', 64, 400, 0},
	{'B', 102, 400, 0}, {'C', 162, 400, 0},
};

#define NPRM(a) (sizeof(a) / sizeof((a)[0]))

static const struct prm *
find(const struct prm *t, size_t n, char cls)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].cls == cls)
			return &t[i];
	return NULL;
}

static void
put(struct hv_comm_count *out, size_t *n, const char *kind, double calls,
    double bytes)
{
	if (calls <= 0)
		return;
	out[*n].kind = kind;
	out[*n].calls = calls;
	out[*n].bytes = bytes;
	(*n)++;
}

static bool
power_of_two(int n)
{
	return n > 0 && (n & (n - 1)) == 0;
}

static bool
square(int n)
{
	int r = (int)lround(sqrt((double)n));

	return r * r == n;
}

/* EP: one Allreduce of sx, sy and the 10 annulus counts at the end. */
static void
ep_counts(struct hv_comm_count *out, size_t *n)
{
	put(out, n, "allreduce", 1, 12 * 8);
}

/*
 * CG, per outer iteration: the solve's Allreduce of rho, then 25 times
 * two dot products and an Allgatherv of p; before it one Allgatherv of
 * p, after it one of z and an Allreduce of 3 sums. A rank's block of
 * the Allgatherv is its rows, at most ceil(na / N).
 */
static void
cg_counts(const struct prm *p, int nranks, struct hv_comm_count *out, size_t *n)
{
	double block = ceil((double)p->size / nranks) * 8;

	put(out, n, "allreduce", 52.0 * p->niter,
	    (51 * 8 + 3 * 8.0) * p->niter);
	put(out, n, "allgatherv", 27.0 * p->niter, 27 * block * p->niter);
}

/*
 * BT and SP, per time step, on z slabs: the halo of u, two planes of 5
 * components one Sendrecv each way (planes are padded to an odd width),
 * then the z solve's chunks, each one message up (the forward sweep) and
 * one down (the back substitution), with up and down doubles per z
 * line. Rank 0 sends only up and the top rank only down; a middle rank
 * both, and BT and SP run on a square number of ranks, so from 4 ranks
 * on a middle rank is the busiest.
 */
static void
slab_counts(const struct prm *p, int nranks, int chunks, int up, int down,
	    struct hv_comm_count *out, size_t *n)
{
	int w = p->size | 1;
	double nl = p->size - 2, halo = 5.0 * w * w * 2 * 8, calls, bytes;

	if (nranks == 1)
		return;
	/* a square of 4 or more: a middle rank is the busiest */
	calls = 2 + 2.0 * chunks;
	bytes = 2 * halo + nl * nl * (up + down) * 8;
	put(out, n, "p2p", calls * p->niter, bytes * p->niter);
}

int
hv_comm_counts(const char *bench, char cls, int nranks,
	       struct hv_comm_count *out, size_t *n, int *max_ranks)
{
	const struct prm *p = NULL;
	int max = 0;

	*n = 0;
	if (max_ranks)
		*max_ranks = 0;
	if (cls == '\0' || !strchr("SWABC", cls))
		return -ENOENT;
	if (strcmp(bench, "ep") == 0) { /* the same in every class */
		if (nranks < 1)
			return -ERANGE;
		ep_counts(out, n);
		return 0;
	}
	if (strcmp(bench, "cg") == 0)
		p = find(cg_prms, NPRM(cg_prms), cls);
	else if (strcmp(bench, "bt") == 0)
		p = find(bt_prms, NPRM(bt_prms), cls);
	else if (strcmp(bench, "sp") == 0)
		p = find(sp_prms, NPRM(sp_prms), cls);
	if (!p)
		return -ENOENT;
	if (bench[0] == 'b' || bench[0] == 's')
		max = (p->size - 2) / 2; /* two interior planes a rank */
	if (max_ranks)
		*max_ranks = max;
	if (nranks < 1 || (max && nranks > max) ||
	    (bench[0] == 'c' && !power_of_two(nranks)) ||
	    ((bench[0] == 'b' || bench[0] == 's') && !square(nranks)))
		return -ERANGE;
	if (bench[0] == 'c') {
		cg_counts(p, nranks, out, n);
	} else if (bench[0] == 'b') {
		/* a chunk is whole j rows making at least 32 lines */
		int nl = p->size - 2, rows = (32 + nl - 1) / nl;

		slab_counts(p, nranks, (nl + rows - 1) / rows, 30, 5, out, n);
	} else {
		/* a chunk is one j row; 2 rows of 11, and of 5, a line */
		slab_counts(p, nranks, p->size - 2, 22, 10, out, n);
	}
	return 0;
}

double
hv_comm_class_mops(const char *bench, char cls)
{
	static const double bt_ops[4] = {3478.8, -17655.7, 28023.7, 0.0};
	static const double sp_ops[4] = {881.174, -4683.91, 11484.5, -19272.4};
	const struct prm *p;
	const double *o;
	double x, nz1;

	if (strcmp(bench, "ep") == 0) {
		p = find(ep_prms, NPRM(ep_prms), cls);
		return p ? ldexp(1.0, p->size + 1) / 1e6 : 0;
	}
	if (strcmp(bench, "cg") == 0) {
		p = find(cg_prms, NPRM(cg_prms), cls);
		if (!p)
			return 0;
		nz1 = (double)p->nonzer * (p->nonzer + 1);
		return 2.0 * p->niter * p->size *
		       (3.0 + nz1 + 25.0 * (5.0 + nz1) + 3.0) / 1e6;
	}
	if (strcmp(bench, "bt") == 0) {
		p = find(bt_prms, NPRM(bt_prms), cls);
		o = bt_ops;
	} else if (strcmp(bench, "sp") == 0) {
		p = find(sp_prms, NPRM(sp_prms), cls);
		o = sp_ops;
	} else {
		return 0;
	}
	if (!p)
		return 0;
	x = p->size;
	return p->niter * (((o[0] * x + o[1]) * x + o[2]) * x + o[3]) / 1e6;
}

void
hv_comm_time(const struct hv_comm_count *c, size_t n, int nodes, double alpha,
	     double beta, double *t_alpha, double *t_beta)
{
	double L = nodes > 1 ? ceil(log2((double)nodes)) : 0, a = 0, b = 0;

	for (size_t i = 0; nodes > 1 && i < n; i++) {
		const char *k = c[i].kind;

		if (strcmp(k, "p2p") == 0) {
			a += c[i].calls;
			b += c[i].bytes;
		} else if (strncmp(k, "allgather", 9) == 0) {
			a += c[i].calls * L;
			b += c[i].bytes * (nodes - 1);
		} else if (strncmp(k, "alltoall", 8) == 0) {
			a += c[i].calls * (nodes - 1);
			b += c[i].bytes;
		} else if (strcmp(k, "barrier") == 0) {
			a += c[i].calls * L;
		} else { /* allreduce, reduce, bcast, exscan */
			a += c[i].calls * L;
			b += c[i].bytes * L;
		}
	}
	*t_alpha = a * alpha;
	*t_beta = b * beta;
}
