#!/usr/bin/env bash
# The virtual cluster (issue 15) on the external container runtimes and
# on ns-routed: --nodes 1,2 runs NPB-MPI EP class S as one MPI job across
# 2 boxes of each of crun, runc, lxc, podman, nspawn and bwrap that this
# host has (each left out says why), and of ns-routed, whose nodes reach
# each other only through the lab's routing. Each cell verifies, and in
# each 2-node repetition the ranks themselves report 2 different boxes of
# that env (its host name, hv-ENV-N or hv-ns-XXXXXX, and a network
# namespace each); the speedup is against the same env at 1 node. One
# study of all of them: about 25 s here. tests/integ/cluster.sh does
# native, ns, uml and tcg.
set -u
. tests/lib.sh
[ "$(id -u)" -eq 0 ] || skip_all "needs root"
[ -x "$HV" ] || skip_all "hpcvirt not built"
[ -x "$BIN/hpcvirt-npb-mpi" ] || skip_all "hpcvirt-npb-mpi not built (no mpicc)"
command -v mpirun >/dev/null || skip_all "no mpirun (openmpi-bin)"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"

envs=
for e in crun runc lxc podman nspawn bwrap ns-routed; do
	line=$("$HV" list | grep "^  $e ")
	if echo "$line" | grep -q "available "; then
		envs=$envs${envs:+,}$e
	else
		echo "# $e left out: ${line#*not available: }"
	fi
done
[ -n "$envs" ] || skip_all "none of these container envs is available"
n=$(echo "$envs" | tr ',' '\n' | wc -l)

"$HV" run --env "$envs" --bench npb.ep --variant mpi --nodes 1,2 \
	--class S --reps 2 --warmup 0 --out "$T/s" --json "$T/s.json" \
	--quiet --no-progress >"$T/run.out" 2>&1
ok $? "$envs x npb.ep x --nodes 1,2 runs ($(tail -1 "$T/run.out"))"

python3 - "$T/s.json" "$envs" <<'PY'
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
envs = set(sys.argv[2].split(","))
bad = [(c["env"], c["params"], c["reason"]) for c in cells
       if c["status"] != "ok"]
two = [c for c in cells if c["params"].get("nodes") == 2]
print("# %d cells, %d at 2 nodes, not ok: %s" % (len(cells), len(two), bad))
ok = (not bad and len(cells) == 4 * len(envs) and len(two) == 2 * len(envs)
      and {c["env"] for c in cells} == envs
      and all(c["params"]["ranks"] == 2 and c["params"]["ranks_per_node"] == 1
              and c["speedup_vs"] == "nodes=1" and c["speedup"]
              for c in two))
sys.exit(0 if ok else 1)
PY
ok $? "every cell verified; 2-node cells have 2 ranks and a speedup vs nodes=1"

# Each 2-node repetition: where the ranks say they ran.
sqlite3 "$T/s/study.db" "SELECT c.env, s.rep,
	json_extract(s.raw, '$.result.ranks_at') FROM sample s JOIN cell c
	ON c.id = s.cell_id WHERE s.raw IS NOT NULL AND c.metric = 'time_s'
	AND json_extract(c.params, '$.nodes') = '2'" >"$T/place"
sed 's/^/# /' "$T/place"
python3 - "$T/place" "$n" <<'PY'
import json, sys
rows = [l.rstrip("\n").split("|", 2) for l in open(sys.argv[1])]
def apart(env, at):
    at = json.loads(at)
    env = "ns" if env == "ns-routed" else env
    return (len(at) == 2
            and len({(r["host"], r["netns"]) for r in at}) == 2
            and len({r["netns"] for r in at}) == 2
            and all(r["host"].startswith("hv-%s-" % env) for r in at))
good = [r for r in rows if apart(r[0], r[2])]
envs = {r[0] for r in good}
print("# %d of %d repetitions in two boxes of their env; envs %s"
      % (len(good), len(rows), sorted(envs)))
n = int(sys.argv[2])
sys.exit(0 if rows and len(good) == len(rows) == 2 * n and len(envs) == n
         else 1)
PY
ok $? "in every 2-node repetition, rank 0 and rank 1 ran in two boxes of the env"
finish
