#!/bin/bash
# fs-badinput.sh - hpcvirt-fs refuses bad input with exit 2 and a message
# naming the value (size 0, record > file, non-numeric, unknown test,
# missing --dir...), and fails cleanly with exit 1, a message naming the
# directory and the errno text, and no file left behind, on: a missing
# directory, a read-only one, a tmpfs too small for the largest file, a
# tmpfs out of inodes (ENOSPC at create) and ENOSPC in the middle of a
# write (a real 2 MiB tmpfs; the error is injected with strace at the
# second write, so that 1 MiB is already in the file). The mounts are
# made in a private mount namespace (unshare -m): the host's mounts do not
# change.
set -u
B=${HV_BUILD:-build}/bin/hpcvirt-fs
[ -x "$B" ] || { echo "1..0 # SKIP $B not built"; exit 77; }
B=$(realpath "$B")
T=$(mktemp -d /var/tmp/hv-fs-bad.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir "$T/d" "$T/mnt"
n=0 fail=0
check() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
skip() { n=$((n + 1)); echo "ok $n - # SKIP $1"; }

# expect RC PATTERN DESC -- ARGS: check exit code and stderr.
expect() {
	local want=$1 pat=$2 desc=$3 rc
	shift 4
	timeout 30 "$B" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc = "$want" ] && grep -qF -- "$pat" "$T/err" && [ ! -s "$T/out" ]; then
		check 0 "$desc: exit $rc"
	else
		check 1 "$desc: exit $rc (want $want), stderr: $(head -c 300 "$T/err")"
	fi
}

D=$T/d
expect 2 "'0'" "size 0" -- --dir "$D" --size 0
expect 2 "'0'" "size 0 in a list" -- --dir "$D" --sizes 1MiB,0
expect 2 "--record 2097152 is larger than the file size 1048576" "record > file" -- --dir "$D" --record 2MiB --size 1MiB
expect 2 "'abc'" "non-numeric size" -- --dir "$D" --size abc
expect 2 "'1x'" "non-numeric record" -- --dir "$D" --record 1x
expect 2 "'12MB'" "unknown suffix in a list" -- --dir "$D" --sizes 1MiB,12MB
expect 2 "unknown test 'frob'" "unknown test" -- --dir "$D" --tests write,frob
expect 2 "unknown test ''" "empty test" -- --dir "$D" --tests write,
expect 2 "missing --dir" "missing --dir" -- --size 1MiB
expect 2 "bad --dir ''" "empty --dir" -- --dir "" --size 1MiB
expect 2 "'1000'" "record below 4KiB" -- --dir "$D" --record 1000 --size 1MiB
expect 2 "not a multiple of --record" "size not a multiple of record" -- --dir "$D" --record 64KiB --size 100KiB
expect 2 "'--frob'" "unknown option" -- --dir "$D" --frob
expect 2 "--json takes no value" "flag with a value" -- --dir "$D" --json=1
expect 2 "--record needs a value" "missing value" -- --dir "$D" --record
[ -z "$(ls -A "$D")" ]
check $? "no file created by any usage error"

expect 1 "'$T/nope'" "missing directory" -- --dir "$T/nope" --size 1MiB
grep -q "No such file or directory" "$T/err"
check $? "missing directory: errno text"
: >"$T/file"
expect 1 "not a directory" "--dir is a file" -- --dir "$T/file" --size 1MiB

# --direct with a record that is not a multiple of the logical block.
"$B" --dir "$D" --size 4MiB --direct --tests write >/dev/null 2>&1
if [ $? = 0 ]; then
	expect 2 "multiple of the logical block size" "--direct, record 4100" -- --dir "$D" --direct --record 4100 --size 41000
else
	skip "--direct not supported on $D"
fi

if ! unshare -m true 2>/dev/null; then
	skip "no mount namespaces: read-only dir, small tmpfs, ENOSPC"
	echo "1..$n"; exit $fail
fi

# inns OPTS -- ARGS: mount a tmpfs with OPTS on $T/mnt in a private mount
# namespace, run hpcvirt-fs there, save exit code, stderr and what is
# left in the mount. The mount ends with the namespace.
inns() {
	local mopts=$1
	shift 2
	unshare -m --propagation private bash -c '
		m=$1 o=$2 out=$3; shift 3
		mount -t tmpfs -o "$o" hv-fs-test "$m" || exit 99
		mount -o remount,"$o" "$m"
		timeout 30 "$@" >"$out.out" 2>"$out.err"
		echo $? >"$out.rc"
		ls -A "$m" >"$out.ls"' _ "$T/mnt" "$mopts" "$T/ns" "$@"
	NSRC=$(cat "$T/ns.rc" 2>/dev/null || echo none)
}

# expect_ns DESC PATTERN...: exit 1, stderr has every pattern, mount empty.
expect_ns() {
	local desc=$1 p ok=0
	shift
	for p in "$@"; do grep -qF -- "$p" "$T/ns.err" || ok=1; done
	[ "$NSRC" = 1 ] || ok=1
	check $ok "$desc: exit $NSRC, stderr: $(head -c 300 "$T/ns.err")"
	[ -f "$T/ns.ls" ] && [ ! -s "$T/ns.ls" ]
	check $? "$desc: nothing left in the directory ($(tr '\n' ' ' <"$T/ns.ls" 2>/dev/null))"
}

inns size=4m,ro -- "$B" --dir "$T/mnt" --size 1MiB
expect_ns "read-only tmpfs" "creating the test file" "'$T/mnt'" "Read-only file system"

inns size=2m -- "$B" --dir "$T/mnt" --json
expect_ns "default sweep on a 2 MiB tmpfs" "not enough free space in '$T/mnt'" "needs 536870912 bytes"

inns size=2m,nr_inodes=1 -- "$B" --dir "$T/mnt" --size 1MiB
expect_ns "tmpfs without free inodes (ENOSPC at create)" "'$T/mnt'" "No space left on device"

# A 2 MiB file fits a 2 MiB tmpfs exactly; the fault injected at the
# second write(2) makes the disk "fill up" after the first record.
if command -v strace >/dev/null; then
	inns size=2m -- strace -qq -o /dev/null -e trace=write \
		-e inject=write:error=ENOSPC:when=2 "$B" --dir "$T/mnt" --size 2MiB
	expect_ns "ENOSPC mid-write (2nd record)" "'$T/mnt'" "No space left on device" "offset 1048576 of 2097152"
	inns size=2m -- strace -qq -o /dev/null -e trace=write \
		-e inject=write:error=ENOSPC:when=4 "$B" --dir "$T/mnt" --size 2MiB --tests rewrite
	expect_ns "ENOSPC mid-rewrite" "rewriting the test file" "No space left on device"
else
	skip "strace not installed: ENOSPC mid-write (apt-get install strace)"
fi

# Control: the same 2 MiB tmpfs without injection succeeds and is empty.
inns size=2m -- "$B" --dir "$T/mnt" --size 2MiB --json
[ "$NSRC" = 0 ] && grep -q '"test":"reread"' "$T/ns.out" && [ ! -s "$T/ns.ls" ]
check $? "control: 2 MiB file on a 2 MiB tmpfs succeeds, nothing left (exit $NSRC)"

grep -q " $T/mnt " /proc/mounts
check $((1 - $?)) "the test mounts did not leak into the host namespace"

echo "1..$n"
exit $fail
