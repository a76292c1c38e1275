/*
 * agentc.c - the host-side client of hpcvirt-agent (include/hpcvirt/
 * agentc.h). It speaks the frames of src/proto, collects a command's
 * output within fixed caps, and bounds every wait by a wall-clock
 * deadline so that a dead or wedged agent never hangs the host tool.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "hpcvirt/study/agentc.h"
#include "proto/proto.h"

#ifndef HV_VERSION
#define HV_VERSION "unknown"
#endif

/* Serial consoles print boot messages before the agent's first frame. */
#define MAX_JUNK (1024u * 1024u)
#define KILL_WAIT_MS 5000
#define SHUTDOWN_WAIT_MS 5000

struct hv_agent_conn {
	int rfd;
	int wfd;
	bool synced;  /* the first frame's magic was seen */
	bool pending; /* a frame was returned and must be popped */
	bool broken;
	struct hv_proto_in in;
	uint8_t *wbuf; /* one maximal frame, for EXEC */
	char peer[600];
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
left_ms(int64_t deadline)
{
	int64_t d = deadline - now_ms();

	if (d <= 0)
		return 0;
	return d > 3600000 ? 3600000 : (int)d;
}

/* Wait for input within the deadline and buffer it. */
static int
conn_fill(struct hv_agent_conn *c, int64_t deadline, struct hv_err *err)
{
	struct pollfd pfd = {.fd = c->rfd, .events = POLLIN};
	long n;
	int rc;

	do
		rc = poll(&pfd, 1, left_ms(deadline));
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return hv_err_sys(err, errno, "agent connection: poll");
	if (rc == 0)
		return hv_err_set(err, ETIMEDOUT,
				  "agent did not answer in time");
	n = hv_proto_in_read(&c->in, c->rfd);
	if (n == -EAGAIN)
		return 0;
	/* Not -ETIMEDOUT, which here means "no input within the deadline"
	 * (callers poll in slices): the kernel gave up on the connection
	 * (keepalive or user timeout) because the box stopped answering. */
	if (n == -ETIMEDOUT)
		return hv_err_set(err, ECONNABORTED,
				  "agent connection timed out: the box "
				  "stopped acknowledging (TCP keepalive)");
	if (n < 0)
		return hv_err_sys(err, (int)-n, "agent connection: read");
	if (n == 0)
		return hv_err_set(err, ECONNRESET,
				  "agent closed the connection");
	return 0;
}

/* The next frame, within the deadline. Valid until the next call. */
static int
conn_next(struct hv_agent_conn *c, int64_t deadline, struct hv_frame_hdr *h,
	  const uint8_t **p, struct hv_err *err)
{
	int rc;

	if (c->pending)
		hv_proto_in_pop(&c->in);
	c->pending = false;
	for (;;) {
		if (!c->synced) {
			c->synced = hv_proto_in_resync(&c->in);
			if (c->in.junk > MAX_JUNK)
				return hv_err_set(err, EPROTO,
						  "no agent frame after %zu "
						  "bytes of other output",
						  c->in.junk);
		}
		rc = c->synced ? hv_proto_in_frame(&c->in, h, p) : 0;
		if (rc < 0)
			return hv_err_set(err, EPROTO,
					  "bad frame from agent: %s",
					  c->in.why);
		if (rc > 0) {
			c->pending = true;
			return 0;
		}
		rc = conn_fill(c, deadline, err);
		if (rc < 0)
			return rc;
	}
}

static int
conn_send(struct hv_agent_conn *c, const void *buf, size_t len,
	  int64_t deadline, struct hv_err *err)
{
	int rc = hv_proto_write_all(c->wfd, buf, len, left_ms(deadline));

	if (rc < 0)
		return hv_err_sys(err, -rc, "cannot send to agent");
	return 0;
}

/* An ERROR frame from the agent becomes -code with its message. */
static int
agent_error(struct hv_agent_conn *c, const struct hv_frame_hdr *h,
	    const uint8_t *p, struct hv_err *err)
{
	struct hv_proto_error e;

	if (hv_proto_error_parse(p, h->len, &e) < 0) {
		c->broken = true;
		return hv_err_set(err, EPROTO, "malformed ERROR frame");
	}
	if (h->flags & HV_PROTO_F_FATAL)
		c->broken = true;
	if (e.code == 0 || e.code > 4095)
		e.code = EIO;
	return hv_err_set(err, (int)e.code, "agent: %s", e.msg);
}

static int
unexpected(struct hv_agent_conn *c, const struct hv_frame_hdr *h,
	   const char *when, struct hv_err *err)
{
	c->broken = true;
	return hv_err_set(err, EPROTO, "unexpected %s frame from agent %s",
			  hv_proto_type_name(h->type), when);
}

static int
do_hello(struct hv_agent_conn *c, int64_t deadline, struct hv_err *err)
{
	struct hv_proto_hello me, peer;
	struct hv_frame_hdr h;
	const uint8_t *p;
	struct hv_proto_wr w;
	struct utsname u;
	uint8_t buf[1024];
	int rc;

	memset(&me, 0, sizeof(me));
	me.version = HV_PROTO_VERSION;
	snprintf(me.software, sizeof(me.software), "hpcvirt/%s", HV_VERSION);
	if (uname(&u) == 0) {
		snprintf(me.host, sizeof(me.host), "%s", u.nodename);
		snprintf(me.uname, sizeof(me.uname), "%s %s %s", u.sysname,
			 u.release, u.machine);
	}
	hv_proto_wr_init(&w, buf, sizeof(buf));
	if (hv_proto_hello_build(&w, &me) < 0)
		return hv_err_set(err, EMSGSIZE, "HELLO does not fit");
	rc = conn_send(c, w.buf, w.len, deadline, err);
	if (rc == 0)
		rc = conn_next(c, deadline, &h, &p, err);
	if (rc < 0)
		return rc;
	if (h.type == HV_F_ERROR)
		return agent_error(c, &h, p, err);
	if (h.type != HV_F_HELLO)
		return unexpected(c, &h, "instead of HELLO", err);
	if (hv_proto_hello_parse(p, h.len, &peer) < 0 || peer.version < 1)
		return hv_err_set(err, EPROTO, "malformed HELLO from agent");
	snprintf(c->peer, sizeof(c->peer), "%s %s %s", peer.software, peer.host,
		 peer.uname);
	return 0;
}

static int
conn_new(struct hv_agent_conn **out, int rfd, int wfd, struct hv_err *err)
{
	struct hv_agent_conn *c = calloc(1, sizeof(*c));

	if (c)
		c->wbuf = malloc(HV_PROTO_HDR_LEN + HV_PROTO_MAX_PAYLOAD);
	if (!c || !c->wbuf) {
		free(c);
		return hv_err_set(err, ENOMEM,
				  "out of memory for a connection");
	}
	c->rfd = rfd;
	c->wfd = wfd;
	hv_proto_in_init(&c->in);
	*out = c;
	return 0;
}

/* Free without closing the fds. */
static void
conn_free(struct hv_agent_conn *c)
{
	hv_proto_in_release(&c->in);
	free(c->wbuf);
	free(c);
}

int
hv_agent_connect_fds(struct hv_agent_conn **out, int rfd, int wfd,
		     int timeout_ms, struct hv_err *err)
{
	struct hv_agent_conn *c = NULL;
	int rc;

	*out = NULL;
	rc = conn_new(&c, rfd, wfd, err);
	if (rc < 0)
		return rc;
	rc = do_hello(c, now_ms() + (timeout_ms > 0 ? timeout_ms : 0), err);
	if (rc < 0) {
		conn_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* One connect attempt: fd, or -errno. */
static int
try_connect(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd, rc;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)ss, len) == 0)
		return fd;
	rc = -errno;
	close(fd);
	return rc;
}

int
hv_agent_connect(struct hv_agent_conn **out, const char *addr, int timeout_ms,
		 struct hv_err *err)
{
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	struct sockaddr_storage ss;
	socklen_t len;
	char why[128];
	int fd, rc;

	*out = NULL;
	if (hv_proto_addr_parse(addr, &ss, &len, why, sizeof(why)) < 0)
		return hv_err_set(err, EINVAL, "bad agent address '%s': %s",
				  addr, why);
	/* Bounded: one attempt every 50 ms until the deadline. */
	while ((fd = try_connect(&ss, len)) < 0 && left_ms(deadline) > 0)
		usleep(50000);
	if (fd < 0)
		return hv_err_sys(err, -fd, "cannot connect to agent at %s",
				  addr);
	/* Writes then wait in poll, bounded by the deadline, never block. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	rc = hv_agent_connect_fds(out, fd, fd, left_ms(deadline), err);
	if (rc < 0) {
		close(fd);
		return hv_err_prefix(err, "agent at %s: ", addr);
	}
	return 0;
}

const char *
hv_agent_peer_info(const struct hv_agent_conn *c)
{
	return c->peer;
}

int
hv_agent_conn_fds(struct hv_agent_conn *c, int *rfd, int *wfd)
{
	if (c->broken)
		return -EPIPE;
	if (c->pending) /* the last frame read is done with */
		hv_proto_in_pop(&c->in);
	c->pending = false;
	if (c->in.have > 0)
		return -EBUSY;
	*rfd = c->rfd;
	*wfd = c->wfd;
	return 0;
}

void
hv_agent_close(struct hv_agent_conn *c)
{
	if (!c)
		return;
	close(c->rfd);
	if (c->wfd != c->rfd)
		close(c->wfd);
	conn_free(c);
}

static size_t
pow2_room(size_t n)
{
	size_t room = 4096;

	while (room < n)
		room *= 2;
	return room;
}

/*
 * Append to a capped, always NUL-terminated buffer. Its allocation is
 * pow2_room(len + 1), so growth is amortized without a capacity field.
 */
static int
buf_add(char **buf, size_t *len, size_t cap, const uint8_t *p, size_t n,
	bool *truncated)
{
	size_t room;
	char *nb;

	if (n > cap - *len) {
		*truncated = true;
		n = cap - *len;
	}
	room = pow2_room(*len + n + 1);
	if (!*buf || room > pow2_room(*len + 1)) {
		nb = realloc(*buf, room);
		if (!nb)
			return -ENOMEM;
		*buf = nb;
	}
	if (n)
		memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

static int
on_exec_frame(struct hv_agent_conn *c, const struct hv_exec_req *req,
	      struct hv_exec_res *res, const struct hv_frame_hdr *h,
	      const uint8_t *p, struct hv_err *err)
{
	struct hv_proto_exit x;
	int rc;

	switch (h->type) {
	case HV_F_STDOUT:
	case HV_F_STDERR:
		if (req->on_output)
			req->on_output(req->arg, h->type == HV_F_STDOUT ? 1 : 2,
				       (const char *)p, h->len);
		if (h->type == HV_F_STDOUT)
			rc = buf_add(&res->out, &res->out_len, HV_AGENT_OUT_CAP,
				     p, h->len, &res->truncated);
		else
			rc = buf_add(&res->err, &res->err_len, HV_AGENT_ERR_CAP,
				     p, h->len, &res->truncated);
		if (rc < 0)
			return hv_err_set(err, ENOMEM,
					  "out of memory for "
					  "command output");
		return 0;
	case HV_F_EXIT:
		if (hv_proto_exit_parse(p, h->len, &x) < 0) {
			c->broken = true;
			return hv_err_set(err, EPROTO, "malformed EXIT frame");
		}
		res->exit_code = x.exit_code;
		res->term_signal = x.term_signal;
		res->timed_out = x.timed_out;
		res->wall_ns = x.wall_ns;
		res->cpu_ns = x.cpu_ns;
		return 1;
	case HV_F_ERROR:
		return agent_error(c, h, p, err);
	default:
		return unexpected(c, h, "during a command", err);
	}
}

/* Poll slice while a cancel flag is watched. */
#define CANCEL_POLL_MS 200

/*
 * Read frames until EXIT; past the guard, or when the caller cancels,
 * send KILL once, then give up after KILL_WAIT_MS.
 */
static int
exec_wait(struct hv_agent_conn *c, const struct hv_exec_req *req,
	  struct hv_exec_res *res, int64_t deadline, int64_t tmo,
	  struct hv_err *err)
{
	uint8_t kill_frame[HV_PROTO_HDR_LEN];
	bool killed = false;
	struct hv_frame_hdr h;
	const uint8_t *p;
	int64_t until;
	int rc;

	for (;;) {
		until = deadline;
		if ((req->cancel || req->alive) &&
		    now_ms() + CANCEL_POLL_MS < until)
			until = now_ms() + CANCEL_POLL_MS;
		rc = conn_next(c, until, &h, &p, err);
		if (rc == -ETIMEDOUT && req->alive &&
		    !req->alive(req->alive_arg))
			return hv_err_set(err, EPIPE,
					  "the box died while its agent ran "
					  "'%s'",
					  req->argv[0]);
		if (rc == -ETIMEDOUT && until < deadline) {
			if (killed || !req->cancel || !*req->cancel)
				continue;
			rc = -ETIMEDOUT; /* cancelled: kill it now */
		}
		if (rc == -ETIMEDOUT && !killed) {
			killed = true;
			deadline = now_ms() + KILL_WAIT_MS;
			hv_proto_hdr_put(kill_frame, HV_F_KILL, 0, 0);
			rc = conn_send(c, kill_frame, sizeof(kill_frame),
				       deadline, err);
			if (rc == 0)
				continue;
		}
		if (rc == -ETIMEDOUT)
			hv_err_set(err, ETIMEDOUT,
				   "no answer from the agent: no EXIT within "
				   "the command's timeout (%lld ms) + %d ms, "
				   "nor %d ms after KILL (box hung?)",
				   (long long)tmo, HV_AGENT_GUARD_MARGIN_MS,
				   KILL_WAIT_MS);
		if (rc < 0)
			return rc;
		rc = on_exec_frame(c, req, res, &h, p, err);
		if (rc != 0)
			return rc;
	}
}

int
hv_agent_exec(struct hv_agent_conn *c, const struct hv_exec_req *req,
	      struct hv_exec_res *res, struct hv_err *err)
{
	int64_t tmo, deadline;
	struct hv_proto_wr w;
	int rc;

	memset(res, 0, sizeof(*res));
	if (c->broken)
		return hv_err_set(err, ENOTCONN,
				  "agent connection is broken "
				  "by an earlier failure");
	if (!req->argv || !req->argv[0] || req->timeout_ms < 0)
		return hv_err_set(err, EINVAL,
				  "bad request: argv[0] missing "
				  "or negative timeout");
	tmo = req->timeout_ms ? (int64_t)req->timeout_ms
			      : (int64_t)HV_PROTO_DEFAULT_TIMEOUT_MS;
	deadline = now_ms() + tmo + HV_AGENT_GUARD_MARGIN_MS;
	hv_proto_wr_init(&w, c->wbuf, HV_PROTO_HDR_LEN + HV_PROTO_MAX_PAYLOAD);
	rc = hv_proto_exec_build(&w, (uint32_t)req->timeout_ms, req->argv,
				 req->envp, "");
	if (rc < 0) {
		hv_err_set(err, EMSGSIZE,
			   "request for '%s' does not fit in "
			   "one frame (max 1 MiB, 4096 args)",
			   req->argv[0]);
		goto out;
	}
	rc = conn_send(c, w.buf, w.len, deadline, err);
	if (rc == 0)
		rc = exec_wait(c, req, res, deadline, tmo, err);
	if (rc > 0)
		rc = 0;
out:
	if (rc < 0) {
		if (rc != -EPERM && rc != -EINVAL && rc != -EBUSY)
			c->broken = true;
		hv_exec_res_release(res);
	} else if (!res->out || !res->err) {
		/* Promise NUL-terminated buffers even for empty output. */
		rc = buf_add(&res->out, &res->out_len, HV_AGENT_OUT_CAP, NULL,
			     0, &res->truncated);
		if (rc == 0)
			rc = buf_add(&res->err, &res->err_len, HV_AGENT_ERR_CAP,
				     NULL, 0, &res->truncated);
		if (rc < 0) {
			hv_exec_res_release(res);
			rc = hv_err_set(err, ENOMEM, "out of memory");
		}
	}
	return rc;
}

void
hv_exec_res_release(struct hv_exec_res *res)
{
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof(*res));
}

int
hv_agent_shutdown(struct hv_agent_conn *c, struct hv_err *err)
{
	int64_t deadline = now_ms() + SHUTDOWN_WAIT_MS;
	uint8_t frame[HV_PROTO_HDR_LEN];
	struct hv_frame_hdr h;
	const uint8_t *p;
	int rc;

	/* After a failure the stream may stop mid-frame: no ack to await. */
	if (c->broken)
		return hv_err_set(err, ENOTCONN,
				  "agent connection is broken "
				  "by an earlier failure");
	hv_proto_hdr_put(frame, HV_F_SHUTDOWN, 0, 0);
	rc = conn_send(c, frame, sizeof(frame), deadline, err);
	while (rc == 0) {
		rc = conn_next(c, deadline, &h, &p, err);
		/* The agent is gone: that is what was asked. */
		if (rc == -ECONNRESET || (rc == 0 && h.type == HV_F_SHUTDOWN))
			rc = 1;
		else if (rc == 0 && h.type == HV_F_ERROR)
			rc = agent_error(c, &h, p, err);
	}
	c->broken = true;
	return rc > 0 ? 0 : rc;
}
