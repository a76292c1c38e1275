/*
 * scorecard.c - the 2008 scorecard (scorecard.h): the claims file's
 * parser, the verdict of each claim per env of an analysed study, and its
 * terminal and JSON renderers. The verdicts use the intervals the model
 * already holds (hv_study_analyze): a cell's ratio CI, or for a scaling
 * claim the quotient of the env's and native's speedup intervals; nothing
 * here resamples.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hpcvirt/results/render-util.h"
#include "hpcvirt/results/scorecard.h"

enum {
	MAX_FIELDS = 12,
	TECH_FIELDS = 4,
	CLAIM_FIELDS = 11,
};

/* The fields of one line, split at tabs in place. */
struct fields {
	char *f[MAX_FIELDS];
	size_t n;
};

static void
split_tabs(char *line, struct fields *fs)
{
	char *p = line;

	fs->n = 0;
	while (fs->n < MAX_FIELDS) {
		fs->f[fs->n++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = '\0';
	}
}

/* A comma list into a new array of copies. 0, -EINVAL (an empty item)
 * or -ENOMEM. */
static int
split_list(const char *s, char ***out, size_t *n)
{
	const char *p = s, *q;
	char **v = NULL, **nv;
	size_t k = 0;

	for (;;) {
		q = strchr(p, ',');
		if (!q)
			q = p + strlen(p);
		if (q == p)
			goto bad;
		nv = realloc(v, (k + 1) * sizeof(*v));
		if (!nv)
			goto nomem;
		v = nv;
		v[k] = strndup(p, (size_t)(q - p));
		if (!v[k])
			goto nomem;
		k++;
		if (!*q)
			break;
		p = q + 1;
	}
	*out = v;
	*n = k;
	return 0;
bad:
	while (k)
		free(v[--k]);
	free(v);
	return -EINVAL;
nomem:
	while (k)
		free(v[--k]);
	free(v);
	return -ENOMEM;
}

static void
free_list(char **v, size_t n)
{
	while (n)
		free(v[--n]);
	free(v);
}

void
hv_claims_init(struct hv_claims *c)
{
	memset(c, 0, sizeof(*c));
}

void
hv_claims_release(struct hv_claims *c)
{
	size_t i;

	for (i = 0; i < c->ntechs; i++) {
		free(c->techs[i].name);
		free(c->techs[i].label);
		free_list(c->techs[i].envs, c->techs[i].nenvs);
	}
	for (i = 0; i < c->nclaims; i++) {
		free(c->claims[i].id);
		free_list(c->claims[i].benches, c->claims[i].nbenches);
		free(c->claims[i].metric);
		hv_params_release(&c->claims[i].params);
		free(c->claims[i].value_2008);
		free(c->claims[i].sentence);
	}
	free(c->techs);
	free(c->claims);
	hv_claims_init(c);
}

/* Where a parse error is: origin and line, for every message. */
struct pos {
	const char *origin;
	size_t line;
	struct hv_err *err;
};

static int
bad(const struct pos *at, const char *field, const char *value,
    const char *expected)
{
	return hv_err_set(at->err, EINVAL,
			  "%s:%zu: bad %s '%.60s': expected %s", at->origin,
			  at->line, field, value, expected);
}

/* "-" is unbounded (sign gives the side), else a finite number. */
static int
parse_bound(const struct pos *at, const char *field, const char *s, double inf,
	    double *out)
{
	char *end;

	if (strcmp(s, "-") == 0) {
		*out = inf;
		return 0;
	}
	errno = 0;
	*out = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(*out) || *out < 0)
		return bad(at, field, s, "a number >= 0, or '-' for none");
	return 0;
}

static int
parse_params(const struct pos *at, const char *s, struct hv_params *p)
{
	char **items = NULL, *eq;
	size_t n = 0, i;
	int rc = 0;

	if (strcmp(s, "-") == 0)
		return 0;
	rc = split_list(s, &items, &n);
	if (rc == -ENOMEM)
		return hv_err_set(at->err, ENOMEM, "out of memory");
	if (rc < 0)
		return bad(at, "params", s, "k=v[,k=v...] or '-'");
	for (i = 0; rc == 0 && i < n; i++) {
		eq = strchr(items[i], '=');
		if (!eq || eq == items[i]) {
			rc = bad(at, "params", s, "k=v[,k=v...] or '-'");
			break;
		}
		*eq = '\0';
		if (hv_params_set(p, items[i], eq + 1) < 0)
			rc = hv_err_set(at->err, ENOMEM, "out of memory");
	}
	free_list(items, n);
	return rc;
}

static int
add_tech(struct hv_claims *c, const struct pos *at, struct fields *fs)
{
	struct hv_tech *nv, *t;
	size_t i;
	int rc;

	if (fs->n != TECH_FIELDS)
		return hv_err_set(at->err, EINVAL,
				  "%s:%zu: a tech row has %d tab-separated "
				  "fields (tech NAME LABEL ENVS), not %zu",
				  at->origin, at->line, TECH_FIELDS, fs->n);
	for (i = 0; i < c->ntechs; i++)
		if (strcmp(c->techs[i].name, fs->f[1]) == 0)
			return bad(at, "tech", fs->f[1], "a name not used yet");
	if (c->nclaims)
		return hv_err_set(at->err, EINVAL,
				  "%s:%zu: tech '%s' after the first claim: "
				  "expected every tech row before the claims",
				  at->origin, at->line, fs->f[1]);
	nv = realloc(c->techs, (c->ntechs + 1) * sizeof(*nv));
	if (!nv)
		return hv_err_set(at->err, ENOMEM, "out of memory");
	c->techs = nv;
	t = &c->techs[c->ntechs];
	memset(t, 0, sizeof(*t));
	rc = split_list(fs->f[3], &t->envs, &t->nenvs);
	if (rc == -EINVAL)
		return bad(at, "envs", fs->f[3], "a comma list of env names");
	t->name = strdup(fs->f[1]);
	t->label = strdup(fs->f[2]);
	c->ntechs++;
	if (rc < 0 || !t->name || !t->label)
		return hv_err_set(at->err, ENOMEM, "out of memory");
	return 0;
}

static const struct hv_tech *
find_tech(const struct hv_claims *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->ntechs; i++)
		if (strcmp(c->techs[i].name, name) == 0)
			return &c->techs[i];
	return NULL;
}

static int
fill_claim(struct hv_claim *k, const struct hv_claims *c, const struct pos *at,
	   struct fields *fs)
{
	size_t i;
	int rc;

	/* k itself is the last claim, counted already. */
	for (i = 0; i + 1 < c->nclaims; i++)
		if (strcmp(c->claims[i].id, fs->f[1]) == 0)
			return bad(at, "claim id", fs->f[1],
				   "an id not used yet");
	k->tech = find_tech(c, fs->f[2]);
	if (!k->tech)
		return bad(at, "tech", fs->f[2], "a tech named in a tech row");
	if (strcmp(fs->f[3], "ratio") == 0)
		k->compare = HV_CLAIM_RATIO;
	else if (strcmp(fs->f[3], "speedup") == 0)
		k->compare = HV_CLAIM_SPEEDUP;
	else
		return bad(at, "compare", fs->f[3], "ratio or speedup");
	rc = split_list(fs->f[4], &k->benches, &k->nbenches);
	if (rc == -EINVAL)
		return bad(at, "benches", fs->f[4], "a comma list of benches");
	if (rc < 0)
		return hv_err_set(at->err, ENOMEM, "out of memory");
	if (!*fs->f[5])
		return bad(at, "metric", fs->f[5], "a metric name");
	rc = parse_params(at, fs->f[6], &k->params);
	if (rc == 0)
		rc = parse_bound(at, "lo", fs->f[7], -INFINITY, &k->lo);
	if (rc == 0)
		rc = parse_bound(at, "hi", fs->f[8], INFINITY, &k->hi);
	if (rc < 0)
		return rc;
	if (!(k->lo < k->hi) || (isinf(k->lo) && isinf(k->hi)))
		return bad(at, "range", fs->f[7],
			   "lo below hi, at least one of them a number");
	k->id = strdup(fs->f[1]);
	k->metric = strdup(fs->f[5]);
	k->value_2008 = strdup(fs->f[9]);
	k->sentence = strdup(fs->f[10]);
	if (!k->id || !k->metric || !k->value_2008 || !k->sentence)
		return hv_err_set(at->err, ENOMEM, "out of memory");
	return 0;
}

static int
add_claim(struct hv_claims *c, const struct pos *at, struct fields *fs)
{
	struct hv_claim *nv, *k;

	if (fs->n != CLAIM_FIELDS)
		return hv_err_set(at->err, EINVAL,
				  "%s:%zu: a claim row has %d tab-separated "
				  "fields (claim ID TECH COMPARE BENCHES "
				  "METRIC PARAMS LO HI VALUE_2008 SENTENCE), "
				  "not %zu",
				  at->origin, at->line, CLAIM_FIELDS, fs->n);
	nv = realloc(c->claims, (c->nclaims + 1) * sizeof(*nv));
	if (!nv)
		return hv_err_set(at->err, ENOMEM, "out of memory");
	c->claims = nv;
	k = &c->claims[c->nclaims];
	memset(k, 0, sizeof(*k));
	hv_params_init(&k->params);
	/* Counted before it is filled, so that release frees a half-made
	 * claim too. */
	c->nclaims++;
	return fill_claim(k, c, at, fs);
}

static int
parse_line(struct hv_claims *c, const struct pos *at, char *line)
{
	struct fields fs;
	size_t len = strlen(line);

	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	if (!len || line[0] == '#')
		return 0;
	split_tabs(line, &fs);
	if (strcmp(fs.f[0], "tech") == 0)
		return add_tech(c, at, &fs);
	if (strcmp(fs.f[0], "claim") == 0)
		return add_claim(c, at, &fs);
	return bad(at, "row kind", fs.f[0], "tech or claim");
}

int
hv_claims_parse(struct hv_claims *c, const char *text, const char *origin,
		struct hv_err *err)
{
	struct pos at = {.origin = origin, .line = 0, .err = err};
	char *copy, *line, *nl;
	int rc = 0;

	copy = strdup(text);
	if (!copy)
		return hv_err_set(err, ENOMEM, "out of memory");
	for (line = copy; rc == 0 && line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		at.line++;
		rc = parse_line(c, &at, line);
	}
	if (rc == 0 && c->nclaims == 0)
		rc = hv_err_set(err, EINVAL,
				"%s: no claim rows: expected lines "
				"'claim ID TECH ...' (tab-separated)",
				origin);
	free(copy);
	if (rc < 0)
		hv_claims_release(c);
	return rc;
}

const char *
hv_claim_verdict_name(enum hv_claim_verdict v)
{
	switch (v) {
	case HV_CLAIM_HOLDS:
		return "holds";
	case HV_CLAIM_FAILS:
		return "does not hold";
	case HV_CLAIM_INCONCLUSIVE:
		return "inconclusive";
	case HV_CLAIM_NO_DATA:
		break;
	}
	return "no data";
}

void
hv_scorecard_init(struct hv_scorecard *sc)
{
	sc->v = NULL;
	sc->n = 0;
}

void
hv_scorecard_release(struct hv_scorecard *sc)
{
	free(sc->v);
	hv_scorecard_init(sc);
}

static bool
in_strs(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* Is the cell one the claim speaks of (env aside)? */
static bool
claim_covers(const struct hv_claim *k, const struct hv_cell *c)
{
	const char *v;
	size_t i;

	if (strcmp(c->metric, k->metric) != 0 ||
	    !in_strs(k->benches, k->nbenches, c->bench))
		return false;
	for (i = 0; i < k->params.n; i++) {
		v = hv_params_get(&c->params, k->params.v[i].key);
		if (!v || strcmp(v, k->params.v[i].value) != 0)
			return false;
	}
	return true;
}

static double
param_num(const struct hv_cell *c, const char *key)
{
	const char *v = hv_params_get(&c->params, key);

	return v ? strtod(v, NULL) : NAN;
}

/* a and b agree on every parameter but the scaling ones. */
static bool
same_but_scale(const struct hv_cell *a, const struct hv_cell *b)
{
	static const char *const scale[] = {"nodes", "ranks", "ranks_per_node",
					    "threads"};
	const char *v;
	size_t i, j;
	bool skip;

	if (a->params.n != b->params.n)
		return false;
	for (i = 0; i < a->params.n; i++) {
		skip = false;
		for (j = 0; j < sizeof(scale) / sizeof(scale[0]); j++)
			skip = skip ||
			       strcmp(a->params.v[i].key, scale[j]) == 0;
		v = hv_params_get(&b->params, a->params.v[i].key);
		if (!v || (!skip && strcmp(v, a->params.v[i].value) != 0))
			return false;
	}
	return true;
}

/* Is c a scaled cell at the largest count of its env, bench and other
 * parameters? Scaling claims look at that count only. */
static bool
largest_scale(const struct hv_study *s, const struct hv_cell *c)
{
	const char *key = hv_cell_scale_key(c);
	double n = key ? param_num(c, key) : NAN;
	size_t i;

	if (!key)
		return false;
	for (i = 0; i < s->ncells; i++) {
		const struct hv_cell *d = &s->cells[i];
		const char *dk = hv_cell_scale_key(d);

		if (d == c || !dk || strcmp(dk, key) != 0 ||
		    strcmp(d->env, c->env) != 0 ||
		    strcmp(d->bench, c->bench) != 0 ||
		    strcmp(d->metric, c->metric) != 0 || !same_but_scale(c, d))
			continue;
		if (param_num(d, key) > n)
			return false;
	}
	return true;
}

/* The value and interval a claim compares for cell c; false when the
 * model has none for it (no ratio, no speedup on either side). */
static bool
cell_value(const struct hv_study *s, const struct hv_claim *k,
	   const struct hv_cell *c, double *v, double *lo, double *hi)
{
	const struct hv_cell *nat;

	if (k->compare == HV_CLAIM_RATIO) {
		if (!c->has_ratio || !isfinite(c->ratio.lo) ||
		    !isfinite(c->ratio.hi))
			return false;
		*v = c->ratio.ratio;
		*lo = c->ratio.lo;
		*hi = c->ratio.hi;
		return true;
	}
	nat = hv_study_native_of(s, c);
	if (!c->has_speedup || !nat || !nat->has_speedup ||
	    !(nat->speedup.lo > 0) || !(nat->speedup.ratio > 0))
		return false;
	/* Two independent intervals: their quotient's bounds are the
	 * extreme quotients of the bounds, wider than a joint interval. */
	*v = c->speedup.ratio / nat->speedup.ratio;
	*lo = c->speedup.lo / nat->speedup.hi;
	*hi = c->speedup.hi / nat->speedup.lo;
	return true;
}

/* How far outside [a, b] the interval lies (> 0: wholly outside), or
 * how far inside its nearest bound it stays (< 0), in log units. */
static double
outside_by(double lo, double hi, double a, double b)
{
	if (hi < a)
		return log(a / hi);
	if (lo > b)
		return log(lo / b);
	return -fmin(isinf(a) ? INFINITY : log(lo / a),
		     isinf(b) ? INFINITY : log(b / hi));
}

static enum hv_claim_verdict
interval_verdict(double lo, double hi, double a, double b)
{
	if (lo >= a && hi <= b)
		return HV_CLAIM_HOLDS;
	if (hi < a || lo > b)
		return HV_CLAIM_FAILS;
	return HV_CLAIM_INCONCLUSIVE;
}

/* Does cell c change which cell decides sc, given c's own verdict? The
 * verdict that wins is "does not hold", then "inconclusive", then
 * "holds"; within one, the cell furthest out (nearest the bound). */
static bool
decides(const struct hv_score *sc, enum hv_claim_verdict v, double out)
{
	static const int rank[] = {
		[HV_CLAIM_NO_DATA] = 0,
		[HV_CLAIM_HOLDS] = 1,
		[HV_CLAIM_INCONCLUSIVE] = 2,
		[HV_CLAIM_FAILS] = 3,
	};
	double cur;

	if (rank[v] != rank[sc->verdict])
		return rank[v] > rank[sc->verdict];
	cur = outside_by(sc->lo, sc->hi, sc->claim->lo, sc->claim->hi);
	return v != HV_CLAIM_INCONCLUSIVE && out > cur;
}

static void
score_cell(const struct hv_study *s, struct hv_score *sc,
	   const struct hv_cell *c)
{
	const struct hv_claim *k = sc->claim;
	const struct hv_cell *nat = hv_study_native_of(s, c);
	enum hv_claim_verdict v;
	double x, lo, hi;

	if (k->compare == HV_CLAIM_SPEEDUP && !largest_scale(s, c))
		return;
	if (!cell_value(s, k, c, &x, &lo, &hi)) {
		sc->nmissing++;
		return;
	}
	sc->ncells++;
	v = interval_verdict(lo, hi, k->lo, k->hi);
	sc->nholds += v == HV_CLAIM_HOLDS;
	sc->nfails += v == HV_CLAIM_FAILS;
	sc->contended = sc->contended || hv_cell_contended(c) ||
			(nat && hv_cell_contended(nat));
	sc->unstable = sc->unstable || c->unstable.flags != 0 ||
		       (nat && nat->unstable.flags != 0);
	if (!decides(sc, v, outside_by(lo, hi, k->lo, k->hi)))
		return;
	sc->verdict = v;
	sc->cell = c;
	sc->value = x;
	sc->lo = lo;
	sc->hi = hi;
}

static bool
study_has_env(const struct hv_study *s, const char *env, const char **name)
{
	size_t i;

	for (i = 0; i < s->ncells; i++)
		if (strcmp(s->cells[i].env, env) == 0) {
			*name = s->cells[i].env;
			return true;
		}
	return false;
}

static int
score_push(struct hv_scorecard *sc, const struct hv_score *x)
{
	struct hv_score *nv = realloc(sc->v, (sc->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	sc->v = nv;
	sc->v[sc->n++] = *x;
	return 0;
}

int
hv_scorecard_build(struct hv_scorecard *sc, const struct hv_study *s,
		   const struct hv_claims *c, struct hv_err *err)
{
	const struct hv_claim *k;
	struct hv_score x;
	size_t i, j, m;

	for (i = 0; i < c->nclaims; i++) {
		k = &c->claims[i];
		for (j = 0; j < k->tech->nenvs; j++) {
			memset(&x, 0, sizeof(x));
			x.claim = k;
			x.value = x.lo = x.hi = NAN;
			if (!study_has_env(s, k->tech->envs[j], &x.env))
				continue;
			for (m = 0; m < s->ncells; m++)
				if (strcmp(s->cells[m].env, x.env) == 0 &&
				    claim_covers(k, &s->cells[m]))
					score_cell(s, &x, &s->cells[m]);
			if (score_push(sc, &x) < 0)
				return hv_err_set(err, ENOMEM,
						  "scorecard: out of memory");
		}
	}
	return 0;
}

/* "ratio <= 1.06", "0.85 <= ratio <= 1.04", "speedup vs native's >= 0.9" */
static void
fmt_range(char *buf, size_t len, const struct hv_claim *k)
{
	const char *what = k->compare == HV_CLAIM_RATIO
				   ? "ratio to native"
				   : "speedup / native's speedup";

	if (isinf(k->lo))
		snprintf(buf, len, "%s <= %g", what, k->hi);
	else if (isinf(k->hi))
		snprintf(buf, len, "%s >= %g", what, k->lo);
	else
		snprintf(buf, len, "%g <= %s <= %g", k->lo, what, k->hi);
}

/* Study text (env, bench, parameter values) without control bytes, so
 * that a hostile store cannot move the terminal's cursor. */
static void
put_params(FILE *f, const struct hv_params *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		fputs(i ? "," : "", f);
		hv_put_text(f, p->v[i].key, 0);
		fputc('=', f);
		hv_put_text(f, p->v[i].value, 0);
	}
}

static void
print_score(FILE *f, const struct hv_score *x)
{
	char num[96];
	int w;

	fputs("    ", f);
	hv_put_text(f, x->env, 0);
	w = 12 - (int)strlen(x->env);
	fprintf(f, "%*s", w > 1 ? w : 1, "");
	if (x->verdict == HV_CLAIM_NO_DATA) {
		if (x->nmissing)
			fprintf(f,
				"%-24s no data: %zu cell%s without a ratio\n",
				"-", x->nmissing, x->nmissing == 1 ? "" : "s");
		else
			fprintf(f,
				"%-24s no data: the study has no such cell\n",
				"-");
		return;
	}
	snprintf(num, sizeof(num), "%.3g [%.3g, %.3g]", x->value, x->lo, x->hi);
	fprintf(f, "%-24s %-14s", num, hv_claim_verdict_name(x->verdict));
	fprintf(f, "%zu cell%s", x->ncells, x->ncells == 1 ? "" : "s");
	if (x->ncells > 1)
		fprintf(f, " (%zu hold, %zu not)", x->nholds, x->nfails);
	if (x->nmissing)
		fprintf(f, ", %zu without a ratio", x->nmissing);
	fputs(x->ncells > 1 ? ", decided by " : ": ", f);
	hv_put_text(f, x->cell->bench, 0);
	fputc(' ', f);
	put_params(f, &x->cell->params);
	fprintf(f, "%s%s\n", x->contended ? " (contended)" : "",
		x->unstable ? " (unstable)" : "");
}

int
hv_render_scorecard_table(FILE *f, const struct hv_scorecard *sc,
			  const struct hv_claims *c, struct hv_err *err)
{
	size_t i, j, count[4] = {0};
	const struct hv_claim *k;
	char range[96];
	bool any;

	fputs("2008 scorecard: Walters et al., \"A Comparison of "
	      "Virtualization Technologies\nfor HPC\" (AINA 2008), today. "
	      "A claim holds for an env when the 95 % CI\nof its ratio lies "
	      "in the claim's range, does not hold when it lies outside.\n",
	      f);
	for (i = 0; i < c->nclaims; i++) {
		k = &c->claims[i];
		fmt_range(range, sizeof(range), k);
		fprintf(f, "\n%s  %s\n  2008, %s: %s\n  claim: %s, %s of ",
			k->id, k->sentence, k->tech->label, k->value_2008,
			range, k->metric);
		for (j = 0; j < k->nbenches; j++)
			fprintf(f, "%s%s", j ? "," : "", k->benches[j]);
		if (k->params.n) {
			fputc(' ', f);
			put_params(f, &k->params);
		}
		fputc('\n', f);
		any = false;
		for (j = 0; j < sc->n; j++) {
			if (sc->v[j].claim != k)
				continue;
			print_score(f, &sc->v[j]);
			count[sc->v[j].verdict]++;
			any = true;
		}
		if (!any)
			fputs("    (no env of this technology in the study)\n",
			      f);
	}
	fprintf(f,
		"\n%zu verdicts: %zu hold, %zu do not hold, %zu inconclusive, "
		"%zu without data\n",
		sc->n, count[HV_CLAIM_HOLDS], count[HV_CLAIM_FAILS],
		count[HV_CLAIM_INCONCLUSIVE], count[HV_CLAIM_NO_DATA]);
	if (ferror(f))
		return hv_err_sys(err, errno ? errno : EIO,
				  "writing the scorecard");
	return 0;
}

static cJSON *
pair(double a, double b)
{
	cJSON *arr = cJSON_CreateArray();
	bool ok = arr != NULL;

	if (ok) {
		hv_json_put(arr, NULL, hv_json_num(true, a), &ok);
		hv_json_put(arr, NULL, hv_json_num(true, b), &ok);
	}
	if (!ok) {
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

static cJSON *
params_json(const struct hv_params *p)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;
	size_t i;

	for (i = 0; ok && i < p->n; i++)
		hv_json_put(o, p->v[i].key, cJSON_CreateString(p->v[i].value),
			    &ok);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *
score_json(const struct hv_score *x)
{
	cJSON *o = cJSON_CreateObject(), *by = NULL;
	bool ok = o != NULL;

	if (ok && x->cell) {
		by = cJSON_CreateObject();
		ok = by != NULL;
		if (ok) {
			hv_json_put(by, "bench",
				    cJSON_CreateString(x->cell->bench), &ok);
			hv_json_put(by, "params", params_json(&x->cell->params),
				    &ok);
			hv_json_put(by, "metric",
				    cJSON_CreateString(x->cell->metric), &ok);
		}
	}
	hv_json_put(o, "env", cJSON_CreateString(x->env), &ok);
	hv_json_put(o, "verdict",
		    cJSON_CreateString(hv_claim_verdict_name(x->verdict)), &ok);
	hv_json_put(o, "cells", cJSON_CreateNumber((double)x->ncells), &ok);
	hv_json_put(o, "cells_missing", cJSON_CreateNumber((double)x->nmissing),
		    &ok);
	hv_json_put(o, "cells_hold", cJSON_CreateNumber((double)x->nholds),
		    &ok);
	hv_json_put(o, "cells_fail", cJSON_CreateNumber((double)x->nfails),
		    &ok);
	hv_json_put(o, "value", hv_json_num(true, x->value), &ok);
	hv_json_put(o, "ci95", pair(x->lo, x->hi), &ok);
	hv_json_put(o, "decided_by", by ? by : cJSON_CreateNull(), &ok);
	hv_json_put(o, "contended", cJSON_CreateBool(x->contended), &ok);
	hv_json_put(o, "unstable", cJSON_CreateBool(x->unstable), &ok);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *
claim_json(const struct hv_claim *k, const struct hv_scorecard *sc)
{
	cJSON *o = cJSON_CreateObject(), *benches, *verdicts;
	bool ok = o != NULL;
	size_t i;

	benches = cJSON_CreateArray();
	verdicts = cJSON_CreateArray();
	for (i = 0; benches && i < k->nbenches; i++)
		hv_json_put(benches, NULL, cJSON_CreateString(k->benches[i]),
			    &ok);
	for (i = 0; verdicts && i < sc->n; i++)
		if (sc->v[i].claim == k)
			hv_json_put(verdicts, NULL, score_json(&sc->v[i]), &ok);
	hv_json_put(o, "id", cJSON_CreateString(k->id), &ok);
	hv_json_put(o, "tech", cJSON_CreateString(k->tech->name), &ok);
	hv_json_put(o, "tech_label", cJSON_CreateString(k->tech->label), &ok);
	hv_json_put(o, "sentence", cJSON_CreateString(k->sentence), &ok);
	hv_json_put(o, "compare",
		    cJSON_CreateString(
			    k->compare == HV_CLAIM_RATIO ? "ratio" : "speedup"),
		    &ok);
	hv_json_put(o, "benches", benches, &ok);
	hv_json_put(o, "metric", cJSON_CreateString(k->metric), &ok);
	hv_json_put(o, "params", params_json(&k->params), &ok);
	hv_json_put(o, "range", pair(k->lo, k->hi), &ok);
	hv_json_put(o, "value_2008", cJSON_CreateString(k->value_2008), &ok);
	hv_json_put(o, "verdicts", verdicts, &ok);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

int
hv_render_scorecard_json(FILE *f, const struct hv_scorecard *sc,
			 const struct hv_claims *c, struct hv_err *err)
{
	cJSON *doc = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	bool ok = doc != NULL;
	char *txt = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; arr && i < c->nclaims; i++)
		hv_json_put(arr, NULL, claim_json(&c->claims[i], sc), &ok);
	hv_json_put(doc, "hpcvirt", cJSON_CreateString(HV_VERSION), &ok);
	hv_json_put(doc, "scorecard", arr, &ok);
	txt = ok ? cJSON_Print(doc) : NULL;
	if (!txt) {
		rc = hv_err_set(err, ENOMEM, "scorecard JSON: out of memory");
		goto out;
	}
	if (fputs(txt, f) == EOF || fputc('\n', f) == EOF || ferror(f))
		rc = hv_err_sys(err, errno ? errno : EIO,
				"writing the scorecard JSON");
out:
	free(txt);
	cJSON_Delete(doc);
	return rc;
}
