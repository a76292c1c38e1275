#!/bin/bash
# fs-iozone-steps.sh - hpcvirt-fs makes the system calls IOZone 3 makes,
# in its order (docs/performance.md, "What IOZone's tests do"): a global
# sync() before the file size; on every descriptor it opens, fsync first;
# before each read test one priming read of the first record and a seek
# back to 0; after each write pass fsync and close; with --fsync, reads
# end with fsync and close too; the file is unlinked at the end. Checked
# with strace on a 2 MiB file in 1 MiB records, in both modes: every
# call on the test file (strace -y names it) and every sync(), in order.
set -u
B=${HV_BUILD:-build}/bin/hpcvirt-fs
[ -x "$B" ] || { echo "1..0 # SKIP $B not built"; exit 77; }
command -v strace >/dev/null || { echo "1..0 # SKIP strace not installed (apt-get install strace)"; exit 77; }
T=$(mktemp -d /var/tmp/hv-fs-steps.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir "$T/d"
n=0 fail=0
check() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }

# The calls on the test file, one word each: open, fsync, write, read,
# seek, close, unlink, and sync for sync().
steps() {
	awk '/^sync\(/ { print "sync"; next }
	     /hpcvirt-fs\.[0-9]+\.dat/ {
		c = $0; sub(/\(.*/, "", c)
		if (c == "openat") c = "open"
		if (c == "lseek") c = "seek"
		if (c == "unlinkat") c = "unlink"
		print c }' "$1" | tr '\n' ' '
}

W2="open fsync write write fsync close"
R2="open fsync read seek read read close"
R2F="open fsync read seek read read fsync close"
want_default="sync $W2 $W2 $R2 $R2 unlink "
want_fsync="sync $W2 $W2 $R2F $R2F unlink "

for mode in default fsync; do
	flag=--$mode
	[ $mode = default ] && flag=
	timeout 60 strace -qq -y -o "$T/trace" \
		-e trace=sync,openat,fsync,write,read,lseek,close,unlink,unlinkat \
		"$B" --dir "$T/d" --size 2MiB --record 1MiB $flag \
		>"$T/out" 2>"$T/err"
	rc=$?
	check $rc "mode $mode: exit $rc $(head -c 300 "$T/err")"
	got=$(steps "$T/trace")
	want=want_$mode
	[ "$got" = "${!want}" ]
	check $? "mode $mode: the calls IOZone makes, in its order
#   want: ${!want}
#   got:  $got"
done

echo "1..$n"
exit $fail
