/*
 * sp-mpi.c - NPB SP over MPI ranks, on the z slabs of cfd-mpi.h. A step
 * refreshes two ghost planes of u, forms rhs on the owned planes
 * (hv_cfd_compute_rhs also leaves the aux fields one plane beyond them,
 * all that the z system of an owned plane reads), solves the x and y
 * lines, which lie inside the slab, with the serial code (../npb/sp.c,
 * compiled into this unit), and then the z lines, which cross the ranks.
 *
 * A z line is eliminated up the ranks and substituted back down them,
 * with the serial row steps, so the arithmetic is the serial one. A rank
 * takes from the rank below, per line, the two normalised rows under
 * its first plane (their d and e bands and rhs, for each of the three
 * systems), subtracts them from its own first two rows, eliminates its
 * rows and sends its last two up. Back substitution takes the solution
 * of the two planes above and sends that of its first two down. The
 * lines are cut into chunks of one j row, a message per chunk and
 * direction, so that the ranks work as a pipeline (rank r+1 on row j
 * while rank r is on row j+1) and not one after the other. Between the
 * two sweeps a rank keeps, for all its lines, the d and e bands and the
 * rhs (11 doubles a point). NPB's rule: a square number of ranks.
 */
#include "../npb/sp.c"

#include "cfd-mpi.h"
#include "mpi-count.h"
#include "npb-mpi.h"

/* Doubles per line of a message up (2 rows of 3 x d, e and 5 rhs). */
#define SPM_UP (2 * (6 + 5))
/* ... and down (2 rows of the 5 rhs components of the solution). */
#define SPM_DOWN (2 * 5)
#define SPM_TAG 1000 /* above the halo's tags */

/*
 * Work arrays of the z lines: SPM_KEEP per batch of the slab, that wait
 * from the forward sweep to back substitution (d, e of each system,
 * the rhs), and SPM_TEMP for the batch being eliminated (a, b, c of
 * each system, cv, rho, spd).
 */
#define SPM_KEEP 11
#define SPM_TEMP 12

struct spm {
	struct hv_cfd c;
	int rank, nranks, dn, up;
	int r0, r1;	   /* owned interior planes r0..r1-1 */
	int p0, p1;	   /* the same as work positions (k - kb) */
	int nch, nbat;	   /* chunks (j rows), batches per chunk */
	size_t ls;	   /* doubles per z work array */
	double *keep;	   /* SPM_KEEP arrays per batch */
	double *temp;	   /* SPM_TEMP arrays */
	double *msg[4];	   /* up in, up out, down in, down out */
	MPI_Request *req;  /* the same four, nch each */
	struct sp_work xw; /* x and y lines: the serial work space */
	void *mem;
};

/* Doubles of a rank's work space (z arrays, x/y work, messages). */
static size_t
spm_doubles(int n, int nk)
{
	size_t nch = n - 2, nbat = (n - 2 + SP_NB - 1) / SP_NB;

	return (nch * nbat * SPM_KEEP + SPM_TEMP) * SP_LS(nk) +
	       SP_WORK_ARRAYS * SP_LS(n) + nch * nch * 2 * (SPM_UP + SPM_DOWN);
}

static void
spm_free(struct spm *s)
{
	hv_cfd_free(&s->c);
	free(s->mem);
	free(s->req);
}

/* This rank's slab and work space. 0 or -ENOMEM. */
static int
spm_init(struct spm *s, const struct sp_prm *p, int rank, int nranks)
{
	struct hv_cfd *c = &s->c;
	int n = p->n, err, x;
	double *d;

	memset(s, 0, sizeof(*s));
	err = hv_cfdm_init(c, n, p->dt, true, rank, nranks);
	if (err < 0)
		return err;
	s->rank = rank;
	s->nranks = nranks;
	s->dn = hv_cfdm_down(rank);
	s->up = hv_cfdm_up(rank, nranks);
	s->r0 = c->klo > 1 ? c->klo : 1;
	s->r1 = c->khi < n - 1 ? c->khi : n - 1;
	s->p0 = s->r0 - c->kb;
	s->p1 = s->r1 - c->kb;
	s->nch = n - 2;
	s->nbat = (n - 2 + SP_NB - 1) / SP_NB;
	s->ls = SP_LS(c->nk);
	s->mem = calloc(spm_doubles(n, c->nk), sizeof(double));
	s->req = calloc(4 * (size_t)s->nch, sizeof(*s->req));
	if (!s->mem || !s->req) {
		spm_free(s);
		return -ENOMEM;
	}
	d = s->mem;
	s->keep = d;
	d += (size_t)s->nch * s->nbat * SPM_KEEP * s->ls;
	s->temp = d;
	d += SPM_TEMP * s->ls;
	sp_work_carve(&s->xw, d, SP_LS(n));
	d += SP_WORK_ARRAYS * SP_LS(n);
	for (x = 0; x < 4; x++) {
		s->msg[x] = d;
		d += (size_t)s->nch * s->nch * (x < 2 ? SPM_UP : SPM_DOWN);
	}
	return 0;
}

/* The work space of batch ib of chunk ch. */
static void
spm_zwork(const struct spm *s, int ch, int ib, struct sp_work *w)
{
	size_t ls = s->ls;
	double *k = s->keep + ((size_t)ch * s->nbat + ib) * SPM_KEEP * ls;
	double *t = s->temp;
	int q, x;

	for (q = 0; q < 3; q++) {
		for (x = 0; x < 3; x++)
			w->sys[q].x[x] = t + (3 * q + x) * ls;
		w->sys[q].x[3] = k + 2 * q * ls;
		w->sys[q].x[4] = k + (2 * q + 1) * ls;
	}
	for (x = 0; x < 5; x++)
		w->r[x] = k + (6 + x) * ls;
	w->cv = t + 9 * ls;
	w->rho = t + 10 * ls;
	w->spd = t + 11 * ls;
	sp_work_link(w);
}

/*
 * Rows l and l+1 of the na arrays a to buf (out) or back from it.
 * Returns the end of what it used of buf.
 */
static double *
spm_rows(double *const *a, int na, int l, int nb, double *buf, bool out)
{
	int x, q, b;

	for (x = 0; x < na; x++)
		for (q = 0; q < 2; q++)
			for (b = 0; b < nb; b++, buf++) {
				double *v = &a[x][SP_E(l + q, b)];

				if (out)
					*buf = *v;
				else
					*v = *buf;
			}
	return buf;
}

/* What a normalised row of system s hands on: d, e and the rhs. */
static int
spm_state(const struct sp_sys *s, double *a[5])
{
	int m;

	a[0] = s->x[3];
	a[1] = s->x[4];
	for (m = 0; m < s->nr; m++)
		a[2 + m] = s->r[m];
	return 2 + s->nr;
}

/*
 * Rows l-2 and l-1 hold the last two normalised rows of the rank below:
 * subtract them from rows l and l+1 as the serial sweep would have.
 */
static void
spm_join(const struct sp_sys *s, int l, int nb)
{
	sp_elim2(s, l - 2, nb);
	sp_elim1(s, l - 1, nb);
	sp_elim2(s, l - 1, nb);
}

/* First point of batch ib of chunk ch (the j row ch+1), in plane kb. */
static size_t
spm_q0(const struct spm *s, int ch, int ib)
{
	return hv_cfd_ix(&s->c, 1 + ib * SP_NB, ch + 1, s->c.kb);
}

static int
spm_nb(const struct spm *s, int ib)
{
	int left = s->c.n - 2 - ib * SP_NB;

	return left < SP_NB ? left : SP_NB;
}

/* Forward sweep of chunk ch: build, take the rows below, eliminate. */
static void
spm_fwd_chunk(struct spm *s, int ch)
{
	struct hv_cfd *c = &s->c;
	size_t sz = (size_t)c->ni * c->nj, cnt = (size_t)s->nch * SPM_UP;
	double *in = s->msg[0] + ch * cnt, *out = s->msg[1] + ch * cnt;
	int ib, k;

	if (s->dn != MPI_PROC_NULL)
		MPI_Wait(&s->req[ch], MPI_STATUS_IGNORE);
	for (ib = 0; ib < s->nbat; ib++) {
		size_t q0 = spm_q0(s, ch, ib);
		int nb = spm_nb(s, ib);
		struct sp_work w;

		spm_zwork(s, ch, ib, &w);
		sp_aux(c, 2, q0, sz, 1, s->p0 - 1, s->p1 + 1, nb, &w);
		sp_load(c, 2, q0, sz, 1, s->p0, s->p1, c->kb, nb, &w);
		for (k = 0; k < 3; k++) {
			double *a[5];
			int na = spm_state(&w.sys[k], a);

			if (s->dn != MPI_PROC_NULL) {
				in = spm_rows(a, na, s->p0 - 2, nb, in, false);
				spm_join(&w.sys[k], s->p0, nb);
			}
			sp_forward(&w.sys[k], s->p0, s->p1, nb);
			if (s->up != MPI_PROC_NULL)
				out = spm_rows(a, na, s->p1 - 2, nb, out, true);
		}
	}
	if (s->up != MPI_PROC_NULL)
		MPI_Isend(s->msg[1] + ch * cnt, (int)cnt, MPI_DOUBLE, s->up,
			  SPM_TAG + ch, MPI_COMM_WORLD, &s->req[s->nch + ch]);
}

/* Back substitution of chunk ch, then T_z into rhs. */
static void
spm_back_chunk(struct spm *s, int ch)
{
	struct hv_cfd *c = &s->c;
	size_t sz = (size_t)c->ni * c->nj, cnt = (size_t)s->nch * SPM_DOWN;
	double *in = s->msg[2] + ch * cnt, *out = s->msg[3] + ch * cnt;
	bool last = s->up == MPI_PROC_NULL;
	int ib, k;

	if (!last)
		MPI_Wait(&s->req[2 * s->nch + ch], MPI_STATUS_IGNORE);
	for (ib = 0; ib < s->nbat; ib++) {
		int nb = spm_nb(s, ib);
		struct sp_work w;

		spm_zwork(s, ch, ib, &w);
		if (!last)
			in = spm_rows(w.r, 5, s->p1, nb, in, false);
		for (k = 0; k < 3; k++)
			sp_back(&w.sys[k], s->p0, s->p1, last, nb);
		if (s->dn != MPI_PROC_NULL)
			out = spm_rows(w.r, 5, s->p0, nb, out, true);
		sp_store(c, 2, spm_q0(s, ch, ib), sz, 1, s->p0, s->p1, nb, &w);
	}
	if (s->dn != MPI_PROC_NULL)
		MPI_Isend(s->msg[3] + ch * cnt, (int)cnt, MPI_DOUBLE, s->dn,
			  SPM_TAG + s->nch + ch, MPI_COMM_WORLD,
			  &s->req[3 * s->nch + ch]);
}

/*
 * All z lines: post the receives of every chunk (so that no message
 * arrives unexpected), sweep up chunk by chunk, then back down.
 */
static void
spm_zsolve(struct spm *s)
{
	size_t cu = (size_t)s->nch * SPM_UP, cd = (size_t)s->nch * SPM_DOWN;
	int ch, x;

	for (x = 0; x < 4 * s->nch; x++)
		s->req[x] = MPI_REQUEST_NULL;
	for (ch = 0; ch < s->nch; ch++) {
		if (s->dn != MPI_PROC_NULL)
			MPI_Irecv(s->msg[0] + ch * cu, (int)cu, MPI_DOUBLE,
				  s->dn, SPM_TAG + ch, MPI_COMM_WORLD,
				  &s->req[ch]);
		if (s->up != MPI_PROC_NULL)
			MPI_Irecv(s->msg[2] + ch * cd, (int)cd, MPI_DOUBLE,
				  s->up, SPM_TAG + s->nch + ch, MPI_COMM_WORLD,
				  &s->req[2 * s->nch + ch]);
	}
	for (ch = 0; ch < s->nch; ch++)
		spm_fwd_chunk(s, ch);
	for (ch = 0; ch < s->nch; ch++)
		spm_back_chunk(s, ch);
	MPI_Waitall(4 * s->nch, s->req, MPI_STATUSES_IGNORE);
}

static void
spm_step(struct spm *s)
{
	struct hv_cfd *c = &s->c;
	int k;

	hv_cfdm_halo(c, c->u, 5, 2, s->rank, s->nranks);
	hv_cfd_compute_rhs(c, true);
	for (k = s->r0; k < s->r1; k++) {
		sp_txinvr(c, k);
		sp_plane(c, 0, k, &s->xw);
	}
	for (k = s->r0; k < s->r1; k++)
		sp_plane(c, 1, k, &s->xw);
	spm_zsolve(s);
	for (k = s->r0; k < s->r1; k++)
		sp_add(c, k);
}

static int
spm_run(char cls, int rank, int nranks, struct hv_npb_result *r)
{
	const struct sp_prm *p = sp_prm(cls);
	struct spm s;
	double t0, xce[5], xcr[5];
	int err, it;

	if (!p)
		return -EINVAL;
	err = spm_init(&s, p, rank, nranks);
	if (err < 0)
		return err;
	hv_cfd_exact_rhs(&s.c);
	hv_cfd_initialize(&s.c);
	spm_step(&s); /* untimed warm-up step */
	hv_cfd_initialize(&s.c);
	MPI_Barrier(MPI_COMM_WORLD);
	t0 = npbm_timed_start();
	for (it = 0; it < p->niter; it++)
		spm_step(&s);
	r->time_s = npbm_timed_stop(t0);
	hv_cfdm_error_norm(&s.c, 0, p->n - 1, xce);
	hv_cfdm_halo(&s.c, s.c.u, 5, 2, rank, nranks);
	hv_cfd_compute_rhs(&s.c, true);
	hv_cfdm_field_norm(&s.c, s.c.rhs, xcr);
	sp_report(p, xce, xcr, r);
	spm_free(&s);
	return 0;
}

static int
spm_max_ranks(char cls)
{
	const struct sp_prm *p = sp_prm(cls);

	return p ? hv_cfdm_max_ranks(p->n) : 0;
}

/* The fields and work space of the largest slab, times the ranks. */
static uint64_t
spm_mem(char cls, int nranks)
{
	const struct sp_prm *p = sp_prm(cls);
	int n, nk;

	if (!p)
		return 0;
	n = p->n;
	nk = (n - 2 + nranks - 1) / nranks + 2 * CFDM_GHOST;
	nk = nk < n ? nk : n;
	return (uint64_t)nranks *
	       (hv_cfdm_mem_bytes(n, nranks, true) +
		spm_doubles(n, nk) * sizeof(double) + (4ULL << 20));
}

const struct hv_npbm_bench hv_npbm_sp = {
	.name = "sp",
	.max_ranks = spm_max_ranks,
	.max_rule = "each rank needs two of the grid's interior z planes",
	.mem_bytes = spm_mem,
	.run = spm_run,
};
