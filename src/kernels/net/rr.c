/*
 * rr.c - the rr mode of hpcvirt-net: TCP request/response like netperf
 * TCP_RR. For each message size it opens one connection, warms up, then
 * times every transaction (send N bytes, receive N bytes) with
 * CLOCK_MONOTONIC into preallocated storage; statistics, the histogram
 * and the output are computed only after the timed loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "klib.h"
#include "net.h"

/* Longest run when only --transactions bounds it. */
#define RR_MAX_NS (300 * 1000000000LL)

struct rr_bucket {
	uint32_t idx;
	uint32_t count;
};

struct rr_result {
	uint64_t size;
	uint64_t trans;
	int64_t duration_ns;
	struct hv_net_stats st; /* of RTT, ns */
	int64_t cpu_local_ns;
	uint64_t cpu_remote_ns;
	uint64_t remote_trans; /* served by the server, warm-up included */
	const char *stopped_by;
	struct rr_bucket *hist; /* non-empty buckets of half-RTT */
	size_t nhist;
	uint64_t *raw; /* RTTs in time order, only with --samples */
};

static void
rr_fail(const struct hv_net_cfg *cfg, uint64_t size, uint64_t done, int rc,
	const char *phase)
{
	char peer[96];

	hv_net_peer_str(cfg, peer, sizeof(peer));
	if (rc == -EPIPE || rc == -ECONNRESET)
		hv_k_die(HV_K_EXIT_FAIL,
			 "peer %s closed the connection during rr %s "
			 "(size %llu B, after %llu transactions)",
			 peer, phase, (unsigned long long)size,
			 (unsigned long long)done);
	if (rc == -ETIMEDOUT)
		hv_k_die(HV_K_EXIT_FAIL,
			 "peer %s did not answer within --timeout %.3g s "
			 "during rr %s (size %llu B)",
			 peer, cfg->timeout_ns / 1e9, phase,
			 (unsigned long long)size);
	hv_k_die(HV_K_EXIT_FAIL, "rr %s with %s (size %llu B): %s", phase, peer,
		 (unsigned long long)size, strerror(-rc));
}

/* One transaction; the hot path, nothing but send and recv. */
static inline int
rr_once(int fd, char *buf, size_t size, bool spin)
{
	int rc = hv_net_send_all(fd, buf, size);

	return rc ? rc : hv_net_recv_all(fd, buf, size, spin);
}

static void
rr_warmup(const struct hv_net_cfg *cfg, int fd, char *buf, size_t size)
{
	int64_t end = hv_k_now_ns() + cfg->warmup_ns;
	uint64_t i;
	int rc;

	for (i = 0;
	     cfg->warmup_trans ? i < cfg->warmup_trans : hv_k_now_ns() < end;
	     i++) {
		rc = rr_once(fd, buf, size, cfg->spin);
		if (rc)
			rr_fail(cfg, size, i, rc, "warm-up");
	}
}

/* The timed loop: fills s[], returns the count. */
static uint64_t
rr_timed(const struct hv_net_cfg *cfg, int fd, char *buf, size_t size,
	 uint64_t *s, uint64_t cap, struct rr_result *r)
{
	int64_t t0 = hv_k_now_ns(), t = t0, t1, end;
	uint64_t i = 0;
	int rc;

	end = t0 + (cfg->dur_set || !cfg->transactions ? cfg->duration_ns
						       : RR_MAX_NS);
	for (;;) {
		rc = rr_once(fd, buf, size, cfg->spin);
		t1 = hv_k_now_ns();
		if (rc)
			rr_fail(cfg, size, i, rc, "timed run");
		s[i++] = (uint64_t)(t1 - t);
		t = t1;
		if (i >= cap || t1 >= end)
			break;
	}
	r->duration_ns = t - t0;
	r->stopped_by = t1 >= end ? "duration"
			: cfg->transactions && i >= cfg->transactions
				? "transactions"
				: "max_samples";
	return i;
}

static void
rr_finish(int fd, const struct hv_net_cfg *cfg, struct rr_result *r)
{
	unsigned char b[HV_NET_TRAILER_LEN];
	struct hv_net_trailer tr;
	int rc;

	if (shutdown(fd, SHUT_WR) != 0)
		rr_fail(cfg, r->size, r->trans, -errno, "shutdown");
	rc = hv_net_recv_all(fd, b, sizeof(b), false);
	if (rc)
		rr_fail(cfg, r->size, r->trans, rc, "trailer");
	if (hv_net_trailer_unpack(b, &tr) != 0)
		rr_fail(cfg, r->size, r->trans, -EPROTO, "trailer");
	r->remote_trans = tr.count;
	r->cpu_remote_ns = tr.cpu_ns;
}

/* Non-empty buckets of half-RTT (RTT/2, rounded down) of sorted s[]. */
static void
rr_hist(struct rr_result *r, const uint64_t *s, uint64_t n)
{
	uint64_t i;
	size_t idx;

	r->hist = calloc(n < HV_NET_HIST_NBUCKETS ? n : HV_NET_HIST_NBUCKETS,
			 sizeof(*r->hist));
	if (!r->hist && n)
		hv_k_die(HV_K_EXIT_FAIL, "out of memory for the histogram");
	r->nhist = 0;
	for (i = 0; i < n; i++) {
		idx = hv_net_hist_index(s[i] / 2);
		if (r->nhist && r->hist[r->nhist - 1].idx == idx) {
			r->hist[r->nhist - 1].count++;
			continue;
		}
		r->hist[r->nhist].idx = (uint32_t)idx;
		r->hist[r->nhist++].count = 1;
	}
}

static void
rr_one(const struct hv_net_cfg *cfg, uint64_t size, uint64_t *s, uint64_t cap,
       struct rr_result *r)
{
	struct hv_net_hello h = {HV_NET_RR, (uint32_t)size,
				 cfg->spin ? HV_NET_F_SPIN : 0};
	char msg[256], *buf;
	int64_t cpu0;
	int fd, rc;

	memset(r, 0, sizeof(*r));
	r->size = size;
	if (hv_net_connect(cfg, &fd, msg, sizeof(msg)) != 0)
		hv_k_die(HV_K_EXIT_FAIL, "%s", msg);
	rc = hv_net_handshake(fd, &h);
	if (rc)
		rr_fail(cfg, size, 0, rc, "handshake");
	buf = hv_k_alloc_aligned(size);
	rr_warmup(cfg, fd, buf, size);
	cpu0 = hv_k_cpu_ns();
	r->trans = rr_timed(cfg, fd, buf, size, s, cap, r);
	r->cpu_local_ns = hv_k_cpu_ns() - cpu0;
	rr_finish(fd, cfg, r);
	close(fd);
	free(buf);
	if (cfg->samples) {
		r->raw = malloc(r->trans * sizeof(*s));
		if (!r->raw)
			hv_k_die(HV_K_EXIT_FAIL, "out of memory for samples");
		memcpy(r->raw, s, r->trans * sizeof(*s));
	}
	hv_net_stats(s, r->trans, &r->st);
	rr_hist(r, s, r->trans);
}

static double
per(double num, double den)
{
	return den > 0 ? num / den : 0.0 / 0.0;
}

static void
rr_json_hist(struct hv_k_json *j, const struct rr_result *r)
{
	size_t i;

	hv_k_json_obj(j, "hist");
	hv_k_json_str(j, "of", "half_rtt");
	hv_k_json_str(j, "unit", "ns");
	hv_k_json_str(j, "scheme", "log-linear");
	hv_k_json_i64(j, "sub_buckets", HV_NET_HIST_SUB);
	hv_k_json_arr(j, "buckets"); /* [lower, upper exclusive, count] */
	for (i = 0; i < r->nhist; i++) {
		hv_k_json_arr(j, NULL);
		hv_k_json_u64(j, NULL, hv_net_hist_lower(r->hist[i].idx));
		hv_k_json_u64(j, NULL, hv_net_hist_upper(r->hist[i].idx));
		hv_k_json_u64(j, NULL, r->hist[i].count);
		hv_k_json_end(j);
	}
	hv_k_json_end(j);
	hv_k_json_end(j);
}

static void
rr_json_one(struct hv_k_json *j, const struct rr_result *r)
{
	uint64_t i;

	hv_k_json_obj(j, NULL);
	hv_k_json_u64(j, "size_bytes", r->size);
	hv_k_json_u64(j, "transactions", r->trans);
	hv_k_json_i64(j, "duration_ns", r->duration_ns);
	hv_k_json_dbl(j, "trans_per_sec", per(r->trans * 1e9, r->duration_ns));
	hv_k_json_dbl(j, "half_rtt_mean_ns", r->st.mean / 2);
	hv_k_json_dbl(j, "half_rtt_min_ns", r->st.min / 2);
	hv_k_json_dbl(j, "half_rtt_p50_ns", r->st.p50 / 2);
	hv_k_json_dbl(j, "half_rtt_p90_ns", r->st.p90 / 2);
	hv_k_json_dbl(j, "half_rtt_p99_ns", r->st.p99 / 2);
	hv_k_json_dbl(j, "half_rtt_p999_ns", r->st.p999 / 2);
	hv_k_json_dbl(j, "half_rtt_max_ns", r->st.max / 2);
	hv_k_json_i64(j, "cpu_local_ns", r->cpu_local_ns);
	hv_k_json_u64(j, "cpu_remote_ns", r->cpu_remote_ns);
	hv_k_json_u64(j, "remote_transactions", r->remote_trans);
	hv_k_json_dbl(j, "cpu_local_us_per_tran",
		      per(r->cpu_local_ns / 1e3, r->trans));
	hv_k_json_dbl(j, "cpu_remote_us_per_tran",
		      per(r->cpu_remote_ns / 1e3, r->remote_trans));
	hv_k_json_str(j, "stopped_by", r->stopped_by);
	rr_json_hist(j, r);
	if (r->raw) {
		hv_k_json_arr(j, "rtt_samples_ns");
		for (i = 0; i < r->trans; i++)
			hv_k_json_u64(j, NULL, r->raw[i]);
		hv_k_json_end(j);
	}
	hv_k_json_end(j);
}

static void
rr_json(const struct hv_net_cfg *cfg, const struct rr_result *r, int n)
{
	struct hv_k_json j;
	char peer[96];
	int i;

	hv_net_peer_str(cfg, peer, sizeof(peer));
	hv_k_json_begin(&j, stdout);
	hv_k_json_obj(&j, NULL);
	hv_k_json_str(&j, "kernel", "net");
	hv_k_json_str(&j, "mode", "rr");
	hv_k_json_i64(&j, "version", 1);
	hv_k_json_str(&j, "peer", peer);
	hv_k_json_i64(&j, "warmup_ns", cfg->warmup_trans ? 0 : cfg->warmup_ns);
	hv_k_json_u64(&j, "warmup_transactions", cfg->warmup_trans);
	hv_k_json_bool(&j, "spin", cfg->spin);
	hv_k_json_arr(&j, "results");
	for (i = 0; i < n; i++)
		rr_json_one(&j, &r[i]);
	hv_k_json_end(&j);
	hv_k_json_end(&j);
	if (hv_k_json_finish(&j) != 0)
		hv_k_die(HV_K_EXIT_FAIL, "cannot write the result to stdout");
}

static void
rr_table(const struct hv_net_cfg *cfg, const struct rr_result *r, int n)
{
	char peer[96];
	int i;

	hv_net_peer_str(cfg, peer, sizeof(peer));
	printf("rr with %s: half round-trip time in us; CPU us per "
	       "transaction\n",
	       peer);
	printf("%8s %9s %8s %8s %8s %8s %8s %8s %8s %7s %7s\n", "size_B",
	       "trans", "mean", "min", "p50", "p90", "p99", "p99.9", "max",
	       "cpu_loc", "cpu_rem");
	for (i = 0; i < n; i++)
		printf("%8llu %9llu %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f "
		       "%7.2f %7.2f\n",
		       (unsigned long long)r[i].size,
		       (unsigned long long)r[i].trans, r[i].st.mean / 2e3,
		       r[i].st.min / 2e3, r[i].st.p50 / 2e3, r[i].st.p90 / 2e3,
		       r[i].st.p99 / 2e3, r[i].st.p999 / 2e3, r[i].st.max / 2e3,
		       per(r[i].cpu_local_ns / 1e3, r[i].trans),
		       per(r[i].cpu_remote_ns / 1e3, r[i].remote_trans));
	fflush(stdout);
}

int
hv_net_run_rr(const struct hv_net_cfg *cfg)
{
	struct rr_result r[HV_NET_MAX_SIZES];
	uint64_t cap = cfg->max_samples, *s;
	int i;

	if (cfg->transactions && cfg->transactions < cap)
		cap = cfg->transactions;
	s = hv_k_alloc_aligned(cap * sizeof(*s));
	for (i = 0; i < cfg->nsizes; i++)
		rr_one(cfg, cfg->sizes[i], s, cap, &r[i]);
	if (cfg->json)
		rr_json(cfg, r, cfg->nsizes);
	else
		rr_table(cfg, r, cfg->nsizes);
	for (i = 0; i < cfg->nsizes; i++) {
		free(r[i].hist);
		free(r[i].raw);
	}
	free(s);
	return HV_K_EXIT_OK;
}
