/*
 * sock.c - socket helpers of hpcvirt-net and its small wire format.
 * Addresses are numeric only (inet_pton), so the static build never
 * needs the resolver. Connect is bounded by a poll() timeout; after that
 * the socket is blocking with SO_RCVTIMEO/SO_SNDTIMEO, so the timed loops
 * cost exactly one send and one recv per message, yet can never hang.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net.h"

static void
put32(unsigned char *b, uint32_t v)
{
	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
}

static uint32_t
get32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static void
put64(unsigned char *b, uint64_t v)
{
	put32(b, v >> 32);
	put32(b + 4, (uint32_t)v);
}

static uint64_t
get64(const unsigned char *b)
{
	return (uint64_t)get32(b) << 32 | get32(b + 4);
}

void
hv_net_hello_pack(const struct hv_net_hello *h,
		  unsigned char b[HV_NET_HELLO_LEN])
{
	memset(b, 0, HV_NET_HELLO_LEN);
	put32(b, HV_NET_MAGIC);
	put32(b + 4, HV_NET_VERSION);
	put32(b + 8, h->mode);
	put32(b + 12, h->size);
	put32(b + 16, h->flags);
}

int
hv_net_hello_unpack(const unsigned char b[HV_NET_HELLO_LEN],
		    struct hv_net_hello *h)
{
	if (get32(b) != HV_NET_MAGIC || get32(b + 4) != HV_NET_VERSION)
		return -1;
	h->mode = get32(b + 8);
	h->size = get32(b + 12);
	h->flags = get32(b + 16);
	return 0;
}

void
hv_net_trailer_pack(const struct hv_net_trailer *t,
		    unsigned char b[HV_NET_TRAILER_LEN])
{
	memset(b, 0, HV_NET_TRAILER_LEN);
	put32(b, HV_NET_MAGIC);
	put64(b + 8, t->count);
	put64(b + 16, t->cpu_ns);
}

int
hv_net_trailer_unpack(const unsigned char b[HV_NET_TRAILER_LEN],
		      struct hv_net_trailer *t)
{
	if (get32(b) != HV_NET_MAGIC)
		return -1;
	t->count = get64(b + 8);
	t->cpu_ns = get64(b + 16);
	return 0;
}

int
hv_net_addr(const char *host, uint64_t port, struct sockaddr_storage *ss,
	    socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (port > 65535)
		return -EINVAL;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	return -EINVAL;
}

void
hv_net_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s4->sin_port));
	}
}

void
hv_net_peer_str(const struct hv_net_cfg *cfg, char *buf, size_t len)
{
	if (strchr(cfg->host, ':'))
		snprintf(buf, len, "[%s]:%llu", cfg->host,
			 (unsigned long long)cfg->port);
	else
		snprintf(buf, len, "%s:%llu", cfg->host,
			 (unsigned long long)cfg->port);
}

int
hv_net_set_timeout(int fd, int64_t ns)
{
	struct timeval tv = {.tv_sec = ns / 1000000000,
			     .tv_usec = ns % 1000000000 / 1000};

	if (tv.tv_sec == 0 && tv.tv_usec == 0)
		tv.tv_usec = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
		return -errno;
	return 0;
}

/* TCP_NODELAY always; larger socket buffers for bulk transfer. */
int
hv_net_tune(int fd, uint64_t bufsize)
{
	int one = 1, sz = (int)bufsize;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
		return -errno;
	if (bufsize == 0)
		return 0;
	/* Best effort: the kernel clamps to net.core.[rw]mem_max. */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return 0;
}

/* Wait for a non-blocking connect to finish, at most timeout ns. */
static int
connect_wait(int fd, int64_t timeout_ns)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	int rc, err = 0, ms = (int)(timeout_ns / 1000000);
	socklen_t elen = sizeof(err);

	do {
		rc = poll(&pfd, 1, ms > 0 ? ms : 1);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return -ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
		return -errno;
	return -err;
}

int
hv_net_connect(const struct hv_net_cfg *cfg, int *fdp, char *msg, size_t msglen)
{
	struct sockaddr_storage ss;
	char peer[96];
	socklen_t len;
	int fd = -1, rc;

	rc = hv_net_addr(cfg->host, cfg->port, &ss, &len);
	if (rc)
		goto out;
	hv_net_addr_str(&ss, peer, sizeof(peer));
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = connect(fd, (struct sockaddr *)&ss, len) == 0 ? 0 : -errno;
	if (rc == -EINPROGRESS)
		rc = connect_wait(fd, cfg->timeout_ns);
	if (rc)
		goto out;
	if (fcntl(fd, F_SETFL, 0) != 0) {
		rc = -errno;
		goto out;
	}
	rc = hv_net_set_timeout(fd, cfg->timeout_ns);
	if (!rc)
		rc = hv_net_tune(fd, cfg->mode == HV_NET_STREAM
					     ? HV_NET_STREAM_SOCKBUF
					     : 0);
out:
	if (rc && msg && rc == -ETIMEDOUT)
		snprintf(msg, msglen,
			 "connect to %s timed out after %.3g s "
			 "(unreachable or not accepting)",
			 peer, cfg->timeout_ns / 1e9);
	else if (rc && msg && rc == -ECONNREFUSED)
		snprintf(msg, msglen,
			 "connection to %s refused (no server listening)",
			 peer);
	else if (rc && msg)
		snprintf(msg, msglen, "connect to %s:%llu: %s", cfg->host,
			 (unsigned long long)cfg->port, strerror(-rc));
	if (rc && fd >= 0)
		close(fd);
	if (!rc)
		*fdp = fd;
	return rc;
}

int
hv_net_listen(const struct hv_net_cfg *cfg, int *fdp, uint64_t *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = -1, one = 1, rc;

	rc = hv_net_addr(cfg->bind, cfg->port, &ss, &len);
	if (rc)
		goto out;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 8) != 0) {
		rc = -errno;
		goto out;
	}
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		rc = -errno;
		goto out;
	}
	*port = ntohs(ss.ss_family == AF_INET6
			      ? ((struct sockaddr_in6 *)&ss)->sin6_port
			      : ((struct sockaddr_in *)&ss)->sin_port);
out:
	if (rc && fd >= 0)
		close(fd);
	if (!rc)
		*fdp = fd;
	return rc;
}

static int
io_errno(void)
{
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return -ETIMEDOUT;
	return -errno;
}

int
hv_net_send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return io_errno();
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * With spin, poll the socket with MSG_DONTWAIT until data arrives instead
 * of sleeping in the kernel: it saves the wake-up latency when both ends
 * have a CPU of their own. The socket's receive timeout still bounds the
 * wait, since a blocking recv is used after the spin budget is spent.
 */
int
hv_net_recv_all(int fd, void *buf, size_t len, bool spin)
{
	char *p = buf;
	unsigned int tries = 0;
	ssize_t n;

	while (len > 0) {
		if (spin && tries < 200000) {
			n = recv(fd, p, len, MSG_DONTWAIT);
			if (n < 0 &&
			    (errno == EAGAIN || errno == EWOULDBLOCK)) {
				tries++;
				continue;
			}
		} else {
			n = recv(fd, p, len, 0);
		}
		if (n == 0)
			return -EPIPE;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return io_errno();
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
hv_net_handshake(int fd, const struct hv_net_hello *h)
{
	unsigned char b[HV_NET_HELLO_LEN];
	int rc;

	hv_net_hello_pack(h, b);
	rc = hv_net_send_all(fd, b, sizeof(b));
	if (rc)
		return rc;
	rc = hv_net_recv_all(fd, b, HV_NET_ACK_LEN, false);
	if (rc)
		return rc;
	if (b[0] != 'H' || b[1] != 'V' || b[2] != 'N' || b[3] != '1')
		return -EPROTO;
	if (b[4] | b[5] | b[6] | b[7])
		return -EINVAL; /* the server refused the parameters */
	return 0;
}
