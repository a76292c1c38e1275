/*
 * list.c - "hpcvirt list": environments with their availability (or why
 * not) and benches with their parameters and metrics, as text or JSON.
 */
#include <stdio.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "hpcvirt/registry.h"

static const struct hv_cli_opt list_opts[] = {
	{"json", NULL, "print JSON instead of text"},
};

static int
on_opt(void *ctx, size_t idx, const char *v)
{
	(void)idx;
	(void)v;
	*(int *)ctx = 1;
	return 0;
}

static cJSON *
bench_json(const struct hv_bench *b)
{
	cJSON *o = cJSON_CreateObject(), *ps, *ms, *x;
	size_t i;

	cJSON_AddStringToObject(o, "name", b->name);
	cJSON_AddStringToObject(o, "summary", b->summary);
	cJSON_AddStringToObject(o, "kernel", b->kernel);
	ps = cJSON_AddArrayToObject(o, "params");
	for (i = 0; i < b->nparams; i++) {
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "name", b->params[i].name);
		cJSON_AddStringToObject(x, "default", b->params[i].defval);
		cJSON_AddStringToObject(x, "help", b->params[i].help);
		cJSON_AddItemToArray(ps, x);
	}
	ms = cJSON_AddArrayToObject(o, "metrics");
	for (i = 0; i < b->nmetrics; i++) {
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "name", b->metrics[i].name);
		cJSON_AddStringToObject(x, "unit", b->metrics[i].unit);
		cJSON_AddBoolToObject(x, "higher_is_better",
				      b->metrics[i].higher_is_better);
		cJSON_AddItemToArray(ms, x);
	}
	return o;
}

static int
list_json(void)
{
	cJSON *root = cJSON_CreateObject(), *envs, *benches, *e;
	struct hv_err why;
	size_t i;
	char *txt;

	envs = cJSON_AddArrayToObject(root, "envs");
	for (i = 0; i < hv_env_count(); i++) {
		const struct hv_env *env = hv_env_at(i);
		int ok = hv_env_probe(env, &why) == 0;

		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", env->name);
		cJSON_AddStringToObject(e, "summary", env->summary);
		cJSON_AddStringToObject(e, "paper_role", env->paper_role);
		cJSON_AddBoolToObject(e, "available", ok);
		if (ok)
			cJSON_AddNullToObject(e, "reason");
		else
			cJSON_AddStringToObject(e, "reason", why.msg);
		cJSON_AddItemToArray(envs, e);
	}
	benches = cJSON_AddArrayToObject(root, "benches");
	for (i = 0; i < hv_bench_count(); i++)
		cJSON_AddItemToArray(benches, bench_json(hv_bench_at(i)));
	txt = cJSON_Print(root);
	cJSON_Delete(root);
	if (!txt)
		return HV_EXIT_FAIL;
	printf("%s\n", txt);
	cJSON_free(txt);
	return HV_EXIT_OK;
}

static void
list_text(void)
{
	struct hv_err why;
	size_t i, k;

	printf("environments:\n");
	for (i = 0; i < hv_env_count(); i++) {
		const struct hv_env *e = hv_env_at(i);

		if (hv_env_probe(e, &why) == 0)
			printf("  %-10s available      %s\n", e->name,
			       e->summary);
		else
			printf("  %-10s not available: %s\n", e->name, why.msg);
	}
	printf("\nbenches:\n");
	for (i = 0; i < hv_bench_count(); i++) {
		const struct hv_bench *b = hv_bench_at(i);

		printf("  %-12s %s\n", b->name, b->summary);
		for (k = 0; k < b->nparams; k++)
			printf("    %-16s default %-28s %s\n",
			       b->params[k].name, b->params[k].defval,
			       b->params[k].help);
		for (k = 0; k < b->nmetrics; k++)
			printf("    metric %-20s %s, %s is better\n",
			       b->metrics[k].name, b->metrics[k].unit,
			       b->metrics[k].higher_is_better ? "higher"
							      : "lower");
	}
}

int
hv_cmd_list(int argc, char **argv)
{
	int json = 0, first, rc;

	rc = hv_cli_parse("hpcvirt list [--json]", list_opts, 1, argc, argv,
			  on_opt, &json, &first);
	if (rc == -1)
		return HV_EXIT_OK;
	if (rc)
		return rc;
	if (first < argc) {
		fprintf(stderr, "hpcvirt list: unexpected argument '%s'\n",
			argv[first]);
		return HV_EXIT_USAGE;
	}
	if (json)
		return list_json();
	list_text();
	return HV_EXIT_OK;
}
