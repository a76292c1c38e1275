#!/usr/bin/env bash
# scripts/uml-boot-phases.sh [BUILD] [ROUNDS] [-- KERNEL ARGS...] - where a
# UML box's boot goes (docs/vm.md, "UML start-up"). Each round boots
# linux.uml as the uml env does (src/env/uml.c: its kernel arguments,
# keep them in step; the initramfs without modules, ASLR off, mem=512M,
# a fresh 1536 MiB ext4 ubd disk), but with the guest's address on lo
# instead of a tap on the lab bridge, so it needs no lab. Per boot:
#
#   ready_ms   linux.uml started -> HPCVIRT-AGENT-READY on its console
#   kernel_ms  the guest kernel's clock when /init's agent started
#              (the agent's "guest init: started N ms after the kernel")
#   setup_ms   the agent's guest set-up (mounts, address, ext4)
#   pre_ms     ready - kernel - setup: linux.uml before the guest kernel's
#              clock runs (its host checks, physical memory, reading the
#              initrd, the page structures) plus the READY line's way out
#
# then the median of each. KERNEL ARGS after -- are added to the command
# line (e.g. printk.time=1 initcall_debug loglevel=8: the console then
# costs time too). A benchmark, not a test: it holds
# /tmp/hpcvirt-bench.lock so that no two benchmarks overlap.
#
#   scripts/uml-boot-phases.sh build 5
set -u
cd "$(dirname "$0")/.." || exit 2
build=build
rounds=5
[ $# -gt 0 ] && [ "$1" != -- ] && { build=$1; shift; }
[ $# -gt 0 ] && [ "$1" != -- ] && { rounds=$1; shift; }
[ "${1:-}" = -- ] && shift
case $rounds in '' | *[!0-9]* | 0) echo "bad ROUNDS '$rounds': expected a whole number >= 1" >&2; exit 2 ;; esac
uml=${HPCVIRT_UML:-/usr/bin/linux.uml}
[ -x "$uml" ] || { echo "no $uml (apt-get install user-mode-linux)" >&2; exit 2; }
[ -x "$build/bin/hpcvirt" ] || { echo "missing $build/bin/hpcvirt (make)" >&2; exit 2; }

if [ -z "${HV_BENCH_LOCKED:-}" ]; then
	HV_BENCH_LOCKED=1 exec flock /tmp/hpcvirt-bench.lock "$0" "$build" "$rounds" -- "$@"
fi

initrd=$("$build/bin/hpcvirt" image | awk '$1 == "initrd" && /no modules/ {print $2}')
[ -r "$initrd" ] || { echo "no module-less initrd from hpcvirt image" >&2; exit 1; }
T=$(mktemp -d /tmp/hpcvirt-uml-phases.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 -- "-$pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
mkfifo "$T/con"
khz=$(awk -F: '/^cpu MHz/ {printf "%d", $2 * 1000; exit}' /proc/cpuinfo)

# boot: one boot; appends "ready kernel setup" (ms) to $T/samples.
boot() {
	local t0 now line ready= kernel= setup=
	rm -f "$T/disk.img"
	truncate -s 1536M "$T/disk.img"
	/sbin/mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 \
		-L hvscratch "$T/disk.img" || exit 1
	t0=${EPOCHREALTIME/./}
	setsid setarch -R "$uml" mem=512M initrd="$initrd" \
		ubd0="$T/disk.img" uml_dir="$T" con=none con0=fd:0,fd:2 \
		ssl=none pty.legacy_count=0 \
		initcall_blacklist=raid6_select_algo lpj=$((khz * 10)) quiet \
		panic=-1 hv.ip=127.0.0.2/8 hv.if=lo hv.disk=/dev/ubda "$@" \
		</dev/null >/dev/null 2>"$T/con" &
	pid=$!
	while IFS= read -r -t 30 line; do
		now=${EPOCHREALTIME/./}
		case $line in
		*"guest init: started "*)
			kernel=${line#*started }
			kernel=${kernel%% ms*}
			setup=${line#*set up in }
			setup=${setup%% ms*} ;;
		*HPCVIRT-AGENT-READY*)
			ready=$(((now - t0) / 1000))
			break ;;
		esac
	done <"$T/con"
	kill -9 -- "-$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	[ -n "$ready" ] && [ -n "$kernel" ] ||
		{ echo "boot failed: no READY or no guest init line" >&2; exit 1; }
	echo "$ready $kernel $setup" >>"$T/samples"
	printf 'ready %5d ms  kernel %4d ms  setup %5s ms\n' "$ready" \
		"$kernel" "$setup"
}

for ((r = 1; r <= rounds; r++)); do
	boot "$@"
done
python3 - "$T/samples" <<'PY'
import statistics, sys
rows = [[float(x) for x in l.split()] for l in open(sys.argv[1])]
med = lambda i: statistics.median(r[i] for r in rows)
pre = statistics.median(r[0] - r[1] - r[2] for r in rows)
print("median of %d: ready %.0f ms = pre %.0f + kernel %.0f + setup %.1f"
      % (len(rows), med(0), pre, med(1), med(2)))
PY
