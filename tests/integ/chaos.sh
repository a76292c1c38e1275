#!/usr/bin/env bash
# The 4-kill chaos run of make check (make chaos runs 100, with signals
# up to 20 s in; here up to 10 s, to keep make check short): studies over
# native, ns, crun, lxc, podman, uml and tcg killed at random moments with
# SIGINT, SIGTERM or SIGKILL leave the host as it was (after hpcvirt clean;
# by themselves for SIGINT/SIGTERM), keep a sound database with every
# logged sample, and can be finished with --resume. See scripts/chaos.sh.
set -u
. tests/lib.sh
[ -x "$HV" ] || skip_all "hpcvirt not built"
[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
./scripts/chaos.sh --kills "${CHAOS_KILLS:-4}" --resume-every 4 --max-delay 10 \
	--build "$HV_BUILD" --keep "$T/chaos" >"$T/chaos.out" 2>&1
rc=$?
[ "$rc" -eq 77 ] && skip_all "$(tail -1 "$T/chaos.out")"
sed 's/^/# /' "$T/chaos.out"
[ "$rc" -eq 0 ]
ok $? "$(tail -1 "$T/chaos.out")"
finish
