#!/bin/bash
# lab-cleanup.sh - the lab leaves the host as it found it. The host's
# `ip -d link`, `ip addr`, `ip route` (all tables), `ip netns` and mount
# table are compared before and after (a) a full run of test-lab (labs in
# both modes, created, attached and destroyed) and (b) `test-lab --hold`
# (a lab with one box) SIGKILLed: its holder and box processes must be
# gone within 1 s, and no process may remain in the lab's namespace.
# Also checked while the held lab exists: the host sees none of it.
set -u
T=${HV_BUILD:-build}/tests/test-lab
[ -x "$T" ] || { echo "1..0 # SKIP $T not built (make $T)"; exit 77; }
command -v ip >/dev/null || { echo "1..0 # SKIP no ip (iproute2)"; exit 77; }
D=$(mktemp -d /tmp/hv-lab-cleanup.XXXXXX)
HP=
cleanup() {
	[ -n "$HP" ] && kill -9 "$HP" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
n=0 fail=0
check() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }

# The host state the lab must not change (address lifetimes masked).
snapshot() {
	{
		ip -d link show
		ip addr show | sed -E 's/(valid|preferred)_lft [0-9]+sec/\1_lft N/g'
		ip route show table all
		ip -6 route show table all | sed -E 's/expires [0-9]+sec/expires N/'
		ip netns list
		cat /proc/self/mountinfo
	} >"$1" 2>&1
}

same() { # name file1 file2
	if cmp -s "$2" "$3"; then
		check 0 "$1"
	else
		check 1 "$1"
		diff "$2" "$3" | head -20 | sed 's/^/# /'
	fi
}

# Is process $1 alive? A zombie is not: it has already left its
# namespaces, and on this host PID 1 reaps orphans only after ~1 s.
alive() {
	local st
	st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# Does any process live in the network namespace $1 (net:[inode])?
ns_in_use() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/net" 2>/dev/null)" = "$1" ] && return 0
	done
	return 1
}

# (a) a normal run
snapshot "$D/before"
"$T" >"$D/run.out" 2>&1
rc=$?
[ $rc = 77 ] && { grep -m1 SKIP "$D/run.out"; exit 77; }
check $rc "test-lab passes (exit $rc)"
[ $rc = 0 ] || grep '^not ok' "$D/run.out" | sed 's/^/# /'
snapshot "$D/after-run"
same "host unchanged after a normal run" "$D/before" "$D/after-run"

# (b) SIGKILL with a lab and a box alive
"$T" --hold >"$D/hold.out" 2>&1 &
HP=$!
holder= box=
for _ in $(seq 100); do
	read -r _ holder box < <(grep -m1 '^ready ' "$D/hold.out")
	[ -n "$holder" ] && break
	sleep 0.1
done
holder=${holder#holder=} box=${box#box=}
check "$([ -n "$holder" ] && alive "$holder"; echo $?)" \
	"held lab is up (holder ${holder:-none}, box ${box:-none})"
labns=$(readlink "/proc/${holder:-0}/ns/net" 2>/dev/null)
check "$([ -n "$labns" ] && [ "$labns" != "$(readlink /proc/self/ns/net)" ]; echo $?)" \
	"the holder is in its own namespace ($labns)"
snapshot "$D/during"
same "host unchanged while the lab exists" "$D/before" "$D/during"
kill -9 "$HP"
wait "$HP" 2>/dev/null
HP=
gone=1
for _ in $(seq 10); do
	if ! alive "$holder" && ! alive "$box"; then
		gone=0
		break
	fi
	sleep 0.1
done
check $gone "holder and box are dead within 1 s of the SIGKILL"
check "$(ns_in_use "$labns" && echo 1 || echo 0)" \
	"no process is left in the lab namespace"
snapshot "$D/after-kill"
same "host unchanged after the SIGKILL" "$D/before" "$D/after-kill"
echo "1..$n"
exit $fail
