#!/usr/bin/env bash
# QEMU TCG boxes (issue 6): tcg (microvm, virtio-net) and tcg-e1000 (pc,
# emulated e1000) against native run a verified kernel inside the guest
# (NPB EP class S) and net.rr over the tap; kvm is reported unavailable
# with a reason; a guest that never comes up fails with a boot timeout;
# a guest killed from outside, a guest that crashes mid-run and SIGINT
# mid-study each fail (or end) with a reason; nothing (qemu process, run
# directory) is left behind; a missing qemu or guest kernel makes the
# VMs unavailable with the reason. TCG boots take seconds: few boots,
# tiny runs.
set -u
. tests/lib.sh
. tests/integ/vm-lib.bash
[ "$(id -u)" -eq 0 ] || skip_all "needs root"
[ -x "$HV" ] || skip_all "hpcvirt not built"
line=$("$HV" list | grep "^  tcg ")
echo "$line" | grep -q "available " || skip_all "tcg: ${line#*not available: }"
qemu_left() { pgrep -f "qemu-system-x86_64.*hvt" || true; }

"$HV" list | grep -qE "^  kvm  *(available|not available: .+)"
ok $? "hpcvirt list reports kvm with a reason when unavailable"

expect_exit 0 "native,tcg,tcg-e1000 x npb.ep (class S), net.rr" -- \
	"$HV" run --env native,tcg,tcg-e1000 --bench npb.ep,net.rr \
	--class S --variant ser --sizes 1 --duration 0.3 --reps 2 \
	--warmup 0 --out "$T/s" --json "$T/s.json" --quiet --no-progress
python3 - "$T/s.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
vm = [c for c in d["cells"] if c["env"] in ("tcg", "tcg-e1000")]
bad = [(c["env"], c["bench"], c["reason"]) for c in vm if c["status"] != "ok"]
envs = d["context"]["envs"]
nics = (envs["tcg"]["config"].get("nic"), envs["tcg-e1000"]["config"].get("nic"))
print("# vm cells %d, failed %s, nics %s" % (len(vm), bad, nics))
vers = [envs[e]["config"].get("version", "") for e in ("tcg", "tcg-e1000")]
print("# versions %s" % vers)
ok = (len(vm) >= 4 and not bad and nics == ("virtio-net-device", "e1000")
      and all(c["ratio_ci95"] is not None for c in vm)
      and all(v.startswith("QEMU emulator version") for v in vers))
sys.exit(0 if ok else 1)
PY
ok $? "every tcg and tcg-e1000 cell ran with a ratio; virtio and e1000 NICs"
[ -z "$(qemu_left)" ]
ok $? "no qemu process left after a normal run"

HPCVIRT_BOOT_TIMEOUT=1 timeout -k 5 60 "$HV" run --env tcg --bench net.rr \
	--sizes 1 --duration 0.2 --reps 2 --warmup 0 --out "$T/b" \
	--json "$T/b.json" --quiet --no-progress >"$T/out" 2>&1
rc=$?
grep -q "boot timeout" "$T/b.json" "$T/out"
ok $? "a guest that does not come up in time fails with a boot timeout (exit $rc)"
[ -z "$(qemu_left)" ]
ok $? "no qemu process left after the boot timeout"

# A guest killed from outside mid-study.
vm_start_bg tcg --bench net.rr --sizes 1 --duration 1 --reps 4 \
	--warmup 0 --out "$T/k" --json "$T/k.json"
sleep 1.5
pkill -KILL -f "qemu-system-x86_64.*hpcvirt-run.$VM_HP"
wait $VM_PID
rc=$?
grep -q "killed by signal 9" "$T/k.json"
ok $? "a guest killed from outside fails its cell with that reason (exit $rc)"
sleep 0.5
[ -z "$(qemu_left)" ] && [ -z "$(vm_run_dirs)" ]
ok $? "no qemu process or run directory left after the kill"

# A guest that panics mid-run (fault injection: /init panics the guest).
HPCVIRT_VM_CRASH_AFTER=4 timeout -k 5 120 "$HV" run --env tcg \
	--bench net.rr --sizes 1 --duration 2 --reps 3 --warmup 0 \
	--out "$T/c" --json "$T/c.json" --quiet --no-progress >"$T/out" 2>&1
rc=$?
vm_crash_reasons "$T/c.json"
ok $? "a crashing guest fails its cell, the reason says so (exit $rc)"
[ -z "$(qemu_left)" ]
ok $? "no qemu process left after the crash"

# SIGINT mid-study, once the guest is up.
vm_sigint tcg
[ -n "$VM_HP" ] && [ -z "$(qemu_left)" ] && [ -z "$(vm_run_dirs)" ]
ok $? "no qemu process or run directory left after SIGINT"

# Missing pieces: hpcvirt list says which, for every VM env.
HPCVIRT_QEMU=/nonexistent/qemu "$HV" list >"$T/l" 2>&1
n=$(grep -cE "^  (tcg|tcg-e1000) .*not available: HPCVIRT_QEMU=/nonexistent/qemu is not an executable" "$T/l")
[ "$n" -eq 2 ]
ok $? "hpcvirt list: tcg and tcg-e1000 unavailable, naming the missing qemu"
HPCVIRT_GUEST_KERNEL=/nonexistent/vmlinuz-0 "$HV" list >"$T/l" 2>&1
n=$(grep -cE "^  (uml|tcg|tcg-e1000) .*not available: guest kernel /nonexistent/vmlinuz-0" "$T/l")
[ "$n" -eq 3 ]
ok $? "hpcvirt list: uml and tcg unavailable, naming the missing guest kernel"
HPCVIRT_GUEST_KERNEL=/nonexistent/vmlinuz-0 expect_exit 0 \
	"run without a guest kernel" -- "$HV" run --env native,tcg \
	--bench net.rr --sizes 1 --duration 0.2 --reps 2 --warmup 0 \
	--out "$T/m" --quiet --no-progress
stderr_has "skipping tcg: not available: guest kernel /nonexistent/vmlinuz-0" \
	"run says why tcg is skipped and measures native"
finish
