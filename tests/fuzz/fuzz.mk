# fuzz.mk - build and run the libFuzzer harnesses of everything hpcvirt
# reads from outside itself, one target per file tests/fuzz/fuzz-NAME.c:
#
#   proto      agent frames, as the host and the agent decode them
#   result     a kernel's stdout: its HPCVIRT-RESULT line and every bench's
#              parse hook
#   opt        option values: util/opt.c and proto/units.c
#   store      an arbitrary file as study.db, loaded and rendered
#   store-sql  a valid study.db whose rows hold fuzzed text and numbers
#
#   make -f tests/fuzz/fuzz.mk                    build, fuzz each FUZZ_SECONDS
#   make -f tests/fuzz/fuzz.mk FUZZ_RUNS=1000000  a fixed number of inputs each
#   make -f tests/fuzz/fuzz.mk FUZZ_TARGETS=opt   only some targets
#   make -f tests/fuzz/fuzz.mk build              build only
#
# Targets run one after another, each in one process (no -jobs). Needs
# clang with libFuzzer (Debian: clang, libclang-rt-14-dev). The host
# library is compiled again with the sanitizers and coverage into
# $(FUZZ_BUILD)/obj. The seed corpora tests/fuzz/corpus/NAME/ are only
# read (store also gets a real study.db made by gen-study-db.c); new
# inputs go to $(FUZZ_BUILD)/corpus/NAME, crashes to
# $(FUZZ_BUILD)/NAME-crash-*.

FUZZ_BUILD   ?= build-fuzz
FUZZ_TARGETS ?= proto result opt store store-sql
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?=
FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-fno-omit-frame-pointer
# (-Wno-string-plus-int: image.c skips a path's leading '/' on purpose.)
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -Wall -Wextra -Wno-string-plus-int \
		-D_GNU_SOURCE -Iinclude -Isrc -Isrc/proto \
		-DHV_VERSION='"fuzz"' -DHV_GIT_REV='"fuzz"' $(FUZZ_SAN)
FUZZ_LIBS    := -lsqlite3 -lcjson -lmnl -lm

# The host library as the CLI links it (rooms, drivers, benches, the
# registry), with coverage for libFuzzer but without its main().
FUZZ_LIB_SRC := $(foreach d,util proto host results study env bench, \
			$(wildcard src/$(d)/*.c)) src/registry.c
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(FUZZ_LIB_SRC))
FUZZ_LIB     := $(FUZZ_BUILD)/libhpcvirt-fuzz.a
FUZZ_BINS    := $(patsubst %,$(FUZZ_BUILD)/fuzz-%,$(FUZZ_TARGETS))

# Longest input per target: a frame stream, a kernel's stdout, a few
# option values, a small study.db file, a handful of rows.
max_len_proto     := 4096
max_len_result    := 16384
max_len_opt       := 512
max_len_store     := 65536
max_len_store-sql := 4096

ifneq ($(FUZZ_RUNS),)
FUZZ_LIMIT := -runs=$(FUZZ_RUNS)
else
FUZZ_LIMIT := -max_total_time=$(FUZZ_SECONDS)
endif

# ASan's quarantine of freed memory, 16 MB instead of 256: a use after
# free is still caught within an input, and the store targets no longer
# fault in fresh pages at every input (a third of their time). Options
# already in ASAN_OPTIONS win.
FUZZ_ASAN := ASAN_OPTIONS=quarantine_size_mb=16$${ASAN_OPTIONS:+:$$ASAN_OPTIONS}

# $(call fuzz_one,NAME): run one target over its corpora.
define fuzz_one
	@mkdir -p $(FUZZ_BUILD)/corpus/$(1)
	@echo "fuzz-$(1): $(FUZZ_LIMIT)"
	$(FUZZ_ASAN) $(FUZZ_BUILD)/fuzz-$(1) $(FUZZ_LIMIT) \
		-max_len=$(max_len_$(1)) \
		-timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
		$(if $(wildcard tests/fuzz/$(1).dict),-dict=tests/fuzz/$(1).dict) \
		-artifact_prefix=$(FUZZ_BUILD)/$(1)- \
		$(FUZZ_BUILD)/corpus/$(1) $(wildcard tests/fuzz/corpus/$(1)) \
		$(if $(filter store,$(1)),$(FUZZ_BUILD)/seed/store)

endef

.PHONY: run build
run: build $(if $(filter store,$(FUZZ_TARGETS)),$(FUZZ_BUILD)/seed/store)
	$(foreach t,$(FUZZ_TARGETS),$(call fuzz_one,$(t)))

build: $(FUZZ_BINS)

# Coverage feedback for libFuzzer, except in stats.c and model.c: their
# bootstraps (4000 resamples per ratio or fit) are arithmetic over finite
# samples, with tests of their own, and instrumenting their loops made
# them most of the store targets' time. They are still built with the
# sanitizers, at -O2.
FUZZ_COV := -fsanitize=fuzzer-no-link
FUZZ_NOCOV := $(FUZZ_BUILD)/obj/src/results/stats.o \
	      $(FUZZ_BUILD)/obj/src/results/model.o
$(FUZZ_NOCOV): FUZZ_COV := -O2

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_COV) -MMD -MP -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< \
		$(FUZZ_LIB) $(FUZZ_LIBS)

# A real study.db written through the store API, the seed of the store
# target (raw SQLite bytes are mostly refused at the header).
$(FUZZ_BUILD)/gen-study-db: tests/fuzz/gen-study-db.c $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -o $@ $< \
		$(FUZZ_LIB) $(FUZZ_LIBS)

$(FUZZ_BUILD)/seed/store: $(FUZZ_BUILD)/gen-study-db
	rm -rf $@ $@.tmp
	@mkdir -p $(dir $@)
	$(FUZZ_BUILD)/gen-study-db $@.tmp
	mv $@.tmp $@

-include $(wildcard $(FUZZ_BUILD)/obj/src/*.d $(FUZZ_BUILD)/obj/src/*/*.d \
	$(FUZZ_BUILD)/*.d)
