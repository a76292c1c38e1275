/*
 * boxpeer.c - a bench's peer server in a box (boxpeer.h). The only new
 * things are the thread and the wait for the server's first line; the
 * server, the agent and the protocol are those of every other kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hpcvirt/study/boxpeer.h"
#include "hpcvirt/study/result-line.h"

#define LISTEN_MS 30000

static void
wake(struct hv_box_peer *bp)
{
	char c = 1;

	if (write(bp->wake[1], &c, 1) < 0) {
		/* a full pipe has woken the reader already */
	}
}

/* The server's stdout as it comes: keep its first line. */
static void
on_output(void *arg, int stream, const char *buf, size_t len)
{
	struct hv_box_peer *bp = arg;
	size_t i;

	pthread_mutex_lock(&bp->mu);
	for (i = 0; stream == 1 && !bp->have_line && i < len; i++) {
		if (buf[i] == '\n') {
			bp->have_line = true;
			wake(bp);
		} else if (bp->len + 1 < sizeof(bp->line)) {
			bp->line[bp->len++] = buf[i];
		}
	}
	pthread_mutex_unlock(&bp->mu);
}

static void *
serve(void *arg)
{
	struct hv_box_peer *bp = arg;

	bp->rc = hv_box_exec(bp->box, &bp->req, &bp->res, &bp->err);
	pthread_mutex_lock(&bp->mu);
	bp->ended = true;
	wake(bp);
	pthread_mutex_unlock(&bp->mu);
	return NULL;
}

/* Why the server gave no address: how it ended, or that it is silent. */
static int
no_line(struct hv_box_peer *bp, const char *who, struct hv_err *err)
{
	char last[200];

	hv_tail_line(bp->res.err ? bp->res.err : "", last, sizeof(last));
	if (!bp->ended)
		return hv_err_set(err, ETIMEDOUT, "%s: no address in %d s", who,
				  LISTEN_MS / 1000);
	if (bp->rc < 0)
		return hv_err_set(err, -bp->rc, "%s: %s", who, bp->err.msg);
	return hv_err_set(err, EPROTO, "%s ended (exit %d)%s%s", who,
			  bp->res.exit_code, last[0] ? ": " : "", last);
}

int
hv_box_peer_start(struct hv_box_peer *bp, struct hv_box *box,
		  const struct hv_bench *b, struct hv_peer *peer,
		  struct hv_err *err)
{
	const char *ip = hv_params_get(&box->config, "ip");
	const char *host = hv_params_get(&box->config, "host");
	struct pollfd p = {.events = POLLIN};
	int64_t deadline;
	char who[128], c;
	int k = 0, rc;

	memset(bp, 0, sizeof(*bp));
	bp->wake[0] = bp->wake[1] = -1;
	snprintf(who, sizeof(who), "%s server in the %s box on host %s",
		 b->kernel, box->env->name, host ? host : "?");
	if (!ip)
		return hv_err_set(err, ENXIO, "%s: the box has no lab address",
				  who);
	if (pipe2(bp->wake, O_CLOEXEC | O_NONBLOCK) < 0)
		return hv_err_sys(err, errno, "%s: pipe", who);
	pthread_mutex_init(&bp->mu, NULL);
	bp->box = box;
	snprintf(bp->bind, sizeof(bp->bind), "%s", ip);
	snprintf(bp->life, sizeof(bp->life), "%d", b->timeout_ms / 1000 + 30);
	bp->argv[k++] = b->kernel;
	bp->argv[k++] = "server";
	bp->argv[k++] = "--bind";
	bp->argv[k++] = bp->bind;
	bp->argv[k++] = "--port";
	bp->argv[k++] = "0";
	bp->argv[k++] = "--lifetime";
	bp->argv[k++] = bp->life;
	bp->argv[k] = NULL;
	bp->req.argv = bp->argv;
	bp->req.timeout_ms = (b->timeout_ms / 1000 + 60) * 1000;
	bp->req.on_output = on_output;
	bp->req.arg = bp;
	bp->req.cancel = &bp->stop;
	hv_err_init(&bp->err);
	rc = pthread_create(&bp->thread, NULL, serve, bp);
	if (rc != 0) {
		hv_box_peer_stop(bp);
		return hv_err_set(err, rc, "%s: pthread_create: %s", who,
				  strerror(rc));
	}
	bp->running = true;
	p.fd = bp->wake[0];
	deadline = hv_now_ms() + LISTEN_MS;
	for (;;) {
		bool line, ended;

		pthread_mutex_lock(&bp->mu);
		line = bp->have_line;
		ended = bp->ended;
		bp->line[bp->len] = '\0';
		pthread_mutex_unlock(&bp->mu);
		if (line || ended)
			break;
		if (hv_now_ms() >= deadline ||
		    poll(&p, 1, (int)(deadline - hv_now_ms())) == 0)
			break;
		while (read(bp->wake[0], &c, 1) == 1)
			;
	}
	pthread_mutex_lock(&bp->mu);
	rc = bp->have_line ? hv_listen_line_parse(bp->line, who, peer, err)
			   : -1;
	pthread_mutex_unlock(&bp->mu);
	if (rc == -1) {
		bp->stop = 1;
		pthread_join(bp->thread, NULL);
		bp->running = false;
		rc = no_line(bp, who, err);
	}
	if (rc < 0)
		hv_box_peer_stop(bp);
	return rc;
}

void
hv_box_peer_stop(struct hv_box_peer *bp)
{
	if (bp->running) {
		bp->stop = 1;
		pthread_join(bp->thread, NULL);
		bp->running = false;
	}
	if (bp->wake[0] >= 0) {
		hv_exec_res_release(&bp->res);
		close(bp->wake[0]);
		close(bp->wake[1]);
		pthread_mutex_destroy(&bp->mu);
	}
	bp->wake[0] = bp->wake[1] = -1;
}
