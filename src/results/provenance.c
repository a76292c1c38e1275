/*
 * provenance.c - collecting the study context (host, kernel, CPU,
 * versions, checksums) and the host load around each repetition.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "hpcvirt/results/provenance.h"
#include "hpcvirt/util/sha256.h"

int64_t
hv_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* First line of a file, without newline; false if unreadable. */
static bool
read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

/* Value after "key<sep>" in a "key : value" file such as /proc/cpuinfo. */
static bool
file_field(const char *path, const char *key, char *buf, size_t len)
{
	char line[512];
	size_t klen = strlen(key);
	bool found = false;
	FILE *f = fopen(path, "re");
	char *v;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) != 0)
			continue;
		v = line + klen;
		v += strspn(v, " \t:");
		v[strcspn(v, "\n")] = '\0';
		snprintf(buf, len, "%s", v);
		found = true;
	}
	fclose(f);
	return found;
}

static void
add_str_or_null(cJSON *o, const char *key, bool ok, const char *val)
{
	if (ok)
		cJSON_AddStringToObject(o, key, val);
	else
		cJSON_AddNullToObject(o, key);
}

static void
add_binaries(cJSON *o, const char *bin_dir)
{
	cJSON *bins = cJSON_AddObjectToObject(o, "binaries");
	char path[1024], hex[65];
	struct dirent *de;
	DIR *d = opendir(bin_dir);

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "hpcvirt", 7) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", bin_dir, de->d_name);
		if (hv_sha256_file(path, hex) == 0)
			cJSON_AddStringToObject(bins, de->d_name, hex);
	}
	closedir(d);
}

cJSON *
hv_provenance_collect(const char *bin_dir, const char *const *cmdline)
{
	cJSON *o = cJSON_CreateObject(), *argv;
	char buf[1024], mem[64];
	struct utsname u;
	struct tm tm;
	time_t now = time(NULL);
	bool ok;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "hpcvirt", HV_VERSION);
	cJSON_AddStringToObject(o, "git_rev", HV_GIT_REV);
	ok = uname(&u) == 0;
	add_str_or_null(o, "host", ok, u.nodename);
	add_str_or_null(o, "kernel", ok, u.release);
	add_str_or_null(o, "arch", ok, u.machine);
	ok = read_line("/proc/cmdline", buf, sizeof(buf));
	add_str_or_null(o, "kernel_cmdline", ok, buf);
	ok = file_field("/proc/cpuinfo", "model name", buf, sizeof(buf));
	add_str_or_null(o, "cpu_model", ok, buf);
	cJSON_AddNumberToObject(o, "ncpus",
				(double)sysconf(_SC_NPROCESSORS_ONLN));
	ok = file_field("/proc/meminfo", "MemTotal", mem, sizeof(mem));
	if (ok)
		cJSON_AddNumberToObject(o, "mem_total_bytes",
					strtod(mem, NULL) * 1024);
	ok = read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
		       buf, sizeof(buf));
	add_str_or_null(o, "governor", ok, buf);
	ok = read_line("/sys/devices/system/cpu/smt/active", buf, sizeof(buf));
	add_str_or_null(o, "smt", ok, buf);
	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(o, "date", buf);
	argv = cJSON_AddArrayToObject(o, "cmdline");
	for (; cmdline && *cmdline; cmdline++)
		cJSON_AddItemToArray(argv, cJSON_CreateString(*cmdline));
	add_binaries(o, bin_dir);
	return o;
}

void
hv_host_load_read(struct hv_host_load *l)
{
	char buf[256], *p;

	l->load1 = -1;
	l->psi_some_avg10 = -1;
	l->psi_some_total_us = -1;
	if (read_line("/proc/loadavg", buf, sizeof(buf)))
		l->load1 = strtod(buf, NULL);
	if (!read_line("/proc/pressure/cpu", buf, sizeof(buf)))
		return;
	if ((p = strstr(buf, "avg10=")) != NULL)
		l->psi_some_avg10 = strtod(p + 6, NULL);
	if ((p = strstr(buf, "total=")) != NULL)
		l->psi_some_total_us = strtod(p + 6, NULL);
}

/* Append to buf (used so far: *n), cut at len. */
static void
put(char *buf, size_t len, size_t *n, const char *fmt, const char *a,
    const char *b)
{
	int w;

	if (*n >= len)
		return;
	w = snprintf(buf + *n, len - *n, fmt, a, b);
	if (w > 0)
		*n += (size_t)w;
}

/* A provenance value as text: a string as it is, anything else as JSON. */
static char *
val_text(const cJSON *v)
{
	if (cJSON_IsString(v))
		return strdup(v->valuestring);
	return v ? cJSON_PrintUnformatted(v) : strdup("null");
}

int
hv_provenance_hosts_differ(const char *info, char *buf, size_t len)
{
	static const char *const keys[] = {
		"kernel",   "cpu_model", "ncpus",   "mem_total_bytes",
		"governor", "smt",	 "hpcvirt", "git_rev",
	};
	cJSON *o = info ? cJSON_Parse(info) : NULL, *h, *first, *b, *ob;
	size_t n = 0, k;
	int hosts = 0, bins = 0;

	if (len)
		buf[0] = '\0';
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return 0;
	}
	first = o->child;
	cJSON_ArrayForEach(h, o) hosts++;
	for (k = 0; first && k < sizeof(keys) / sizeof(keys[0]); k++) {
		const cJSON *v0 =
			cJSON_GetObjectItemCaseSensitive(first, keys[k]);
		bool same = true;

		cJSON_ArrayForEach(h, o)
		{
			const cJSON *v =
				cJSON_GetObjectItemCaseSensitive(h, keys[k]);

			if (!v0 != !v || (v && !cJSON_Compare(v0, v, true)))
				same = false;
		}
		if (same)
			continue;
		put(buf, len, &n, "%s%s (", n ? "; " : "", keys[k]);
		cJSON_ArrayForEach(h, o)
		{
			char *t = val_text(
				cJSON_GetObjectItemCaseSensitive(h, keys[k]));

			put(buf, len, &n, h == first ? "%s: %s" : ", %s: %s",
			    h->string, t ? t : "?");
			free(t);
		}
		put(buf, len, &n, "%s%s", ")", "");
	}
	ob = first ? cJSON_GetObjectItemCaseSensitive(first, "binaries") : NULL;
	cJSON_ArrayForEach(b, ob)
	{
		bool same = true;

		cJSON_ArrayForEach(h, o)
		{
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(h, "binaries"),
				b->string);

			if (!v || !cJSON_Compare(b, v, true))
				same = false;
		}
		if (same)
			continue;
		if (bins++ == 0)
			put(buf, len, &n, "%sbinaries (%s", n ? "; " : "",
			    b->string);
		else
			put(buf, len, &n, ", %s%s", b->string, "");
	}
	if (bins)
		put(buf, len, &n, "%s%s", ")", "");
	if (n >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
	cJSON_Delete(o);
	return hosts;
}

/* Did any of env e's boxes (one per host) join a lab across hosts? */
static bool
env_overlaid(const cJSON *e)
{
	const cJSON *h;

	cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(e, "hosts"))
	{
		const cJSON *cfg =
			cJSON_GetObjectItemCaseSensitive(h, "config");
		const cJSON *lab = cJSON_GetObjectItemCaseSensitive(cfg, "lab");

		if (cJSON_IsString(lab) &&
		    strncmp(lab->valuestring, "across hosts", 12) == 0)
			return true;
	}
	return false;
}

int
hv_provenance_overlay_envs(const char *envs, char *buf, size_t len)
{
	cJSON *o = envs ? cJSON_Parse(envs) : NULL, *e;
	size_t n = 0;
	int count = 0;

	if (len)
		buf[0] = '\0';
	cJSON_ArrayForEach(e, o) if (env_overlaid(e))
	{
		put(buf, len, &n, "%s%s", count ? ", " : "", e->string);
		count++;
	}
	cJSON_Delete(o);
	return count;
}
