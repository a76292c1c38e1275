#!/bin/bash
# bench-peers.sh - hpcvirt-net against the reference tools on loopback
# (make bench-peers). Interleaved rounds: our rr 1-byte half-RTT p50 vs
# sockperf ping-pong p50 (its smallest message, 14 bytes), and our stream
# bandwidth vs iperf3, same 128 KiB block and duration. Prints per-round
# values, medians and the ratios ours/sockperf (target <= 1) and
# ours/iperf3 (target >= 1). Holds /tmp/hpcvirt-bench.lock for the whole
# run so that no other benchmark runs at the same time.
#
#   ROUNDS=5 DUR=2 BLOCK=128K HV_BUILD=build scripts/bench-peers.sh
set -u
if [ -z "${HV_BENCH_LOCKED:-}" ]; then
	HV_BENCH_LOCKED=1 exec flock /tmp/hpcvirt-bench.lock "$0" "$@"
fi
ROUNDS=${ROUNDS:-5}
DUR=${DUR:-2}
BLOCK=${BLOCK:-128K}
B=${HV_BUILD:-build}/bin/hpcvirt-net
for t in "$B" sockperf iperf3 python3; do
	command -v "$t" >/dev/null || { echo "bench-peers: $t not found (apt-get install sockperf iperf3; make all)" >&2; exit 77; }
done
T=$(mktemp -d /tmp/hv-bench-peers.XXXXXX)
PIDS=
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
LIFE=$((ROUNDS * (5 * DUR + 10) + 30))

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$B" server --port 0 --lifetime "$LIFE" --idle 60 >"$T/srv.out" 2>"$T/srv.err" &
PIDS="$PIDS $!"
SPORT=$(freeport)
timeout "$LIFE" sockperf server --tcp -i 127.0.0.1 -p "$SPORT" >"$T/sp-srv.log" 2>&1 &
PIDS="$PIDS $!"
IPORT=$(freeport)
timeout "$LIFE" iperf3 -s -B 127.0.0.1 -p "$IPORT" >"$T/ip-srv.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 50); do grep -q LISTEN "$T/srv.out" && break; sleep 0.1; done
PORT=$(awk '$1 == "HPCVIRT-LISTEN" { print $3 }' "$T/srv.out")
[ -n "$PORT" ] || { echo "bench-peers: hpcvirt-net server did not start" >&2; exit 1; }
sleep 0.5

TO=$((DUR * 3 + 20))
for r in $(seq "$ROUNDS"); do
	timeout $TO "$B" rr --port "$PORT" --size 1 --duration "$DUR" --json >"$T/rr.$r" || exit 1
	timeout $TO sockperf ping-pong --tcp -i 127.0.0.1 -p "$SPORT" -m 14 -t "$DUR" >"$T/sp.$r" 2>&1 || exit 1
	timeout $TO "$B" rr --port "$PORT" --size 1 --duration "$DUR" --spin --json >"$T/spin.$r" || exit 1
	timeout $TO "$B" stream --port "$PORT" --block "$BLOCK" --duration "$DUR" --json >"$T/st.$r" || exit 1
	timeout $TO iperf3 -c 127.0.0.1 -p "$IPORT" -l "$BLOCK" -t "$DUR" -J >"$T/ip.$r" || exit 1
done

python3 - "$T" "$ROUNDS" <<'PY'
import json, re, statistics, sys
d, n = sys.argv[1], int(sys.argv[2])
def res(path):
    line = [l for l in open(path) if l.startswith("HPCVIRT-RESULT ")][0]
    return json.loads(line.split(" ", 1)[1])["results"][0]
rows = []
for r in range(1, n + 1):
    ours = res("%s/rr.%d" % (d, r))["half_rtt_p50_ns"] / 1e3
    spin = res("%s/spin.%d" % (d, r))["half_rtt_p50_ns"] / 1e3
    m = re.search(r"percentile 50\.000 =\s*([0-9.]+)", open("%s/sp.%d" % (d, r)).read())
    sp = float(m.group(1))
    bw = res("%s/st.%d" % (d, r))["bw_bytes_per_sec"] / 1e6
    ip = json.load(open("%s/ip.%d" % (d, r)))["end"]["sum_received"]["bits_per_second"] / 8e6
    rows.append((ours, sp, spin, bw, ip))
hdr = ("round", "ours_p50_us", "sockperf_p50_us", "ours_spin_p50_us", "ours_MB/s", "iperf3_MB/s")
print("| " + " | ".join(hdr) + " |")
print("|" + "---|" * len(hdr))
for i, x in enumerate(rows, 1):
    print("| %d | %.2f | %.2f | %.2f | %.0f | %.0f |" % ((i,) + x))
med = [statistics.median(c) for c in zip(*rows)]
print("| median | %.2f | %.2f | %.2f | %.0f | %.0f |" % tuple(med))
print()
print("ours_p50/sockperf_p50 = %.3f (target <= 1.0)" % (med[0] / med[1]))
print("ours_spin_p50/sockperf_p50 = %.3f (informational)" % (med[2] / med[1]))
print("ours_bw/iperf3_bw = %.3f (target >= 1.0)" % (med[3] / med[4]))
PY
