/*
 * common.c - what benchmark descriptors share: argv building, parameter
 * value checkers and reading numbers out of a kernel's result JSON.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpcvirt/study/bench.h"
#include "hpcvirt/util/opt.h"

void
hv_argv_init(struct hv_argv *a)
{
	memset(a, 0, sizeof(*a));
}

void
hv_argv_release(struct hv_argv *a)
{
	int i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	hv_argv_init(a);
}

int
hv_argv_add(struct hv_argv *a, const char *s)
{
	if (a->n >= HV_ARGV_MAX)
		return -E2BIG;
	a->v[a->n] = strdup(s);
	if (!a->v[a->n])
		return -ENOMEM;
	a->n++;
	a->v[a->n] = NULL;
	return 0;
}

int
hv_argv_addf(struct hv_argv *a, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return hv_argv_add(a, buf);
}

int
hv_check_bytes(const char *name, const char *value, struct hv_err *err)
{
	uint64_t v;

	return hv_opt_bytes(name, value, 1, 1ULL << 40, &v, err);
}

int
hv_check_count(const char *name, const char *value, struct hv_err *err)
{
	uint64_t v;

	return hv_opt_u64(name, value, 1, 1000000, &v, err);
}

int
hv_check_secs(const char *name, const char *value, struct hv_err *err)
{
	double v;

	return hv_opt_secs(name, value, 0.001, 86400, &v, err);
}

int
hv_json_number(const cJSON *obj, const char *key, double *out,
	       struct hv_err *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
		return hv_err_set(err, EINVAL,
				  "kernel result has no number '%s'", key);
	*out = it->valuedouble;
	return 0;
}
