#!/usr/bin/env bash
# The build's promises: `make STATIC=1` links the agent and kernels
# statically (for guests), and `make install PREFIX=...` installs a tool
# that finds its agent and kernels and runs.
set -u
. tests/lib.sh
command -v make >/dev/null || skip_all "make not installed"

sb=$T/build-static
make -s STATIC=1 BUILD="$sb" -j2 "$sb/bin/hpcvirt-agent" "$sb/bin/hpcvirt-net" \
	>"$T/make.log" 2>&1
ok $? "make STATIC=1 builds the agent and the net kernel"
for b in hpcvirt-agent hpcvirt-net; do
	file "$sb/bin/$b" 2>/dev/null | grep -q "statically linked" ||
		! ldd "$sb/bin/$b" >/dev/null 2>&1
	ok $? "$b is statically linked"
done
"$sb/bin/hpcvirt-agent" --version >/dev/null 2>&1
ok $? "the static agent runs"

make -s install PREFIX="$T/inst" >"$T/install.log" 2>&1
ok $? "make install PREFIX=..."
[ -x "$T/inst/bin/hpcvirt" ] && [ -x "$T/inst/libexec/hpcvirt/hpcvirt-agent" ]
ok $? "installed hpcvirt and libexec/hpcvirt/hpcvirt-agent"
"$T/inst/bin/hpcvirt" list >"$T/list" 2>&1 && grep -q "native *available" "$T/list"
ok $? "the installed hpcvirt lists native as available"
"$T/inst/bin/hpcvirt" run --env native --bench net.rr --sizes 1 \
	--duration 0.1 --reps 2 --warmup 0 --out "$T/st" --quiet >/dev/null 2>&1
ok $? "the installed hpcvirt runs a study"
[ -f "$T/inst/share/man/man1/hpcvirt.1" ]
ok $? "make install puts the man page in share/man/man1"
"$T/inst/bin/hpcvirt" report "$T/st" --scorecard >/dev/null 2>&1
ok $? "the installed hpcvirt finds its claims file (report --scorecard)"
finish
