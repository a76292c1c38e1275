/*
 * server.c - the server mode of hpcvirt-net: the peer that rr and stream
 * clients talk to. It serves one connection at a time, any number of
 * them in sequence, each starting with a hello that names the test. Its
 * life is bounded twice: --lifetime (a timer that ends the process even
 * in the middle of a test) and --idle (no connection for that long).
 * A broken client only ends its own connection, never the server.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "klib.h"
#include "net.h"

static void
on_lifetime(int sig)
{
	static const char m[] = "hpcvirt-net: server lifetime over, exiting\n";
	ssize_t rc;

	(void)sig;
	rc = write(STDERR_FILENO, m, sizeof(m) - 1);
	(void)rc;
	_exit(HV_K_EXIT_OK);
}

static int
arm_lifetime(int64_t ns)
{
	struct itimerval it = {0};
	struct sigaction sa = {0};

	sa.sa_handler = on_lifetime;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) != 0)
		return -errno;
	it.it_value.tv_sec = ns / 1000000000;
	it.it_value.tv_usec = ns % 1000000000 / 1000;
	if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
		it.it_value.tv_usec = 1;
	return setitimer(ITIMER_REAL, &it, NULL) == 0 ? 0 : -errno;
}

/*
 * First read of a message: bytes read (> 0), 0 at end of file, -errno.
 * Spinning polls with MSG_DONTWAIT for a bounded number of tries first.
 */
static ssize_t
recv_first(int fd, char *buf, size_t size, bool spin)
{
	unsigned int tries = spin ? 200000 : 0;
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, size, tries ? MSG_DONTWAIT : 0);
		if (n >= 0)
			return n;
		if (tries && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			tries--;
			continue;
		}
		if (errno == EINTR)
			continue;
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	}
}

/* Echo size-byte messages until the client shuts down its side. */
static int
serve_rr(int fd, char *buf, size_t size, bool spin, uint64_t *count)
{
	ssize_t n;
	int rc;

	for (;;) {
		n = recv_first(fd, buf, size, spin);
		if (n == 0)
			return 0; /* end of test, at a message boundary */
		if (n < 0)
			return (int)n;
		rc = hv_net_recv_all(fd, buf + n, size - (size_t)n, spin);
		if (!rc)
			rc = hv_net_send_all(fd, buf, size);
		if (rc)
			return rc;
		(*count)++;
	}
}

static int
serve_stream(int fd, char *buf, size_t size, uint64_t *count)
{
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, size, 0);
		if (n == 0)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		*count += (uint64_t)n;
	}
}

static int
send_ack(int fd, uint32_t status)
{
	unsigned char b[HV_NET_ACK_LEN] = {'H', 'V', 'N', '1', 0, 0, 0, 0};

	b[7] = (unsigned char)status;
	return hv_net_send_all(fd, b, sizeof(b));
}

/* One client connection: hello, ack, the test, the trailer. */
static int
serve_conn(int fd, const struct hv_net_cfg *cfg, const char **what)
{
	unsigned char b[HV_NET_HELLO_LEN > HV_NET_TRAILER_LEN
				? HV_NET_HELLO_LEN
				: HV_NET_TRAILER_LEN];
	struct hv_net_trailer tr = {0};
	struct hv_net_hello h;
	size_t bufsz;
	char *buf = NULL;
	int64_t cpu0;
	int rc;

	*what = "reading hello";
	rc = hv_net_set_timeout(fd, cfg->timeout_ns);
	if (!rc)
		rc = hv_net_recv_all(fd, b, HV_NET_HELLO_LEN, false);
	if (rc)
		goto out;
	if (hv_net_hello_unpack(b, &h) != 0 ||
	    (h.mode != HV_NET_RR && h.mode != HV_NET_STREAM) || h.size == 0 ||
	    h.size > HV_NET_MAX_MSG) {
		*what = "checking hello";
		send_ack(fd, 1);
		rc = -EPROTO;
		goto out;
	}
	hv_net_tune(fd, h.mode == HV_NET_STREAM ? HV_NET_STREAM_SOCKBUF : 0);
	bufsz = h.mode == HV_NET_STREAM && h.size < HV_NET_STREAM_RECVBUF
			? HV_NET_STREAM_RECVBUF
			: h.size;
	buf = hv_k_alloc_aligned(bufsz);
	rc = send_ack(fd, 0);
	if (rc)
		goto out;
	*what = h.mode == HV_NET_RR ? "serving rr" : "serving stream";
	cpu0 = hv_k_cpu_ns();
	if (h.mode == HV_NET_RR)
		rc = serve_rr(fd, buf, h.size, h.flags & HV_NET_F_SPIN,
			      &tr.count);
	else
		rc = serve_stream(fd, buf, bufsz, &tr.count);
	if (rc)
		goto out;
	tr.cpu_ns = (uint64_t)(hv_k_cpu_ns() - cpu0);
	*what = "sending trailer";
	hv_net_trailer_pack(&tr, b);
	rc = hv_net_send_all(fd, b, HV_NET_TRAILER_LEN);
out:
	free(buf);
	return rc;
}

/* Wait for a connection at most idle ns: 1 accepted, 0 idle, -errno. */
static int
accept_idle(int lfd, int64_t idle_ns, int *cfd)
{
	struct pollfd pfd = {.fd = lfd, .events = POLLIN};
	int64_t end = hv_k_now_ns() + idle_ns, left;
	int rc;

	for (;;) {
		left = end - hv_k_now_ns();
		if (left <= 0)
			return 0;
		if (left > 1000000000LL * 1000)
			left = 1000000000LL * 1000;
		rc = poll(&pfd, 1, (int)(left / 1000000) + 1);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			continue;
		*cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (*cfd >= 0)
			return 1;
		if (errno != EINTR && errno != ECONNABORTED)
			return -errno;
	}
}

int
hv_net_run_server(const struct hv_net_cfg *cfg)
{
	const char *what;
	uint64_t port;
	int lfd, cfd = -1, rc;

	rc = hv_net_listen(cfg, &lfd, &port);
	if (rc)
		hv_k_die(HV_K_EXIT_FAIL, "cannot listen on %s port %llu: %s",
			 cfg->bind, (unsigned long long)cfg->port,
			 strerror(-rc));
	rc = arm_lifetime(cfg->lifetime_ns);
	if (rc)
		hv_k_die(HV_K_EXIT_FAIL, "cannot arm lifetime timer: %s",
			 strerror(-rc));
	printf("HPCVIRT-LISTEN %s %llu\n", cfg->bind, (unsigned long long)port);
	fflush(stdout);
	while ((rc = accept_idle(lfd, cfg->idle_ns, &cfd)) == 1) {
		rc = serve_conn(cfd, cfg, &what);
		if (rc)
			fprintf(stderr,
				"hpcvirt-net: server: client dropped "
				"while %s: %s\n",
				what, strerror(-rc));
		close(cfd);
	}
	close(lfd);
	if (rc < 0)
		hv_k_die(HV_K_EXIT_FAIL, "accept failed: %s", strerror(-rc));
	fprintf(stderr, "hpcvirt-net: server idle for %.3g s, exiting\n",
		cfg->idle_ns / 1e9);
	return HV_K_EXIT_OK;
}
