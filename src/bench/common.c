/*
 * common.c - what benchmark descriptors share: parameter value checkers
 * and reading numbers out of a kernel's result JSON.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpcvirt/study/bench.h"
#include "hpcvirt/util/opt.h"

int
hv_check_bytes_max(const char *name, const char *value, uint64_t max,
		   struct hv_err *err)
{
	uint64_t v;

	return hv_opt_bytes(name, value, 1, max, &v, err);
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
