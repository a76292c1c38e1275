#!/usr/bin/env bash
# On a terminal, hpcvirt run shows a progress line: repetitions done of
# the total, the current cell and the ETA. Without a terminal it shows
# none (logs stay clean).
set -u
. tests/lib.sh
[ -x "$HV" ] || skip_all "hpcvirt not built"
command -v script >/dev/null || skip_all "script (util-linux) not installed"

script -qec "$HV run --env native --bench net.rr --sizes 1,64 --duration 0.2 \
	--reps 2 --warmup 0 --out $T/tty --quiet" "$T/tty.log" >/dev/null 2>&1
ok $? "run under a pseudo-terminal"
grep -q '\[1/4\] native net.rr size_bytes=' "$T/tty.log"
ok $? "progress names the step and the cell"
grep -q '\[4/4\]' "$T/tty.log" && grep -q 'ETA [0-9]*m[0-9]*s' "$T/tty.log"
ok $? "progress counts to the total and shows an ETA"

"$HV" run --env native --bench net.rr --sizes 1 --duration 0.1 --reps 2 \
	--warmup 0 --out "$T/notty" --quiet 2>"$T/err" >/dev/null
! grep -q 'ETA' "$T/err"
ok $? "no progress line without a terminal"
finish
