#!/bin/bash
# net-basic.sh - hpcvirt-net end to end on loopback: a server on an
# ephemeral port serves a short rr sweep, rr bounded by transactions and
# stream bounded by time and by bytes, in sequence; every JSON line must
# parse and hold sane values. Also the server's idle and lifetime exits.
set -u
B=${HV_BUILD:-build}/bin/hpcvirt-net
[ -x "$B" ] || { echo "1..0 # SKIP $B not built"; exit 77; }
command -v python3 >/dev/null || { echo "1..0 # SKIP no python3"; exit 77; }
T=$(mktemp -d /tmp/hv-net-basic.XXXXXX)
SP=
cleanup() { [ -n "$SP" ] && kill "$SP" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
n=0 fail=0
check() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }

# Start a server, wait (bounded) for its HPCVIRT-LISTEN line; sets SP, PORT.
start_server() {
	timeout 60 "$B" server "$@" >"$T/srv.out" 2>"$T/srv.err" &
	SP=$!
	PORT=
	for _ in $(seq 50); do
		PORT=$(awk '$1 == "HPCVIRT-LISTEN" { print $3 }' "$T/srv.out")
		[ -n "$PORT" ] && return 0
		sleep 0.1
	done
	return 1
}

# Run python checks on the JSON after "HPCVIRT-RESULT " in file $1.
pycheck() {
	python3 - "$1" "$2" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("HPCVIRT-RESULT ")]
assert len(lines) == 1, "want exactly one result line, got %d" % len(lines)
d = json.loads(lines[0][len("HPCVIRT-RESULT "):])
exec(sys.argv[2])
PY
}

start_server --port 0 --idle 20 --lifetime 50
check $? "server prints HPCVIRT-LISTEN with an ephemeral port ($PORT)"

timeout 30 "$B" rr --port "$PORT" --sizes 1,64,4096,65536 --duration 0.1 \
	--warmup 0.05 --json >"$T/rr.out" 2>"$T/rr.err"
check $? "rr sweep exits 0"
pycheck "$T/rr.out" '
assert d["kernel"] == "net" and d["mode"] == "rr" and d["version"] == 1
assert d["peer"] == "127.0.0.1:'"$PORT"'", d["peer"]
r = d["results"]
assert [x["size_bytes"] for x in r] == [1, 64, 4096, 65536]
for x in r:
    assert x["transactions"] > 0, x
    assert 0 < x["half_rtt_min_ns"] <= x["half_rtt_p50_ns"] <= x["half_rtt_p90_ns"] <= x["half_rtt_p99_ns"] <= x["half_rtt_p999_ns"] <= x["half_rtt_max_ns"], x
    assert x["half_rtt_min_ns"] <= x["half_rtt_mean_ns"] <= x["half_rtt_max_ns"]
    assert x["duration_ns"] >= 1e8 and x["stopped_by"] == "duration"
    assert x["remote_transactions"] >= x["transactions"]
    assert x["cpu_local_us_per_tran"] >= 0 and x["cpu_remote_us_per_tran"] >= 0
    h = x["hist"]["buckets"]
    assert sum(b[2] for b in h) == x["transactions"]
    assert all(b[0] < b[1] for b in h) and h == sorted(h)
    assert h[0][0] <= x["half_rtt_min_ns"] and x["half_rtt_max_ns"] < h[-1][1] + 1
'
check $? "rr JSON parses; min <= p50 <= p99 <= max, histogram sums to transactions"

timeout 30 "$B" rr --port "$PORT" --size 1KiB --transactions 500 \
	--warmup-transactions 50 --json --samples >"$T/rr2.out" 2>"$T/rr2.err"
check $? "rr bounded by --transactions exits 0"
pycheck "$T/rr2.out" '
x = d["results"][0]
assert x["size_bytes"] == 1024 and x["transactions"] == 500, x["transactions"]
assert x["stopped_by"] == "transactions" and x["remote_transactions"] == 550
s = sorted(x["rtt_samples_ns"])
assert len(s) == 500 and s[249] / 2 == x["half_rtt_p50_ns"], (s[249], x["half_rtt_p50_ns"])
'
check $? "rr --transactions 500: exactly 500 samples, p50 matches the raw samples"

timeout 30 "$B" rr --port "$PORT" --size 64 --duration 0.05 >"$T/rr3.out"
check $? "rr table output exits 0"
grep -q 'size_B' "$T/rr3.out" && [ "$(grep -cE '^ +64 ' "$T/rr3.out")" = 1 ]
check $? "rr table has a header and one row for size 64"

timeout 30 "$B" stream --port "$PORT" --duration 0.3 --json >"$T/st.out" 2>"$T/st.err"
check $? "stream by duration exits 0"
pycheck "$T/st.out" '
x = d["results"][0]
assert d["mode"] == "stream" and x["block_bytes"] == 131072
assert x["bytes"] > 0 and x["bw_bytes_per_sec"] > 0 and x["duration_ns"] >= 3e8
assert abs(x["bw_bytes_per_sec"] - x["bytes"] * 1e9 / x["duration_ns"]) < 1
assert x["cpu_local_us_per_mb"] > 0 and x["cpu_remote_us_per_mb"] >= 0
'
check $? "stream JSON parses; bytes and bandwidth positive and consistent"

timeout 30 "$B" stream --port "$PORT" --bytes 10MiB --block 64KiB --json >"$T/st2.out"
pycheck "$T/st2.out" 'assert d["results"][0]["bytes"] == 10485760'
check $? "stream --bytes 10MiB transfers exactly 10485760 bytes"

kill "$SP" 2>/dev/null; wait "$SP" 2>/dev/null; SP=

if start_server --bind ::1 --port 0 --idle 10 --lifetime 20; then
	timeout 20 "$B" rr --host ::1 --port "$PORT" --size 1 --duration 0.05 --json >"$T/v6.out"
	pycheck "$T/v6.out" 'assert d["peer"] == "[::1]:'"$PORT"'" and d["results"][0]["transactions"] > 0'
	check $? "rr over IPv6 ::1"
	kill "$SP" 2>/dev/null; wait "$SP" 2>/dev/null; SP=
else
	n=$((n + 1)); echo "ok $n - # SKIP no IPv6 loopback"
	kill "$SP" 2>/dev/null; wait "$SP" 2>/dev/null; SP=
fi

s=$(date +%s%N)
timeout 10 "$B" server --port 0 --idle 0.3 >/dev/null 2>"$T/idle.err"
rc=$? e=$(( ($(date +%s%N) - s) / 1000000 ))
[ $rc = 0 ] && [ $e -lt 3000 ] && grep -q idle "$T/idle.err"
check $? "server exits 0 after --idle 0.3 without a client (${e} ms)"

s=$(date +%s%N)
timeout 10 "$B" server --port 0 --idle 30 --lifetime 0.5 >/dev/null 2>"$T/life.err"
rc=$? e=$(( ($(date +%s%N) - s) / 1000000 ))
[ $rc = 0 ] && [ $e -lt 3000 ] && grep -q lifetime "$T/life.err"
check $? "server exits 0 at --lifetime 0.5 (${e} ms)"

"$B" --help | grep -q -- '--sizes'
check $? "--help prints the options and exits 0"

echo "1..$n"
exit $fail
