#!/bin/bash
# fs-basic.sh - hpcvirt-fs runs a small sweep (1, 2, 4 MiB) in each timing
# mode (default, --fsync, --cold, --direct) in a temp dir on the disk
# (/var/tmp: tmpfs has no real O_DIRECT, so --direct is skipped with a
# note if the file system refuses it). Its JSON parses and has one entry
# per test per size with the expected keys and bw > 0, the table has the
# same rows, --tests selects and orders the entries, and no file is left
# in the directory after any run.
set -u
B=${HV_BUILD:-build}/bin/hpcvirt-fs
[ -x "$B" ] || { echo "1..0 # SKIP $B not built"; exit 77; }
command -v python3 >/dev/null || { echo "1..0 # SKIP no python3"; exit 77; }
T=$(mktemp -d /var/tmp/hv-fs-basic.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir "$T/d"
n=0 fail=0
check() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
empty() { [ -z "$(ls -A "$T/d")" ]; }

# validate MODEFLAGS TESTS: the JSON in $T/out matches the run's options.
validate() {
	python3 - "$T/out" "$T/d" "$1" "$2" <<'PY'
import json, sys
out, d, flags, tests = sys.argv[1:]
lines = [l for l in open(out) if l.startswith("HPCVIRT-RESULT ")]
assert len(lines) == 1, "want one result line, got %d" % len(lines)
j = json.loads(lines[0][len("HPCVIRT-RESULT "):])
assert j["kernel"] == "fs" and j["version"] == 1, j
assert j["dir"] == d and j["record_bytes"] == 1 << 20, j
want = {k: k in flags.split(",") for k in ("fsync", "direct", "cold")}
assert j["mode"] == want, (j["mode"], want)
tests = tests.split(",")
exp = [(s << 20, t) for s in (1, 2, 4) for t in tests]
got = [(r["file_bytes"], r["test"]) for r in j["results"]]
assert got == exp, (got, exp)
keys = {"test", "file_bytes", "record_bytes", "duration_ns",
        "bw_bytes_per_sec", "cpu_ns"}
for r in j["results"]:
    assert set(r) == keys, r
    assert r["record_bytes"] == 1 << 20, r
    assert r["duration_ns"] > 0 and r["bw_bytes_per_sec"] > 0, r
    assert r["cpu_ns"] >= 0, r
    bw = r["file_bytes"] * 1e9 / r["duration_ns"]
    assert abs(bw - r["bw_bytes_per_sec"]) <= 1e-6 * bw, r
PY
}

ALL=write,rewrite,read,reread
for mode in default fsync cold direct; do
	flag=--$mode
	[ $mode = default ] && flag=
	timeout 60 "$B" --dir "$T/d" --sizes 1MiB,2MiB,4MiB $flag --json >"$T/out" 2>"$T/err"
	rc=$?
	if [ $mode = direct ] && [ $rc = 1 ] && grep -q "does not support O_DIRECT" "$T/err"; then
		n=$((n + 1)); echo "ok $n - # SKIP --direct: $(cat "$T/err")"
		continue
	fi
	check $rc "mode $mode: exit $rc $(head -c 300 "$T/err")"
	validate "${mode#default}" $ALL >"$T/py" 2>&1
	check $? "mode $mode: JSON has 12 entries with bw > 0 $(tail -n 1 "$T/py")"
	empty
	check $? "mode $mode: no file left in the directory"
done

timeout 60 "$B" --dir "$T/d" --sizes 1MiB,2MiB,4MiB --tests reread,write --json >"$T/out" 2>"$T/err"
check $? "--tests reread,write runs"
validate "" write,reread >"$T/py" 2>&1
check $? "--tests reread,write reports write then reread per size $(tail -n 1 "$T/py")"

timeout 60 "$B" --dir "$T/d" --sizes 1MiB,2MiB,4MiB --cold --fsync >"$T/out" 2>"$T/err"
rc=$?
rows=$(awk '$2 ~ /^(write|rewrite|read|reread)$/ && $3 > 0' "$T/out" | wc -l)
[ $rc = 0 ] && [ "$rows" = 12 ] && grep -q "mode fsync cold" "$T/out" && ! grep -q HPCVIRT-RESULT "$T/out"
check $? "table output: 12 rows with MiB/s > 0 (got $rows), exit $rc"
empty
check $? "no file left after the table run"

# A record that is not 1 MiB, and record == file size.
timeout 60 "$B" --dir "$T/d" --record 64KiB --size 64KiB --json >"$T/out" 2>"$T/err"
rc=$?
python3 -c 'import json,sys; j=json.loads(open(sys.argv[1]).read().split(" ",1)[1]); assert j["record_bytes"]==65536 and len(j["results"])==4' "$T/out" 2>/dev/null
check $? "record 64KiB, file 64KiB: exit $rc, 4 entries"

timeout 10 "$B" --help >"$T/out" 2>&1
[ $? = 0 ] && grep -q -- "--direct" "$T/out" && grep -q -- "--cold" "$T/out"
check $? "--help lists the options, exit 0"

echo "1..$n"
exit $fail
