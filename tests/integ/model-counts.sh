#!/usr/bin/env bash
# The message counts of the communication model (issue 15): for EP, CG,
# BT and SP at several rank counts, what `hpcvirt model --counts` says
# the busiest rank sends equals what the kernel's PMPI layer measured in
# a real run (its "comm"), kind by kind, calls and bytes. One case is
# also checked against a calculation by hand. Bad input exits 2.
set -u
. tests/lib.sh
[ -x "$HV" ] || skip_all "hpcvirt not built"
[ -x "$BIN/hpcvirt-npb-mpi" ] || skip_all "hpcvirt-npb-mpi not built (no mpicc)"
command -v mpirun >/dev/null || skip_all "no mpirun (openmpi-bin)"

for spec in "ep 1" "ep 4" "cg 1" "cg 2" "cg 4" "cg 8" "bt 1" "bt 4" \
	"sp 1" "sp 4"; do
	set -- $spec
	"$BIN/hpcvirt-mpirun" --np "$2" hpcvirt-npb-mpi "$1" --class S \
		--json >"$T/run" 2>"$T/err"
	rc=$?
	"$HV" model --counts "$1" --class S --ranks "$2" >"$T/model"
	python3 - "$T/run" "$T/model" "$rc" <<'PY'
import json, sys
line = [l for l in open(sys.argv[1]) if l.startswith("HPCVIRT-RESULT ")]
run = json.loads(line[0].split(" ", 1)[1]) if line else {}
model = json.load(open(sys.argv[2]))["comm"]
print("# measured %s\n# model    %s" % (run.get("comm"), model))
sys.exit(0 if sys.argv[3] == "0" and run.get("verified")
         and run.get("comm") == model else 1)
PY
	ok $? "$1 class S on $2 ranks: the model's counts are the measured ones"
done

# By hand: CG class S (na 1400, 15 iterations) on 4 ranks. Each
# iteration: 1 + 25*2 + 1 Allreduces (51 of one double, one of three)
# and 1 + 25 + 1 Allgathervs of the rank's 350 rows.
"$HV" model --counts cg --class S --ranks 4 >"$T/cg"
grep -q '"allreduce":{"calls":780,"bytes":6480}' "$T/cg" &&
	grep -q '"allgatherv":{"calls":405,"bytes":1134000}' "$T/cg"
ok $? "CG S on 4 ranks: 15*52 = 780 Allreduces of 15*(51*8+24) = 6480 B, 15*27 = 405 Allgathervs of 405*350*8 = 1134000 B"

expect_exit 2 "--counts with an unknown bench" -- "$HV" model --counts xx \
	--class S --ranks 4
stderr_has "bad --counts 'xx': expected ep, cg, bt or sp" "it names the benches"
expect_exit 2 "--counts bt on 8 ranks" -- "$HV" model --counts bt \
	--class W --ranks 8
stderr_has "does not run on 8 ranks (it takes a square number, at most 11)" \
	"it names BT's rule and limit"
expect_exit 2 "--counts without --ranks" -- "$HV" model --counts cg --class S
stderr_has "--counts needs --class and --ranks" "it says what is missing"
expect_exit 2 "--class Q" -- "$HV" model --counts cg --class Q --ranks 2
stderr_has "bad --class 'Q': expected S, W, A, B or C" "it names the classes"
finish
