#!/usr/bin/env bash
# Nothing is lost and the host stays clean: a study stopped by SIGINT keeps
# every completed sample and removes its processes and run directory; a
# study killed by SIGKILL keeps its samples too, its processes die with it,
# and the next run (or hpcvirt clean) removes what it left.
set -u
. tests/lib.sh
[ -x "$HV" ] || skip_all "hpcvirt not built"

samples_in() { # study dir -> number of stored samples (0 if unreadable)
	"$HV" report "$1" --json - --quiet 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
    print(sum(len(c["samples"]) for c in d["cells"]))
except Exception:
    print(0)'
}

# Start a long study in the background; wait until it has stored samples.
start_study() { # out
	"$HV" run --env native --bench net.rr --sizes 1,64 --duration 0.25 \
		--reps 40 --warmup 0 --out "$1" --quiet >"$T/bg.out" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do
		[ "$(samples_in "$1")" -ge 6 ] && return 0
		sleep 0.2
	done
	return 1
}

wait_exit() { # pid seconds -> sets rc
	local i
	for i in $(seq 1 $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	wait "$1"
	rc=$?
}

# --- SIGINT --------------------------------------------------------------
start_study "$T/int"
ok $? "study stores samples while it runs"
kill -INT "$pid"
wait_exit "$pid" 20
[ "$rc" -eq 1 ]
ok $? "SIGINT ends the study with exit 1 (got $rc)"
grep -q "interrupted" "$T/bg.out"
ok $? "it says the study was interrupted"
n=$(samples_in "$T/int")
[ "$n" -ge 6 ]
ok $? "interrupted study keeps its samples ($n)"
sleep 0.5
[ -z "$(leftover_procs "$BIN/hpcvirt-")" ]
ok $? "no agent, server or kernel left after SIGINT"
! ls -d /tmp/hpcvirt-run."$pid".* >/dev/null 2>&1
ok $? "run directory removed after SIGINT"

# --- SIGTERM in the middle of a long repetition ---------------------------
"$HV" run --env native --bench net.rr --sizes 1 --duration 60 --reps 2 \
	--warmup 0 --out "$T/term" --quiet >"$T/bg.out" 2>&1 &
pid=$!
sleep 2
t0=$(date +%s%N)
kill -TERM "$pid"
wait_exit "$pid" 20
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
[ "$rc" -eq 1 ] && [ "$ms" -lt 5000 ]
ok $? "SIGTERM cuts a 60 s repetition short (exit $rc after $ms ms)"
grep -q "interrupted" "$T/bg.out" && ! grep -q "failed" "$T/bg.out"
ok $? "the cut repetition is not counted as a failed cell"
sleep 0.5
[ -z "$(leftover_procs "$BIN/hpcvirt-")" ]
ok $? "no agent, server or kernel left after SIGTERM"

# --- SIGKILL -------------------------------------------------------------
start_study "$T/kill"
ok $? "second study stores samples"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
sleep 1
[ -z "$(leftover_procs "$BIN/hpcvirt-")" ]
ok $? "agent, server and kernel die with a SIGKILLed hpcvirt"
ls -d /tmp/hpcvirt-run."$pid".* >/dev/null 2>&1
ok $? "a SIGKILLed run leaves its run directory (for the next run)"
n=$(samples_in "$T/kill")
[ "$n" -ge 6 ]
ok $? "killed study keeps its samples ($n)"
expect_exit 0 "hpcvirt clean" -- "$HV" clean
! ls -d /tmp/hpcvirt-run."$pid".* >/dev/null 2>&1
ok $? "hpcvirt clean removed the dead run's directory"
finish
