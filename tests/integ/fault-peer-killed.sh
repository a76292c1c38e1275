#!/usr/bin/env bash
# Fault: the peer server dies mid-transfer (issue 13). The net benches'
# peer ("hpcvirt-net server", started natively in the lab by the
# scheduler for each repetition) gets SIGKILL while the ns box's
# net.stream kernel sends to it (held by SIGSTOP meanwhile), after ns
# stored a sample. That cell
# fails with the kernel's own account of the lost peer, keeps its
# sample, and the other cells (native's) run.
set -u
. tests/integ/fault-lib.bash
fault_need ns

fault_start "$T/s" --env native,ns --bench net.stream --duration 0.6 \
	--reps 3 --warmup 0
# Hold ns's sender (SIGSTOP) while its peer is killed, then let it go
# on. A 0.6 s repetition can end between finding the sender and stopping
# it (the peer found then is the next repetition's, native's): find one
# that is still there to stop.
k=
if wait_until 60 samples_at_least ns net.stream 1; then
	for try in 1 2 3 4 5; do
		k=$(wait_until 30 box_proc ns hpcvirt-net stream) || break
		kill -STOP "$k" 2>/dev/null && break
		k=
	done
fi
[ -n "$k" ]
ok $? "ns stored a net.stream sample and its next one is held (pid ${k:-none})"
peer=$(pgrep -P "$F_HP" -f "hpcvirt-net server")
echo "# killing the peer, pid ${peer:-none}"
[ -n "$peer" ] && kill -KILL "$peer"
[ -n "$k" ] && kill -CONT "$k"
fault_wait
check_cells "$F_OUT.json" 1 ns net.stream \
	"^exit 1: hpcvirt-net: peer .* closed the connection during stream"
ok $? "ns net.stream failed with the lost peer, kept its sample; the rest ran"
[ "$F_RC" -eq 1 ]
ok $? "the study ends with a failed cell (exit $F_RC, want 1)"
check_report "FAILED: exit 1: hpcvirt-net: "
check_clean
finish
