/*
 * compare.c - two analysed studies cell by cell (compare.h): pairs, the
 * ratio of B to A with the bootstrap of stats.c, the Benjamini-Hochberg
 * correction over the pairs, and the provenance entries that changed.
 * The renderers are in compare-render.c.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hpcvirt/results/compare.h"

/* Provenance that says where and with what a study ran; the date, seed,
 * order and command line differ between any two studies and are left
 * out. */
static const char *const prov_keys[] = {
	"hpcvirt",   "git_rev",	  "host",
	"kernel",    "arch",	  "kernel_cmdline",
	"cpu_model", "ncpus",	  "mem_total_bytes",
	"governor",  "smt",	  "spec",
	"link",	     "precision",
};

void
hv_compare_init(struct hv_compare *c)
{
	memset(c, 0, sizeof(*c));
}

void
hv_compare_release(struct hv_compare *c)
{
	size_t i;

	for (i = 0; i < c->ndiffs; i++) {
		free(c->diffs[i].key);
		free(c->diffs[i].a);
		free(c->diffs[i].b);
	}
	free(c->diffs);
	free(c->rows);
	hv_compare_init(c);
}

static bool
same_params(const struct hv_params *a, const struct hv_params *b)
{
	const char *v;
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		v = hv_params_get(b, a->v[i].key);
		if (!v || strcmp(v, a->v[i].value) != 0)
			return false;
	}
	return true;
}

static bool
same_cell(const struct hv_cell *a, const struct hv_cell *b)
{
	return strcmp(a->env, b->env) == 0 && strcmp(a->bench, b->bench) == 0 &&
	       strcmp(a->metric, b->metric) == 0 &&
	       same_params(&a->params, &b->params);
}

static const struct hv_cell *
partner(const struct hv_study *s, const struct hv_cell *c)
{
	size_t i;

	for (i = 0; i < s->ncells; i++)
		if (same_cell(&s->cells[i], c))
			return &s->cells[i];
	return NULL;
}

/* The ratio of one pair, or why there is none. Only -ENOMEM fails. */
static int
pair_ratio(struct hv_cmp_row *r, uint64_t seed, struct hv_err *err)
{
	struct hv_boot_opts o = {.seed = seed,
				 .higher_is_better = r->a->higher_is_better};
	struct hv_err e2;
	int rc;

	r->p_bh = NAN;
	if (r->a->status == HV_CELL_FAILED || r->b->status == HV_CELL_FAILED) {
		r->why = "failed in A or B";
		return 0;
	}
	if (r->a->n < 2 || r->b->n < 2) {
		r->why = "fewer than 2 samples";
		return 0;
	}
	hv_err_init(&e2);
	rc = hv_ratio_bootstrap(r->b->samples, r->b->n, r->a->samples, r->a->n,
				&o, &r->ratio, &e2);
	if (rc == -ENOMEM)
		return hv_err_set(err, ENOMEM, "compare: out of memory");
	if (rc < 0) {
		r->why = "no bootstrap (a sample that is not positive)";
		return 0;
	}
	r->has_ratio = true;
	return 0;
}

static int
correct_bh(struct hv_compare *c, struct hv_err *err)
{
	double *p;
	size_t i, m = 0;
	int rc;

	p = malloc((c->n ? c->n : 1) * sizeof(*p));
	if (!p)
		return hv_err_set(err, ENOMEM, "compare: out of memory");
	for (i = 0; i < c->n; i++)
		if (c->rows[i].has_ratio)
			p[m++] = c->rows[i].ratio.p;
	rc = hv_bh_adjust(p, m, p, err);
	for (i = 0, m = 0; rc == 0 && i < c->n; i++) {
		struct hv_cmp_row *r = &c->rows[i];

		if (!r->has_ratio)
			continue;
		r->p_bh = p[m++];
		r->verdict_bh = r->p_bh <= HV_BH_FDR
					? r->ratio.verdict
					: HV_VERDICT_INDISTINGUISHABLE;
	}
	free(p);
	return rc;
}

static int
push_diff(struct hv_compare *c, const char *key, const cJSON *a, const cJSON *b)
{
	struct hv_cmp_diff *nv, *d;

	nv = realloc(c->diffs, (c->ndiffs + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	c->diffs = nv;
	d = &c->diffs[c->ndiffs++];
	d->key = strdup(key);
	d->a = a ? cJSON_PrintUnformatted(a) : NULL;
	d->b = b ? cJSON_PrintUnformatted(b) : NULL;
	if (!d->key || (a && !d->a) || (b && !d->b))
		return -ENOMEM;
	return 0;
}

/* Record key when a and b (either may be NULL) differ. */
static int
diff_item(struct hv_compare *c, const char *key, const cJSON *a, const cJSON *b)
{
	if (a && b && cJSON_Compare(a, b, true))
		return 0;
	if (!a && !b)
		return 0;
	return push_diff(c, key, a, b);
}

/* A value that names a run's own directory, cgroup or process differs
 * between any two runs: not a change of configuration. */
static bool
volatile_value(const cJSON *v)
{
	const char *s = cJSON_GetStringValue(v);
	const char *p;

	if (!s)
		return false;
	if (strstr(s, "hpcvirt-run."))
		return true;
	for (p = strstr(s, "hpcvirt-"); p; p = strstr(p + 1, "hpcvirt-"))
		if (p[8] >= '0' && p[8] <= '9')
			return true;
	return false;
}

/* Each member of a and b's objects at prefix.name (both may be NULL). */
static int
diff_members(struct hv_compare *c, const char *prefix, const cJSON *a,
	     const cJSON *b, bool skip_volatile)
{
	const cJSON *x, *y, *sides[2] = {a, b};
	char key[256];
	int rc = 0, k;

	for (k = 0; k < 2 && rc == 0; k++) {
		cJSON_ArrayForEach(x, sides[k])
		{
			y = cJSON_GetObjectItemCaseSensitive(sides[1 - k],
							     x->string);
			/* A pair present on both sides is seen from A. */
			if (k == 1 && y)
				continue;
			if (skip_volatile &&
			    (volatile_value(x) || (y && volatile_value(y))))
				continue;
			snprintf(key, sizeof(key), "%s.%s", prefix, x->string);
			rc = k == 0 ? diff_item(c, key, x, y)
				    : diff_item(c, key, NULL, x);
			if (rc < 0)
				break;
		}
	}
	return rc;
}

static cJSON *
ctx_json(const struct hv_study *s, const char *key)
{
	const char *t = hv_context_get(s, key);

	return t ? cJSON_Parse(t) : NULL;
}

/* The configuration of every env box (envs.NAME.config): versions,
 * devices, limits. */
static int
diff_envs(struct hv_compare *c, const cJSON *ea, const cJSON *eb)
{
	const cJSON *x, *sides[2] = {ea, eb};
	char prefix[160];
	int rc = 0, k;

	for (k = 0; k < 2 && rc == 0; k++) {
		cJSON_ArrayForEach(x, sides[k])
		{
			const cJSON *y = cJSON_GetObjectItemCaseSensitive(
				sides[1 - k], x->string);

			if (k == 1 && y)
				continue;
			snprintf(prefix, sizeof(prefix), "envs.%s.config",
				 x->string);
			rc = diff_members(
				c, prefix,
				cJSON_GetObjectItem(k ? y : x, "config"),
				cJSON_GetObjectItem(k ? x : y, "config"), true);
			if (rc < 0)
				break;
		}
	}
	return rc;
}

static int
diff_provenance(struct hv_compare *c, const struct hv_study *a,
		const struct hv_study *b)
{
	const char *sub[] = {"binaries", "envs"};
	cJSON *x, *y;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < sizeof(prov_keys) / sizeof(prov_keys[0]);
	     i++) {
		x = ctx_json(a, prov_keys[i]);
		y = ctx_json(b, prov_keys[i]);
		rc = diff_item(c, prov_keys[i], x, y);
		cJSON_Delete(x);
		cJSON_Delete(y);
	}
	for (i = 0; rc == 0 && i < 2; i++) {
		x = ctx_json(a, sub[i]);
		y = ctx_json(b, sub[i]);
		rc = i == 0 ? diff_members(c, sub[i], x, y, false)
			    : diff_envs(c, x, y);
		cJSON_Delete(x);
		cJSON_Delete(y);
	}
	return rc;
}

/* "envs native,ns; benches net.rr" of a study, for the no-match error. */
static void
describe(const struct hv_study *s, char *buf, size_t len)
{
	size_t i, j, w = 0;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		w += (size_t)snprintf(buf + w, w < len ? len - w : 0, "%s",
				      pass ? "; benches " : "envs ");
		for (i = 0; i < s->ncells && w < len; i++) {
			const char *n =
				pass ? s->cells[i].bench : s->cells[i].env;

			for (j = 0; j < i; j++)
				if (strcmp(pass ? s->cells[j].bench
						: s->cells[j].env,
					   n) == 0)
					break;
			if (j == i)
				w += (size_t)snprintf(buf + w, len - w, "%s%s",
						      i ? "," : "", n);
		}
	}
	if (s->ncells == 0)
		snprintf(buf, len, "no cells");
}

int
hv_compare_build(struct hv_compare *c, const struct hv_study *a,
		 const struct hv_study *b, struct hv_err *err)
{
	const struct hv_cell *p;
	char da[200], db[200];
	size_t i;
	int rc;

	c->rows = calloc(a->ncells ? a->ncells : 1, sizeof(*c->rows));
	if (!c->rows)
		return hv_err_set(err, ENOMEM, "compare: out of memory");
	for (i = 0; i < a->ncells; i++) {
		p = partner(b, &a->cells[i]);
		if (!p) {
			c->only_a++;
			continue;
		}
		c->rows[c->n].a = &a->cells[i];
		c->rows[c->n].b = p;
		rc = pair_ratio(&c->rows[c->n++], a->seed, err);
		if (rc < 0)
			return rc;
	}
	c->only_b = b->ncells - c->n;
	if (c->n == 0) {
		describe(a, da, sizeof(da));
		describe(b, db, sizeof(db));
		return hv_err_set(err, ENODATA,
				  "no cell in common (same env, bench, "
				  "parameters and metric): A has %s; B has %s",
				  da, db);
	}
	rc = correct_bh(c, err);
	if (rc == 0 && diff_provenance(c, a, b) < 0)
		rc = hv_err_set(err, ENOMEM, "compare: out of memory");
	return rc;
}
