/*
 * stream.c - the stream mode of hpcvirt-net: TCP bulk transfer from client
 * to server like netperf TCP_STREAM. The bandwidth is the bytes the
 * server says it received over the sender's interval, which ends only
 * when the server's trailer arrives: bytes still in socket buffers when
 * the sender stops are neither counted nor allowed to end the clock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "klib.h"
#include "net.h"

/* Longest run when only --bytes bounds it. */
#define STREAM_MAX_NS (300 * 1000000000LL)

struct stream_result {
	uint64_t sent, bytes;
	int64_t duration_ns;
	int64_t cpu_local_ns;
	uint64_t cpu_remote_ns;
};

static void
stream_fail(const struct hv_net_cfg *cfg, uint64_t sent, int rc,
	    const char *phase)
{
	char peer[96];

	hv_net_peer_str(cfg, peer, sizeof(peer));
	if (rc == -EPIPE || rc == -ECONNRESET)
		hv_k_die(HV_K_EXIT_FAIL,
			 "peer %s closed the connection during stream %s "
			 "(after %llu bytes)",
			 peer, phase, (unsigned long long)sent);
	if (rc == -ETIMEDOUT)
		hv_k_die(HV_K_EXIT_FAIL,
			 "peer %s stalled for --timeout %.3g s during stream "
			 "%s",
			 peer, cfg->timeout_ns / 1e9, phase);
	hv_k_die(HV_K_EXIT_FAIL, "stream %s with %s: %s", phase, peer,
		 strerror(-rc));
}

/* Send blocks until the byte count or the duration is reached. */
static uint64_t
stream_send(const struct hv_net_cfg *cfg, int fd, const char *buf, int64_t t0)
{
	int64_t end = t0 + (cfg->dur_set || !cfg->bytes ? cfg->duration_ns
							: STREAM_MAX_NS);
	uint64_t sent = 0, left;
	size_t len;
	int rc;

	do {
		len = cfg->block;
		if (cfg->bytes) {
			left = cfg->bytes - sent;
			if (left < len)
				len = (size_t)left;
		}
		rc = hv_net_send_all(fd, buf, len);
		if (rc)
			stream_fail(cfg, sent, rc, "transfer");
		sent += len;
	} while ((!cfg->bytes || sent < cfg->bytes) && hv_k_now_ns() < end);
	return sent;
}

static void
stream_run(const struct hv_net_cfg *cfg, struct stream_result *r)
{
	struct hv_net_hello h = {HV_NET_STREAM, (uint32_t)cfg->block, 0};
	unsigned char b[HV_NET_TRAILER_LEN];
	struct hv_net_trailer tr;
	int64_t t0, cpu0;
	char msg[256], *buf;
	int fd, rc;

	if (hv_net_connect(cfg, &fd, msg, sizeof(msg)) != 0)
		hv_k_die(HV_K_EXIT_FAIL, "%s", msg);
	rc = hv_net_handshake(fd, &h);
	if (rc)
		stream_fail(cfg, 0, rc, "handshake");
	buf = hv_k_alloc_aligned(cfg->block);
	cpu0 = hv_k_cpu_ns();
	t0 = hv_k_now_ns();
	r->sent = stream_send(cfg, fd, buf, t0);
	if (shutdown(fd, SHUT_WR) != 0)
		stream_fail(cfg, r->sent, -errno, "shutdown");
	rc = hv_net_recv_all(fd, b, sizeof(b), false);
	r->duration_ns = hv_k_now_ns() - t0;
	r->cpu_local_ns = hv_k_cpu_ns() - cpu0;
	if (!rc && hv_net_trailer_unpack(b, &tr) != 0)
		rc = -EPROTO;
	if (rc)
		stream_fail(cfg, r->sent, rc, "trailer");
	close(fd);
	free(buf);
	r->bytes = tr.count;
	r->cpu_remote_ns = tr.cpu_ns;
	if (r->bytes != r->sent)
		hv_k_die(HV_K_EXIT_FAIL,
			 "stream verification failed: sent %llu bytes, "
			 "server received %llu",
			 (unsigned long long)r->sent,
			 (unsigned long long)r->bytes);
}

static void
stream_json(const struct hv_net_cfg *cfg, const struct stream_result *r,
	    double bw, double mb)
{
	struct hv_k_json j;
	char peer[96];

	hv_net_peer_str(cfg, peer, sizeof(peer));
	hv_k_json_begin(&j, stdout);
	hv_k_json_obj(&j, NULL);
	hv_k_json_str(&j, "kernel", "net");
	hv_k_json_str(&j, "mode", "stream");
	hv_k_json_i64(&j, "version", 1);
	hv_k_json_str(&j, "peer", peer);
	hv_k_json_arr(&j, "results");
	hv_k_json_obj(&j, NULL);
	hv_k_json_u64(&j, "block_bytes", cfg->block);
	hv_k_json_u64(&j, "bytes", r->bytes);
	hv_k_json_i64(&j, "duration_ns", r->duration_ns);
	hv_k_json_dbl(&j, "bw_bytes_per_sec", bw);
	hv_k_json_i64(&j, "cpu_local_ns", r->cpu_local_ns);
	hv_k_json_u64(&j, "cpu_remote_ns", r->cpu_remote_ns);
	hv_k_json_dbl(&j, "cpu_local_us_per_mb", r->cpu_local_ns / 1e3 / mb);
	hv_k_json_dbl(&j, "cpu_remote_us_per_mb", r->cpu_remote_ns / 1e3 / mb);
	hv_k_json_end(&j);
	hv_k_json_end(&j);
	hv_k_json_end(&j);
	if (hv_k_json_finish(&j) != 0)
		hv_k_die(HV_K_EXIT_FAIL, "cannot write the result to stdout");
}

int
hv_net_run_stream(const struct hv_net_cfg *cfg)
{
	struct stream_result r;
	double bw, mb;
	char peer[96];

	stream_run(cfg, &r);
	bw = r.duration_ns > 0 ? r.bytes * 1e9 / r.duration_ns : 0.0 / 0.0;
	mb = r.bytes / 1e6; /* MB = 10^6 bytes */
	if (cfg->json) {
		stream_json(cfg, &r, bw, mb);
		return HV_K_EXIT_OK;
	}
	hv_net_peer_str(cfg, peer, sizeof(peer));
	printf("stream to %s, block %llu B\n", peer,
	       (unsigned long long)cfg->block);
	printf("%14s %10s %12s %10s %10s\n", "bytes", "seconds", "MB/s",
	       "cpu_loc", "cpu_rem");
	printf("%14llu %10.3f %12.1f %10.2f %10.2f\n",
	       (unsigned long long)r.bytes, r.duration_ns / 1e9, bw / 1e6,
	       r.cpu_local_ns / 1e3 / mb, r.cpu_remote_ns / 1e3 / mb);
	printf("(cpu columns: CPU us per MB, MB = 10^6 bytes)\n");
	fflush(stdout);
	return HV_K_EXIT_OK;
}
