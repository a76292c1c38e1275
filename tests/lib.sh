# tests/lib.sh - sourced by the shell end-to-end tests: TAP output,
# a private temp dir removed on exit, and the paths of the build.
# shellcheck shell=bash
HV_BUILD=${HV_BUILD:-build}
HV=$PWD/$HV_BUILD/bin/hpcvirt
BIN=$PWD/$HV_BUILD/bin
T=$(mktemp -d /tmp/hpcvirt-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
tap_n=0
tap_failed=0

ok() { # ok COND-EXIT-CODE DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

# expect_exit WANT DESCRIPTION -- CMD...: run CMD, check its exit code and
# keep its stderr in $T/err for further checks.
expect_exit() {
	local want=$1 desc=$2 got
	shift 3
	timeout -k 5 60 "$@" >"$T/out" 2>"$T/err"
	got=$?
	[ "$got" -eq "$want" ]
	ok $? "$desc (exit $got, want $want)"
	[ "$got" -eq "$want" ] || sed 's/^/#   /' "$T/err" | head -5
}

# stderr_has TEXT DESCRIPTION: the last expect_exit's stderr names TEXT.
stderr_has() {
	grep -qF -- "$1" "$T/err"
	ok $? "$2"
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 77
}

finish() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# Processes of ours still running that mention a path under $1.
leftover_procs() {
	pgrep -af -- "$1" | grep -v pgrep || true
}

# Does the kernel have the netem qdisc? Tried with tc on lo of a
# throwaway network namespace, so that the answer does not come from the
# hpcvirt code under test. Prints 1 or 0; "" if tc or unshare is missing.
kernel_has_netem() {
	command -v tc >/dev/null && command -v unshare >/dev/null || return 0
	if unshare -n tc qdisc add dev lo root netem delay 1ms 2>/dev/null; then
		echo 1
	else
		echo 0
	fi
}

# json_ok FILE DESCRIPTION EXPR: a TAP line for a Python expression over
# the JSON result in FILE (d: the document, ctx: its context, cells).
json_ok() {
	python3 - "$1" "$3" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ctx, cells = d["context"], d["cells"]
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)
PY
	ok $? "$2"
}
