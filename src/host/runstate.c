/*
 * runstate.c - the per-run directory. A run is identified by pid plus the
 * process start time from /proc, written to its "owner" file, so that
 * hv_clean_stale (clean.c) never mistakes a recycled pid for the owner.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpcvirt/host/clean.h"
#include "hpcvirt/host/runstate.h"

int
hv_runstate_create(struct hv_runstate *rs, struct hv_err *err)
{
	unsigned long long start = 0;
	char path[300];
	bool zombie;
	FILE *f;

	hv_clean_stale(NULL);
	snprintf(rs->dir, sizeof(rs->dir),
		 "%s/" HV_CLEAN_RUN_PREFIX "%ld.XXXXXX", hv_clean_run_base(),
		 (long)getpid());
	if (!mkdtemp(rs->dir)) {
		int e = errno;

		rs->dir[0] = '\0';
		return hv_err_sys(err, e, "cannot create run dir in %s",
				  hv_clean_run_base());
	}
	snprintf(path, sizeof(path), "%s/owner", rs->dir);
	f = fopen(path, "we");
	if (!f) {
		int e = errno;

		hv_runstate_remove(rs);
		return hv_err_sys(err, e, "%s", path);
	}
	hv_pid_stat(getpid(), &start, &zombie);
	fprintf(f, "%ld %llu\n", (long)getpid(), start);
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
