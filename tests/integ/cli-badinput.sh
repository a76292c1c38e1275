#!/usr/bin/env bash
# Bad input to the CLI: exit 2 and a message that names the bad value and
# the expected form. Nothing runs, nothing is left behind.
set -u
. tests/lib.sh
[ -x "$HV" ] || skip_all "hpcvirt not built"

expect_exit 2 "no command" -- "$HV"
expect_exit 2 "unknown command" -- "$HV" frobnicate
stderr_has "frobnicate" "names the unknown command"
stderr_has "image" "lists every command, image too"
expect_exit 2 "unknown option" -- "$HV" run --bogus
stderr_has "--bogus" "names the unknown option"
expect_exit 2 "--reps 0" -- "$HV" run --reps 0
stderr_has "'0'" "names the bad --reps value"
stderr_has "whole number" "says the expected form"
expect_exit 2 "--reps abc" -- "$HV" run --reps abc
stderr_has "abc" "names 'abc'"
expect_exit 2 "--reps 1 (need 2 for a CI)" -- "$HV" run --reps 1
expect_exit 2 "--seed -1" -- "$HV" run --seed -1
expect_exit 2 "unknown env" -- "$HV" run --env vmware
stderr_has "vmware" "names the unknown env"
expect_exit 2 "unknown bench" -- "$HV" run --bench net.udp
stderr_has "net.udp" "names the unknown bench"
expect_exit 2 "--sizes 0" -- "$HV" run --env native --bench net.rr --sizes 0
stderr_has "'0'" "names size 0"
expect_exit 2 "--sizes 1,,2" -- "$HV" run --env native --bench net.rr --sizes 1,,2
stderr_has "empty" "says an item is empty"
expect_exit 2 "--sizes 12parsecs" -- "$HV" run --env native --bench net.rr --sizes 12parsecs
stderr_has "12parsecs" "names the bad size"
expect_exit 2 "--duration -1" -- "$HV" run --env native --bench net.rr --duration -1
stderr_has "'-1'" "names the bad duration"
expect_exit 2 "--set without =" -- "$HV" run --set size_bytes
stderr_has "KEY=LIST" "says the expected form of --set"
expect_exit 2 "--set of a parameter no bench has" -- \
	"$HV" run --env native --bench net.stream --set size_bytes=1
stderr_has "size_bytes" "names the parameter"
expect_exit 2 "--set for one bench that is not selected" -- \
	"$HV" run --env native --bench npb.ep --set npb.cg:class=A
stderr_has "npb.cg:class" "names the scoped parameter"
stderr_has "BENCH:NAME" "says the scoped form"
expect_exit 2 "a bad value of a scoped --set" -- \
	"$HV" run --env native --bench npb.ep,npb.cg --set npb.cg:class=Q
stderr_has "bad --set npb.cg:class 'Q'" "names the scoped key and value"
expect_exit 2 "--cpus 0" -- "$HV" run --cpus 0
ncpu=$(nproc)
expect_exit 2 "--cpus above the host's $ncpu CPUs" -- "$HV" run --cpus $((ncpu + 1))
stderr_has "from 1 to $ncpu" "says the host's CPU count"
expect_exit 2 "--mem 256Q" -- "$HV" run --mem 256Q
stderr_has "bad --mem '256Q': expected MiB like 256, or a size like 512M" \
	"names the value and both forms"
expect_exit 2 "--mem 0" -- "$HV" run --mem 0
expect_exit 2 "a size the kernel refuses (128MiB > 64MiB)" -- \
	"$HV" run --env native --bench net.rr --sizes 128MiB
stderr_has "bad --sizes '128MiB'" "names --sizes as typed, not size_bytes"
expect_exit 2 "a size listed twice" -- "$HV" run --env native --bench net.rr --sizes 1,64,1
stderr_has "'1' is listed twice" "names the repeated size"
expect_exit 2 "--sizes ''" -- "$HV" run --env native --bench net.rr --sizes ''
stderr_has "empty value for --sizes" "names --sizes"
expect_exit 2 "a bad --set value" -- "$HV" run --env native --bench fs --set file_bytes=0
stderr_has "bad --set file_bytes '0'" "names --set file_bytes"
expect_exit 2 "an NPB class the benchmark does not have" -- \
	"$HV" run --env native --bench npb.is --variant ser --class D
stderr_has "npb.is" "names the bench"
expect_exit 2 "--out under a missing parent" -- \
	"$HV" run --env native --bench net.rr --out "$T/missing/deep/dir"
stderr_has "$T/missing/deep" "names the missing parent"
stderr_has "--parents" "says how to ask for parents"
[ ! -e "$T/missing" ]
ok $? "nothing was created under the missing parent"
expect_exit 2 "clean with an operand" -- "$HV" clean extra
stderr_has "extra" "names the operand"
expect_exit 2 "stray operand" -- "$HV" run extra
stderr_has "extra" "names the operand"
expect_exit 2 "report of a missing study" -- "$HV" report "$T/nope"
stderr_has "$T/nope" "names the missing directory"
expect_exit 2 "report without a directory" -- "$HV" report
# A report reads; it never writes into what it reads, whatever that is.
mkdir -p "$T/empty" "$T/junk"
: >"$T/empty/study.db"
expect_exit 2 "report of an empty study.db" -- "$HV" report "$T/empty"
[ "$(stat -c %s "$T/empty/study.db")" -eq 0 ] && [ "$(ls "$T/empty")" = study.db ]
ok $? "the empty study.db is left empty, with nothing beside it"
head -c 5000 /dev/urandom >"$T/junk/study.db"
sum=$(sha256sum <"$T/junk/study.db")
expect_exit 2 "report of a corrupt study.db" -- "$HV" report "$T/junk"
[ "$(sha256sum <"$T/junk/study.db")" = "$sum" ]
ok $? "the corrupt study.db is left as it was"
expect_exit 2 "list with an operand" -- "$HV" list extra
expect_exit 0 "run --help" -- "$HV" run --help
grep -q -- "--reps" "$T/out"
ok $? "run --help lists --reps"
[ ! -d hpcvirt-results ] || [ -z "$(find hpcvirt-results -newer "$T" -maxdepth 1 2>/dev/null)" ]
ok $? "bad input created no study directory"
finish
