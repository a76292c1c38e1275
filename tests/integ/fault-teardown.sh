#!/usr/bin/env bash
# Fault: a box whose teardown cannot finish (issue 13, stop hooks that
# report). A process that cannot die is put into the ns box's memory
# cgroup: it sits in a frozen v1 freezer group, where even SIGKILL waits
# for a thaw. At the end of the study the box's stop kills what is in its
# groups, waits 5 s for the group to empty and gives up: the study
# still succeeds, and its context records the teardown that failed
# ("teardown": env and why), which "hpcvirt report" prints. Once the
# process is thawed (and dies), "hpcvirt clean" removes the group left.
set -u
. tests/integ/fault-lib.bash
fault_need ns
fz_root=$(awk '$3 == "cgroup" && $4 ~ /(^|,)freezer(,|$)/ {print $2; exit}' \
	/proc/self/mounts)
[ -n "$fz_root" ] || skip_all "no v1 freezer cgroup hierarchy"
FZ=$fz_root/hvfault-freeze-$$
mkdir "$FZ" || skip_all "cannot create a freezer group"
sleep 600 &
SP=$!
thaw() {
	[ -d "$FZ" ] || return 0
	echo THAWED >"$FZ/freezer.state" 2>/dev/null
	kill -KILL "$SP" 2>/dev/null
	wait "$SP" 2>/dev/null
	rmdir "$FZ" 2>/dev/null
}
trap 'thaw; rm -rf "$T"' EXIT

fault_start "$T/s" --env native,ns --bench net.rr --sizes 1 --duration 0.3 \
	--reps 3 --warmup 0
wait_until 30 samples_at_least ns net.rr 1
mem=$(box_cgroups ns | grep /memory/)
echo "# pinning pid $SP, frozen, in $mem"
echo "$SP" >"$FZ/cgroup.procs" && echo "$SP" >"$mem/cgroup.procs" &&
	echo FROZEN >"$FZ/freezer.state"
ok $? "a frozen process sits in the ns box's memory group"
fault_wait
[ "$F_RC" -eq 0 ]
ok $? "the study itself succeeds (exit $F_RC)"
td=$(sql "SELECT json FROM context WHERE key='teardown'")
echo "# teardown: $td"
case "$td" in *'"env":"ns","why":"ns: stop: cgroup '*"hpcvirt-$F_HP-ns."*" still busy 5000 ms after its processes were killed\""*) true ;; *) false ;; esac
ok $? "the context records the ns box's failed teardown, naming the group"
check_report "^teardown: ns left something behind: ns: stop: cgroup .* still busy"
[ -d "$mem" ]
ok $? "the busy group is still there"
thaw
"$HV" clean >"$T/clean" 2>&1
rc=$?
echo "# $(cat "$T/clean")"
[ $rc -eq 0 ] && grep -qE "^removed [1-9]" "$T/clean" && [ ! -d "$mem" ]
ok $? "once its process is gone, hpcvirt clean removes the group left"
check_clean
finish
