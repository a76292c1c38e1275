#!/usr/bin/env bash
# Fault: a box that hangs (issue 13), with every kernel's timeout cut to
# 3 s by the test knob HPCVIRT_KERNEL_TIMEOUT.
#  - ns-routed: the running kernel is stopped (SIGSTOP). The agent's own
#    deadline kills it: the cell fails "timed out".
#  - ns: every process of the box (agent and kernel) is stopped. Nobody
#    answers, so the host's own deadline (timeout + 15 s, then KILL and
#    5 s) ends the wait, the cell fails saying the agent did not answer,
#    the box is stopped (SIGKILL reaches stopped processes) and started
#    afresh for its mem cells.
# The study never hangs; stored samples stay; nothing is left behind.
set -u
. tests/integ/fault-lib.bash
fault_need ns ns-routed
export HPCVIRT_KERNEL_TIMEOUT=3

# next_kernel ENV: ENV stored a net.rr sample and runs its next one.
next_kernel() {
	wait_until 60 samples_at_least "$1" net.rr 1 &&
		wait_until 60 box_proc "$1" hpcvirt-net
}

t0=$SECONDS
F_LIMIT=100 fault_start "$T/s" --env native,ns,ns-routed --bench net.rr,mem \
	--sizes 1 --duration 0.2 --set mem_bytes=16MiB --reps 4 --warmup 0
k=$(next_kernel ns-routed)
ok $? "ns-routed: a net.rr sample is stored and the next kernel runs"
echo "# ns-routed: stopping the kernel ${k:-none}"
[ -n "$k" ] && kill -STOP "$k"
next_kernel ns >/dev/null
ok $? "ns: a net.rr sample is stored and the next kernel runs"
pids=$(box_pids ns)
echo "# ns: stopping every process of the box:" $pids
[ -n "$pids" ] && kill -STOP $pids
fault_wait
[ $((SECONDS - t0)) -lt 60 ]
ok $? "the study took $((SECONDS - t0)) s: 3 s + the host's 20 s guard, not the bench's minutes"
[ "$F_RC" -eq 1 ]
ok $? "the study ends, with failed cells (exit $F_RC, want 1)"
check_cells "$F_OUT.json" 1 ns-routed net.rr "^timed out" ns net.rr \
	"^no answer from the agent: no EXIT within the command's timeout \(3000 ms\) \+ 15000 ms, nor 5000 ms after KILL"
ok $? "ns-routed net.rr timed out (the agent's deadline), ns net.rr met the host's deadline; both kept their samples, and every other cell ran"
check_report "FAILED: no answer from the agent"
check_clean
finish
