#!/usr/bin/env bash
# Fault: a guest that hangs (issue 13). Once a UML box has stored a
# net.rr sample and its agent has started the next kernel (its console
# says so), every host process of the guest is stopped (SIGSTOP). The
# guest answers nothing any more, yet its process is alive: the host's
# connection to the agent (TCP keepalive, about 10 s) ends the wait long
# before the kernel's timeout, the cell fails saying the guest stopped
# answering, the box is killed and started afresh for its mem cells, and
# native runs everything. Nothing is left behind.
set -u
. tests/integ/fault-lib.bash
fault_need uml

t0=$SECONDS
fault_start "$T/s" --env native,uml --bench net.rr,mem --sizes 1 \
	--duration 0.2 --set mem_bytes=16MiB --reps 2 --warmup 0
wait_until 60 samples_at_least uml net.rr 1 &&
	wait_until 30 box_log_at_least uml "started 'hpcvirt-net'" 2
ok $? "the uml box stored a net.rr sample and started the next kernel"
pids=$(box_pids uml)
echo "# stopping the guest's host processes:" $pids
[ -n "$pids" ] && kill -STOP $pids
fault_wait
[ $((SECONDS - t0)) -lt 60 ]
ok $? "the study took $((SECONDS - t0)) s, not the kernel's 120 s timeout"
[ "$F_RC" -eq 1 ]
ok $? "the study ends with a failed cell (exit $F_RC, want 1)"
check_cells "$F_OUT.json" 1 uml net.rr \
	"^the guest is alive but stopped answering \(agent connection timed out: the box stopped acknowledging \(TCP keepalive\)\); console: "
ok $? "uml net.rr failed (the guest stopped answering), kept its sample; the rest ran"
check_report "FAILED: the guest is alive but stopped answering"
check_clean
[ -z "$(pgrep -f "hpcvirt-run.$F_HP")" ]
ok $? "no guest process of the run is left"
finish
