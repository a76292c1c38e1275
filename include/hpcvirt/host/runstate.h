/*
 * runstate.h - the private run directory of one hpcvirt process.
 *
 * Each run owns /tmp/hpcvirt-run.PID.XXXXXX, with an "owner" file holding
 * its pid and process start time. hv_runstate_create() first removes what
 * runs whose owner no longer exists (SIGKILLed) left (hv_clean_stale), so
 * the next run restores the host. Everything a run creates on the host is
 * named after, or lives under, this directory.
 */
#ifndef HPCVIRT_RUNSTATE_H
#define HPCVIRT_RUNSTATE_H

#include "hpcvirt/util/err.h"

struct hv_runstate {
	char dir[256]; /* "" when not created */
};

/* Remove what dead runs left, then create this run's directory. */
int hv_runstate_create(struct hv_runstate *rs, struct hv_err *err);
/* Remove this run's dir and everything under it. */
void hv_runstate_remove(struct hv_runstate *rs);

#endif
