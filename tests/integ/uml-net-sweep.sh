#!/usr/bin/env bash
# uml-net-sweep.sh - UML's TCP request/response from 1 B to 64 KiB (issue
# 18, point 1; docs/vm.md, "UML networking"). Two faults of the vector
# driver's setup made large messages collapse and small ones stall:
# without gro=1 every host frame longer than one MTU was lost and resent
# after the host's ~200 ms retransmission timeout (64 KiB took seconds),
# and reading the tap itself now and then left a frame unread until the
# next one came, again after a retransmission timeout. From the stored
# samples of one uml study: every cell ran; no sample (p50, p99 or mean
# of a repetition) is 10 ms or more; the half-RTT at 64 KiB (median of
# the repetitions' means, and of their p50s) is within 10x of the one at
# 1 KiB; and at most 3 transactions took 50 ms (the kernel's histogram in
# the sample's raw result), which a 200 ms timeout, seen as a >= 100 ms
# half round trip, exceeds: the second fault did so about once in 1600
# transactions, dozens in this sweep; a loaded host may stall one or two.
set -u
. tests/lib.sh
[ "$(id -u)" -eq 0 ] || skip_all "needs root"
[ -x "$HV" ] || skip_all "hpcvirt not built"
command -v python3 >/dev/null || skip_all "no python3"
line=$("$HV" list | grep "^  uml ")
echo "$line" | grep -q "available " || skip_all "uml: ${line#*not available: }"

expect_exit 0 "uml x net.rr, 1 B to 64 KiB" -- \
	"$HV" run --env uml --bench net.rr --sizes 1,64,1024,4096,16384,65536 \
	--duration 0.5 --reps 2 --warmup 0 --out "$T/s" --quiet --no-progress

# One line per check, "ok|fail description"; the samples as comments.
python3 - "$T/s/study.db" >"$T/checks" <<'PY'
import json, sqlite3, statistics, sys

db = sqlite3.connect(sys.argv[1])
cells = db.execute("SELECT env, status, reason FROM cell").fetchall()
rows = db.execute(
    "SELECT json_extract(c.params, '$.size_bytes'), c.metric, s.value,"
    " s.raw FROM sample s JOIN cell c ON c.id = s.cell_id"
    " WHERE c.env = 'uml' AND c.bench = 'net.rr' AND s.warmup = 0"
).fetchall()
v, slow, total = {}, {}, 0
for size, metric, value, raw in rows:
    size = int(size)
    v.setdefault((size, metric), []).append(value)
    if raw:
        r = json.loads(raw)["result"]["results"][0]
        n = ["%.0f ms" % (b[0] / 1e6) for b in r["hist"]["buckets"]
             if b[0] >= 50e6 for _ in range(b[2])]
        slow[size] = slow.get(size, []) + n
        total += sum(b[2] for b in r["hist"]["buckets"])
for size in sorted({k[0] for k in v}):
    print("# %6d B: mean %s, p99 %s us; transactions over 50 ms: %s" % (
        size,
        " ".join("%.0f" % (x / 1e3) for x in v[(size, "half_rtt_mean_ns")]),
        " ".join("%.0f" % (x / 1e3) for x in v[(size, "half_rtt_p99_ns")]),
        slow.get(size, [])))

def check(cond, what):
    print("%s %s" % ("ok" if cond else "fail", what))

bad = [c for c in cells if c[1] != "ok"]
check(len(cells) == 18 and not bad,
      "all 18 uml cells (6 sizes x 3 metrics) ran: %d, not ok %s"
      % (len(cells), bad))
high = [(k, x) for k, xs in v.items() for x in xs if x >= 10e6]
check(rows and not high,
      "no stored sample of 10 ms or more (%d samples): %s" % (len(rows), high))
for metric in ("half_rtt_mean_ns", "half_rtt_p50_ns"):
    a = statistics.median(v.get((1024, metric), [0]))
    b = statistics.median(v.get((65536, metric), [float("inf")]))
    check(a > 0 and b <= 10 * a,
          "%s at 64 KiB (%.0f us) within 10x of 1 KiB (%.0f us)"
          % (metric, b / 1e3, a / 1e3))
# The second fault stalled about 1 transaction in 1600 (dozens here); a
# loaded host may stall one or two on its own.
nslow = sum(len(x) for x in slow.values())
check(slow and total > 3200 and nslow <= 3,
      "at most 3 of %d transactions took 50 ms or more (a retransmission "
      "timeout; the fault made about 1 in 1600): %s"
      % (total, {k: x for k, x in slow.items() if x}))
PY
grep '^#' "$T/checks"
while read -r verdict what; do
	[ "$verdict" = ok ]
	ok $? "$what"
done < <(grep -v '^#' "$T/checks")
[ -s "$T/checks" ]
ok $? "the checks ran"
finish
