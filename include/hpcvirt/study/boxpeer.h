/*
 * boxpeer.h - a bench's peer server run in a box, through the box's agent
 * (the other end of net.rr and net.stream across hosts, where both ends
 * are boxes of the env, as in the paper's guest-to-guest runs). The
 * agent's EXEC is synchronous, so the server runs in a thread of its own
 * on that box's connection; the study goes on with the client on the
 * other box and stops the server when the repetition is done.
 */
#ifndef HPCVIRT_BOXPEER_H
#define HPCVIRT_BOXPEER_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include "hpcvirt/study/bench.h"
#include "hpcvirt/study/env.h"

struct hv_box_peer {
	struct hv_box *box;
	pthread_t thread;
	bool running;
	volatile sig_atomic_t stop; /* the server's cancel flag */
	int wake[2];		    /* its first line, or its end */
	pthread_mutex_t mu;
	char line[256];
	size_t len;
	bool have_line, ended;
	char bind[64], life[16];
	const char *argv[12];
	struct hv_exec_req req;
	struct hv_exec_res res;
	struct hv_err err;
	int rc;
};

/*
 * Start b's server ("KERNEL server --bind IP --port 0 --lifetime S") in
 * box, on the box's lab address (config "ip"), and wait for its
 * "HPCVIRT-LISTEN" line (30 s) into peer. On failure err says why (the
 * server's exit and last words when it ended) and nothing is left.
 */
int hv_box_peer_start(struct hv_box_peer *bp, struct hv_box *box,
		      const struct hv_bench *b, struct hv_peer *peer,
		      struct hv_err *err);

/* Stop the server (the agent kills it) and wait for its thread. Safe on
 * a peer that never started. */
void hv_box_peer_stop(struct hv_box_peer *bp);

#endif
