#!/usr/bin/env bash
# Real clusters (issue 20): a Slurm cluster from Debian's packages on this
# machine (scripts/slurm-cluster.sh: slurmctld, munged and two slurmd, each
# node in a network and UTS namespace of its own on a private bridge), and
# `hpcvirt run --launcher slurm` inside an allocation of both nodes:
#
#   - outside an allocation, and with more --nodes than hosts, it exits 2
#     saying what to do;
#   - npb.ep and npb.cg (class S, serial per host and MPI over both
#     nodes) and net.rr from each node to the other run in native and ns,
#     every cell in the one study.db with its host; the MPI ranks report
#     the two nodes; each net.rr client reached the other node's address;
#     ns leaves out what spans hosts, and says so;
#   - a node's job step killed mid-study (scancel) fails only the cells
#     that were running there, with the host and srun's word, and every
#     repetition logged as stored is in study.db;
#   - docs/hpcvirt.sbatch runs the same way as a batch job;
#   - the study's own process SIGKILLed: the nodes' processes end with
#     their steps, `hpcvirt clean` removes what they left, and
#     `--resume` in a new allocation finishes the study;
#   - nothing is left: no hpcvirt or srun process, no run directory, and
#     the cluster's daemons and namespaces go with `slurm-cluster.sh down`.
set -u
. tests/lib.sh
[ "$(id -u)" -eq 0 ] || skip_all "needs root"
[ -x "$HV" ] || skip_all "hpcvirt not built"
for p in slurmctld slurmd munged srun salloc scontrol squeue scancel; do
	command -v "$p" >/dev/null || [ -x "/usr/sbin/$p" ] ||
		skip_all "no $p (Debian's slurmctld, slurmd, slurm-client and munge)"
done
[ -x "$BIN/hpcvirt-npb-mpi" ] || skip_all "hpcvirt-npb-mpi not built (no mpicc)"
command -v mpirun >/dev/null || skip_all "no mpirun (openmpi-bin)"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"

SC=$PWD/scripts/slurm-cluster.sh
C=$T/cluster
# A /24 of its own, so that a cluster another test left cannot clash.
export SLURM_CLUSTER_NET=10.213.$((RANDOM % 200 + 20))
trap '"$SC" down "$C" >/dev/null 2>&1; rm -rf "$T"' EXIT

"$SC" up "$C" 2 >"$T/up.out" 2>&1
rc=$?
ok $rc "slurmctld, munged and two slurmd start ($(tail -1 "$T/up.out"))"
if [ $rc -ne 0 ]; then
	sed 's/^/#   /' "$T/up.out" | tail -20
	finish
	exit
fi
"$SC" run "$C" scontrol -o show node >"$T/nodes"
grep -o 'NodeName=[^ ]*\|NodeAddr=[^ ]*\|State=[^ ]*' "$T/nodes" |
	paste -d' ' - - - | sed 's/^/# /'
[ "$(grep -c 'State=IDLE' "$T/nodes")" -eq 2 ] &&
	[ "$(grep -o 'NodeAddr=[^ ]*' "$T/nodes" | sort -u | wc -l)" -eq 2 ]
ok $? "Slurm sees two idle nodes with two addresses"

# 1. Bad input.
expect_exit 2 "--launcher slurm outside an allocation" -- \
	env -u SLURM_JOB_ID -u SLURM_JOB_NODELIST \
	"$HV" run --launcher slurm --env native --bench npb.ep --class S
stderr_has "run it under 'salloc -N 2' or in an sbatch script" \
	"it says how to get an allocation"
expect_exit 2 "--launcher mpi" -- "$HV" run --launcher mpi --env native
stderr_has "bad --launcher 'mpi': expected local or slurm" \
	"it names the value and the choices"
expect_exit 2 "--nodes 4 on 2 hosts" -- "$SC" run "$C" salloc -N2 -Q \
	"$HV" run --launcher slurm --env native --bench npb.ep --class S \
	--variant mpi --nodes 4
stderr_has "--nodes 4: the allocation has 2 hosts" \
	"it names --nodes and the allocation's size"
expect_exit 2 "--link with --launcher slurm" -- "$SC" run "$C" salloc -N2 -Q \
	"$HV" run --launcher slurm --env native --bench net.rr --link gige
stderr_has "--link with --launcher slurm" "it names the option"

# 2. A small study across both nodes: MPI at 1 node runs on each host,
# at 2 nodes over both.
timeout -k 10 600 "$SC" run "$C" salloc -N2 -Q "$HV" run --launcher slurm \
	--env native,ns,ns-routed --bench npb.ep,npb.cg,net.rr --variant mpi \
	--nodes 1,2 --class S --sizes 1 --duration 0.3 --reps 2 --warmup 0 \
	--out "$T/s" --json "$T/s.json" --quiet --no-progress >"$T/run.out" 2>&1
rc=$?
ok $rc "native,ns,ns-routed x npb.ep,npb.cg,net.rr runs through salloc -N2 ($(tail -1 "$T/run.out"))"
[ $rc -eq 0 ] || sed 's/^/#   /' "$T/run.out" | tail -20

python3 - "$T/s.json" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
cells = st["cells"]
bad = [(c["env"], c["bench"], c["params"], c["reason"]) for c in cells
       if c["status"] != "ok"]
def hosts(env, bench, **kw):
    return sorted(c["params"].get("host") for c in cells
                  if c["env"] == env and c["bench"] == bench
                  and all(str(c["params"].get(k)) == str(v)
                          for k, v in kw.items()))
got = {
    "native ep 1": hosts("native", "npb.ep", nodes=1),
    "native cg mpi 1": hosts("native", "npb.cg", variant="mpi", nodes=1),
    "native cg mpi 2": hosts("native", "npb.cg", variant="mpi", nodes=2),
    "ns ep 1": hosts("ns", "npb.ep", nodes=1),
    "ns cg mpi 2": hosts("ns", "npb.cg", variant="mpi", nodes=2),
    "native rr": hosts("native", "net.rr"),
    "ns rr": hosts("ns", "net.rr"),
    "ns-routed cg mpi 1": hosts("ns-routed", "npb.cg", nodes=1),
    "ns-routed cg mpi 2": hosts("ns-routed", "npb.cg", nodes=2),
    "ns-routed rr": hosts("ns-routed", "net.rr"),
}
for k, v in got.items():
    print("# %-16s %s" % (k, sorted(set(v))))
want = {
    "native ep 1": ["n1", "n2"], "native cg mpi 1": ["n1", "n2"],
    "native cg mpi 2": ["n1+n2"], "ns ep 1": ["n1", "n2"],
    "ns cg mpi 2": ["n1+n2"], "native rr": ["n1>n2", "n2>n1"],
    "ns rr": ["n1>n2", "n2>n1"],
    "ns-routed cg mpi 1": ["n1", "n2"], "ns-routed cg mpi 2": ["n1+n2"],
    "ns-routed rr": ["n1>n2", "n2>n1"],
}
jobs = [c for c in cells if c["params"].get("nodes") == 2]
print("# not ok: %s; speedups of the 2-node jobs: %s" % (
    bad, [c["speedup"] for c in jobs]))
sys.exit(0 if not bad and all(sorted(set(got[k])) == want[k] for k in want)
         and jobs and all(c["speedup"] for c in jobs) else 1)
PY
ok $? "every cell verified, each with its host; MPI over n1+n2 with its speedup and net.rr each way, native, ns and ns-routed"

python3 - "$T/s.json" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
ctx = st["context"]
get = lambda k: json.loads(ctx[k]) if isinstance(ctx.get(k), str) else ctx.get(k)
red = get("reduced") or []
lau = get("launcher") or {}
info = get("host_info") or {}
print("# launcher: %s" % lau)
print("# host_info: %s" % {h: (v.get("host"), v.get("kernel"))
                           for h, v in info.items()})
across = [r for r in red if r.get("across_hosts")]
print("# left out across hosts: %d sets" % len(across))
ns_info = (get("envs") or {}).get("ns", {}).get("hosts", {})
labs = {h: v.get("config", {}).get("lab", "") for h, v in ns_info.items()}
print("# ns labs: %s" % labs)
sys.exit(0 if lau.get("name") == "slurm"
         and [h["name"] for h in lau.get("hosts", [])] == ["n1", "n2"]
         and sorted(info) == ["n1", "n2"]
         and all(info[h].get("host") == h for h in info)
         and not across and sorted(labs) == ["n1", "n2"]
         and all(v.startswith("across hosts: ") and "VXLAN id" in v
                 and "MTU 1450" in v for v in labs.values())
         else 1)
PY
ok $? "the context records the allocation, each host's provenance, each ns box's lab across hosts; no set left out"

# Where the ranks ran and where each net.rr client connected.
sqlite3 "$T/s/study.db" "SELECT c.env, json_extract(s.raw, '$.result.ranks_at'),
	json_extract(s.raw, '$.placement') FROM sample s JOIN cell c
	ON c.id = s.cell_id WHERE c.metric = 'time_s'
	AND json_extract(c.params, '$.nodes') = '2'" >"$T/place"
sed 's/^/# /' "$T/place"
python3 - "$T/place" <<'PY'
import json, sys
rows = [l.rstrip("\n").split("|", 2) for l in open(sys.argv[1]) if l.strip()]
def ok(env, at, place):
    at = json.loads(at)
    hosts = sorted(x["host"] for x in at)
    if len({x["netns"] for x in at}) != 2:
        return False
    if env == "native":
        return hosts == ["n1", "n2"]
    # In ns(-routed) boxes: two boxes (host names of their own). mpirun ran in the
    # first (n1's) and names it by its host name; it started rank 1 in
    # n2's box at that box's address on the lab across hosts, .12.
    nodes = json.loads(place or "{}")
    return (len(set(hosts)) == 2 and all(h.startswith("hv-ns-") for h in hosts)
            and len(nodes) == 2
            and sorted(r for v in nodes.values() for r in v) == [0, 1]
            and any(k in hosts for k in nodes)
            and any(k.endswith(".12") for k in nodes))
good = [r for r in rows if ok(*r)]
envs = sorted(r[0] for r in rows)
sys.exit(0 if envs == ["native"] * 4 + ["ns"] * 4 + ["ns-routed"] * 4
         and len(good) == 12 else 1)
PY
ok $? "in each 2-node repetition the ranks ran on n1 and n2: natively, or in a box of ns or ns-routed on each over the lab across hosts"
addr() { grep -o "NodeName=$1 .*" "$T/nodes" | grep -o 'NodeAddr=[^ ]*' | cut -d= -f2; }
sqlite3 "$T/s/study.db" "SELECT DISTINCT c.env || ' ' ||
	json_extract(c.params, '$.host') || ' ' ||
	json_extract(s.raw, '$.result.peer') FROM sample s JOIN cell c
	ON c.id = s.cell_id WHERE c.bench = 'net.rr' AND s.raw IS NOT NULL" |
	sed 's/:[0-9]*$//' | sort -u >"$T/peers"
sed 's/^/# /' "$T/peers"
grep -qx "native n1>n2 $(addr n2)" "$T/peers" &&
	grep -qx "native n2>n1 $(addr n1)" "$T/peers" &&
	grep -qx "ns n1>n2 [0-9.]*\.12" "$T/peers" &&
	grep -qx "ns n2>n1 [0-9.]*\.11" "$T/peers" &&
	grep -qx "ns-routed n1>n2 [0-9.]*\.12" "$T/peers" &&
	grep -qx "ns-routed n2>n1 [0-9.]*\.11" "$T/peers" &&
	[ "$(wc -l <"$T/peers")" -eq 6 ]
ok $? "each net.rr client reached the other node: natively its address, from a box the env's box there on the lab across hosts (ns bridged, ns-routed by proxy ARP)"

# A container runtime's boxes over the lab across hosts too (bwrap: it
# passes no environment of its own, so SLURM_* must not reach mpirun).
timeout -k 10 300 "$SC" run "$C" salloc -N2 -Q "$HV" run --launcher slurm \
	--env native,bwrap --bench npb.cg --variant mpi --nodes 2 --class S \
	--reps 2 --warmup 0 --out "$T/r" --quiet --no-progress >"$T/r.out" 2>&1
rc=$?
sqlite3 "$T/r/study.db" "SELECT c.env || ' ' || c.status || ' ' ||
	coalesce(json_extract(s.raw, '$.placement'), '') FROM cell c
	LEFT JOIN sample s ON s.cell_id = c.id WHERE c.metric = 'time_s'" \
	>"$T/rc" 2>&1
sed 's/^/# /' "$T/rc"
[ $rc -eq 0 ] && grep -q '^bwrap ok {.*"[0-9.]*\.12":\[1\]}$' "$T/rc"
ok $? "bwrap boxes on n1 and n2 run an MPI job over the lab across hosts"
[ $rc -eq 0 ] || sed 's/^/#   /' "$T/r.out" | tail -5

# An allocation of one host: a box's net peer has no other host to be
# on, and the set is left out, saying why; native runs it.
timeout -k 10 300 "$SC" run "$C" salloc -N1 -Q "$HV" run --launcher slurm \
	--env native,ns --bench net.rr --sizes 1 --duration 0.3 --reps 2 \
	--warmup 0 --out "$T/one" --quiet --no-progress >"$T/one.out" 2>&1
rc=$?
"$HV" report "$T/one" >"$T/one.txt" 2>&1
grep '^reduced:' "$T/one.txt" | sed 's/^/# /'
[ $rc -eq 0 ] && grep -q "^reduced: ns left out net.rr .*host=n1>n1: its peer would be in the same box: an allocation of one host has no other" "$T/one.txt" &&
	grep -A2 'half_rtt_p50_ns' "$T/one.txt" | grep -q '^  native '
ok $? "one host: ns leaves out net.rr n1>n1 with the reason, native runs it (exit $rc)"

# The nodes drop VXLAN (a site's firewall): the cells across hosts fail
# at once, each saying which box it could not reach and where to look.
prefix=$(sed -n 's/^prefix=//p' "$C/state")
if command -v nft >/dev/null; then
	fw=0
	for n in n1 n2; do
		printf 'table inet hvtest {\n chain input {\n  %s;\n  %s\n }\n}\n' \
			"type filter hook input priority 0" "udp dport 4789 drop" |
			nsenter --net=/run/netns/"$prefix-$n" nft -f - || fw=1
	done
	ok $fw "the nodes drop UDP port 4789 (nft, in their namespaces)"
	timeout -k 10 300 "$SC" run "$C" salloc -N2 -Q "$HV" run --launcher slurm \
		--env native,ns --bench npb.cg --variant mpi --nodes 2 --class S \
		--reps 2 --warmup 0 --out "$T/fw" --quiet --no-progress \
		>"$T/fw.out" 2>&1
	rc=$?
	for n in n1 n2; do
		nsenter --net=/run/netns/"$prefix-$n" nft delete table inet hvtest
	done
	sqlite3 "$T/fw/study.db" "SELECT env || ' ' || status || ': ' ||
		coalesce(reason, '') FROM cell WHERE metric = 'time_s'" >"$T/fwc"
	sed 's/^/# /' "$T/fwc"
	[ $rc -eq 1 ] && grep -q '^native ok' "$T/fwc" &&
		grep -q '^ns failed: .*hpcvirt-rsh: .*10\.201\.[0-9]*\.12:7100: .*UDP port 4789 between the nodes' "$T/fwc"
	ok $? "with UDP 4789 dropped, ns MPI over n1+n2 fails naming n2's box and the VXLAN port; native's runs (exit $rc)"
else
	ok 0 "a blocked lab across hosts # SKIP no nft"
fi

# UML boxes (paravirtualization) over the lab across hosts: the guests
# take its MTU, mpirun runs in n1's guest and reaches n2's guest's agent,
# and net.rr runs guest to guest.
line=$("$HV" list | grep "^  uml ")
if echo "$line" | grep -q "available "; then
	timeout -k 10 600 "$SC" run "$C" salloc -N2 -Q "$HV" run \
		--launcher slurm --env native,uml --bench npb.cg,net.rr \
		--variant mpi --nodes 2 --class S --sizes 1 --duration 0.3 \
		--reps 2 --warmup 0 --out "$T/u" --json "$T/u.json" --quiet \
		--no-progress >"$T/u.out" 2>&1
	rc=$?
	python3 - "$T/u.json" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
cells = [c for c in st["cells"] if c["env"] == "uml"]
for c in cells:
    print("# uml %s %s %s %s" % (c["bench"], c["params"].get("host"),
                                c["status"], c.get("reason") or ""))
ctx = st["context"]["envs"]
envs = (json.loads(ctx) if isinstance(ctx, str) else ctx)["uml"]["hosts"]
labs = {h: v.get("config", {}).get("lab", "") for h, v in envs.items()}
print("# uml labs: %s" % labs)
hosts = sorted({c["params"].get("host") for c in cells})
sys.exit(0 if cells and all(c["status"] == "ok" for c in cells)
         and hosts == ["n1+n2", "n1>n2", "n2>n1"]
         and all("MTU 1450" in v for v in labs.values()) else 1)
PY
	ok $? "uml guests on n1 and n2 run npb.cg over both and net.rr each way (exit $rc)"
	[ $rc -eq 0 ] || sed 's/^/#   /' "$T/u.out" | tail -5
else
	ok 0 "uml over the lab across hosts # SKIP ${line#*not available: }"
fi

# 3. A node's job step killed mid-study.
timeout -k 10 600 "$SC" run "$C" salloc -N2 -Q "$HV" run --launcher slurm \
	--env native --bench npb.ep,npb.cg --variant ser --class S --reps 8 \
	--warmup 0 --out "$T/k" --log "$T/k.log" --quiet --no-progress \
	>"$T/k.out" 2>&1 &
study=$!
step=""
for _ in $(seq 300); do
	if grep -q 'stored .*host=n2' "$T/k.log" 2>/dev/null; then
		step=$("$SC" run "$C" squeue -s -h -o '%i %j %N' |
			awk '$2 == "hpcvirt-node" && $3 == "n2" {print $1; exit}')
		[ -n "$step" ] && break
	fi
	sleep 0.1
done
echo "# killing job step $step (hpcvirt node on n2)"
[ -n "$step" ] && "$SC" run "$C" scancel "$step"
ok $? "a repetition on n2 is stored, and its node's step is cancelled"
wait "$study"
rc=$?
[ "$rc" -eq 1 ]
ok $? "the study ends, with failed cells (exit $rc, want 1: $(tail -1 "$T/k.out"))"
sqlite3 "$T/k/study.db" "SELECT env, bench, json_extract(params, '$.host'),
	status, coalesce(reason, '') FROM cell WHERE metric = 'time_s'" >"$T/kc"
sed 's/^/# /' "$T/kc"
[ "$(grep -c '|ok|' "$T/kc")" -ge 2 ] &&
	! grep '|failed|' "$T/kc" | grep -qv '|n2|failed|host n2 lost: .*srun step ended' &&
	grep -q '|n2|failed|' "$T/kc" &&
	! grep -q '|n1|failed|' "$T/kc"
ok $? "only n2's running cells failed, naming the host and srun's word; n1's finished"
logged=$(grep -c ' stored ' "$T/k.log")
stored=$(sqlite3 "$T/k/study.db" "SELECT count(*) FROM sample s JOIN cell c
	ON c.id = s.cell_id WHERE c.metric = 'time_s'")
[ "$logged" -gt 0 ] && [ "$logged" -eq "$stored" ]
ok $? "every repetition logged as stored is in study.db ($logged logged, $stored stored)"

# 4. The sbatch template of docs/slurm.md, as a batch job: the script
# runs on n1, and the study is stored there.
HPCVIRT=$HV HPCVIRT_OUT=$T/b HPCVIRT_ARGS="--env native --bench npb.ep \
--class S --variant mpi --nodes 1,2 --reps 2 --warmup 0" \
	timeout -k 10 300 "$SC" run "$C" sbatch --wait -Q -N 2 --chdir="$T" \
	"$PWD/docs/hpcvirt.sbatch" >"$T/sb.out" 2>&1
rc=$?
ok $rc "docs/hpcvirt.sbatch runs as a batch job (sbatch --wait: exit $rc)"
[ $rc -eq 0 ] || cat "$T"/sb.out "$T"/hpcvirt-*.out 2>/dev/null | sed 's/^/#   /' | tail -20
sqlite3 "$T/b/study.db" "SELECT json_extract(params, '$.host') FROM cell
	WHERE metric = 'time_s' AND status = 'ok'" 2>/dev/null | sort >"$T/bc"
[ "$(tr '\n' ' ' <"$T/bc")" = "n1 n1+n2 n2 " ]
ok $? "its study has npb.ep on n1, on n2 and over n1+n2 ($(tr '\n' ' ' <"$T/bc"))"

# 5. The study's own process SIGKILLed: srun dies with it, Slurm ends
# the steps, and every hpcvirt node stops its box.
timeout -k 10 300 "$SC" run "$C" salloc -N2 -Q "$HV" run --launcher slurm \
	--env native,ns --bench npb.ep --variant ser --class S --reps 12 \
	--warmup 0 --out "$T/x" --log "$T/x.log" --quiet --no-progress \
	>/dev/null 2>&1 &
killed=1
for _ in $(seq 300); do
	if grep -q 'stored .*host=n2' "$T/x.log" 2>/dev/null; then
		pkill -KILL -f "^$HV run --launcher slurm .*$T/x" && killed=0
		break
	fi
	sleep 0.1
done
wait
ok $killed "the study is SIGKILLed after a repetition on n2 is stored"
for _ in $(seq 100); do
	pgrep -f "$HV node|$BIN/hpcvirt-agent" >/dev/null || break
	sleep 0.1
done
! pgrep -af "$HV node|$BIN/hpcvirt-agent"
ok $? "its nodes' hpcvirt node and agents end within 10 s"
"$HV" clean >"$T/clean.out" 2>&1
ok $? "hpcvirt clean removes what the killed processes left ($(cat "$T/clean.out"))"
expect_exit 2 "--resume in an allocation of other hosts" -- \
	"$SC" run "$C" salloc -N1 -w n2 -Q "$HV" run \
	--resume "$T/x" --quiet --no-progress
stderr_has "the study ran on hosts n1,n2, and this allocation has n2" \
	"it names both host lists (and says how to get the same hosts)"
timeout -k 10 300 "$SC" run "$C" salloc -N2 -Q "$HV" run --resume "$T/x" \
	--quiet --no-progress >"$T/xr.out" 2>&1
rc=$?
sqlite3 "$T/x/study.db" "SELECT count(*) FROM cell c WHERE c.metric = 'time_s'
	AND c.status = 'ok' AND (SELECT count(*) FROM sample s
	WHERE s.cell_id = c.id AND s.warmup = 0) = 12" >"$T/xr.n" 2>&1
[ $rc -eq 0 ] && [ "$(cat "$T/xr.n")" = 4 ]
ok $? "resumed in a new allocation, the study ends with its 4 cells of 12 samples ($(tail -1 "$T/xr.out"))"

# 6. Nothing left.
sleep 1
# Live processes only: a zombie srun of Open MPI's, reparented to init,
# holds nothing and is init's to reap.
left=$(ps -eo pid=,stat=,args= | awk '$2 !~ /^Z/' |
	grep -E "[h]pcvirt (node|run)|[h]pcvirt-agent|/[s]run |^ *[0-9]+ +[^ ]+ +[s]run " |
	grep -v awk || true)
[ -z "$left" ]
ok $? "no hpcvirt node, agent or srun process is left"
[ -z "$left" ] || echo "$left" | sed 's/^/#   /'
prefix=$(sed -n 's/^prefix=//p' "$C/state")
vx=""
for n in n1 n2; do
	vx+=$(ip -n "$prefix-$n" -d link show type vxlan 2>&1)
	vx+=$(nsenter --net=/run/netns/"$prefix-$n" ss -Hlun "sport = :4789")
done
[ -z "$vx" ] && ip netns list | grep -q "^$prefix-n2"
ok $? "no VXLAN link or UDP socket of the labs across hosts is left on the nodes"
[ -z "$vx" ] || echo "$vx" | sed 's/^/#   /'
"$SC" down "$C"
ok $? "the cluster stops"
[ -z "$(ip netns list | grep "^$prefix-")" ] &&
	[ -z "$(pgrep -af "$C" | grep -v pgrep)" ]
ok $? "its namespaces and daemons are gone"
finish
