/*
 * runstate.c - per-run directories and the cleanup of killed runs. A run
 * is identified by pid plus the process start time from /proc, so a
 * recycled pid is not mistaken for the owner.
 */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpcvirt/host/cgroup.h"
#include "hpcvirt/host/clean.h"
#include "hpcvirt/host/runstate.h"

#define PREFIX "hpcvirt-run."

static const char *
base_dir(void)
{
	const char *b = getenv("HPCVIRT_RUN_BASE");

	return b && *b ? b : "/tmp";
}

/* Field 22 of /proc/PID/stat (start time in clock ticks), 0 if gone. */
static unsigned long long
start_time(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) != NULL) {
		/* after ") " come fields 3.. */
		for (i = 3, p += 2; i < 22 && p; i++) {
			p = strchr(p, ' ');
			if (p)
				p++;
		}
		if (p)
			t = strtoull(p, NULL, 10);
	}
	fclose(f);
	return t;
}

/* Is the run that owns dir still alive? */
static bool
owner_alive(const char *dir)
{
	char path[512];
	long pid = 0;
	unsigned long long st = 0;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "%s/owner", dir);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fscanf(f, "%ld %llu", &pid, &st);
	fclose(f);
	return n == 2 && pid > 0 && start_time(pid) == st;
}

int
hv_runstate_clean_stale(void)
{
	const char *base = base_dir();
	char path[512];
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(base);

	/* Runtimes' cgroups and mounts first: the run dirs hold mounts. */
	hv_rt_clean_stale();
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, PREFIX, sizeof(PREFIX) - 1) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", base, de->d_name);
		if (owner_alive(path))
			continue;
		hv_rm_tree(path);
		n++;
	}
	closedir(d);
	n += hv_cg_clean_stale();
	return n;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void
hv_rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

int
hv_runstate_create(struct hv_runstate *rs, struct hv_err *err)
{
	char path[300];
	FILE *f;

	hv_runstate_clean_stale();
	snprintf(rs->dir, sizeof(rs->dir), "%s/" PREFIX "%ld.XXXXXX",
		 base_dir(), (long)getpid());
	if (!mkdtemp(rs->dir)) {
		int e = errno;

		rs->dir[0] = '\0';
		return hv_err_sys(err, e, "cannot create run dir in %s",
				  base_dir());
	}
	snprintf(path, sizeof(path), "%s/owner", rs->dir);
	f = fopen(path, "we");
	if (!f) {
		int e = errno;

		hv_runstate_remove(rs);
		return hv_err_sys(err, e, "%s", path);
	}
	fprintf(f, "%ld %llu\n", (long)getpid(), start_time(getpid()));
	fclose(f);
	return 0;
}

void
hv_runstate_remove(struct hv_runstate *rs)
{
	if (!rs->dir[0])
		return;
	hv_rm_tree(rs->dir);
	rs->dir[0] = '\0';
}
