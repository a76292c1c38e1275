/*
 * nl.h - a thin rtnetlink layer over libmnl: just what the lab needs to
 * build its namespace (links, addresses, routes, netem qdiscs) and what
 * the tests need to check it (dumps). IPv4 only; addresses are uint32_t
 * in host byte order (10.201.0.1 is 0x0ac90001).
 *
 * A struct hv_nl is one NETLINK_ROUTE socket bound to one network
 * namespace: the one given to hv_nl_open(), which may differ from the
 * caller's. Every request waits for the kernel's answer (bounded by a
 * receive timeout), so a call returns only when the change is done;
 * inside a batch (hv_nl_batch_begin) the changes wait for
 * hv_nl_batch_end() instead, and go out together in one sendmsg.
 * Every function returns 0 (or a non-negative value where said) or
 * -errno, and fills err with a message naming the operation and the
 * object: "netlink: add veth hvp3: File exists".
 *
 * Interfaces are named, never numbered, in the API: names are what the
 * lab chooses, and indexes differ between namespaces.
 */
#ifndef HPCVIRT_NL_H
#define HPCVIRT_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hpcvirt/util/err.h"

struct mnl_socket;

#define HV_NL_BATCH_MAX 8    /* requests in one batch */
#define HV_NL_BATCH_BUF 2048 /* and their bytes */
#define HV_NL_WHAT 96	     /* "add route 10.201.0.11/32 dev hvp1" */

/*
 * The requests queued by a batch, and the interface names looked up
 * during it (a name keeps its first index until hv_nl_batch_end: no
 * queued change has run yet). Caller-allocated; no field is public.
 */
struct hv_nl_batch {
	int n;
	size_t len;
	unsigned int seq[HV_NL_BATCH_MAX];
	char what[HV_NL_BATCH_MAX][HV_NL_WHAT];
	int nnames;
	char names[HV_NL_BATCH_MAX][16];
	int indexes[HV_NL_BATCH_MAX];
	_Alignas(8) char buf[HV_NL_BATCH_BUF];
};

struct hv_nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	struct hv_nl_batch *batch; /* NULL outside a batch */
};

/* What hv_nl_link_get() reports about one interface. */
struct hv_nl_link {
	int index;
	int master;	/* index of the bridge it is enslaved to, or 0 */
	unsigned flags; /* IFF_UP etc. */
	char kind[16];	/* "bridge", "veth", "" if none */
	char qdisc[16]; /* root qdisc kind: "noqueue", "netem", ... */
	uint8_t mac[6]; /* hardware address, zeros if none */
	unsigned mtu;
};

/* One IPv4 address, as dumped. */
struct hv_nl_addr {
	int ifindex;
	uint32_t addr;
	int prefixlen;
};

/*
 * One IPv4 route: to add (hv_nl_route_add) or as dumped. ifname/oif: the
 * output interface; prefsrc 0 = none. A route added without a gateway has
 * its destination on the link (scope link), which is what "onlink" means
 * for a route without a next hop; the kernel refuses the RTNH_F_ONLINK
 * flag itself on such a route. With a gateway (which a route added
 * before must reach) it is an ordinary route via that next hop.
 */
struct hv_nl_route {
	uint32_t dst;
	int dst_len;
	const char *ifname; /* for adding */
	int oif;	    /* as dumped */
	uint32_t gateway;   /* 0 = none */
	uint32_t prefsrc;   /* 0 = none */
	uint32_t table;
	unsigned char scope; /* RT_SCOPE_* */
	unsigned char type;  /* RTN_* */
};

/*
 * Open a socket in the network namespace nsfd (an open /proc/PID/ns/net),
 * or in the caller's namespace if nsfd < 0. The calling thread is back in
 * its own namespace when this returns.
 */
int hv_nl_open(struct hv_nl *nl, int nsfd, struct hv_err *err);
void hv_nl_close(struct hv_nl *nl);

/*
 * Create a socket(domain, type | SOCK_CLOEXEC, 0) inside the namespace
 * nsfd: setns there, socket(), setns back. Returns the fd or -errno.
 * Single-threaded callers only (setns changes the calling thread).
 */
int hv_nl_ns_socket(int nsfd, int domain, int type, struct hv_err *err);

/* Interface index of ifname in nl's namespace (> 0), or -ENODEV etc. */
int hv_nl_ifindex(struct hv_nl *nl, const char *ifname, struct hv_err *err);
int hv_nl_link_get(struct hv_nl *nl, const char *ifname,
		   struct hv_nl_link *link, struct hv_err *err);

/* A bridge with a random locally administered MAC of its own, which it
 * keeps as ports come and go (else it takes the lowest port's). */
int hv_nl_bridge_add(struct hv_nl *nl, const char *name, struct hv_err *err);
/* A veth pair name <-> peer, both in nl's namespace. */
int hv_nl_veth_add(struct hv_nl *nl, const char *name, const char *peer,
		   struct hv_err *err);

/* A veth pair for hv_nl_veth_create(). */
struct hv_nl_veth {
	const char *name;   /* the end in nl's namespace */
	const char *master; /* bridge (in nl's namespace) for name, or NULL */
	const char *peer;   /* the other end's name, in peer_nsfd */
	int peer_nsfd;	    /* namespace of peer (open /proc/PID/ns/net) */
	bool up;	    /* name up at once (peer: always down) */
	unsigned mtu;	    /* of both ends; 0: the kernel's default */
};

/*
 * Create the pair in one request: name in nl's namespace (enslaved to
 * master if set), and peer directly inside the namespace peer_nsfd
 * (IFLA_NET_NS_FD in the peer's attributes) under its final name, so it
 * never exists in nl's namespace and no move is needed: moving a link
 * between namespaces waits for RCU grace periods (tens of ms), creating
 * it there does not. The peer is created down: the kernel cannot bring
 * it up in the same request (it is opened before the pair is linked).
 * peer_nsfd < 0: -EBADF. A peer name taken in peer_nsfd: -EEXIST, and
 * nothing is created.
 */
int hv_nl_veth_create(struct hv_nl *nl, const struct hv_nl_veth *v,
		      struct hv_err *err);
/* Delete a link (a veth: both ends). */
int hv_nl_link_del(struct hv_nl *nl, const char *name, struct hv_err *err);
int hv_nl_link_up(struct hv_nl *nl, const char *name, bool up,
		  struct hv_err *err);
/* Enslave name to the bridge master (NULL: release it). */
int hv_nl_link_master(struct hv_nl *nl, const char *name, const char *master,
		      struct hv_err *err);
int hv_nl_link_mtu(struct hv_nl *nl, const char *name, unsigned mtu,
		   struct hv_err *err);
int hv_nl_link_rename(struct hv_nl *nl, const char *name, const char *newname,
		      struct hv_err *err);
/*
 * Move name into the namespace nsfd (IFLA_NET_NS_FD), renamed to newname
 * there in the same request if newname is not NULL, so that the new name
 * never exists in nl's namespace.
 */
int hv_nl_link_move(struct hv_nl *nl, const char *name, int nsfd,
		    const char *newname, struct hv_err *err);

/* A VXLAN link for hv_nl_vxlan_create(). */
struct hv_nl_vxlan {
	const char *name; /* its name in nsfd */
	int nsfd;	  /* where the link goes (its socket stays here) */
	uint32_t vni;	  /* 1..2^24-1 */
	uint32_t local;	  /* source address of its UDP packets */
	int link;	  /* underlay interface index (its MTU - 50), or 0 */
	uint16_t port;	  /* UDP destination port (4789: IANA's) */
};

/*
 * Create a VXLAN link from nl's namespace directly into x->nsfd: the
 * link's UDP socket is in nl's namespace (the kernel binds it where the
 * link was made), the link itself in x->nsfd. Learning is off.
 */
int hv_nl_vxlan_create(struct hv_nl *nl, const struct hv_nl_vxlan *x,
		       struct hv_err *err);
/* "bridge fdb append 00:00:00:00:00:00 dev NAME dst DST": the VXLAN link
 * NAME sends broadcast, unknown and multicast frames to DST too. */
int hv_nl_fdb_append(struct hv_nl *nl, const char *name, uint32_t dst,
		     struct hv_err *err);

int hv_nl_addr_add(struct hv_nl *nl, const char *ifname, uint32_t addr,
		   int prefixlen, struct hv_err *err);
/* Add r (dst, dst_len, ifname, optional gateway and prefsrc) to the main
 * table: link scope without a gateway, universe scope with one. */
int hv_nl_route_add(struct hv_nl *nl, const struct hv_nl_route *r,
		    struct hv_err *err);
/* Turn IPv4 forwarding of packets that arrive on name on or off (its
 * devconf "forwarding", IFLA_INET_CONF): the namespace's other links and
 * its "all" setting are left alone. */
int hv_nl_link_forward(struct hv_nl *nl, const char *name, bool on,
		       struct hv_err *err);
/* Answer ARP on name for addresses routed through another link (its
 * devconf "proxy_arp"). */
int hv_nl_link_proxy_arp(struct hv_nl *nl, const char *name, bool on,
			 struct hv_err *err);

/*
 * Replace the root qdisc of ifname with netem: delay_us of one-way delay
 * and rate_bps bits/s (0 = no limit). -ENOENT if the kernel has no netem
 * (CONFIG_NET_SCH_NETEM unset).
 */
int hv_nl_netem(struct hv_nl *nl, const char *ifname, uint32_t delay_us,
		uint64_t rate_bps, struct hv_err *err);
/* Replace the root qdisc of ifname with tbf at rate_bps bits/s (>= 8). */
int hv_nl_tbf(struct hv_nl *nl, const char *ifname, uint64_t rate_bps,
	      struct hv_err *err);
/* Back to the default root qdisc (already there: success). */
int hv_nl_qdisc_del(struct hv_nl *nl, const char *ifname, struct hv_err *err);

/*
 * Dumps. The callback returns 0 to go on, or a negative errno to stop the
 * dump with that error (its message is the callback's to set).
 */
typedef int (*hv_nl_addr_fn)(const struct hv_nl_addr *a, void *arg);
typedef int (*hv_nl_route_fn)(const struct hv_nl_route *r, void *arg);

int hv_nl_addr_dump(struct hv_nl *nl, hv_nl_addr_fn fn, void *arg,
		    struct hv_err *err);
/* Every IPv4 route of every table. */
int hv_nl_route_dump(struct hv_nl *nl, hv_nl_route_fn fn, void *arg,
		     struct hv_err *err);

/*
 * Batches: one round trip for several changes. Between begin and end,
 * the change requests made on nl (links, addresses, routes, qdiscs; not
 * lookups or dumps, which still go out at once) are checked, built and
 * queued in b, and return 0. A lookup of a name that a queued request
 * creates or renames fails, as that request has not run. At most
 * HV_NL_BATCH_MAX requests; one more fails with -ENOBUFS.
 *
 * hv_nl_batch_end(nl, rc, err) leaves batch mode. If rc < 0 (a request
 * failed to queue; err already says why), the queue is dropped and rc
 * returned. Otherwise every queued request goes out in one sendmsg, each
 * with NLM_F_ACK; the kernel runs them in order and answers each, also
 * after one has failed. It returns 0 when all succeeded, else the error
 * of the first that failed, named in err. An empty batch sends nothing.
 */
void hv_nl_batch_begin(struct hv_nl *nl, struct hv_nl_batch *b);
int hv_nl_batch_end(struct hv_nl *nl, int rc, struct hv_err *err);

/* "10.201.0.1" into buf (at least 16 bytes); returns buf. */
const char *hv_nl_ntoa(uint32_t addr, char *buf, size_t len);

#endif
