#!/usr/bin/env bash
# check-layers.sh [ROOT] - the dependency rule of docs/ARCHITECTURE.md,
# checked on every #include of ROOT/src and ROOT/include (default: the
# tree this script is in). Exit 0 if it holds, 1 with one line per
# offending include otherwise, 2 on bad usage.
#
#   cli, main.c, registry.c, rsh -> anything below
#   study            -> host, results, util, proto
#   env (drivers)    -> study's plugin interface (env.h, bench.h,
#                       agentc.h), host, results, util, proto
#   bench            -> study/bench.h, results, util, proto
#   host             -> util, proto        results -> util, proto
#   util             -> proto              proto   -> nothing
#   agent, kernels   -> nothing host-side (no hpcvirt/ header)
#
# Modules (one .c and its header) must also not include each other in a
# circle; tsort finds the loops.
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
[ -d "$root/src" ] || { echo "usage: $0 [ROOT with src/]" >&2; exit 2; }
cd "$root" || exit 2
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT

find src include -name '*.[ch]' | sort | xargs awk -v edges="$edges" '
function room_of(f,   r) {
	if (f ~ /^src\/(main\.c|registry\.c|cli\.h)$/ || f ~ /^src\/(cli|rsh)\// ||
	    f == "include/hpcvirt/registry.h")
		return "cli"
	if (f ~ /^include\/hpcvirt\/[^\/]+\//) {
		r = substr(f, 17); sub(/\/.*/, "", r); return r
	}
	if (f ~ /^src\/kernels\//) return "kernels"
	if (f ~ /^src\/[^\/]+\//) { r = substr(f, 5); sub(/\/.*/, "", r); return r }
	return "other"
}
function base(p) { sub(/.*\//, "", p); sub(/\.[ch]$/, "", p); return p }
BEGIN {
	allow["cli"] = "*"; allow["other"] = "*"
	allow["study"] = " study host results util proto "
	allow["env"] = " env study/env.h study/bench.h study/agentc.h host results util proto "
	allow["bench"] = " bench study/bench.h results util proto "
	allow["host"] = " host util proto "
	allow["results"] = " results util proto "
	allow["util"] = " util proto "
	allow["proto"] = " proto "
	allow["agent"] = "-"; allow["kernels"] = "-"
}
FNR == 1 { room = room_of(FILENAME); mod = base(FILENAME) }
/^[ \t]*#[ \t]*include[ \t]*"/ {
	inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
	troom = ""; thdr = ""
	if (inc == "hpcvirt/registry.h") { troom = "cli"; thdr = "cli/registry.h" }
	else if (inc ~ /^hpcvirt\/[^\/]+\//) {
		thdr = substr(inc, 9); troom = thdr; sub(/\/.*/, "", troom)
	} else if (inc ~ /\//) {
		t = inc; sub(/^(\.\.\/)+/, "", t); troom = t; sub(/\/.*/, "", troom)
		thdr = troom "/" base(t) ".h"
	}
	tmod = base(inc)
	if (tmod != mod)
		print room "/" mod " " (troom == "" ? room : troom) "/" tmod > edges
	ok = allow[room]
	if (ok == "-") {
		if (inc ~ /^hpcvirt\// || inc ~ /^\.\.\/\.\.\//) {
			printf "%s: includes \"%s\": %s depends on nothing host-side\n", FILENAME, inc, room
			bad = 1
		}
		next
	}
	if (troom == "" || ok == "*" || troom == room) next
	if (index(ok, " " troom " ") || index(ok, " " thdr " ")) next
	o = ok; gsub(/^ | $/, "", o)
	printf "%s: includes \"%s\": %s may include only: %s\n", FILENAME, inc, room, o
	bad = 1
}
END { exit bad }' && bad=0 || bad=1

if ! loops=$(tsort "$edges" 2>&1 >/dev/null) || [ -n "$loops" ]; then
	echo "include circle between modules:"
	echo "$loops" | sed 's/^/  /'
	bad=1
fi
exit $bad
