#!/bin/bash
# net-badinput.sh - hpcvirt-net never hangs on bad input: usage errors
# exit 2 naming the bad value; a refused connection, an address that
# never answers, an unroutable one and a peer killed mid-test exit 1 with
# a clear message, each within a bounded time. Only loopback is used, or
# a network namespace created here.
set -u
B=${HV_BUILD:-build}/bin/hpcvirt-net
[ -x "$B" ] || { echo "1..0 # SKIP $B not built"; exit 77; }
command -v python3 >/dev/null || { echo "1..0 # SKIP no python3"; exit 77; }
T=$(mktemp -d /tmp/hv-net-bad.XXXXXX)
PIDS=
cleanup() { for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
n=0 fail=0
check() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }

# expect RC PATTERN DESC -- ARGS: run bounded, check exit code and stderr.
expect() {
	local want=$1 pat=$2 desc=$3 rc
	shift 4
	timeout 20 "$B" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc = "$want" ] && grep -qF -- "$pat" "$T/err"; then
		check 0 "$desc: exit $rc"
	else
		check 1 "$desc: exit $rc (want $want), stderr: $(head -c 300 "$T/err")"
	fi
}

expect 2 "missing mode" "no mode" --
expect 2 "'ping'" "unknown mode" -- ping --port 1
expect 2 "'0'" "rr --size 0" -- rr --port 1 --size 0
expect 2 "'abc'" "rr --size abc" -- rr --port 1 --size abc
expect 2 "'0x'" "rr --sizes with a bad element" -- rr --port 1 --sizes 1,0x,3
expect 2 "'-1'" "negative duration" -- rr --port 1 --duration -1
expect 2 "'5x'" "duration with a bad unit" -- stream --port 1 --duration 5x
expect 2 "'70000'" "port out of range" -- rr --port 70000
expect 2 "'example.com'" "host name instead of numeric address" -- rr --port 1 --host example.com
expect 2 "'1.2.3'" "bad bind address" -- server --bind 1.2.3
expect 2 "needs --port" "client without --port" -- rr
expect 2 "'--frob'" "unknown option" -- rr --port 1 --frob
expect 2 "--block does not apply to rr" "option of another mode" -- rr --port 1 --block 4K
expect 2 "--size needs a value" "missing value" -- rr --port 1 --size
expect 2 "'0'" "stream --block 0" -- stream --port 1 --block 0

# A port nobody listens on: bind one, note it, close it.
FREE=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect 1 "refused" "refused connection (port $FREE)" -- rr --port "$FREE" --timeout 2

# A listener that never accepts, its backlog filled: SYNs are dropped, so
# connect can only time out. Everything stays on 127.0.0.1.
python3 - "$T/bl.port" <<'PY' &
import socket, sys, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(0)
held = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False)
    c.connect_ex(l.getsockname()); held.append(c)
time.sleep(0.3)
open(sys.argv[1], "w").write("%d\n" % l.getsockname()[1])
time.sleep(20)
PY
PIDS="$PIDS $!"
for _ in $(seq 50); do [ -s "$T/bl.port" ] && break; sleep 0.1; done
BL=$(cat "$T/bl.port" 2>/dev/null)
s=$(date +%s%N)
expect 1 "timed out after 1 s" "listener with a full backlog: connect times out" -- rr --port "${BL:-1}" --timeout 1
e=$(( ($(date +%s%N) - s) / 1000000 ))
[ "$e" -lt 4000 ]
check $? "connect timeout bounded by --timeout 1 (${e} ms)"

# Unroutable: a fresh network namespace whose loopback is down.
if unshare -n true 2>/dev/null; then
	timeout 20 unshare -n "$B" rr --port 9 --timeout 2 >/dev/null 2>"$T/err"
	rc=$?
	[ $rc = 1 ] && grep -qi "unreachable" "$T/err"
	check $? "no route (netns with lo down): exit $rc, $(head -c 200 "$T/err")"
else
	n=$((n + 1)); echo "ok $n - # SKIP cannot create a network namespace"
fi

# Peer dies mid-test: kill -9 the server during a 5 s rr run. The server
# runs without a timeout(1) wrapper so that $! is the server itself; its
# own --lifetime bounds it.
"$B" server --port 0 --idle 20 --lifetime 30 >"$T/srv.out" 2>/dev/null &
SP=$!
PIDS="$PIDS $SP"
for _ in $(seq 50); do grep -q LISTEN "$T/srv.out" && break; sleep 0.1; done
PORT=$(awk '$1 == "HPCVIRT-LISTEN" { print $3 }' "$T/srv.out")
timeout 20 "$B" rr --port "${PORT:-1}" --size 1 --duration 5 --json >"$T/out" 2>"$T/err" &
CP=$!
sleep 1
{ kill -9 "$SP"; } 2>/dev/null
s=$(date +%s%N)
wait "$CP" 2>/dev/null
rc=$?
e=$(( ($(date +%s%N) - s) / 1000000 ))
wait "$SP" 2>/dev/null
[ $rc = 1 ] && [ "$e" -lt 3000 ] && grep -q "closed the connection" "$T/err" && ! grep -q HPCVIRT-RESULT "$T/out"
check $? "server killed mid-rr: client exits $rc after ${e} ms: $(head -c 200 "$T/err")"

# A client speaking garbage does not bring the server down.
timeout 30 "$B" server --port 0 --idle 20 --lifetime 30 >"$T/srv2.out" 2>"$T/srv2.err" &
SP=$!
PIDS="$PIDS $SP"
for _ in $(seq 50); do grep -q LISTEN "$T/srv2.out" && break; sleep 0.1; done
PORT=$(awk '$1 == "HPCVIRT-LISTEN" { print $3 }' "$T/srv2.out")
python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1])),5); s.sendall(b"G"*32); s.settimeout(5); s.recv(64)' "${PORT:-1}" 2>/dev/null
timeout 20 "$B" rr --port "${PORT:-1}" --size 1 --duration 0.05 >/dev/null 2>&1
check $? "server survives a garbage hello and serves the next client"

echo "1..$n"
exit $fail
