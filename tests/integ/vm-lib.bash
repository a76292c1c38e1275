# tests/integ/vm-lib.bash - shared by vm-uml.sh and vm-tcg.sh: start a
# study in the background and wait until its guest's agent is up, and
# check that a crashed guest's cells failed with a reason about it.
# shellcheck shell=bash

# vm_start_bg ENV ARGS...: "timeout ... hpcvirt run --env ENV ARGS" in
# the background; sets VM_PID (the timeout process) and VM_HP (hpcvirt),
# and returns once the guest's console says the agent is ready (or
# after 30 s).
vm_start_bg() {
	local env=$1
	shift
	timeout -k 5 120 "$HV" run --env "$env" "$@" --quiet --no-progress \
		>"$T/out" 2>&1 &
	VM_PID=$!
	sleep 0.3
	VM_HP=$(pgrep -P $VM_PID -x hpcvirt)
	for _ in $(seq 1 300); do
		grep -qs HPCVIRT-AGENT-READY \
			/tmp/hpcvirt-run."$VM_HP".*/"$env".*/box.log && break
		sleep 0.1
	done
}

# vm_run_dirs: what is left of VM_HP's run directories.
vm_run_dirs() {
	ls -d /tmp/hpcvirt-run."$VM_HP".* 2>/dev/null || true
}

# vm_crash_reasons JSON: the failed cells say what became of the guest.
vm_crash_reasons() {
	python3 - "$1" <<'PY'
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
r = [c["reason"] or "" for c in cells if c["status"] == "failed"]
print("# reasons: %s" % [x[:160] for x in r])
sys.exit(0 if r and any("guest" in x for x in r) else 1)
PY
}

# vm_sigint ENV: SIGINT a study of ENV once its guest is up; the study
# must end with a failure status, not by the timeout. Callers then check
# for leftovers (their own process pattern, vm_run_dirs).
vm_sigint() {
	local rc
	vm_start_bg "$1" --bench net.rr --sizes 1 --duration 1 --reps 20 \
		--warmup 0 --out "$T/i"
	sleep 1
	kill -INT $VM_PID
	wait $VM_PID
	rc=$?
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]
	ok $? "SIGINT ends the study (exit $rc)"
	sleep 0.5
}
