#!/bin/bash
# bench-npb-mpi.sh - time the MPI variant of our NPB benchmarks through
# the launcher a study uses (hpcvirt-mpirun: --oversubscribe,
# mpi_yield_when_idle 1, shared memory) and print one table row per
# benchmark, class and rank count: best time, Mop/s, the serial
# (hpcvirt-npb) or OpenMP (hpcvirt-npb-omp, same thread count) Mop/s of
# the same round for comparison, and the load (no stored reference
# figures: a ratio counts only between runs of the same session). Every
# run holds /tmp/hpcvirt-bench.lock; configurations run ROUNDS times in
# interleaved rounds and the best is kept. Exit 1 if a run failed
# verification, 77 if the MPI programs are not built.
#
#   scripts/bench-npb-mpi.sh [BUILD_DIR]   (make bench-npb may call it)
#   env: CLASSES="A" ROUNDS=3 BENCHES="ep is cg mg ft bt sp lu"
#        RANKS="1 2" (default: 1 2, and 1 4 for BT and SP, which need a
#        square; counts a benchmark does not accept are left out)
#        LOCKED=1: the caller already holds the lock for the whole run
#        (flock /tmp/hpcvirt-bench.lock env LOCKED=1 scripts/...), which
#        keeps the rounds together on a host where others queue for it
set -u
build=${1:-build}
classes=${CLASSES:-A}
rounds=${ROUNDS:-3}
benches=${BENCHES:-ep is cg mg ft bt sp lu}
lock=/tmp/hpcvirt-bench.lock
bin=$build/bin
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

for p in hpcvirt-npb-mpi hpcvirt-mpirun hpcvirt-npb; do
	if [ ! -x "$bin/$p" ]; then
		echo "bench-npb-mpi: $bin/$p not built; skipped" >&2
		exit 77
	fi
done

ranks_of() { # bench -> the rank counts to run (NPB's rules)
	local n out=""
	for n in ${RANKS:-$(case $1 in bt | sp) echo 1 4 ;; *) echo 1 2 ;; esac)}; do
		case $1 in
		ep) ;;
		bt | sp) [ "$n" = 1 ] || [ "$n" = 4 ] || [ "$n" = 9 ] ||
			[ "$n" = 16 ] || continue ;;
		*) [ $((n & (n - 1))) -eq 0 ] || continue ;;
		esac
		out="$out $n"
	done
	echo "$out"
}

field() { # key json-line
	sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" <<<"$2"
}

locked() { # command...: under the lock, unless the caller holds it
	if [ "${LOCKED:-0}" = 1 ]; then
		"$@"
	else
		flock "$lock" "$@"
	fi
}

result() { # command... -> "time mops" or FAIL
	local line
	line=$(locked "$@" 2>/dev/null | grep '^HPCVIRT-RESULT ') &&
		[ "$(field verified "$line")" = true ] || {
		echo FAIL
		return
	}
	echo "$(field time_s "$line") $(field mops_total "$line")"
}

num() { # decimals value -> rounded, or the value itself if not a number
	awk -v d="$1" -v v="$2" 'BEGIN {
		if (v ~ /^[0-9.eE+-]+$/) printf "%.*f", d, v; else printf "%s", v }'
}

best() { # file -> best "time mops" line (lowest time)
	grep -v FAIL "$1" | sort -g | head -1
}

tmp=$(mktemp -d /tmp/bench-npb-mpi.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0
for ((r = 1; r <= rounds; r++)); do
	for c in $classes; do
		for b in $benches; do
			for n in $(ranks_of "$b"); do
				result "$bin/hpcvirt-mpirun" --np "$n" \
					hpcvirt-npb-mpi "$b" --class "$c" \
					--json >>"$tmp/$b.$c.mpi.$n"
			done
			result "$bin/hpcvirt-npb" "$b" --class "$c" --json \
				>>"$tmp/$b.$c.ser.1"
			if [ -x "$bin/hpcvirt-npb-omp" ]; then
				result "$bin/hpcvirt-npb-omp" "$b" --class "$c" \
					--threads 2 --json >>"$tmp/$b.$c.omp.2"
			fi
		done
	done
	cut -d' ' -f1 /proc/loadavg >>"$tmp/load"
done

printf '%-6s %-5s %5s %10s %10s %10s %7s\n' bench class ranks \
	best_s mpi_Mop/s ser/omp2 ratio
for c in $classes; do
	for b in $benches; do
		for n in $(ranks_of "$b"); do
			m=$(best "$tmp/$b.$c.mpi.$n")
			grep -q FAIL "$tmp/$b.$c.mpi.$n" && failed=1
			[ -n "$m" ] || m="FAIL FAIL"
			# 1 rank compares with serial, 2 ranks with OpenMP x2.
			cmpf=$tmp/$b.$c.ser.1
			[ "$n" -ge 2 ] && [ -f "$tmp/$b.$c.omp.2" ] &&
				cmpf=$tmp/$b.$c.omp.2
			s=$(best "$cmpf" | cut -d' ' -f2)
			mm=${m#* }
			ratio=-
			[ -n "$s" ] && [ "$mm" != FAIL ] &&
				ratio=$(awk -v a="$mm" -v b="$s" \
					'BEGIN {printf "%.3f", a / b}')
			printf '%-6s %-5s %5s %10s %10s %10s %7s\n' \
				"$b" "$c" "$n" "$(num 4 "${m%% *}")" \
				"$(num 1 "$mm")" "$(num 1 "${s:--}")" "$ratio"
		done
	done
done
echo "# ratio: MPI Mop/s / (serial Mop/s at 1 rank, OpenMP 2-thread at 2+)"
echo "# load (1 min) after each round: $(paste -sd' ' "$tmp/load")"
echo "# $(date -u +%FT%TZ), rounds $rounds, $(mpirun --version 2>/dev/null | head -1)"
exit $failed
