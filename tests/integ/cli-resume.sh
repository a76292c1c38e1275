#!/usr/bin/env bash
# hpcvirt run --resume DIR finishes an interrupted study: a study killed
# mid-run (SIGKILL) or stopped (SIGINT) and then resumed has the same
# cells, the same repetitions at the same places of the run order and the
# same seed as the same study run uninterrupted; nothing stored is redone.
# What cannot be resumed (a changed plan, options that would change it, a
# missing study, a study being written) is refused with exit 2 or a reason.
set -u
. tests/lib.sh
[ -x "$HV" ] || skip_all "hpcvirt not built"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"

ARGS=(--env native --bench net.rr,fs,npb.ep --sizes 1,64 --duration 0.2
	--set file_bytes=1MiB,2MiB --class S --variant ser --reps 3
	--warmup 1 --seed 4242 --no-progress --quiet)

q() { sqlite3 "$1/study.db" "$2" 2>/dev/null; }

# Every stored repetition: cell identity, rep, place in the order, warm-up.
shape() {
	q "$1" "SELECT c.env, c.bench, c.params, c.metric, s.rep, s.seq,
	        s.warmup FROM sample s JOIN cell c ON c.id = s.cell_id
	        ORDER BY c.id, s.rep"
}

samples() { q "$1" "SELECT count(*) FROM sample"; }

# Start the study in the background; wait until it has stored n samples.
start_until() { # dir n
	"$HV" run "${ARGS[@]}" --out "$1" >"$T/bg.out" 2>&1 &
	pid=$!
	for _ in $(seq 1 150); do
		[ "$(samples "$1")" -ge "$2" ] 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# --- the reference: the same study, uninterrupted --------------------------
"$HV" run "${ARGS[@]}" --out "$T/ref" >"$T/ref.out" 2>&1
ok $? "reference study runs ($(tail -1 "$T/ref.out"))"
total=$(samples "$T/ref")
shape "$T/ref" >"$T/ref.shape"

# --- SIGKILL, then resume -------------------------------------------------
start_until "$T/kill" 12
ok $? "study stores samples while it runs"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
before=$(samples "$T/kill")
[ "$before" -lt "$total" ]
ok $? "killed with $before of $total samples stored"
kept() { q "$1" "SELECT c.id, s.rep, s.value FROM sample s JOIN cell c
	ON c.id = s.cell_id" | sort; }
kept "$T/kill" >"$T/kept"
"$HV" clean >/dev/null 2>&1
"$HV" run --resume "$T/kill" --quiet >"$T/res.out" 2>&1
rc=$?
[ "$rc" -eq 0 ]
ok $? "resume finishes it (exit $rc)"
# 5 units (net.rr x2, fs x2, npb.ep) x 4 blocks = 20 repetitions.
read -r stored ran < <(sed -n 's/.*resumed: \([0-9]*\) repetitions were stored, \([0-9]*\) run now.*/\1 \2/p' "$T/res.out")
[ "${stored:-0}" -gt 0 ] && [ $((stored + ran)) -eq 20 ]
ok $? "it says what was stored and what ran: ${stored:-?} + ${ran:-?} = 20"
shape "$T/kill" >"$T/kill.shape"
cmp -s "$T/ref.shape" "$T/kill.shape"
ok $? "same cells, reps and run order as uninterrupted ($(wc -l <"$T/kill.shape") samples)"
kept "$T/kill" >"$T/after"
[ -z "$(comm -23 "$T/kept" "$T/after")" ]
ok $? "every sample stored before the kill is kept, unchanged"
[ "$(q "$T/kill" "SELECT count(*) FROM cell WHERE status <> 'ok'")" = 0 ]
ok $? "every cell ok"
[ "$(q "$T/kill" "SELECT json FROM context WHERE key = 'seed'")" = 4242 ]
ok $? "the seed is the study's own"
q "$T/kill" "SELECT json FROM context WHERE key = 'resumed'" |
	grep -q '"--resume"'
ok $? "the resume is recorded in the context"
"$HV" report "$T/kill" --quiet
ok $? "the resumed study reports"

# --- SIGINT, then resume --------------------------------------------------
start_until "$T/int" 6
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 1 ] && grep -q "hpcvirt run --resume $T/int" "$T/bg.out"
ok $? "SIGINT: exit 1 and says how to finish it (exit $rc)"
"$HV" run --resume "$T/int" --quiet >"$T/res.out" 2>&1
ok $? "resume after SIGINT finishes it"
shape "$T/int" | cmp -s "$T/ref.shape" -
ok $? "same cells, reps and run order as uninterrupted"

# --- resuming a finished study changes nothing ----------------------------
sum() { q "$1" "SELECT count(*), total(value) FROM sample"; }
a=$(sum "$T/int")
"$HV" run --resume "$T/int" --quiet >"$T/res.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -q " 0 run now" "$T/res.out" && [ "$(sum "$T/int")" = "$a" ]
ok $? "resume of a finished study runs nothing (exit $rc)"

# --- refused ---------------------------------------------------------------
expect_exit 2 "--resume with an option that changes the plan" -- \
	"$HV" run --resume "$T/int" --reps 9
stderr_has "only --json, --csv, --quiet and --no-progress" \
	"the message says what goes with --resume"
expect_exit 2 "--resume of a dir without a study" -- \
	"$HV" run --resume "$T/missing"
stderr_has "$T/missing" "the message names the dir"
expect_exit 2 "a new study into a dir that holds one" -- \
	"$HV" run --env native --bench npb.ep --out "$T/int" --quiet
stderr_has "holds a study already" "the message says why and offers --resume"
cp -a "$T/int" "$T/tampered"
q "$T/tampered" "UPDATE context SET json = '[[\"x\"]]' WHERE key = 'order'"
"$HV" run --resume "$T/tampered" --quiet >"$T/res.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q "run order differs" "$T/res.out"
ok $? "a study whose order does not match its options is refused (exit $rc)"
cp -a "$T/ref" "$T/busy"
q "$T/busy" "DELETE FROM sample WHERE seq > 20"
# Hold the study dir's lock the way a running hpcvirt does.
flock "$T/busy" sleep 30 &
lock=$!
sleep 0.3
"$HV" run --resume "$T/busy" --quiet >"$T/res.out" 2>&1
rc=$?
kill "$lock" 2>/dev/null
wait "$lock" 2>/dev/null
[ "$rc" -ne 0 ] && grep -q "another hpcvirt run" "$T/res.out"
ok $? "a study being written is not resumed twice (exit $rc)"
finish
