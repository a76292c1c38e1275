#!/usr/bin/env bash
# The man page (docs/hpcvirt.1) in step with --help: every subcommand
# that `hpcvirt --help` lists has its section, every option of its
# `--help` is in that section, and every option the section documents
# is still in --help. It also renders without warnings where groff is.
set -u
. tests/lib.sh
[ -x "$HV" ] || skip_all "hpcvirt not built"
man=docs/hpcvirt.1
[ -f "$man" ] || { echo "not ok 1 - $man exists"; exit 1; }

# The options a section of the page documents: \-\-name (with \- inside
# the name too) on its .TP entries' .B/.BI lines. The .SS section runs
# to the next .SS or .SH.
section() { # CMD
	awk -v cmd="$1" '
		/^\.S[SH] / { on = ($1 == ".SS" && $2 == cmd); next }
		on { print }' "$man"
}
man_opts() { # CMD
	section "$1" | grep -E '^\.(BI?|TP)' | grep -oE '\\-\\-[a-z]([a-z]|\\-)*' |
		sed 's/\\//g' | sort -u
}
help_opts() { # CMD
	"$HV" "$1" --help | grep -oE '^  --[a-z][a-z-]*' | sed 's/^  //' |
		grep -vx -- --help | sort -u
}

cmds=$("$HV" --help | awk '/^commands:/ { on = 1; next } on && !NF { exit }
	on { print $1 }')
[ -n "$cmds" ]
ok $? "hpcvirt --help lists commands ($(echo $cmds))"
for c in $cmds; do
	[ -n "$(section "$c")" ] || grep -q "^\.SS $c\$" "$man"
	ok $? "the man page has a section for '$c'"
	missing=$(comm -23 <(help_opts "$c") <(man_opts "$c") | tr '\n' ' ')
	[ -z "$missing" ]
	ok $? "$c: every --help option is in the man page${missing:+ (missing: $missing)}"
	stale=$(comm -13 <(help_opts "$c") <(man_opts "$c") | tr '\n' ' ')
	[ -z "$stale" ]
	ok $? "$c: the man page documents no option --help lacks${stale:+ (stale: $stale)}"
done
grep -q '^\.SH EXIT STATUS' "$man"
ok $? "the page has the exit codes"
if command -v groff >/dev/null; then
	w=$(groff -man -Tutf8 -ww -z "$man" 2>&1)
	[ -z "$w" ]
	ok $? "groff renders it without warnings${w:+: $w}"
fi
finish
