/*
 * estimate.c - the time a study will take at native speed, from short
 * native pilot runs (estimate.h). The pilots run the host's own kernels
 * as plain child processes in a private run directory; each distinct
 * argv runs once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "hpcvirt/host/proc.h"
#include "hpcvirt/host/runstate.h"
#include "hpcvirt/study/estimate.h"
#include "hpcvirt/study/result-line.h"

#define PILOT_TIMEOUT_MS (120 * 1000)

struct pilot_run {
	struct pilot_run *next;
	char *key;  /* the argv, joined by '\n' */
	cJSON *res; /* NULL: it failed */
	double wall_s;
};

struct pilots {
	struct hv_pilot pl; /* first: the hooks get &pl */
	const char *bin_dir;
	const char *run_dir;
	struct pilot_run *runs;
	size_t n;
	double wall_s;
};

static char *
argv_key(const struct hv_argv *a)
{
	size_t len = 1, off = 0, n;
	char *k;
	int i;

	for (i = 0; i < a->n; i++)
		len += strlen(a->v[i]) + 1;
	k = malloc(len);
	for (i = 0; k && i < a->n; i++) {
		n = strlen(a->v[i]);
		memcpy(k + off, a->v[i], n);
		k[off + n] = '\n';
		off += n + 1;
	}
	if (k)
		k[off] = '\0';
	return k;
}

/* Run argv natively; its result line parsed, or NULL. */
static cJSON *
pilot_exec(const struct pilots *ps, const struct hv_argv *a, double *wall_s)
{
	struct hv_proc_opts po = {.pipe_stdout = true,
				  .die_with_parent = true,
				  .cwd = ps->run_dir,
				  .own_pgrp = true};
	char path[1024], line[4096], last[4096] = "";
	int64_t t0 = hv_now_ms(), left;
	struct hv_proc p;
	cJSON *res = NULL;
	char *argv[HV_ARGV_MAX + 1];
	int i, rc;

	snprintf(path, sizeof(path), "%s/%s", ps->bin_dir, a->v[0]);
	argv[0] = path;
	for (i = 1; i <= a->n; i++)
		argv[i] = a->v[i];
	hv_proc_init(&p);
	if (hv_proc_spawn(&p, argv, &po, NULL) < 0)
		return NULL;
	for (;;) {
		left = PILOT_TIMEOUT_MS - (hv_now_ms() - t0);
		rc = left > 0 ? hv_proc_read_line(&p, line, sizeof(line),
						  (int)left, NULL)
			      : -ETIMEDOUT;
		if (rc < 0)
			break;
		if (strncmp(line, "HPCVIRT-RESULT ", 15) == 0)
			snprintf(last, sizeof(last), "%s", line);
	}
	if (rc == -ETIMEDOUT)
		hv_proc_kill_group(p.pid, 2000);
	hv_proc_stop(&p, 2000, 1000);
	*wall_s = (double)(hv_now_ms() - t0) / 1e3;
	if (rc != -ETIMEDOUT && WIFEXITED(p.status) &&
	    WEXITSTATUS(p.status) == 0)
		res = hv_result_line_find(last);
	return res;
}

static const cJSON *
pilot_run(struct hv_pilot *pl, const struct hv_argv *a, double *wall_s)
{
	struct pilots *ps = (struct pilots *)pl;
	struct pilot_run *r;
	char *key = argv_key(a);

	if (!key || a->n < 1)
		goto fail;
	for (r = ps->runs; r; r = r->next)
		if (strcmp(r->key, key) == 0) {
			free(key);
			goto done;
		}
	r = calloc(1, sizeof(*r));
	if (!r)
		goto fail;
	r->key = key;
	r->res = pilot_exec(ps, a, &r->wall_s);
	r->next = ps->runs;
	ps->runs = r;
	ps->n++;
	ps->wall_s += r->wall_s;
done:
	if (wall_s)
		*wall_s = r->wall_s;
	return r->res;
fail:
	free(key);
	return NULL;
}

/* One unit's seconds per repetition at native speed; -1 if unknown. */
static double
unit_secs(struct pilots *ps, const struct hv_plan_set *set)
{
	const struct hv_bench *b = set->bench;
	struct hv_bench_ctx bc = {.scratch = ps->run_dir};
	struct hv_argv a;
	double wall = -1;

	if (b->expect_s)
		return b->expect_s(&set->params, &ps->pl);
	if (b->needs_peer || b->box_start || !b->argv)
		return -1;
	hv_argv_init(&a);
	if (b->argv(&set->params, &bc, &a, NULL) == 0 &&
	    !pilot_run(&ps->pl, &a, &wall))
		wall = -1;
	hv_argv_release(&a);
	return wall;
}

struct walk {
	struct pilots *ps;
	struct hv_estimate *est;
	double secs; /* sum over units of one repetition each */
};

static bool
slower_than_native(const struct hv_env *e)
{
	return strcmp(e->paper_role, "native") != 0 &&
	       strcmp(e->paper_role, "control") != 0 &&
	       strcmp(e->paper_role, "OS-level") != 0;
}

static int
add_unit(const struct hv_env *env, const struct hv_plan_set *set, void *arg)
{
	struct walk *w = arg;
	struct hv_estimate *est = w->est;
	double s = unit_secs(w->ps, set);
	size_t len = strlen(est->slower);
	char name[64];

	est->units++;
	if (s < 0)
		est->unknown++;
	else
		w->secs += s;
	snprintf(name, sizeof(name), "%s, ", env->name);
	if (slower_than_native(env) && !strstr(est->slower, name))
		snprintf(est->slower + len, sizeof(est->slower) - len, "%s",
			 name);
	return 0;
}

int
hv_run_estimate(const struct hv_run_opts *o, const struct hv_plan *plan,
		struct hv_estimate *est, struct hv_err *err)
{
	struct pilots ps = {.pl.run = pilot_run, .bin_dir = o->bin_dir};
	struct walk w = {.ps = &ps, .est = est};
	struct hv_runstate rs;
	struct pilot_run *r;
	size_t len;
	int rc;

	memset(est, 0, sizeof(*est));
	rc = hv_runstate_create(&rs, err);
	if (rc < 0)
		return rc;
	ps.run_dir = rs.dir;
	rc = hv_run_each_unit(o, plan, add_unit, &w);
	if (rc < 0)
		hv_err_set(err, -rc, "estimate");
	while ((r = ps.runs)) {
		ps.runs = r->next;
		cJSON_Delete(r->res);
		free(r->key);
		free(r);
	}
	hv_runstate_remove(&rs);
	len = strlen(est->slower);
	if (len >= 2)
		est->slower[len - 2] = '\0'; /* the last ", " */
	est->lo_reps = o->warmup + o->reps;
	est->hi_reps = o->warmup + (o->precision > 0 ? o->max_reps : o->reps);
	est->lo_s = w.secs * est->lo_reps;
	est->hi_s = w.secs * est->hi_reps;
	if (o->budget_s > 0 && est->hi_s > o->budget_s) {
		est->hi_s = est->lo_s > o->budget_s ? est->lo_s : o->budget_s;
		est->capped = true;
	}
	est->pilots = ps.n;
	est->pilot_s = ps.wall_s;
	return rc;
}
