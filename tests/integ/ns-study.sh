#!/usr/bin/env bash
# ns against native in a real study (issue 3): net.rr, net.stream and fs
# in both network modes, every cell with a ratio and a CI; and a box over
# its memory limit: the kernel is OOM-killed, its cells fail with that
# reason, and the rest of the study goes on.
set -u
. tests/lib.sh
[ "$(id -u)" -eq 0 ] || skip_all "needs root"
[ -x "$HV" ] || skip_all "hpcvirt not built"
"$HV" list | grep -q "^  ns  *available" || skip_all "ns not available here"

expect_exit 0 "native,ns,ns-routed x net.rr,net.stream,fs" -- \
	"$HV" run --env native,ns,ns-routed --bench net.rr,net.stream,fs \
	--sizes 1,4096 --duration 0.2 --set file_bytes=1MiB,8MiB --reps 3 \
	--warmup 1 --out "$T/s" --json "$T/s.json" --quiet --no-progress
python3 - "$T/s.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
cells = d["cells"]
bad = [c for c in cells if c["status"] != "ok"]
print("# failed cells: %s" % [(c["env"], c["bench"], c["reason"]) for c in bad])
ns = [c for c in cells if c["env"] in ("ns", "ns-routed")]
noratio = [c for c in ns if c["ratio_ci95"] is None or c["verdict"] is None]
sizes = sorted({c["params"]["size_bytes"] for c in ns if c["bench"] == "net.rr"})
fsz = sorted({c["params"]["file_bytes"] for c in ns if c["bench"] == "fs"})
envs = d["context"]["envs"]
ok = (not bad and not noratio and sizes == [1, 4096] and fsz == ["1MiB", "8MiB"]
      and envs["ns"]["config"]["net"].startswith("bridged")
      and envs["ns-routed"]["config"]["net"].startswith("routed"))
print("# %d ns cells, %d without ratio, sizes %s, fs %s" % (len(ns), len(noratio), sizes, fsz))
sys.exit(0 if ok else 1)
PY
ok $? "every ns and ns-routed cell has a ratio with a CI, for every size"

expect_exit 1 "a box over its memory limit fails its cell (exit 1)" -- \
	"$HV" run --env native,ns --bench mem,net.rr --sizes 1 --duration 0.2 \
	--set mem_bytes=128MiB --mem 64 --reps 2 --warmup 0 --out "$T/m" \
	--json "$T/m.json" --quiet --no-progress
python3 - "$T/m.json" <<'PY'
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
def st(env, bench):
    return [c for c in cells if c["env"] == env and c["bench"] == bench]
oom = st("ns", "mem")
ok = (oom and all(c["status"] == "failed" and "out of memory" in c["reason"]
                  and "64 MiB" in c["reason"] for c in oom)
      and all(c["status"] == "ok" for c in st("native", "mem"))
      and all(c["status"] == "ok" for c in st("ns", "net.rr")))
print("# ns mem: %s" % [c["reason"] for c in oom])
sys.exit(0 if ok else 1)
PY
ok $? "the OOM-killed cell says out of memory; the other cells ran"
finish
