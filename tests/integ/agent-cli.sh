#!/bin/bash
# agent-cli.sh - hpcvirt-agent's command line: bad options exit 2 with a
# message naming the bad value, the READY line carries the real port of
# tcp:...:0, and --idle-timeout / --once make it exit on its own. Two
# --listen: both serve sessions, READY names the first, --once closes
# both, and the socket file of either is removed.
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
	# bounded: an agent that takes the arguments serves instead of exiting
	timeout -k 2 10 "$AGENT" "$@" >"$T/out" 2>"$T/err"
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
# At most two --listen, no stdio with a second, and a bad second one
# refused before the first is bound (no socket file left behind).
check "third --listen" usage_err "bad --listen 'unix:$T/c': at most two" \
	--kernels "$T/k" --listen "unix:$T/a" --listen "unix:$T/b" --listen "unix:$T/c"
check "stdio with a second --listen" usage_err "bad --listen 'stdio'" \
	--kernels "$T/k" --listen stdio --listen "unix:$T/a"
check "bad second --listen" usage_err "bad --listen 'tcp:1.2.3:80'" \
	--kernels "$T/k" --listen "unix:$T/a" --listen tcp:1.2.3:80
check "same --listen twice" usage_err "bad --listen 'unix:$T/a': given twice" \
	--kernels "$T/k" --listen "unix:$T/a" --listen "unix:$T/a"
check "no socket file after a refused --listen" test ! -e "$T/a"
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

# Two listeners: a HELLO is answered on each (a forked session).
cat >"$T/hello.py" <<'PY'
import socket, struct, sys

def s(t):
    return struct.pack(">I", len(t)) + t.encode()

def connect(addr):
    if addr.startswith("unix:"):
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(addr[5:])
    else:
        host, port = addr[4:].rsplit(":", 1)
        sock = socket.create_connection((host, int(port)))
    sock.settimeout(5)
    return sock

def hello(addr):
    sock = connect(addr)
    body = struct.pack(">I", 1) + s("cli") + s("h") + s("u")
    sock.sendall(struct.pack(">4sBBHI", b"HVA1", 1, 0, 0, len(body)) + body)
    hdr = sock.recv(12)
    return sock, len(hdr) == 12 and hdr[:4] == b"HVA1" and hdr[4] == 1

def refused(addr):
    try:
        connect(addr).close()
        return False
    except (ConnectionRefusedError, FileNotFoundError):
        return True

if sys.argv[1] == "hello":
    sys.exit(0 if all(hello(a)[1] for a in sys.argv[2:]) else 1)
# once FIRST SECOND: a session on the second, then the first refuses
sock, ok = hello(sys.argv[3])
for _ in range(50):
    if refused(sys.argv[2]):
        sys.exit(0 if ok else 1)
    __import__("time").sleep(0.1)
sys.exit(1)
PY
port=$(python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$AGENT" --kernels "$T/k" --listen "unix:$T/s2" --listen "tcp:127.0.0.1:$port" \
	>"$T/ready3" 2>"$T/log3" &
pid=$!
PIDS+=("$pid")
for _ in $(seq 50); do [ -s "$T/ready3" ] && break; sleep 0.1; done
check "two --listen: READY names the first" \
	grep -qx "HPCVIRT-AGENT-READY unix:$T/s2" "$T/ready3"
check "two --listen: sessions on both (tcp:127.0.0.1:$port)" \
	python3 "$T/hello.py" hello "unix:$T/s2" "tcp:127.0.0.1:$port" \
	"unix:$T/s2" "tcp:127.0.0.1:$port"
kill "$pid"
wait "$pid"
check "two --listen: SIGTERM exits 0 and removes the socket" \
	test $? -eq 0 -a ! -e "$T/s2"

# --once with two: a connection on the second closes the first too, and
# the socket file of the second is removed.
"$AGENT" --kernels "$T/k" --listen tcp:127.0.0.1:0 --listen "unix:$T/s3" \
	--once >"$T/ready4" 2>"$T/log4" &
pid=$!
PIDS+=("$pid")
for _ in $(seq 50); do [ -s "$T/ready4" ] && break; sleep 0.1; done
first=$(sed -n 's/^HPCVIRT-AGENT-READY //p' "$T/ready4")
check "--once, two --listen: READY names the tcp one ('$first')" \
	bash -c "[[ '$first' =~ ^tcp:127\.0\.0\.1:[1-9][0-9]*$ ]]"
check "--once, two --listen: a session on the second closes the first" \
	python3 "$T/hello.py" once "$first" "unix:$T/s3"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
check "--once, two --listen: exits after one connection" \
	bash -c "! kill -0 $pid 2>/dev/null"
check "--once, two --listen: second socket file removed" test ! -e "$T/s3"
echo "1..$n"
exit $fail
