/*
 * test-lab.c - the lab end to end: labs in both network modes with two
 * box namespaces each (children of this test that unshare their network
 * namespace), checked by netlink dumps inside the namespaces and by real
 * TCP connections; link emulation checked by lower bounds on RTT and
 * transfer time; cleanup checked after hv_lab_destroy(). Traffic only
 * ever goes to lab addresses; the one outside address (10.255.255.1) is
 * only used to show that a box has no route to it (ENETUNREACH before any
 * packet exists). Needs root; skips (77) if unshare(CLONE_NEWNET) fails.
 *
 *   test-lab          run the tests
 *   test-lab --hold   create a lab with one box, print "ready holder=PID
 *                     box=PID", then sleep (at most 60 s): for
 *                     tests/integ/lab-cleanup.sh to SIGKILL.
 *   test-lab --bench-attach N
 *                     time N hv_lab_attach() calls in each of three labs
 *                     (bridged, routed, bridged with tbf), interleaved,
 *                     and print the median, min and max of each in us.
 *                     Run it under flock /tmp/hpcvirt-bench.lock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "hpcvirt/host/lab.h"
#include "hpcvirt/host/nl.h"
#include "tap.h"

#define PORT 47311
#define OUTSIDE 0x0affff01u /* 10.255.255.1: never sent to */
#define PINGS 1000
#define BENCH_MAX 100 /* boxes per lab in --bench-attach */
#define BENCH_LABS 3

/* A box: a child process in its own network namespace. */
struct box {
	pid_t pid;
	int nsfd;
};

static void
box_child(int ready_w)
{
	char c = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Keep no fd of the parent's: a lab nsfd would keep the lab alive. */
	close_range(3, (unsigned)ready_w - 1, 0);
	close_range((unsigned)ready_w + 1, ~0u, 0);
	if (unshare(CLONE_NEWNET) != 0)
		c = 1;
	if (write(ready_w, &c, 1) != 1 || c)
		_exit(1);
	for (;;)
		pause();
}

static int
box_start(struct box *b)
{
	char path[64], c = 1;
	int pfd[2];

	b->nsfd = -1;
	if (pipe(pfd) != 0)
		return -1;
	b->pid = fork();
	if (b->pid == 0) {
		close(pfd[0]);
		box_child(pfd[1]);
	}
	close(pfd[1]);
	if (b->pid < 0 || read(pfd[0], &c, 1) != 1 || c) {
		close(pfd[0]);
		return -1;
	}
	close(pfd[0]);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)b->pid);
	b->nsfd = open(path, O_RDONLY | O_CLOEXEC);
	return b->nsfd < 0 ? -1 : 0;
}

static void
box_stop(struct box *b)
{
	if (b->nsfd >= 0)
		close(b->nsfd);
	if (b->pid > 0) {
		kill(b->pid, SIGKILL);
		waitpid(b->pid, NULL, 0);
	}
	b->pid = 0;
	b->nsfd = -1;
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct sockaddr_in
sin_of(uint32_t ip, int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};

	sa.sin_addr.s_addr = htonl(ip);
	sa.sin_port = htons((uint16_t)port);
	return sa;
}

static void
set_timeouts(int fd)
{
	struct timeval tv = {.tv_sec = 3};
	int one = 1;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* A TCP listener on ip:PORT in the lab if lab, else in nsfd. */
static int
listen_in(const struct hv_lab *lab, int nsfd, uint32_t ip)
{
	struct sockaddr_in sa = sin_of(ip, PORT);
	struct hv_err err;
	int fd, one = 1;

	if (lab)
		fd = hv_lab_socket(lab, AF_INET, SOCK_STREAM, &err);
	else
		fd = hv_nl_ns_socket(nsfd, AF_INET, SOCK_STREAM, &err);
	if (fd < 0) {
		diag("%s", err.msg);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 4) != 0) {
		diag("bind/listen: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Connect from inside nsfd to ip:PORT; the fd, or -errno. */
static int
connect_in(int nsfd, uint32_t ip)
{
	struct sockaddr_in sa = sin_of(ip, PORT);
	struct hv_err err;
	int fd, rc;

	fd = hv_nl_ns_socket(nsfd, AF_INET, SOCK_STREAM, &err);
	if (fd < 0)
		return fd;
	set_timeouts(fd);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/*
 * Connect a client in cns to a listener on ip in the lab (lab) or in lns;
 * the accepted fd.
 */
static int
tcp_pair(const struct hv_lab *lab, int lns, int cns, uint32_t ip, int *client)
{
	struct pollfd p = {.events = POLLIN};
	int lfd, afd = -1;

	*client = -1;
	if ((lfd = listen_in(lab, lns, ip)) < 0)
		return -1;
	*client = connect_in(cns, ip);
	p.fd = lfd;
	if (*client >= 0 && poll(&p, 1, 3000) == 1)
		afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (afd >= 0)
		set_timeouts(afd);
	close(lfd);
	return afd;
}

/*
 * n 1-byte ping-pongs from client to an echo child on server; average
 * and minimum RTT in us, or -1.
 */
static int
pingpong(int client, int server, int n, double *avg, double *min)
{
	int64_t t0, t, best = INT64_MAX, sum = 0;
	pid_t pid;
	char c = 'x';
	int i, st;

	pid = fork();
	if (pid == 0) {
		for (i = 0; i < n; i++)
			if (read(server, &c, 1) != 1 ||
			    write(server, &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	for (i = 0; i < n; i++) {
		t0 = now_us();
		if (write(client, &c, 1) != 1 || read(client, &c, 1) != 1)
			break;
		t = now_us() - t0;
		sum += t;
		best = t < best ? t : best;
	}
	waitpid(pid, &st, 0);
	if (i < n || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	*avg = (double)sum / n;
	*min = (double)best;
	return 0;
}

/* Is there a TCP path from cns to a listener on ip (lab or lns)? */
static bool
tcp_ok(const struct hv_lab *lab, int lns, int cns, uint32_t ip,
       const char *what)
{
	double avg, min;
	int c, s;
	bool good;

	s = tcp_pair(lab, lns, cns, ip, &c);
	good = s >= 0 && c >= 0 && pingpong(c, s, 3, &avg, &min) == 0;
	if (!good)
		diag("%s: connect: %s", what,
		     c < 0 ? strerror(-c) : "no accept");
	if (c >= 0)
		close(c);
	if (s >= 0)
		close(s);
	return good;
}

/* connect() result from nsfd to ip: 0 or -errno. Nonblocking, so a
 * route that exists fails the test at once instead of sending SYNs. */
static int
connect_errno(int nsfd, uint32_t ip)
{
	struct sockaddr_in sa = sin_of(ip, 9);
	struct hv_err err;
	int fd, rc;

	fd = hv_nl_ns_socket(nsfd, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, &err);
	if (fd < 0)
		return fd;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : -errno;
	close(fd);
	return rc;
}

/* What the dumps of one namespace say. */
struct seen {
	int ifindex;   /* interface of interest */
	uint32_t addr; /* address looked for */
	int plen;
	int addr_found; /* with exactly plen on ifindex */
	int addrs_on_if;
	uint32_t dst; /* route looked for */
	int dst_len;
	int route_found; /* in main, link scope, via ifindex */
	int defaults;	 /* routes with dst_len 0, any table */
	uint32_t gw;	 /* a /24 route via gw looked for (0: none) */
	uint32_t gw_dst;
	int gw_found; /* in main, via gw on ifindex */
};

static int
see_addr(const struct hv_nl_addr *a, void *arg)
{
	struct seen *s = arg;

	if (a->ifindex != s->ifindex)
		return 0;
	s->addrs_on_if++;
	if (a->addr == s->addr && a->prefixlen == s->plen)
		s->addr_found++;
	return 0;
}

static int
see_route(const struct hv_nl_route *r, void *arg)
{
	struct seen *s = arg;

	if (r->dst_len == 0)
		s->defaults++;
	if (r->dst == s->dst && r->dst_len == s->dst_len &&
	    r->oif == s->ifindex && r->table == 254 && r->scope == 253)
		s->route_found++;
	if (s->gw && r->gateway == s->gw && r->dst == s->gw_dst &&
	    r->dst_len == 24 && r->oif == s->ifindex && r->table == 254)
		s->gw_found++;
	return 0;
}

/* Dump addresses and routes of nsfd about ifname; its index or -errno. */
static int
look(int nsfd, const char *ifname, struct seen *s)
{
	struct hv_err err;
	struct hv_nl nl;
	int rc;

	if ((rc = hv_nl_open(&nl, nsfd, &err)) < 0) {
		diag("%s", err.msg);
		return rc;
	}
	if ((rc = hv_nl_ifindex(&nl, ifname, &err)) < 0)
		goto out;
	s->ifindex = rc;
	if ((rc = hv_nl_addr_dump(&nl, see_addr, s, &err)) < 0 ||
	    (rc = hv_nl_route_dump(&nl, see_route, s, &err)) < 0)
		goto out;
	rc = s->ifindex;
out:
	if (rc < 0)
		diag("%s", err.msg);
	hv_nl_close(&nl);
	return rc;
}

static void
test_overlaps(void)
{
	ok(hv_lab_overlaps(0x0ac90000, 24, 0x0ac900ff, 32),
	   "10.201.0.255/32 is inside 10.201.0.0/24");
	ok(!hv_lab_overlaps(0x0ac90000, 24, 0x0aca0000, 24),
	   "10.201.0.0/24 and 10.202.0.0/24 are disjoint");
	ok(hv_lab_overlaps(0x0a000000, 8, 0x0ac90000, 24),
	   "10.0.0.0/8 covers 10.201.0.0/24");
	ok(!hv_lab_overlaps(0xc0000200, 24, 0x0ac90000, 24),
	   "192.0.2.0/24 misses 10.201.0.0/24");
}

static int
host_clash(const struct hv_nl_route *r, void *arg)
{
	uint32_t *net = arg;

	if (r->dst_len > 0 && hv_lab_overlaps(r->dst, r->dst_len, *net, 24))
		diag("host route clashes: dst %08x/%d", r->dst, r->dst_len);
	return r->dst_len > 0 && hv_lab_overlaps(r->dst, r->dst_len, *net, 24)
		       ? -EADDRINUSE
		       : 0;
}

static int
host_clash_addr(const struct hv_nl_addr *a, void *arg)
{
	uint32_t *net = arg;

	return hv_lab_overlaps(a->addr, 32, *net, 24) ? -EADDRINUSE : 0;
}

static void
test_subnet(void)
{
	struct hv_err err;
	struct hv_nl nl;
	uint32_t net = 0;
	int rc;

	rc = hv_lab_choose_subnet(&net, &err);
	ok(rc == 0 && (net & 0xff) == 0, "a subnet is chosen (%08x)", net);
	rc = hv_nl_open(&nl, -1, &err);
	if (rc == 0) {
		rc = hv_nl_route_dump(&nl, host_clash, &net, &err);
		if (rc == 0)
			rc = hv_nl_addr_dump(&nl, host_clash_addr, &net, &err);
		hv_nl_close(&nl);
	}
	is_int(rc, 0, "no host address or route overlaps the chosen subnet");
}

static void
test_bad_opts(void)
{
	struct hv_lab_opts o = {.delay_us = 20000000};
	struct hv_lab lab;
	struct hv_err err;
	int rc;

	rc = hv_lab_create(&lab, &o, &err);
	ok(rc == -EINVAL && strstr(err.msg, "20000000us"),
	   "delay 20 s is refused: %s", err.msg);
	ok(lab.holder == 0 && lab.nsfd == -1, "and nothing is left");
}

/* Wait (at most 2 s) until eth0 has gone from the box namespace. */
static bool
eth0_gone(int nsfd)
{
	struct hv_err err;
	struct hv_nl nl;
	int i, rc = 0;

	if (hv_nl_open(&nl, nsfd, &err) < 0)
		return false;
	for (i = 0; i < 100; i++) {
		rc = hv_nl_ifindex(&nl, "eth0", &err);
		if (rc == -ENODEV)
			break;
		usleep(20000);
	}
	hv_nl_close(&nl);
	return rc == -ENODEV;
}

/* The lab side of box 1: bridge port, or routed /32s. */
static void
check_lab_side(struct hv_lab *lab, const struct hv_lab_port *p, uint32_t ip,
	       const char *m)
{
	struct seen s = {
		.addr = lab->net | 1, .plen = 32, .dst = ip, .dst_len = 32};
	struct hv_nl_link l, br;
	struct hv_err err;
	struct hv_nl nl;

	if (hv_nl_open(&nl, lab->nsfd, &err) < 0) {
		ok(0, "%s: lab netlink: %s", m, err.msg);
		return;
	}
	if (hv_nl_link_get(&nl, p->lab_ifname, &l, &err) < 0 ||
	    hv_nl_link_get(&nl, "hvbr0", &br, &err) < 0) {
		ok(0, "%s: lab side readable: %s", m, err.msg);
		hv_nl_close(&nl);
		return;
	}
	hv_nl_close(&nl);
	ok(l.flags & IFF_UP, "%s: %s is up", m, p->lab_ifname);
	look(lab->nsfd, p->lab_ifname, &s);
	if (p->mode == HV_NET_BRIDGED) {
		is_int(l.master, br.index, "%s: %s is a port of hvbr0", m,
		       p->lab_ifname);
		is_int(s.route_found, 0, "%s: no /32 route to the box", m);
	} else {
		is_int(l.master, 0, "%s: %s is no bridge port", m,
		       p->lab_ifname);
		is_int(s.route_found, 1, "%s: lab routes %s/32 via %s", m,
		       p->ip, p->lab_ifname);
		is_int(s.addr_found, 1, "%s: %s carries %s/32", m,
		       p->lab_ifname, lab->bridge_ip);
	}
	is_int(s.defaults, 0, "%s: the lab has no default route", m);
}

/* The box side: eth0 address and the one route, nothing else. */
static void
check_box_side(struct hv_lab *lab, int nsfd, const struct hv_lab_port *p,
	       uint32_t ip, const char *m)
{
	bool routed = p->mode == HV_NET_ROUTED;
	struct seen s = {.addr = ip,
			 .plen = routed ? 32 : 24,
			 .dst = routed ? lab->net | 1 : lab->net,
			 .dst_len = routed ? 32 : 24,
			 .gw = routed ? lab->net | 1 : 0,
			 .gw_dst = lab->net};

	struct hv_nl_link l = {0};
	struct hv_err err;
	struct hv_nl nl;

	if (hv_nl_open(&nl, nsfd, &err) == 0) {
		hv_nl_link_get(&nl, "eth0", &l, &err);
		hv_nl_close(&nl);
	}
	ok((l.flags & IFF_UP) && !strcmp(l.kind, "veth"),
	   "%s: box eth0 is a veth and up", m);
	is_int(look(nsfd, "eth0", &s) > 0, 1, "%s: box has eth0", m);
	ok(s.addr_found == 1 && s.addrs_on_if == 1, "%s: eth0 has only %s/%d",
	   m, p->ip, s.plen);
	is_int(s.route_found, 1, "%s: box route %08x/%d dev eth0", m, s.dst,
	       s.dst_len);
	if (routed)
		is_int(s.gw_found, 1, "%s: box routes the subnet via %s", m,
		       lab->bridge_ip);
	is_int(s.defaults, 0, "%s: the box has no default route", m);
}

static void
rtt_diag(struct hv_lab *lab, int nsfd, const char *m, int n)
{
	double avg = 0, min = 0;
	int c, s;

	s = tcp_pair(lab, -1, nsfd, lab->net | 1, &c);
	ok(s >= 0 && pingpong(c, s, n, &avg, &min) == 0,
	   "%s: %d ping-pongs box -> peer", m, n);
	diag("RTT %s box->lab (1-byte TCP, %d): avg %.1f us, min %.1f us", m, n,
	     avg, min);
	if (c >= 0)
		close(c);
	if (s >= 0)
		close(s);
}

static void
test_mode(enum hv_net_mode mode)
{
	const char *m = mode == HV_NET_BRIDGED ? "bridged" : "routed";
	struct box b1 = {0, -1}, b2 = {0, -1};
	struct hv_lab_port p1, p2;
	struct hv_lab lab;
	struct hv_err err;
	uint32_t ip1, ip2, peer;
	pid_t holder;
	int rc;

	rc = hv_lab_create(&lab, NULL, &err);
	if (!ok(rc == 0, "%s: lab created: %s", m,
		rc ? err.msg : lab.bridge_ip))
		return;
	peer = lab.net | 1;
	ip1 = lab.net | 11;
	ip2 = lab.net | 12;
	holder = lab.holder;
	rc = box_start(&b1) | box_start(&b2);
	ok(rc == 0, "%s: two box namespaces", m);
	rc = hv_lab_attach(&lab, b1.nsfd, mode, &p1, &err);
	ok(rc == 0, "%s: attach box 1: %s", m, rc ? err.msg : p1.ip);
	rc = hv_lab_attach(&lab, b2.nsfd, mode, &p2, &err);
	ok(rc == 0, "%s: attach box 2: %s", m, rc ? err.msg : p2.ip);
	ok(p1.index == 1 && p2.index == 2 && !strcmp(p1.lab_ifname, "hvp1"),
	   "%s: indexes 1, 2 and name hvp1", m);
	check_box_side(&lab, b1.nsfd, &p1, ip1, m);
	check_lab_side(&lab, &p1, ip1, m);
	ok(tcp_ok(&lab, -1, b1.nsfd, peer, m), "%s: box 1 -> peer %s", m,
	   lab.bridge_ip);
	ok(tcp_ok(NULL, b1.nsfd, lab.nsfd, ip1, m), "%s: peer -> box 1 %s", m,
	   p1.ip);
	/* Routed: through the lab, which forwards between its ports. */
	ok(tcp_ok(NULL, b2.nsfd, b1.nsfd, ip2, m), "%s: box 1 -> box 2 %s", m,
	   p2.ip);
	is_int(connect_errno(b1.nsfd, OUTSIDE), -ENETUNREACH,
	       "%s: box 1 has no route to 10.255.255.1", m);
	rtt_diag(&lab, b1.nsfd, m, PINGS);
	hv_lab_destroy(&lab);
	ok(kill(holder, 0) != 0 && errno == ESRCH, "%s: holder %d is gone", m,
	   (int)holder);
	ok(eth0_gone(b1.nsfd) && eth0_gone(b2.nsfd),
	   "%s: the kernel removed the box ends", m);
	box_stop(&b1);
	box_stop(&b2);
}

/*
 * A failure after the pair exists (the box already routes the peer
 * address, so the routed box batch fails at its route) deletes both ends.
 */
static void
test_attach_fail_late(struct hv_lab *lab)
{
	struct hv_nl_route r = {
		.dst = lab->net | 1, .dst_len = 32, .ifname = "lo"};
	struct box b = {0, -1};
	struct hv_lab_port p;
	struct hv_err err;
	struct hv_nl nl;
	int rc = box_start(&b);

	if (rc == 0 && (rc = hv_nl_open(&nl, b.nsfd, &err)) == 0) {
		if ((rc = hv_nl_link_up(&nl, "lo", true, &err)) == 0)
			rc = hv_nl_route_add(&nl, &r, &err);
		hv_nl_close(&nl);
	}
	if (!ok(rc == 0, "fail: a box that routes the peer address via lo"))
		goto out;
	rc = hv_lab_attach(lab, b.nsfd, HV_NET_ROUTED, &p, &err);
	ok(rc == -EEXIST && strstr(err.msg, "add route") &&
		   strstr(err.msg, "dev eth0: File exists"),
	   "fail: routed attach fails in the box: %s", err.msg);
	rc = hv_nl_open(&nl, lab->nsfd, &err);
	if (rc == 0) {
		rc = hv_nl_ifindex(&nl, "hvp3", &err);
		hv_nl_close(&nl);
	}
	is_int(rc, -ENODEV, "fail: the lab end hvp3 was deleted");
	ok(eth0_gone(b.nsfd), "fail: and the box end with it");
out:
	box_stop(&b);
}

/* A failed attach (the box already has an eth0) leaves nothing behind. */
static void
test_attach_fail(void)
{
	struct box b = {0, -1};
	struct hv_lab_port p;
	struct hv_lab lab;
	struct hv_err err;
	struct hv_nl nl;
	int rc;

	if (!ok(hv_lab_create(&lab, NULL, &err) == 0 && box_start(&b) == 0,
		"fail: lab and box"))
		goto out;
	rc = hv_lab_attach(&lab, b.nsfd, HV_NET_BRIDGED, &p, &err);
	ok(rc == 0, "fail: first attach works");
	rc = hv_lab_attach(&lab, b.nsfd, HV_NET_BRIDGED, &p, &err);
	ok(rc == -EEXIST && strstr(err.msg, "peer eth0") &&
		   strstr(err.msg, "File exists"),
	   "fail: second attach of one box: %s", err.msg);
	ok(p.index == 0 && p.ip[0] == '\0', "fail: port left empty");
	rc = hv_nl_open(&nl, lab.nsfd, &err);
	if (rc == 0) {
		rc = hv_nl_ifindex(&nl, "hvp2", &err);
		hv_nl_close(&nl);
	}
	is_int(rc, -ENODEV, "fail: no hvp2 was made");
	rc = hv_lab_attach(&lab, b.nsfd, (enum hv_net_mode)7, &p, &err);
	ok(rc == -EINVAL && strstr(err.msg, "mode 7"), "fail: bad mode: %s",
	   err.msg);
	rc = hv_lab_attach(&lab, -1, HV_NET_BRIDGED, &p, &err);
	ok(rc == -EBADF && strstr(err.msg, "fd -1"), "fail: bad box fd: %s",
	   err.msg);
	test_attach_fail_late(&lab);
out:
	hv_lab_destroy(&lab);
	box_stop(&b);
}

/* Send n bytes from client to server (a writer child); seconds taken. */
static double
transfer(int client, int server, size_t n)
{
	static char buf[65536];
	size_t got = 0;
	int64_t t0 = now_us();
	ssize_t r;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		for (got = 0; got < n; got += (size_t)r)
			if ((r = write(client, buf, sizeof(buf))) <= 0)
				_exit(1);
		_exit(0);
	}
	while (got < n && (r = read(server, buf, sizeof(buf))) > 0)
		got += (size_t)r;
	shutdown(server, SHUT_RDWR);
	waitpid(pid, NULL, 0);
	return got < n ? -1 : (double)(now_us() - t0) / 1e6;
}

/* Rate alone: tbf on both ends, and a transfer no faster than the rate. */
static void
test_rate(void)
{
	struct hv_lab_opts o = {.rate_bps = 40000000};
	struct hv_nl_link ll = {0}, bl = {0};
	struct box b = {0, -1};
	struct hv_err err = {0, ""};
	struct hv_lab_port p;
	struct hv_lab lab;
	struct hv_nl nl;
	double secs;
	int c, s;

	if (!ok(hv_lab_create(&lab, &o, &err) == 0 && box_start(&b) == 0 &&
			hv_lab_attach(&lab, b.nsfd, HV_NET_BRIDGED, &p, &err) ==
				0,
		"rate: lab at 40 Mbit/s with one box %s", err.msg))
		goto out;
	if (hv_nl_open(&nl, lab.nsfd, &err) == 0) {
		hv_nl_link_get(&nl, "hvp1", &ll, &err);
		hv_nl_close(&nl);
	}
	if (hv_nl_open(&nl, b.nsfd, &err) == 0) {
		hv_nl_link_get(&nl, "eth0", &bl, &err);
		hv_nl_close(&nl);
	}
	is_str(ll.qdisc, "tbf", "rate: tbf on the lab end");
	is_str(bl.qdisc, "tbf", "rate: tbf on the box end");
	s = tcp_pair(&lab, -1, b.nsfd, lab.net | 1, &c);
	secs = s >= 0 ? transfer(c, s, 1 << 20) : -1;
	/* 1 MiB at 5 MB/s takes 0.2 s (less one burst); unlimited ~10 ms. */
	ok(secs >= 0.15, "rate: 1 MiB box -> peer takes %.3f s (>= 0.15)",
	   secs);
	diag("rate: %.1f Mbit/s measured with tbf at 40 Mbit/s",
	     secs > 0 ? 8.0 * (1 << 20) / secs / 1e6 : 0);
	if (c >= 0)
		close(c);
	if (s >= 0)
		close(s);
out:
	hv_lab_destroy(&lab);
	box_stop(&b);
}

/*
 * Delay: netem on both ends, RTT at least twice the delay; or, on a
 * kernel without netem (like this project's dev VMs), a clear refusal.
 */
static void
test_delay(void)
{
	struct hv_lab_opts o = {.delay_us = 1000};
	struct box b = {0, -1};
	struct hv_err err = {0, ""};
	double avg = 0, min = 0;
	struct hv_lab_port p;
	struct hv_lab lab;
	int c, s, rc;

	rc = hv_lab_create(&lab, &o, &err);
	if (rc == -EOPNOTSUPP) {
		ok(strstr(err.msg, "netem") != NULL && lab.holder == 0,
		   "delay: refused cleanly without netem: %s", err.msg);
		return;
	}
	if (!ok(rc == 0 && box_start(&b) == 0 &&
			hv_lab_attach(&lab, b.nsfd, HV_NET_BRIDGED, &p, &err) ==
				0,
		"delay: lab with 1000us and one box %s", err.msg))
		goto out;
	s = tcp_pair(&lab, -1, b.nsfd, lab.net | 1, &c);
	ok(s >= 0 && pingpong(c, s, 20, &avg, &min) == 0 && min >= 2000,
	   "delay: RTT >= 2 x 1000us (avg %.0f us, min %.0f us)", avg, min);
	if (c >= 0)
		close(c);
	if (s >= 0)
		close(s);
out:
	hv_lab_destroy(&lab);
	box_stop(&b);
}

/* The named interconnects and their refusal of other names. */
static void
test_preset(void)
{
	struct hv_lab_opts o = {.delay_optional = true};
	struct hv_err err = {0, ""};

	ok(hv_lab_preset("link", "gige", &o, &err) == 0 &&
		   o.rate_bps == 1000000000 && o.delay_us == 25 && o.preset &&
		   !strcmp(o.preset, "gige") && o.delay_optional,
	   "preset gige: 1 Gbit/s, 25 us, named, the rest left");
	is_str(hv_lab_qdisc(&o), "netem", "preset gige: netem where it can");
	ok(hv_lab_preset("link", "none", &o, &err) == 0 && o.rate_bps == 0 &&
		   o.delay_us == 0 && !strcmp(o.preset, "none"),
	   "preset none: no emulation");
	is_str(hv_lab_qdisc(&o), "none", "preset none: no qdisc");
	o.rate_bps = 8000;
	is_str(hv_lab_qdisc(&o), "tbf", "a rate alone: tbf");
	is_int(hv_lab_preset("link", "foo", &o, &err), -EINVAL,
	       "preset foo is refused");
	is_str(err.msg, "bad --link 'foo': expected gige or none",
	       "and the message names it and the valid names");
	is_int(hv_lab_preset("link", "", &o, &err), -EINVAL,
	       "an empty name is refused");
	ok(o.rate_bps == 8000 && !strcmp(o.preset, "none"),
	   "a refused name leaves the options as they were");
}

/* Can netem go on lo of a throwaway namespace (asked of nl, not lab)? */
static bool
kernel_has_netem(void)
{
	struct hv_err err;
	struct box b = {0, -1};
	struct hv_nl nl;
	int rc = -1;

	if (box_start(&b) == 0 && hv_nl_open(&nl, b.nsfd, &err) == 0) {
		rc = hv_nl_netem(&nl, "lo", 1000, 0, &err);
		hv_nl_close(&nl);
	}
	box_stop(&b);
	return rc == 0;
}

/* The root qdiscs of hvp<index> in the lab and of eth0 in the box. */
static void
port_qdiscs(struct hv_lab *lab, struct box *b, int index, char *lq, char *bq)
{
	struct hv_nl_link ll = {0}, bl = {0};
	struct hv_err err;
	char name[IFNAMSIZ];
	struct hv_nl nl;

	snprintf(name, sizeof(name), "hvp%d", index);
	if (hv_nl_open(&nl, lab->nsfd, &err) == 0) {
		hv_nl_link_get(&nl, name, &ll, &err);
		hv_nl_close(&nl);
	}
	if (hv_nl_open(&nl, b->nsfd, &err) == 0) {
		hv_nl_link_get(&nl, "eth0", &bl, &err);
		hv_nl_close(&nl);
	}
	snprintf(lq, 16, "%s", ll.qdisc);
	snprintf(bq, 16, "%s", bl.qdisc);
}

/*
 * A delay made optional: on a kernel with netem it is applied as asked;
 * without, the lab still comes up, says so (no_netem, applied), and the
 * ports get the rate alone (tbf), or nothing if there was no rate.
 */
static void
test_delay_optional(uint64_t rate_bps)
{
	struct hv_lab_opts o = {
		.delay_us = 1000, .rate_bps = rate_bps, .delay_optional = true};
	bool netem = kernel_has_netem();
	const char *want = netem ? "netem" : rate_bps ? "tbf" : NULL;
	struct box b = {0, -1};
	struct hv_err err = {0, ""};
	struct hv_lab_port p;
	struct hv_lab lab;
	char lq[16] = "", bq[16] = "";

	diag("optional delay, rate %llu: kernel has netem: %s",
	     (unsigned long long)rate_bps, netem ? "yes" : "no");
	if (!ok(hv_lab_create(&lab, &o, &err) == 0 && box_start(&b) == 0 &&
			hv_lab_attach(&lab, b.nsfd, HV_NET_BRIDGED, &p, &err) ==
				0,
		"optional delay: the lab comes up with a box %s", err.msg))
		goto out;
	ok(lab.no_netem == !netem, "optional delay: no_netem is %d",
	   lab.no_netem);
	ok(lab.opts.delay_us == 1000 && lab.opts.rate_bps == rate_bps,
	   "optional delay: opts keep what was asked");
	ok(lab.applied.delay_us == (netem ? 1000u : 0u) &&
		   lab.applied.rate_bps == rate_bps,
	   "optional delay: applied %uus %llubit/s", lab.applied.delay_us,
	   (unsigned long long)lab.applied.rate_bps);
	port_qdiscs(&lab, &b, p.index, lq, bq);
	if (want) {
		is_str(lq, want, "optional delay: %s on the lab end", want);
		is_str(bq, want, "optional delay: %s on the box end", want);
	} else {
		ok(strcmp(lq, "tbf") && strcmp(lq, "netem") &&
			   strcmp(bq, "tbf") && strcmp(bq, "netem"),
		   "optional delay, no rate: no shaping (%s, %s)", lq, bq);
	}
out:
	hv_lab_destroy(&lab);
	box_stop(&b);
}

/* --hold: a lab with one box, then wait to be killed. */
static int
hold(void)
{
	struct box b = {0, -1};
	struct hv_lab_port p;
	struct hv_lab lab;
	struct hv_err err;

	if (hv_lab_create(&lab, NULL, &err) < 0 || box_start(&b) < 0 ||
	    hv_lab_attach(&lab, b.nsfd, HV_NET_BRIDGED, &p, &err) < 0) {
		fprintf(stderr, "test-lab --hold: %s\n", err.msg);
		hv_lab_destroy(&lab);
		box_stop(&b);
		return 1;
	}
	printf("ready holder=%d box=%d\n", (int)lab.holder, (int)b.pid);
	fflush(stdout);
	sleep(60);
	hv_lab_destroy(&lab);
	box_stop(&b);
	return 0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort t[0..n) and print its median, min and max. */
static void
bench_report(const char *what, int64_t *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_i64);
	printf("attach %-14s n=%d median %lld us  min %lld us  max %lld us\n",
	       what, n,
	       (long long)(n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2),
	       (long long)t[0], (long long)t[n - 1]);
}

/*
 * The boxes are all started first and the attaches interleaved over the
 * three labs, so that no namespace creation or teardown falls inside a
 * timed call and every lab sees the same background.
 */
static int
bench_run(struct hv_lab *labs, struct box *boxes, int64_t *t, int n)
{
	static const enum hv_net_mode mode[BENCH_LABS] = {
		HV_NET_BRIDGED, HV_NET_ROUTED, HV_NET_BRIDGED};
	struct hv_lab_port p;
	struct hv_err err;
	int64_t t0;
	int i, l;

	for (i = 0; i < BENCH_LABS * n; i++)
		if (box_start(&boxes[i]) < 0) {
			fprintf(stderr, "test-lab: box %d: %s\n", i,
				strerror(errno));
			return 1;
		}
	for (i = 0; i < n; i++)
		for (l = 0; l < BENCH_LABS; l++) {
			t0 = now_us();
			if (hv_lab_attach(&labs[l], boxes[l * n + i].nsfd,
					  mode[l], &p, &err) < 0) {
				fprintf(stderr, "test-lab: attach: %s\n",
					err.msg);
				return 1;
			}
			t[l * n + i] = now_us() - t0;
		}
	bench_report("bridged", t, n);
	bench_report("routed", t + n, n);
	bench_report("bridged+tbf", t + 2 * n, n);
	return 0;
}

/* --bench-attach N: median time of hv_lab_attach() per configuration. */
static int
bench_attach(const char *arg)
{
	const struct hv_lab_opts opts[BENCH_LABS] = {
		{.rate_bps = 0}, {.rate_bps = 0}, {.rate_bps = 1000000000ull}};
	struct box boxes[BENCH_LABS * BENCH_MAX];
	int64_t t[BENCH_LABS * BENCH_MAX];
	struct hv_lab labs[BENCH_LABS];
	struct hv_err err;
	char *end;
	long n;
	int i, rc = 1;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || end == arg || *end || n < 1 || n > BENCH_MAX) {
		fprintf(stderr,
			"test-lab: bad --bench-attach count '%s': expected "
			"a whole number from 1 to %d\n",
			arg, BENCH_MAX);
		return 2;
	}
	for (i = 0; i < BENCH_LABS * BENCH_MAX; i++)
		boxes[i] = (struct box){0, -1};
	for (i = 0; i < BENCH_LABS; i++)
		labs[i] = (struct hv_lab){.nsfd = -1};
	for (i = 0; i < BENCH_LABS; i++)
		if (hv_lab_create(&labs[i], &opts[i], &err) < 0) {
			fprintf(stderr, "test-lab: lab: %s\n", err.msg);
			goto out;
		}
	rc = bench_run(labs, boxes, t, (int)n);
out:
	for (i = 0; i < BENCH_LABS; i++)
		hv_lab_destroy(&labs[i]);
	for (i = 0; i < BENCH_LABS * BENCH_MAX; i++)
		box_stop(&boxes[i]);
	return rc;
}

/* Host A or B of test_overlay: a namespace with an underlay address
 * 198.18.0.1 or .2 (RFC 2544's benchmark range, inside this test). */
#define UNDERLAY(i) (0xc6120001u + (uint32_t)(i))
#define OVL_NET 0x0ae70000u /* 10.231.0.0/24 */

/* In host h's namespace (back in self's after): its part of the lab
 * across hosts, the box index 1 + h and the bridge .130 + h. */
static int
overlay_part(struct hv_lab *lab, const struct box *h, int self, int i,
	     uint32_t local, struct hv_err *err)
{
	struct hv_lab_opts o = {
		.net = OVL_NET, .bridge_octet = 130 + i, .first_index = 1 + i};
	uint32_t peer = UNDERLAY(1 - i);
	struct hv_lab_overlay ov = {.vni = 4242,
				    .port = 4789,
				    .local = local,
				    .peers = &peer,
				    .npeers = 1};
	int rc;

	lab->holder = 0;
	if (setns(h->nsfd, CLONE_NEWNET) != 0)
		return hv_err_sys(err, errno, "setns");
	rc = hv_lab_create(lab, &o, err);
	if (rc == 0 && (rc = hv_lab_join_overlay(lab, &ov, err)) < 0)
		hv_lab_destroy(lab);
	if (setns(self, CLONE_NEWNET) != 0)
		abort(); /* the rest of the test would run elsewhere */
	return rc;
}

/*
 * Each host's part of a lab across hosts, a box of the given mode on
 * each: the box on A reaches the box on B over TCP, also with full
 * frames (1 MiB), and nothing of the overlay is left in the hosts.
 */
static void
overlay_boxes(struct box *h, int self, enum hv_net_mode mode)
{
	const char *m = mode == HV_NET_ROUTED ? "routed" : "bridged";
	struct box b[2] = {{0, -1}, {0, -1}};
	struct hv_lab lab[2] = {{0}, {0}};
	struct hv_lab_port p[2];
	struct hv_err err = {0, ""};
	struct hv_nl_link l;
	struct hv_nl nl;
	int c = -1, s = -1, i, rc;
	double secs;

	ok(box_start(&b[0]) == 0 && box_start(&b[1]) == 0,
	   "overlay, %s: two boxes", m);
	for (i = 0, rc = 0; i < 2 && rc == 0; i++)
		rc = overlay_part(&lab[i], &h[i], self, i, UNDERLAY(i), &err);
	ok(rc == 0 && lab[0].mtu == 1450 && lab[1].mtu == 1450,
	   "overlay, %s: each host's lab joins, MTU %u (%s)", m, lab[0].mtu,
	   err.msg);
	for (i = 0; i < 2 && rc == 0; i++)
		rc = hv_lab_attach(&lab[i], b[i].nsfd, mode, &p[i], &err);
	ok(rc == 0 && !strcmp(p[0].ip, "10.231.0.11") &&
		   !strcmp(p[1].ip, "10.231.0.12") &&
		   !strcmp(lab[1].bridge_ip, "10.231.0.131"),
	   "overlay, %s: host addresses of their own (%s, %s, bridge %s)", m,
	   rc == 0 ? p[0].ip : err.msg, rc == 0 ? p[1].ip : "",
	   lab[1].bridge_ip);
	ok(rc == 0 &&
		   tcp_ok(NULL, b[1].nsfd, b[0].nsfd, OVL_NET | 12,
			  "box on A to box on B") &&
		   tcp_ok(NULL, b[0].nsfd, b[1].nsfd, OVL_NET | 11,
			  "box on B to box on A"),
	   "overlay, %s: the boxes on hosts A and B reach each other over "
	   "TCP",
	   m);
	if (rc == 0)
		s = tcp_pair(NULL, b[1].nsfd, b[0].nsfd, OVL_NET | 12, &c);
	secs = s >= 0 && c >= 0 ? transfer(c, s, 1 << 20) : -1;
	ok(secs >= 0, "overlay, %s: 1 MiB in full frames crosses (%.3f s)", m,
	   secs);
	if (c >= 0)
		close(c);
	if (s >= 0)
		close(s);
	for (i = 0; i < 2; i++) {
		hv_lab_destroy(&lab[i]);
		box_stop(&b[i]);
	}
	rc = hv_nl_open(&nl, h[0].nsfd, &err);
	ok(rc == 0 && hv_nl_link_get(&nl, "hvvx0", &l, &err) == -ENODEV,
	   "overlay, %s: no VXLAN link is left on the host", m);
	if (rc == 0)
		hv_nl_close(&nl);
}

/* Two "hosts" joined by a veth: their labs form one lab across hosts. */
static void
test_overlay(void)
{
	struct hv_nl_veth v = {.name = "hvtu0", .peer = "hvtu1", .up = true};
	struct box h[2] = {{0, -1}, {0, -1}};
	struct hv_lab lab = {0};
	struct hv_err err = {0, ""};
	struct hv_nl nl;
	int self, rc;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ok(self >= 0 && box_start(&h[0]) == 0 && box_start(&h[1]) == 0,
	   "overlay: two hosts");
	v.peer_nsfd = h[1].nsfd;
	rc = hv_nl_open(&nl, h[0].nsfd, &err);
	if (rc == 0) {
		if ((rc = hv_nl_veth_create(&nl, &v, &err)) == 0)
			rc = hv_nl_addr_add(&nl, "hvtu0", UNDERLAY(0), 24,
					    &err);
		hv_nl_close(&nl);
	}
	if (rc == 0 && (rc = hv_nl_open(&nl, h[1].nsfd, &err)) == 0) {
		if ((rc = hv_nl_addr_add(&nl, "hvtu1", UNDERLAY(1), 24,
					 &err)) == 0)
			rc = hv_nl_link_up(&nl, "hvtu1", true, &err);
		hv_nl_close(&nl);
	}
	ok(rc == 0, "overlay: the hosts' underlay (%s)", err.msg);
	rc = overlay_part(&lab, &h[0], self, 0, UNDERLAY(0) + 7, &err);
	ok(rc == -EADDRNOTAVAIL && strstr(err.msg, "198.18.0.8") &&
		   lab.holder == 0,
	   "overlay: a local address the host lacks is refused (%s)", err.msg);
	overlay_boxes(h, self, HV_NET_BRIDGED);
	overlay_boxes(h, self, HV_NET_ROUTED);
	if (setns(h[0].nsfd, CLONE_NEWNET) == 0) {
		struct hv_lab_opts o = {.net = 0xc6120000u};

		hv_err_init(&err);
		rc = hv_lab_create(&lab, &o, &err);
		if (setns(self, CLONE_NEWNET) != 0)
			abort();
		ok(rc == -EADDRINUSE && strstr(err.msg, "198.18.0.0/24"),
		   "overlay: a given subnet that the host uses is refused "
		   "(%s)",
		   err.msg);
		hv_lab_destroy(&lab);
	}
	box_stop(&h[0]);
	box_stop(&h[1]);
	if (self >= 0)
		close(self);
}

static bool
can_unshare_net(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0;
}

static ino_t
own_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) == 0 ? st.st_ino : 0;
}

int
main(int argc, char **argv)
{
	ino_t ns = own_netns();

	bool bench = argc == 3 && !strcmp(argv[1], "--bench-attach");

	if (!bench &&
	    (argc > 2 || (argc == 2 && strcmp(argv[1], "--hold") != 0))) {
		fprintf(stderr,
			"test-lab: bad argument '%s': expected --hold, "
			"--bench-attach N or nothing\n",
			argv[argc - 1]);
		return 2;
	}
	if (!can_unshare_net())
		skip_all("unshare(CLONE_NEWNET) fails here (needs root)");
	if (bench)
		return bench_attach(argv[2]);
	if (argc == 2)
		return hold();
	test_overlaps();
	test_subnet();
	test_bad_opts();
	test_mode(HV_NET_BRIDGED);
	test_mode(HV_NET_ROUTED);
	test_attach_fail();
	test_rate();
	test_delay();
	test_preset();
	test_delay_optional(40000000);
	test_delay_optional(0);
	test_overlay();
	ok(own_netns() == ns, "the test is still in its own namespace");
	return done_testing();
}
