#!/bin/bash
# agent-raw.sh - hpcvirt-agent against raw frames written by python3:
# garbage, bad magic, oversized and truncated frames, frames out of order
# each get a fatal ERROR and a closed connection, and the agent survives
# to serve the next one. Also: a host that disconnects mid-command gets
# its command killed, and stray signals do not kill the agent.
set -u
B=${HV_BUILD:-build}
AGENT=$B/bin/hpcvirt-agent
[ -x "$AGENT" ] || { echo "1..0 # SKIP $AGENT not built"; exit 77; }
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 missing"; exit 77; }
T=$(mktemp -d /tmp/hv-agent-raw.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -f "$T/sleeper.pid" ] && kill "$(cat "$T/sleeper.pid")" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
mkdir "$T/k"
printf '#!/bin/sh\necho $$ > "%s/sleeper.pid"\nexec sleep 30\n' "$T" >"$T/k/sleeper"
chmod 755 "$T/k/sleeper"
"$AGENT" --kernels "$T/k" --workdir "$T" --listen "unix:$T/s" >"$T/ready" 2>"$T/log" &
pid=$!
for _ in $(seq 50); do [ -s "$T/ready" ] && break; sleep 0.1; done

cat >"$T/raw.py" <<'PY'
import socket, struct, sys, time

path, case = sys.argv[1], sys.argv[2]
T = {"HELLO": 1, "EXEC": 2, "STDOUT": 3, "EXIT": 5, "ERROR": 6, "KILL": 7}

def s(t):
    b = t.encode()
    return struct.pack(">I", len(b)) + b

def frame(kind, payload=b"", magic=b"HVA1", length=None):
    n = len(payload) if length is None else length
    return struct.pack(">4sBBHI", magic, T[kind], 0, 0, n) + payload

HELLO = frame("HELLO", struct.pack(">I", 1) + s("raw") + s("h") + s("u"))

def recv_frames(sock, limit=5.0):
    sock.settimeout(limit)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        return None  # not closed
    out = []
    while len(data) >= 12:
        magic, typ, flags, _, n = struct.unpack(">4sBBHI", data[:12])
        out.append((typ, flags, data[12:12 + n]))
        data = data[12 + n:]
    return out

sock = socket.socket(socket.AF_UNIX)
sock.connect(path)
if case == "hello":
    sock.sendall(HELLO)
    sock.settimeout(5)
    hdr = sock.recv(12)
    ok = len(hdr) == 12 and hdr[:4] == b"HVA1" and hdr[4] == 1
elif case == "sleep-and-drop":
    sock.sendall(HELLO + frame("EXEC", struct.pack(">I", 0) +
                 struct.pack(">I", 2) + s("sleeper") + s("30") +
                 struct.pack(">I", 0) + s("")))
    time.sleep(1.0)
    ok = True
else:
    payloads = {
        "garbage": b"GET / HTTP/1.0\r\n\r\n" * 4,
        "badmagic": HELLO[:0] + frame("HELLO", b"", magic=b"XVA1"),
        "oversized": frame("STDOUT", b"", length=1 << 30),
        "nohello": frame("EXEC", b""),
        "badexec": HELLO + frame("EXEC", struct.pack(">II", 0, 99) + b"x"),
        "badhello": frame("HELLO", b"\0\0"),
        "wrongdir": HELLO + frame("EXIT", b""),
    }
    sock.sendall(payloads[case])
    frames = recv_frames(sock)
    # The agent answers with a fatal ERROR (flag 1) and closes.
    ok = frames is not None and any(t == 6 and f & 1 for t, f, _ in frames)
    if ok:
        print(" ".join(p[8:].decode(errors="replace") for t, f, p in frames
                       if t == 6))
sys.exit(0 if ok else 1)
PY

n=0 fail=0
check() {
	local d=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; fail=1; fi
}
raw() { python3 "$T/raw.py" "$T/s" "$1" >"$T/msg" 2>&1; }

check "HELLO answered" raw hello
for c in garbage badmagic oversized nohello badexec badhello wrongdir; do
	check "$c: fatal ERROR and close ($(raw "$c"; cat "$T/msg"))" raw "$c"
	check "agent alive after $c" raw hello
done
raw sleep-and-drop
sp=$(cat "$T/sleeper.pid" 2>/dev/null)
for _ in $(seq 30); do kill -0 "$sp" 2>/dev/null || break; sleep 0.1; done
check "host disconnect kills the command (pid ${sp:-none})" \
	bash -c "[ -n '$sp' ] && ! kill -0 '$sp' 2>/dev/null"
for sig in HUP USR1 USR2 PIPE ALRM; do kill -s "$sig" "$pid"; done
sleep 0.2
check "stray signals do not kill the agent" raw hello
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
check "SIGTERM: clean exit (rc $rc)" test "$rc" -eq 0
echo "1..$n"
exit $fail
