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

# The room of a file, from its path.
room_of() {
	case "$1" in
	src/main.c | src/registry.c | src/cli.h | src/cli/* | src/rsh/*) echo cli ;;
	include/hpcvirt/registry.h) echo cli ;;
	include/hpcvirt/*/*) local r=${1#include/hpcvirt/}; echo "${r%%/*}" ;;
	src/kernels/*) echo kernels ;;
	src/*/*) local r=${1#src/}; echo "${r%%/*}" ;;
	*) echo other ;;
	esac
}

# What a room may include: rooms, or room/header for one header only.
allowed() {
	case "$1" in
	cli | other) echo "*" ;;
	study) echo "study host results util proto" ;;
	env) echo "env study/env.h study/bench.h study/agentc.h host results util proto" ;;
	bench) echo "bench study/bench.h results util proto" ;;
	host) echo "host util proto" ;;
	results) echo "results util proto" ;;
	util) echo "util proto" ;;
	proto) echo "proto" ;;
	agent | kernels) echo "-" ;;
	*) echo "" ;;
	esac
}

# The room (and room/header) an include line names; "" for a header of
# the file's own folder or its compile line's -I (kernels, agent).
target_of() {
	case "$1" in
	hpcvirt/registry.h) echo "cli cli/registry.h" ;;
	hpcvirt/*/*) local r=${1#hpcvirt/}; echo "${r%%/*} ${r%%/*}/${r#*/}" ;;
	hpcvirt/*) echo "cli cli/${1#hpcvirt/}" ;;
	*/*) local r=${1#../}; echo "${r%%/*} ${r%%/*}/${r##*/}" ;;
	*) echo "" ;;
	esac
}

bad=0
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
while IFS= read -r f; do
	room=$(room_of "$f")
	ok=$(allowed "$room")
	mod=$(basename "$f"); mod=${mod%.*}
	while IFS= read -r inc; do
		read -r troom thdr <<<"$(target_of "$inc")"
		tmod=$(basename "$inc"); tmod=${tmod%.*}
		[ "$tmod" != "$mod" ] && echo "$room/$mod ${troom:-$room}/$tmod" >>"$edges"
		if [ "$ok" = "-" ]; then
			case "$inc" in hpcvirt/* | ../../*)
				echo "$f: includes \"$inc\": $room depends on nothing host-side"
				bad=1 ;;
			esac
			continue
		fi
		[ -z "$troom" ] || [ "$ok" = "*" ] || [ "$troom" = "$room" ] && continue
		case " $ok " in *" $troom "* | *" $thdr "*) continue ;; esac
		echo "$f: includes \"$inc\": $room may include only: $ok"
		bad=1
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done < <(find src include -name '*.[ch]' | sort)

if ! loops=$(tsort "$edges" 2>&1 >/dev/null) || [ -n "$loops" ]; then
	echo "include circle between modules:"
	echo "$loops" | sed 's/^/  /'
	bad=1
fi
exit $bad
