#!/usr/bin/env bash
# MPI across boxes: two "ns" boxes on the lab bridge, mpirun running
# natively inside the lab, one rank in each box, the daemons started
# through the boxes' agents (hpcvirt-rsh -> hpcvirt-agent ->
# hpcvirt-orted). The helper mpi-boxes-driver.c is built here against
# the host library; docs/mpi.md has the design.
set -u
. tests/lib.sh
[ -x "$BIN/hpcvirt-npb-mpi" ] || skip_all "hpcvirt-npb-mpi not built (no mpicc)"
for p in hpcvirt-mpirun hpcvirt-rsh hpcvirt-orted hpcvirt-agent; do
	[ -x "$BIN/$p" ] || skip_all "$p not built"
done
command -v orted >/dev/null || [ -x /usr/bin/orted ] ||
	skip_all "no orted (openmpi-bin)"
[ "$(id -u)" -eq 0 ] || skip_all "ns boxes need root"
NS_O=$PWD/$HV_BUILD/obj/src/env/ns.o
[ -f "$NS_O" ] && [ -f "$HV_BUILD/libhpcvirt.a" ] ||
	skip_all "host library not built"
cc -Iinclude -Isrc -D_GNU_SOURCE -std=gnu11 -O2 -Wall -Wextra \
	-o "$T/driver" tests/integ/mpi-boxes-driver.c "$NS_O" \
	"$HV_BUILD/libhpcvirt.a" -lsqlite3 -lcjson -lmnl -lm 2>"$T/cc" ||
	{ sed 's/^/# /' "$T/cc" | head; skip_all "cannot build the driver"; }

timeout -k 5 55 "$T/driver" "$BIN" hpcvirt-npb-mpi ep --class S \
	>"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 77 ]; then
	sed -n 's/^# ns boxes unavailable: /ns boxes unavailable: /p' "$T/out"
	skip_all "$(grep -m1 unavailable "$T/out")"
fi
[ $rc -eq 0 ]
ok $? "mpirun across two ns boxes (exit $rc)"
[ $rc -eq 0 ] || sed 's/^/#   /' "$T/err" | head -20
grep '^# box' "$T/out"

ips=$(sed -n 's/^# box [0-9]*: \([0-9.]*\) .*/\1/p' "$T/out" | sort -u | wc -l)
[ "$ips" -eq 2 ]
ok $? "two boxes with their own lab addresses"
# The job map (mpirun and each daemon print it): each box, named by
# its address, holds exactly one rank.
node_of() { # rank -> the node(s) the job map puts it on, one line each
	awk -v r="$1" '/Data for node: [0-9]/ {n=$4}
		/Process rank:/ {for (i = 1; i < NF; i++)
			if ($i == "rank:" && $(i + 1) == r) print n}' \
		"$T/out" | sort -u
}
n0=$(node_of 0)
n1=$(node_of 1)
[ "$(wc -w <<<"$n0")" -eq 1 ] && [ "$(wc -w <<<"$n1")" -eq 1 ] &&
	[ "$n0" != "$n1" ] &&
	grep -q "^# box [0-9]: $n0 " "$T/out" &&
	grep -q "^# box [0-9]: $n1 " "$T/out"
ok $? "rank 0 on $n0 and rank 1 on $n1: one rank per box"
grep -q "^Verification = SUCCESSFUL" "$T/out" &&
	grep -q "^Total processes = 2" "$T/out"
ok $? "EP class S with 2 ranks verifies"
[ -z "$(leftover_procs hv-mpiboxes)" ] && ! ls -d /tmp/hv-mpiboxes.* 2>/dev/null
ok $? "no box, daemon or run dir left behind"
finish
