#!/usr/bin/env bash
# NPB MPI: class S of every MPI benchmark verifies through the
# hpcvirt-mpirun launcher (the path a repetition takes) with 2 ranks (BT
# and SP, which need a square: 4), the JSON line says variant mpi and the
# rank count, bad rank counts and bad input exit 2 with a message naming
# the valid counts or the class's limit, and the launcher refuses a
# program outside the kernel directory. With --hosts, the launcher takes
# --map or --agent-port (not both) and hands either on to hpcvirt-rsh,
# which reaches an agent at tcp:HOST:P with --port.
set -u
. tests/lib.sh
MR=$BIN/hpcvirt-mpirun
[ -x "$BIN/hpcvirt-npb-mpi" ] || skip_all "hpcvirt-npb-mpi not built (no mpicc)"
[ -x "$MR" ] || skip_all "hpcvirt-mpirun not built"
command -v mpirun >/dev/null || [ -x /usr/bin/mpirun ] ||
	skip_all "no mpirun (openmpi-bin)"

for b in ep is cg mg ft lu bt sp; do
	n=2
	case $b in bt | sp) n=4 ;; esac
	expect_exit 0 "$b class S, $n ranks" -- \
		"$MR" --np $n hpcvirt-npb-mpi "$b" --class S --json
	grep -q "^Verification = SUCCESSFUL" "$T/out" &&
		grep -q "^HPCVIRT-RESULT .*\"variant\":\"mpi\",\"ranks\":$n," "$T/out" &&
		grep -q '"verified":true' "$T/out"
	ok $? "$b: verified, JSON with variant mpi and $n ranks"
done

# The traffic counts of the timed region (mpi-count.h) against a hand
# count for CG class S (na 1400, 15 outer steps) on 2 ranks. Per step:
# conj_grad's rho and 25 x (p.q, r.r) are 51 one-double Allreduces, the
# step's norms one of 3 doubles; p before and after each of the 25
# iterations and z once are 27 Allgatherv of this rank's 700 doubles.
expect_exit 0 "cg class S, 2 ranks, for the traffic counts" -- \
	"$MR" --np 2 hpcvirt-npb-mpi cg --class S --json
sed -n 's/^HPCVIRT-RESULT //p' "$T/out" | python3 -c '
import json, sys
c = json.load(sys.stdin)["comm"]
want = {"allreduce": {"calls": 15 * 52, "bytes": 15 * (51 * 8 + 3 * 8)},
        "allgatherv": {"calls": 15 * 27, "bytes": 15 * 27 * 700 * 8}}
print("# counted %s" % c)
sys.exit(0 if c == want else 1)'
ok $? "cg: Allreduce and Allgatherv counts and bytes match the hand count"
expect_exit 0 "ep class S, 1 rank, for the traffic counts" -- \
	"$MR" --np 1 hpcvirt-npb-mpi ep --class S --json
grep -q '"comm":{"allreduce":{"calls":1,"bytes":96}}' "$T/out"
ok $? "ep: one Allreduce of sx, sy and the 10 counts (12 doubles)"

expect_exit 0 "ep class S, 3 ranks (any count)" -- \
	"$MR" --np 3 hpcvirt-npb-mpi ep --class S
grep -q "^Total processes = 3" "$T/out"
ok $? "ep ran on 3 ranks"

for b in is cg mg ft lu; do
	expect_exit 2 "$b refuses 3 ranks" -- \
		"$MR" --np 3 hpcvirt-npb-mpi "$b" --class S
	stderr_has "bad rank count 3 for $b: it needs a power of two" \
		"$b names the valid rank counts"
done
for b in bt sp; do
	expect_exit 2 "$b refuses 2 ranks" -- \
		"$MR" --np 2 hpcvirt-npb-mpi "$b" --class S
	stderr_has "bad rank count 2 for $b: it needs a square number" \
		"$b names the valid rank counts"
done
# Class S (12^3) has 10 interior z planes; a slab needs two.
expect_exit 2 "bt class S refuses 9 ranks" -- \
	"$MR" --np 9 hpcvirt-npb-mpi bt --class S
stderr_has "bad rank count 9 for bt class S: at most 5 ranks" \
	"the limit of the class is named with its reason"

expect_exit 2 "bad class" -- "$MR" --np 1 hpcvirt-npb-mpi cg --class Q
stderr_has "bad --class 'Q'" "the bad class is named"
expect_exit 2 "bad benchmark" -- "$MR" --np 1 hpcvirt-npb-mpi xx
stderr_has "bad benchmark 'xx'" "the bad benchmark is named"
expect_exit 2 "launcher: no shell" -- "$MR" --np 1 sh -c true
stderr_has "bad KERNEL 'sh'" "the launcher names the bad kernel"
expect_exit 2 "launcher: bad --np" -- "$MR" --np 0 hpcvirt-npb-mpi ep
stderr_has "bad --np '0'" "the launcher names the bad rank count"

# --hosts: --map FILE or --agent-port P, which a fake mpirun first on
# PATH sees as the launch agent (the port in decimal, as rsh reads it).
H=(--np 2 --hosts 10.9.9.8,10.9.9.9 --net 10.9.9.0/24)
expect_exit 2 "launcher: --map and --agent-port" -- \
	"$MR" "${H[@]}" --map "$T/map" --agent-port 7100 hpcvirt-npb-mpi ep
stderr_has "not both (--map '$T/map', --agent-port '7100')" \
	"the launcher names both values"
expect_exit 2 "launcher: --hosts without --map or --agent-port" -- \
	"$MR" "${H[@]}" hpcvirt-npb-mpi ep
stderr_has "--hosts needs --map FILE (or --agent-port P)" \
	"the launcher names what --hosts needs"
expect_exit 2 "launcher: bad --agent-port" -- \
	"$MR" "${H[@]}" --agent-port 65536 hpcvirt-npb-mpi ep
stderr_has "bad --agent-port '65536'" "the launcher names the bad port"
mkdir "$T/fake"
printf '#!/bin/sh\necho "agent=$OMPI_MCA_plm_rsh_agent"\n' >"$T/fake/mpirun"
chmod 755 "$T/fake/mpirun"
expect_exit 0 "launcher: --agent-port 0x1bbc" -- env PATH="$T/fake:$PATH" \
	"$MR" "${H[@]}" --agent-port 0x1bbc hpcvirt-npb-mpi ep
grep -qx "agent=hpcvirt-rsh --port 7100" "$T/out"
ok $? "the launch agent is hpcvirt-rsh --port 7100"
expect_exit 0 "launcher: --map" -- env PATH="$T/fake:$PATH" \
	"$MR" "${H[@]}" --map "$T/map" hpcvirt-npb-mpi ep
grep -qx "agent=hpcvirt-rsh --map $T/map" "$T/out"
ok $? "the launch agent is hpcvirt-rsh --map $T/map"

# rsh --port P: the agent of HOST (numeric IPv4) at tcp:HOST:P, here an
# agent's second --listen on a free port of 127.0.0.1.
rsh_port() {
	local port apid
	port=$(python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	expect_exit 2 "rsh --port: a host name is refused" -- \
		"$BIN/hpcvirt-rsh" --port "$port" node1 hpcvirt-orted
	stderr_has "bad host 'node1' with --port $port" \
		"rsh names the host that is no IPv4 address"
	expect_exit 2 "rsh: bad --port" -- \
		"$BIN/hpcvirt-rsh" --port 70000 10.9.9.9 hpcvirt-orted
	stderr_has "bad --port '70000'" "rsh names the bad port"
	expect_exit 2 "rsh: --map and --port" -- \
		"$BIN/hpcvirt-rsh" --map "$T/map" --port "$port" 10.9.9.9 x
	stderr_has "not both (--port '$port' too)" "rsh names the second one"
	expect_exit 255 "rsh --port: no agent there gives 255" -- \
		"$BIN/hpcvirt-rsh" --port "$port" 127.0.0.1 x
	stderr_has "tcp:127.0.0.1:$port" "rsh names the address it tried"
	mkdir "$T/k"
	printf '#!/bin/sh\necho "args:$*"\n' >"$T/k/say"
	chmod 755 "$T/k/say"
	"$BIN/hpcvirt-agent" --kernels "$T/k" --listen "unix:$T/a.sock" \
		--listen "tcp:127.0.0.1:$port" --once --idle-timeout 60 \
		>"$T/ready" 2>"$T/agent.log" &
	apid=$!
	for _ in $(seq 50); do [ -s "$T/ready" ] && break; sleep 0.1; done
	expect_exit 0 "rsh --port: the command runs through the agent" -- \
		"$BIN/hpcvirt-rsh" --port "$port" 127.0.0.1 say "'a b'" c
	grep -qx "args:a b c" "$T/out"
	ok $? "rsh --port: the words reach the kernel"
	kill "$apid" 2>/dev/null
	wait "$apid"
}

# The launch agent tokenizes without a shell and refuses shell syntax.
if [ -x "$BIN/hpcvirt-rsh" ]; then
	echo "10.9.9.9 unix:$T/no-such.sock" >"$T/map"
	expect_exit 2 "rsh: unknown host" -- \
		"$BIN/hpcvirt-rsh" --map "$T/map" 10.9.9.8 hpcvirt-orted
	stderr_has "unknown host '10.9.9.8'" "rsh names the unknown host"
	expect_exit 2 "rsh: shell syntax refused" -- \
		"$BIN/hpcvirt-rsh" --map "$T/map" 10.9.9.9 hpcvirt-orted "a;b"
	stderr_has "refusing shell syntax at ';b'" "rsh names the shell syntax"
	expect_exit 2 "rsh: unterminated quote" -- \
		"$BIN/hpcvirt-rsh" --map "$T/map" 10.9.9.9 'x "a;b'
	stderr_has "unterminated quote" "rsh names the bad quoting"
	expect_exit 255 "rsh: quoted ';' passes, dead agent gives 255" -- \
		"$BIN/hpcvirt-rsh" --map "$T/map" 10.9.9.9 x '"a;b"'
	rsh_port
fi
finish
