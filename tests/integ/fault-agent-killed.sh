#!/usr/bin/env bash
# Fault: the agent is killed inside a container mid-kernel (issue 13).
# Once an ns box (and a crun box, where crun works) has stored a net.rr
# sample and runs its next kernel, the box's agent (PID 1 of its PID
# namespace) gets SIGKILL. The cells of that unit fail saying the agent
# went away and how the box died, keep the sample stored before, the box
# is started afresh for its mem cells, native runs everything, and
# nothing is left on the host.
set -u
. tests/integ/fault-lib.bash
fault_need ns
envs=ns
fault_avail crun && envs="ns crun"
echo "# containers: $envs"

# kill_agent ENV: SIGKILL the ENV box's agent while it runs a net.rr
# kernel (held by SIGSTOP meanwhile, so that it is still running then).
kill_agent() {
	local a k
	wait_until 60 samples_at_least "$1" net.rr 1 &&
		k=$(wait_until 30 box_proc "$1" hpcvirt-net rr)
	ok $? "$1: a net.rr sample is stored and the next kernel runs"
	[ -n "$k" ] && kill -STOP "$k"
	a=$(box_init "$1")
	echo "# $1: killing the agent, pid ${a:-none}"
	[ -n "$a" ] && kill -KILL "$a"
}

for e in $envs; do
	fault_start "$T/$e" --env "native,$e" --bench net.rr,mem --sizes 1 \
		--duration 0.5 --set mem_bytes=16MiB --reps 3 --warmup 0
	kill_agent "$e"
	fault_wait
	[ "$F_RC" -eq 1 ]
	ok $? "$e: the study ends with failed cells (exit $F_RC, want 1)"
	check_cells "$F_OUT.json" 1 "$e" net.rr \
		"^(agent closed the connection|cannot send to agent: .*); the $e box's main process \(pid [0-9]+\) ended: "
	ok $? "$e net.rr failed naming the agent and the box's end, kept its sample; the rest ran"
	check_report "FAILED: (agent closed the connection|cannot send to agent)"
	check_clean
done
finish
