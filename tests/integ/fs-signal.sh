#!/bin/bash
# fs-signal.sh - SIGINT, SIGTERM or SIGHUP in the middle of a hpcvirt-fs
# run (its test file exists, a sweep with --fsync is still writing) kills
# it by that signal and leaves no file in the directory.
set -u
# Job control: without it bash starts background jobs with SIGINT
# ignored, and hpcvirt-fs keeps an ignored signal ignored.
set -m
B=${HV_BUILD:-build}/bin/hpcvirt-fs
[ -x "$B" ] || { echo "1..0 # SKIP $B not built"; exit 77; }
T=$(mktemp -d /var/tmp/hv-fs-sig.XXXXXX)
P=
trap '[ -n "$P" ] && kill -9 "$P" 2>/dev/null; rm -rf "$T"' EXIT
n=0 fail=0
check() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }

for sig in INT TERM HUP; do
	d=$T/$sig
	mkdir "$d"
	# 32 x 16 MiB with fsync inside the timed region: seconds of work,
	# bounded by timeout(1) if the signal were lost.
	"$B" --dir "$d" --sizes "$(printf '16MiB,%.0s' $(seq 31))16MiB" \
		--fsync >/dev/null 2>"$T/err" &
	P=$!
	seen=no
	for _ in $(seq 500); do
		if [ -e "$d/hpcvirt-fs.$P.dat" ]; then seen=yes; break; fi
		sleep 0.01
	done
	sleep 0.05
	kill -s "$sig" "$P"
	wait "$P"
	rc=$?
	P=
	want=$((128 + $(kill -l "$sig")))
	[ $seen = yes ] && [ $rc = $want ]
	check $? "SIG$sig mid-run: file seen before ($seen), killed by the signal (exit $rc, want $want)"
	[ -z "$(ls -A "$d")" ]
	check $? "SIG$sig mid-run: no file left ($(ls -A "$d" | tr '\n' ' '))"
done

echo "1..$n"
exit $fail
