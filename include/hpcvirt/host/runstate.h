/*
 * runstate.h - the private run directory of one hpcvirt process and the
 * cleanup of what a killed run left behind.
 *
 * Each run owns /tmp/hpcvirt-run.PID.XXXXXX, with an "owner" file holding
 * its pid and process start time. hv_runstate_create() first removes the
 * directories of runs whose owner no longer exists (SIGKILLed), so the
 * next run restores the host. Everything a run creates on the host is
 * named after, or lives under, this directory.
 */
#ifndef HPCVIRT_RUNSTATE_H
#define HPCVIRT_RUNSTATE_H

#include "hpcvirt/util/err.h"

struct hv_runstate {
	char dir[256]; /* "" when not created */
};

/* Remove stale run dirs, then create this run's. */
int hv_runstate_create(struct hv_runstate *rs, struct hv_err *err);
/* Remove this run's dir and everything under it. */
void hv_runstate_remove(struct hv_runstate *rs);
/* Remove what dead runs left behind; returns how many runs were cleaned. */
int hv_runstate_clean_stale(void);

/*
 * Remove dir and everything under it, children first, without following
 * symlinks or crossing into a mount (a mount left under it stays, and so
 * do the directories above it). Best effort: errors are ignored.
 */
void hv_rm_tree(const char *dir);

#endif
