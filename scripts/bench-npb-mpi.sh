#!/bin/bash
# bench-npb-mpi.sh - time the MPI variant of our NPB benchmarks through
# the launcher a study uses (hpcvirt-mpirun: --oversubscribe,
# mpi_yield_when_idle 1, shared memory) and print one table row per
# benchmark, class and rank count: best time, Mop/s, the serial
# (hpcvirt-npb) or OpenMP (hpcvirt-npb-omp, same thread count) Mop/s of
# the same round for comparison, the NPB 3.4 MPI reference where
# reference-perf.md has one (classes S and W only), and the load. Every
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

# NPB 3.4 MPI reference Mop/s, best of 2 (reference-perf.md section 5).
ref() { # bench class ranks
	case "$1.$2.$3" in
	ep.W.1) echo 74.93 ;; ep.W.2) echo 149.03 ;; ep.W.4) echo 146.35 ;;
	is.W.1) echo 189.95 ;; is.W.2) echo 285.63 ;; is.W.4) echo 190.17 ;;
	cg.W.1) echo 1821.69 ;; cg.W.2) echo 3266.12 ;; cg.W.4) echo 2494.85 ;;
	mg.W.1) echo 3752.66 ;; mg.W.2) echo 5869.39 ;; mg.W.4) echo 5480.94 ;;
	ft.W.1) echo 2449.95 ;; ft.W.2) echo 4021.83 ;; ft.W.4) echo 2757.66 ;;
	bt.W.1) echo 3365.88 ;; bt.W.4) echo 6342.55 ;;
	sp.W.1) echo 3053.90 ;; sp.W.4) echo 4189.64 ;;
	lu.W.1) echo 4504.78 ;; lu.W.2) echo 7936.54 ;; lu.W.4) echo 6635.74 ;;
	*) echo - ;;
	esac
}

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

printf '%-6s %-5s %5s %10s %10s %10s %7s %8s\n' bench class ranks \
	best_s mpi_Mop/s ser/omp2 ratio ref_mpi
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
			printf '%-6s %-5s %5s %10s %10s %10s %7s %8s\n' \
				"$b" "$c" "$n" "$(num 4 "${m%% *}")" \
				"$(num 1 "$mm")" "$(num 1 "${s:--}")" \
				"$ratio" "$(ref "$b" "$c" "$n")"
		done
	done
done
echo "# ratio: MPI Mop/s / (serial Mop/s at 1 rank, OpenMP 2-thread at 2+)"
echo "# load (1 min) after each round: $(paste -sd' ' "$tmp/load")"
echo "# $(date -u +%FT%TZ), rounds $rounds, $(mpirun --version 2>/dev/null | head -1)"
exit $failed
