#!/usr/bin/env bash
# User-Mode Linux boxes (issue 6): a study of uml against native runs a
# kernel inside the guest (NPB EP, verified by the kernel itself) and the
# net bench over the vec0/tap port; the guest image hash is recorded.
# Faults: a guest that crashes mid-run fails its cells with the panic in
# the reason; SIGINT mid-study leaves no linux.uml process, tap or run
# directory behind; a missing linux.uml makes uml unavailable with the
# reason (hpcvirt list, and run goes on without it). --link-rate shapes
# the tap port both ways, as it does a container's veth.
set -u
. tests/lib.sh
. tests/integ/vm-lib.bash
[ "$(id -u)" -eq 0 ] || skip_all "needs root"
[ -x "$HV" ] || skip_all "hpcvirt not built"
line=$("$HV" list | grep "^  uml ")
echo "$line" | grep -q "available " || skip_all "uml: ${line#*not available: }"

expect_exit 0 "native,uml x npb.ep (class S), net.rr" -- \
	"$HV" run --env native,uml --bench npb.ep,net.rr --class S \
	--variant ser --sizes 1 --duration 0.3 --reps 2 --warmup 0 \
	--out "$T/s" --json "$T/s.json" --quiet --no-progress
python3 - "$T/s.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
uml = [c for c in d["cells"] if c["env"] == "uml"]
bad = [(c["bench"], c["reason"]) for c in uml if c["status"] != "ok"]
cfg = d["context"]["envs"]["uml"]["config"]
print("# uml cells %d, failed %s, image %s" % (len(uml), bad, cfg.get("image")))
ok = (uml and not bad and all(c["ratio_ci95"] is not None for c in uml)
      and len(cfg.get("image", "")) == 64 and cfg["disk"].startswith("ubd0")
      and cfg.get("version", "unknown") != "unknown")
sys.exit(0 if ok else 1)
PY
ok $? "every uml cell ran with a ratio to native; image hash and version recorded"
[ -z "$(pgrep -f linux.uml)" ]
ok $? "no linux.uml process left after a normal run"

# A guest that panics mid-run (fault injection: /init panics the guest).
HPCVIRT_VM_CRASH_AFTER=4 timeout -k 5 120 "$HV" run --env uml \
	--bench net.rr --sizes 1 --duration 2 --reps 3 --warmup 0 \
	--out "$T/c" --json "$T/c.json" --quiet --no-progress >"$T/out" 2>&1
rc=$?
[ "$rc" -eq 1 ]
ok $? "a crashing guest fails the study's cell (exit $rc, want 1)"
vm_crash_reasons "$T/c.json"
ok $? "the failed cell's reason says what became of the guest"
pgrep -f "linux.uml" >/dev/null
ok $((!$?)) "no linux.uml process left after the crash"

# SIGINT mid-study, once the guest is up.
vm_sigint uml
[ -n "$VM_HP" ] && [ -z "$(pgrep -f linux.uml)" ] && [ -z "$(vm_run_dirs)" ]
ok $? "no linux.uml process or run directory left after SIGINT"

# SIGKILL mid-study: hpcvirt cannot clean up, and UML's host processes
# (one per guest address space) do not die with their parent. They sit
# in the box's cgroup, so "hpcvirt clean" kills them and removes the rest.
vm_start_bg uml --bench net.rr --sizes 1 --duration 1 --reps 20 \
	--warmup 0 --out "$T/k"
kill -KILL "$VM_HP"
wait $VM_PID
sleep 0.5
n=$(pgrep -fc "linux.uml")
echo "# linux.uml processes right after SIGKILL: $n"
"$HV" clean >"$T/clean" 2>&1
rc=$?
sed 's/^/# /' "$T/clean"
[ $rc -eq 0 ] && grep -q "^removed 1 stale run" "$T/clean"
ok $? "hpcvirt clean removes the killed run (exit $rc)"
for _ in $(seq 1 20); do pgrep -f linux.uml >/dev/null || break; sleep 0.1; done
[ -n "$VM_HP" ] && [ -z "$(pgrep -f linux.uml)" ] && [ -z "$(vm_run_dirs)" ]
ok $? "no linux.uml process or run directory left after SIGKILL and clean"
[ -z "$(find /sys/fs/cgroup -maxdepth 8 -type d -name "hpcvirt-$VM_HP-*" 2>/dev/null)" ]
ok $? "no cgroup of the killed run left"

# A missing program: unavailable with the reason, and the study goes on.
HPCVIRT_UML=/nonexistent/linux.uml "$HV" list >"$T/l" 2>&1
grep -q "^  uml .*not available: HPCVIRT_UML=/nonexistent/linux.uml is not an executable" "$T/l"
ok $? "hpcvirt list: uml unavailable, naming the missing linux.uml"
HPCVIRT_UML=/nonexistent/linux.uml expect_exit 0 "run without linux.uml" -- \
	"$HV" run --env native,uml --bench net.rr --sizes 1 --duration 0.2 \
	--reps 2 --warmup 0 --out "$T/m" --quiet --no-progress
stderr_has "skipping uml: not available: HPCVIRT_UML=" \
	"run says why uml is skipped and measures native"

# Interconnect emulation on the tap: 50 Mbit/s is 6.25 MB/s of line rate.
expect_exit 0 "uml net.stream with --link-rate 50Mbit" -- \
	"$HV" run --env uml --bench net.stream --duration 0.5 \
	--link-rate 50Mbit --reps 2 --warmup 0 --out "$T/r" --quiet \
	--json "$T/r.json" --no-progress
python3 - "$T/r.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["cells"][0]
port = d["context"]["envs"]["uml"]["config"]["net_port"]
print("# uml stream at 50 Mbit/s: %s bytes/s; port: %s" % (c["samples"], port))
sys.exit(0 if all(4e6 < s < 6.8e6 for s in c["samples"]) and "hvsa" in port
         else 1)
PY
ok $? "the tap's bandwidth is capped at the link rate"
[ -z "$(pgrep -f linux.uml)" ]
ok $? "no linux.uml process left after the shaped run"
finish
