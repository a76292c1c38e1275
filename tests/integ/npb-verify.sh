#!/bin/bash
# npb-verify.sh - end-to-end test of hpcvirt-npb and hpcvirt-npb-omp:
# classes S and W of EP, IS, CG, MG, FT and of the pseudo-applications
# BT, SP and LU must print
# "Verification = SUCCESSFUL" and exit 0, serially and with OpenMP at 1
# and 2 threads; --json must give one well-formed HPCVIRT-RESULT line;
# bad benchmark, class or thread count must exit 2 with a message
# naming the value; a class larger than memory is refused (exit 2).
# Run from the repo root: HV_BUILD=build tests/integ/npb-verify.sh
set -u
B=${HV_BUILD:-build}/bin
SER=$B/hpcvirt-npb
OMP=$B/hpcvirt-npb-omp
n=0
fails=0
out=$(mktemp -d /tmp/npb-verify.XXXXXX)
trap 'rm -rf "$out"' EXIT

# Spinning OpenMP waits collapse on a loaded 2-vCPU host; sleep instead.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

t() { # description, then a command that must succeed
	local d=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $d"
	else
		echo "not ok $n - $d"
		fails=$((fails + 1))
	fi
}

if [ ! -x "$SER" ]; then
	echo "1..0 # SKIP $SER not built"
	exit 77
fi

verifies() { # binary bench class threads [option...]
	local f=$out/run.txt
	timeout 120 "$1" "$2" --class "$3" --threads "$4" "${@:5}" --json >"$f" 2>&1 &&
		grep -q '^Verification = SUCCESSFUL$' "$f" &&
		grep -q "^HPCVIRT-RESULT {\"kernel\":\"npb\",\"benchmark\":\"$2\",\"class\":\"$3\"" "$f" &&
		grep -q '"verified":true' "$f" && grep -q "\"threads\":$4," "$f"
}

variants=("$SER 1")
if [ -x "$OMP" ]; then
	variants+=("$OMP 1" "$OMP 2")
else
	echo "# $OMP not built: OpenMP variant not tested"
fi
for cls in S W; do
	for bm in ep is cg mg ft bt sp lu; do
		for v in "${variants[@]}"; do
			set -- $v
			t "$bm class $cls $(basename "$1") threads $2 verifies" \
				verifies "$1" "$bm" "$cls" "$2"
		done
	done
done

# Both instruction sets of the hot loops verify (--isa), and the result
# names the one that ran; auto picks avx2 exactly when the CPU has AVX2
# and FMA.
isa_runs() { # binary bench isa
	local f=$out/isa.txt
	timeout 120 "$1" "$2" --class S --isa "$3" --json >"$f" 2>&1 &&
		grep -q '^Verification = SUCCESSFUL$' "$f" &&
		grep -q "^Instruction set = $3\$" "$f" &&
		grep -q "\"isa\":\"$3\"" "$f"
}
if grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
	auto=avx2
	isas="base avx2"
else
	auto=base
	isas=base
fi
for isa in $isas; do
	for bm in ep is cg mg ft bt sp lu; do
		t "$bm class S --isa $isa verifies and says so" \
			isa_runs "$SER" "$bm" "$isa"
	done
done
[ -x "$OMP" ] && t "bt class S OpenMP 2 threads --isa base verifies" \
	verifies "$OMP" bt S 2 --isa base
t "--isa auto picks $auto on this CPU" \
	grep -q "\"isa\":\"$auto\"" <("$SER" ep --class S --json)

exit_is() { # expected-code expected-stderr-text command...
	local want=$1 text=$2 rc
	shift 2
	"$@" >/dev/null 2>"$out/err.txt"
	rc=$?
	[ "$rc" -eq "$want" ] && grep -q -- "$text" "$out/err.txt"
}

t "bad benchmark name exits 2" exit_is 2 "bad benchmark 'xx'" "$SER" xx
t "missing benchmark exits 2" exit_is 2 "missing BENCH" "$SER"
t "bad class exits 2" exit_is 2 "bad --class 'Q'" "$SER" ep --class Q
t "lower-case class exits 2" exit_is 2 "bad --class 'a'" "$SER" ep --class a
t "IS class D (needs 64-bit keys) exits 2" exit_is 2 "supports SWABC" \
	"$SER" is --class D
t "serial build refuses 2 threads" exit_is 2 "bad --threads '2'" \
	"$SER" ep --threads 2
t "unknown option exits 2" exit_is 2 "unknown option '--fast'" \
	"$SER" ep --fast
t "bad --isa exits 2 naming it and the choices" \
	exit_is 2 "bad --isa 'sse9': expected auto, base or avx2" \
	"$SER" ep --isa sse9
[ "$auto" = base ] && t "--isa avx2 on a CPU without it exits 2" \
	exit_is 2 "bad --isa 'avx2': this CPU has no AVX2" "$SER" ep --isa avx2
if [ -x "$OMP" ]; then
	t "0 threads exits 2" exit_is 2 "bad --threads '0'" "$OMP" ep --threads 0
	t "non-numeric threads exits 2" exit_is 2 "bad --threads 'two'" \
		"$OMP" ep --threads two
	t "too many threads exits 2" exit_is 2 "bad --threads '257'" \
		"$OMP" ep --threads 257
fi
avail_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
if [ "${avail_kib:-0}" -lt $((60 * 1024 * 1024)) ]; then
	t "FT class D (about 64 GiB) refused with the amount needed" \
		exit_is 2 "ft class D needs" "$SER" ft --class D
else
	echo "# more than 60 GiB available: memory refusal not tested"
fi
# The dt check and the LU surface integral are part of the verification.
lu_checks() {
	"$SER" lu --class S --json >"$out/lu.txt" 2>&1 &&
		grep -q '^Check dt\[0\] = 5.0000000000000e-01 .* ok$' "$out/lu.txt" &&
		grep -q '^Check xci\[0\] = .* ok$' "$out/lu.txt" &&
		[ "$(grep -c '^Check xc[re]\[[1-5]\] = .* ok$' "$out/lu.txt")" -eq 10 ] &&
		grep -q '"name":"xci"' "$out/lu.txt"
}
t "lu class S checks dt, 5 xcr, 5 xce and xci" lu_checks
bt_checks() {
	"$SER" bt --class S >"$out/bt.txt" 2>&1 &&
		[ "$(grep -c '^Check .* ok$' "$out/bt.txt")" -eq 11 ]
}
t "bt class S checks dt, 5 xcr and 5 xce" bt_checks
help_ok() {
	"$SER" --help >"$out/help.txt" 2>&1 &&
		grep -q '^usage: hpcvirt-npb BENCH' "$out/help.txt"
}
t "--help exits 0 and prints the usage" help_ok

echo "1..$n"
[ "$fails" -eq 0 ]
