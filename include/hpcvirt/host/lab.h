/*
 * lab.h - the lab: hpcvirt's own network namespace with a Linux bridge and
 * private addresses, into which every box plugs (veth for containers and
 * the native baseline, tap for VMs and UML). It never touches the host
 * namespace's interfaces, addresses or routes. Configuration goes through
 * netlink (libmnl); see nl.h.
 *
 * Lifetime: the lab namespace is held by a small holder process (a child
 * of hpcvirt that dies with it: PR_SET_PDEATHSIG), not by a bind mount, so
 * a SIGKILLed hpcvirt leaves no namespace, bridge, veth or route behind:
 * the kernel removes them when the last process in the namespace exits.
 *
 * What keeps a network namespace alive is any process in it, any open
 * fd of it (lab->nsfd, a box's /proc/PID/ns/net) and any socket created
 * in it. So before hv_lab_destroy() the caller stops the processes it
 * started in the lab and closes the sockets of hv_lab_socket(); after a
 * SIGKILL the kernel does both, and children started with
 * PR_SET_PDEATHSIG die too. The holder dies with the thread that forked
 * it (PR_SET_PDEATHSIG): hpcvirt is single-threaded.
 *
 * Addresses: a /24 from a list of candidates (10.201.0.0/24 up to
 * 10.254.0.0/24, then 172.31.0.0/24 up to 172.31.255.0/24) that overlaps
 * no IPv4 address or route (any table; default routes excepted) of the
 * caller's namespace, read by netlink dumps; .1 is the bridge "hvbr0"
 * (and the benchmark peer), box i (1, 2, ...) gets .10 + i. Each lab is
 * its own namespace, so two labs may use the same subnet.
 *
 * Box ports: a veth pair, "hvp<i>" in the lab and "eth0" in the box.
 * Bridged: hvp<i> is a port of hvbr0, eth0 has .10+i/24 (the on-link /24
 * route). Routed (venet-like): hvp<i> is no bridge port; it carries .1/32
 * so that it answers ARP for the peer address, the lab routes .10+i/32 via
 * hvp<i> and forwards what arrives on hvp<i>, and the box has .10+i/32, a
 * link-scope /32 route to .1 and the /24 via .1: routed boxes reach each
 * other through the lab's routing, as venet containers do through their
 * host's (the nodes of a virtual cluster). Link emulation is a qdisc
 * on the egress of both ends (netem if there is a delay, else tbf), so
 * box <-> peer gets the delay once each way (box <-> box over the bridge:
 * twice). A kernel without netem makes a delay fail with -EOPNOTSUPP at
 * hv_lab_create(), unless the options make the delay optional: then the
 * lab applies the rate alone with tbf, and lab->applied and
 * lab->no_netem say so. docs/lab.md has the whole design.
 */
#ifndef HPCVIRT_LAB_H
#define HPCVIRT_LAB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hpcvirt/util/err.h"

enum hv_net_mode {
	HV_NET_BRIDGED = 0, /* veth into the lab bridge */
	HV_NET_ROUTED,	    /* venet-like: /32 routes to the veth, no bridge */
};

struct hv_lab_opts {
	/* Interconnect emulation on every box port (0 = off), applied to
	 * both directions: one-way delay in microseconds, and rate in bits
	 * per second. */
	uint32_t delay_us;
	uint64_t rate_bps;
	/* The preset these came from (hv_lab_preset), or NULL; only for
	 * the record, the lab does not read it. */
	const char *preset;
	/* On a kernel without netem, drop the delay (and shape the rate,
	 * if any, with tbf) instead of failing with -EOPNOTSUPP. */
	bool delay_optional;
	/* A lab that spans hosts (hv_lab_join_overlay) has the subnet all
	 * hosts agreed on and addresses that differ per host: the /24 to
	 * use (host byte order; 0: choose one here), the last byte of the
	 * bridge's address (0: .1) and the first box index (0: 1). A given
	 * subnet that overlaps this host's addresses or routes is
	 * -EADDRINUSE at hv_lab_create(). */
	uint32_t net;
	int bridge_octet;
	int first_index;
};

struct hv_lab {
	pid_t holder;		 /* process that keeps the namespace alive */
	int nsfd;		 /* open /proc/HOLDER/ns/net */
	uint32_t net;		 /* subnet, host byte order, e.g. 10.201.0.0 */
	char bridge_ip[16];	 /* "10.201.0.1": the peer's address */
	int next_index;		 /* next box index */
	struct hv_lab_opts opts; /* as asked */
	struct hv_lab_opts applied; /* what every box port gets */
	bool no_netem; /* a delay was asked, the kernel has no netem, and
			* applied has none (opts.delay_optional) */
	unsigned mtu;  /* of box ports; 0: the kernel's default (1500) */
	bool overlay;  /* it has a VXLAN link (hv_lab_join_overlay) */
};

/*
 * The named interconnects: "gige" (Gigabit Ethernet: 1 Gbit/s and 25 us
 * of one-way delay per port; docs/lab.md says where the delay comes from)
 * and "none" (no emulation). Fills o's rate, delay and preset and leaves
 * the rest. An unknown name is -EINVAL with "bad --OPT 'NAME': expected
 * gige or none".
 */
int hv_lab_preset(const char *opt, const char *name, struct hv_lab_opts *o,
		  struct hv_err *err);

/* The qdisc that o puts on a box port: "netem", "tbf" or "none". */
const char *hv_lab_qdisc(const struct hv_lab_opts *o);

/* A box's attachment to the lab. */
struct hv_lab_port {
	int index;	     /* box index in the lab */
	char ip[16];	     /* the box's address, "10.201.0.11" */
	char lab_ifname[16]; /* lab-side interface name */
	enum hv_net_mode mode;
};

/*
 * Create the lab: holder process, namespace, loopback up, bridge with
 * .1/24 up, subnet chosen so that it collides with nothing on the host.
 * opts may be NULL (no link emulation). Bad opts: -EINVAL. The qdiscs are
 * tried once here, on the lab's lo: a delay on a kernel without netem is
 * -EOPNOTSUPP, or with opts->delay_optional sets lab->no_netem and
 * leaves the delay out of lab->applied. On failure nothing is left and
 * *lab is as after hv_lab_destroy().
 */
int hv_lab_create(struct hv_lab *lab, const struct hv_lab_opts *opts,
		  struct hv_err *err);

/*
 * Attach the network namespace netns_fd (a box's; the caller keeps it
 * open) to the lab: a veth pair whose box end is named "eth0" inside the
 * box namespace, with the box address, lo up, and a route to the lab
 * subnet (bridged: on-link /24; routed: /32 host routes both ways and
 * the /24 via the lab, which forwards between routed boxes). No
 * default route: a box cannot reach anything outside the lab. Applies the
 * link emulation to both ends. The box namespace must have no "eth0".
 * On failure the pair is deleted again; the box index is not reused.
 */
int hv_lab_attach(struct hv_lab *lab, int netns_fd, enum hv_net_mode mode,
		  struct hv_lab_port *port, struct hv_err *err);

/* hv_lab_attach for the network namespace of process pid (a box's first
 * process, e.g. from the container runtime's started callback). */
int hv_lab_attach_pid(struct hv_lab *lab, pid_t pid, enum hv_net_mode mode,
		      struct hv_lab_port *port, struct hv_err *err);

/*
 * Switch the calling thread into the lab namespace (for a child between
 * fork and exec, or around socket()). 0 or -errno; async-signal-safe.
 */
int hv_lab_enter(const struct hv_lab *lab);

/*
 * Create a socket of the given domain/type inside the lab namespace
 * (the calling thread returns to its own namespace before this returns).
 */
int hv_lab_socket(const struct hv_lab *lab, int domain, int type,
		  struct hv_err *err);

/*
 * Remove the lab: closes lab->nsfd, kills the holder and waits for it; the
 * kernel then removes the namespace and every interface in it (a veth's
 * box end goes with it). Safe to call twice, and after a failed
 * hv_lab_create().
 */
void hv_lab_destroy(struct hv_lab *lab);

/*
 * A VM's port: the persistent tap `tap` (made by the caller inside the
 * lab) joins the lab bridge and comes up. With link emulation on, the
 * guest's own egress has no qdisc that hpcvirt can set, so the tap
 * joins a bridge of its own, "hvs<index>", which reaches the lab bridge
 * over the veth pair hvsa<index> (there) / hvsb<index> (a lab bridge
 * port): the tap's egress carries lab -> guest and hvsa<index>'s guest
 * -> lab, each with the emulation a box's veth ends get. `how` (if not
 * NULL) says which of the two was done, for the box's record.
 */
int hv_lab_plug_tap(struct hv_lab *lab, const char *tap, int index, char *how,
		    size_t how_len, struct hv_err *err);
/* Delete the tap and the shaping bridge and veth of hv_lab_plug_tap. */
void hv_lab_unplug_tap(struct hv_lab *lab, const char *tap, int index);

/*
 * A lab across hosts: the labs of several hosts, each with the same
 * subnet, form one Ethernet segment over VXLAN (RFC 7348). The VXLAN
 * link "hvvx0" is made in the caller's namespace, where its UDP socket
 * stays (bound to port, sending from local, which must be an address
 * of this host: its interface is the underlay), and put into the lab
 * as a port of the bridge; it floods broadcast and unknown frames to
 * every address of peers (the other hosts; head-end replication, no
 * multicast needed) and learns nothing from what it receives. Box ports
 * attached after this get its MTU (the underlay's less 50 bytes), so
 * that a full frame from a box still fits. Everything goes with the lab.
 */
struct hv_lab_overlay {
	uint32_t vni;	       /* VXLAN network identifier, 1..2^24-1 */
	uint16_t port;	       /* UDP port (4789) */
	uint32_t local;	       /* this host's address (host byte order) */
	const uint32_t *peers; /* the other hosts' */
	int npeers;
};

int hv_lab_join_overlay(struct hv_lab *lab, const struct hv_lab_overlay *ov,
			struct hv_err *err);

/*
 * A network namespace held by a holder process called name (which dies
 * with the caller: PR_SET_PDEATHSIG): *holder is its pid, *nsfd an open
 * /proc/HOLDER/ns/net. Kill the holder to let the kernel remove the
 * namespace and its interfaces. The lab and container-runtime boxes use
 * it.
 */
int hv_netns_hold(const char *name, pid_t *holder, int *nsfd,
		  struct hv_err *err);

/* Do the IPv4 prefixes a/alen and b/blen overlap? (host byte order) */
bool hv_lab_overlaps(uint32_t a, int alen, uint32_t b, int blen);

/*
 * Choose the lab subnet: the first candidate /24 (see above) that
 * overlaps no address or route of the caller's network namespace. Fills
 * *net (host byte order) or returns -EADDRINUSE if every one is taken.
 */
int hv_lab_choose_subnet(uint32_t *net, struct hv_err *err);

#endif
