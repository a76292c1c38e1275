#!/bin/bash
# bench-npb.sh - our NPB benchmarks (hpcvirt-npb, hpcvirt-npb-omp) side by
# side with the NPB 3.4 reference, built here from a source tree the user
# points at, in the same run: every configuration runs ours and the
# reference once per round, rounds interleaved, the order of the two
# alternating between rounds, and the best of the rounds is kept. Prints
# benchmark, class, variant, threads, both best times and Mop/s, the
# ratio ours/reference (Mop/s, so > 1 means ours is faster) and the
# geometric mean per variant. Never divides by a stored figure.
#
#   NPB_SRC=DIR scripts/bench-npb.sh [BUILD_DIR]   (make bench-npb NPB_SRC=DIR)
#
# DIR is NPB 3.4's NPB3.4-OMP tree (or the directory holding it). The
# reference is built twice from it with its own make system into
# BUILD_DIR/npb-ref/: serial (the OMP tree without -fopenmp, which is
# how NPB 3.4 gives a serial build) and OpenMP, each with
# $REF_FFLAGS (default -O3 -march=native). gfortran 12 at -O3
# -march=native -fopenmp emits an lea of a GOTTPOFF slot for some
# threadprivate module arrays (BT's exact_rhs.f90, SP's y_solve.f90),
# which ld cannot relax ("TLS transition ... failed"): such a benchmark
# is rebuilt with -fPIC added, whose TLS accesses the linker turns into
# the same local-exec ones, and the table's header says so. Without
# NPB_SRC only our side runs, and the script says how to get the
# sources.
#
#   env: CLASSES="A" ROUNDS=3 BENCHES="ep is cg mg ft bt sp lu" THREADS=2
#        VARIANTS="ser omp" REF_FFLAGS="-O3 -march=native"
#        OMP_WAIT_POLICY (default passive)
# Every timed run holds /tmp/hpcvirt-bench.lock; LOCKED=1 says the
# caller holds it for the whole run (flock /tmp/hpcvirt-bench.lock env
# LOCKED=1 scripts/bench-npb.sh ...), which keeps the rounds together on
# a host where others queue for it. Exit 1 if any run of either side
# failed verification, 2 on bad input.
set -u
build=${1:-build}
classes=${CLASSES:-A}
rounds=${ROUNDS:-3}
benches=${BENCHES:-ep is cg mg ft bt sp lu}
variants=${VARIANTS:-ser omp}
omp_threads=${THREADS:-2}
ref_fflags=${REF_FFLAGS:--O3 -march=native}
lock=/tmp/hpcvirt-bench.lock
locked() { # command...: run it holding the lock, unless the caller does
	if [ "${LOCKED:-0}" = 1 ]; then
		"$@"
	else
		flock "$lock" "$@"
	fi
}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
started=$(date -u +%FT%TZ)
load0=$(cut -d' ' -f1-3 /proc/loadavg)

die() { # code message
	echo "bench-npb: $2" >&2
	exit "$1"
}

case $rounds in
'' | *[!0-9]* | 0) die 2 "bad ROUNDS '$rounds': expected a count >= 1" ;;
esac
case $omp_threads in
'' | *[!0-9]* | 0) die 2 "bad THREADS '$omp_threads': expected a count >= 1" ;;
esac
for b in $benches; do
	case $b in ep | is | cg | mg | ft | bt | sp | lu) ;;
	*) die 2 "bad BENCHES entry '$b': expected some of ep is cg mg ft bt sp lu" ;;
	esac
done
for c in $classes; do
	case $c in S | W | A | B | C) ;;
	*) die 2 "bad CLASSES entry '$c': expected some of S W A B C" ;;
	esac
done
for v in $variants; do
	case $v in ser | omp) ;;
	*) die 2 "bad VARIANTS entry '$v': expected ser and/or omp" ;;
	esac
done

# --- the reference ------------------------------------------------------
refdir=
if [ -n "${NPB_SRC:-}" ]; then
	src=$NPB_SRC
	[ -d "$src/NPB3.4-OMP" ] && src=$src/NPB3.4-OMP
	if [ ! -f "$src/sys/setparams.c" ] || [ ! -d "$src/BT" ]; then
		die 2 "bad NPB_SRC '$NPB_SRC': expected NPB 3.4's NPB3.4-OMP tree (with sys/setparams.c and BT/) or the directory holding it"
	fi
	command -v gfortran >/dev/null ||
		die 2 "the reference needs gfortran (apt-get install gfortran)"
	refdir=$(realpath -m "$build/npb-ref")
fi

# build_ref VARIANT: copy the tree to $refdir/VARIANT, write its
# make.def, build every benchmark and class asked for (make's own
# up-to-date checks make a second call cheap).
build_ref() {
	local v=$1 d=$refdir/$1 omp='' b c
	[ "$v" = omp ] && omp=-fopenmp
	# a fresh copy only for another source tree: copying over the
	# build would put back the tree's own make.def
	if [ "$(cat "$d/.npb-src" 2>/dev/null)" != "$(realpath "$src")" ]; then
		rm -rf "$d"
		mkdir -p "$d"
		cp -a "$src/." "$d/"
		realpath "$src" >"$d/.npb-src"
	fi
	cat >"$d/config/make.def.new" <<-EOF
		# written by hpcvirt scripts/bench-npb.sh ($v)
		FC = gfortran
		FLINK = \$(FC)
		F_LIB =
		F_INC =
		FFLAGS = $ref_fflags $omp
		FLINKFLAGS = \$(FFLAGS)
		CC = gcc
		CLINK = \$(CC)
		C_LIB = -lm
		C_INC =
		CFLAGS = -O3 $omp
		CLINKFLAGS = \$(CFLAGS)
		UCC = gcc
		BINDIR = ../bin
		RAND = randi8
		WTIME = wtime.c
	EOF
	# a changed make.def (other flags) rebuilds everything
	if ! cmp -s "$d/config/make.def.new" "$d/config/make.def"; then
		mv "$d/config/make.def.new" "$d/config/make.def"
		make -s -C "$d" clean >/dev/null 2>&1
		rm -f "$d"/bin/*.x "$d/fpic"
	else
		rm -f "$d/config/make.def.new"
	fi
	for c in $classes; do
		for b in $benches; do
			[ -x "$d/bin/$b.$c.x" ] && continue
			echo "bench-npb: building the reference $b.$c ($v: $ref_fflags $omp)" >&2
			make -s -C "$d" "$b" CLASS="$c" >"$d/build-$b.$c.log" 2>&1 &&
				continue
			grep -q 'TLS transition' "$d/build-$b.$c.log" ||
				die 1 "the reference $b.$c ($v) did not build: $d/build-$b.$c.log"
			rm -f "$d/${b^^}"/*.o
			make -s -C "$d" "$b" CLASS="$c" FFLAGS="$ref_fflags $omp -fPIC" \
				FLINKFLAGS="$ref_fflags $omp -fPIC" >>"$d/build-$b.$c.log" 2>&1 ||
				die 1 "the reference $b.$c ($v) did not build with -fPIC either: $d/build-$b.$c.log"
			rm -f "$d/${b^^}"/*.o # the next class starts without -fPIC
			echo "$b.$c ($v)" >>"$d/fpic"
		done
	done
}

if [ -n "$refdir" ]; then
	for v in $variants; do
		build_ref "$v"
	done
else
	cat >&2 <<-EOF
		bench-npb: no NPB_SRC, so only our side runs and there are no ratios.
		  To compare with the reference, get NPB 3.4 (https://www.nas.nasa.gov/software/npb.html,
		  NPB3.4.x.tar.gz, or a public snapshot of it) and run
		  make bench-npb NPB_SRC=/path/to/NPB3.4.x/NPB3.4-OMP
	EOF
fi

# --- runs ---------------------------------------------------------------
field() { # key json-line
	sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" <<<"$2"
}

# ours BINARY BENCH CLASS THREADS -> "time mops" or "FAIL"
ours() {
	local line
	line=$(locked "$1" "$2" --class "$3" --threads "$4" --json |
		grep '^HPCVIRT-RESULT ') || {
		echo FAIL
		return
	}
	if [ "$(field verified "$line")" != true ]; then
		echo FAIL
		return
	fi
	echo "$(field time_s "$line") $(field mops_total "$line")"
}

# ref VARIANT BENCH CLASS THREADS -> "time mops" or "FAIL", from the
# reference's own report (its "Time in seconds" and "Mop/s total").
ref() {
	local out t m
	out=$(cd "$refdir/$1/bin" &&
		OMP_NUM_THREADS=$4 locked "./$2.$3.x" 2>&1) || {
		echo FAIL
		return
	}
	grep -q 'Verification *= *SUCCESSFUL' <<<"$out" || {
		echo FAIL
		return
	}
	t=$(sed -n 's/^ *Time in seconds *= *//p' <<<"$out")
	m=$(sed -n 's/^ *Mop\/s total *= *//p' <<<"$out")
	if [ -z "$t" ] || [ -z "$m" ]; then
		echo FAIL
		return
	fi
	echo "$t $m"
}

bin=$build/bin
configs=()
for cls in $classes; do
	for bm in $benches; do
		for v in $variants; do
			if [ "$v" = ser ]; then
				configs+=("ser 1 $bin/hpcvirt-npb $bm $cls")
			elif [ -x "$bin/hpcvirt-npb-omp" ]; then
				configs+=("omp $omp_threads $bin/hpcvirt-npb-omp $bm $cls")
			fi
		done
	done
done

# keep_best SIDE CONFIG "time mops": the fastest verified run per side.
declare -A best_t best_m failed
nfail=0
keep_best() {
	local k="$1|$2" t m
	read -r t m <<<"$3"
	if [ "$t" = FAIL ]; then
		failed[$k]=1
		nfail=$((nfail + 1))
		return
	fi
	if [ -z "${best_t[$k]:-}" ] ||
		awk "BEGIN{exit !($t < ${best_t[$k]})}"; then
		best_t[$k]=$t
		best_m[$k]=$m
	fi
}

for ((round = 0; round < rounds; round++)); do
	for c in "${configs[@]}"; do
		# shellcheck disable=SC2086 # a list of words
		set -- $c
		if [ -z "$refdir" ]; then
			keep_best ours "$c" "$(ours "$3" "$4" "$5" "$2")"
		elif ((round % 2 == 0)); then
			keep_best ours "$c" "$(ours "$3" "$4" "$5" "$2")"
			keep_best ref "$c" "$(ref "$1" "$4" "$5" "$2")"
		else
			keep_best ref "$c" "$(ref "$1" "$4" "$5" "$2")"
			keep_best ours "$c" "$(ours "$3" "$4" "$5" "$2")"
		fi
	done
done

# --- table --------------------------------------------------------------
if [ -n "$refdir" ]; then
	echo "# hpcvirt NPB vs the NPB 3.4 reference (gfortran $ref_fflags, from $src), best of $rounds interleaved rounds,"
	for v in $variants; do
		[ -f "$refdir/$v/fpic" ] &&
			echo "# reference built with -fPIC added (gfortran TLS bug): $(tr "\n" " " <"$refdir/$v/fpic")"
	done
else
	echo "# hpcvirt NPB alone (no NPB_SRC, no reference), best of $rounds rounds,"
fi
echo "# $started to $(date -u +%TZ), $(nproc) CPUs, OMP_WAIT_POLICY=$OMP_WAIT_POLICY, load average at start $load0"
printf '%-5s %-5s %-7s %7s %9s %9s %10s %10s %6s\n' bench class variant \
	threads ours_s ref_s ours_mops ref_mops ratio
num() { # decimals value: a number rounded, anything else as it is
	case $2 in
	'') echo - ;;
	*[!0-9.e+-]*) echo "$2" ;;
	*) printf "%.$1f" "$2" ;;
	esac
}
declare -A logsum count low
for c in "${configs[@]}"; do
	# shellcheck disable=SC2086 # a list of words
	set -- $c
	v=$1 thr=$2 bm=$4 cls=$5
	ot=${best_t[ours|$c]:-} om=${best_m[ours|$c]:-}
	rt=${best_t[ref|$c]:-} rm=${best_m[ref|$c]:-}
	[ -n "${failed[ours|$c]:-}" ] && ot=FAILED om=-
	[ -n "${failed[ref|$c]:-}" ] && rt=FAILED rm=-
	ratio=-
	if [ -n "$refdir" ] && [ -z "${failed[ours|$c]:-}${failed[ref|$c]:-}" ]; then
		ratio=$(awk "BEGIN{printf \"%.2f\", $om / $rm}")
		logsum[$v]=$(awk "BEGIN{print ${logsum[$v]:-0} + log($om / $rm)}")
		count[$v]=$((${count[$v]:-0} + 1))
		awk "BEGIN{exit !($om / $rm < 0.95)}" && low[$v]="${low[$v]:-} $bm.$cls"
	fi
	printf '%-5s %-5s %-7s %7s %9s %9s %10s %10s %6s\n' "$bm" "$cls" "$v" \
		"$thr" "$(num 3 "$ot")" "$(num 3 "$rt")" "$(num 1 "$om")" \
		"$(num 1 "$rm")" "$ratio"
done
for v in $variants; do
	[ -n "${count[$v]:-}" ] || continue
	awk "BEGIN{printf \"geomean ours/ref %-4s over %d: %.2f\", \"$v\", \
		${count[$v]}, exp(${logsum[$v]} / ${count[$v]})}"
	echo "; below 0.95:${low[$v]:- none}"
done
[ "$nfail" -eq 0 ]
