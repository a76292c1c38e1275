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
 * Addresses: a /24 from a list of candidates (10.201.0.0/24 first) that
 * overlaps no address or route of the host namespace; .1 is the bridge
 * (and the benchmark peer), boxes get .10 + index.
 */
#ifndef HPCVIRT_LAB_H
#define HPCVIRT_LAB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hpcvirt/err.h"

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
};

struct hv_lab {
	pid_t holder;	      /* process that keeps the namespace alive */
	int nsfd;	      /* open /proc/HOLDER/ns/net */
	uint32_t net;	      /* subnet, host byte order, e.g. 10.201.0.0 */
	char bridge_ip[16];   /* "10.201.0.1": the peer's address */
	int next_index;	      /* next box index */
	struct hv_lab_opts opts;
};

/* A box's attachment to the lab. */
struct hv_lab_port {
	int index;		/* box index in the lab */
	char ip[16];		/* the box's address, "10.201.0.11" */
	char lab_ifname[16];	/* lab-side interface name */
	enum hv_net_mode mode;
};

/*
 * Create the lab: holder process, namespace, loopback up, bridge with
 * .1/24 up, subnet chosen so that it collides with nothing on the host.
 */
int hv_lab_create(struct hv_lab *lab, const struct hv_lab_opts *opts,
		  struct hv_err *err);

/*
 * Attach the network namespace netns_fd (a box's; the caller keeps it
 * open) to the lab: a veth pair whose box end is named "eth0" inside the
 * box namespace, with the box address, lo up, and a route to the lab
 * subnet (bridged: on-link /24; routed: /32 host routes both ways). No
 * default route: a box cannot reach anything outside the lab. Applies the
 * link emulation to both ends.
 */
int hv_lab_attach(struct hv_lab *lab, int netns_fd, enum hv_net_mode mode,
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

/* Remove the lab (kills the holder; the kernel removes the rest). */
void hv_lab_destroy(struct hv_lab *lab);

#endif
