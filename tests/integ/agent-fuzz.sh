#!/bin/bash
# agent-fuzz.sh - quick run of the protocol fuzzer (tests/fuzz/fuzz.mk)
# for make check: builds the libFuzzer harness with clang and runs it for
# FUZZ_SECONDS (default 10). Skips when clang or libFuzzer is missing.
set -u
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null ||
	{ echo "1..0 # SKIP $CC not installed (apt-get install clang)"; exit 77; }
probe=$(mktemp -d /tmp/hv-fuzz-probe.XXXXXX)
trap 'rm -rf "$probe"' EXIT
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n){(void)d;(void)n;return 0;}\n' >"$probe/p.c"
if ! "$CC" -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" 2>/dev/null; then
	echo "1..0 # SKIP $CC has no libFuzzer (apt-get install libclang-rt-14-dev)"
	exit 77
fi
echo "1..2"
if make -s -f tests/fuzz/fuzz.mk FUZZ_BUILD="$FUZZ_BUILD" FUZZ_CC="$CC" \
	build >"$probe/build.log" 2>&1; then
	echo "ok 1 - fuzz harness builds"
else
	sed 's/^/# /' "$probe/build.log"
	echo "not ok 1 - fuzz harness builds"
	echo "not ok 2 - fuzzing skipped: no harness"
	exit 1
fi
if make -s -f tests/fuzz/fuzz.mk FUZZ_BUILD="$FUZZ_BUILD" FUZZ_CC="$CC" \
	FUZZ_SECONDS="$FUZZ_SECONDS" run >"$probe/run.log" 2>&1; then
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$probe/run.log")
	echo "ok 2 - ${runs:-?} inputs in ${FUZZ_SECONDS} s, no crash"
else
	grep -E 'ERROR|SUMMARY|crash-|Test unit written' "$probe/run.log" |
		head -20 | sed 's/^/# /'
	echo "not ok 2 - fuzzer found a failure (see $FUZZ_BUILD/crash-*)"
	exit 1
fi
exit 0
