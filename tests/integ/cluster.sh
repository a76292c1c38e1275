#!/usr/bin/env bash
# The virtual cluster (issue 15): --nodes 1,2 runs NPB-MPI CG class
# S as one MPI job across 2 boxes of each env: native (hpcvirt's network
# namespaces), ns, and, where this host has them, uml and tcg (whose
# guest image then carries Open MPI). Each cell verifies; in each 2-node
# repetition the ranks themselves report 2 different boxes (host name
# and network namespace); the speedup is against the same env at 1 node;
# bad input exits 2 naming the value and what is valid.
set -u
. tests/lib.sh
[ "$(id -u)" -eq 0 ] || skip_all "needs root"
[ -x "$HV" ] || skip_all "hpcvirt not built"
[ -x "$BIN/hpcvirt-npb-mpi" ] || skip_all "hpcvirt-npb-mpi not built (no mpicc)"
command -v mpirun >/dev/null || skip_all "no mpirun (openmpi-bin)"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"

envs=native,ns
for e in uml tcg; do
	line=$("$HV" list | grep "^  $e ")
	if echo "$line" | grep -q "available "; then
		envs=$envs,$e
	else
		echo "# $e left out: ${line#*not available: }"
	fi
done
n=$(echo "$envs" | tr ',' '\n' | wc -l)

"$HV" run --env "$envs" --bench npb.cg --variant mpi \
	--nodes 1,2 --class S --reps 2 --warmup 0 --out "$T/s" \
	--json "$T/s.json" --quiet --no-progress >"$T/run.out" 2>&1
ok $? "$envs x npb.cg x --nodes 1,2 runs ($(tail -1 "$T/run.out"))"

python3 - "$T/s.json" "$n" <<'PY'
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
n = int(sys.argv[2])
bad = [(c["env"], c["bench"], c["params"], c["reason"]) for c in cells
       if c["status"] != "ok"]
two = [c for c in cells if c["params"].get("nodes") == 2]
print("# %d cells, %d at 2 nodes, not ok: %s" % (len(cells), len(two), bad))
sv = {c["speedup_vs"] for c in two}
print("# speedup of the 2-node cells against: %s" % sv)
ok = (not bad and len(cells) == 4 * n and len(two) == 2 * n
      and all(c["params"]["ranks"] == 2 and c["params"]["ranks_per_node"] == 1
              for c in two)
      and sv == {"nodes=1"} and all(c["speedup"] for c in two))
sys.exit(0 if ok else 1)
PY
ok $? "every cell verified; 2-node cells have 2 ranks and a speedup vs nodes=1"

# Each 2-node repetition: the ranks say where they ran.
sqlite3 "$T/s/study.db" "SELECT c.env, c.bench, s.rep,
	json_extract(s.raw, '$.result.ranks_at') FROM sample s JOIN cell c
	ON c.id = s.cell_id WHERE s.raw IS NOT NULL AND c.metric = 'time_s'
	AND json_extract(c.params, '$.nodes') = '2'" >"$T/place"
sed 's/^/# /' "$T/place"
python3 - "$T/place" "$n" <<'PY'
import json, sys
rows = [l.rstrip("\n").split("|", 3) for l in open(sys.argv[1])]
def apart(at):
    at = json.loads(at)
    return len(at) == 2 and len({(r["host"], r["netns"]) for r in at}) == 2
good = [r for r in rows if apart(r[3])]
envs = {r[0] for r in good}
print("# %d of %d repetitions in two boxes; envs %s" % (len(good), len(rows),
                                                       sorted(envs)))
sys.exit(0 if rows and len(good) == len(rows) == 2 * int(sys.argv[2])
         and len(envs) == int(sys.argv[2]) else 1)
PY
ok $? "in every 2-node repetition of every env, rank 0 and rank 1 ran in two boxes"

expect_exit 2 "--nodes 0" -- "$HV" run --env native --bench npb.ep \
	--variant mpi --nodes 0
stderr_has "bad --nodes '0': expected a whole number from 1 to 64" \
	"it names the value and the range"
expect_exit 2 "--nodes 3 for BT" -- "$HV" run --env native --bench npb.bt \
	--variant mpi --nodes 3
stderr_has "npb.bt needs a square number (1, 4, 9" "it names BT's rule"
expect_exit 2 "--ranks-per-node 0" -- "$HV" run --env native \
	--bench npb.ep --variant mpi --nodes 2 --ranks-per-node 0
stderr_has "bad --ranks-per-node '0'" "it names the value"
expect_exit 2 "--nodes without --variant mpi" -- "$HV" run --env native \
	--bench npb.ep --nodes 2
stderr_has "it needs --variant mpi" "it says what --nodes needs"
expect_exit 2 "--nodes with --ranks" -- "$HV" run --env native \
	--bench npb.ep --variant mpi --nodes 2 --ranks 2
stderr_has "with --nodes give --ranks-per-node" "it says which goes with it"
finish
