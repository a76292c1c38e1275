/*
 * sched.c - running a study. The plan's parameter sets times the
 * environments give the units (one kernel run per repetition); each unit
 * has one cell per metric of its bench. Repetitions run in blocks: every
 * unit once per block, in a fresh seeded random order each block, warm-up
 * blocks first. Every sample goes to the store as soon as it exists; a
 * failing unit marks its cells failed with the reason and the study goes
 * on. A resumed study rebuilds the same units and order, checks them
 * against the stored ones, and runs only the repetitions not yet stored.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "hpcvirt/study/cluster.h"
#include "hpcvirt/study/plan.h"
#include "hpcvirt/host/proc.h"
#include "hpcvirt/results/precision.h"
#include "hpcvirt/results/provenance.h"
#include "hpcvirt/host/runstate.h"
#include "hpcvirt/study/result-line.h"
#include "hpcvirt/study/sched.h"
#include "hpcvirt/study/boxpeer.h"
#include "hpcvirt/study/slurm.h"
#include "proto/npb-rules.h"
#include "hpcvirt/results/store.h"
#include "hpcvirt/util/opt.h"

struct unit {
	size_t env; /* index into o->envs and boxes */
	const struct hv_plan_set *set;
	size_t cell0; /* first of its bench's metric cells */
	bool failed;
	int nodes; /* boxes its MPI job spans (params nodes), 1 for one */
	/* Across hosts (o->slurm): the host it runs on (its box is node
	 * host of its env) and its net peer's; 0 and -1 on one host. */
	int host, peer_host;
	int rpn;  /* MPI ranks per box then (params ranks_per_node) */
	int nrep; /* repetitions stored, warm-ups included: the next index */
	/* Adaptive rounds: the unit of the same set in env native (SIZE_MAX
	 * if none), and the time its repetitions took in this run. */
	size_t native;
	int64_t spent_ms;
	int timed;
};

struct runner {
	const struct hv_run_opts *o;
	struct hv_study study;
	struct hv_store *st;
	const struct hv_plan *plan;
	struct hv_runstate rs;
	struct hv_lab lab;
	bool lab_up;
	struct hv_env_ctx ctx;
	struct hv_box *boxes;
	/* Why a box is down, "" if up: [env * nhosts + host]. */
	char (*box_err)[256];
	size_t nhosts; /* the launcher's hosts; 1 on one host */
	/* The other nodes of each env's virtual cluster, started when a
	 * unit first needs them: [env * (max_nodes - 1) + k] is node k + 2. */
	struct hv_box *nodes;
	int max_nodes;
	/* The threads that started nodes, kept until the boxes are gone
	 * (hv_box_start_all). */
	struct hv_box_crew **crews;
	size_t ncrews;
	struct unit *units;
	size_t nunits;
	size_t *order; /* unit index per step */
	size_t nsteps;
	int blocks;	/* warm-up + measured repetitions */
	bool *done;	/* [unit * blocks + block]: stored already (resume) */
	size_t ntodo;	/* steps still to run */
	size_t ncursor; /* resume: next stored cell to match */
	int64_t t0_ms;	/* when the study started (the budget's origin) */
	size_t nextra;	/* repetitions of adaptive rounds planned so far */
	size_t ran;	/* repetitions run by this call */
};

static int
put_ctx(struct runner *r, const char *key, const char *json, struct hv_err *err)
{
	int rc = hv_context_set_json(&r->study, key, json);

	if (rc < 0)
		return hv_err_set(err, -rc, "context %s", key);
	return hv_store_put_context(r->st, key, json, err);
}

/* Put a cJSON value into the context and free it. */
static int
put_ctx_cjson(struct runner *r, const char *key, cJSON *v, struct hv_err *err)
{
	char *txt = v ? cJSON_PrintUnformatted(v) : NULL;
	int rc;

	cJSON_Delete(v);
	if (!txt)
		return hv_err_set(err, ENOMEM, "context %s", key);
	rc = put_ctx(r, key, txt, err);
	free(txt);
	return rc;
}

static cJSON *
env_names(const struct hv_run_opts *o)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; a && i < o->nenvs; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(o->envs[i]->name));
	return a;
}

/* The adaptive target: {"target", "min_reps", "max_reps", "budget_s"
 * (null: none), "exempt": ["bench metric", ...] (tails)}. */
static cJSON *
precision_json(const struct hv_run_opts *o)
{
	cJSON *p = cJSON_CreateObject(), *ex;
	char name[160];
	size_t i, m;

	cJSON_AddNumberToObject(p, "target", o->precision);
	cJSON_AddNumberToObject(p, "min_reps", o->reps);
	cJSON_AddNumberToObject(p, "max_reps", o->max_reps);
	if (o->budget_s > 0)
		cJSON_AddNumberToObject(p, "budget_s", o->budget_s);
	else
		cJSON_AddNullToObject(p, "budget_s");
	ex = cJSON_AddArrayToObject(p, "exempt");
	for (i = 0; i < o->nbenches; i++)
		for (m = 0; m < o->benches[i]->nmetrics; m++) {
			if (!o->benches[i]->metrics[m].tail)
				continue;
			snprintf(name, sizeof(name), "%s %s",
				 o->benches[i]->name,
				 o->benches[i]->metrics[m].name);
			cJSON_AddItemToArray(ex, cJSON_CreateString(name));
		}
	return p;
}

static int
record_setup(struct runner *r, struct hv_err *err)
{
	const struct hv_run_opts *o = r->o;
	char num[64];
	cJSON *prov;
	int rc;

	prov = hv_provenance_collect(o->bin_dir, o->cmdline);
	if (!prov)
		return hv_err_set(err, ENOMEM, "provenance");
	for (cJSON *it = prov->child; it; it = it->next) {
		rc = put_ctx_cjson(r, it->string, cJSON_Duplicate(it, 1), err);
		if (rc < 0) {
			cJSON_Delete(prov);
			return rc;
		}
	}
	cJSON_Delete(prov);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)o->seed);
	rc = put_ctx(r, "seed", num, err);
	snprintf(num, sizeof(num), "%d", o->reps);
	if (rc == 0)
		rc = put_ctx(r, "reps", num, err);
	snprintf(num, sizeof(num), "%d", o->warmup);
	if (rc == 0)
		rc = put_ctx(r, "warmup", num, err);
	snprintf(num, sizeof(num), "{\"cpus\":%d,\"mem_mib\":%d}", o->spec.cpus,
		 o->spec.mem_mib);
	if (rc == 0)
		rc = put_ctx(r, "spec", num, err);
	if (rc == 0)
		rc = put_ctx_cjson(r, "selected_envs", env_names(o), err);
	if (rc == 0 && o->precision > 0)
		rc = put_ctx_cjson(r, "precision", precision_json(o), err);
	return rc;
}

/*
 * What the lab could not emulate of what was asked, as one line ("" if
 * it applied all of it): a delay on a kernel without netem.
 */
static void
link_note(const struct hv_lab *lab, char *buf, size_t len)
{
	char rate[32];

	buf[0] = '\0';
	if (!lab->no_netem)
		return;
	hv_opt_rate_str(lab->applied.rate_bps, rate, sizeof(rate));
	snprintf(buf, len,
		 "the %u us link delay cannot be emulated on this host: its "
		 "kernel has no netem qdisc (CONFIG_NET_SCH_NETEM); %s%s%s",
		 lab->opts.delay_us,
		 lab->applied.rate_bps ? "the rate is shaped with tbf at "
				       : "no rate was asked, so the links are "
					 "not shaped at all",
		 lab->applied.rate_bps ? rate : "",
		 lab->applied.rate_bps ? " instead, with no delay" : "");
}

/* The link emulation asked for and what every box port got. */
static cJSON *
link_json(const struct hv_lab *lab)
{
	cJSON *o = cJSON_CreateObject(), *q, *a;
	char note[256];

	q = cJSON_AddObjectToObject(o, "requested");
	if (lab->opts.preset)
		cJSON_AddStringToObject(q, "preset", lab->opts.preset);
	else
		cJSON_AddNullToObject(q, "preset");
	cJSON_AddNumberToObject(q, "rate_bps", (double)lab->opts.rate_bps);
	cJSON_AddNumberToObject(q, "delay_us", lab->opts.delay_us);
	a = cJSON_AddObjectToObject(o, "applied");
	cJSON_AddStringToObject(a, "qdisc", hv_lab_qdisc(&lab->applied));
	cJSON_AddNumberToObject(a, "rate_bps", (double)lab->applied.rate_bps);
	cJSON_AddNumberToObject(a, "delay_us", lab->applied.delay_us);
	link_note(lab, note, sizeof(note));
	if (note[0])
		cJSON_AddStringToObject(o, "note", note);
	return o;
}

/* {"name": "slurm", "job", "hosts": [{"name", "addr"}]}: where a study
 * across hosts ran. */
static cJSON *
launcher_json(const struct hv_slurm *s)
{
	cJSON *o = cJSON_CreateObject(), *hosts, *h;
	size_t i;

	cJSON_AddStringToObject(o, "name", "slurm");
	cJSON_AddStringToObject(o, "job", s->job);
	hosts = cJSON_AddArrayToObject(o, "hosts");
	for (i = 0; i < s->n; i++) {
		h = cJSON_CreateObject();
		cJSON_AddStringToObject(h, "name", s->hosts[i].name);
		cJSON_AddStringToObject(h, "addr", s->hosts[i].addr);
		cJSON_AddItemToArray(hosts, h);
	}
	return o;
}

/* The lab, with a warning if it cannot emulate all that was asked. */
static int
start_lab(struct runner *r, struct hv_err *err)
{
	char note[256];
	int rc = hv_lab_create(&r->lab, &r->o->lab, err);

	if (rc < 0)
		return hv_err_prefix(err, "cannot create the lab network: ");
	r->lab_up = true;
	link_note(&r->lab, note, sizeof(note));
	if (note[0] && r->o->warn)
		r->o->warn(note, r->o->warn_arg);
	return 0;
}

/* Resume: the stored study, and one more entry in its "resumed" list. */
static int
record_resume(struct runner *r, struct hv_err *err)
{
	const char *prev;
	cJSON *list, *e, *argv;
	const char *const *a;
	time_t now = time(NULL);
	char date[32];
	struct tm tm;
	int rc;

	rc = hv_store_load(r->st, &r->study, err);
	if (rc < 0)
		return rc;
	if (r->study.seed != r->o->seed)
		return hv_err_set(
			err, EINVAL, "%s: stored seed %llu, resumed with %llu",
			r->o->out_dir, (unsigned long long)r->study.seed,
			(unsigned long long)r->o->seed);
	prev = hv_context_get(&r->study, "resumed");
	list = prev ? cJSON_Parse(prev) : cJSON_CreateArray();
	if (!cJSON_IsArray(list)) {
		cJSON_Delete(list);
		list = cJSON_CreateArray();
	}
	e = cJSON_CreateObject();
	cJSON_AddItemToArray(list, e);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(e, "date", date);
	argv = cJSON_AddArrayToObject(e, "cmdline");
	for (a = r->o->cmdline; a && *a; a++)
		cJSON_AddItemToArray(argv, cJSON_CreateString(*a));
	return put_ctx_cjson(r, "resumed", list, err);
}

/* Is unit u an MPI job over boxes on several hosts, whose labs form
 * one lab across hosts (its env spans hosts)? */
static bool
over_hosts(const struct runner *r, const struct unit *u)
{
	return r->o->slurm && u->nodes > 1 && r->o->envs[u->env]->spans_hosts;
}

/* Does unit u run in a box of its own env on its host? Not a native MPI
 * job across a Slurm allocation's hosts: Open MPI starts its ranks
 * there. A job over boxes on several hosts runs in its first box. */
static bool
uses_box(const struct runner *r, const struct unit *u)
{
	return !(r->o->slurm && u->nodes > 1) || over_hosts(r, u);
}

/* Does u's peer run in a box of its env on another host (net across the
 * hosts of a lab across hosts)? */
static bool
peer_in_box(const struct runner *r, const struct unit *u)
{
	return r->o->slurm && u->set->bench->needs_peer &&
	       r->o->envs[u->env]->spans_hosts;
}

/* Does u need a box on host k? */
static bool
on_host(const struct runner *r, const struct unit *u, size_t k)
{
	return k == SIZE_MAX || (size_t)u->host == k ||
	       (over_hosts(r, u) && k < (size_t)u->nodes) ||
	       (peer_in_box(r, u) && k == (size_t)u->peer_host);
}

/* Does env i have work left on host k (any host: k = SIZE_MAX)? */
static bool
env_has_work(const struct runner *r, size_t i, size_t k)
{
	size_t s;

	for (s = 0; s < r->nsteps; s++) {
		const struct unit *u = &r->units[r->order[s]];

		if (u->env == i && !u->failed && uses_box(r, u) &&
		    on_host(r, u, k) &&
		    !r->done[r->order[s] * (size_t)r->blocks + s / r->nunits])
			return true;
	}
	return false;
}

static char *
box_err(struct runner *r, size_t env, size_t host)
{
	return r->box_err[env * r->nhosts + host];
}

static struct hv_box *
node_box(struct runner *r, size_t env, int k)
{
	return k == 0 ? &r->boxes[env]
		      : &r->nodes[env * (size_t)(r->max_nodes - 1) +
				  (size_t)(k - 1)];
}

/* Start env's box on host k: here, or through the launcher there. */
static int
start_box(struct runner *r, size_t env, size_t k, struct hv_err *err)
{
	struct hv_box *b = node_box(r, env, (int)k);

	if (r->o->slurm)
		return hv_slurm_box_start(r->o->slurm, k, r->o->envs[env],
					  &r->ctx, b, err);
	return hv_box_start(r->o->envs[env], &r->ctx, b, err);
}

/* A started box in the context: start time, vCPUs, agent, config. */
static void
box_json(cJSON *e, const struct hv_box *b)
{
	cJSON *cfg;
	size_t k;

	cJSON_AddNumberToObject(e, "start_ns", (double)b->start_ns);
	cJSON_AddNumberToObject(e, "vcpus", b->vcpus);
	cJSON_AddStringToObject(e, "agent", hv_agent_peer_info(b->conn));
	cfg = cJSON_AddObjectToObject(e, "config");
	for (k = 0; k < b->config.n; k++) {
		if (strcmp(b->config.v[k].key, "host_info") == 0)
			continue; /* in the context's "launcher" */
		cJSON_AddStringToObject(cfg, b->config.v[k].key,
					b->config.v[k].value);
	}
}

/* Across hosts: each host's provenance, from the first box started
 * there, into the context's "launcher" object under "hosts". */
static void
note_host(cJSON *hosts, const char *name, const struct hv_box *b)
{
	const char *info = hv_params_get(&b->config, "host_info");
	cJSON *h = cJSON_GetObjectItemCaseSensitive(hosts, name);

	if (h || !info)
		return;
	h = cJSON_Parse(info);
	if (h)
		cJSON_AddItemToObject(hosts, name, h);
}

/*
 * Start env i's box on every host k with work for it (todo[k]), into
 * errs[k] and rcs[k]. Across hosts every srun step is launched first,
 * then each is waited for: the boxes boot at once, and the start takes
 * the slowest host's time, not the sum.
 */
static void
start_env_boxes(struct runner *r, size_t i, const bool *todo, int *rcs,
		struct hv_err *errs)
{
	size_t k;

	for (k = 0; k < r->nhosts; k++) {
		hv_err_init(&errs[k]);
		rcs[k] = !todo[k] ? 0
			 : r->o->slurm
				 ? hv_slurm_box_launch(r->o->slurm, k,
						       r->o->envs[i], &r->ctx,
						       node_box(r, i, (int)k),
						       &errs[k])
				 : start_box(r, i, k, &errs[k]);
	}
	for (k = 0; r->o->slurm && k < r->nhosts; k++)
		if (todo[k] && rcs[k] == 0)
			rcs[k] = hv_slurm_box_ready(node_box(r, i, (int)k),
						    &errs[k]);
}

/*
 * Start every box that has work; a box that fails is recorded, not fatal.
 * A resumed study keeps its first "envs" and records this start under
 * "resumed_envs".
 */
static int
start_boxes(struct runner *r, struct hv_err *err)
{
	const struct hv_run_opts *o = r->o;
	cJSON *envs = cJSON_CreateObject(), *e, *where, *hosts = NULL;
	struct hv_err *errs = calloc(r->nhosts, sizeof(*errs));
	bool *todo = calloc(r->nhosts, sizeof(*todo));
	int *rcs = calloc(r->nhosts, sizeof(*rcs));
	size_t i, k;
	int rc = 0;

	if (!errs || !todo || !rcs) {
		rc = hv_err_set(err, ENOMEM, "box starts");
		goto out;
	}
	if (o->slurm)
		hosts = cJSON_CreateObject();
	for (i = 0; i < o->nenvs; i++) {
		e = cJSON_AddObjectToObject(envs, o->envs[i]->name);
		cJSON_AddStringToObject(e, "paper_role",
					o->envs[i]->paper_role);
		if (!env_has_work(r, i, SIZE_MAX)) {
			cJSON_AddStringToObject(e, "note", "nothing to run");
			continue;
		}
		/* One host: the env's entry is its box; across hosts, it
		 * has one entry per host under "hosts". */
		where = o->slurm ? cJSON_AddObjectToObject(e, "hosts") : NULL;
		for (k = 0; k < r->nhosts; k++)
			todo[k] = env_has_work(r, i, k);
		start_env_boxes(r, i, todo, rcs, errs);
		for (k = 0; k < r->nhosts; k++) {
			cJSON *b = e;

			if (!todo[k])
				continue;
			if (o->slurm)
				b = cJSON_AddObjectToObject(
					where, o->slurm->hosts[k].name);
			if (rcs[k] < 0) {
				snprintf(box_err(r, i, k), 256, "%s",
					 errs[k].msg);
				cJSON_AddStringToObject(b, "error",
							errs[k].msg);
				continue;
			}
			box_json(b, node_box(r, i, (int)k));
			if (hosts)
				note_host(hosts, o->slurm->hosts[k].name,
					  node_box(r, i, (int)k));
		}
	}
	rc = put_ctx_cjson(r, o->resume ? "resumed_envs" : "envs", envs, err);
	envs = NULL;
	if (rc == 0 && hosts)
		rc = put_ctx_cjson(
			r, o->resume ? "resumed_host_info" : "host_info", hosts,
			err);
	else
		cJSON_Delete(hosts);
	hosts = NULL;
out:
	cJSON_Delete(envs);
	cJSON_Delete(hosts);
	free(errs);
	free(todo);
	free(rcs);
	return rc;
}

/*
 * Stop a box. A teardown that left something behind (a busy cgroup, a
 * process that outlived SIGKILL) is added to the context's "teardown"
 * list, [{"env", "why"}], not lost; recording it is best effort.
 */
static void
stop_box(struct runner *r, struct hv_box *box)
{
	const char *env = box->env ? box->env->name : "", *old;
	struct hv_err serr;
	cJSON *list, *e;

	hv_err_init(&serr);
	if (hv_box_stop(box, &serr) == 0 || !r->st)
		return;
	old = hv_context_get(&r->study, "teardown");
	list = old ? cJSON_Parse(old) : NULL;
	if (!cJSON_IsArray(list)) {
		cJSON_Delete(list);
		list = cJSON_CreateArray();
	}
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "env", env);
	cJSON_AddStringToObject(e, "why", serr.msg);
	cJSON_AddItemToArray(list, e);
	put_ctx_cjson(r, "teardown", list, &serr);
}

static int
fail_unit(struct runner *r, struct unit *u, const char *why, struct hv_err *err)
{
	size_t m;
	int rc = 0;

	u->failed = true;
	for (m = 0; m < u->set->bench->nmetrics && rc == 0; m++) {
		struct hv_cell *c = &r->study.cells[u->cell0 + m];

		c->status = HV_CELL_FAILED;
		hv_cell_set_reason(c, why);
		rc = hv_store_set_status(r->st, c, err);
	}
	return rc;
}

/*
 * Resume: the unit's cells must be the next stored ones, in order. They
 * are unless the study was made with other options or another hpcvirt.
 */
static int
match_cells(struct runner *r, struct unit *u, struct hv_err *err)
{
	const struct hv_bench *b = u->set->bench;
	const char *env = r->o->envs[u->env]->name;
	char want[256], got[256];
	size_t m;

	u->cell0 = r->ncursor;
	for (m = 0; m < b->nmetrics; m++, r->ncursor++) {
		const struct hv_cell *c = &r->study.cells[r->ncursor];

		hv_params_format(&u->set->params, want, sizeof(want));
		if (r->ncursor >= r->study.ncells)
			return hv_err_set(err, EINVAL,
					  "%s: the stored study has %zu cells; "
					  "its plan makes more (%s %s %s)",
					  r->o->out_dir, r->study.ncells, env,
					  b->name, want);
		hv_params_format(&c->params, got, sizeof(got));
		if (strcmp(c->env, env) || strcmp(c->bench, b->name) ||
		    strcmp(c->metric, b->metrics[m].name) || strcmp(got, want))
			return hv_err_set(
				err, EINVAL,
				"%s: stored cell %zu is %s %s %s %s, its plan "
				"says %s %s %s %s (made by another hpcvirt?)",
				r->o->out_dir, r->ncursor + 1, c->env, c->bench,
				got, c->metric, env, b->name, want,
				b->metrics[m].name);
		if (c->status == HV_CELL_FAILED)
			u->failed = true;
	}
	return 0;
}

/* The cells of one unit, one per metric of its bench. */
static int
unit_cells(struct runner *r, struct unit *u, struct hv_err *err)
{
	const struct hv_bench *b = u->set->bench;
	struct hv_cell *c;
	size_t m;
	int rc;

	if (r->o->resume)
		return match_cells(r, u, err);
	u->cell0 = r->study.ncells;
	for (m = 0; m < b->nmetrics; m++) {
		rc = hv_study_add_cell(&r->study, r->o->envs[u->env]->name,
				       b->name, &u->set->params,
				       b->metrics[m].name, b->metrics[m].unit,
				       b->metrics[m].higher_is_better, &c);
		if (rc < 0)
			return hv_err_set(err, ENOMEM, "cells");
		rc = hv_store_add_cell(r->st, c, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Does env e's own skip hook leave set out of a reduced study? */
static bool
env_skips(const struct runner *r, const struct hv_env *e,
	  const struct hv_plan_set *set, char *why, size_t len)
{
	return r->o->reduce && e->skip &&
	       e->skip(set->bench, &set->params, why, len);
}

/*
 * Across a Slurm allocation's hosts, native boxes share the hosts'
 * network, and the boxes of an env that spans hosts share a lab across
 * hosts, which carries their MPI jobs and their net runs (the peer in
 * the env's box on the next host). The other envs' boxes sit in a lab
 * of their own on each host, and leave out the sets across hosts
 * (docs/slurm.md).
 */
static bool
slurm_skips(const struct runner *r, const struct hv_env *e,
	    const struct hv_plan_set *set, char *why, size_t len)
{
	const char *nodes = hv_params_get(&set->params, "nodes");

	if (!r->o->slurm || e->hosts_network ||
	    (!set->bench->needs_peer && (!nodes || strcmp(nodes, "1") == 0)))
		return false;
	if (set->bench->needs_peer && set->peer_host == set->host) {
		snprintf(why, len,
			 "its peer would be in the same box: an allocation "
			 "of one host has no other (run it without "
			 "--launcher slurm)");
		return true;
	}
	if (e->spans_hosts)
		return false;
	snprintf(why, len,
		 "runs across hosts, and %s boxes on different hosts have no "
		 "network between them (docs/slurm.md)",
		 e->name);
	return true;
}

/* Position of an NPB class letter (S < W < A < ...), -1 for none. */
static int
class_rank(const struct hv_plan_set *set)
{
	const char *v = hv_params_get(&set->params, "class");
	const char *p =
		v && v[0] && !v[1] ? strchr(HV_NPB_CLASSES, v[0]) : NULL;

	return p ? (int)(p - HV_NPB_CLASSES) : -1;
}

/* Do a and b differ in their class alone? */
static bool
same_but_class(const struct hv_plan_set *a, const struct hv_plan_set *b)
{
	size_t i;

	if (a->bench != b->bench || a->params.n != b->params.n)
		return false;
	for (i = 0; i < a->params.n; i++)
		if (strcmp(a->params.v[i].key, "class") != 0 &&
		    strcmp(a->params.v[i].value,
			   hv_params_get(&b->params, a->params.v[i].key)
				   ?: "") != 0)
			return false;
	return true;
}

/*
 * The larger class of set that env e runs instead, or NULL: a reduced
 * study runs each box at the largest class asked that it finishes.
 */
static const struct hv_plan_set *
larger_class(const struct runner *r, const struct hv_env *e,
	     const struct hv_plan_set *set)
{
	const struct hv_plan_set *big = NULL;
	char why[256];
	size_t k;

	if (!r->o->reduce || class_rank(set) < 0)
		return NULL;
	for (k = 0; k < r->plan->n; k++) {
		const struct hv_plan_set *o = &r->plan->sets[k];

		if (class_rank(o) > class_rank(big ? big : set) &&
		    same_but_class(set, o) &&
		    !env_skips(r, e, o, why, sizeof(why)))
			big = o;
	}
	return big;
}

/* Does another env than native run set (native is its base then)? */
static bool
base_of_other(const struct runner *r, const struct hv_plan_set *set)
{
	char why[256];
	size_t i;

	for (i = 0; i < r->o->nenvs; i++) {
		const struct hv_env *e = r->o->envs[i];

		if (strcmp(e->name, "native") != 0 &&
		    !env_skips(r, e, set, why, sizeof(why)) &&
		    !larger_class(r, e, set))
			return true;
	}
	return false;
}

/*
 * Does the env leave this parameter set out of a reduced (default)
 * study? Records why in reduced[] when it does. Besides what its skip
 * hook leaves out, an env runs each NPB benchmark at the largest class
 * asked that it finishes (--class S,W: containers W, TCG S), and native
 * every class another env runs, as their base.
 */
static bool
reduced(struct runner *r, size_t env, const struct hv_plan_set *set,
	cJSON *list)
{
	const struct hv_env *e = r->o->envs[env];
	const struct hv_plan_set *big;
	char why[256] = "", p[256];
	cJSON *o;

	bool across = slurm_skips(r, e, set, why, sizeof(why));

	if (!across && !env_skips(r, e, set, why, sizeof(why))) {
		big = larger_class(r, e, set);
		if (!big ||
		    (strcmp(e->name, "native") == 0 && base_of_other(r, set)))
			return false;
		snprintf(why, sizeof(why),
			 "runs class %s instead (the largest asked that it "
			 "finishes)",
			 hv_params_get(&big->params, "class"));
	}
	hv_params_format(&set->params, p, sizeof(p));
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "env", e->name);
	cJSON_AddStringToObject(o, "bench", set->bench->name);
	cJSON_AddStringToObject(o, "params", p);
	cJSON_AddStringToObject(o, "why", why);
	if (across)
		cJSON_AddBoolToObject(o, "across_hosts", true);
	cJSON_AddItemToArray(list, o);
	return true;
}

/* A count parameter (nodes, ranks_per_node); 1 when the bench has none. */
static int
param_int(const struct hv_params *p, const char *key)
{
	const char *v = hv_params_get(p, key);
	long n = v ? strtol(v, NULL, 10) : 1;

	return n >= 1 && n <= 64 ? (int)n : 1;
}

/* Each unit's native twin (same parameter set, env native). */
static void
link_natives(struct runner *r)
{
	size_t i, j;

	for (i = 0; i < r->nunits; i++)
		r->units[i].native = SIZE_MAX;
	for (i = 0; i < r->nunits; i++) {
		struct unit *u = &r->units[i];

		if (strcmp(r->o->envs[u->env]->name, "native") == 0)
			continue;
		for (j = 0; j < r->nunits; j++) {
			struct unit *n = &r->units[j];

			if (n->set == u->set &&
			    strcmp(r->o->envs[n->env]->name, "native") == 0) {
				u->native = j;
				break;
			}
		}
	}
}

static int
add_cells(struct runner *r, struct hv_err *err)
{
	const struct hv_run_opts *o = r->o;
	cJSON *skipped = cJSON_CreateArray();
	const char *v;
	size_t i, s;
	int rc = 0;

	r->max_nodes = 1;
	r->units = calloc(o->nenvs * r->plan->n, sizeof(*r->units));
	if (!r->units || !skipped) {
		cJSON_Delete(skipped);
		return hv_err_set(err, ENOMEM, "units");
	}
	for (s = 0; s < r->plan->n && rc == 0; s++) {
		for (i = 0; i < o->nenvs && rc == 0; i++) {
			struct unit *u = &r->units[r->nunits];

			if (reduced(r, i, &r->plan->sets[s], skipped))
				continue;
			r->nunits++;
			u->env = i;
			u->set = &r->plan->sets[s];
			u->nodes = param_int(&u->set->params, "nodes");
			u->host = u->set->host > 0 ? u->set->host : 0;
			u->peer_host = u->set->peer_host;
			u->rpn = param_int(&u->set->params, "ranks_per_node");
			v = hv_params_get(&u->set->params, "variant");
			r->ctx.mpi |= v && strcmp(v, "mpi") == 0;
			if (u->nodes > r->max_nodes)
				r->max_nodes = u->nodes;
			rc = unit_cells(r, u, err);
		}
	}
	if (rc == 0)
		link_natives(r);
	/* Across hosts, node k of an env is its box on host k. */
	if (r->max_nodes < (int)r->nhosts)
		r->max_nodes = (int)r->nhosts;
	if (rc == 0 && r->max_nodes > 1) {
		r->nodes = calloc(o->nenvs * (size_t)(r->max_nodes - 1),
				  sizeof(*r->nodes));
		if (!r->nodes)
			rc = hv_err_set(err, ENOMEM, "cluster boxes");
	}
	if (rc == 0 && o->resume && r->ncursor != r->study.ncells)
		rc = hv_err_set(err, EINVAL,
				"%s: the stored study has %zu cells, its plan "
				"%zu (made by another hpcvirt?)",
				o->out_dir, r->study.ncells, r->ncursor);
	if (rc == 0 && !o->resume && cJSON_GetArraySize(skipped) > 0)
		return put_ctx_cjson(r, "reduced", skipped, err);
	cJSON_Delete(skipped);
	return rc;
}

/* Cells of envs whose box is down fail, where there is work left. */
static int
fail_down_boxes(struct runner *r, struct hv_err *err)
{
	size_t s;
	int rc;

	for (s = 0; s < r->nsteps; s++) {
		struct unit *u = &r->units[r->order[s]];

		if (u->failed || !uses_box(r, u) ||
		    !box_err(r, u->env, (size_t)u->host)[0] ||
		    r->done[r->order[s] * (size_t)r->blocks + s / r->nunits])
			continue;
		rc = fail_unit(r, u, box_err(r, u->env, (size_t)u->host), err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Unit label for the recorded order: "env bench k=v,...". */
static void
unit_label(const struct runner *r, const struct unit *u, char *buf, size_t len)
{
	char p[256];

	hv_params_format(&u->set->params, p, sizeof(p));
	snprintf(buf, len, "%s %s %s", r->o->envs[u->env]->name,
		 u->set->bench->name, p);
}

/* Resume: the order made now must be the stored one, step for step. */
static int
check_order(struct runner *r, cJSON *order, struct hv_err *err)
{
	const char *txt = hv_context_get(&r->study, "order");
	cJSON *old = txt ? cJSON_Parse(txt) : NULL;
	bool same = old && cJSON_Compare(old, order, true);

	cJSON_Delete(old);
	cJSON_Delete(order);
	if (!same)
		return hv_err_set(err, EINVAL,
				  "%s: the stored run order differs from the "
				  "one its options and seed make (made by "
				  "another hpcvirt?)",
				  r->o->out_dir);
	return 0;
}

static int
make_order(struct runner *r, struct hv_err *err)
{
	int blocks = r->o->warmup + r->o->reps, b;
	struct hv_rng rng;
	cJSON *order = cJSON_CreateArray(), *blk;
	char label[400];
	size_t i;

	r->blocks = blocks;
	r->nsteps = (size_t)blocks * r->nunits;
	r->order = malloc((r->nsteps ? r->nsteps : 1) * sizeof(*r->order));
	r->done = calloc(r->nsteps ? r->nsteps : 1, sizeof(*r->done));
	if (!r->order || !r->done || !order) {
		cJSON_Delete(order);
		return hv_err_set(err, ENOMEM, "order");
	}
	hv_rng_seed(&rng, r->o->seed);
	for (b = 0; b < blocks; b++) {
		size_t *blkv = r->order + (size_t)b * r->nunits;

		for (i = 0; i < r->nunits; i++)
			blkv[i] = i;
		hv_rng_shuffle(&rng, blkv, r->nunits, sizeof(*blkv));
		blk = cJSON_CreateArray();
		cJSON_AddItemToArray(order, blk);
		for (i = 0; i < r->nunits; i++) {
			unit_label(r, &r->units[blkv[i]], label, sizeof(label));
			cJSON_AddItemToArray(blk, cJSON_CreateString(label));
		}
	}
	if (r->o->resume)
		return check_order(r, order, err);
	return put_ctx_cjson(r, "order", order, err);
}

struct rep_count {
	unsigned char *n; /* per block: metric cells that have it */
	int blocks;
	int next; /* past the highest repetition stored (adaptive ones too) */
};

static int
count_rep(const struct hv_sample *smp, void *arg)
{
	struct rep_count *rc = arg;

	if (smp->rep >= 0 && smp->rep < rc->blocks)
		rc->n[smp->rep]++;
	if (smp->rep >= rc->next)
		rc->next = smp->rep + 1;
	return 0;
}

/*
 * Resume: which repetitions are stored. A repetition's samples are
 * written in one transaction, so a unit has all of them or none.
 */
static int
mark_done(struct runner *r, struct hv_err *err)
{
	struct rep_count cnt = {.blocks = r->blocks};
	size_t i, m;
	int b, rc = 0;

	cnt.n = calloc((size_t)r->blocks + 1, 1);
	if (!cnt.n)
		return hv_err_set(err, ENOMEM, "resume");
	for (i = 0; i < r->nunits && rc == 0; i++) {
		const struct unit *u = &r->units[i];
		size_t nm = u->set->bench->nmetrics;

		memset(cnt.n, 0, (size_t)r->blocks);
		cnt.next = 0;
		for (m = 0; m < nm && rc == 0; m++)
			rc = hv_store_foreach_raw(r->st,
						  &r->study.cells[u->cell0 + m],
						  count_rep, &cnt, err);
		r->units[i].nrep = cnt.next;
		for (b = 0; b < r->blocks && rc == 0; b++) {
			if (cnt.n[b] && cnt.n[b] != nm)
				rc = hv_err_set(
					err, EINVAL,
					"%s: cell %lld has repetition "
					"%d for %u of %zu metrics",
					r->o->out_dir,
					(long long)r->study.cells[u->cell0].id,
					b, cnt.n[b], nm);
			r->done[i * (size_t)r->blocks + (size_t)b] =
				cnt.n[b] == nm;
		}
	}
	free(cnt.n);
	return rc;
}

/* Steps left to run; on resume, how many repetitions were stored. */
static void
count_todo(struct runner *r, struct hv_run_stats *st)
{
	size_t s;

	for (s = 0; s < r->nsteps; s++) {
		if (r->done[r->order[s] * (size_t)r->blocks + s / r->nunits])
			st->reps_stored++;
		else if (!r->units[r->order[s]].failed)
			r->ntodo++;
	}
}

/* Start the bench's peer ("KERNEL server") natively inside the lab, on
 * the bridge address; learn its port. */
static int
peer_start(struct runner *r, const struct hv_bench *b, struct hv_proc *pp,
	   struct hv_peer *peer, struct hv_err *err)
{
	struct hv_proc_opts opts = {
		.pipe_stdout = true,
		.keep_stderr = true,
		.die_with_parent = true,
		.netns_fd = r->lab.nsfd,
	};
	char path[512], life[32], line[256], who[64];
	char *argv[] = {path,	  "server", "--bind",	  r->lab.bridge_ip,
			"--port", "0",	    "--lifetime", life,
			NULL};
	int rc;

	snprintf(path, sizeof(path), "%s/%s", r->o->bin_dir, b->kernel);
	snprintf(life, sizeof(life), "%d", b->timeout_ms / 1000 + 30);
	rc = hv_proc_spawn(pp, argv, &opts, err);
	if (rc < 0)
		return rc;
	rc = hv_proc_read_line(pp, line, sizeof(line), 5000, err);
	if (rc < 0)
		return hv_err_prefix(err, "%s server: ", b->kernel);
	snprintf(who, sizeof(who), "%s server", b->kernel);
	return hv_listen_line_parse(line, who, peer, err);
}

/*
 * Why a finished kernel run is not a result, or "" if it is one: the
 * exit status, the box's explanation of a kill (out of memory...) and
 * the last line the kernel wrote to stderr.
 */
static void
exec_verdict(struct hv_box *box, const struct hv_exec_res *res, char *why,
	     size_t len)
{
	char tail[200], expl[200] = "";

	hv_tail_line(res->err ? res->err : "", tail, sizeof(tail));
	if (res->timed_out) {
		snprintf(why, len, "timed out%s%s", tail[0] ? ": " : "", tail);
	} else if (res->term_signal) {
		hv_box_explain(box, expl, sizeof(expl));
		snprintf(why, len, "killed by signal %d (%s)%s%s%s%s",
			 res->term_signal, strsignal(res->term_signal),
			 expl[0] ? ": " : "", expl, tail[0] ? "; " : "", tail);
	} else if (res->exit_code != 0) {
		snprintf(why, len, "exit %d%s%s", res->exit_code,
			 tail[0] ? ": " : "", tail);
	} else {
		why[0] = '\0';
	}
}

/* Raw record of one repetition: the kernel's result plus host load, and
 * for an MPI job across boxes where its ranks ran. */
/* CPU the box's host processes spent on a repetition, and the
 * kernel's own CPU as its box reports it (-1: not known). */
struct rep_cpu {
	int64_t box_ns;
	int64_t kernel_ns;
};

static char *
raw_record(cJSON *result, const struct hv_host_load *before,
	   const struct hv_host_load *after, const char *placement, int own,
	   double wait, const struct rep_cpu *cpu)
{
	cJSON *o = cJSON_CreateObject(), *h;
	char *txt;

	cJSON_AddItemReferenceToObject(o, "result", result);
	if (placement)
		cJSON_AddItemToObject(o, "placement", cJSON_Parse(placement));
	h = cJSON_AddObjectToObject(o, "host");
	cJSON_AddNumberToObject(h, "load1_before", before->load1);
	cJSON_AddNumberToObject(h, "load1_after", after->load1);
	if (before->psi_some_avg10 >= 0)
		cJSON_AddNumberToObject(h, "psi_cpu_some_avg10_before",
					before->psi_some_avg10);
	if (after->psi_some_avg10 >= 0)
		cJSON_AddNumberToObject(h, "psi_cpu_some_avg10_after",
					after->psi_some_avg10);
	cJSON_AddNumberToObject(h, "own_threads", own);
	if (wait >= 0)
		cJSON_AddNumberToObject(h, "cpu_wait_pct", wait);
	if (cpu->box_ns >= 0 && cpu->kernel_ns >= 0) {
		cJSON_AddNumberToObject(h, "box_cpu_ns", (double)cpu->box_ns);
		cJSON_AddNumberToObject(h, "kernel_cpu_ns",
					(double)cpu->kernel_ns);
	}
	txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return txt;
}

/*
 * CPUs the unit itself keeps busy on this host: its ranks (every node is
 * here) times its OpenMP threads, and the bench's peer.
 */
static int
own_threads(const struct unit *u)
{
	const struct hv_params *p = &u->set->params;
	int ranks = hv_params_get(p, "ranks") ? param_int(p, "ranks")
					      : u->nodes * u->rpn;

	return ranks * param_int(p, "threads") + (u->set->bench->needs_peer);
}

/*
 * How much of a repetition of wall_ns some task waited for a CPU, in %
 * (/proc/pressure/cpu "some total" over exactly that time), when that
 * can only be someone else's doing: the unit's own threads leave a CPU
 * free. When they fill the host, they make such waits themselves, and
 * it is -1 (unknown), never "contended" by the study's own load.
 */
static double
foreign_wait(const struct unit *u, const struct hv_host_load *before,
	     const struct hv_host_load *after, int64_t wall_ns)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	double w;

	if (before->psi_some_total_us < 0 || after->psi_some_total_us < 0 ||
	    wall_ns <= 0 || own_threads(u) >= cpus)
		return -1;
	w = (after->psi_some_total_us - before->psi_some_total_us) * 1e5 /
	    (double)wall_ns;
	return w < 0 ? 0 : w > 100 ? 100 : w;
}

static int
store_values(struct runner *r, struct unit *u, const struct hv_sample *tmpl,
	     const double *values, struct hv_err *err)
{
	const struct hv_bench *b = u->set->bench;
	struct hv_sample smp = *tmpl;
	size_t m;
	int rc;

	/* One transaction: a kill leaves a repetition whole or absent. */
	rc = hv_store_begin(r->st, err);
	for (m = 0; m < b->nmetrics && rc == 0; m++) {
		smp.value = values[m];
		smp.raw = m == 0 ? tmpl->raw : NULL;
		rc = hv_store_add_sample(r->st, &r->study.cells[u->cell0 + m],
					 &smp, err);
	}
	if (rc == 0)
		rc = hv_store_commit(r->st, err);
	if (rc < 0) {
		hv_store_rollback(r->st);
		return rc;
	}
	for (m = 0; m < b->nmetrics && !smp.warmup; m++)
		if (hv_cell_add_sample(&r->study.cells[u->cell0 + m],
				       values[m]) < 0)
			return hv_err_set(err, ENOMEM, "samples");
	return 0;
}

/*
 * env.start: start a fresh box of the unit's env, measure its start and
 * the memory of its host processes, stop it. Same contract as run_rep.
 */
static int
run_start_rep(struct runner *r, struct unit *u, struct hv_sample *smp,
	      char *why, size_t wlen, struct hv_err *err)
{
	const struct hv_env *env = r->o->envs[u->env];
	struct hv_box box;
	struct hv_err xerr;
	double values[2];
	char raw[256];
	int64_t rss;

	hv_err_init(&xerr);
	why[0] = '\0';
	smp->t_start_ns = hv_realtime_ns();
	if (hv_box_start(env, &r->ctx, &box, &xerr) < 0) {
		snprintf(why, wlen, "%s", xerr.msg);
		return 0;
	}
	rss = hv_proc_tree_rss(box.proc.pid);
	values[0] = (double)box.start_ns / 1e9;
	values[1] = (double)rss;
	stop_box(r, &box);
	if (rss <= 0) {
		snprintf(why, wlen, "%s: no host process to measure",
			 env->name);
		return 0;
	}
	smp->wall_ns = hv_realtime_ns() - smp->t_start_ns;
	snprintf(raw, sizeof(raw), "{\"start_ns\":%lld,\"rss_bytes\":%lld}",
		 (long long)(values[0] * 1e9), (long long)rss);
	smp->raw = raw;
	smp->cpu_psi = -1;
	smp->load1 = -1;
	return store_values(r, u, smp, values, err);
}

/*
 * The boxes of u's virtual cluster: its env's box and nodes - 1 more of
 * the same env, started the first time a unit needs them and kept for
 * the next. false with why set when one cannot start.
 */
static bool
cluster_ready(struct runner *r, const struct unit *u, char *why, size_t wlen)
{
	struct hv_box *todo[64];
	struct hv_err errs[64];
	struct hv_box_crew *crew, **cs;
	int rcs[64], node[64], k, n = 0, rc;

	for (k = 1; k < u->nodes && n < 64; k++) {
		if (node_box(r, u->env, k)->env)
			continue;
		node[n] = k + 1;
		todo[n++] = node_box(r, u->env, k);
	}
	if (n == 0)
		return true;
	cs = realloc(r->crews, (r->ncrews + 1) * sizeof(*cs));
	if (!cs) {
		snprintf(why, wlen, "nodes of %s: out of memory",
			 r->o->envs[u->env]->name);
		return false;
	}
	r->crews = cs;
	rc = hv_box_start_all(&crew, r->o->envs[u->env], &r->ctx, todo, rcs,
			      errs, (size_t)n);
	if (rc < 0) {
		snprintf(why, wlen, "nodes of %s: %s", r->o->envs[u->env]->name,
			 strerror(-rc));
		return false;
	}
	r->crews[r->ncrews++] = crew;
	for (k = 0; k < n; k++) {
		if (rcs[k] == 0)
			continue;
		snprintf(why, wlen, "node %d of %d: %s", node[k], u->nodes,
			 errs[k].msg);
		return false;
	}
	return true;
}

/* One MPI job over the cluster's boxes; a failure that is not the job's
 * own (a box that cannot be reached) stops the nodes, to start afresh. */
static int
cluster_exec(struct runner *r, const struct unit *u,
	     const struct hv_exec_req *req, struct hv_exec_res *res,
	     struct hv_err *err)
{
	struct hv_box *boxes[64];
	int k, rc;

	for (k = 0; k < u->nodes; k++)
		boxes[k] = node_box(r, u->env, k);
	rc = hv_cluster_exec(&r->lab, r->rs.dir, r->o->bin_dir, boxes, u->nodes,
			     u->rpn, req, res, err);
	if (rc < 0)
		for (k = 1; k < u->nodes; k++)
			stop_box(r, boxes[k]);
	return rc;
}

static bool box_ready(struct runner *r, size_t i, size_t k);

/*
 * u's env's box on host k, for a job or a peer across hosts: started
 * afresh if its srun step ended. NULL with why ("WHAT HOST: reason")
 * when it cannot start.
 */
static struct hv_box *
host_box(struct runner *r, const struct unit *u, size_t k, const char *what,
	 char *why, size_t wlen)
{
	struct hv_box *b = node_box(r, u->env, (int)k);

	if (b->env && !hv_proc_alive(&b->proc))
		stop_box(r, b);
	if (box_ready(r, u->env, k))
		return b;
	snprintf(why, wlen, "%s %s: %s", what, r->o->slurm->hosts[k].name,
		 box_err(r, u->env, k));
	return NULL;
}

/* An MPI job over the boxes of u's env on its first nodes hosts, run
 * from the first box; one that cannot start fails the job. */
static int
overlay_exec(struct runner *r, const struct unit *u,
	     const struct hv_exec_req *req, struct hv_exec_res *res, char *why,
	     size_t wlen)
{
	struct hv_box *boxes[HV_SLURM_MAX_HOSTS];
	struct hv_err xerr;
	int k;

	for (k = 0; k < u->nodes && k < HV_SLURM_MAX_HOSTS; k++)
		if (!(boxes[k] = host_box(r, u, (size_t)k, "host", why, wlen)))
			return -1;
	hv_err_init(&xerr);
	if (hv_cluster_exec_overlay(boxes, k, u->rpn, r->o->slurm->lab_net,
				    HV_OVERLAY_AGENT_PORT, req, res,
				    &xerr) < 0) {
		snprintf(why, wlen, "%s", xerr.msg);
		return -1;
	}
	return 0;
}

/* A box on one host could not reach one on another: say where to look. */
static void
hint_overlay(char *why, size_t wlen)
{
	size_t n = strlen(why);

	if (n && n < wlen &&
	    (strstr(why, "No route to host") ||
	     strstr(why, "Connection timed out")))
		snprintf(why + n, wlen - n,
			 " (boxes on different hosts meet over the lab across "
			 "hosts: VXLAN, UDP port 4789 between the nodes; "
			 "docs/slurm.md)");
}

/* u's peer in its env's box on the peer host, started first if need
 * be: -1 with err set when the server fails, 0 with why set when the
 * box cannot start. */
static int
box_peer(struct runner *r, const struct unit *u, struct hv_box_peer *bp,
	 struct hv_peer *peer, char *why, size_t wlen, struct hv_err *err)
{
	struct hv_box *pb =
		host_box(r, u, (size_t)u->peer_host, "peer host", why, wlen);

	return pb ? hv_box_peer_start(bp, pb, u->set->bench, peer, err) : 0;
}

/*
 * Run the kernel once for unit u. Returns 0 with *why empty on success,
 * 0 with *why set when the unit failed (recorded by the caller), or
 * -errno when the store failed (fatal).
 */
static int
run_rep(struct runner *r, struct unit *u, struct hv_sample *smp, char *why,
	size_t wlen, struct hv_err *err)
{
	const struct hv_bench *b = u->set->bench;
	struct hv_box *box = node_box(r, u->env, u->host);
	struct hv_host_load before, after;
	struct hv_exec_res res = {0};
	struct hv_exec_req req = {0};
	struct hv_box_peer bpeer = {.wake = {-1, -1}};
	struct hv_bench_ctx bc = {.scratch = box->scratch};
	double values[16];
	struct hv_argv av;
	struct hv_proc pp;
	struct hv_err xerr;
	cJSON *result = NULL;
	char *raw = NULL, *placement;
	struct rep_cpu cpu = {-1, -1};
	int64_t span_ns, cpu0 = -1;
	int rc = 0;

	if (b->box_start)
		return run_start_rep(r, u, smp, why, wlen, err);
	hv_argv_init(&av);
	hv_proc_init(&pp);
	hv_err_init(&xerr);
	why[0] = '\0';
	if (peer_in_box(r, u) &&
	    box_peer(r, u, &bpeer, &bc.peer, why, wlen, &xerr) < 0)
		goto fail;
	if (why[0])
		goto out;
	if (b->needs_peer && r->o->slurm && !peer_in_box(r, u) &&
	    hv_slurm_peer_start(r->o->slurm, (size_t)u->peer_host,
				r->o->bin_dir, r->rs.dir, b, &pp, &bc.peer,
				&xerr) < 0)
		goto fail;
	if (b->needs_peer && !r->o->slurm &&
	    peer_start(r, b, &pp, &bc.peer, &xerr) < 0)
		goto fail;
	if (b->argv(&u->set->params, &bc, &av, &xerr) < 0)
		goto fail;
	req.argv = (const char *const *)av.v;
	req.timeout_ms = b->timeout_ms;
	req.cancel = r->o->stop;
	if (u->nodes > 1 && !r->o->slurm && !cluster_ready(r, u, why, wlen))
		goto out;
	hv_host_load_read(&before);
	if (u->nodes == 1 && !r->o->slurm) /* a remote box's is not here */
		cpu0 = hv_proc_tree_cpu_ns(box->proc.pid);
	smp->t_start_ns = hv_realtime_ns();
	if (over_hosts(r, u)) {
		if (overlay_exec(r, u, &req, &res, why, wlen) < 0)
			goto out;
	} else if (u->nodes > 1 && r->o->slurm) {
		if (hv_cluster_exec_slurm(r->rs.dir, r->o->bin_dir,
					  r->o->slurm->names, u->nodes, u->rpn,
					  &req, &res, &xerr) < 0) {
			snprintf(why, wlen, "%s", xerr.msg);
			goto out;
		}
	} else if (u->nodes > 1) {
		if (cluster_exec(r, u, &req, &res, &xerr) < 0) {
			snprintf(why, wlen, "%s", xerr.msg);
			goto out;
		}
	} else if (hv_box_exec(box, &req, &res, &xerr) < 0) {
		snprintf(why, wlen, "%s", xerr.msg);
		stop_box(r, box); /* the agent is gone or confused */
		goto out;
	}
	hv_host_load_read(&after);
	span_ns = hv_realtime_ns() - smp->t_start_ns;
	if (cpu0 >= 0 && (cpu.box_ns = hv_proc_tree_cpu_ns(box->proc.pid)) >= 0)
		cpu.box_ns -= cpu0;
	cpu.kernel_ns = cpu.box_ns >= 0 ? res.cpu_ns : -1;
	smp->wall_ns = res.wall_ns;
	exec_verdict(box, &res, why, wlen);
	if (why[0])
		goto out;
	result = hv_result_line_find(res.out ? res.out : "");
	if (!result) {
		snprintf(why, wlen, "%s printed no HPCVIRT-RESULT line",
			 b->kernel);
		goto out;
	}
	if (b->parse(&u->set->params, result, values, &xerr) < 0)
		goto fail;
	placement = u->nodes > 1 ? hv_cluster_placement(res.out) : NULL;
	smp->cpu_psi = foreign_wait(u, &before, &after, span_ns);
	raw = raw_record(result, &before, &after, placement, own_threads(u),
			 smp->cpu_psi, &cpu);
	free(placement);
	smp->raw = raw;
	smp->load1 = before.load1 > after.load1 ? before.load1 : after.load1;
	rc = store_values(r, u, smp, values, err);
	goto out;
fail:
	snprintf(why, wlen, "%s", xerr.msg);
out:
	if (pp.pid > 0)
		hv_proc_stop(&pp, 0, 1000);
	hv_box_peer_stop(&bpeer);
	if (over_hosts(r, u) || peer_in_box(r, u))
		hint_overlay(why, wlen);
	cJSON_Delete(result);
	free(raw);
	hv_exec_res_release(&res);
	hv_argv_release(&av);
	return rc;
}

/* Restart a box that went down mid-study; failing that, record why. */
static bool
box_ready(struct runner *r, size_t i, size_t k)
{
	struct hv_err berr;

	if (box_err(r, i, k)[0])
		return false;
	if (node_box(r, i, (int)k)->env)
		return true;
	hv_err_init(&berr);
	if (start_box(r, i, k, &berr) == 0)
		return true;
	snprintf(box_err(r, i, k), 256, "%s: %s",
		 r->o->slurm ? "start" : "restart", berr.msg);
	return false;
}

/*
 * Tell the progress callback that step (of the fixed steps and the
 * adaptive repetitions planned so far) runs unit u next, or (rep >= 0)
 * that its repetition rep was just stored; u NULL: the end. The
 * estimate counts what is planned, from the pace so far.
 */
static void
progress(const struct runner *r, size_t step, const struct unit *u, int rep)
{
	size_t total = r->ntodo + r->nextra;
	int64_t el = hv_now_ms() - r->t0_ms;
	char label[400] = "";
	struct hv_progress p = {.step = u ? step : r->nsteps + r->nextra,
				.nsteps = r->nsteps + r->nextra,
				.stored = rep >= 0,
				.rep = rep};

	if (!r->o->progress)
		return;
	if (u)
		unit_label(r, u, label, sizeof(label));
	p.label = label;
	p.eta_s = r->ran && r->ran <= total ? el * (int64_t)(total - r->ran) /
						      (int64_t)r->ran / 1000
					    : -1;
	r->o->progress(&p, r->o->progress_arg);
}

/*
 * One repetition of unit u at step, stored as repetition rep. Returns
 * -errno only when the store failed; a unit that fails is recorded.
 * *stop is set when the user cut the study short.
 */
static int
run_one(struct runner *r, struct unit *u, size_t step, int rep, bool *stop,
	struct hv_err *err)
{
	struct hv_sample smp;
	char why[400];
	int64_t t;
	int rc;

	progress(r, step, u, -1);
	if (uses_box(r, u) && !box_ready(r, u->env, (size_t)u->host))
		return fail_unit(r, u, box_err(r, u->env, (size_t)u->host),
				 err);
	memset(&smp, 0, sizeof(smp));
	smp.rep = rep;
	smp.seq = (int)step;
	smp.warmup = rep < r->o->warmup;
	t = hv_now_ms();
	rc = run_rep(r, u, &smp, why, sizeof(why), err);
	if (rc < 0)
		return rc;
	u->spent_ms += hv_now_ms() - t;
	u->timed++;
	r->ran++;
	if (!why[0]) {
		u->nrep = rep + 1;
		progress(r, step, u, rep);
	}
	if (r->o->stop && *r->o->stop) {
		/* Cut short by the user: not the cell's failure. */
		*stop = true;
		return 0;
	}
	return why[0] ? fail_unit(r, u, why, err) : 0;
}

static int
run_steps(struct runner *r, struct hv_run_stats *st, struct hv_err *err)
{
	size_t step;
	int rc;

	for (step = 0; step < r->nsteps && !st->interrupted; step++) {
		struct unit *u = &r->units[r->order[step]];
		int block = (int)(step / r->nunits);

		if (r->o->stop && *r->o->stop) {
			st->interrupted = true;
			break;
		}
		if (u->failed ||
		    r->done[r->order[step] * (size_t)r->blocks + (size_t)block])
			continue;
		rc = run_one(r, u, step, block, &st->interrupted, err);
		if (rc < 0)
			return rc;
	}
	st->reps_run = r->ran;
	return 0;
}

/* Seconds one repetition of u takes: its own pace in this run, else
 * the pace of every unit timed so far, else a second. */
static double
rep_secs(const struct runner *r, const struct unit *u)
{
	int64_t ms = 0;
	size_t i;
	int n = 0;

	if (u->timed)
		return (double)u->spent_ms / u->timed / 1000.0 + 1e-3;
	for (i = 0; i < r->nunits; i++) {
		ms += r->units[i].spent_ms;
		n += r->units[i].timed;
	}
	return n ? (double)ms / n / 1000.0 + 1e-3 : 1.0;
}

/* Measured samples of u (every metric has as many). */
static size_t
measured(const struct runner *r, const struct unit *u)
{
	return r->study.cells[u->cell0].n;
}

/*
 * Add to score[k] what one more repetition of unit k would narrow a
 * cell's variance by, relatively (share of the variance k's side holds,
 * over its samples + 1), unless k is at max_reps.
 */
static void
want(struct runner *r, double *score, size_t k, double share, bool *capped)
{
	const struct unit *u = &r->units[k];

	if (u->failed)
		return;
	if ((int)measured(r, u) >= r->o->max_reps) {
		*capped = true;
		return;
	}
	score[k] +=
		(share > 1e-6 ? share : 1e-6) / ((double)measured(r, u) + 1);
}

/*
 * A cell's weight by whether it can still meet the target: a half-width
 * falls as 1/sqrt(n), so it needs about n ((hw / P)^2 - 1) more
 * repetitions a side. When those take longer than what is left of the
 * budget, it counts a twentieth: the budget goes first to the cells it
 * can bring to the target, not to those no budget would.
 */
static double
reachable(const struct runner *r, const struct unit *u, const struct unit *n,
	  size_t have, double hw)
{
	double q = hw / r->o->precision, more, secs, left;

	if (r->o->budget_s <= 0)
		return 1;
	more = (double)have * (q * q - 1);
	secs = more * (rep_secs(r, u) + (n ? rep_secs(r, n) : 0));
	left = r->o->budget_s - (double)(hv_now_ms() - r->t0_ms) / 1000.0;
	return secs <= left ? 1 : 0.05;
}

/*
 * Score every unit for the next round (0: not needed). *wide is set
 * when some target cell is still wider than the precision asked for.
 */
static int
score_units(struct runner *r, double *score, bool *wide, bool *capped,
	    struct hv_err *err)
{
	struct hv_precision pr;
	size_t i, m;
	int rc;

	for (i = 0; i < r->nunits; i++) {
		struct unit *u = &r->units[i];
		const struct hv_bench *b = u->set->bench;
		const struct unit *n =
			u->native == SIZE_MAX ? NULL : &r->units[u->native];
		bool with_base = n && !n->failed;

		if (u->failed)
			continue;
		for (m = 0; m < b->nmetrics; m++) {
			const struct hv_cell *c = &r->study.cells[u->cell0 + m];
			const struct hv_cell *bc;
			double tot, odds;
			size_t nb;

			if (b->metrics[m].tail)
				continue;
			bc = with_base ? &r->study.cells[n->cell0 + m] : NULL;
			rc = hv_precision_of(
				c->samples, c->n, bc ? bc->samples : NULL,
				bc ? bc->n : 0, c->higher_is_better,
				r->study.seed, &pr, err);
			if (rc < 0)
				return rc;
			/* Unknown (a sample the bootstrap refuses): more
			 * repetitions would not tell it either. */
			if (!(pr.half_width > r->o->precision))
				continue;
			*wide = true;
			odds = reachable(r, u, with_base ? n : NULL, c->n,
					 pr.half_width);
			if (!pr.of_ratio) {
				want(r, score, i, odds, capped);
				continue;
			}
			/* The side that holds a fifth of the variance runs
			 * again, and so does a side with less than half the
			 * other's samples: a few samples from a quiet spell
			 * of a bursty host understate its variance. */
			tot = pr.a + pr.b;
			nb = bc->n; /* of_ratio: bc is the twin */
			if (pr.a >= 0.2 * tot || 2 * c->n < nb)
				want(r, score, i, odds * fmax(pr.a / tot, 0.2),
				     capped);
			if (pr.b >= 0.2 * tot || 2 * nb < c->n)
				want(r, score, u->native,
				     odds * fmax(pr.b / tot, 0.2), capped);
		}
	}
	for (i = 0; i < r->nunits; i++)
		score[i] /= rep_secs(r, &r->units[i]);
	return 0;
}

static int
by_score(const void *pa, const void *pb, void *arg)
{
	const double *score = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;

	if (score[a] != score[b])
		return score[a] > score[b] ? -1 : 1;
	return a < b ? -1 : a > b;
}

/*
 * The units of the next round into pick (*npick of them), in the order
 * they run; *npick 0 with *stopped set when no round is due.
 */
static int
plan_round(struct runner *r, size_t *pick, size_t *npick, struct hv_rng *rng,
	   const char **stopped, struct hv_err *err)
{
	double *score = calloc(r->nunits, sizeof(*score)), left, need = 0;
	bool wide = false, capped = false;
	size_t i, n = 0, k = 0;
	int rc;

	*npick = 0;
	if (!score)
		return hv_err_set(err, ENOMEM, "round");
	rc = score_units(r, score, &wide, &capped, err);
	for (i = 0; rc == 0 && i < r->nunits; i++)
		if (score[i] > 0)
			pick[n++] = i;
	if (rc == 0 && n == 0)
		*stopped = wide && capped ? "max_reps" : "met";
	/* Within the budget: the best narrowing per second first, as many
	 * as fit in what is left. */
	left = r->o->budget_s - (double)(hv_now_ms() - r->t0_ms) / 1000.0;
	if (rc == 0 && n > 0 && r->o->budget_s > 0) {
		qsort_r(pick, n, sizeof(*pick), by_score, score);
		for (i = 0; i < n; i++) {
			double t = rep_secs(r, &r->units[pick[i]]);

			if (need + t <= left) {
				need += t;
				pick[k++] = pick[i];
			}
		}
		n = k;
		if (n == 0)
			*stopped = "budget";
	}
	free(score);
	hv_rng_shuffle(rng, pick, n, sizeof(*pick));
	*npick = n;
	return rc;
}

/* Append a round's order to the context's "order_extra". */
static int
record_round(struct runner *r, const size_t *pick, size_t n, struct hv_err *err)
{
	const char *old = hv_context_get(&r->study, "order_extra");
	cJSON *list = old ? cJSON_Parse(old) : NULL, *blk;
	char label[400];
	size_t i;

	if (!cJSON_IsArray(list)) {
		cJSON_Delete(list);
		list = cJSON_CreateArray();
	}
	blk = cJSON_CreateArray();
	cJSON_AddItemToArray(list, blk);
	for (i = 0; i < n; i++) {
		unit_label(r, &r->units[pick[i]], label, sizeof(label));
		cJSON_AddItemToArray(blk, cJSON_CreateString(label));
	}
	return put_ctx_cjson(r, "order_extra", list, err);
}

/* After the minimum: rounds until every target is met, at max_reps, or
 * out of budget (hv_run_opts.precision). */
static int
run_adaptive(struct runner *r, struct hv_run_stats *st, struct hv_err *err)
{
	size_t *pick, i, n;
	struct hv_rng rng;
	int rc = 0;

	if (r->o->precision <= 0 || st->interrupted)
		return 0;
	pick = malloc((r->nunits ? r->nunits : 1) * sizeof(*pick));
	if (!pick)
		return hv_err_set(err, ENOMEM, "round");
	/* Its own stream: the fixed order stays what the seed made. */
	hv_rng_seed(&rng, r->o->seed ^ 0x6164617074697665ULL);
	while (rc == 0 && !st->interrupted) {
		if (r->o->stop && *r->o->stop) {
			st->interrupted = true;
			break;
		}
		rc = plan_round(r, pick, &n, &rng, &st->stopped, err);
		if (rc < 0 || n == 0)
			break;
		rc = record_round(r, pick, n, err);
		st->rounds++;
		r->nextra += n;
		for (i = 0; i < n && rc == 0 && !st->interrupted; i++) {
			struct unit *u = &r->units[pick[i]];
			int rep = u->nrep > r->blocks ? u->nrep : r->blocks;

			if (u->failed)
				continue;
			rc = run_one(r, u, r->nsteps + r->nextra - n + i, rep,
				     &st->interrupted, err);
		}
	}
	if (st->interrupted)
		st->stopped = "interrupted";
	free(pick);
	st->reps_run = r->ran;
	return rc;
}

/* How the adaptive rounds ended, into the context's "adaptive". */
static int
record_adaptive(struct runner *r, const struct hv_run_stats *st,
		struct hv_err *err)
{
	cJSON *a;

	if (r->o->precision <= 0)
		return 0;
	a = cJSON_CreateObject();
	cJSON_AddNumberToObject(a, "rounds", st->rounds);
	cJSON_AddNumberToObject(a, "extra_reps", (double)r->nextra);
	cJSON_AddStringToObject(a, "stopped",
				st->stopped ? st->stopped : "met");
	cJSON_AddNumberToObject(a, "elapsed_s",
				(double)(hv_now_ms() - r->t0_ms) / 1000.0);
	return put_ctx_cjson(r, r->o->resume ? "resumed_adaptive" : "adaptive",
			     a, err);
}

static int
finish_cells(struct runner *r, struct hv_run_stats *st, struct hv_err *err)
{
	size_t i;
	int rc;

	st->cells = r->study.ncells;
	for (i = 0; i < r->study.ncells; i++) {
		struct hv_cell *c = &r->study.cells[i];

		if (c->status == HV_CELL_FAILED) {
			st->failed++;
			continue;
		}
		if (st->interrupted)
			continue;
		c->status = HV_CELL_OK;
		rc = hv_store_set_status(r->st, c, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
hv_run_each_unit(const struct hv_run_opts *o, const struct hv_plan *plan,
		 int (*fn)(const struct hv_env *env,
			   const struct hv_plan_set *set, void *arg),
		 void *arg)
{
	struct runner r = {.o = o, .plan = plan};
	cJSON *ignored = cJSON_CreateArray();
	size_t s, i;
	int rc = ignored ? 0 : -ENOMEM;

	for (s = 0; s < plan->n && rc == 0; s++)
		for (i = 0; i < o->nenvs && rc == 0; i++)
			if (!reduced(&r, i, &plan->sets[s], ignored))
				rc = fn(o->envs[i], &plan->sets[s], arg);
	cJSON_Delete(ignored);
	return rc;
}

int
hv_run_validate(const struct hv_run_opts *o, struct hv_plan *plan,
		struct hv_err *err)
{
	size_t i;
	int rc;

	hv_plan_init(plan);
	if (o->nenvs == 0 || o->nbenches == 0)
		return hv_err_set(err, EINVAL,
				  "nothing to run: no env or "
				  "bench selected");
	rc = hv_plan_build(plan, o->benches, o->nbenches, o->sets, err);
	for (i = 0; rc == 0 && o->slurm && i < o->nbenches; i++)
		if (o->benches[i]->box_start)
			rc = hv_err_set(
				err, EINVAL,
				"bench '%s' measures the start of boxes "
				"on the host that runs the study; run "
				"it without --launcher slurm",
				o->benches[i]->name);
	if (rc == 0 && o->slurm)
		rc = hv_plan_spread(plan, o->slurm->names, o->slurm->n, err);
	return rc;
}

static void
runner_release(struct runner *r)
{
	size_t i;

	for (i = 0; r->boxes && i < r->o->nenvs; i++)
		stop_box(r, &r->boxes[i]);
	for (i = 0; r->nodes && i < r->o->nenvs * (size_t)(r->max_nodes - 1);
	     i++)
		stop_box(r, &r->nodes[i]);
	for (i = 0; i < r->ncrews; i++)
		hv_box_crew_release(r->crews[i]);
	free(r->crews);
	free(r->nodes);
	free(r->boxes);
	free(r->box_err);
	free(r->units);
	free(r->order);
	free(r->done);
	if (r->st)
		hv_store_close(r->st);
	hv_study_release(&r->study);
	if (r->lab_up)
		hv_lab_destroy(&r->lab);
	hv_runstate_remove(&r->rs);
}

int
hv_run_study(const struct hv_run_opts *o, const struct hv_plan *plan,
	     struct hv_run_stats *st, struct hv_err *err)
{
	struct runner r = {.o = o, .plan = plan};
	int rc;

	memset(st, 0, sizeof(*st));
	r.t0_ms = hv_now_ms();
	hv_study_init(&r.study);
	r.study.seed = o->seed;
	rc = hv_runstate_create(&r.rs, err);
	if (rc < 0)
		goto out;
	rc = start_lab(&r, err);
	if (rc < 0)
		goto out;
	r.ctx.bin_dir = o->bin_dir;
	r.ctx.run_dir = r.rs.dir;
	r.ctx.spec = o->spec;
	r.ctx.lab = &r.lab;
	r.nhosts = o->slurm ? o->slurm->n : 1;
	r.boxes = calloc(o->nenvs, sizeof(*r.boxes));
	r.box_err = calloc(o->nenvs * r.nhosts, sizeof(*r.box_err));
	if (!r.boxes || !r.box_err) {
		rc = hv_err_set(err, ENOMEM, "boxes");
		goto out;
	}
	rc = hv_store_open(&r.st, o->out_dir,
			   o->resume ? HV_STORE_RESUME : HV_STORE_NEW, err);
	if (rc == 0)
		rc = o->resume ? record_resume(&r, err) : record_setup(&r, err);
	if (rc == 0)
		rc = put_ctx_cjson(&r, o->resume ? "resumed_link" : "link",
				   link_json(&r.lab), err);
	if (rc == 0 && o->slurm)
		rc = put_ctx_cjson(&r,
				   o->resume ? "resumed_launcher" : "launcher",
				   launcher_json(o->slurm), err);
	if (rc == 0)
		rc = add_cells(&r, err);
	if (rc == 0)
		rc = make_order(&r, err);
	if (rc == 0 && o->resume)
		rc = mark_done(&r, err);
	if (rc == 0) {
		count_todo(&r, st);
		rc = start_boxes(&r, err);
	}
	if (rc == 0)
		rc = fail_down_boxes(&r, err);
	if (rc == 0)
		rc = run_steps(&r, st, err);
	if (rc == 0)
		rc = run_adaptive(&r, st, err);
	progress(&r, 0, NULL, -1);
	if (rc == 0)
		rc = record_adaptive(&r, st, err);
	if (rc == 0)
		rc = finish_cells(&r, st, err);
out:
	runner_release(&r);
	return rc;
}
