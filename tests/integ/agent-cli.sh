#!/bin/bash
# agent-cli.sh - hpcvirt-agent's command line: bad options exit 2 with a
# message naming the bad value, the READY line carries the real port of
# tcp:...:0, and --idle-timeout / --once make it exit on its own.
set -u
B=${HV_BUILD:-build}
AGENT=$B/bin/hpcvirt-agent
[ -x "$AGENT" ] || { echo "1..0 # SKIP $AGENT not built"; exit 77; }
T=$(mktemp -d /tmp/hv-agent-cli.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
mkdir "$T/k"
n=0 fail=0
check() { # check DESCRIPTION COMMAND...
	local d=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; fail=1; fi
}

usage_err() { # usage_err WORD ARGS...: exit 2 and WORD in the message
	local want=$1 rc
	shift
	"$AGENT" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc -eq 2 ] && grep -qF -- "$want" "$T/err" && [ ! -s "$T/out" ]
}

check "missing --kernels" usage_err "missing --kernels" --listen stdio
check "missing --listen" usage_err "missing --listen" --kernels "$T/k"
check "unknown option" usage_err "usage:" --kernels "$T/k" --listen stdio --bogus
check "extra argument" usage_err "unexpected argument 'x'" --kernels "$T/k" --listen stdio x
check "missing kernels dir" usage_err "bad --kernels '$T/nope'" --kernels "$T/nope" --listen stdio
check "bad workdir" usage_err "bad --workdir" --kernels "$T/k" --workdir /etc/passwd --listen stdio
for a in foo unix: tcp:localhost:80 tcp:127.0.0.1:70000 tcp:127.0.0.1 'tcp:[::1]' tcp:1.2.3:80; do
	check "bad --listen '$a'" usage_err "bad --listen '$a'" --kernels "$T/k" --listen "$a"
done
for v in -1 abc 1.5 ''; do
	check "bad --idle-timeout '$v'" usage_err "bad --idle-timeout" --kernels "$T/k" --listen stdio --idle-timeout "$v"
done
# It mounts over /proc and /dev: refused anywhere but as a guest's PID 1,
# before it touches anything.
check "--guest-init refused outside PID 1" usage_err "--guest-init is for PID 1 of a guest" --guest-init --kernels "$T/k"
check "--help exits 0" bash -c "\"$AGENT\" --help >/dev/null"

# tcp port 0: the READY line names the real port; --idle-timeout 1 ends it.
start=$(date +%s%N)
"$AGENT" --kernels "$T/k" --listen tcp:127.0.0.1:0 --idle-timeout 1 \
	>"$T/ready" 2>"$T/log" &
pid=$!
PIDS+=("$pid")
for _ in $(seq 50); do [ -s "$T/ready" ] && break; sleep 0.1; done
ready=$(head -1 "$T/ready")
check "READY line with a real port ('$ready')" \
	bash -c "[[ '$ready' =~ ^HPCVIRT-AGENT-READY\ tcp:127\.0\.0\.1:[1-9][0-9]*$ ]]"
check "exactly one line on stdout" test "$(wc -l <"$T/ready")" -eq 1
wait "$pid"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "--idle-timeout 1 exits 0 by itself (rc $rc, $ms ms)" \
	test $rc -eq 0 -a $ms -ge 900 -a $ms -lt 5000

# unix socket with --once: the agent ends after one connection.
"$AGENT" --kernels "$T/k" --listen "unix:$T/s" --once >"$T/ready2" 2>"$T/log2" &
pid=$!
PIDS+=("$pid")
for _ in $(seq 50); do [ -S "$T/s" ] && break; sleep 0.1; done
check "unix READY line" grep -qx "HPCVIRT-AGENT-READY unix:$T/s" "$T/ready2"
python3 -c "
import socket; s = socket.socket(socket.AF_UNIX); s.connect('$T/s'); s.close()"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
check "--once: exits after one connection" bash -c "! kill -0 $pid 2>/dev/null"
check "--once: socket file removed" test ! -e "$T/s"
echo "1..$n"
exit $fail
