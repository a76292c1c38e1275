/*
 * session.c - one host connection of hpcvirt-agent: a poll loop over the
 * connection, the running command's stdout/stderr pipes and a signalfd
 * for SIGCHLD/SIGTERM. It answers HELLO, runs one EXEC at a time and
 * streams its output as STDOUT/STDERR frames, then EXIT. A malformed
 * frame gets a fatal ERROR and closes the connection; if the host goes
 * away, the command is killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "agent.h"

struct session {
	const struct hv_agent_cfg *cfg;
	int rfd;
	int wfd;
	int sigfd;
	struct hv_proto_in in;
	struct hv_agent_cmd cmd;
	uint8_t *chunk; /* HV_PROTO_CHUNK bytes of pipe output */
	bool hello_done;
	bool done;     /* close the connection */
	bool shutdown; /* and ask the agent to exit */
};

static void
send_frame(struct session *s, struct hv_proto_wr *w)
{
	if (hv_proto_write_all(s->wfd, w->buf, w->len, HV_AGENT_STALL_MS) < 0)
		s->done = true;
}

static void
send_error(struct session *s, int code, bool fatal, const char *msg)
{
	uint8_t buf[1024];
	struct hv_proto_wr w;

	hv_agent_log("%s to host: %s", fatal ? "fatal error" : "error", msg);
	hv_proto_wr_init(&w, buf, sizeof(buf));
	if (hv_proto_error_build(&w, (uint32_t)code, msg, fatal) == 0)
		send_frame(s, &w);
	if (fatal)
		s->done = true;
}

static void
on_hello(struct session *s, const uint8_t *p, uint32_t n)
{
	struct hv_proto_hello in, me;
	struct utsname u;
	uint8_t buf[1024];
	struct hv_proto_wr w;

	if (hv_proto_hello_parse(p, n, &in) < 0)
		return send_error(s, EBADMSG, true, "malformed HELLO payload");
	if (in.version < 1) {
		return send_error(s, EPROTONOSUPPORT, true,
				  "protocol version 0 is not supported "
				  "(agent speaks 1)");
	}
	memset(&me, 0, sizeof(me));
	me.version = HV_PROTO_VERSION;
	snprintf(me.software, sizeof(me.software), "hpcvirt-agent/%s",
		 HV_VERSION);
	if (uname(&u) == 0) {
		snprintf(me.host, sizeof(me.host), "%s", u.nodename);
		snprintf(me.uname, sizeof(me.uname), "%s %s %s", u.sysname,
			 u.release, u.machine);
	}
	hv_proto_wr_init(&w, buf, sizeof(buf));
	if (hv_proto_hello_build(&w, &me) == 0)
		send_frame(s, &w);
	s->hello_done = true;
}

static void
on_exec(struct session *s, const uint8_t *p, uint32_t n)
{
	struct hv_proto_exec m;
	char msg[512];
	int rc;

	if (s->cmd.pid)
		return send_error(s, EBUSY, false,
				  "busy: a command is already running on this "
				  "connection");
	rc = hv_proto_exec_parse(p, n, &m);
	if (rc < 0)
		return send_error(s, -rc, true, "malformed EXEC payload");
	rc = hv_agent_cmd_start(&s->cmd, s->cfg, &m, msg, sizeof(msg));
	if (rc < 0)
		send_error(s, -rc, false, msg);
	else
		hv_agent_log("started '%s' pid %d", m.argv[0], (int)s->cmd.pid);
	hv_proto_exec_release(&m);
}

static void
on_frame(struct session *s, const struct hv_frame_hdr *h, const uint8_t *p)
{
	char msg[128];

	if (h->type == HV_F_HELLO)
		return on_hello(s, p, h->len);
	if (!s->hello_done) {
		snprintf(msg, sizeof(msg), "expected HELLO first, got %s",
			 hv_proto_type_name(h->type));
		return send_error(s, EPROTO, true, msg);
	}
	switch (h->type) {
	case HV_F_EXEC:
		return on_exec(s, p, h->len);
	case HV_F_KILL:
		hv_agent_cmd_stop(&s->cmd, hv_agent_now_ns());
		return;
	case HV_F_SHUTDOWN:
		hv_agent_cmd_kill(&s->cmd);
		hv_proto_send(s->wfd, HV_F_SHUTDOWN, 0, NULL, 0,
			      HV_AGENT_STALL_MS);
		s->shutdown = true;
		s->done = true;
		return;
	default:
		snprintf(msg, sizeof(msg), "unexpected %s frame from the host",
			 hv_proto_type_name(h->type));
		return send_error(s, EPROTO, true, msg);
	}
}

/* Read from the connection and handle every complete frame. */
static void
on_conn(struct session *s)
{
	struct hv_frame_hdr h;
	const uint8_t *p;
	long n;
	int rc;

	n = hv_proto_in_read(&s->in, s->rfd);
	if (n == -EAGAIN)
		return;
	if (n <= 0) {
		s->done = true;
		return;
	}
	while (!s->done) {
		rc = hv_proto_in_frame(&s->in, &h, &p);
		if (rc == 0)
			return;
		if (rc < 0)
			return send_error(s, -rc, true, s->in.why);
		on_frame(s, &h, p);
		hv_proto_in_pop(&s->in);
	}
}

static void
on_pipe(struct session *s, int *fd, unsigned type)
{
	ssize_t n;

	do
		n = read(*fd, s->chunk, HV_PROTO_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return;
	}
	if (hv_proto_send(s->wfd, type, 0, s->chunk, (uint32_t)n,
			  HV_AGENT_STALL_MS) < 0)
		s->done = true;
}

static void
on_signal(struct session *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			s->done = true;
	}
	hv_agent_cmd_reap(&s->cmd);
}

/* Once the command is reaped and its pipes are drained, send EXIT. */
static void
maybe_finish(struct session *s)
{
	struct hv_proto_exit x;
	struct hv_proto_wr w;
	uint8_t buf[64];

	if (!s->cmd.pid || !s->cmd.reaped || s->cmd.out_fd >= 0 ||
	    s->cmd.err_fd >= 0)
		return;
	hv_agent_cmd_result(&s->cmd, &x);
	hv_agent_log("pid %d done: exit %d signal %d%s", (int)s->cmd.pid,
		     x.exit_code, x.term_signal,
		     x.timed_out ? " (timed out)" : "");
	hv_proto_wr_init(&w, buf, sizeof(buf));
	if (hv_proto_exit_build(&w, &x) == 0)
		send_frame(s, &w);
	hv_agent_cmd_reset(&s->cmd);
}

static void
session_poll(struct session *s)
{
	struct pollfd pfd[4];
	int n = 0, tmo, rc, i_conn = -1, i_out = -1, i_err = -1;

	pfd[n++] = (struct pollfd){.fd = s->sigfd, .events = POLLIN};
	i_conn = n;
	pfd[n++] = (struct pollfd){.fd = s->rfd, .events = POLLIN};
	if (s->cmd.out_fd >= 0) {
		i_out = n;
		pfd[n++] =
			(struct pollfd){.fd = s->cmd.out_fd, .events = POLLIN};
	}
	if (s->cmd.err_fd >= 0) {
		i_err = n;
		pfd[n++] =
			(struct pollfd){.fd = s->cmd.err_fd, .events = POLLIN};
	}
	tmo = hv_agent_cmd_tick(&s->cmd, hv_agent_now_ns());
	rc = poll(pfd, (nfds_t)n, tmo);
	if (rc <= 0)
		return;
	if (pfd[0].revents)
		on_signal(s);
	if (i_out >= 0 && pfd[i_out].revents)
		on_pipe(s, &s->cmd.out_fd, HV_F_STDOUT);
	if (i_err >= 0 && pfd[i_err].revents && !s->done)
		on_pipe(s, &s->cmd.err_fd, HV_F_STDERR);
	if (pfd[i_conn].revents && !s->done)
		on_conn(s);
}

static int
session_setup(struct session *s, const struct hv_agent_cfg *cfg, int rfd,
	      int wfd)
{
	sigset_t set;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->rfd = rfd;
	s->wfd = wfd;
	hv_proto_in_init(&s->in);
	hv_agent_cmd_init(&s->cmd);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	s->chunk = malloc(HV_PROTO_CHUNK);
	if (s->sigfd < 0 || !s->chunk)
		return -ENOMEM;
	/* Orphans of a command come back to us, not to PID 1. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	fcntl(wfd, F_SETFL, fcntl(wfd, F_GETFL) | O_NONBLOCK);
	return 0;
}

int
hv_agent_session(const struct hv_agent_cfg *cfg, int rfd, int wfd)
{
	struct session s;
	int rc = 1;

	if (session_setup(&s, cfg, rfd, wfd) < 0) {
		hv_agent_log("cannot set up a session: out of resources");
		goto out;
	}
	while (!s.done) {
		session_poll(&s);
		if (!s.done)
			maybe_finish(&s);
	}
	rc = s.shutdown ? HV_AGENT_EXIT_SHUTDOWN : 0;
out:
	hv_agent_cmd_kill(&s.cmd);
	hv_agent_cmd_reap(&s.cmd);
	hv_proto_in_release(&s.in);
	free(s.chunk);
	if (s.sigfd >= 0)
		close(s.sigfd);
	return rc;
}
