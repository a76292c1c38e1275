/*
 * agentc.h - the host side of the hpcvirt-agent protocol: connect to the
 * agent in a box, run a kernel there and collect its output and exit
 * status. The wire format is src/proto/proto.h (docs/agent-protocol.md).
 *
 * Every call is bounded in time: connect retries only until its timeout,
 * and hv_agent_exec() gives up timeout_ms plus a margin after the
 * request (first sending KILL), so a dead agent never hangs the host.
 * A connection runs one command at a time; open several connections for
 * concurrent commands (the agent serves each in its own process).
 */
#ifndef HPCVIRT_AGENTC_H
#define HPCVIRT_AGENTC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hpcvirt/util/err.h"

/* Caps of the collected output (on_output still sees everything). */
#define HV_AGENT_OUT_CAP (64u * 1024u * 1024u)
#define HV_AGENT_ERR_CAP (1024u * 1024u)
/* Added to the command's timeout for the client's own wall-clock guard. */
#define HV_AGENT_GUARD_MARGIN_MS 15000

struct hv_agent_conn;

/*
 * addr as the agent's --listen form: "unix:/p", "tcp:127.0.0.1:4000",
 * "tcp:[::1]:4000". Retries connecting until timeout_ms (the box may
 * still be starting), then exchanges HELLO.
 */
int hv_agent_connect(struct hv_agent_conn **out, const char *addr,
		     int timeout_ms, struct hv_err *err);

/*
 * Wrap already-connected fds (e.g. a pipe pair to a VM serial console;
 * rfd may equal wfd). Bytes before the agent's first frame (boot noise,
 * the READY line) are skipped. On success the connection owns the fds
 * and hv_agent_close() closes them; on failure the caller still does.
 */
int hv_agent_connect_fds(struct hv_agent_conn **out, int rfd, int wfd,
			 int timeout_ms, struct hv_err *err);

/*
 * The connection's fds, for a relay that passes its frames on as bytes
 * (`hpcvirt node`): -EBUSY when bytes past the last frame were read and
 * would be lost, -EPIPE on a broken connection. The connection still
 * owns the fds.
 */
int hv_agent_conn_fds(struct hv_agent_conn *c, int *rfd, int *wfd);

/* From the agent's HELLO: "software host uname", e.g.
 * "hpcvirt-agent/0.1.0 box1 Linux 6.1.0-13-amd64 x86_64". */
const char *hv_agent_peer_info(const struct hv_agent_conn *c);

struct hv_exec_req {
	const char *const *argv; /* argv[0] = kernel file name; NULL-ended */
	const char *const *envp; /* extra "K=V", NULL-terminated, may be NULL */
	int timeout_ms;		 /* 0 = agent default (one hour) */
	/* optional: called for each chunk as it arrives (may be NULL) */
	void (*on_output)(void *arg, int stream /* 1 out, 2 err */,
			  const char *buf, size_t len);
	void *arg;
	/* optional: when *cancel becomes nonzero (set by a signal handler),
	 * the command is killed at once (KILL frame) and the call returns
	 * after its EXIT, within about 200 ms plus the agent's kill time. */
	volatile sig_atomic_t *cancel;
	/* optional: checked every ~200 ms while waiting; false (the box's
	 * host process is gone, say) ends the wait at once with -EPIPE,
	 * instead of waiting out the timeout on a connection that nobody
	 * will ever answer or close. */
	bool (*alive)(void *arg);
	void *alive_arg;
};

struct hv_exec_res {
	int exit_code;	 /* -1 if killed by signal */
	int term_signal; /* 0 if exited */
	bool timed_out;
	int64_t wall_ns;
	int64_t cpu_ns;
	char *out; /* NUL-terminated, capped at HV_AGENT_OUT_CAP */
	size_t out_len;
	char *err; /* NUL-terminated, capped at HV_AGENT_ERR_CAP */
	size_t err_len;
	bool truncated; /* a cap was hit */
};

/*
 * Run and wait. Returns 0 when the command ran (whatever its exit code),
 * -errno on protocol or connection failure (err says why; an agent ERROR
 * frame's message is passed through, e.g. "not a kernel: 'sh' ..." with
 * -EPERM). After a failure other than an agent ERROR about the request
 * the connection is unusable. On failure res holds nothing to release.
 */
int hv_agent_exec(struct hv_agent_conn *c, const struct hv_exec_req *req,
		  struct hv_exec_res *res, struct hv_err *err);
void hv_exec_res_release(struct hv_exec_res *res);

/* Ask the agent to exit (a box's PID 1 powers off); waits for the ack.
 * A connection broken by an earlier failure fails at once (-ENOTCONN). */
int hv_agent_shutdown(struct hv_agent_conn *c, struct hv_err *err);

/* Close the connection (the agent kills a command still running). */
void hv_agent_close(struct hv_agent_conn *c);

#endif
