/*
 * result.c - the one result model: parameters, the study context, cells
 * and their samples, and hv_study_analyze(), which attaches to every cell
 * its summary and its ratio to the native cell of the same benchmark and
 * parameters. The store fills this model and every renderer reads it, so
 * the rules about which cell gets a ratio live here and nowhere else.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hpcvirt/results/precision.h"
#include "hpcvirt/results/result.h"

#define NATIVE_ENV "native"

/* Replace *dst by a copy of src (NULL allowed). 0 or -ENOMEM. */
static int
dup_into(char **dst, const char *src)
{
	char *p = NULL;

	if (src) {
		p = strdup(src);
		if (!p)
			return -ENOMEM;
	}
	free(*dst);
	*dst = p;
	return 0;
}

/* Grow *base (of *cap elements of sz bytes) to hold at least want. */
static int
grow(void **base, size_t *cap, size_t want, size_t sz)
{
	size_t ncap = *cap ? *cap : 8;
	void *p;

	if (want <= *cap)
		return 0;
	while (ncap < want) {
		if (ncap > ((size_t)-1 / 2) / sz)
			return -ENOMEM;
		ncap *= 2;
	}
	p = realloc(*base, ncap * sz);
	if (!p)
		return -ENOMEM;
	*base = p;
	*cap = ncap;
	return 0;
}

/*
 * Ordered key/value lists back both the parameters and the context. The
 * lists are short (a handful of entries), so lookups are linear and the
 * capacity is simply the count.
 */
static struct hv_kv *
kv_find(struct hv_kv *v, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].key, key) == 0)
			return &v[i];
	return NULL;
}

static int
kv_set(struct hv_kv **v, size_t *n, const char *key, const char *value)
{
	struct hv_kv *kv = kv_find(*v, *n, key);
	struct hv_kv *nv;
	char *k, *val;

	if (kv)
		return dup_into(&kv->value, value);
	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	k = strdup(key);
	val = strdup(value);
	if (!k || !val) {
		free(k);
		free(val);
		return -ENOMEM;
	}
	nv[*n].key = k;
	nv[*n].value = val;
	(*n)++;
	return 0;
}

static void
kv_release(struct hv_kv **v, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		free((*v)[i].key);
		free((*v)[i].value);
	}
	free(*v);
	*v = NULL;
	*n = 0;
}

void
hv_params_init(struct hv_params *p)
{
	p->v = NULL;
	p->n = 0;
}

void
hv_params_release(struct hv_params *p)
{
	kv_release(&p->v, &p->n);
}

int
hv_params_set(struct hv_params *p, const char *key, const char *value)
{
	if (!key || !*key || !value)
		return -EINVAL;
	return kv_set(&p->v, &p->n, key, value);
}

const char *
hv_params_get(const struct hv_params *p, const char *key)
{
	struct hv_kv *kv = kv_find(p->v, p->n, key);

	return kv ? kv->value : NULL;
}

int
hv_params_copy(struct hv_params *dst, const struct hv_params *src)
{
	struct hv_params tmp;
	size_t i;
	int rc;

	hv_params_init(&tmp);
	for (i = 0; src && i < src->n; i++) {
		rc = hv_params_set(&tmp, src->v[i].key, src->v[i].value);
		if (rc < 0) {
			hv_params_release(&tmp);
			return rc;
		}
	}
	hv_params_release(dst);
	*dst = tmp;
	return 0;
}

size_t
hv_params_format(const struct hv_params *p, char *buf, size_t len)
{
	size_t need = 0, i;
	int w;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < p->n; i++) {
		w = snprintf(need < len ? buf + need : NULL,
			     need < len ? len - need : 0, "%s%s=%s",
			     i ? "," : "", p->v[i].key, p->v[i].value);
		if (w < 0)
			return need;
		need += (size_t)w;
	}
	return need;
}

const char *
hv_cell_status_name(enum hv_cell_status s)
{
	switch (s) {
	case HV_CELL_PENDING:
		return "pending";
	case HV_CELL_OK:
		return "ok";
	case HV_CELL_FAILED:
		return "failed";
	}
	return "unknown";
}

void
hv_study_init(struct hv_study *s)
{
	memset(s, 0, sizeof(*s));
}

static void
cell_release(struct hv_cell *c)
{
	free(c->env);
	free(c->bench);
	hv_params_release(&c->params);
	free(c->metric);
	free(c->unit);
	free(c->reason);
	free(c->samples);
	memset(c, 0, sizeof(*c));
}

void
hv_study_release(struct hv_study *s)
{
	size_t i;

	kv_release(&s->context.v, &s->context.n);
	for (i = 0; i < s->ncells; i++)
		cell_release(&s->cells[i]);
	free(s->cells);
	hv_study_init(s);
}

int
hv_context_set_json(struct hv_study *s, const char *key, const char *json)
{
	cJSON *j;

	if (!key || !*key || !json)
		return -EINVAL;
	/* Reject text the JSON renderer could not embed. */
	j = cJSON_ParseWithOpts(json, NULL, true);
	if (!j)
		return -EINVAL;
	cJSON_Delete(j);
	return kv_set(&s->context.v, &s->context.n, key, json);
}

int
hv_context_set_str(struct hv_study *s, const char *key, const char *val)
{
	cJSON *j;
	char *txt;
	int rc;

	if (!val)
		return -EINVAL;
	j = cJSON_CreateString(val);
	txt = j ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	if (!txt)
		return -ENOMEM;
	rc = kv_set(&s->context.v, &s->context.n, key, txt);
	cJSON_free(txt);
	return rc;
}

const char *
hv_context_get(const struct hv_study *s, const char *key)
{
	struct hv_kv *kv = kv_find(s->context.v, s->context.n, key);

	return kv ? kv->value : NULL;
}

static int
cell_fill(struct hv_cell *c, const char *env, const char *bench,
	  const struct hv_params *params, const char *metric, const char *unit)
{
	int rc = 0;

	c->env = strdup(env);
	c->bench = strdup(bench);
	c->metric = strdup(metric);
	c->unit = strdup(unit);
	if (!c->env || !c->bench || !c->metric || !c->unit)
		rc = -ENOMEM;
	if (rc == 0 && params)
		rc = hv_params_copy(&c->params, params);
	return rc;
}

int
hv_study_add_cell(struct hv_study *s, const char *env, const char *bench,
		  const struct hv_params *params, const char *metric,
		  const char *unit, bool higher_is_better, struct hv_cell **out)
{
	struct hv_cell *c;
	int rc;

	if (!env || !*env || !bench || !*bench || !metric || !unit)
		return -EINVAL;
	rc = grow((void **)&s->cells, &s->cap, s->ncells + 1,
		  sizeof(*s->cells));
	if (rc < 0)
		return rc;
	c = &s->cells[s->ncells];
	memset(c, 0, sizeof(*c));
	hv_params_init(&c->params);
	rc = cell_fill(c, env, bench, params, metric, unit);
	if (rc < 0) {
		cell_release(c);
		return rc;
	}
	c->higher_is_better = higher_is_better;
	c->status = HV_CELL_PENDING;
	c->cpu_psi_max = -1;
	c->load1_max = -1;
	s->ncells++;
	if (out)
		*out = c;
	return 0;
}

int
hv_cell_add_sample(struct hv_cell *c, double v)
{
	int rc;

	/* NaN or Inf would poison every mean and cannot go into JSON. */
	if (!isfinite(v))
		return -EINVAL;
	rc = grow((void **)&c->samples, &c->cap, c->n + 1, sizeof(double));
	if (rc < 0)
		return rc;
	c->samples[c->n++] = v;
	return 0;
}

int
hv_cell_set_reason(struct hv_cell *c, const char *reason)
{
	return dup_into(&c->reason, reason);
}

/* a and b agree on every key, except that a has skip=1 where b differs. */
/* Is key one of the NULL-ended list? */
static bool
in_list(const char *const *list, const char *key)
{
	for (; *list; list++)
		if (strcmp(*list, key) == 0)
			return true;
	return false;
}

/* a equals b except that a's keys in skip are "1" whatever b's are.
 * Where they ran ("host") is base_host's to judge, not compared here. */
static bool
params_equal_but(const struct hv_params *a, const struct hv_params *b,
		 const char *const *skip)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		const char *v = hv_params_get(b, a->v[i].key);

		if (strcmp(a->v[i].key, "host") == 0) {
			continue;
		} else if (in_list(skip, a->v[i].key)) {
			if (!v || strcmp(a->v[i].value, "1") != 0)
				return false;
		} else if (!v || strcmp(v, a->v[i].value) != 0) {
			return false;
		}
	}
	return true;
}

static bool
params_equal(const struct hv_params *a, const struct hv_params *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].key, b->v[i].key) != 0 ||
		    strcmp(a->v[i].value, b->v[i].value) != 0)
			return false;
	return true;
}

/*
 * The twin must also measure the same metric: a benchmark that reports
 * several metrics for one parameter set has one cell per metric, and a
 * ratio across metrics would be meaningless.
 */
bool
hv_cell_contended(const struct hv_cell *c)
{
	return c->cpu_psi_max >= HV_CONTENDED_PSI;
}

const struct hv_cell *
hv_study_native_of(const struct hv_study *s, const struct hv_cell *c)
{
	size_t i;

	for (i = 0; i < s->ncells; i++) {
		const struct hv_cell *t = &s->cells[i];

		if (strcmp(t->env, NATIVE_ENV) == 0 &&
		    strcmp(t->bench, c->bench) == 0 &&
		    strcmp(t->metric, c->metric) == 0 &&
		    params_equal(&t->params, &c->params))
			return t;
	}
	return NULL;
}

/*
 * The scaling parameters, first match wins, and what the base cell has at
 * 1: a cluster's base is one node with one rank; a rank sweep's one rank
 * (however many per node that makes); a thread sweep's one thread.
 */
static const struct {
	const char *key;
	const char *const base[4];
} scale_keys[] = {
	{"nodes", {"nodes", "ranks", "ranks_per_node", NULL}},
	{"ranks", {"ranks", "ranks_per_node", NULL}},
	{"threads", {"threads", NULL}},
};

/*
 * Across hosts (a "host" parameter), a job over "n1+n2" is scaled from
 * the one-node cell on its first host, n1: does t's host qualify as c's
 * base? Cells without hosts always do.
 */
static bool
base_host(const struct hv_cell *t, const struct hv_cell *c)
{
	const char *th = hv_params_get(&t->params, "host"),
		   *ch = hv_params_get(&c->params, "host");
	size_t n;

	if (!th || !ch)
		return !th && !ch;
	n = strcspn(ch, "+");
	return strlen(th) == n && strncmp(th, ch, n) == 0;
}

static size_t
scale_index(const struct hv_cell *c)
{
	size_t i;

	for (i = 0; i < sizeof(scale_keys) / sizeof(scale_keys[0]); i++) {
		const char *v = hv_params_get(&c->params, scale_keys[i].key);

		if (v && strcmp(v, "1") != 0)
			return i;
	}
	return (size_t)-1;
}

const char *
hv_cell_scale_key(const struct hv_cell *c)
{
	size_t i = scale_index(c);

	return i == (size_t)-1 ? NULL : scale_keys[i].key;
}

const struct hv_cell *
hv_study_scale_base_of(const struct hv_study *s, const struct hv_cell *c)
{
	size_t i, k = scale_index(c);
	const char *const *skip;

	if (k == (size_t)-1)
		return NULL;
	skip = scale_keys[k].base;
	for (i = 0; i < s->ncells; i++) {
		const struct hv_cell *t = &s->cells[i];

		if (strcmp(t->env, c->env) == 0 &&
		    strcmp(t->bench, c->bench) == 0 &&
		    strcmp(t->metric, c->metric) == 0 &&
		    params_equal_but(&t->params, &c->params, skip) &&
		    base_host(t, c))
			return t;
	}
	return NULL;
}

/*
 * The bootstrap ratio of two cells' samples into out; false when there
 * is none (a failed side, under 2 samples, a refusal). Only running out
 * of memory is an error.
 */
static int
pair_ratio(const struct hv_study *s, const struct hv_cell *num,
	   const struct hv_cell *den, bool higher_is_better,
	   struct hv_ratio *out, bool *has, struct hv_err *err)
{
	struct hv_boot_opts o = {0};
	struct hv_err e2;
	int rc;

	*has = false;
	if (num->status == HV_CELL_FAILED || den->status == HV_CELL_FAILED ||
	    num->n < 2 || den->n < 2)
		return 0;
	o.seed = s->seed;
	o.higher_is_better = higher_is_better;
	hv_err_init(&e2);
	rc = hv_ratio_bootstrap(num->samples, num->n, den->samples, den->n, &o,
				out, &e2);
	if (rc == -ENOMEM) {
		if (err)
			*err = e2;
		return rc;
	}
	*has = rc == 0;
	return 0;
}

/* Speedup against the scale base: above 1 when the cell is faster. */
static int
cell_speedup(const struct hv_study *s, struct hv_cell *c, struct hv_err *err)
{
	const struct hv_cell *b = hv_study_scale_base_of(s, c);
	int rc;

	c->has_speedup = false;
	if (!b)
		return 0;
	if (c->higher_is_better)
		rc = pair_ratio(s, c, b, true, &c->speedup, &c->has_speedup,
				err);
	else
		rc = pair_ratio(s, b, c, true, &c->speedup, &c->has_speedup,
				err);
	if (rc < 0 && err)
		return hv_err_prefix(err, "%s %s speedup: ", c->env, c->bench);
	return rc;
}

/*
 * Ratio of one cell to its native twin. Failed cells (on either side) get
 * none: their samples are a partial run cut short by an error. A
 * bootstrap refusal (too few samples, native mean not positive) leaves
 * the cell without a ratio; only running out of memory is an error.
 */
static int
cell_ratio(const struct hv_study *s, struct hv_cell *c, struct hv_err *err)
{
	const struct hv_cell *nat;
	int rc;

	c->has_ratio = false;
	if (strcmp(c->env, NATIVE_ENV) == 0)
		return 0;
	nat = hv_study_native_of(s, c);
	if (!nat)
		return 0;
	rc = pair_ratio(s, c, nat, c->higher_is_better, &c->ratio,
			&c->has_ratio, err);
	if (rc < 0 && err)
		return hv_err_prefix(err, "%s %s: ", c->env, c->bench);
	return rc;
}

/*
 * The guard of every cell with a summary that did not fail: natives
 * first, so that a ratio's check can name its twin's instability.
 */
static void
study_guard(struct hv_study *s)
{
	const struct hv_cell *nat;
	struct hv_cell *c;
	size_t i;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < s->ncells; i++) {
			c = &s->cells[i];
			if ((strcmp(c->env, NATIVE_ENV) == 0) != (pass == 0) ||
			    !c->has_summary || c->status == HV_CELL_FAILED)
				continue;
			nat = c->has_ratio ? hv_study_native_of(s, c) : NULL;
			hv_unstable_check(
				&c->summary, c->has_ratio ? &c->ratio : NULL,
				c->higher_is_better,
				nat ? &nat->unstable : NULL, &c->unstable);
		}
}

/*
 * Benjamini-Hochberg over the p-values of every ratio in the study: a
 * cell keeps its raw verdict when its adjusted p is within HV_BH_FDR.
 */
static int
study_bh(struct hv_study *s, struct hv_err *err)
{
	double *p = NULL;
	struct hv_cell *c;
	size_t i, m = 0;
	int rc = 0;

	p = malloc((s->ncells ? s->ncells : 1) * sizeof(*p));
	if (!p)
		return hv_err_set(err, ENOMEM, "BH over %zu cells", s->ncells);
	for (i = 0; i < s->ncells; i++)
		if (s->cells[i].has_ratio)
			p[m++] = s->cells[i].ratio.p;
	rc = hv_bh_adjust(p, m, p, err);
	if (rc < 0)
		goto out;
	for (i = 0, m = 0; i < s->ncells; i++) {
		c = &s->cells[i];
		if (!c->has_ratio)
			continue;
		c->p_bh = p[m++];
		c->verdict_bh = c->p_bh <= HV_BH_FDR
					? c->ratio.verdict
					: HV_VERDICT_INDISTINGUISHABLE;
		if (c->ratio.verdict == HV_VERDICT_NONE)
			c->verdict_bh = HV_VERDICT_NONE;
	}
out:
	free(p);
	return rc;
}

/* Is "bench metric" in the target's exempt list (tails)? */
static bool
prec_exempt(const cJSON *prec, const struct hv_cell *c)
{
	const cJSON *it;
	char name[200];

	snprintf(name, sizeof(name), "%s %s", c->bench, c->metric);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(prec, "exempt"))
	{
		if (cJSON_IsString(it) && strcmp(it->valuestring, name) == 0)
			return true;
	}
	return false;
}

/* How the adaptive rounds ended: the last of "adaptive" and
 * "resumed_adaptive" ("met", "max_reps", "budget", "interrupted"). */
static const char *
prec_stop(const struct hv_study *s)
{
	static const char *const known[] = {"met", "max_reps", "budget",
					    "interrupted"};
	const char *txt = hv_context_get(s, "resumed_adaptive");
	cJSON *a, *st;
	size_t i;

	if (!txt)
		txt = hv_context_get(s, "adaptive");
	a = txt ? cJSON_Parse(txt) : NULL;
	st = cJSON_GetObjectItemCaseSensitive(a, "stopped");
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (cJSON_IsString(st) &&
		    strcmp(st->valuestring, known[i]) == 0)
			break;
	cJSON_Delete(a);
	return i < sizeof(known) / sizeof(known[0]) ? known[i] : "interrupted";
}

/* Why a target cell missed: its cv, and what stopped it. */
static void
prec_explain(const struct hv_study *s, struct hv_cell *c, double cv,
	     int max_reps)
{
	if (isnan(c->half_width))
		snprintf(c->prec_why, sizeof(c->prec_why),
			 "not known (n = %zu)", c->n);
	else if (max_reps > 0 && (int)c->n >= max_reps)
		snprintf(c->prec_why, sizeof(c->prec_why),
			 "cv %.1f %%, --max-reps %d", cv * 100, max_reps);
	else
		snprintf(c->prec_why, sizeof(c->prec_why), "cv %.1f %%, %s",
			 cv * 100,
			 !strcmp(s->prec_stop, "budget") ? "the budget"
			 : !strcmp(s->prec_stop, "interrupted")
				 ? "interrupted"
				 : "its twin's side");
}

/*
 * Each cell against the precision target recorded in the context of an
 * adaptive study ("precision"; none: target 0 and no cell is a target).
 */
static int
study_prec(struct hv_study *s, struct hv_err *err)
{
	const char *txt = hv_context_get(s, "precision");
	cJSON *prec = txt ? cJSON_Parse(txt) : NULL, *v;
	struct hv_precision pr;
	int max_reps, rc = 0;
	size_t i;

	v = cJSON_GetObjectItemCaseSensitive(prec, "target");
	s->prec_target =
		cJSON_IsNumber(v) && v->valuedouble > 0 ? v->valuedouble : 0;
	v = cJSON_GetObjectItemCaseSensitive(prec, "max_reps");
	max_reps = cJSON_IsNumber(v) ? v->valueint : 0;
	s->prec_stop = prec_stop(s);
	s->prec_ntarget = s->prec_nmet = 0;
	for (i = 0; i < s->ncells && rc == 0; i++) {
		struct hv_cell *c = &s->cells[i];
		const struct hv_cell *b = hv_study_native_of(s, c);

		c->prec = HV_PREC_NONE;
		c->half_width = NAN;
		c->prec_why[0] = '\0';
		if (s->prec_target <= 0 || c->status == HV_CELL_FAILED ||
		    prec_exempt(prec, c))
			continue;
		if (b == c || (b && b->status == HV_CELL_FAILED))
			b = NULL;
		rc = hv_precision_of(c->samples, c->n, b ? b->samples : NULL,
				     b ? b->n : 0, c->higher_is_better, s->seed,
				     &pr, err);
		c->half_width = pr.half_width;
		c->prec = pr.half_width <= s->prec_target ? HV_PREC_MET
							  : HV_PREC_MISSED;
		s->prec_ntarget++;
		s->prec_nmet += c->prec == HV_PREC_MET;
		if (c->prec == HV_PREC_MISSED)
			prec_explain(s, c, pr.cv, max_reps);
	}
	cJSON_Delete(prec);
	return rc;
}

bool
hv_cell_oversubscribed(const struct hv_cell *c)
{
	return c->box_vcpus > 0 && c->box_threads > c->box_vcpus;
}

double
hv_study_cpu_per_work(const struct hv_study *s, const char *env,
		      const char *bench)
{
	double cpu = 0, work = 0;
	size_t i;

	for (i = 0; i < s->ncells; i++) {
		const struct hv_cell *c = &s->cells[i];

		if (!strcmp(c->env, env) && !strcmp(c->bench, bench) &&
		    c->work > 0) {
			cpu += c->host_cpu_s;
			work += c->work;
		}
	}
	return work > 0 ? cpu / work : NAN;
}

/* A count parameter of p (threads, ranks...); 1 when absent. */
static int
count_param(const struct hv_params *p, const char *key)
{
	const char *v = hv_params_get(p, key);
	long n = v ? strtol(v, NULL, 10) : 1;

	return n >= 1 && n <= 1 << 20 ? (int)n : 1;
}

/*
 * Each cell's threads per box, and its box's vCPUs from the context's
 * "envs" (or "resumed_envs" of a resumed study: the boxes that ran last).
 */
static void
study_vcpus(struct hv_study *s)
{
	const char *txt = hv_context_get(s, "resumed_envs");
	cJSON *envs = cJSON_Parse(txt ? txt : hv_context_get(s, "envs"));
	const cJSON *v;
	size_t i;

	for (i = 0; i < s->ncells; i++) {
		struct hv_cell *c = &s->cells[i];
		int nodes = count_param(&c->params, "nodes");

		c->box_threads =
			count_param(&c->params, "threads") *
			count_param(&c->params,
				    nodes > 1 ? "ranks_per_node" : "ranks");
		v = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(envs, c->env),
			"vcpus");
		c->box_vcpus = cJSON_IsNumber(v) && v->valuedouble >= 1 &&
					       v->valuedouble < 1 << 20
				       ? (int)v->valuedouble
				       : 0;
	}
	cJSON_Delete(envs);
}

int
hv_study_analyze(struct hv_study *s, struct hv_err *err)
{
	const char *nc = hv_context_get(s, "ncpus");
	double cores = nc ? strtod(nc, NULL) : 0;
	struct hv_cell *c;
	size_t i;
	int rc;

	for (i = 0; i < s->ncells; i++) {
		const char *ranks;

		c = &s->cells[i];
		ranks = hv_params_get(&c->params, "ranks");
		c->ranks_per_core = ranks && cores >= 1 && cores < 1e6
					    ? strtod(ranks, NULL) / cores
					    : 0;
		c->has_summary = false;
		c->p_bh = NAN;
		c->verdict_bh = HV_VERDICT_NONE;
		memset(&c->unstable, 0, sizeof(c->unstable));
		if (c->n == 0)
			continue;
		rc = hv_summary_compute(c->samples, c->n, &c->summary, err);
		if (rc < 0 && !err)
			return rc;
		if (rc < 0)
			return hv_err_prefix(err, "%s %s: ", c->env, c->bench);
		c->has_summary = true;
	}
	for (i = 0; i < s->ncells; i++) {
		rc = cell_ratio(s, &s->cells[i], err);
		if (rc == 0)
			rc = cell_speedup(s, &s->cells[i], err);
		if (rc < 0)
			return rc;
	}
	study_guard(s);
	study_vcpus(s);
	rc = study_bh(s, err);
	return rc < 0 ? rc : study_prec(s, err);
}
