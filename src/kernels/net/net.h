/*
 * net.h - internal interfaces of the hpcvirt-net kernel, shared by its
 * files: the parsed configuration, the wire format between client and
 * server, socket helpers (sock.c), the latency histogram and percentiles
 * (hist.c) and the three modes (rr.c, stream.c, server.c). Nothing here
 * is used outside src/kernels/net/.
 */
#ifndef HPCVIRT_NET_H
#define HPCVIRT_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "bounds.h" /* HV_NET_MAX_MSG */

#define HV_NET_MAX_SIZES 64

/*
 * Stream tuning: socket buffer size asked for on both ends (0 keeps the
 * kernel's autotuning) and the server's read size.
 */
#ifndef HV_NET_STREAM_SOCKBUF
#define HV_NET_STREAM_SOCKBUF (4u << 20)
#endif
#ifndef HV_NET_STREAM_RECVBUF
#define HV_NET_STREAM_RECVBUF (1u << 20)
#endif

enum hv_net_mode {
	HV_NET_SERVER = 1,
	HV_NET_RR = 2,
	HV_NET_STREAM = 4,
};

/* Everything argv can set; filled by the option table in net.c. */
struct hv_net_cfg {
	enum hv_net_mode mode;
	char host[64]; /* client: numeric peer address */
	char bind[64]; /* server: numeric listen address */
	uint64_t port;
	uint64_t sizes[HV_NET_MAX_SIZES];
	int nsizes;
	int64_t duration_ns;
	uint64_t transactions; /* 0 = bounded by duration only */
	int64_t warmup_ns;
	uint64_t warmup_trans; /* 0 = warm up by time */
	uint64_t max_samples;
	uint64_t bytes; /* stream: 0 = bounded by duration only */
	uint64_t block;
	int64_t timeout_ns;
	int64_t lifetime_ns;
	int64_t idle_ns;
	bool json;
	bool spin;    /* busy-poll receives instead of sleeping */
	bool samples; /* also emit raw samples in the JSON */
	bool dur_set; /* --duration given explicitly */
};

/* --- wire format (all integers big-endian) --------------------------- */

#define HV_NET_MAGIC 0x48564e31u /* "HVN1" */
#define HV_NET_VERSION 1
#define HV_NET_HELLO_LEN 32
#define HV_NET_ACK_LEN 8
#define HV_NET_TRAILER_LEN 24
#define HV_NET_F_SPIN 1u

/* Client to server, first bytes of every connection. */
struct hv_net_hello {
	uint32_t mode;	/* HV_NET_RR or HV_NET_STREAM */
	uint32_t size;	/* rr message size or stream block size */
	uint32_t flags; /* HV_NET_F_* */
};

/* Server to client after the client's end of data. */
struct hv_net_trailer {
	uint64_t count;	 /* rr: transactions served; stream: bytes read */
	uint64_t cpu_ns; /* server CPU time spent on this connection */
};

void hv_net_hello_pack(const struct hv_net_hello *h,
		       unsigned char b[HV_NET_HELLO_LEN]);
/* 0, or -1 if the magic or version is wrong. */
int hv_net_hello_unpack(const unsigned char b[HV_NET_HELLO_LEN],
			struct hv_net_hello *h);
void hv_net_trailer_pack(const struct hv_net_trailer *t,
			 unsigned char b[HV_NET_TRAILER_LEN]);
int hv_net_trailer_unpack(const unsigned char b[HV_NET_TRAILER_LEN],
			  struct hv_net_trailer *t);

/* --- sockets (sock.c) -------------------------------------------------- */

/*
 * Socket helpers return 0 or -errno; a peer that closes the connection
 * in the middle of a read is -EPIPE, a timeout is -ETIMEDOUT. msg, when
 * given, receives a sentence for the user.
 */
int hv_net_addr(const char *host, uint64_t port, struct sockaddr_storage *ss,
		socklen_t *len);
void hv_net_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len);
int hv_net_connect(const struct hv_net_cfg *cfg, int *fdp, char *msg,
		   size_t msglen);
int hv_net_listen(const struct hv_net_cfg *cfg, int *fdp, uint64_t *port);
int hv_net_set_timeout(int fd, int64_t ns);
int hv_net_tune(int fd, uint64_t bufsize);
int hv_net_send_all(int fd, const void *buf, size_t len);
int hv_net_recv_all(int fd, void *buf, size_t len, bool spin);

/* Client side of the handshake: hello out, ack in. */
int hv_net_handshake(int fd, const struct hv_net_hello *h);

/* --- histogram and statistics (hist.c) ------------------------------- */

/*
 * Log-linear buckets in the style of HdrHistogram: values below 256 get
 * a bucket each; above, each power of two is split in 128 equal buckets,
 * so a bucket is at most 1/128 (0.78 %) of its lower bound wide.
 */
#define HV_NET_HIST_SUB 128
#define HV_NET_HIST_NBUCKETS (256 + 56 * HV_NET_HIST_SUB)

size_t hv_net_hist_index(uint64_t v);
uint64_t hv_net_hist_lower(size_t idx);
/* Exclusive upper bound of the bucket. */
uint64_t hv_net_hist_upper(size_t idx);

struct hv_net_stats {
	uint64_t n;
	double mean, min, p50, p90, p99, p999, max;
};

/*
 * Sorts v[0..n) in place and fills st; percentiles are nearest-rank
 * (the smallest value with at least p % of the samples at or below it).
 */
void hv_net_stats(uint64_t *v, size_t n, struct hv_net_stats *st);
/* Nearest-rank percentile of sorted v[0..n), n > 0, 0 < p <= 100. */
uint64_t hv_net_pctl(const uint64_t *sorted, size_t n, double p);

/* --- modes ------------------------------------------------------------- */

int hv_net_run_rr(const struct hv_net_cfg *cfg);
int hv_net_run_stream(const struct hv_net_cfg *cfg);
int hv_net_run_server(const struct hv_net_cfg *cfg);

/* Peer address as "a.b.c.d:port" or "[v6]:port". */
void hv_net_peer_str(const struct hv_net_cfg *cfg, char *buf, size_t len);

#endif
