/*
 * ep-mpi.c - NPB EP over MPI ranks. The numerical code is the serial
 * one (../npb/ep.c is compiled into this unit so its static batch and
 * tally functions are shared, not copied): batch k starts at its own
 * jump-ahead seed, so rank r simply runs its contiguous block of
 * batches, and one MPI_Allreduce inside the timed region combines sx, sy
 * and the ten annulus counts. Any rank count works.
 */
#include <errno.h>

#include "../npb/ep.c"

#include "mpi-count.h"
#include "npb-mpi.h"

static int
epm_run(char cls, int rank, int nranks, struct hv_npb_result *r)
{
	int m = ep_m(cls);
	long nbatch, lo, hi, k;
	uint64_t an = npb_pow46(NPB_A, 2 * EP_NK);
	double x[2 * EP_CHUNK] __attribute__((aligned(64)));
	struct ep_acc mine = {0}, tot = {0}, w = {0};
	double t0;

	if (m < 0)
		return -EINVAL;
	nbatch = 1L << (m - EP_MK);
	npbm_part(nbatch, rank, nranks, &lo, &hi);
	/* Untimed warm-up: one chunk, as the serial program does. */
	npb_vranlc(2 * EP_CHUNK, &(uint64_t){NPB_SEED_EP}, NPB_A, x);
	ep_chunk(x, EP_CHUNK, &w);
	MPI_Barrier(MPI_COMM_WORLD);
	t0 = npbm_timed_start();
	for (k = lo; k < hi; k++)
		ep_batch(npb_skip(NPB_SEED_EP, an, (uint64_t)k), x, &mine);
	MPI_Allreduce(&mine, &tot, 2 + EP_NQ, MPI_DOUBLE, MPI_SUM,
		      MPI_COMM_WORLD);
	r->time_s = npbm_timed_stop(t0);
	snprintf(r->size, sizeof(r->size), "2^%d", m + 1);
	r->iterations = 0;
	r->op_type = "Random numbers generated";
	r->mops_total = ldexp(1.0, m + 1) / r->time_s / 1e6;
	ep_report(r, cls, &tot);
	return 0;
}

static uint64_t
epm_mem(char cls, int nranks)
{
	return ep_mem(cls, 1) * (uint64_t)nranks;
}

const struct hv_npbm_bench hv_npbm_ep = {
	.name = "ep",
	.mem_bytes = epm_mem,
	.run = epm_run,
};
