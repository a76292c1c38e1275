#!/usr/bin/env bash
# A/A self-check with real measurements: native against a second,
# independent native box (env native-aa), interleaved as in any study,
# over every kind of bench (net, fs, mem, NPB, box start) with adaptive
# repetitions, as the default study runs them. Both measure the same
# thing, so the 95 % CI of their ratio must contain 1.0 in the large
# majority of cells (here: at least 75 % of the 28; the long version's
# coverage is in docs/METHOD.md section 6). The statistical A/A check on many synthetic trials
# is tests/unit/test-aa.c.
set -u
. tests/lib.sh
[ -x "$HV" ] || skip_all "hpcvirt not built"

expect_exit 0 "A/A study native vs native-aa" -- \
	"$HV" run --env native,native-aa \
	--bench net.rr,net.stream,fs,mem,npb.ep,npb.is,npb.cg,env.start \
	--sizes 1,64,4096 --duration 0.2 --set file_bytes=1MiB,4MiB \
	--set mem_bytes=16MiB --class S --variant ser \
	--min-reps 4 --max-reps 12 --budget 40s --seed 7 \
	--out "$T/aa" --json "$T/aa.json" --quiet
python3 - "$T/aa.json" <<'PY'
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
aa = [c for c in cells if c["env"] == "native-aa"]
with_ci = [c for c in aa if c["ratio_ci95"] is not None]
def contains_one(c):
    lo, hi = c["ratio_ci95"]
    return (lo is None or lo <= 1.0) and (hi is None or hi >= 1.0)
inside = [c for c in with_ci if contains_one(c)]
print("# A/A: %d of %d CIs contain 1.0" % (len(inside), len(with_ci)))
for c in with_ci:
    print("#   %-8s %-18s %s ratio %.3f %s" % (c["bench"], c["metric"],
          json.dumps(c["params"]), c["ratio_to_native"], c["ratio_ci95"]))
ok = len(with_ci) == 28 and len(inside) >= 0.75 * len(with_ci)
sys.exit(0 if ok else 1)
PY
ok $? "the CI of native-aa / native contains 1.0 in >= 75 % of cells"
finish
