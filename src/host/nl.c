/*
 * nl.c - rtnetlink over libmnl: links, addresses, routes and netem qdiscs
 * in one network namespace per socket, plus the dumps the lab and its
 * tests read. Every request carries NLM_F_ACK and waits for the answer
 * with a receive timeout, so each call is synchronous and bounded. In a
 * batch the change requests are queued instead and sent in one sendmsg,
 * whose answers are read together: one round trip instead of several.
 * See nl.h for the contract.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/ip.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "hpcvirt/host/nl.h"

#define NL_BUF 32768	    /* large enough for any dump message */
#define NL_ACK_BUF 8192	    /* an ack: header, error, the request */
#define NL_MAX_READS 100000 /* bound on recv() calls per request */
#define NL_TIMEOUT_S 5	    /* the kernel answers in microseconds */
#define NETEM_LIMIT 10000   /* packets queued in netem (tc: 1000) */
#define TBF_BURST_DIV 250   /* burst: 4 ms at the rate, but at least */
#define TBF_MIN_BURST 16384 /* 16 KiB: more than one full frame */
#define TBF_QUEUE_DIV 10    /* queue: 100 ms at the rate, plus the burst */

/* State of one request while its answer is read. */
struct nl_ctx {
	mnl_cb_t cb; /* data callback, or NULL */
	void *arg;
	int rc; /* first error of the callback, as -errno */
};

const char *
hv_nl_ntoa(uint32_t addr, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255,
		 (addr >> 8) & 255, addr & 255);
	return buf;
}

int
hv_nl_ns_socket(int nsfd, int domain, int type, struct hv_err *err)
{
	int self, fd, rc;

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return hv_err_sys(err, errno,
				  "netns: open /proc/thread-self/ns/net");
	if (setns(nsfd, CLONE_NEWNET) != 0) {
		rc = hv_err_sys(err, errno, "netns: setns into fd %d", nsfd);
		goto out;
	}
	fd = socket(domain, type | SOCK_CLOEXEC, 0);
	rc = fd < 0 ? -errno : fd;
	if (setns(self, CLONE_NEWNET) != 0) {
		rc = hv_err_sys(err, errno, "netns: setns back from fd %d",
				nsfd);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if (rc < 0)
		hv_err_sys(err, -rc, "netns: socket(%d, %d) in fd %d", domain,
			   type, nsfd);
out:
	close(self);
	return rc;
}

int
hv_nl_open(struct hv_nl *nl, int nsfd, struct hv_err *err)
{
	struct timeval tv = {.tv_sec = NL_TIMEOUT_S};
	int fd, rc = 0;

	memset(nl, 0, sizeof(*nl));
	if (nsfd >= 0)
		fd = hv_nl_ns_socket(nsfd, AF_NETLINK, SOCK_RAW, err);
	else if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0)) < 0)
		fd = hv_err_sys(err, errno, "netlink: socket");
	if (fd < 0)
		return fd;
	/* NETLINK_ROUTE is protocol 0, so the socket above is already one. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	nl->sock = mnl_socket_fdopen(fd);
	if (!nl->sock) {
		rc = hv_err_sys(err, errno ? errno : ENOMEM, "netlink: fdopen");
		close(fd);
		goto out;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = hv_err_sys(err, errno, "netlink: bind");
		hv_nl_close(nl);
		goto out;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned)time(NULL);
out:
	return rc;
}

void
hv_nl_close(struct hv_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

/* Start a request message in buf. */
static struct nlmsghdr *
nl_msg(struct hv_nl *nl, char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

/* Data callback wrapper: remembers the first error, keeps reading so
 * that the rest of a dump does not stay in the socket. */
static int
nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_ctx *c = data;
	int rc;

	if (!c || !c->cb || c->rc < 0)
		return MNL_CB_OK;
	rc = c->cb(nlh, c->arg);
	if (rc < 0)
		c->rc = rc;
	return MNL_CB_OK;
}

/*
 * Send nlh and read the answer until the ack or the end of the dump,
 * passing data messages to c->cb. what names the operation in messages.
 */
static int
nl_talk(struct hv_nl *nl, struct nlmsghdr *nlh, struct nl_ctx *c,
	const char *what, struct hv_err *err)
{
	char buf[NL_BUF];
	unsigned seq = nlh->nlmsg_seq;
	ssize_t n;
	int i, rc;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return hv_err_sys(err, errno, "netlink: %s", what);
	for (i = 0; i < NL_MAX_READS; i++) {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0) {
			rc = errno == EAGAIN ? ETIMEDOUT : errno;
			return hv_err_sys(err, rc, "netlink: %s", what);
		}
		errno = 0;
		rc = mnl_cb_run(buf, n, seq, nl->portid, nl_data_cb, c);
		if (rc == MNL_CB_STOP)
			break;
		if (rc < 0)
			return hv_err_sys(err, errno ? errno : EPROTO,
					  "netlink: %s", what);
	}
	if (i == NL_MAX_READS)
		return hv_err_set(err, EPROTO, "netlink: %s: no end", what);
	if (c && c->rc < 0)
		return c->rc;
	return 0;
}

/* Queue nlh in nl's batch; its answer is read by hv_nl_batch_end(). */
static int
nl_queue(struct hv_nl_batch *b, const struct nlmsghdr *nlh, const char *what,
	 struct hv_err *err)
{
	size_t len = MNL_ALIGN(nlh->nlmsg_len);

	if (b->n == HV_NL_BATCH_MAX || b->len + len > sizeof(b->buf))
		return hv_err_set(err, ENOBUFS,
				  "netlink: %s: batch full (%d requests, "
				  "%zu bytes)",
				  what, b->n, b->len);
	memcpy(b->buf + b->len, nlh, nlh->nlmsg_len);
	b->len += len;
	b->seq[b->n] = nlh->nlmsg_seq;
	snprintf(b->what[b->n], sizeof(b->what[b->n]), "%s", what);
	b->n++;
	return 0;
}

/* A change request: sent and answered now, or queued in a batch. */
static int
nl_do(struct hv_nl *nl, struct nlmsghdr *nlh, const char *what,
      struct hv_err *err)
{
	if (nl->batch)
		return nl_queue(nl->batch, nlh, what, err);
	return nl_talk(nl, nlh, NULL, what, err);
}

static int
check_ifname(const char *name, struct hv_err *err)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len >= IFNAMSIZ || strchr(name, '/') ||
	    strchr(name, ' '))
		return hv_err_set(err, EINVAL,
				  "netlink: bad interface name '%s': expected "
				  "1-%d characters without '/' or ' '",
				  name ? name : "(null)", IFNAMSIZ - 1);
	return 0;
}

/* An RTM_*LINK message naming its link by index (or by name if 0). */
static struct nlmsghdr *
link_msg(struct hv_nl *nl, char *buf, uint16_t type, uint16_t flags, int index)
{
	struct nlmsghdr *nlh = nl_msg(nl, buf, type, flags);
	struct ifinfomsg *ifi;

	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	return nlh;
}

static int
link_attr_cb(const struct nlattr *a, void *data)
{
	struct hv_nl_link *l = data;
	struct nlattr *in;

	switch (mnl_attr_get_type(a)) {
	case IFLA_MASTER:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->master = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->mtu = mnl_attr_get_u32(a);
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(a) == sizeof(l->mac))
			memcpy(l->mac, mnl_attr_get_payload(a), sizeof(l->mac));
		break;
	case IFLA_QDISC:
		if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
			snprintf(l->qdisc, sizeof(l->qdisc), "%s",
				 mnl_attr_get_str(a));
		break;
	case IFLA_LINKINFO:
		mnl_attr_for_each_nested(in, a)
		{
			if (mnl_attr_get_type(in) == IFLA_INFO_KIND &&
			    mnl_attr_validate(in, MNL_TYPE_STRING) == 0)
				snprintf(l->kind, sizeof(l->kind), "%s",
					 mnl_attr_get_str(in));
		}
		break;
	}
	return MNL_CB_OK;
}

static int
link_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct hv_nl_link *l = arg;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	l->index = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, l);
	return 0;
}

int
hv_nl_link_get(struct hv_nl *nl, const char *ifname, struct hv_nl_link *link,
	       struct hv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nl_ctx c = {.cb = link_cb, .arg = link};
	struct nlmsghdr *nlh;
	char what[64];
	int rc;

	memset(link, 0, sizeof(*link));
	if ((rc = check_ifname(ifname, err)) < 0)
		return rc;
	nlh = link_msg(nl, buf, RTM_GETLINK, NLM_F_ACK, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	snprintf(what, sizeof(what), "get link %s", ifname);
	rc = nl_talk(nl, nlh, &c, what, err);
	if (rc == 0 && link->index <= 0)
		rc = hv_err_set(err, ENODEV, "netlink: %s: no answer", what);
	return rc;
}

/* In a batch, a name looked up before keeps its index (nothing queued
 * has run); the index, or 0 if not known. */
static int
batch_index(const struct hv_nl_batch *b, const char *ifname)
{
	int i;

	for (i = 0; b && i < b->nnames; i++)
		if (!strcmp(b->names[i], ifname))
			return b->indexes[i];
	return 0;
}

int
hv_nl_ifindex(struct hv_nl *nl, const char *ifname, struct hv_err *err)
{
	struct hv_nl_batch *b = nl->batch;
	struct hv_nl_link l;
	int rc = ifname ? batch_index(b, ifname) : 0;

	if (rc > 0)
		return rc;
	if ((rc = hv_nl_link_get(nl, ifname, &l, err)) < 0)
		return rc;
	if (b && b->nnames < HV_NL_BATCH_MAX) {
		snprintf(b->names[b->nnames], sizeof(b->names[0]), "%s",
			 ifname);
		b->indexes[b->nnames++] = l.index;
	}
	return l.index;
}

/*
 * The peer of a veth: its own ifinfomsg (flags) and attributes, nested
 * in IFLA_INFO_DATA as VETH_INFO_PEER.
 */
static void
put_veth_peer(struct nlmsghdr *nlh, const struct hv_nl_veth *v)
{
	struct nlattr *data, *pinfo;
	struct ifinfomsg *pifi;

	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	pinfo = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
	/* Down: the kernel cannot open the peer before the pair is linked
	 * (veth_open: ENOTCONN). */
	pifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, v->peer);
	if (v->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, v->mtu);
	if (v->peer_nsfd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)v->peer_nsfd);
	mnl_attr_nest_end(nlh, pinfo);
	mnl_attr_nest_end(nlh, data);
}

/*
 * Create a link of the given kind, enslaved to the bridge at index
 * master if not 0; a veth (v not NULL) with its peer in one request;
 * with the MAC address mac if not NULL.
 */
static int
link_add(struct hv_nl *nl, const char *name, const char *kind,
	 const struct hv_nl_veth *v, int master, const uint8_t *mac,
	 const char *what, struct hv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *info;
	int rc;

	if ((rc = check_ifname(name, err)) < 0 ||
	    (v && (rc = check_ifname(v->peer, err)) < 0))
		return rc;
	nlh = link_msg(nl, buf, RTM_NEWLINK,
		       NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, 0);
	if (v && v->up) {
		ifi = mnl_nlmsg_get_payload(nlh);
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = IFF_UP;
	}
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	if (master > 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	if (v && v->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, v->mtu);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	if (v)
		put_veth_peer(nlh, v);
	mnl_attr_nest_end(nlh, info);
	return nl_do(nl, nlh, what, err);
}

/*
 * A bridge without an address of its own takes the lowest of its ports'
 * and changes it as ports come and go. The lab bridge carries the peer's
 * address: when a box's port left (a box restarted mid-study), every
 * other box's ARP entry for the peer pointed to a MAC no port had any
 * more, and their next runs timed out until the entry expired. A bridge
 * made here gets a random locally administered address, which it keeps.
 */
int
hv_nl_bridge_add(struct hv_nl *nl, const char *name, struct hv_err *err)
{
	uint8_t mac[6];
	char what[64];

	if (getrandom(mac, sizeof(mac), 0) != (ssize_t)sizeof(mac)) {
		uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);

		memcpy(mac, &t, sizeof(mac));
	}
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02); /* unicast, local */
	snprintf(what, sizeof(what), "add bridge %s", name ? name : "");
	return link_add(nl, name, "bridge", NULL, 0, mac, what, err);
}

int
hv_nl_veth_add(struct hv_nl *nl, const char *name, const char *peer,
	       struct hv_err *err)
{
	struct hv_nl_veth v = {.name = name, .peer = peer, .peer_nsfd = -1};
	char what[64];

	snprintf(what, sizeof(what), "add veth %s", name ? name : "");
	return link_add(nl, name, "veth", &v, 0, NULL, what, err);
}

int
hv_nl_veth_create(struct hv_nl *nl, const struct hv_nl_veth *v,
		  struct hv_err *err)
{
	char what[HV_NL_WHAT];
	int master = 0;

	snprintf(what, sizeof(what), "add veth %s with peer %s in netns fd %d",
		 v->name ? v->name : "", v->peer ? v->peer : "", v->peer_nsfd);
	if (v->peer_nsfd < 0)
		return hv_err_set(err, EBADF,
				  "netlink: %s: bad namespace fd: expected an "
				  "open /proc/PID/ns/net",
				  what);
	if (v->master && (master = hv_nl_ifindex(nl, v->master, err)) < 0)
		return master;
	return link_add(nl, v->name, "veth", v, master, NULL, what, err);
}

int
hv_nl_link_del(struct hv_nl *nl, const char *name, struct hv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], what[64];
	struct nlmsghdr *nlh;
	int rc;

	if ((rc = check_ifname(name, err)) < 0)
		return rc;
	nlh = link_msg(nl, buf, RTM_DELLINK, NLM_F_ACK, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	snprintf(what, sizeof(what), "delete link %s", name);
	return nl_do(nl, nlh, what, err);
}

int
hv_nl_link_up(struct hv_nl *nl, const char *name, bool up, struct hv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], what[64];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int rc;

	if ((rc = check_ifname(name, err)) < 0)
		return rc;
	nlh = link_msg(nl, buf, RTM_NEWLINK, NLM_F_ACK, 0);
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	snprintf(what, sizeof(what), "set link %s %s", name,
		 up ? "up" : "down");
	return nl_do(nl, nlh, what, err);
}

/* Set one u32 attribute (and optionally a name) on the link at index. */
static int
link_set(struct hv_nl *nl, int index, int type, uint32_t val,
	 const char *newname, const char *what, struct hv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = link_msg(nl, buf, RTM_NEWLINK, NLM_F_ACK, index);
	if (type >= 0)
		mnl_attr_put_u32(nlh, type, val);
	if (newname)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, newname);
	return nl_do(nl, nlh, what, err);
}

int
hv_nl_link_master(struct hv_nl *nl, const char *name, const char *master,
		  struct hv_err *err)
{
	char what[64];
	int idx, midx = 0;

	if ((idx = hv_nl_ifindex(nl, name, err)) < 0)
		return idx;
	if (master && (midx = hv_nl_ifindex(nl, master, err)) < 0)
		return midx;
	snprintf(what, sizeof(what), "set link %s master %s", name,
		 master ? master : "none");
	return link_set(nl, idx, IFLA_MASTER, (uint32_t)midx, NULL, what, err);
}

int
hv_nl_link_mtu(struct hv_nl *nl, const char *name, unsigned mtu,
	       struct hv_err *err)
{
	char what[64];
	int idx;

	if ((idx = hv_nl_ifindex(nl, name, err)) < 0)
		return idx;
	snprintf(what, sizeof(what), "set link %s mtu %u", name, mtu);
	return link_set(nl, idx, IFLA_MTU, mtu, NULL, what, err);
}

int
hv_nl_link_rename(struct hv_nl *nl, const char *name, const char *newname,
		  struct hv_err *err)
{
	char what[64];
	int idx, rc;

	if ((rc = check_ifname(newname, err)) < 0)
		return rc;
	if ((idx = hv_nl_ifindex(nl, name, err)) < 0)
		return idx;
	snprintf(what, sizeof(what), "rename link %s to %s", name, newname);
	return link_set(nl, idx, -1, 0, newname, what, err);
}

int
hv_nl_link_move(struct hv_nl *nl, const char *name, int nsfd,
		const char *newname, struct hv_err *err)
{
	char what[80];
	int idx, rc;

	if (newname && (rc = check_ifname(newname, err)) < 0)
		return rc;
	if (nsfd < 0)
		return hv_err_set(err, EBADF,
				  "netlink: move link %s: bad "
				  "namespace fd %d",
				  name, nsfd);
	if ((idx = hv_nl_ifindex(nl, name, err)) < 0)
		return idx;
	snprintf(what, sizeof(what), "move link %s to netns fd %d%s%s", name,
		 nsfd, newname ? " as " : "", newname ? newname : "");
	return link_set(nl, idx, IFLA_NET_NS_FD, (uint32_t)nsfd, newname, what,
			err);
}

/*
 * A VXLAN link: made from this namespace, which keeps its UDP socket
 * (the underlay), and put at once into x->nsfd under its name. No
 * learning: the forwarding entries are the caller's (hv_nl_fdb_append).
 */
int
hv_nl_vxlan_create(struct hv_nl *nl, const struct hv_nl_vxlan *x,
		   struct hv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], what[HV_NL_WHAT], a[16];
	struct nlattr *info, *data;
	struct nlmsghdr *nlh;
	int rc;

	snprintf(what, sizeof(what), "add vxlan %s id %u local %s",
		 x->name ? x->name : "", x->vni,
		 hv_nl_ntoa(x->local, a, sizeof(a)));
	if ((rc = check_ifname(x->name, err)) < 0)
		return rc;
	if (x->vni < 1 || x->vni > 0xffffff || x->port == 0 || x->nsfd < 0)
		return hv_err_set(err, EINVAL,
				  "netlink: %s port %u netns fd %d: expected "
				  "an id 1-16777215, a port and a namespace",
				  what, x->port, x->nsfd);
	nlh = link_msg(nl, buf, RTM_NEWLINK,
		       NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, x->name);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)x->nsfd);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vxlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, x->vni);
	mnl_attr_put_u32(nlh, IFLA_VXLAN_LOCAL, htonl(x->local));
	if (x->link > 0)
		mnl_attr_put_u32(nlh, IFLA_VXLAN_LINK, (uint32_t)x->link);
	mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(x->port));
	mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, 0);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nl_do(nl, nlh, what, err);
}

int
hv_nl_fdb_append(struct hv_nl *nl, const char *name, uint32_t dst,
		 struct hv_err *err)
{
	static const uint8_t all[6];
	char buf[MNL_SOCKET_BUFFER_SIZE], what[HV_NL_WHAT], a[16];
	struct nlmsghdr *nlh;
	struct ndmsg *nd;
	int idx;

	snprintf(what, sizeof(what),
		 "append fdb 00:00:00:00:00:00 dev %s "
		 "dst %s",
		 name ? name : "", hv_nl_ntoa(dst, a, sizeof(a)));
	if ((idx = hv_nl_ifindex(nl, name, err)) < 0)
		return idx;
	nlh = nl_msg(nl, buf, RTM_NEWNEIGH,
		     NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK);
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = AF_BRIDGE;
	nd->ndm_ifindex = idx;
	nd->ndm_state = NUD_NOARP | NUD_PERMANENT;
	nd->ndm_flags = NTF_SELF;
	mnl_attr_put(nlh, NDA_LLADDR, sizeof(all), all);
	mnl_attr_put_u32(nlh, NDA_DST, htonl(dst));
	return nl_do(nl, nlh, what, err);
}

int
hv_nl_addr_add(struct hv_nl *nl, const char *ifname, uint32_t addr,
	       int prefixlen, struct hv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], what[80], a[16];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int idx;

	hv_nl_ntoa(addr, a, sizeof(a));
	if (prefixlen < 0 || prefixlen > 32)
		return hv_err_set(err, EINVAL,
				  "netlink: bad prefix length "
				  "%d for %s: expected 0-32",
				  prefixlen, a);
	if ((idx = hv_nl_ifindex(nl, ifname, err)) < 0)
		return idx;
	nlh = nl_msg(nl, buf, RTM_NEWADDR,
		     NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)idx;
	mnl_attr_put_u32(nlh, IFA_LOCAL, htonl(addr));
	mnl_attr_put_u32(nlh, IFA_ADDRESS, htonl(addr));
	snprintf(what, sizeof(what), "add address %s/%d to %s", a, prefixlen,
		 ifname);
	return nl_do(nl, nlh, what, err);
}

int
hv_nl_route_add(struct hv_nl *nl, const struct hv_nl_route *r,
		struct hv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], what[100], a[16], g[16];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int idx;

	hv_nl_ntoa(r->dst, a, sizeof(a));
	hv_nl_ntoa(r->gateway, g, sizeof(g));
	if (r->dst_len < 0 || r->dst_len > 32)
		return hv_err_set(err, EINVAL,
				  "netlink: bad prefix length "
				  "%d for route %s: expected 0-32",
				  r->dst_len, a);
	if ((idx = hv_nl_ifindex(nl, r->ifname, err)) < 0)
		return idx;
	nlh = nl_msg(nl, buf, RTM_NEWROUTE,
		     NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = (unsigned char)r->dst_len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = r->gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_DST, htonl(r->dst));
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)idx);
	if (r->gateway)
		mnl_attr_put_u32(nlh, RTA_GATEWAY, htonl(r->gateway));
	if (r->prefsrc)
		mnl_attr_put_u32(nlh, RTA_PREFSRC, htonl(r->prefsrc));
	snprintf(what, sizeof(what), "add route %s/%d%s%s dev %s", a,
		 r->dst_len, r->gateway ? " via " : "", r->gateway ? g : "",
		 r->ifname);
	return nl_do(nl, nlh, what, err);
}

/* One IPv4 devconf setting of the link name (IFLA_INET_CONF). */
static int
inet_conf(struct hv_nl *nl, const char *name, int key, const char *key_name,
	  bool on, struct hv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], what[64];
	struct nlattr *spec, *inet, *conf;
	struct nlmsghdr *nlh;
	int rc;

	if ((rc = check_ifname(name, err)) < 0)
		return rc;
	nlh = link_msg(nl, buf, RTM_NEWLINK, NLM_F_ACK, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	inet = mnl_attr_nest_start(nlh, AF_INET);
	conf = mnl_attr_nest_start(nlh, IFLA_INET_CONF);
	mnl_attr_put_u32(nlh, (uint16_t)key, on ? 1 : 0);
	mnl_attr_nest_end(nlh, conf);
	mnl_attr_nest_end(nlh, inet);
	mnl_attr_nest_end(nlh, spec);
	snprintf(what, sizeof(what), "set %s %d on %s", key_name, on ? 1 : 0,
		 name);
	return nl_do(nl, nlh, what, err);
}

int
hv_nl_link_forward(struct hv_nl *nl, const char *name, bool on,
		   struct hv_err *err)
{
	return inet_conf(nl, name, IPV4_DEVCONF_FORWARDING, "forwarding", on,
			 err);
}

int
hv_nl_link_proxy_arp(struct hv_nl *nl, const char *name, bool on,
		     struct hv_err *err)
{
	return inet_conf(nl, name, IPV4_DEVCONF_PROXY_ARP, "proxy_arp", on,
			 err);
}

/* The root qdisc request on ifindex idx; netem options if kind. */
static struct nlmsghdr *
qdisc_msg(struct hv_nl *nl, char *buf, uint16_t type, uint16_t flags, int idx)
{
	struct nlmsghdr *nlh = nl_msg(nl, buf, type, flags);
	struct tcmsg *tcm;

	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = idx;
	tcm->tcm_parent = TC_H_ROOT;
	return nlh;
}

/*
 * netem's TCA_OPTIONS is a struct tc_netem_qopt followed by nested
 * attributes; the 64-bit ones carry the exact delay (ns) and rate.
 */
static void
put_netem(struct nlmsghdr *nlh, uint32_t delay_us, uint64_t rate_bps)
{
	struct tc_netem_qopt *q;
	struct tc_netem_rate rate = {0};
	uint64_t bytes = rate_bps / 8;
	struct nlattr *opt;

	mnl_attr_put_strz(nlh, TCA_KIND, "netem");
	opt = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	q = mnl_nlmsg_put_extra_header(nlh, sizeof(*q));
	q->limit = NETEM_LIMIT;
	mnl_attr_put_u64(nlh, TCA_NETEM_LATENCY64, (uint64_t)delay_us * 1000);
	if (rate_bps) {
		rate.rate = bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
		if (rate.rate == 0)
			rate.rate = 1;
		mnl_attr_put(nlh, TCA_NETEM_RATE, sizeof(rate), &rate);
		if (bytes > UINT32_MAX)
			mnl_attr_put_u64(nlh, TCA_NETEM_RATE64, bytes);
	}
	mnl_attr_nest_end(nlh, opt);
}

int
hv_nl_netem(struct hv_nl *nl, const char *ifname, uint32_t delay_us,
	    uint64_t rate_bps, struct hv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], what[96];
	struct nlmsghdr *nlh;
	int idx;

	if ((idx = hv_nl_ifindex(nl, ifname, err)) < 0)
		return idx;
	nlh = qdisc_msg(nl, buf, RTM_NEWQDISC,
			NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK, idx);
	put_netem(nlh, delay_us, rate_bps);
	snprintf(what, sizeof(what),
		 "add netem delay %uus rate %llubit/s on %s", delay_us,
		 (unsigned long long)rate_bps, ifname);
	return nl_do(nl, nlh, what, err);
}

/*
 * tbf: TCA_TBF_PARMS with the rate (an Ethernet link layer, so that the
 * kernel wants no rate table), the burst in bytes (TCA_TBF_BURST, which
 * makes the tick-based buffer field unused) and the queue limit in bytes.
 */
static void
put_tbf(struct nlmsghdr *nlh, uint64_t rate_bps)
{
	uint64_t bytes = rate_bps / 8, burst, limit;
	struct tc_tbf_qopt q;
	struct nlattr *opt;

	memset(&q, 0, sizeof(q));
	burst = bytes / TBF_BURST_DIV > TBF_MIN_BURST ? bytes / TBF_BURST_DIV
						      : TBF_MIN_BURST;
	limit = bytes / TBF_QUEUE_DIV + burst;
	q.rate.rate = bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
	q.rate.linklayer = TC_LINKLAYER_ETHERNET;
	q.limit = limit > UINT32_MAX ? UINT32_MAX : (uint32_t)limit;
	mnl_attr_put_strz(nlh, TCA_KIND, "tbf");
	opt = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put(nlh, TCA_TBF_PARMS, sizeof(q), &q);
	mnl_attr_put_u32(nlh, TCA_TBF_BURST,
			 burst > UINT32_MAX ? UINT32_MAX : (uint32_t)burst);
	if (bytes > UINT32_MAX)
		mnl_attr_put_u64(nlh, TCA_TBF_RATE64, bytes);
	mnl_attr_nest_end(nlh, opt);
}

int
hv_nl_tbf(struct hv_nl *nl, const char *ifname, uint64_t rate_bps,
	  struct hv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], what[96];
	struct nlmsghdr *nlh;
	int idx;

	if (rate_bps < 8)
		return hv_err_set(err, EINVAL,
				  "netlink: bad tbf rate %llu "
				  "bit/s on %s: expected at least 8",
				  (unsigned long long)rate_bps, ifname);
	if ((idx = hv_nl_ifindex(nl, ifname, err)) < 0)
		return idx;
	nlh = qdisc_msg(nl, buf, RTM_NEWQDISC,
			NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK, idx);
	put_tbf(nlh, rate_bps);
	snprintf(what, sizeof(what), "add tbf rate %llubit/s on %s",
		 (unsigned long long)rate_bps, ifname);
	return nl_do(nl, nlh, what, err);
}

int
hv_nl_qdisc_del(struct hv_nl *nl, const char *ifname, struct hv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], what[64];
	struct nlmsghdr *nlh;
	int idx, rc;

	snprintf(what, sizeof(what), "delete root qdisc of %s", ifname);
	/* Its expected failure is success, which a batch cannot tell. */
	if (nl->batch)
		return hv_err_set(err, EINVAL, "netlink: %s: not in a batch",
				  what);
	if ((idx = hv_nl_ifindex(nl, ifname, err)) < 0)
		return idx;
	nlh = qdisc_msg(nl, buf, RTM_DELQDISC, NLM_F_ACK, idx);
	rc = nl_talk(nl, nlh, NULL, what, err);
	/* The default qdisc cannot be deleted: nothing to do is success. */
	if (rc == -ENOENT || rc == -EINVAL) {
		hv_err_init(err);
		rc = 0;
	}
	return rc;
}

/* Dump callbacks: decode one message, hand it to the user's function. */
struct dump_arg {
	hv_nl_addr_fn addr_fn;
	hv_nl_route_fn route_fn;
	void *arg;
};

static int
addr_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if ((type == IFA_LOCAL || type == IFA_ADDRESS) &&
	    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
		tb[type] = a;
	return MNL_CB_OK;
}

static int
addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = {0};
	struct dump_arg *d = data;
	struct hv_nl_addr a;
	const struct nlattr *at;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET)
		return 0;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
	at = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!at)
		return 0;
	a.ifindex = (int)ifa->ifa_index;
	a.prefixlen = ifa->ifa_prefixlen;
	a.addr = ntohl(mnl_attr_get_u32(at));
	return d->addr_fn(&a, d->arg);
}

int
hv_nl_addr_dump(struct hv_nl *nl, hv_nl_addr_fn fn, void *arg,
		struct hv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct dump_arg d = {.addr_fn = fn, .arg = arg};
	struct nl_ctx c = {.cb = addr_cb, .arg = &d};
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	nlh = nl_msg(nl, buf, RTM_GETADDR, NLM_F_DUMP);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	return nl_talk(nl, nlh, &c, "dump addresses", err);
}

static int
route_attr_cb(const struct nlattr *a, void *data)
{
	struct hv_nl_route *r = data;

	if (mnl_attr_validate(a, MNL_TYPE_U32) != 0)
		return MNL_CB_OK;
	switch (mnl_attr_get_type(a)) {
	case RTA_DST:
		r->dst = ntohl(mnl_attr_get_u32(a));
		break;
	case RTA_OIF:
		r->oif = (int)mnl_attr_get_u32(a);
		break;
	case RTA_GATEWAY:
		r->gateway = ntohl(mnl_attr_get_u32(a));
		break;
	case RTA_PREFSRC:
		r->prefsrc = ntohl(mnl_attr_get_u32(a));
		break;
	case RTA_TABLE:
		r->table = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

static int
route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct dump_arg *d = data;
	struct hv_nl_route r;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET)
		return 0;
	memset(&r, 0, sizeof(r));
	r.dst_len = rtm->rtm_dst_len;
	r.table = rtm->rtm_table;
	r.scope = rtm->rtm_scope;
	r.type = rtm->rtm_type;
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, &r);
	return d->route_fn(&r, d->arg);
}

int
hv_nl_route_dump(struct hv_nl *nl, hv_nl_route_fn fn, void *arg,
		 struct hv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct dump_arg d = {.route_fn = fn, .arg = arg};
	struct nl_ctx c = {.cb = route_cb, .arg = &d};
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	/* table 0 (RT_TABLE_UNSPEC): the kernel dumps every table. */
	nlh = nl_msg(nl, buf, RTM_GETROUTE, NLM_F_DUMP);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	return nl_talk(nl, nlh, &c, "dump routes", err);
}

void
hv_nl_batch_begin(struct hv_nl *nl, struct hv_nl_batch *b)
{
	b->n = 0;
	b->len = 0;
	b->nnames = 0;
	nl->batch = b;
}

/*
 * Count the answers to b's requests in one received buffer; remember in
 * *bad the first request (in b's order) that failed and in *code why.
 */
static int
batch_acks(struct hv_nl *nl, struct hv_nl_batch *b, const char *buf, int len,
	   unsigned *done, int *bad, int *code)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct nlmsgerr *e;
	int k, got = 0;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_type != NLMSG_ERROR ||
		    nlh->nlmsg_pid != nl->portid ||
		    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
			continue;
		for (k = 0; k < b->n && b->seq[k] != nlh->nlmsg_seq; k++)
			;
		if (k == b->n || (*done & (1u << k)))
			continue;
		*done |= 1u << k;
		got++;
		e = mnl_nlmsg_get_payload(nlh);
		if (e->error < 0 && (*bad < 0 || k < *bad)) {
			*bad = k;
			*code = -e->error;
		}
	}
	return got;
}

/* The first of b's requests not answered yet (done: answered ones). */
static const char *
batch_open(const struct hv_nl_batch *b, unsigned done)
{
	int k;

	for (k = 0; k < b->n - 1 && (done & (1u << k)); k++)
		;
	return b->what[k];
}

/* Send b's requests in one sendmsg and read an answer to each. */
static int
batch_send(struct hv_nl *nl, struct hv_nl_batch *b, struct hv_err *err)
{
	char buf[NL_ACK_BUF];
	int i, acked = 0, bad = -1, code = 0;
	unsigned done = 0;
	ssize_t n;

	if (mnl_socket_sendto(nl->sock, b->buf, b->len) < 0)
		return hv_err_sys(err, errno, "netlink: send a batch of %d: %s",
				  b->n, b->what[0]);
	for (i = 0; i < NL_MAX_READS && acked < b->n; i++) {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0)
			return hv_err_sys(err,
					  errno == EAGAIN ? ETIMEDOUT : errno,
					  "netlink: %s", batch_open(b, done));
		acked += batch_acks(nl, b, buf, (int)n, &done, &bad, &code);
	}
	if (acked < b->n)
		return hv_err_set(err, EPROTO, "netlink: %s: no answer",
				  batch_open(b, done));
	if (bad >= 0)
		return hv_err_sys(err, code, "netlink: %s", b->what[bad]);
	return 0;
}

int
hv_nl_batch_end(struct hv_nl *nl, int rc, struct hv_err *err)
{
	struct hv_nl_batch *b = nl->batch;

	nl->batch = NULL;
	if (rc < 0 || !b || b->n == 0)
		return rc < 0 ? rc : 0;
	return batch_send(nl, b, err);
}
