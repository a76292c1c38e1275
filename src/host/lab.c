/*
 * lab.c - the lab network namespace: its holder process, its subnet
 * (chosen against the host's addresses and routes), its bridge, and the
 * veth ports of the boxes, in bridged or routed mode, with optional link
 * emulation (netem, or tbf for a rate alone) and the named interconnect
 * presets. All configuration goes through netlink sockets opened
 * inside the namespace concerned (nl.c); nothing here touches the host
 * namespace except to read its addresses and routes. lab.h has the design.
 *
 * An attach is on the start path of every container, so it makes few
 * round trips and none that waits for an RCU grace period: the box end
 * of the veth is created inside the box already named eth0 (no move),
 * the lab end comes up with the pair, and the rest of each side is one
 * netlink batch (docs/lab.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sched.h>
#include <unistd.h>

#include "hpcvirt/host/lab.h"
#include "hpcvirt/host/nl.h"

#define LAB_BRIDGE "hvbr0"
#define LAB_BOX_IF "eth0"
#define LAB_VXLAN "hvvx0"
#define VXLAN_RETRIES 50	  /* of 100 ms */
#define LAB_MAX_INDEX 244	  /* .10 + 244 = .254 */
#define LAB_N10 54		  /* 10.201.0.0/24 ... 10.254.0.0/24 */
#define LAB_NCAND (LAB_N10 + 256) /* then 172.31.0.0/24 ... */
#define LAB_MAX_DELAY_US 10000000 /* 10 s */
#define LAB_READY_MS 5000

/*
 * Named interconnects. gige: Gigabit Ethernet, 1 Gbit/s and a one-way
 * delay per port that stands for the NIC and switch hop. Published GigE
 * ping-pong half round trips through a switch are 23-35 us, the
 * software stacks of both ends included (docs/lab.md has the sources);
 * the lab's own path brings a stack of its own, so the delay added is
 * the low end of that range, not more.
 */
static const struct lab_preset {
	const char *name;
	uint64_t rate_bps;
	uint32_t delay_us;
} presets[] = {
	{"gige", 1000000000, 25},
	{"none", 0, 0},
};
#define NPRESETS (sizeof(presets) / sizeof(presets[0]))

/* Between the names in a message: "a, b or c". */
static const char *
preset_sep(size_t i)
{
	if (i == 0)
		return "";
	return i + 1 < NPRESETS ? ", " : " or ";
}

int
hv_lab_preset(const char *opt, const char *name, struct hv_lab_opts *o,
	      struct hv_err *err)
{
	char names[128];
	size_t i, len = 0;

	for (i = 0; i < NPRESETS; i++) {
		if (strcmp(name, presets[i].name) != 0)
			continue;
		o->rate_bps = presets[i].rate_bps;
		o->delay_us = presets[i].delay_us;
		o->preset = presets[i].name;
		return 0;
	}
	names[0] = '\0';
	for (i = 0; i < NPRESETS && len < sizeof(names); i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len,
					"%s%s", preset_sep(i), presets[i].name);
	return hv_err_set(err, EINVAL, "bad --%s '%s': expected %s", opt, name,
			  names);
}

const char *
hv_lab_qdisc(const struct hv_lab_opts *o)
{
	return o->delay_us ? "netem" : o->rate_bps ? "tbf" : "none";
}

/* The i-th candidate subnet, host byte order. */
static uint32_t
candidate(int i)
{
	if (i < LAB_N10)
		return 10u << 24 | (uint32_t)(201 + i) << 16;
	return 172u << 24 | 31u << 16 | (uint32_t)(i - LAB_N10) << 8;
}

bool
hv_lab_overlaps(uint32_t a, int alen, uint32_t b, int blen)
{
	int len = alen < blen ? alen : blen;
	uint32_t mask = len <= 0 ? 0 : ~0u << (32 - (len > 32 ? 32 : len));

	return ((a ^ b) & mask) == 0;
}

struct taken {
	bool cand[LAB_NCAND];
};

static void
mark(struct taken *t, uint32_t prefix, int len)
{
	int i;

	for (i = 0; i < LAB_NCAND; i++)
		if (hv_lab_overlaps(prefix, len, candidate(i), 24))
			t->cand[i] = true;
}

static int
mark_addr(const struct hv_nl_addr *a, void *arg)
{
	/* The address's own prefix; a /0 address counts as itself. */
	mark(arg, a->addr, a->prefixlen > 0 ? a->prefixlen : 32);
	return 0;
}

static int
mark_route(const struct hv_nl_route *r, void *arg)
{
	/* A default route overlaps everything and shadows nothing. */
	if (r->dst_len > 0)
		mark(arg, r->dst, r->dst_len);
	return 0;
}

int
hv_lab_choose_subnet(uint32_t *net, struct hv_err *err)
{
	struct taken t = {{false}};
	struct hv_nl nl;
	int i, rc;

	if ((rc = hv_nl_open(&nl, -1, err)) < 0)
		return rc;
	if ((rc = hv_nl_addr_dump(&nl, mark_addr, &t, err)) < 0 ||
	    (rc = hv_nl_route_dump(&nl, mark_route, &t, err)) < 0)
		goto out;
	for (i = 0; i < LAB_NCAND && t.cand[i]; i++)
		;
	if (i == LAB_NCAND) {
		rc = hv_err_set(
			err, EADDRINUSE,
			"lab: every candidate subnet (10.201-254.0.0/24, "
			"172.31.0-255.0/24) overlaps a host address "
			"or route");
		goto out;
	}
	*net = candidate(i);
out:
	hv_nl_close(&nl);
	return rc;
}

/* Overlaps of one given /24 with the caller's addresses and routes. */
struct clash {
	uint32_t net;
	uint32_t with; /* the first prefix it overlaps */
	int len;
};

static int
clash_addr(const struct hv_nl_addr *a, void *arg)
{
	struct clash *c = arg;
	int len = a->prefixlen > 0 ? a->prefixlen : 32;

	if (!c->len && hv_lab_overlaps(a->addr, len, c->net, 24)) {
		c->with = a->addr;
		c->len = len;
	}
	return 0;
}

static int
clash_route(const struct hv_nl_route *r, void *arg)
{
	struct clash *c = arg;

	if (!c->len && r->dst_len > 0 &&
	    hv_lab_overlaps(r->dst, r->dst_len, c->net, 24)) {
		c->with = r->dst;
		c->len = r->dst_len;
	}
	return 0;
}

/* A subnet given by the caller (a lab across hosts): -EADDRINUSE if it
 * overlaps an address or route here. */
static int
subnet_free(uint32_t net, struct hv_err *err)
{
	struct clash c = {.net = net};
	char a[16], b[16];
	struct hv_nl nl;
	int rc;

	if ((rc = hv_nl_open(&nl, -1, err)) < 0)
		return rc;
	if ((rc = hv_nl_addr_dump(&nl, clash_addr, &c, err)) == 0 &&
	    (rc = hv_nl_route_dump(&nl, clash_route, &c, err)) == 0 && c.len)
		rc = hv_err_set(err, EADDRINUSE,
				"lab: subnet %s/24 overlaps %s/%d on this "
				"host",
				hv_nl_ntoa(net, a, sizeof(a)),
				hv_nl_ntoa(c.with, b, sizeof(b)), c.len);
	hv_nl_close(&nl);
	return rc;
}

/* The holder: owns the namespace, waits for SIGKILL; never returns. */
static void
holder_main(pid_t parent, int ready_w, const char *name)
{
	int e = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	prctl(PR_SET_NAME, name);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	/* Hold no fd of the parent's (pipes, sockets, namespaces). */
	if (ready_w > 0)
		close_range(0, (unsigned)ready_w - 1, 0);
	close_range((unsigned)ready_w + 1, ~0u, 0);
	if (chdir("/") != 0 || unshare(CLONE_NEWNET) != 0)
		e = errno;
	if (write(ready_w, &e, sizeof(e)) != sizeof(e) || e)
		_exit(1);
	close(ready_w);
	for (;;)
		pause();
}

int
hv_netns_hold(const char *name, pid_t *holder, int *nsfd, struct hv_err *err)
{
	struct pollfd p = {.events = POLLIN};
	int pfd[2], e = 0, rc = 0;
	pid_t parent = getpid();
	char path[64];
	ssize_t n;

	*holder = 0;
	*nsfd = -1;
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return hv_err_sys(err, errno, "%s: pipe", name);
	*holder = fork();
	if (*holder < 0) {
		rc = hv_err_sys(err, errno, "%s: fork", name);
		*holder = 0;
		goto out;
	}
	if (*holder == 0)
		holder_main(parent, pfd[1], name);
	close(pfd[1]);
	pfd[1] = -1;
	p.fd = pfd[0];
	if (poll(&p, 1, LAB_READY_MS) <= 0) {
		rc = hv_err_set(err, ETIMEDOUT, "%s %d not ready after %d ms",
				name, (int)*holder, LAB_READY_MS);
		goto out;
	}
	n = read(pfd[0], &e, sizeof(e));
	if (n != sizeof(e) || e) {
		rc = hv_err_sys(err, e ? e : EIO,
				"%s %d: unshare(CLONE_NEWNET)", name,
				(int)*holder);
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)*holder);
	*nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (*nsfd < 0)
		rc = hv_err_sys(err, errno, "%s: open %s", name, path);
out:
	close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	return rc;
}

static int
check_opts(const struct hv_lab_opts *o, struct hv_err *err)
{
	if (o->delay_us > LAB_MAX_DELAY_US)
		return hv_err_set(err, EINVAL,
				  "lab: bad link delay %uus: "
				  "expected 0 to %u us",
				  o->delay_us, LAB_MAX_DELAY_US);
	if (o->rate_bps && o->rate_bps < 8)
		return hv_err_set(err, EINVAL,
				  "lab: bad link rate %llu "
				  "bit/s: expected 0 (off) or at least 8",
				  (unsigned long long)o->rate_bps);
	if ((o->net & 255) || o->bridge_octet < 0 || o->bridge_octet > 254 ||
	    o->first_index < 0 || o->first_index > LAB_MAX_INDEX)
		return hv_err_set(err, EINVAL,
				  "lab: bad addresses (subnet %u.%u.%u.%u, "
				  "bridge .%d, first box %d): expected a /24, "
				  "a bridge at .1-.254 and boxes 1-%d",
				  o->net >> 24, (o->net >> 16) & 255,
				  (o->net >> 8) & 255, o->net & 255,
				  o->bridge_octet, o->first_index,
				  LAB_MAX_INDEX);
	return 0;
}

/* The bridge's (and the peer's) address. */
static uint32_t
bridge_addr(const struct hv_lab *lab)
{
	return lab->net |
	       (uint32_t)(lab->opts.bridge_octet ? lab->opts.bridge_octet : 1);
}

/*
 * Link emulation on the egress of ifname: netem when there is a delay
 * (netem also does the rate then), tbf for a rate alone, nothing if off.
 */
static int
emulate(const struct hv_lab_opts *o, struct hv_nl *nl, const char *ifname,
	struct hv_err *err)
{
	int rc;

	if (o->delay_us) {
		rc = hv_nl_netem(nl, ifname, o->delay_us, o->rate_bps, err);
		if (rc == -ENOENT)
			rc = hv_err_set(err, EOPNOTSUPP,
					"lab: link delay %uus on %s needs the "
					"netem qdisc, which this kernel lacks "
					"(CONFIG_NET_SCH_NETEM)",
					o->delay_us, ifname);
		return rc;
	}
	return o->rate_bps ? hv_nl_tbf(nl, ifname, o->rate_bps, err) : 0;
}

/*
 * Find a missing qdisc now rather than at the first attach: put the
 * emulation on the lab's lo and take it off again. Without netem and with
 * the delay optional, what the ports get is the rate alone (tbf, tried
 * too), and the lab says so.
 */
static int
probe_emulation(struct hv_lab *lab, struct hv_nl *nl, struct hv_err *err)
{
	int rc = emulate(&lab->applied, nl, "lo", err);

	if (rc == -EOPNOTSUPP && lab->opts.delay_optional) {
		if (err)
			hv_err_init(err);
		lab->no_netem = true;
		lab->applied.delay_us = 0;
		rc = emulate(&lab->applied, nl, "lo", err);
	}
	return rc < 0 ? rc : hv_nl_qdisc_del(nl, "lo", err);
}

/* Loopback and the bridge with .1/24, inside the lab. */
static int
lab_setup(struct hv_lab *lab, struct hv_err *err)
{
	struct hv_nl nl;
	int rc;

	if ((rc = hv_nl_open(&nl, lab->nsfd, err)) < 0)
		return rc;
	if ((rc = hv_nl_link_up(&nl, "lo", true, err)) < 0 ||
	    (rc = hv_nl_bridge_add(&nl, LAB_BRIDGE, err)) < 0 ||
	    (rc = hv_nl_addr_add(&nl, LAB_BRIDGE, bridge_addr(lab), 24, err)) <
		    0 ||
	    (rc = hv_nl_link_up(&nl, LAB_BRIDGE, true, err)) < 0)
		goto out;
	rc = probe_emulation(lab, &nl, err);
out:
	hv_nl_close(&nl);
	return rc;
}

int
hv_lab_create(struct hv_lab *lab, const struct hv_lab_opts *opts,
	      struct hv_err *err)
{
	static const struct hv_lab_opts none;
	int rc;

	memset(lab, 0, sizeof(*lab));
	lab->nsfd = -1;
	lab->next_index = 1;
	lab->opts = opts ? *opts : none;
	lab->applied = lab->opts;
	if ((rc = check_opts(&lab->opts, err)) < 0)
		return rc;
	if (lab->opts.first_index)
		lab->next_index = lab->opts.first_index;
	rc = lab->opts.net ? subnet_free(lab->opts.net, err)
			   : hv_lab_choose_subnet(&lab->net, err);
	if (rc < 0)
		return rc;
	if (lab->opts.net)
		lab->net = lab->opts.net;
	hv_nl_ntoa(bridge_addr(lab), lab->bridge_ip, sizeof(lab->bridge_ip));
	if ((rc = hv_netns_hold("hv-lab-holder", &lab->holder, &lab->nsfd,
				err)) < 0 ||
	    (rc = lab_setup(lab, err)) < 0)
		hv_lab_destroy(lab);
	return rc;
}

void
hv_lab_destroy(struct hv_lab *lab)
{
	struct hv_err ignore;
	struct hv_nl nl;
	int i, status;

	if (lab->holder <= 0)
		return;
	/* The kernel removes a namespace in the background: its VXLAN
	 * link would hold the id on the host's UDP port a while longer,
	 * and the next lab with that id (a node started again) would get
	 * EEXIST. Deleted here, it lets go at once. */
	if (lab->overlay && lab->nsfd >= 0 &&
	    hv_nl_open(&nl, lab->nsfd, &ignore) == 0) {
		hv_nl_link_del(&nl, LAB_VXLAN, &ignore);
		hv_nl_close(&nl);
	}
	if (lab->nsfd >= 0)
		close(lab->nsfd);
	lab->nsfd = -1;
	kill(lab->holder, SIGKILL);
	/* SIGKILL cannot be ignored; the bound only guards against EINTR. */
	for (i = 0; i < 1000; i++)
		if (waitpid(lab->holder, &status, 0) >= 0 || errno != EINTR)
			break;
	lab->holder = 0;
}

static bool
emulating(const struct hv_lab_opts *o)
{
	return o->delay_us || o->rate_bps;
}

/* tap -> hvs<i> <- hvsa<i> ~ hvsb<i> -> hvbr0, all up, both shaped. */
static int
plug_shaped(struct hv_lab *lab, struct hv_nl *nl, const char *tap, int index,
	    struct hv_err *err)
{
	char br[IFNAMSIZ], a[IFNAMSIZ], b[IFNAMSIZ];
	int rc;

	snprintf(br, sizeof(br), "hvs%d", index);
	snprintf(a, sizeof(a), "hvsa%d", index);
	snprintf(b, sizeof(b), "hvsb%d", index);
	if ((rc = hv_nl_bridge_add(nl, br, err)) < 0 ||
	    (rc = hv_nl_veth_add(nl, a, b, err)) < 0 ||
	    (rc = hv_nl_link_master(nl, a, br, err)) < 0 ||
	    (rc = hv_nl_link_master(nl, b, LAB_BRIDGE, err)) < 0 ||
	    (rc = hv_nl_link_master(nl, tap, br, err)) < 0 ||
	    (rc = emulate(&lab->applied, nl, tap, err)) < 0 ||
	    (rc = emulate(&lab->applied, nl, a, err)) < 0)
		return rc;
	if ((rc = hv_nl_link_up(nl, br, true, err)) < 0 ||
	    (rc = hv_nl_link_up(nl, a, true, err)) < 0 ||
	    (rc = hv_nl_link_up(nl, b, true, err)) < 0)
		return rc;
	return hv_nl_link_up(nl, tap, true, err);
}

int
hv_lab_plug_tap(struct hv_lab *lab, const char *tap, int index, char *how,
		size_t how_len, struct hv_err *err)
{
	struct hv_nl nl;
	int rc;

	if ((rc = hv_nl_open(&nl, lab->nsfd, err)) < 0)
		return rc;
	/* A lab across hosts: the guest's frames fit its VXLAN link. */
	if (lab->mtu)
		rc = hv_nl_link_mtu(&nl, tap, lab->mtu, err);
	if (rc < 0) {
		hv_nl_close(&nl);
		return rc;
	}
	if (emulating(&lab->applied)) {
		rc = plug_shaped(lab, &nl, tap, index, err);
		if (how)
			snprintf(how, how_len,
				 "%s on bridge hvs%d, veth hvsa%d/hvsb%d to "
				 "%s; link emulation on %s and hvsa%d",
				 tap, index, index, index, LAB_BRIDGE, tap,
				 index);
	} else {
		if ((rc = hv_nl_link_master(&nl, tap, LAB_BRIDGE, err)) == 0)
			rc = hv_nl_link_up(&nl, tap, true, err);
		if (how)
			snprintf(how, how_len, "%s on %s", tap, LAB_BRIDGE);
	}
	hv_nl_close(&nl);
	return rc;
}

void
hv_lab_unplug_tap(struct hv_lab *lab, const char *tap, int index)
{
	char name[IFNAMSIZ];
	struct hv_err ignore;
	struct hv_nl nl;

	if (lab->nsfd < 0 || hv_nl_open(&nl, lab->nsfd, &ignore) < 0)
		return;
	hv_nl_link_del(&nl, tap, &ignore);
	if (emulating(&lab->applied)) {
		snprintf(name, sizeof(name), "hvsb%d", index);
		hv_nl_link_del(&nl, name, &ignore); /* both veth ends */
		snprintf(name, sizeof(name), "hvs%d", index);
		hv_nl_link_del(&nl, name, &ignore);
	}
	hv_nl_close(&nl);
}

int
hv_lab_enter(const struct hv_lab *lab)
{
	return setns(lab->nsfd, CLONE_NEWNET) == 0 ? 0 : -errno;
}

int
hv_lab_socket(const struct hv_lab *lab, int domain, int type,
	      struct hv_err *err)
{
	int fd = hv_nl_ns_socket(lab->nsfd, domain, type, err);

	if (fd < 0 && err)
		hv_err_prefix(err, "lab: ");
	return fd;
}

/*
 * The box end, inside the box, in one batch: lo up, eth0's address, eth0
 * up, the routed /32 to the peer and the subnet via the peer, emulation.
 * The kernel runs them in this order: a route needs eth0 up and its
 * source address present, the subnet's the route to its gateway.
 */
static int
attach_box(struct hv_lab *lab, int netns_fd, enum hv_net_mode mode, uint32_t ip,
	   struct hv_err *err)
{
	struct hv_nl_route r = {.dst = bridge_addr(lab),
				.dst_len = 32,
				.ifname = LAB_BOX_IF,
				.prefsrc = ip};
	struct hv_nl_route via = {.dst = lab->net,
				  .dst_len = 24,
				  .ifname = LAB_BOX_IF,
				  .gateway = bridge_addr(lab),
				  .prefsrc = ip};
	bool routed = mode == HV_NET_ROUTED;
	struct hv_nl_batch b;
	struct hv_nl nl;
	int rc;

	if ((rc = hv_nl_open(&nl, netns_fd, err)) < 0)
		return rc;
	hv_nl_batch_begin(&nl, &b);
	/* Bridged: the /24 brings the on-link subnet route with it. */
	if ((rc = hv_nl_link_up(&nl, "lo", true, err)) == 0 &&
	    (rc = hv_nl_addr_add(&nl, LAB_BOX_IF, ip, routed ? 32 : 24, err)) ==
		    0 &&
	    (rc = hv_nl_link_up(&nl, LAB_BOX_IF, true, err)) == 0 && routed &&
	    (rc = hv_nl_route_add(&nl, &r, err)) == 0)
		rc = hv_nl_route_add(&nl, &via, err);
	if (rc == 0)
		rc = emulate(&lab->applied, &nl, LAB_BOX_IF, err);
	rc = hv_nl_batch_end(&nl, rc, err);
	hv_nl_close(&nl);
	return rc;
}

/*
 * The lab end, already up (and a bridge port if bridged), in one batch:
 * routed, .1/32, the /32 to the box and forwarding of what the box sends
 * (to the other routed boxes); then emulation. Bridged without emulation:
 * nothing to send.
 */
static int
attach_lab(struct hv_lab *lab, struct hv_nl *nl, const char *ifname,
	   enum hv_net_mode mode, uint32_t ip, struct hv_err *err)
{
	struct hv_nl_route r = {.dst = ip,
				.dst_len = 32,
				.ifname = ifname,
				.prefsrc = bridge_addr(lab)};
	struct hv_nl_batch b;
	int rc = 0;

	hv_nl_batch_begin(nl, &b);
	if (mode == HV_NET_ROUTED &&
	    (rc = hv_nl_addr_add(nl, ifname, bridge_addr(lab), 32, err)) == 0 &&
	    (rc = hv_nl_route_add(nl, &r, err)) == 0)
		rc = hv_nl_link_forward(nl, ifname, true, err);
	if (rc == 0)
		rc = emulate(&lab->applied, nl, ifname, err);
	return hv_nl_batch_end(nl, rc, err);
}

/* Check the arguments of an attach and take the next box index. */
static int
attach_check(struct hv_lab *lab, int netns_fd, enum hv_net_mode mode,
	     struct hv_err *err)
{
	int i;

	if (mode != HV_NET_BRIDGED && mode != HV_NET_ROUTED)
		return hv_err_set(err, EINVAL,
				  "lab: bad network mode %d: "
				  "expected bridged (%d) or routed (%d)",
				  (int)mode, HV_NET_BRIDGED, HV_NET_ROUTED);
	if (lab->holder <= 0 || lab->nsfd < 0)
		return hv_err_set(err, EINVAL,
				  "lab: attach to a lab that "
				  "does not exist");
	if (netns_fd < 0)
		return hv_err_set(err, EBADF,
				  "lab: bad box namespace fd %d: expected an "
				  "open /proc/PID/ns/net",
				  netns_fd);
	/* boxes may start at once (hv_box_start_all) */
	i = __atomic_fetch_add(&lab->next_index, 1, __ATOMIC_SEQ_CST);
	if (i < 1 || i > LAB_MAX_INDEX)
		return hv_err_set(err, ENOSPC,
				  "lab: no address left for box "
				  "%d: at most %d boxes",
				  i, LAB_MAX_INDEX);
	return i;
}

int
hv_lab_attach(struct hv_lab *lab, int netns_fd, enum hv_net_mode mode,
	      struct hv_lab_port *port, struct hv_err *err)
{
	struct hv_nl_veth v = {
		.peer = LAB_BOX_IF, .peer_nsfd = netns_fd, .up = true};
	struct hv_err ignore;
	struct hv_nl nl;
	uint32_t ip;
	int i, rc;

	memset(port, 0, sizeof(*port));
	if ((i = attach_check(lab, netns_fd, mode, err)) < 0)
		return i;
	ip = lab->net | (uint32_t)(10 + i);
	snprintf(port->lab_ifname, sizeof(port->lab_ifname), "hvp%d", i);
	v.name = port->lab_ifname;
	v.master = mode == HV_NET_BRIDGED ? LAB_BRIDGE : NULL;
	v.mtu = lab->mtu;
	if ((rc = hv_nl_open(&nl, lab->nsfd, err)) < 0)
		return rc;
	if ((rc = hv_nl_veth_create(&nl, &v, err)) < 0)
		goto out;
	if ((rc = attach_lab(lab, &nl, port->lab_ifname, mode, ip, err)) < 0 ||
	    (rc = attach_box(lab, netns_fd, mode, ip, err)) < 0) {
		/* Deleting the lab end deletes the box end with it. */
		hv_nl_link_del(&nl, port->lab_ifname, &ignore);
		goto out;
	}
	port->index = i;
	port->mode = mode;
	hv_nl_ntoa(ip, port->ip, sizeof(port->ip));
out:
	if (rc < 0)
		memset(port, 0, sizeof(*port));
	hv_nl_close(&nl);
	return rc;
}

int
hv_lab_attach_pid(struct hv_lab *lab, pid_t pid, enum hv_net_mode mode,
		  struct hv_lab_port *port, struct hv_err *err)
{
	char path[64];
	int fd, rc;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hv_err_sys(err, errno, "open %s", path);
	rc = hv_lab_attach(lab, fd, mode, port, err);
	close(fd);
	return rc < 0 ? hv_err_prefix(err, "lab: ") : 0;
}

/* The index of the interface that holds addr here. */
struct holder {
	uint32_t addr;
	int ifindex;
};

static int
find_holder(const struct hv_nl_addr *a, void *arg)
{
	struct holder *h = arg;

	if (a->addr == h->addr && !h->ifindex)
		h->ifindex = a->ifindex;
	return 0;
}

int
hv_lab_join_overlay(struct hv_lab *lab, const struct hv_lab_overlay *ov,
		    struct hv_err *err)
{
	struct hv_nl_vxlan x = {.name = LAB_VXLAN,
				.nsfd = lab->nsfd,
				.vni = ov->vni,
				.local = ov->local,
				.port = ov->port};
	struct holder h = {.addr = ov->local};
	struct hv_nl_link l;
	struct hv_nl nl;
	char a[16];
	int i, rc;

	if ((rc = hv_nl_open(&nl, -1, err)) < 0)
		return hv_err_prefix(err, "lab overlay: ");
	rc = hv_nl_addr_dump(&nl, find_holder, &h, err);
	if (rc == 0 && !h.ifindex)
		rc = hv_err_set(err, EADDRNOTAVAIL,
				"this host has no address %s to send from",
				hv_nl_ntoa(ov->local, a, sizeof(a)));
	x.link = h.ifindex;
	/* EEXIST: a lab of a killed node with this id is still being
	 * removed by the kernel (in the background); it lets go soon. */
	for (i = 0; rc == 0; i++) {
		rc = hv_nl_vxlan_create(&nl, &x, err);
		if (rc != -EEXIST || i == VXLAN_RETRIES)
			break;
		hv_err_init(err);
		rc = 0;
		usleep(100000);
	}
	hv_nl_close(&nl);
	if (rc == 0)
		lab->overlay = true;
	if (rc == 0 && (rc = hv_nl_open(&nl, lab->nsfd, err)) == 0) {
		/* Routed boxes: the bridge answers ARP from the other hosts
		 * for its boxes' /32s and forwards what comes for them. */
		rc = hv_nl_link_master(&nl, LAB_VXLAN, LAB_BRIDGE, err);
		if (rc == 0)
			rc = hv_nl_link_proxy_arp(&nl, LAB_BRIDGE, true, err);
		if (rc == 0)
			rc = hv_nl_link_forward(&nl, LAB_BRIDGE, true, err);
		if (rc == 0)
			rc = hv_nl_link_up(&nl, LAB_VXLAN, true, err);
		for (i = 0; rc == 0 && i < ov->npeers; i++)
			rc = hv_nl_fdb_append(&nl, LAB_VXLAN, ov->peers[i],
					      err);
		if (rc == 0 &&
		    (rc = hv_nl_link_get(&nl, LAB_VXLAN, &l, err)) == 0)
			lab->mtu = l.mtu;
		hv_nl_close(&nl);
	}
	return rc < 0 ? hv_err_prefix(err, "lab overlay: ") : 0;
}
