#!/usr/bin/env bash
# Fault: the guest is killed mid-run (issue 13). Once a UML box has
# stored a sample and its agent has started the next net.rr kernel (its
# console says so), the main linux.uml process gets SIGKILL. Its net.rr
# cells fail naming the signal, keep the sample stored before, the
# box is started afresh for its mem cells, native runs everything, and
# no linux.uml, cgroup or run directory is left.
set -u
. tests/integ/fault-lib.bash
fault_need uml

fault_start "$T/s" --env native,uml --bench net.rr,mem --sizes 1 \
	--duration 0.2 --set mem_bytes=16MiB --reps 2 --warmup 0
wait_until 60 samples_at_least uml net.rr 1 &&
	wait_until 30 box_log_at_least uml "started 'hpcvirt-net'" 2
ok $? "the uml box stored a net.rr sample and started the next kernel"
guest=$(pgrep -P "$F_HP" -x linux.uml)
echo "# killing linux.uml $guest"
[ -n "$guest" ] && kill -KILL "$guest"
fault_wait
[ "$F_RC" -eq 1 ]
ok $? "the study ends with a failed cell (exit $F_RC, want 1)"
check_cells "$F_OUT.json" 1 uml net.rr "guest process killed by signal 9"
ok $? "uml net.rr failed (guest killed by signal 9), kept its sample; the rest ran"
check_report "FAILED: guest process killed by signal 9"
check_clean
[ -z "$(pgrep -f "hpcvirt-run.$F_HP")" ]
ok $? "no guest process of the run is left"
finish
