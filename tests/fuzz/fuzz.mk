# fuzz.mk - build and run the libFuzzer harness of the agent protocol.
#
#   make -f tests/fuzz/fuzz.mk                 build, then fuzz FUZZ_SECONDS
#   make -f tests/fuzz/fuzz.mk FUZZ_RUNS=20000 a fixed number of inputs
#   make -f tests/fuzz/fuzz.mk build           build only
#
# Needs clang with libFuzzer (Debian: clang-14, libclang-rt-14-dev). The
# seed corpus tests/fuzz/corpus/ is only read; new inputs go to
# $(FUZZ_BUILD)/corpus, crashes to $(FUZZ_BUILD)/crash-*.

FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?=
FUZZ_CC      ?= clang
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -D_GNU_SOURCE -Isrc/proto \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_BIN     := $(FUZZ_BUILD)/fuzz-proto

ifneq ($(FUZZ_RUNS),)
FUZZ_LIMIT := -runs=$(FUZZ_RUNS)
else
FUZZ_LIMIT := -max_total_time=$(FUZZ_SECONDS)
endif

.PHONY: run build
run: $(FUZZ_BIN)
	@mkdir -p $(FUZZ_BUILD)/corpus
	$(FUZZ_BIN) $(FUZZ_LIMIT) -max_len=4096 -timeout=10 \
		-rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_BUILD)/ \
		$(FUZZ_BUILD)/corpus tests/fuzz/corpus

build: $(FUZZ_BIN)

$(FUZZ_BIN): tests/fuzz/fuzz-proto.c src/proto/proto.c src/proto/proto.h
	@mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz-proto.c \
		src/proto/proto.c
