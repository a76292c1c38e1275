/*
 * agent.h - the parts of hpcvirt-agent shared between its files: the
 * configuration main() builds from the command line, one connection's
 * session (session.c) and the command it runs (command.c). The agent
 * links with src/proto only, so it can be built statically for guests.
 */
#ifndef HPCVIRT_AGENT_H
#define HPCVIRT_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "proto.h"

#ifndef HV_VERSION
#define HV_VERSION "unknown"
#endif

/* Grace between SIGTERM and SIGKILL of a command's process group. */
#define HV_AGENT_GRACE_NS 1000000000LL
/* A host that reads nothing for this long is considered gone. */
#define HV_AGENT_STALL_MS 30000
/* After a command exits, how long its pipes may still be drained. */
#define HV_AGENT_DRAIN_NS 2000000000LL
/* A session's exit status that asks the main process to shut down. */
#define HV_AGENT_EXIT_SHUTDOWN 3

struct hv_agent_cfg {
	const char *kernels; /* absolute path of the kernel directory */
	const char *workdir; /* absolute path, the commands' cwd */
	const char *listen;  /* as given: unix:, tcp: or stdio */
	const char *listen2; /* a second unix: or tcp:, or NULL */
	bool once;
	int idle_timeout_s; /* 0 = never */
};

/* A running command: one kernel in its own process group. */
struct hv_agent_cmd {
	pid_t pid; /* 0 when no command runs */
	int out_fd;
	int err_fd;
	int64_t start_ns;
	int64_t deadline_ns; /* SIGTERM when reached */
	int64_t kill_ns;     /* SIGKILL when reached, 0 = not armed */
	int64_t drain_ns;    /* after exit: stop draining pipes */
	bool timed_out;
	bool reaped;
	int status;
	struct rusage ru;
	int64_t end_ns;
};

int64_t hv_agent_now_ns(void);
void hv_agent_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void hv_agent_cmd_init(struct hv_agent_cmd *c);
/*
 * Validate the request (kernel name, environment, cwd) and start it.
 * Returns 0, or -errno with a message for the host in msg.
 */
int hv_agent_cmd_start(struct hv_agent_cmd *c, const struct hv_agent_cfg *cfg,
		       const struct hv_proto_exec *m, char *msg, size_t msglen);
/* SIGTERM the group now and arm SIGKILL after the grace period. */
void hv_agent_cmd_stop(struct hv_agent_cmd *c, int64_t now);
/* SIGKILL the group, close the pipes, reap. For teardown. */
void hv_agent_cmd_kill(struct hv_agent_cmd *c);
/* Reap whatever exited (the command and adopted orphans). */
void hv_agent_cmd_reap(struct hv_agent_cmd *c);
/* Act on the deadlines; returns the ms poll may sleep (-1 = forever). */
int hv_agent_cmd_tick(struct hv_agent_cmd *c, int64_t now);
/* The EXIT frame's fields, once reaped. */
void hv_agent_cmd_result(const struct hv_agent_cmd *c, struct hv_proto_exit *x);
/* Forget a finished command (closes what is left). */
void hv_agent_cmd_reset(struct hv_agent_cmd *c);

/*
 * --guest-init (guest.c), for PID 1 of a VM or UML guest: mount /proc,
 * /sys, /dev and /dev/shm, load the modules of hv.mods=, set hv.ip= on
 * hv.if=, mount hv.disk= on /scratch and arm hv.crash=, from the kernel
 * command line, and write "tcp:IP:PORT" (hv.ip=, hv.port=) to listen.
 * What fails is reported as an "HV-INIT-ERROR ..." console line.
 */
void hv_agent_guest_init(char *listen, size_t len);

/* Serve one connection until it closes. Returns an exit status. */
int hv_agent_session(const struct hv_agent_cfg *cfg, int rfd, int wfd);

#endif
