#!/usr/bin/env bash
# Fault: out of memory inside a --mem box (issue 13). With --mem 64 the
# mem kernel's 160 MiB buffer is OOM-killed in ns (hpcvirt's own
# cgroups) and in crun (the runtime's, where crun works); the driver's
# explain hook reads the OOM-kill count, so the reason says out of
# memory and names the limit. The 16 MiB cells of the same boxes, and
# native's, run with all their samples.
set -u
. tests/integ/fault-lib.bash
fault_need ns
envs=ns
fault_avail crun && envs="ns crun"
echo "# containers: $envs"

fault_start "$T/s" --env "native,${envs// /,}" --bench mem,net.rr --sizes 1 \
	--duration 0.2 --set mem_bytes=16MiB,160MiB --mem 64 --reps 2 \
	--warmup 0
fault_wait
[ "$F_RC" -eq 1 ]
ok $? "the study ends with failed cells (exit $F_RC, want 1)"
python3 - "$F_OUT.json" $envs <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
boxes = sys.argv[2:]
bad = []
for c in d["cells"]:
    n, r = len(c["samples"]), c["reason"] or ""
    if (c["env"] in boxes and c["bench"] == "mem"
            and c["params"]["mem_bytes"] == "160MiB"):
        print("# %s %s 160MiB: %s: %s" % (c["env"], c["metric"], c["status"], r))
        if (c["status"] != "failed" or "killed by signal 9" not in r
                or "out of memory: the box's limit is 64 MiB" not in r):
            bad.append(c)
    elif c["status"] != "ok" or n != 2:
        print("# unexpected: %s %s %s: %s" % (c["env"], c["bench"], c["status"], r))
        bad.append(c)
sys.exit(1 if bad else 0)
PY
ok $? "each box's 160 MiB cells failed out of memory (64 MiB); every other cell ran"
check_report "FAILED: killed by signal 9 \(Killed\): out of memory"
check_clean
finish
