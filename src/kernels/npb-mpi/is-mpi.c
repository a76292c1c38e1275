/*
 * is-mpi.c - NPB IS over MPI ranks. Rank r generates keys [lo, hi) of
 * the global sequence (each key is four consecutive uniforms, found by
 * jump-ahead) and owns the key values [r M/P, (r+1) M/P). Each
 * iteration sends every key to the owner of its value (MPI_Alltoall of
 * the counts, MPI_Alltoallv of the keys), counts the received keys, and
 * turns the counts into global ranks with the offset of MPI_Exscan. The
 * five test keys are checked by the rank owning value k-1 with no extra
 * message; the final full sort check is local plus one reduction. The
 * class table and reference loader are the serial ones (../npb/is.c is
 * compiled into this unit), and one rank runs the serial bucket sort
 * itself: with nobody to exchange with, the exchange would only add two
 * passes over the keys. Power-of-two rank counts, as NPB requires.
 */
#include "../npb/is.c"

#include "mpi-count.h"
#include "npb-mpi.h"

struct ism {
	struct is_state s; /* p, nkeys, maxkey, test_* as in serial */
	int rank, nranks, dshift;
	long lo, hi, base, width;
	int *key;	  /* my generated keys, hi - lo */
	int *sbuf, *rbuf; /* keys grouped by destination; received */
	long rcap, nrecv, offset;
	int *cnt; /* inclusive counts over my value range */
	int *scount, *sdisp, *rcount, *rdisp;
	int pv[IS_NTEST];
};

static void
ism_exchange(struct ism *m)
{
	long i, n = m->hi - m->lo;
	int d, P = m->nranks;

	memset(m->scount, 0, (size_t)P * sizeof(int));
	for (i = 0; i < n; i++)
		m->scount[m->key[i] >> m->dshift]++;
	for (d = 0, m->sdisp[0] = 0; d + 1 < P; d++)
		m->sdisp[d + 1] = m->sdisp[d] + m->scount[d];
	memcpy(m->rdisp, m->sdisp, (size_t)P * sizeof(int)); /* cursor */
	for (i = 0; i < n; i++)
		m->sbuf[m->rdisp[m->key[i] >> m->dshift]++] = m->key[i];
	MPI_Alltoall(m->scount, 1, MPI_INT, m->rcount, 1, MPI_INT,
		     MPI_COMM_WORLD);
	for (d = 0, m->nrecv = 0; d < P; d++) {
		m->rdisp[d] = (int)m->nrecv;
		m->nrecv += m->rcount[d];
	}
	if (m->nrecv > m->rcap) {
		free(m->rbuf);
		m->rcap = m->nrecv + m->nrecv / 8;
		m->rbuf = hv_k_alloc_aligned((size_t)m->rcap * sizeof(int));
	}
	MPI_Alltoallv(m->sbuf, m->scount, m->sdisp, MPI_INT, m->rbuf, m->rcount,
		      m->rdisp, MPI_INT, MPI_COMM_WORLD);
}

/* Ranking of iteration it; test keys owned here are checked. */
static void
ism_rank(struct ism *m, int it)
{
	long j, v, acc;
	int i;

	if (it >= m->lo && it < m->hi)
		m->key[it - m->lo] = it;
	if (it + IS_ITER >= m->lo && it + IS_ITER < m->hi)
		m->key[it + IS_ITER - m->lo] = (int)(m->s.maxkey - it);
	ism_exchange(m);
	memset(m->cnt, 0, (size_t)m->width * sizeof(int));
	for (j = 0; j < m->nrecv; j++)
		m->cnt[m->rbuf[j] - m->base]++;
	MPI_Exscan(&m->nrecv, &m->offset, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
	if (m->rank == 0)
		m->offset = 0;
	for (v = 0, acc = m->offset; v < m->width; v++) {
		acc += m->cnt[v];
		m->cnt[v] = (int)acc;
	}
	for (i = 0; i < IS_NTEST; i++) {
		long k = m->pv[i], want;

		if (k <= 0 || k > m->s.nkeys - 1 || k - 1 < m->base ||
		    k - 1 >= m->base + m->width)
			continue;
		want = m->s.test_rank[i] +
		       m->s.adj_sign[i] * (it + m->s.adj_off[i]);
		if (m->cnt[k - 1 - m->base] == want)
			m->s.passed++;
	}
}

/* Place the received keys by the counts and check the order. */
static int
ism_full_verify(struct ism *m)
{
	int *out = hv_k_alloc_aligned((size_t)(m->nrecv + 1) * sizeof(int));
	long j, total, nr = m->nrecv;
	int ok = 1;

	for (j = 0; j < nr; j++) {
		int k = m->rbuf[j];

		out[--m->cnt[k - m->base] - m->offset] = k;
	}
	for (j = 1; j < nr; j++)
		if (out[j - 1] > out[j] || out[j] < m->base ||
		    out[j] >= m->base + m->width)
			ok = 0;
	free(out);
	MPI_Allreduce(&nr, &total, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
	if (total != m->s.nkeys)
		ok = 0;
	MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
	return ok;
}

static void
ism_gen(struct ism *m)
{
	uint64_t x = npb_skip(NPB_SEED, NPB_A, 4 * (uint64_t)m->lo);
	double k = (double)(m->s.maxkey / 4);
	long i;

	for (i = 0; i < m->hi - m->lo; i++) {
		double s = npb_randlc(&x, NPB_A);

		s += npb_randlc(&x, NPB_A);
		s += npb_randlc(&x, NPB_A);
		s += npb_randlc(&x, NPB_A);
		m->key[i] = (int)(k * s);
	}
}

/* The test keys' values, from whichever rank generated them. */
static void
ism_test_values(struct ism *m)
{
	int i;

	for (i = 0; i < IS_NTEST; i++) {
		long t = m->s.test_index[i];

		m->pv[i] = t >= m->lo && t < m->hi ? m->key[t - m->lo] : 0;
	}
	MPI_Allreduce(MPI_IN_PLACE, m->pv, IS_NTEST, MPI_INT, MPI_MAX,
		      MPI_COMM_WORLD);
}

static void
ism_alloc(struct ism *m)
{
	int P = m->nranks, lg = 0;

	while ((1 << lg) < P)
		lg++;
	m->s.nkeys = 1L << m->s.p.keys_log;
	m->s.maxkey = 1L << m->s.p.maxkey_log;
	m->dshift = m->s.p.maxkey_log - lg;
	m->width = m->s.maxkey / P;
	m->base = m->width * m->rank;
	npbm_part(m->s.nkeys, m->rank, P, &m->lo, &m->hi);
	m->key = hv_k_alloc_aligned((size_t)(m->hi - m->lo) * sizeof(int));
	m->sbuf = hv_k_alloc_aligned((size_t)(m->hi - m->lo) * sizeof(int));
	m->cnt = hv_k_alloc_aligned((size_t)m->width * sizeof(int));
	m->scount = calloc((size_t)P * 4, sizeof(int));
	if (!m->scount)
		hv_k_die(HV_K_EXIT_FAIL, "out of memory");
	m->sdisp = m->scount + P;
	m->rcount = m->sdisp + P;
	m->rdisp = m->rcount + P;
}

static void
ism_free(struct ism *m)
{
	free(m->key);
	free(m->sbuf);
	free(m->rbuf);
	free(m->cnt);
	free(m->scount);
}

static int
ism_run(char cls, int rank, int nranks, struct hv_npb_result *r)
{
	struct ism m = {.rank = rank, .nranks = nranks};
	int it, err, passed, ok;
	double t0;

	if (nranks == 1)
		return is_run(cls, 1, r); /* one rank: the serial sort */
	if ((err = is_prm(cls, &m.s.p)) < 0 || (err = is_load_refs(&m.s, cls)))
		return err;
	ism_alloc(&m);
	ism_gen(&m);
	ism_test_values(&m);
	ism_rank(&m, 1); /* untimed warm-up */
	m.s.passed = 0;
	MPI_Barrier(MPI_COMM_WORLD);
	t0 = npbm_timed_start();
	for (it = 1; it <= IS_ITER; it++)
		ism_rank(&m, it);
	r->time_s = npbm_timed_stop(t0);
	ok = ism_full_verify(&m);
	MPI_Allreduce(&m.s.passed, &passed, 1, MPI_INT, MPI_SUM,
		      MPI_COMM_WORLD);
	snprintf(r->size, sizeof(r->size), "%ld", m.s.nkeys);
	r->iterations = IS_ITER;
	r->op_type = "keys ranked";
	r->mops_total = (double)IS_ITER * (double)m.s.nkeys / r->time_s / 1e6;
	hv_npb_check_exact(r, "passed_verification", passed + ok,
			   IS_NTEST * IS_ITER + 1);
	ism_free(&m);
	return 0;
}

/* Keys, send and receive buffers, and the count slice, summed. */
static uint64_t
ism_mem(char cls, int nranks)
{
	return is_mem(cls, 1) + (uint64_t)nranks * (8ULL << 20);
}

const struct hv_npbm_bench hv_npbm_is = {
	.name = "is",
	.mem_bytes = ism_mem,
	.run = ism_run,
};
