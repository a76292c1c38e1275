#!/usr/bin/env bash
# env.start: every repetition starts a fresh box and measures the time to
# a connected agent and the box's host memory, with a CI against native.
set -u
. tests/lib.sh
[ -x "$HV" ] || skip_all "hpcvirt not built"
envs=native,native-aa
"$HV" list | grep -q "^  ns  *available" && envs=$envs,ns

expect_exit 0 "env.start on $envs" -- \
	"$HV" run --env "$envs" --bench env.start --reps 4 --warmup 1 \
	--out "$T/s" --json "$T/s.json" --quiet --no-progress
python3 - "$T/s.json" "$envs" <<'PY'
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
envs = sys.argv[2].split(",")
ok = True
for e in envs:
    st = [c for c in cells if c["env"] == e and c["metric"] == "start_s"]
    rss = [c for c in cells if c["env"] == e and c["metric"] == "rss_bytes"]
    good = (len(st) == 1 and len(rss) == 1 and st[0]["n"] == 4
            and all(0 < s < 10 for s in st[0]["samples"])
            and all(256 * 1024 < b < 4 << 30 for b in rss[0]["samples"]))
    if e != "native":
        good = good and st[0]["ratio_ci95"] is not None
    print("# %s: start %s s, rss %s" % (e, st and st[0]["median"], rss and rss[0]["median"]))
    ok = ok and good
sys.exit(0 if ok else 1)
PY
ok $? "start time and memory per env, with ratios"
finish
