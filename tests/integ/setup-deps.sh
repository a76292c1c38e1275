#!/usr/bin/env bash
# scripts/setup-deps.sh without installing anything: --print lists the
# packages on one line, a bad option exits 2 naming it, a host with every
# package prints one line, and a missing package outside root exits 1
# naming it (a copy of the script with a package that does not exist,
# run as nobody, so apt-get never runs).
set -u
. tests/lib.sh
S=scripts/setup-deps.sh
command -v dpkg-query >/dev/null || skip_all "dpkg-query missing (not Debian)"

expect_exit 0 "--print" -- sh "$S" --print
[ "$(wc -l <"$T/out")" -eq 1 ] && grep -qw gcc "$T/out" &&
	grep -qw fio "$T/out" && [ ! -s "$T/err" ]
ok $? "--print: one line naming gcc and fio, nothing on stderr"

expect_exit 2 "a bad option" -- sh "$S" --bogus
stderr_has "unknown option '--bogus'" "the message names the bad option"
[ ! -s "$T/out" ]
ok $? "nothing on stdout for a bad option"

# The one-line path needs every package; it is not this test's business
# to install them, so it checks first and skips when one is missing.
absent=""
for p in $(sh "$S" --print); do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || absent="$absent $p"
done
for m in --test ""; do
	name="setup-deps.sh ${m:-(no option)}, all present"
	if [ -n "$absent" ]; then
		ok 0 "$name # SKIP missing:$absent"
		continue
	fi
	expect_exit 0 "$name" -- sh "$S" $m
	[ "$(wc -l <"$T/out")" -eq 1 ] && [ ! -s "$T/err" ] &&
		grep -qE '^setup-deps: checking ([0-9]+) packages \.\.\. all \1 present$' "$T/out"
	ok $? "$name: one line, '$(head -1 "$T/out")'"
done

# Outside root: report, install nothing, exit 1.
mkdir "$T/scripts"
sed 's/^STUDY="/STUDY="hpcvirt-no-such-pkg /' "$S" >"$T/scripts/setup-deps.sh"
grep -q '^STUDY="hpcvirt-no-such-pkg ' "$T/scripts/setup-deps.sh"
ok $? "a copy of the script with a package that does not exist"
chmod 755 "$T" "$T/scripts"
asuser=()
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null &&
		asuser=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
if [ "$(id -u)" -eq 0 ] && [ ${#asuser[@]} -eq 0 ]; then
	ok 0 "not root: exit 1 # SKIP root and no setpriv"
else
	expect_exit 1 "not root, a package missing" -- \
		"${asuser[@]}" sh "$T/scripts/setup-deps.sh"
	stderr_has "not root" "the message says why nothing was installed"
	stderr_has "apt-get install hpcvirt-no-such-pkg" "... and names the package"
	# The made-up package, and any of the real ones this host lacks.
	want=$((1 + $(echo "$absent" | wc -w)))
	grep -qE "^setup-deps: checking [0-9]+ packages \.\.\. $want missing$" "$T/out"
	ok $? "stdout: '$(head -1 "$T/out")' ($want missing)"
	[ ! -e "$T/build" ]
	ok $? "no log written when nothing is installed"
fi
finish
