/*
 * plan.c - expanding a study's benchmarks into parameter sets: each bench
 * has parameter lists (its defaults, overridden by the user's --set
 * values); the cartesian product of those lists gives one parameter set
 * per cell. Values are validated here, before anything runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpcvirt/util/opt.h"
#include "hpcvirt/study/plan.h"

#define MAX_VALUES 64

void
hv_plan_init(struct hv_plan *pl)
{
	memset(pl, 0, sizeof(*pl));
}

void
hv_plan_release(struct hv_plan *pl)
{
	size_t i;

	for (i = 0; i < pl->n; i++)
		hv_params_release(&pl->sets[i].params);
	free(pl->sets);
	hv_plan_init(pl);
}

/*
 * Does a selected bench have the parameter key names? A key is a
 * parameter's name ("class": every bench that has one) or one bench's
 * parameter ("npb.cg:class").
 */
static bool
key_known(const struct hv_bench *const *b, size_t nb, const char *key)
{
	const char *colon = strchr(key, ':'), *name = colon ? colon + 1 : key;
	size_t i, j;

	for (i = 0; i < nb; i++) {
		if (colon && (strlen(b[i]->name) != (size_t)(colon - key) ||
			      strncmp(b[i]->name, key, (size_t)(colon - key))))
			continue;
		for (j = 0; j < b[i]->nparams; j++)
			if (strcmp(b[i]->params[j].name, name) == 0)
				return true;
	}
	return false;
}

/* The user's list for bench b's parameter name: its own, else the
 * shared one, else NULL. */
static const char *
user_list(const struct hv_bench *b, const struct hv_params *sets,
	  const char *name)
{
	char key[128];
	const char *v;

	if (!sets)
		return NULL;
	snprintf(key, sizeof(key), "%s:%s", b->name, name);
	v = hv_params_get(sets, key);
	return v ? v : hv_params_get(sets, name);
}

static int
push_set(struct hv_plan *pl, const struct hv_bench *b,
	 const struct hv_params *p)
{
	struct hv_plan_set *ns;

	if (pl->n == pl->cap) {
		size_t cap = pl->cap ? pl->cap * 2 : 16;

		ns = realloc(pl->sets, cap * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		pl->sets = ns;
		pl->cap = cap;
	}
	pl->sets[pl->n].bench = b;
	pl->sets[pl->n].host = -1;
	pl->sets[pl->n].peer_host = -1;
	hv_params_init(&pl->sets[pl->n].params);
	if (hv_params_copy(&pl->sets[pl->n].params, p) < 0)
		return -ENOMEM;
	pl->n++;
	return 0;
}

/* A value given twice would make the same cell twice: refuse it. */
static int
no_repeats(const char *label, char *const *vals, int n, struct hv_err *err)
{
	for (int a = 0; a < n; a++)
		for (int b = a + 1; b < n; b++)
			if (strcmp(vals[a], vals[b]) == 0)
				return hv_err_set(err, EINVAL,
						  "bad --%s: '%s' is listed "
						  "twice; expected each value "
						  "once",
						  label, vals[a]);
	return 0;
}

/* Value lists of one bench: lists[j] holds nvals[j] strings in buf j. */
struct lists {
	char buf[16][1024];
	char *vals[16][MAX_VALUES];
	int nvals[16];
};

static int
bench_lists(const struct hv_bench *b, const struct hv_params *sets,
	    struct lists *L, struct hv_err *err)
{
	char label[80];
	size_t j;
	int k, rc;

	if (b->nparams > 16)
		return hv_err_set(err, E2BIG, "%s: too many parameters",
				  b->name);
	for (j = 0; j < b->nparams; j++) {
		const struct hv_param_def *d = &b->params[j];
		const char *v = user_list(b, sets, d->name);
		char own[128];

		/* Name the option the user types for it in messages. */
		snprintf(own, sizeof(own), "%s:%s", b->name, d->name);
		if (sets && hv_params_get(sets, own))
			snprintf(label, sizeof(label), "set %s", own);
		else if (d->option)
			snprintf(label, sizeof(label), "%s", d->option);
		else
			snprintf(label, sizeof(label), "set %s", d->name);
		snprintf(L->buf[j], sizeof(L->buf[j]), "%s", v ? v : d->defval);
		rc = hv_opt_split(label, L->buf[j], L->vals[j], MAX_VALUES,
				  err);
		if (rc < 0)
			return rc;
		L->nvals[j] = rc;
		if ((rc = no_repeats(label, L->vals[j], L->nvals[j], err)) < 0)
			return rc;
		for (k = 0; d->check && k < L->nvals[j]; k++) {
			rc = d->check(label, L->vals[j][k], err);
			if (rc < 0)
				return hv_err_prefix(err, "%s: ", b->name);
		}
	}
	return 0;
}

/* Append the cartesian product of the lists, first parameter slowest. */
static int
expand(struct hv_plan *pl, const struct hv_bench *b, struct lists *L)
{
	int idx[16] = {0};
	struct hv_params p;
	size_t j;
	int rc = 0;

	for (;;) {
		hv_params_init(&p);
		for (j = 0; j < b->nparams && rc == 0; j++)
			rc = hv_params_set(&p, b->params[j].name,
					   L->vals[j][idx[j]]);
		if (rc == 0 && (!b->valid || b->valid(&p)))
			rc = push_set(pl, b, &p);
		hv_params_release(&p);
		if (rc < 0)
			return rc;
		for (j = b->nparams; j-- > 0;) {
			if (++idx[j] < L->nvals[j])
				break;
			idx[j] = 0;
		}
		if (j == (size_t)-1)
			return 0;
	}
}

int
hv_plan_build(struct hv_plan *pl, const struct hv_bench *const *benches,
	      size_t nbenches, const struct hv_params *sets, struct hv_err *err)
{
	struct lists *L;
	size_t i;
	int rc = 0;

	for (i = 0; sets && i < sets->n; i++)
		if (!key_known(benches, nbenches, sets->v[i].key))
			return hv_err_set(err, EINVAL,
					  "parameter '%s' belongs to none of "
					  "the selected benches: expected a "
					  "parameter name, or BENCH:NAME for "
					  "one bench (see hpcvirt list)",
					  sets->v[i].key);
	L = calloc(1, sizeof(*L));
	if (!L)
		return hv_err_set(err, ENOMEM, "plan");
	for (i = 0; i < nbenches && rc == 0; i++) {
		size_t before = pl->n;

		memset(L, 0, sizeof(*L));
		rc = bench_lists(benches[i], sets, L, err);
		if (rc == 0 && benches[i]->nparams == 0)
			rc = push_set(pl, benches[i], NULL);
		else if (rc == 0)
			rc = expand(pl, benches[i], L);
		if (rc == -ENOMEM)
			hv_err_set(err, ENOMEM, "plan");
		else if (rc == 0 && pl->n == before)
			rc = hv_err_set(err, EINVAL,
					"%s: no valid combination of its "
					"parameters (see hpcvirt list)",
					benches[i]->name);
	}
	free(L);
	return rc;
}

/* One set of the spread plan: set's params plus host = label. */
static int
push_placed(struct hv_plan *pl, const struct hv_plan_set *set,
	    const char *label, int host, int peer)
{
	int rc = push_set(pl, set->bench, &set->params);

	if (rc < 0)
		return rc;
	pl->sets[pl->n - 1].host = host;
	pl->sets[pl->n - 1].peer_host = peer;
	return hv_params_set(&pl->sets[pl->n - 1].params, "host", label);
}

int
hv_plan_spread(struct hv_plan *pl, const char *const *names, size_t n,
	       struct hv_err *err)
{
	struct hv_plan out;
	char label[512];
	size_t i, h, len;
	long nodes;
	int rc = 0;

	if (n == 0 || n > 64)
		return hv_err_set(err, EINVAL, "%zu hosts: expected 1 to 64",
				  n);
	hv_plan_init(&out);
	for (i = 0; i < pl->n && rc == 0; i++) {
		const struct hv_plan_set *s = &pl->sets[i];
		const char *v = hv_params_get(&s->params, "nodes");

		nodes = v ? strtol(v, NULL, 10) : 1;
		if (nodes > 1 && (size_t)nodes > n) {
			rc = hv_err_set(err, EINVAL,
					"--nodes %ld: the allocation has %zu "
					"host%s (%s%s); expected at most %zu "
					"(ask salloc or sbatch for more, "
					"-N %ld)",
					nodes, n, n == 1 ? "" : "s", names[0],
					n > 1 ? ", ..." : "", n, nodes);
			break;
		}
		if (nodes > 1) {
			for (h = 0, len = 0; h < (size_t)nodes; h++)
				len += (size_t)snprintf(
					label + len,
					len < sizeof(label)
						? sizeof(label) - len
						: 0,
					"%s%s", h ? "+" : "", names[h]);
			if (len >= sizeof(label))
				rc = hv_err_set(err, EINVAL,
						"host names too long for one "
						"label");
			else
				rc = push_placed(&out, s, label, 0, -1);
			continue;
		}
		for (h = 0; h < n && rc == 0; h++) {
			size_t p = (h + 1) % n;

			if (s->bench->needs_peer)
				snprintf(label, sizeof(label), "%s>%s",
					 names[h], names[p]);
			else
				snprintf(label, sizeof(label), "%s", names[h]);
			rc = push_placed(&out, s, label, (int)h,
					 s->bench->needs_peer ? (int)p : -1);
		}
	}
	if (rc == -ENOMEM)
		hv_err_set(err, ENOMEM, "plan");
	if (rc < 0) {
		hv_plan_release(&out);
		return rc;
	}
	hv_plan_release(pl);
	*pl = out;
	return 0;
}
