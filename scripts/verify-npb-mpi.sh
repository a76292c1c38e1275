#!/bin/bash
# verify-npb-mpi.sh - the MPI verification sweep of issue 8: every NPB
# benchmark of hpcvirt-npb-mpi at classes S and W with every rank count
# up to 4 that NPB's rule accepts (EP any; IS, CG, MG, FT, LU powers of
# two; BT, SP squares), and class A at 1 rank and at 2 (4 for BT and SP),
# through hpcvirt-mpirun. Prints one line per run and a summary; exit 1
# if any run did not print "Verification = SUCCESSFUL", 77 if the MPI
# programs are not built. Takes a few minutes on 2 cores (class A BT is
# the longest, about 30 s a run).
#
#   scripts/verify-npb-mpi.sh [BUILD_DIR]     env: CLASSES="S W A"
set -u
bin=${1:-build}/bin
classes=${CLASSES:-S W A}
for p in hpcvirt-npb-mpi hpcvirt-mpirun; do
	if [ ! -x "$bin/$p" ]; then
		echo "verify-npb-mpi: $bin/$p not built; skipped" >&2
		exit 77
	fi
done

counts() { # bench class -> rank counts to verify
	case $2 in
	A) case $1 in bt | sp) echo 1 4 ;; *) echo 1 2 ;; esac ;;
	*) case $1 in
		ep) echo 1 2 3 4 ;;
		bt | sp) echo 1 4 ;;
		*) echo 1 2 4 ;;
		esac ;;
	esac
}

pass=0 fail=0
for c in $classes; do
	for b in ep is cg mg ft bt sp lu; do
		for n in $(counts "$b" "$c"); do
			t0=$(date +%s.%N)
			out=$("$bin/hpcvirt-mpirun" --np "$n" hpcvirt-npb-mpi \
				"$b" --class "$c" 2>&1)
			rc=$?
			t=$(awk -v a="$t0" -v b="$(date +%s.%N)" \
				'BEGIN {printf "%.1f", b - a}')
			if [ $rc -eq 0 ] &&
				grep -q "^Verification = SUCCESSFUL" <<<"$out"; then
				pass=$((pass + 1))
				echo "ok   $b $c ranks=$n (${t} s)"
			else
				fail=$((fail + 1))
				echo "FAIL $b $c ranks=$n (exit $rc)"
				tail -3 <<<"$out" | sed 's/^/     /'
			fi
		done
	done
done
echo "$pass verified, $fail failed"
[ "$fail" -eq 0 ]
