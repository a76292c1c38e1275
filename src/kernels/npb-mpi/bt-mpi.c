/*
 * bt-mpi.c - NPB BT over MPI ranks, on the z-plane slabs of cfd-mpi.h.
 * A time step refreshes two ghost planes of u, forms rhs on the slab
 * and solves the x and y lines, which lie inside a slab, with the
 * serial line solver (../npb/bt.c, compiled into this unit). The z
 * lines cross the ranks: block Thomas runs up the ranks (each passes
 * the eliminated C' block and rhs of its last interior plane to the
 * rank above) and the back substitution down (each passes the
 * solution of its first plane to the rank below). To keep the ranks
 * busy at once rather than in turn, the lines are cut into chunks of
 * whole j rows and every chunk is one message: a rank eliminates chunk
 * 1 while the rank above works on chunk 0 (a pipeline). The top rank
 * back-substitutes each line right after eliminating it. NPB's rank
 * rule for BT (a square number) is kept; it does not matter for slabs.
 */
#include "../npb/bt.c"

#include "cfd-mpi.h"
#include "mpi-count.h"
#include "npb-mpi.h"

/*
 * The fewest z lines in a chunk. The pipeline fills and drains in
 * about (ranks - 1) chunk times, so chunks should be small; but each
 * is a message, with a latency of some microseconds. The z solve costs
 * about 0.15 us a point (class A, one rank), so one j row of class A
 * on 4 ranks (62 lines of 16 planes) is some 150 us of work against
 * 15 KB up and 2.5 KB down: the latency is lost in it, and the fill is
 * 3 of 62 chunks. Hence a chunk is one j row, or the few rows that
 * make this many lines in the small classes (S: 4 rows, W: 2), where a
 * row is too little work to pay for a message.
 */
#define BTM_LINES 32
#define BTM_UP 30	/* doubles a line sends up: C' and rhs' */
#define BTM_DOWN 5	/* doubles a line sends down: the solution */
#define BTM_TAG_UP 1000 /* + chunk */
#define BTM_TAG_DOWN 3000

struct btm {
	struct hv_cfd c;
	struct bt_work w; /* one line's Jacobians and C' blocks */
	int rank, nranks;
	int dn, up;	  /* the neighbours in z, or MPI_PROC_NULL */
	int l0, l1;	  /* owned interior planes */
	int nl;		  /* lines per side, n - 2 */
	int rows, nchunk; /* j rows per chunk, chunks */
	/*
	 * C' of planes l0-1..l1 of every z line, line after line, kept for
	 * the back substitution (not on the top rank, which needs them
	 * only while the line is in hand).
	 */
	double *cps;
	double *upin, *upout;	  /* BTM_UP a line, all lines */
	double *downin, *downout; /* BTM_DOWN a line */
	MPI_Request *req;	  /* 4 per chunk: recv/send up/down */
};

static int
btm_max_ranks(char cls)
{
	const struct bt_prm *p = bt_prm(cls);

	return p ? hv_cfdm_max_ranks(p->n) : 0;
}

/* Chunk k's j rows are 1 + k*rows .. ; its first line is q0, count nq. */
static void
btm_chunk(const struct btm *b, int k, int *q0, int *nq)
{
	int j0 = k * b->rows, j1 = j0 + b->rows;

	if (j1 > b->nl)
		j1 = b->nl;
	*q0 = j0 * b->nl;
	*nq = (j1 - j0) * b->nl;
}

/* Room for C' of z line q (position l0; l0-1 is the slot before it). */
static double *
btm_cp(struct btm *b, int q)
{
	if (b->up == MPI_PROC_NULL)
		return b->w.cp + 25;
	return b->cps + (size_t)25 * (b->l1 - b->l0 + 2) * q + 25;
}

/* Point (i, j, l0) of z line q. */
static size_t
btm_p0(const struct btm *b, int q)
{
	return hv_cfd_ix(&b->c, 1 + q % b->nl, 1 + q / b->nl, b->l0);
}

/*
 * Eliminate the owned interior planes of z lines q0..q0+nq-1, after
 * what the rank below sent for them (in; NULL on rank 0); leave what
 * the rank above needs in out (NULL on the top rank, which solves each
 * line at once and leaves the solution of its first plane in down).
 */
static void
btm_zfwd(struct btm *b, int q0, int nq, const double *in, double *out,
	 double *down)
{
	struct hv_cfd *c = &b->c;
	size_t s = (size_t)c->ni * c->nj;
	int l0 = b->l0, l1 = b->l1, q;

	for (q = 0; q < nq; q++) {
		size_t p0 = btm_p0(b, q0 + q);
		double *r = c->rhs + 5 * p0, *cp = btm_cp(b, q0 + q);

		if (in) {
			memcpy(cp - 25, in + BTM_UP * q, 25 * sizeof(double));
			memcpy(r - 5 * s, in + BTM_UP * q + 25,
			       5 * sizeof(double));
		}
		bt_jacobians(c, 2, c->u + 5 * (p0 - s), s, l1 - l0 + 3, &b->w);
		bt_forward(c, 2, b->w.fj + 25, b->w.nj + 25, r, s, cp, l0, l1);
		if (out) {
			memcpy(out + BTM_UP * q, cp + 25 * (l1 - l0),
			       25 * sizeof(double));
			memcpy(out + BTM_UP * q + 25, r + 5 * s * (l1 - l0),
			       5 * sizeof(double));
			continue;
		}
		bt_back(c->n, r, s, cp, l0, l1);
		if (down)
			memcpy(down + BTM_DOWN * q, r, 5 * sizeof(double));
	}
}

/*
 * Back-substitute z lines q0..q0+nq-1 from the solutions of plane l1+1
 * that the rank above sent (in); leave those of plane l0 in down (NULL
 * on rank 0).
 */
static void
btm_zback(struct btm *b, int q0, int nq, const double *in, double *down)
{
	struct hv_cfd *c = &b->c;
	size_t s = (size_t)c->ni * c->nj;
	int l0 = b->l0, l1 = b->l1, q;

	for (q = 0; q < nq; q++) {
		double *r = c->rhs + 5 * btm_p0(b, q0 + q);

		memcpy(r + 5 * s * (l1 - l0 + 1), in + BTM_DOWN * q,
		       5 * sizeof(double));
		bt_back(c->n, r, s, btm_cp(b, q0 + q), l0, l1);
		if (down)
			memcpy(down + BTM_DOWN * q, r, 5 * sizeof(double));
	}
}

/* Post the receives of every chunk, from below and from above. */
static void
btm_post(struct btm *b)
{
	int K = b->nchunk, k, q0, nq;

	for (k = 0; k < 4 * K; k++)
		b->req[k] = MPI_REQUEST_NULL;
	for (k = 0; k < K; k++) {
		btm_chunk(b, k, &q0, &nq);
		if (b->dn != MPI_PROC_NULL)
			MPI_Irecv(b->upin + BTM_UP * q0, BTM_UP * nq,
				  MPI_DOUBLE, b->dn, BTM_TAG_UP + k,
				  MPI_COMM_WORLD, &b->req[k]);
		if (b->up != MPI_PROC_NULL)
			MPI_Irecv(b->downin + BTM_DOWN * q0, BTM_DOWN * nq,
				  MPI_DOUBLE, b->up, BTM_TAG_DOWN + k,
				  MPI_COMM_WORLD, &b->req[2 * K + k]);
	}
}

/*
 * The z solve, chunk by chunk: elimination as each chunk arrives from
 * below (sent on up at once), then back substitution as each comes
 * down from above (sent on down). Requests: receives from below,
 * sends up, receives from above, sends down, K each.
 */
static void
btm_zsolve(struct btm *b)
{
	int K = b->nchunk, k, q0, nq;
	bool below = b->dn != MPI_PROC_NULL, above = b->up != MPI_PROC_NULL;
	MPI_Request *req = b->req;

	btm_post(b);
	for (k = 0; k < K; k++) {
		btm_chunk(b, k, &q0, &nq);
		MPI_Wait(&req[k], MPI_STATUS_IGNORE);
		btm_zfwd(b, q0, nq, below ? b->upin + BTM_UP * q0 : NULL,
			 above ? b->upout + BTM_UP * q0 : NULL,
			 below ? b->downout + BTM_DOWN * q0 : NULL);
		if (above)
			MPI_Isend(b->upout + BTM_UP * q0, BTM_UP * nq,
				  MPI_DOUBLE, b->up, BTM_TAG_UP + k,
				  MPI_COMM_WORLD, &req[K + k]);
		else if (below)
			MPI_Isend(b->downout + BTM_DOWN * q0, BTM_DOWN * nq,
				  MPI_DOUBLE, b->dn, BTM_TAG_DOWN + k,
				  MPI_COMM_WORLD, &req[3 * K + k]);
	}
	for (k = 0; k < K && above; k++) {
		btm_chunk(b, k, &q0, &nq);
		MPI_Wait(&req[2 * K + k], MPI_STATUS_IGNORE);
		btm_zback(b, q0, nq, b->downin + BTM_DOWN * q0,
			  below ? b->downout + BTM_DOWN * q0 : NULL);
		if (below)
			MPI_Isend(b->downout + BTM_DOWN * q0, BTM_DOWN * nq,
				  MPI_DOUBLE, b->dn, BTM_TAG_DOWN + k,
				  MPI_COMM_WORLD, &req[3 * K + k]);
	}
	MPI_Waitall(4 * K, req, MPI_STATUSES_IGNORE);
}

/* One ADI step on this rank's slab. */
static void
btm_step(struct btm *b)
{
	struct hv_cfd *c = &b->c;
	int n = c->n, k, j, i, m;
	size_t sy = (size_t)c->ni, p;

	hv_cfdm_halo(c, c->u, 5, 2, b->rank, b->nranks);
	hv_cfd_compute_rhs(c, true);
	for (k = b->l0; k <= b->l1; k++)
		for (j = 1; j < n - 1; j++)
			bt_line(c, hv_cfd_ix(c, 0, j, k), 1, 0, &b->w);
	for (k = b->l0; k <= b->l1; k++)
		for (i = 1; i < n - 1; i++)
			bt_line(c, hv_cfd_ix(c, i, 0, k), sy, 1, &b->w);
	btm_zsolve(b);
	for (k = b->l0; k <= b->l1; k++)
		for (j = 1; j < n - 1; j++)
			for (i = 1; i < n - 1; i++) {
				p = hv_cfd_ix(c, i, j, k);
				for (m = 0; m < 5; m++)
					c->u[5 * p + m] += c->rhs[5 * p + m];
			}
}

static void
btm_free(struct btm *b)
{
	hv_cfd_free(&b->c);
	free(b->w.fj);
	free(b->w.nj);
	free(b->w.cp);
	free(b->cps);
	free(b->upin);
	free(b->upout);
	free(b->downin);
	free(b->downout);
	free(b->req);
}

/* Doubles of the buffers a rank with nown interior planes allocates. */
static size_t
btm_buf_doubles(int n, int nown, bool below, bool above)
{
	size_t lines = (size_t)(n - 2) * (n - 2);

	return (above ? lines * (25 * (nown + 1) + BTM_UP + BTM_DOWN) : 0) +
	       (below ? lines * (BTM_UP + BTM_DOWN) : 0);
}

static int
btm_init(struct btm *b, const struct bt_prm *p, int rank, int nranks)
{
	int n = p->n, err;
	size_t lines = (size_t)(n - 2) * (n - 2), line = (size_t)n * 25;
	bool below, above;

	memset(b, 0, sizeof(*b));
	b->rank = rank;
	b->nranks = nranks;
	b->dn = hv_cfdm_down(rank);
	b->up = hv_cfdm_up(rank, nranks);
	below = b->dn != MPI_PROC_NULL;
	above = b->up != MPI_PROC_NULL;
	err = hv_cfdm_init(&b->c, n, p->dt, false, rank, nranks);
	if (err < 0)
		return err;
	b->l0 = b->c.klo > 1 ? b->c.klo : 1;
	b->l1 = (b->c.khi < n - 1 ? b->c.khi : n - 1) - 1;
	b->nl = n - 2;
	b->rows = (BTM_LINES + b->nl - 1) / b->nl;
	b->nchunk = (b->nl + b->rows - 1) / b->rows;
	b->w.fj = malloc(line * sizeof(double));
	b->w.nj = malloc(line * sizeof(double));
	b->w.cp = malloc(line * sizeof(double));
	b->w.len = line;
	b->w.dir = -1;
	b->req = malloc((size_t)4 * b->nchunk * sizeof(MPI_Request));
	if (above) {
		b->cps = malloc(lines * 25 * (b->l1 - b->l0 + 2) *
				sizeof(double));
		b->upout = malloc(lines * BTM_UP * sizeof(double));
		b->downin = malloc(lines * BTM_DOWN * sizeof(double));
	}
	if (below) {
		b->upin = malloc(lines * BTM_UP * sizeof(double));
		b->downout = malloc(lines * BTM_DOWN * sizeof(double));
	}
	if (!b->w.fj || !b->w.nj || !b->w.cp || !b->req ||
	    (above && (!b->cps || !b->upout || !b->downin)) ||
	    (below && (!b->upin || !b->downout)))
		return -ENOMEM;
	return 0;
}

static int
btm_run(char cls, int rank, int nranks, struct hv_npb_result *r)
{
	const struct bt_prm *p = bt_prm(cls);
	struct btm b;
	double t0, xce[5], xcr[5];
	int err, step;

	if (!p)
		return -EINVAL;
	err = btm_init(&b, p, rank, nranks);
	if (err < 0)
		goto out;
	hv_cfd_exact_rhs(&b.c);
	hv_cfd_initialize(&b.c);
	btm_step(&b); /* untimed warm-up step */
	hv_cfd_initialize(&b.c);
	MPI_Barrier(MPI_COMM_WORLD);
	t0 = npbm_timed_start();
	for (step = 0; step < p->niter; step++)
		btm_step(&b);
	r->time_s = npbm_timed_stop(t0);
	hv_cfdm_error_norm(&b.c, 0, p->n - 1, xce);
	hv_cfdm_halo(&b.c, b.c.u, 5, 2, rank, nranks);
	hv_cfd_compute_rhs(&b.c, true);
	hv_cfdm_field_norm(&b.c, b.c.rhs, xcr);
	bt_report(p, xce, xcr, r);
out:
	btm_free(&b);
	return err;
}

/* The fields of the largest slab and the z-solve buffers, per rank. */
static uint64_t
btm_mem(char cls, int nranks)
{
	const struct bt_prm *p = bt_prm(cls);
	int nown;
	uint64_t per;

	if (!p)
		return 0;
	nown = (p->n - 2 + nranks - 1) / nranks;
	per = hv_cfdm_mem_bytes(p->n, nranks, false) +
	      (uint64_t)75 * p->n * sizeof(double) +
	      btm_buf_doubles(p->n, nown, nranks > 1, nranks > 1) *
		      sizeof(double) +
	      (4ULL << 20);
	return per * nranks;
}

const struct hv_npbm_bench hv_npbm_bt = {
	.name = "bt",
	.max_ranks = btm_max_ranks,
	.max_rule = "each rank needs two of the grid's interior z planes",
	.mem_bytes = btm_mem,
	.run = btm_run,
};
