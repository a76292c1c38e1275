#!/usr/bin/env bash
# hpcvirt compare, history and report --scorecard through the real CLI, on
# a small real study (native and, where it runs, ns; net.rr at one size):
# a study against itself is indistinguishable everywhere; against a copy
# whose ns samples were multiplied by 1.4 (in the store, with sqlite) it
# finds that factor (with 8 repetitions; with 4 it missed it in 1 full
# run of 11, likely a disturbed repetition widening the interval); and
# every bad input (missing, empty, truncated or foreign study.db, no
# common cells, an unwritable output) is exit 2 with
# a message naming the bad value, nothing overwritten.
set -u
. tests/lib.sh
[ -x "$HV" ] || skip_all "hpcvirt not built"
python3 -c 'import sqlite3' 2>/dev/null || skip_all "python3 with sqlite3 missing"

export HPCVIRT_RUN_BASE=$T/runs
mkdir -p "$HPCVIRT_RUN_BASE" "$T/res"
envs=native
"$HV" list 2>/dev/null | grep -q '^ *ns  *available' && envs=native,ns
expect_exit 0 "run $envs net.rr (a small real study)" -- \
	"$HV" run --env "$envs" --bench net.rr --sizes 1 --duration 0.2 \
	--reps 8 --warmup 0 --seed 11 --out "$T/res/a" --quiet
expect_exit 0 "run native net.stream (other benches)" -- \
	"$HV" run --env native --bench net.stream --duration 0.2 --reps 2 \
	--warmup 0 --seed 12 --out "$T/res/s" --quiet
cp -r "$T/res/a" "$T/res/b"
env_x=${envs##*,}
python3 - "$T/res/b/study.db" "$env_x" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE sample SET value = value * 1.4 WHERE cell_id IN "
           "(SELECT id FROM cell WHERE env = ? AND metric = 'half_rtt_mean_ns')",
           (sys.argv[2],))
db.commit()
PY
ok $? "a factor of 1.4 injected into B's $env_x mean half-RTT"

expect_exit 0 "compare A with itself" -- "$HV" compare "$T/res/a" "$T/res/a" \
	--json "$T/self.json"
grep -q "indistinguishable" "$T/out"
ok $? "the table says indistinguishable"
python3 - "$T/self.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["cells"]
sys.exit(0 if c and all(x["verdict_bh"] == "indistinguishable" and
                        x["ratio_ci95"][0] <= 1 <= x["ratio_ci95"][1]
                        for x in c) and d["provenance_diff"] == [] else 1)
PY
ok $? "JSON: every cell indistinguishable, every CI holds 1, no provenance change"

expect_exit 0 "compare A with B" -- "$HV" compare "$T/res/a" "$T/res/b" \
	--json "$T/ab.json" --quiet
python3 - "$T/ab.json" "$env_x" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
hit = [x for x in d["cells"] if x["verdict_bh"] == "slower"]
ok = (len(hit) == 1 and hit[0]["env"] == sys.argv[2] and
      hit[0]["metric"] == "half_rtt_mean_ns" and
      abs(hit[0]["ratio"] - 1.4) < 1e-9 and
      all(x["verdict_bh"] == "indistinguishable" for x in d["cells"]
          if x is not hit[0]))
sys.exit(0 if ok else 1)
PY
ok $? "JSON: exactly the injected cell is slower, at 1.40"

expect_exit 0 "compare A with B as HTML" -- "$HV" compare "$T/res/a" \
	"$T/res/b" --html "$T/ab.html" --quiet
python3 - "$T/ab.html" <<'PY'
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.rows, self.slower, self.bad = [], 0, 0, []
    def handle_starttag(self, t, a):
        if t in ("script", "img", "iframe", "link", "object"):
            self.bad.append(t)
        if any(k in ("src", "href") for k, _ in a):
            self.bad.append(t)
        if t == "tr":
            self.rows += 1
        if t not in ("meta", "br"):
            self.stack.append(t)
    def handle_endtag(self, t):
        if not self.stack or self.stack.pop() != t:
            self.bad.append("/" + t)
    def handle_data(self, d):
        if d.strip().startswith("slower"):
            self.slower += 1
p = P()
p.feed(open(sys.argv[1]).read())
sys.exit(0 if not p.bad and not p.stack and p.rows > 2 and p.slower == 1 else 1)
PY
ok $? "HTML: balanced tags, no script or fetch, one row says slower"

expect_exit 0 "history of the results directory" -- "$HV" history "$T/res" \
	--json "$T/hist.json" --html "$T/hist.html"
grep -c "<tr>" "$T/hist.html" | grep -qx 4
ok $? "history HTML: a header row and the three studies"
grep -q "3 studies" "$T/out"
ok $? "history lists the three studies"
python3 - "$T/hist.json" "$T/res" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
dirs = sorted(s["dir"] for s in d["studies"])
ok = dirs == [sys.argv[2] + "/" + n for n in ("a", "b", "s")] and all(
    s["date"] and s["host"] and "native" in s["envs"] for s in d["studies"])
sys.exit(0 if ok else 1)
PY
ok $? "history JSON: each study with its date, host and envs"

expect_exit 0 "report --scorecard" -- "$HV" report "$T/res/a" --scorecard \
	--json "$T/sc.json"
grep -q "2008 scorecard" "$T/out" && grep -q "lat-os" "$T/out"
ok $? "the scorecard is printed with its claims"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if len(d["scorecard"]) >= 15 else 1)' "$T/sc.json"
ok $? "scorecard JSON lists every claim"

# Bad input.
mkdir -p "$T/bad/empty" "$T/bad/trunc" "$T/bad/foreign" "$T/bad/plain"
: >"$T/bad/empty/study.db"
head -c 3000 "$T/res/a/study.db" >"$T/bad/trunc/study.db"
python3 -c 'import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); db.execute("create table fruit(name text)"); db.commit()' \
	"$T/bad/foreign/study.db"
for k in empty trunc foreign; do
	sum=$(sha256sum <"$T/bad/$k/study.db")
	expect_exit 2 "report of a $k study.db" -- "$HV" report "$T/bad/$k"
	stderr_has "$T/bad/$k" "the message names the $k study"
	expect_exit 2 "compare with a $k study.db" -- \
		"$HV" compare "$T/res/a" "$T/bad/$k"
	stderr_has "$T/bad/$k" "compare names the $k study"
	expect_exit 2 "scorecard of a $k study.db" -- \
		"$HV" report "$T/bad/$k" --scorecard
	# (SQLite may add its -wal and -shm beside a file whose header says
	# WAL, as it does for every reader of a study; study.db stays.)
	[ "$(sha256sum <"$T/bad/$k/study.db")" = "$sum" ]
	ok $? "the $k study.db is left as it was"
done
expect_exit 2 "compare with a missing study" -- "$HV" compare "$T/res/a" "$T/nope"
stderr_has "$T/nope" "names the missing study"
expect_exit 2 "compare of studies with no common cell" -- \
	"$HV" compare "$T/res/a" "$T/res/s"
stderr_has "no cell in common" "says there is no common cell"
stderr_has "net.stream" "names what the other study holds"
expect_exit 2 "compare with one operand" -- "$HV" compare "$T/res/a"
expect_exit 2 "history of a missing directory" -- "$HV" history "$T/nope"
stderr_has "$T/nope" "names the missing directory"
expect_exit 2 "history of a directory without studies" -- "$HV" history "$T/bad/plain"
stderr_has "expected a directory holding study.db" "says the expected form"
echo keep >"$T/keep.json"
expect_exit 2 "--json into a missing directory" -- \
	"$HV" compare "$T/res/a" "$T/res/a" --quiet --json "$T/nodir/x.json"
stderr_has "$T/nodir/x.json" "names the path"
chmod 0555 "$T/bad/plain"
if [ ! -w "$T/bad/plain" ]; then
	expect_exit 2 "--json into a read-only directory" -- \
		"$HV" history "$T/res" --quiet --json "$T/bad/plain/h.json"
	[ -z "$(ls "$T/bad/plain")" ]
	ok $? "nothing was written there"
fi
chmod 0755 "$T/bad/plain"
expect_exit 2 "--claims of a missing file" -- \
	"$HV" report "$T/res/a" --scorecard --claims "$T/nope.tsv"
stderr_has "$T/nope.tsv" "names the claims file"
printf 'claim\tx\n' >"$T/bad.tsv"
expect_exit 2 "--claims of a malformed file" -- \
	"$HV" report "$T/res/a" --scorecard --claims "$T/bad.tsv"
stderr_has "bad.tsv:1" "names file and line"
[ "$(cat "$T/keep.json")" = keep ]
ok $? "an unrelated file is untouched"
[ -z "$(leftover_procs "$T")" ]
ok $? "no process left"
finish
