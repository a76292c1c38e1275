/*
 * precision.c - the relative half-width of a cell's 95 % interval: of its
 * ratio to native when it has a twin (the report's bootstrap interval),
 * else of its mean (Student's t).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hpcvirt/results/precision.h"

/* Mean and the delta-method variance term s^2 / (n m^2) of c. */
static void
moments(const struct hv_cell *c, double *mean, double *term, double *cv)
{
	double m = 0, ss = 0;
	size_t i;

	for (i = 0; i < c->n; i++)
		m += c->samples[i];
	m /= (double)c->n;
	for (i = 0; i < c->n; i++)
		ss += (c->samples[i] - m) * (c->samples[i] - m);
	*mean = m;
	*cv = c->n > 1 && m != 0 ? sqrt(ss / (double)(c->n - 1)) / fabs(m) : 0;
	*term = *cv * *cv / (double)c->n;
}

int
hv_cell_precision(const struct hv_study *s, const struct hv_cell *c,
		  const struct hv_cell *base, struct hv_precision *out,
		  struct hv_err *err)
{
	struct hv_boot_opts o = {0};
	struct hv_ratio r;
	struct hv_err e2;
	double m, bm, bcv;
	int rc;

	out->half_width = NAN;
	out->of_ratio = base && base != c;
	out->a = out->b = out->cv = 0;
	if (c->n < 2 || (out->of_ratio && base->n < 2))
		return 0;
	moments(c, &m, &out->a, &out->cv);
	if (!out->of_ratio) {
		if (m > 0)
			out->half_width =
				hv_student_t_quantile(0.975, (double)c->n - 1) *
				sqrt(out->a);
		return 0;
	}
	moments(base, &bm, &out->b, &bcv);
	o.seed = s->seed;
	o.higher_is_better = c->higher_is_better;
	hv_err_init(&e2);
	rc = hv_ratio_bootstrap(c->samples, c->n, base->samples, base->n, &o,
				&r, &e2);
	if (rc == -ENOMEM) {
		*err = e2;
		return rc;
	}
	if (rc == 0 && r.ratio > 0)
		out->half_width = (r.hi - r.lo) / 2 / r.ratio;
	return 0;
}

/* Is "bench metric" in the target's exempt list? */
static bool
exempt(const cJSON *prec, const struct hv_cell *c)
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

/* The last of "adaptive" and "resumed_adaptive": how the rounds ended. */
static const char *
stop_reason(const struct hv_study *s)
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

static void
explain(const struct hv_study_prec *sp, const struct hv_cell *c,
	struct hv_cell_prec *cp)
{
	const char *why;

	if (isnan(cp->p.half_width)) {
		snprintf(cp->why, sizeof(cp->why), "not known (n = %zu)", c->n);
		return;
	}
	if ((int)c->n >= sp->max_reps)
		why = "--max-reps";
	else if (strcmp(sp->stop, "budget") == 0)
		why = "the budget";
	else if (strcmp(sp->stop, "interrupted") == 0)
		why = "interrupted";
	else
		why = "its twin's side";
	if (strcmp(why, "--max-reps") == 0)
		snprintf(cp->why, sizeof(cp->why), "cv %.1f %%, --max-reps %d",
			 cp->p.cv * 100, sp->max_reps);
	else
		snprintf(cp->why, sizeof(cp->why), "cv %.1f %%, %s",
			 cp->p.cv * 100, why);
}

int
hv_study_prec_compute(const struct hv_study *s, struct hv_study_prec *out,
		      struct hv_err *err)
{
	const char *txt = hv_context_get(s, "precision");
	cJSON *prec = txt ? cJSON_Parse(txt) : NULL, *v;
	size_t i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	v = cJSON_GetObjectItemCaseSensitive(prec, "target");
	out->target =
		cJSON_IsNumber(v) && v->valuedouble > 0 ? v->valuedouble : 0;
	v = cJSON_GetObjectItemCaseSensitive(prec, "max_reps");
	out->max_reps = cJSON_IsNumber(v) ? v->valueint : 0;
	out->stop = stop_reason(s);
	out->cells = calloc(s->ncells ? s->ncells : 1, sizeof(*out->cells));
	if (!out->cells) {
		cJSON_Delete(prec);
		return hv_err_set(err, ENOMEM, "precision");
	}
	for (i = 0; i < s->ncells && out->target > 0 && rc == 0; i++) {
		const struct hv_cell *c = &s->cells[i];
		const struct hv_cell *base = hv_study_native_of(s, c);
		struct hv_cell_prec *cp = &out->cells[i];

		if (c->status == HV_CELL_FAILED || exempt(prec, c))
			continue;
		if (base && (base == c || base->status == HV_CELL_FAILED))
			base = NULL;
		rc = hv_cell_precision(s, c, base, &cp->p, err);
		cp->target = true;
		cp->met = cp->p.half_width <= out->target;
		out->ntarget++;
		out->nmet += cp->met;
		if (!cp->met)
			explain(out, c, cp);
	}
	cJSON_Delete(prec);
	return rc;
}

void
hv_study_prec_release(struct hv_study_prec *p)
{
	free(p->cells);
	p->cells = NULL;
}
