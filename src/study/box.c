/*
 * box.c - the wrappers around env driver hooks, the only place that calls
 * them, the shared "spawn the agent and wait until it is ready" step, and
 * the crew of threads that starts the nodes of a virtual cluster at once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hpcvirt/study/env.h"

#define AGENT_CONNECT_MS 10000
#define DIED_WAIT_MS 500
#define READY_TAG "HPCVIRT-AGENT-READY "

int
hv_env_probe(const struct hv_env *env, struct hv_err *why)
{
	hv_err_init(why);
	if (!env->probe)
		return 0;
	return env->probe(why);
}

int
hv_box_start(const struct hv_env *env, const struct hv_env_ctx *ctx,
	     struct hv_box *box, struct hv_err *err)
{
	struct hv_err serr;
	int64_t t0;
	int rc;

	memset(box, 0, sizeof(*box));
	hv_proc_init(&box->proc);
	hv_params_init(&box->config);
	box->env = env;
	t0 = hv_now_ns();
	rc = env->start(ctx, box, err);
	if (rc < 0)
		goto fail;
	/* A driver may connect itself (a VM's agent is reachable only from
	 * inside the lab); then box->conn is already set. */
	if (!box->conn)
		rc = hv_agent_connect(&box->conn, box->agent_addr,
				      AGENT_CONNECT_MS, err);
	if (rc < 0) {
		hv_err_prefix(err, "agent at %s: ", box->agent_addr);
		goto fail;
	}
	box->start_ns = hv_now_ns() - t0;
	if (box->vcpus <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		box->vcpus = ctx->spec.cpus > 0 ? ctx->spec.cpus
			     : n > 0		? (int)n
						: 1;
	}
	return 0;
fail:
	hv_err_prefix(err, "%s: start: ", env->name);
	hv_err_init(&serr);
	if (hv_box_stop(box, &serr) < 0) {
		size_t len = strlen(err->msg);

		/* The half-started box left something: say so too. */
		snprintf(err->msg + len, sizeof(err->msg) - len, "; %s",
			 serr.msg);
	}
	return rc;
}

/* --- starting boxes at once ------------------------------------------- */

struct crew_job {
	struct hv_box_crew *crew;
	const struct hv_env *env;
	const struct hv_env_ctx *ctx;
	struct hv_box *box;
	int *rc;
	struct hv_err *err;
};

struct hv_box_crew {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t done, nthreads;
	bool released;
	pthread_t *threads;
	struct crew_job *jobs;
};

static void *
crew_run(void *arg)
{
	struct crew_job *j = arg;
	struct hv_box_crew *c = j->crew;

	hv_err_init(j->err);
	*j->rc = hv_box_start(j->env, j->ctx, j->box, j->err);
	pthread_mutex_lock(&c->mu);
	c->done++;
	pthread_cond_broadcast(&c->cv);
	while (!c->released) /* stay: the box's processes die with us */
		pthread_cond_wait(&c->cv, &c->mu);
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

int
hv_box_start_all(struct hv_box_crew **crew, const struct hv_env *env,
		 const struct hv_env_ctx *ctx, struct hv_box *const *boxes,
		 int *rcs, struct hv_err *errs, size_t n)
{
	/* the crew, then its threads and jobs, in one allocation */
	struct hv_box_crew *c =
		calloc(1, sizeof(*c) + n * (sizeof(pthread_t) +
					    sizeof(struct crew_job)));
	size_t i;

	*crew = NULL;
	if (!c)
		return -ENOMEM;
	c->jobs = (struct crew_job *)(c + 1);
	c->threads = (pthread_t *)(c->jobs + n);
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	for (i = 0; i < n; i++) {
		c->jobs[i] = (struct crew_job){c,	 env,	  ctx,
					       boxes[i], &rcs[i], &errs[i]};
		if (pthread_create(&c->threads[i], NULL, crew_run,
				   &c->jobs[i]) != 0)
			break;
		c->nthreads++;
	}
	/* A thread that could not be made: its box starts here, after. */
	for (; i < n; i++) {
		hv_err_init(&errs[i]);
		rcs[i] = hv_box_start(env, ctx, boxes[i], &errs[i]);
	}
	pthread_mutex_lock(&c->mu);
	while (c->done < c->nthreads)
		pthread_cond_wait(&c->cv, &c->mu);
	pthread_mutex_unlock(&c->mu);
	*crew = c;
	return 0;
}

void
hv_box_crew_release(struct hv_box_crew *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->released = true;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	for (size_t i = 0; i < c->nthreads; i++)
		pthread_join(c->threads[i], NULL);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/*
 * The test knob $HPCVIRT_KERNEL_TIMEOUT (whole seconds, 1-86400) lowers
 * every kernel's timeout, so that a test of a hung box takes seconds,
 * not the bench's minutes. 0 and *ms unchanged when it is unset.
 */
static int
kernel_timeout(int *ms, struct hv_err *err)
{
	const char *s = getenv("HPCVIRT_KERNEL_TIMEOUT");
	char *end;
	long v;

	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 86400)
		return hv_err_set(err, EINVAL,
				  "bad HPCVIRT_KERNEL_TIMEOUT '%s': expected "
				  "whole seconds from 1 to 86400",
				  s);
	if (*ms == 0 || *ms > v * 1000)
		*ms = (int)v * 1000;
	return 0;
}

/*
 * After the agent's connection failed: if the box's main process died,
 * say how, waiting a little for it (the socket closes as it exits).
 */
static int
box_died(struct hv_box *box, int rc, struct hv_err *err)
{
	int64_t deadline = hv_now_ms() + DIED_WAIT_MS;
	struct timespec ts = {0, 5000000};
	char how[64];

	if (box->proc.pid <= 0 || (rc != -ECONNRESET && rc != -EPIPE))
		return rc;
	while (hv_proc_alive(&box->proc) && hv_now_ms() < deadline)
		nanosleep(&ts, NULL);
	if (hv_proc_alive(&box->proc))
		return rc;
	snprintf(err->msg + strlen(err->msg),
		 sizeof(err->msg) - strlen(err->msg),
		 "; the %s box's main process (pid %d) ended: %s",
		 box->env->name, (int)box->proc.pid,
		 hv_proc_status_str(box->proc.status, how, sizeof(how)));
	return rc;
}

int
hv_box_exec(struct hv_box *box, const struct hv_exec_req *req,
	    struct hv_exec_res *res, struct hv_err *err)
{
	struct hv_exec_req r = *req;
	int rc = kernel_timeout(&r.timeout_ms, err);

	if (rc < 0)
		return rc;
	if (box->env->exec)
		return box->env->exec(box, &r, res, err);
	if (!box->conn)
		return hv_err_set(err, ENOTCONN, "%s: box has no agent",
				  box->env->name);
	rc = hv_agent_exec(box->conn, &r, res, err);
	return rc < 0 ? box_died(box, rc, err) : 0;
}

void
hv_box_explain(struct hv_box *box, char *buf, size_t len)
{
	buf[0] = '\0';
	if (box->env && box->env->explain)
		box->env->explain(box, buf, len);
}

int
hv_box_stop(struct hv_box *box, struct hv_err *err)
{
	const struct hv_env *env = box->env;
	struct hv_err ignored;
	int rc = 0;

	if (!env)
		return 0;
	if (box->conn) {
		/* A box whose process is gone cannot answer: no waiting. */
		if (box->proc.pid <= 0 || hv_proc_alive(&box->proc))
			hv_agent_shutdown(box->conn, &ignored);
		hv_agent_close(box->conn);
		box->conn = NULL;
	}
	if (env->stop)
		rc = env->stop(box, err);
	hv_proc_stop(&box->proc, 2000, 1000);
	hv_params_release(&box->config);
	box->env = NULL;
	if (rc < 0)
		hv_err_prefix(err, "%s: stop: ", env->name);
	return rc;
}

/* Read the box's stdout until the agent's READY line (kept in line). */
static int
wait_ready(struct hv_box *box, int timeout_ms, char *line, size_t len,
	   struct hv_err *err)
{
	int64_t deadline = hv_now_ms() + timeout_ms;
	int rc;

	for (;;) {
		int left = (int)(deadline - hv_now_ms());

		rc = hv_proc_read_line(&box->proc, line, len,
				       left > 0 ? left : 1, err);
		if (rc < 0)
			return hv_err_prefix(err,
					     "waiting for the agent (log: "
					     "%s/box.log): ",
					     box->workdir);
		if (strncmp(line, READY_TAG, sizeof(READY_TAG) - 1) == 0)
			return 0;
	}
}

int
hv_box_spawn_agent(struct hv_box *box, char *const argv[], int timeout_ms,
		   struct hv_err *err)
{
	struct hv_proc_opts opts = {
		.pipe_stdout = true,
		.die_with_parent = true,
	};
	char line[512], log[600];
	int rc;

	if (box->workdir[0]) {
		snprintf(log, sizeof(log), "%s/box.log", box->workdir);
		opts.log_path = log;
	}
	rc = hv_proc_spawn(&box->proc, argv, &opts, err);
	if (rc < 0)
		return rc;
	rc = wait_ready(box, timeout_ms, line, sizeof(line), err);
	if (rc < 0)
		return rc;
	snprintf(box->agent_addr, sizeof(box->agent_addr), "%s",
		 line + sizeof(READY_TAG) - 1);
	return 0;
}

int
hv_box_wait_ready(struct hv_box *box, int timeout_ms, struct hv_err *err)
{
	char line[512];

	return wait_ready(box, timeout_ms, line, sizeof(line), err);
}
