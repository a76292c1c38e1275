#!/usr/bin/env bash
# The dependency rule of docs/ARCHITECTURE.md holds on the tree
# (scripts/check-layers.sh), and the checker does catch what it forbids:
# an upward include, a host header in a kernel, a circle of modules.
set -u
. tests/lib.sh
command -v tsort >/dev/null || skip_all "tsort (coreutils) not installed"

./scripts/check-layers.sh >"$T/real" 2>&1
ok $? "no upward include, no circle in src/ and include/"
sed 's/^/#   /' "$T/real" | head -10

# A copy of the tree with one wrong include at a time.
copy() {
	rm -rf "$T/tree"
	mkdir -p "$T/tree"
	cp -r src include "$T/tree/"
}
bad_one() { # FILE INCLUDE WHAT-THE-MESSAGE-SAYS DESCRIPTION
	copy
	echo "#include \"$2\"" >>"$T/tree/$1"
	./scripts/check-layers.sh "$T/tree" >"$T/out" 2>&1
	[ $? -eq 1 ] && grep -qF -- "$3" "$T/out"
	ok $? "$4"
	grep -qF -- "$3" "$T/out" || sed 's/^/#   /' "$T/out" | head -5
}
bad_one src/host/lab.c hpcvirt/study/sched.h \
	'src/host/lab.c: includes "hpcvirt/study/sched.h"' \
	"host including study is refused"
bad_one src/results/store.c hpcvirt/host/proc.h \
	'src/results/store.c: includes "hpcvirt/host/proc.h"' \
	"results including host is refused"
bad_one src/env/ns.c hpcvirt/study/sched.h \
	'src/env/ns.c: includes "hpcvirt/study/sched.h"' \
	"a driver including the scheduler is refused"
bad_one src/kernels/net/rr.c hpcvirt/util/err.h \
	'src/kernels/net/rr.c: includes "hpcvirt/util/err.h"' \
	"a kernel including a host header is refused"
bad_one src/host/clean.c hpcvirt/host/runstate.h \
	"input contains a loop" \
	"a circle inside a room (clean <-> runstate) is refused"
finish
