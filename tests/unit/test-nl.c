/*
 * test-nl.c - the netlink layer (nl.c) in two throwaway network
 * namespaces held by children of this test: each link, address, route
 * and qdisc operation, checked by reading the namespace back, a veth
 * made with its peer directly in the other namespace, batches (queued,
 * sent together, a failure in the middle, dropped, full), and the error
 * messages for bad names and existing objects. Nothing is sent on any
 * network. Needs root; skips (77) if unshare(CLONE_NEWNET) fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hpcvirt/host/nl.h"
#include "tap.h"

/* A namespace held by a child that waits for SIGKILL. */
struct ns {
	pid_t pid;
	int fd;
};

static int
ns_start(struct ns *n)
{
	char path[64], c = 1;
	int pfd[2];

	n->fd = -1;
	if (pipe(pfd) != 0)
		return -1;
	n->pid = fork();
	if (n->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pfd[0]);
		c = unshare(CLONE_NEWNET) == 0 ? 0 : 1;
		if (write(pfd[1], &c, 1) != 1 || c)
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	if (n->pid < 0 || read(pfd[0], &c, 1) != 1 || c) {
		close(pfd[0]);
		return -1;
	}
	close(pfd[0]);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)n->pid);
	n->fd = open(path, O_RDONLY | O_CLOEXEC);
	return n->fd < 0 ? -1 : 0;
}

static void
ns_stop(struct ns *n)
{
	if (n->fd >= 0)
		close(n->fd);
	if (n->pid > 0) {
		kill(n->pid, SIGKILL);
		waitpid(n->pid, NULL, 0);
	}
}

struct want {
	int ifindex;
	uint32_t addr, dst;
	int plen, dst_len;
	int found;
};

static int
find_addr(const struct hv_nl_addr *a, void *arg)
{
	struct want *w = arg;

	if (a->ifindex == w->ifindex && a->addr == w->addr &&
	    a->prefixlen == w->plen)
		w->found++;
	return 0;
}

static int
find_route(const struct hv_nl_route *r, void *arg)
{
	struct want *w = arg;

	if (r->oif == w->ifindex && r->dst == w->dst &&
	    r->dst_len == w->dst_len && r->table == 254 && r->scope == 253)
		w->found++;
	return 0;
}

/* The route via a gateway: w->addr is the gateway, universe scope. */
static int
find_gw_route(const struct hv_nl_route *r, void *arg)
{
	struct want *w = arg;

	if (r->oif == w->ifindex && r->dst == w->dst &&
	    r->dst_len == w->dst_len && r->gateway == w->addr &&
	    r->table == 254 && r->scope == 0)
		w->found++;
	return 0;
}

/* /proc/sys/net/ipv4/conf/IF/forwarding as seen in namespace n (sysctl
 * net files show the opener's namespace: a child joins it to read). */
static int
forwarding(const struct ns *n, const char *ifname)
{
	char path[96], c = '?';
	int status, fd;
	pid_t pid = fork();

	if (pid == 0) {
		snprintf(path, sizeof(path),
			 "/proc/sys/net/ipv4/conf/%s/forwarding", ifname);
		if (setns(n->fd, CLONE_NEWNET) != 0 ||
		    (fd = open(path, O_RDONLY)) < 0 || read(fd, &c, 1) != 1)
			_exit(2);
		_exit(c == '1');
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) == 2 ? -1 : WEXITSTATUS(status);
}

static int
stop_early(const struct hv_nl_route *r, void *arg)
{
	(void)r;
	(void)arg;
	return -ECANCELED;
}

static void
test_links(struct hv_nl *nl)
{
	struct hv_nl_link l, br;
	struct hv_err err;
	int rc, idx;

	is_int(hv_nl_ifindex(nl, "lo", &err), 1, "lo is index 1");
	rc = hv_nl_ifindex(nl, "this-name-is-too-long", &err);
	ok(rc == -EINVAL && strstr(err.msg, "'this-name-is-too-long'"),
	   "too long a name is refused: %s", err.msg);
	rc = hv_nl_ifindex(nl, "nosuch0", &err);
	ok(rc == -ENODEV && strstr(err.msg, "get link nosuch0"),
	   "missing link: %s", err.msg);
	is_int(hv_nl_bridge_add(nl, "tb0", &err), 0, "add bridge tb0");
	rc = hv_nl_bridge_add(nl, "tb0", &err);
	is_int(rc, -EEXIST, "add bridge tb0 again fails");
	is_str(err.msg, "netlink: add bridge tb0: File exists",
	       "and says what and why");
	is_int(hv_nl_veth_add(nl, "tv0", "tv1", &err), 0, "add veth tv0/tv1");
	ok(hv_nl_link_get(nl, "tv1", &l, &err) == 0 && !strcmp(l.kind, "veth"),
	   "tv1 is a veth (%s)", l.kind);
	ok(hv_nl_link_get(nl, "tb0", &br, &err) == 0 &&
		   !strcmp(br.kind, "bridge"),
	   "tb0 is a bridge (%s)", br.kind);
	is_int(hv_nl_link_master(nl, "tv0", "tb0", &err), 0, "enslave tv0");
	is_int(hv_nl_link_up(nl, "tv0", true, &err), 0, "tv0 up");
	rc = hv_nl_link_get(nl, "tv0", &l, &err);
	ok(rc == 0 && l.master == br.index && (l.flags & IFF_UP),
	   "tv0: master tb0 and up");
	is_int(hv_nl_link_up(nl, "tv0", false, &err), 0, "tv0 down");
	rc = hv_nl_link_get(nl, "tv0", &l, &err);
	ok(rc == 0 && !(l.flags & IFF_UP), "tv0 is down");
	is_int(hv_nl_link_master(nl, "tv0", NULL, &err), 0, "release tv0");
	ok(hv_nl_link_get(nl, "tv0", &l, &err) == 0 && l.master == 0,
	   "tv0 has no master");
	rc = hv_nl_link_get(nl, "tb0", &l, &err);
	ok(rc == 0 && !memcmp(l.mac, br.mac, sizeof(l.mac)) &&
		   (br.mac[0] & 3) == 2,
	   "the bridge kept its own local MAC after its port left "
	   "(%02x:%02x:...)",
	   br.mac[0], br.mac[1]);
	idx = hv_nl_ifindex(nl, "tv1", &err);
	is_int(hv_nl_link_rename(nl, "tv1", "tv2", &err), 0, "rename tv1");
	is_int(hv_nl_ifindex(nl, "tv2", &err), idx, "tv2 is the old tv1");
	is_int(hv_nl_ifindex(nl, "tv1", &err), -ENODEV, "tv1 is gone");
}

static void
test_addr_route(struct hv_nl *nl, const struct ns *n)
{
	struct hv_nl_route r = {
		.dst = 0x0a090100, .dst_len = 24, .ifname = "tb0"};
	struct hv_nl_route g = {.dst = 0x0a090200,
				.dst_len = 24,
				.ifname = "tb0",
				.gateway = 0x0a090002};
	struct want w = {.addr = 0x0a090001,
			 .plen = 24,
			 .dst = 0x0a090100,
			 .dst_len = 24};
	struct hv_err err;
	int rc;

	w.ifindex = hv_nl_ifindex(nl, "tb0", &err);
	is_int(hv_nl_addr_add(nl, "tb0", 0x0a090001, 24, &err), 0,
	       "add 10.9.0.1/24 to tb0");
	rc = hv_nl_addr_add(nl, "tb0", 0x0a090001, 24, &err);
	ok(rc == -EEXIST && strstr(err.msg, "10.9.0.1/24 to tb0"), "twice: %s",
	   err.msg);
	rc = hv_nl_addr_add(nl, "tb0", 0x0a090002, 33, &err);
	ok(rc == -EINVAL && strstr(err.msg, "33"), "prefix 33: %s", err.msg);
	ok(hv_nl_addr_dump(nl, find_addr, &w, &err) == 0 && w.found == 1,
	   "the address dump shows it");
	is_int(hv_nl_link_up(nl, "tb0", true, &err), 0, "tb0 up");
	is_int(hv_nl_route_add(nl, &r, &err), 0, "add 10.9.1.0/24 dev tb0");
	w.found = 0;
	ok(hv_nl_route_dump(nl, find_route, &w, &err) == 0 && w.found == 1,
	   "the route dump shows it in main with link scope");
	is_int(hv_nl_route_add(nl, &g, &err), 0,
	       "add 10.9.2.0/24 via 10.9.0.2 dev tb0");
	w.found = 0;
	w.addr = g.gateway;
	w.dst = g.dst;
	ok(hv_nl_route_dump(nl, find_gw_route, &w, &err) == 0 && w.found == 1,
	   "the route dump shows it with its gateway, universe scope");
	rc = hv_nl_route_add(nl, &g, &err);
	ok(rc == -EEXIST && strstr(err.msg, "10.9.2.0/24 via 10.9.0.2 dev tb0"),
	   "twice: %s", err.msg);
	is_int(forwarding(n, "tb0"), 0, "tb0 does not forward");
	is_int(hv_nl_link_forward(nl, "tb0", true, &err), 0,
	       "forwarding on for tb0");
	is_int(forwarding(n, "tb0"), 1, "tb0 forwards");
	is_int(forwarding(n, "lo"), 0, "lo still does not");
	is_int(hv_nl_link_forward(nl, "tb0", false, &err), 0,
	       "forwarding off for tb0");
	is_int(forwarding(n, "tb0"), 0, "tb0 no longer forwards");
	rc = hv_nl_link_forward(nl, "nosuch0", true, &err);
	ok(rc == -ENODEV && strstr(err.msg, "set forwarding 1 on nosuch0"),
	   "forwarding on a missing link: %s", err.msg);
	rc = hv_nl_route_dump(nl, stop_early, NULL, &err);
	is_int(rc, -ECANCELED, "a callback error stops the dump");
	is_int(hv_nl_ifindex(nl, "lo", &err), 1,
	       "and the socket still works after it");
}

static void
test_qdisc(struct hv_nl *nl)
{
	struct hv_nl_link l;
	struct hv_err err;
	int rc;

	is_int(hv_nl_tbf(nl, "tv0", 1000000000ull, &err), 0, "tbf 1 Gbit/s");
	ok(hv_nl_link_get(nl, "tv0", &l, &err) == 0 && !strcmp(l.qdisc, "tbf"),
	   "tv0 root qdisc is tbf (%s)", l.qdisc);
	is_int(hv_nl_tbf(nl, "tv0", 80000000000ull, &err), 0,
	       "tbf 80 Gbit/s (64-bit rate)");
	is_int(hv_nl_qdisc_del(nl, "tv0", &err), 0, "delete it");
	ok(hv_nl_link_get(nl, "tv0", &l, &err) == 0 && strcmp(l.qdisc, "tbf"),
	   "tv0 root qdisc is back to default (%s)", l.qdisc);
	is_int(hv_nl_qdisc_del(nl, "tv0", &err), 0, "deleting again is fine");
	rc = hv_nl_netem(nl, "tv0", 100, 0, &err);
	if (rc == -ENOENT)
		ok(strstr(err.msg, "add netem") != NULL,
		   "no netem in this kernel: %s", err.msg);
	else
		ok(rc == 0 && hv_nl_link_get(nl, "tv0", &l, &err) == 0 &&
			   !strcmp(l.qdisc, "netem"),
		   "netem on tv0");
	rc = hv_nl_tbf(nl, "tv0", 4, &err);
	ok(rc == -EINVAL && strstr(err.msg, "4 bit/s"), "tbf 4 bit/s: %s",
	   err.msg);
}

static void
test_move(struct hv_nl *nl, struct ns *other)
{
	struct hv_nl nl2;
	struct hv_err err;

	is_int(hv_nl_link_move(nl, "tv2", other->fd, "eth0", &err), 0,
	       "move tv2 into the other namespace as eth0");
	is_int(hv_nl_ifindex(nl, "tv2", &err), -ENODEV, "tv2 left");
	is_int(hv_nl_ifindex(nl, "eth0", &err), -ENODEV,
	       "eth0 never appeared here");
	if (!ok(hv_nl_open(&nl2, other->fd, &err) == 0, "open in the other"))
		return;
	ok(hv_nl_ifindex(&nl2, "eth0", &err) > 0, "eth0 is there");
	is_int(hv_nl_link_del(nl, "tv0", &err), 0, "delete tv0");
	is_int(hv_nl_ifindex(&nl2, "eth0", &err), -ENODEV,
	       "its peer eth0 went with it");
	hv_nl_close(&nl2);
}

/* A veth whose peer is made directly in the other namespace. */
static void
test_veth_create(struct hv_nl *nl, struct ns *other)
{
	struct hv_nl_veth v = {.name = "tc0",
			       .master = "tb0",
			       .peer = "eth1",
			       .peer_nsfd = other->fd,
			       .up = true};
	struct hv_nl_link l, p, br;
	struct hv_err err;
	struct hv_nl nl2;
	int rc;

	is_int(hv_nl_veth_create(nl, &v, &err), 0,
	       "veth tc0 with peer eth1 made in the other namespace");
	is_int(hv_nl_ifindex(nl, "eth1", &err), -ENODEV,
	       "eth1 never existed here");
	rc = hv_nl_link_get(nl, "tc0", &l, &err) |
	     hv_nl_link_get(nl, "tb0", &br, &err);
	ok(rc == 0 && l.master == br.index && (l.flags & IFF_UP),
	   "tc0 is up and a port of tb0");
	if (!ok(hv_nl_open(&nl2, other->fd, &err) == 0, "open in the other"))
		return;
	rc = hv_nl_link_get(&nl2, "eth1", &p, &err);
	ok(rc == 0 && !strcmp(p.kind, "veth") && !(p.flags & IFF_UP),
	   "eth1 is a veth there, down");
	v.name = "tc1";
	rc = hv_nl_veth_create(nl, &v, &err);
	ok(rc == -EEXIST && strstr(err.msg, "add veth tc1 with peer eth1") &&
		   strstr(err.msg, "File exists"),
	   "a taken peer name: %s", err.msg);
	is_int(hv_nl_ifindex(nl, "tc1", &err), -ENODEV, "and no tc1");
	v.peer_nsfd = -1;
	rc = hv_nl_veth_create(nl, &v, &err);
	ok(rc == -EBADF && strstr(err.msg, "netns fd -1"), "fd -1: %s",
	   err.msg);
	is_int(hv_nl_link_del(nl, "tc0", &err), 0, "delete tc0");
	is_int(hv_nl_ifindex(&nl2, "eth1", &err), -ENODEV,
	       "its peer eth1 went with it");
	hv_nl_close(&nl2);
}

static bool
is_up(struct hv_nl *nl, const char *name)
{
	struct hv_nl_link l;
	struct hv_err err;

	return hv_nl_link_get(nl, name, &l, &err) == 0 && (l.flags & IFF_UP);
}

/* Queued requests run only at the end, together, in order. */
static void
test_batch_ok(struct hv_nl *nl)
{
	struct hv_nl_route r = {
		.dst = 0x0a090300, .dst_len = 24, .ifname = "tw0"};
	struct want w = {.addr = 0x0a090201, .plen = 24};
	struct hv_nl_batch b;
	struct hv_err err;
	int rc;

	w.ifindex = hv_nl_ifindex(nl, "tw0", &err);
	hv_nl_batch_begin(nl, &b);
	if ((rc = hv_nl_addr_add(nl, "tw0", 0x0a090201, 24, &err)) == 0 &&
	    (rc = hv_nl_link_up(nl, "tw0", true, &err)) == 0 &&
	    (rc = hv_nl_link_up(nl, "tw1", true, &err)) == 0)
		rc = hv_nl_route_add(nl, &r, &err);
	ok(rc == 0 && b.n == 4, "four requests queued (%d)", b.n);
	ok(hv_nl_addr_dump(nl, find_addr, &w, &err) == 0 && w.found == 0 &&
		   !is_up(nl, "tw0"),
	   "a dump in the batch goes out at once and sees none of them");
	is_int(hv_nl_batch_end(nl, rc, &err), 0, "the batch is sent");
	ok(hv_nl_addr_dump(nl, find_addr, &w, &err) == 0 && w.found == 1,
	   "tw0 has 10.9.2.1/24");
	ok(is_up(nl, "tw0") && is_up(nl, "tw1"), "tw0 and tw1 are up");
	w.dst = 0x0a090300;
	w.dst_len = 24;
	w.found = 0;
	ok(hv_nl_route_dump(nl, find_route, &w, &err) == 0 && w.found == 1,
	   "the route that needed tw0 up is there");
}

/* A failure in the middle, a dropped batch, a full one. */
static void
test_batch_fail(struct hv_nl *nl)
{
	struct hv_nl_batch b;
	struct hv_err err;
	int i, rc;

	hv_nl_batch_begin(nl, &b);
	if ((rc = hv_nl_link_up(nl, "tw0", false, &err)) == 0 &&
	    (rc = hv_nl_addr_add(nl, "tw0", 0x0a090201, 24, &err)) == 0)
		rc = hv_nl_link_up(nl, "tw1", false, &err);
	rc = hv_nl_batch_end(nl, rc, &err);
	ok(rc == -EEXIST && !strcmp(err.msg, "netlink: add address "
					     "10.9.2.1/24 to tw0: File exists"),
	   "the failed request is named: %s", err.msg);
	ok(!is_up(nl, "tw0") && !is_up(nl, "tw1"),
	   "the requests before and after it ran");
	ok(nl->batch == NULL && hv_nl_link_up(nl, "tw1", true, &err) == 0 &&
		   is_up(nl, "tw1"),
	   "after the batch, requests go out at once again");
	hv_nl_batch_begin(nl, &b);
	rc = hv_nl_link_up(nl, "tw1", false, &err);
	is_int(hv_nl_batch_end(nl, -EINVAL, &err), -EINVAL,
	       "a batch ended with an error returns it");
	ok(rc == 0 && is_up(nl, "tw1"), "and sends nothing");
	hv_nl_batch_begin(nl, &b);
	for (i = 0, rc = 0; i <= HV_NL_BATCH_MAX && rc == 0; i++)
		rc = hv_nl_link_up(nl, "tw1", false, &err);
	ok(rc == -ENOBUFS && i == HV_NL_BATCH_MAX + 1 &&
		   strstr(err.msg, "batch full"),
	   "request %d does not fit: %s", i, err.msg);
	rc = hv_nl_qdisc_del(nl, "tw1", &err);
	ok(rc == -EINVAL && strstr(err.msg, "not in a batch"),
	   "qdisc delete refuses a batch: %s", err.msg);
	hv_nl_batch_end(nl, -ENOBUFS, &err);
	ok(is_up(nl, "tw1"), "the full batch was dropped");
	is_int(hv_nl_batch_end(nl, 0, &err), 0, "ending no batch is harmless");
}

static void
test_batch(struct hv_nl *nl)
{
	struct hv_err err;

	if (!ok(hv_nl_veth_add(nl, "tw0", "tw1", &err) == 0, "add veth tw0"))
		return;
	test_batch_ok(nl);
	test_batch_fail(nl);
	hv_nl_link_del(nl, "tw0", &err);
}

/* A socket made in the namespace can bind an address only it has. */
static void
test_ns_socket(struct ns *n)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct hv_err err;
	int fd, rc;

	sa.sin_addr.s_addr = htonl(0x0a090001);
	fd = hv_nl_ns_socket(n->fd, AF_INET, SOCK_DGRAM, &err);
	rc = fd >= 0 ? bind(fd, (struct sockaddr *)&sa, sizeof(sa)) : -1;
	ok(rc == 0, "a socket in the namespace binds 10.9.0.1");
	if (fd >= 0)
		close(fd);
	rc = hv_nl_ns_socket(-1, AF_INET, SOCK_DGRAM, &err);
	ok(rc == -EBADF && strstr(err.msg, "setns"), "bad fd: %s", err.msg);
}

static ino_t
own_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) == 0 ? st.st_ino : 0;
}

int
main(void)
{
	struct ns a = {0, -1}, b = {0, -1};
	ino_t self = own_netns();
	struct hv_err err;
	struct hv_nl nl;

	if (ns_start(&a) != 0 || ns_start(&b) != 0) {
		ns_stop(&a);
		ns_stop(&b);
		skip_all("unshare(CLONE_NEWNET) fails here (needs root)");
	}
	if (ok(hv_nl_open(&nl, a.fd, &err) == 0, "open in a namespace")) {
		test_links(&nl);
		test_addr_route(&nl, &a);
		test_qdisc(&nl);
		test_move(&nl, &b);
		test_veth_create(&nl, &b);
		test_batch(&nl);
		hv_nl_close(&nl);
	}
	test_ns_socket(&a);
	ok(own_netns() == self, "the test is still in its own namespace");
	ns_stop(&a);
	ns_stop(&b);
	return done_testing();
}
