#!/usr/bin/env bash
# scripts/bench-start.sh [BUILD] [ROUNDS] - start time of the ns env
# against unshare(1) and bwrap(1) running a trivial program.
#
#   ns       hpcvirt's own container: lab port, cgroups (1 CPU, 256 MiB),
#            namespaces, root, agent as PID 1, until the host is connected
#            to the agent (box->start_ns of hv_box_start), measured in C
#            by build/tests/test-container --bench
#   ns-ct    the same container without the lab port (only lo): the
#            runtime's own share, cgroups included, to the READY line
#            (test-container --bench-ct)
#   unshare  unshare -fpmiun --mount-proc true
#   bwrap    bwrap --unshare-all --die-with-parent --ro-bind / /
#            --proc /proc --dev /dev true
#
# Rounds are interleaved (ns, ns-ct, unshare, bwrap, ns, ...), each round takes
# REPS samples of each, and the whole run holds /tmp/hpcvirt-bench.lock
# so that no other benchmark runs at the same time. The result is the
# median of every tool in ms and its ratio to unshare. unshare and bwrap
# are timed with bash's $EPOCHREALTIME around the command (no extra fork).
set -u
cd "$(dirname "$0")/.." || exit 2
build=${1:-build}
rounds=${2:-5}
reps=${REPS:-5}
case $rounds in '' | *[!0-9]*) echo "bad ROUNDS '$rounds': expected a whole number >= 1" >&2; exit 2 ;; esac
case $reps in '' | *[!0-9]*) echo "bad REPS '$reps': expected a whole number >= 1" >&2; exit 2 ;; esac
[ "$rounds" -ge 1 ] && [ "$reps" -ge 1 ] || { echo "ROUNDS and REPS must be >= 1" >&2; exit 2; }
tc=$build/tests/test-container
[ -x "$tc" ] || { echo "missing $tc (make $tc)" >&2; exit 2; }
command -v bwrap >/dev/null || { echo "bwrap missing: apt-get install -y --no-install-recommends bubblewrap" >&2; exit 2; }

if [ -z "${HV_BENCH_LOCKED:-}" ]; then
	HV_BENCH_LOCKED=1 exec flock /tmp/hpcvirt-bench.lock "$0" "$@"
fi

out=$(mktemp -d /tmp/hpcvirt-bench-start.XXXXXX)
trap 'rm -rf "$out"' EXIT

# time_cmd FILE CMD...: append the command's wall time in ns, REPS times.
time_cmd() {
	local f=$1 i t0 t1
	shift
	for ((i = 0; i < reps; i++)); do
		t0=${EPOCHREALTIME/./}
		"$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
		t1=${EPOCHREALTIME/./}
		echo $(((t1 - t0) * 1000)) >>"$f"
	done
}

for ((r = 1; r <= rounds; r++)); do
	HV_BUILD=$build "$tc" --bench "$reps" >>"$out/ns" ||
		{ echo "ns start failed" >&2; exit 1; }
	HV_BUILD=$build "$tc" --bench-ct "$reps" >>"$out/ns-ct" ||
		{ echo "ns-ct start failed" >&2; exit 1; }
	time_cmd "$out/unshare" unshare -fpmiun --mount-proc true
	time_cmd "$out/bwrap" bwrap --unshare-all --die-with-parent \
		--ro-bind / / --proc /proc --dev /dev true
done

# The agent's link mode matters (a dynamic one spends about 1 ms more in
# ld.so and in its fork per connection here), so say which was measured.
agent=$build/bin/hpcvirt-agent
if ! command -v readelf >/dev/null; then
	echo "agent: $agent (link mode unknown: no readelf)"
elif readelf -l "$agent" | grep -q 'INTERP'; then
	echo "agent: $agent (dynamically linked)"
else
	echo "agent: $agent (statically linked)"
fi
median() { sort -n "$1" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
base=$(median "$out/unshare")
printf '%-8s %8s %10s %8s\n' tool samples median_ms vs_unshare
for t in ns ns-ct unshare bwrap; do
	m=$(median "$out/$t")
	awk -v t="$t" -v n="$(wc -l <"$out/$t")" -v m="$m" -v b="$base" \
		'BEGIN {printf "%-8s %8d %10.2f %8.2f\n", t, n, m / 1e6, m / b}'
done
