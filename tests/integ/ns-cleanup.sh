#!/usr/bin/env bash
# Cleanup of the ns env through the real CLI: the host's links,
# addresses, routes, network namespaces, mounts and hpcvirt cgroups are
# the same before and after a normal run, a failing run (a memory limit
# too small for the agent), a run stopped by SIGINT, and a run killed by
# SIGKILL followed by "hpcvirt clean". Skips (77) while the CLI does not
# give ns the lab yet, or without root.
set -u
. tests/lib.sh
[ "$(id -u)" -eq 0 ] || skip_all "needs root"
[ -x "$HV" ] || skip_all "hpcvirt not built"
command -v ip >/dev/null || skip_all "ip (iproute2) missing"

snapshot() {
	ip -d link show
	ip addr show
	ip route show table all
	ip netns list
	awk '{print $5, $(NF-2)}' /proc/self/mountinfo | sort
	find /sys/fs/cgroup -maxdepth 8 -type d -name 'hpcvirt-*' 2>/dev/null |
		sort
}

same_as_before() { # description
	snapshot >"$T/after"
	diff "$T/before" "$T/after" >"$T/diff"
	ok $? "$1: host unchanged"
	sed 's/^/#   /' "$T/diff" | head -10
}

run_ns() { # out extra-args... (exec: a background run_ns is hpcvirt)
	local out=$1
	shift
	exec "$HV" run --env native,ns --bench net.rr --sizes 1 --duration 0.2 \
		--warmup 0 --out "$out" --no-progress "$@"
}

snapshot >"$T/before"
timeout -k 5 120 bash -c "$(declare -f run_ns); HV=$HV; run_ns $T/s1 --reps 2" \
	>"$T/out" 2>&1
rc=$?
if grep -q "ns needs the lab" "$T/out"; then
	skip_all "the CLI does not create the lab for ns yet"
fi
[ $rc -eq 0 ]
ok $? "a normal run of native,ns passes (exit $rc)"
[ $rc -eq 0 ] || sed 's/^/#   /' "$T/out" | tail -5
same_as_before "normal run"

timeout -k 5 120 bash -c "$(declare -f run_ns); HV=$HV; run_ns $T/s2 --reps 2 --mem 1" \
	>"$T/out" 2>&1
rc=$?
[ $rc -ne 0 ]
ok $? "a run with --mem 1 fails (exit $rc)"
same_as_before "failing run"

for sig in INT KILL; do
	run_ns "$T/s-$sig" --reps 40 >"$T/bg" 2>&1 &
	pid=$!
	for _ in $(seq 1 50); do
		[ -n "$(find /sys/fs/cgroup -maxdepth 8 -type d \
			-name "hpcvirt-$pid-*" 2>/dev/null)" ] && break
		sleep 0.1
	done
	sleep 0.5
	kill -s "$sig" "$pid"
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
	wait "$pid"
	if [ "$sig" = KILL ]; then
		sleep 0.5 # the box's PID 1 dies with its parent
		timeout -k 5 60 "$HV" clean >"$T/clean" 2>&1
		ok $? "hpcvirt clean after SIGKILL"
	fi
	same_as_before "SIG$sig mid-run"
	[ -z "$(leftover_procs "hpcvirt-run.$pid")" ]
	ok $? "SIG$sig: no process of the run is left"
done
finish
