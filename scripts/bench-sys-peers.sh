#!/bin/bash
# bench-sys-peers.sh - hpcvirt-sys against the reference tool Debian
# ships, natively (make bench-sys). lmbench (lat_syscall, lat_ctx) is
# not in Debian 12, so the peer is perf bench from linux-perf:
#   null syscall:   ours "syscall" (getppid through syscall(2)) against
#                   "perf bench syscall basic" (a getppid loop);
#   context switch: ours "ctxsw" (a one-byte pipe ping-pong between two
#                   processes on one CPU, ns per switch) against "perf
#                   bench sched pipe" under taskset on that same CPU (a
#                   pipe ping-pong; its usecs/op is a round trip, which
#                   is two switches, so it is halved).
# Interleaved rounds, each running ours and then both perf benches, so
# that a slow spell of the host hits both. Prints every round and the
# medians with the ratios ours/perf. Holds /tmp/hpcvirt-bench.lock for
# the whole run.
#
#   ROUNDS=7 CPU=0 HV_BUILD=build scripts/bench-sys-peers.sh
set -u
if [ -z "${HV_BENCH_LOCKED:-}" ]; then
	HV_BENCH_LOCKED=1 exec flock /tmp/hpcvirt-bench.lock "$0" "$@"
fi
ROUNDS=${ROUNDS:-7}
CPU=${CPU:-0}
B=${HV_BUILD:-build}/bin/hpcvirt-sys
for t in "$B" perf taskset python3; do
	command -v "$t" >/dev/null || {
		echo "bench-sys-peers: $t not found (apt-get install linux-perf util-linux python3; make all)" >&2
		exit 77
	}
done
perf bench syscall basic --loop 10 >/dev/null 2>&1 || {
	echo "bench-sys-peers: this perf has no 'perf bench syscall basic'" >&2
	exit 77
}
T=$(mktemp -d /tmp/hv-bench-sys.XXXXXX)
trap 'rm -rf "$T"' EXIT

# usecs/op from perf bench's output, in ns.
perf_ns() { awk '$2 == "usecs/op" { printf "%.1f\n", $1 * 1000 }' "$1"; }

echo "round  ours_syscall_ns  perf_syscall_ns  ours_switch_ns  perf_switch_ns"
for r in $(seq "$ROUNDS"); do
	taskset -c "$CPU" "$B" --tests syscall,ctxsw --window 0.5 --json >"$T/ours" || exit 1
	taskset -c "$CPU" perf bench syscall basic --loop 500000 >"$T/psys" 2>&1 || exit 1
	taskset -c "$CPU" perf bench sched pipe --loop 40000 >"$T/ppipe" 2>&1 || exit 1
	python3 - "$T/ours" "$(perf_ns "$T/psys")" "$(perf_ns "$T/ppipe")" "$r" <<'PY' | tee -a "$T/rounds"
import json, sys
line = [l for l in open(sys.argv[1]) if l.startswith("HPCVIRT-RESULT ")][0]
res = {e["test"]: e["ns_per_op"] for e in json.loads(line[15:])["results"]}
print("%5s  %15.1f  %15.1f  %14.1f  %14.1f" % (sys.argv[4], res["syscall"],
      float(sys.argv[2]), res["ctxsw"], float(sys.argv[3]) / 2))
PY
done
python3 - "$T/rounds" <<'PY'
import statistics, sys
rows = [list(map(float, l.split()[1:])) for l in open(sys.argv[1])]
m = [statistics.median(c) for c in zip(*rows)]
print("median %15.1f  %15.1f  %14.1f  %14.1f" % tuple(m))
print("ours/perf: syscall %.2f, context switch %.2f" % (m[0] / m[1], m[2] / m[3]))
PY
