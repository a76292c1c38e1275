#!/usr/bin/env bash
# sys-basic.sh - the sys attribution bench, kernel and study:
#   - hpcvirt-sys --json runs every test once, in order, each with ops,
#     a positive ns_per_op within bounds that a broken test would miss
#     (a null syscall from 10 ns to 100 us; a context switch dearer than
#     a null syscall; fork+exec dearer than a context switch; mmap+munmap
#     dearer than a null syscall; a timer that never wakes early and a
#     median lateness at most its largest), the ping-pong pinned to a CPU
#     and the timer's slack set to 1 ns;
#   - its checks fail it (exit 1, naming what went wrong): getppid made
#     to return a wrong pid (strace fault injection), and its own binary
#     removed before the forkexec test, so that the children cannot exec;
#   - bad input exits 2 naming the value and the expected form, and
#     "--exec-child N" exits N;
#   - "hpcvirt run --env native,ns --bench sys --reps 3" stores every
#     cell (7 tests x 2 envs), each ok with 3 positive samples, and the
#     estimate needs no pilot run (the bench's expect_s); a bad test name
#     in --set is refused with exit 2;
#   - where uml and tcg are available (root), every test runs ok in each
#     guest and every repetition takes under 5 s of wall time.
set -u
. tests/lib.sh
K=$BIN/hpcvirt-sys
[ -x "$K" ] || skip_all "$K not built"
command -v python3 >/dev/null || skip_all "no python3"

expect_exit 0 "all tests, 50 ms each" -- "$K" --window 0.05 --json
python3 - "$T/out" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("HPCVIRT-RESULT ")]
assert len(lines) == 1, "want one result line, got %d" % len(lines)
j = json.loads(lines[0][len("HPCVIRT-RESULT "):])
want = ["syscall", "clock", "fault", "ctxsw", "forkexec", "mmap", "timer"]
got = [r["test"] for r in j["results"]]
assert got == want, got
assert j["kernel"] == "sys" and j["verified"] is True, j
assert j["window_ns"] == 50000000 and j["sleep_ns"] == 50000, j
assert j["clock_res_ns"] > 0, j
assert j["clocksource"] is None or j["clocksource"], j
r = {e["test"]: e for e in j["results"]}
for t, e in r.items():
    assert e["ops"] > 0 and e["batches"] > 0, e
    assert e["ns_per_op"] > 0, e
    assert e["wall_ns"] >= j["window_ns"], e
    assert e["timed_ns"] <= e["wall_ns"], e
    assert abs(e["ns_per_op"] - e["timed_ns"] / e["ops"]) <= 1e-6 * e["ns_per_op"], e
ns = {t: e["ns_per_op"] for t, e in r.items()}
print("# " + ", ".join("%s %.0f ns" % (t, ns[t]) for t in want))
assert 10 <= ns["syscall"] <= 100e3, "null syscall %g ns" % ns["syscall"]
assert 1 <= ns["clock"] <= 100e3, "clock read %g ns" % ns["clock"]
assert ns["ctxsw"] > ns["syscall"], "context switch not dearer than a syscall"
assert ns["forkexec"] > ns["ctxsw"], "fork+exec not dearer than a switch"
assert ns["mmap"] > ns["syscall"], "mmap+munmap not dearer than a syscall"
assert ns["fault"] > 10, "page fault %g ns" % ns["fault"]
assert r["ctxsw"]["cpu"] >= 0, "ping-pong not pinned"
assert r["ctxsw"]["ops"] % 2 == 0, "two switches per round trip"
tm = r["timer"]
assert 0 <= tm["late_p50_ns"] <= tm["late_max_ns"], tm
assert tm["ns_per_op"] < 100e6 and tm["timer_slack_ns"] == 1, tm
PY
ok $? "every test has a plausible ns_per_op, in --tests order"

expect_exit 0 "--tests timer,syscall runs those two in that order" -- \
	"$K" --tests timer,syscall --window 0.02 --json
grep -q '"results":\[{"test":"timer".*{"test":"syscall"' "$T/out"
ok $? "the result lists timer, then syscall"
[ "$(grep -o '"test":' "$T/out" | wc -l)" -eq 2 ]
ok $? "and no other test"

# Checks that must fail.
if command -v strace >/dev/null; then
	expect_exit 1 "getppid returning a wrong pid fails the syscall test" -- \
		strace -qq -o /dev/null -e trace=getppid \
		-e inject=getppid:retval=1:when=2 "$K" --tests syscall \
		--window 0.01
	stderr_has "getppid returned another pid" "it says what was wrong"
else
	ok 0 "# SKIP strace not installed (apt-get install strace)"
fi
cp "$K" "$T/k"
"$T/k" --tests timer,forkexec --window 1 >"$T/out" 2>"$T/err" &
pid=$!
sleep 0.3
rm -f "$T/k"
wait $pid
rc=$?
[ $rc -eq 1 ] && grep -q "forkexec: .*exited with 127.*the exec failed" "$T/err"
ok $? "a child that cannot exec fails forkexec (exit $rc: $(head -c 200 "$T/err"))"

# Bad input.
expect_exit 2 "unknown test" -- "$K" --tests syscall,frob
stderr_has "unknown test 'frob' in --tests 'syscall,frob': expected a list of syscall,clock" \
	"it names the test and the expected list"
expect_exit 2 "a test listed twice" -- "$K" --tests clock,clock
stderr_has "test 'clock' is listed twice" "it names the test"
expect_exit 2 "window 0" -- "$K" --window 0
stderr_has "bad --window '0': expected seconds" "it names the window and the form"
expect_exit 2 "window over 60 s" -- "$K" --window 61
stderr_has "from 0.001 to 60 s" "it gives the bounds"
expect_exit 2 "sleep not a duration" -- "$K" --sleep 5x
stderr_has "bad --sleep '5x': expected seconds like 50us" "it names the sleep"
expect_exit 2 "unknown option" -- "$K" --frob
stderr_has "unknown option '--frob'" "it names the option"
expect_exit 2 "exit code out of range" -- "$K" --exec-child 256
stderr_has "bad --exec-child '256'" "it names the code"
expect_exit 7 "--exec-child 7 exits 7 at once" -- "$K" --exec-child 7

# The study.
[ -x "$HV" ] || { ok 0 "# SKIP hpcvirt not built: no study"; finish; exit; }
expect_exit 2 "hpcvirt refuses an unknown test" -- \
	"$HV" run --env native --bench sys --set test=frob --reps 3 \
	--out "$T/bad" --quiet --no-progress
stderr_has "'frob'" "it names the test"
expect_exit 0 "the estimate of a sys study" -- \
	"$HV" run --estimate --env native --bench sys --reps 3
grep -q "7 units; from 0 native pilot runs" "$T/out" "$T/err"
ok $? "it needs no pilot run: $(cat "$T/out" "$T/err" | head -c 200)"

envs=native
if [ "$(id -u)" -eq 0 ] && "$HV" list | grep -q "^  ns  *available"; then
	envs=native,ns
else
	echo "# ns not available here: the study runs native only"
fi
export HPCVIRT_RUN_BASE=$T/runs
mkdir -p "$HPCVIRT_RUN_BASE"
expect_exit 0 "hpcvirt run --env $envs --bench sys --reps 3" -- \
	"$HV" run --env "$envs" --bench sys --reps 3 --out "$T/s" \
	--json "$T/s.json" --quiet --no-progress
python3 - "$T/s.json" "$envs" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
envs = sys.argv[2].split(",")
tests = ["syscall", "clock", "fault", "ctxsw", "forkexec", "mmap", "timer"]
cells = [c for c in d["cells"] if c["bench"] == "sys"]
have = sorted((c["env"], c["params"]["test"]) for c in cells)
want = sorted((e, t) for e in envs for t in tests)
bad = [(c["env"], c["params"]["test"], c.get("reason")) for c in cells
       if c["status"] != "ok" or c["n"] != 3 or c["metric"] != "ns_per_op"
       or c["unit"] != "ns" or not all(s > 0 for s in c["samples"])]
print("# %d cells, bad: %s" % (len(cells), bad))
sys.exit(0 if have == want and not bad else 1)
PY
ok $? "every cell stored: $envs x 7 tests, 3 positive samples each"

# The guests, where they run here: every test works in them, and a
# repetition (a 50 ms window) stays well under 5 s of wall time.
for e in uml tcg; do
	line=$("$HV" list | grep "^  $e ")
	if [ "$(id -u)" -ne 0 ] || ! echo "$line" | grep -q "available "; then
		ok 0 "# SKIP $e: ${line#*not available: }"
		continue
	fi
	expect_exit 0 "hpcvirt run --env $e --bench sys (50 ms windows)" -- \
		"$HV" run --env "$e" --bench sys --set window_s=0.05 --reps 2 \
		--warmup 0 --out "$T/$e" --quiet --no-progress
	python3 - "$T/$e/study.db" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("select c.params, c.status, s.value, s.wall_ns, s.raw "
                  "from cell c join sample s on s.cell_id = c.id").fetchall()
tests = {json.loads(p)["test"] for p, *_ in rows}
bad = [(p, st, v, w) for p, st, v, w, raw in rows
       if st != "ok" or not v > 0 or not 0 < w < 5e9]
srcs = {json.loads(raw)["result"]["clocksource"] for *_, raw in rows}
print("# tests %s, clocksources %s, bad %s" % (sorted(tests), srcs, bad))
sys.exit(0 if len(tests) == 7 and len(rows) == 14 and not bad else 1)
PY
	ok $? "$e: all 7 tests ok, each repetition under 5 s"
done
finish
