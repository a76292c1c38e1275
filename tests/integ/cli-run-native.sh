#!/usr/bin/env bash
# End to end on native over loopback: hpcvirt run writes the study, the
# JSON has the documented shape with samples for every message size, CSV
# has a row per cell, and hpcvirt report renders the same cells again.
set -u
. tests/lib.sh
[ -x "$HV" ] || skip_all "hpcvirt not built"

out=$T/study
# A private base for run directories, so that other runs do not count.
export HPCVIRT_RUN_BASE=$T/runs
mkdir -p "$HPCVIRT_RUN_BASE"
expect_exit 0 "run native net.rr + net.stream" -- \
	"$HV" run --env native --bench net.rr,net.stream --sizes 1,64,1024 \
	--duration 0.2 --reps 3 --warmup 1 --seed 42 --out "$out" \
	--json "$T/run.json" --csv "$T/run.csv"
cp "$T/out" "$T/table.txt"

python3 - "$T/run.json" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
def check(cond, msg):
    print(("ok" if cond else "not ok") + " - json: " + msg)
    if not cond:
        sys.exit(1)
check(isinstance(d["hpcvirt"], str), "hpcvirt version string")
ctx = d["context"]
for k in ("host", "kernel", "cpu_model", "ncpus", "date", "git_rev", "seed",
          "order", "binaries", "envs"):
    check(k in ctx, "context has " + k)
check(ctx["seed"] == 42, "seed recorded")
check(len(ctx["order"]) == 4, "order has warmup + reps blocks")
cells = d["cells"]
rr = [c for c in cells if c["bench"] == "net.rr"]
sizes = sorted({c["params"]["size_bytes"] for c in rr})
check(sizes == [1, 64, 1024], "a cell per message size: %s" % sizes)
for c in cells:
    for k in ("env", "bench", "params", "metric", "unit", "higher_is_better",
              "samples", "n", "median", "mean", "stddev", "ratio_to_native",
              "ratio_ci95", "verdict"):
        check(k in c, "cell has " + k)
    check(c["status"] == "ok", "cell ok")
    check(len(c["samples"]) == 3 and c["n"] == 3, "3 samples, warmup dropped")
    check(all(s > 0 for s in c["samples"]), "samples positive")
    check(min(c["samples"]) <= c["median"] <= max(c["samples"]), "median in range")
    check("contended" in c and isinstance(c["contended"], bool), "contended flag")
    # The CPU-wait share is known only where the bench's own threads
    # (the net client and its peer: 2) leave a CPU free; on a 2-CPU host
    # they fill it, and the wait would be their own (docs/METHOD.md 8).
    if os.path.exists("/proc/pressure/cpu") and os.cpu_count() > 2:
        check(isinstance(c["host_cpu_pressure_max"], (int, float)),
              "CPU pressure recorded")
    elif os.path.exists("/proc/pressure/cpu"):
        check(c["host_cpu_pressure_max"] is None and not c["contended"],
              "CPU wait unknown where the study's own 2 threads fill the host")
st = [c for c in cells if c["bench"] == "net.stream"]
check(len(st) == 1 and st[0]["unit"] == "bytes/s" and st[0]["higher_is_better"],
      "stream cell in bytes/s, higher is better")
p50 = [c for c in rr if c["metric"] == "half_rtt_p50_ns"]
check(all(1000 < c["median"] < 10e6 for c in p50), "p50 half-RTT plausible (1 us..10 ms)")
PY
ok $? "JSON shape"

rows=$(($(wc -l <"$T/run.csv") - 1))
[ "$rows" -eq 10 ]
ok $? "CSV has one row per cell (got $rows, want 10)"
grep -q "half_rtt_p50_ns" "$T/table.txt" && grep -q "native" "$T/table.txt"
ok $? "table printed"

expect_exit 0 "report re-renders the stored study" -- \
	"$HV" report "$out" --json "$T/rep.json" --quiet
python3 - "$T/run.json" "$T/rep.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda c: (c["env"], c["bench"], json.dumps(c["params"]), c["metric"])
ca = {key(c): c["samples"] for c in a["cells"]}
cb = {key(c): c["samples"] for c in b["cells"]}
sys.exit(0 if ca == cb else 1)
PY
ok $? "report has the same cells and samples as run"

[ -z "$(ls -A "$HPCVIRT_RUN_BASE")" ]
ok $? "the run directory was removed"
[ -z "$(leftover_procs "$BIN/hpcvirt-")" ]
ok $? "no agent or kernel process left"
finish
