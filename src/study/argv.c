/*
 * argv.c - the argv under construction (struct hv_argv, study/bench.h)
 * that a bench descriptor fills for one repetition and the scheduler
 * hands to a box's agent.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpcvirt/study/bench.h"

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
