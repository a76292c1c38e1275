# hpcvirt - plain GNU Make build (docs/ARCHITECTURE.md explains why).
#
#   make                 build everything available into build/bin/
#   make STATIC=1        agent and kernels linked statically (for guests)
#   make check           install test deps, build, run every test
#   make study           install deps, build, run the default study
#   make install PREFIX=/usr/local
#   make format / format-check, make asan, make fuzz, make bench-peers
#   make check-layers    the include rule between src/ rooms
#
# CI=true (or WERROR=1) adds -Werror.

CC       ?= gcc
PREFIX   ?= /usr/local
BUILD    ?= build
STATIC   ?= 0
VERSION  := 0.1.0
GIT_REV  := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

WARN     := -Wall -Wextra -Wshadow -Wformat=2 -Wno-format-nonliteral \
	    -Wno-format-truncation
ifneq ($(filter true 1,$(CI) $(WERROR)),)
WARN     += -Werror
endif
OPT      ?= -O2 -g
CFLAGS   ?=
VERSION_DEFS := -DHV_VERSION='"$(VERSION)"' -DHV_GIT_REV='"$(GIT_REV)"'
CPPFLAGS += -Iinclude -Isrc -D_GNU_SOURCE $(VERSION_DEFS)
ALL_CFLAGS = -std=gnu11 $(OPT) $(WARN) $(CFLAGS) $(SAN) -MMD -MP

ifeq ($(STATIC),1)
KLDFLAGS := -static
endif

NPROC    := $(shell nproc 2>/dev/null || echo 2)
BIN      := $(BUILD)/bin
OBJ      := $(BUILD)/obj

# --- optional parts, detected once --------------------------------------
have = $(shell printf 'int main(void){return 0;}\n' | \
	$(CC) -x c - $(1) -o /dev/null 2>/dev/null && echo yes)
HAVE_OPENMP := $(call have,-fopenmp)
HAVE_MPI    := $(if $(shell command -v mpicc 2>/dev/null),yes)
HAVE_HOSTLIBS := $(call have,-lsqlite3 -lcjson -lmnl)

# --- sources --------------------------------------------------------------
# The host library, in its rooms (docs/ARCHITECTURE.md): util, host,
# study, results, and the contracts in proto/ it shares with the boxes.
CORE_SRC  := $(foreach d,util host study results proto,$(wildcard src/$(d)/*.c))
HOST_SRC  := src/main.c src/registry.c $(wildcard src/cli/*.c) $(wildcard src/env/*.c) \
	     $(wildcard src/bench/*.c)
AGENT_SRC := $(wildcard src/agent/*.c) $(wildcard src/proto/*.c)
KLIB_SRC  := $(wildcard src/kernels/lib/*.c) src/proto/units.c
NET_SRC   := $(wildcard src/kernels/net/*.c)

obj = $(patsubst %.c,$(OBJ)/%.o,$(1))
kobj = $(patsubst %.c,$(OBJ)/k/%.o,$(1))

# The objects that embed GIT_REV (a -D is no dependency) depend on a stamp
# holding it, rewritten only when HEAD moves, so a study never records the
# revision of an older build.
REV_STAMP := $(BUILD)/git-rev
$(shell mkdir -p $(BUILD) && [ "$$(cat $(REV_STAMP) 2>/dev/null)" = "$(GIT_REV)" ] || echo "$(GIT_REV)" > $(REV_STAMP))

LIBHV     := $(BUILD)/libhpcvirt.a
HOST_LIBS := -lsqlite3 -lcjson -lmnl -lm

PROGS := $(BIN)/hpcvirt-agent $(BIN)/hpcvirt-net
ifeq ($(HAVE_HOSTLIBS),yes)
PROGS += $(BIN)/hpcvirt
endif

.PHONY: all
all: $(PROGS) kernels-extra
ifneq ($(HAVE_HOSTLIBS),yes)
	@echo "hpcvirt: skipped (libsqlite3-dev or libcjson-dev missing; run scripts/setup-deps.sh)"
endif

# Host objects and the core library.
$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

# Kernel and agent objects: no host include path beyond their own dirs.
$(OBJ)/k/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) -D_GNU_SOURCE -Isrc/kernels/lib -Isrc/proto $(VERSION_DEFS) \
		$(ALL_CFLAGS) $(KCFLAGS) -c $< -o $@

$(LIBHV): $(call obj,$(CORE_SRC))
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BIN)/hpcvirt: $(call obj,$(HOST_SRC)) $(LIBHV)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(HOST_LIBS)

# Open MPI's remote launch agent for boxes (docs/mpi.md): a host program
# beside the CLI, built when Open MPI is there.
$(BIN)/hpcvirt-rsh: $(call obj,src/rsh/hpcvirt-rsh.c) $(LIBHV)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(HOST_LIBS)

# The agent is linked statically (except in the sanitizer build, which
# cannot): it is the same program in every box, and a static binary
# starts about 2 ms faster (no dynamic linking).
$(BIN)/hpcvirt-agent: $(call kobj,$(AGENT_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(if $(SAN),,-static) -o $@ $^

$(BIN)/hpcvirt-net: $(call kobj,$(NET_SRC) $(KLIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(KLDFLAGS) -o $@ $^ -lm

# Kernels with their own fragment (NPB builds several variants).
.PHONY: kernels-extra
kernels-extra:
-include $(wildcard src/kernels/*/kernel.mk)

# --- static agent and kernels for guests -------------------------------------
# VMs and UML boot an initramfs holding the agent and kernels, linked
# statically, from $(BIN)/static (src/host/image.c). Kernels that cannot
# link statically (MPI) skip themselves when STATIC=1.
.PHONY: static
static:
	$(MAKE) STATIC=1 BUILD=$(BUILD)/static-obj BIN=$(BIN)/static \
		$(BIN)/static/hpcvirt-agent $(BIN)/static/hpcvirt-net \
		kernels-extra

# --- tests ------------------------------------------------------------------
UNIT_SRC   := $(wildcard tests/unit/test-*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
KUNIT_SRC  := $(wildcard tests/unit/ktest-*.c)
KUNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(KUNIT_SRC))

# test-*.c link with the core library; ktest-*.c with the kernel library
# and the agent's protocol code.
$(BUILD)/tests/test-%: tests/unit/test-%.c $(LIBHV)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests $(ALL_CFLAGS) -o $@ $< $(filter %.a %.o,$^) $(HOST_LIBS)

# test-host-*.c also link the drivers, benches and registry of the CLI.
HOST_OBJS := $(call obj,$(filter-out src/main.c,$(HOST_SRC)))
$(BUILD)/tests/test-host-%: tests/unit/test-host-%.c $(HOST_OBJS) $(LIBHV)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests $(ALL_CFLAGS) -o $@ $< \
		$(filter %.a %.o,$^) $(HOST_LIBS)

$(BUILD)/tests/ktest-%: tests/unit/ktest-%.c $(call kobj,$(KLIB_SRC) $(wildcard src/proto/*.c))
	@mkdir -p $(dir $@)
	$(CC) -D_GNU_SOURCE -Isrc/kernels/lib -Isrc/proto -Itests \
		$(ALL_CFLAGS) -o $@ $< $(filter %.a %.o,$^) -lm

.PHONY: tests
tests: all $(UNIT_BINS) $(KUNIT_BINS)

# make check: everything the tests need, the normal build, then the
# sanitizer build of the unit tests, then every test. The last line of
# tests/run.sh is "N passed, N failed, N skipped".
.PHONY: check
check:
	./scripts/setup-deps.sh --test
	$(MAKE) -j$(NPROC) tests
	$(MAKE) -j$(NPROC) static
	$(MAKE) -j$(NPROC) asan-tests
	./tests/run.sh $(BUILD) build-asan

# The dependency rule of docs/ARCHITECTURE.md (also a test in make check).
.PHONY: check-layers
check-layers:
	./scripts/check-layers.sh

.PHONY: asan-tests
asan-tests:
	$(MAKE) BUILD=build-asan OPT="-O1 -g" \
		SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		tests

# --- fuzzing (libFuzzer, clang) --------------------------------------------
# Every target of tests/fuzz/ in turn, 10^6 inputs each (FUZZ_RUNS), or
# FUZZ_SECONDS each when that is given; FUZZ_TARGETS picks some.
.PHONY: fuzz
fuzz:
	$(MAKE) -f tests/fuzz/fuzz.mk \
		$(if $(FUZZ_SECONDS),FUZZ_SECONDS=$(FUZZ_SECONDS),FUZZ_RUNS=$(or $(FUZZ_RUNS),1000000))

# --- chaos: studies killed at random; nothing may leak or be lost ----------
.PHONY: chaos
chaos: all static
	./scripts/chaos.sh --kills $${CHAOS_KILLS:-100} --build $(BUILD)

# --- study and benchmarks ---------------------------------------------------
.PHONY: study
study:
	./scripts/setup-deps.sh
	$(MAKE) -j$(NPROC) all
	$(MAKE) -j$(NPROC) static
	./scripts/study.sh

# Benchmarks, not tests: each compares a kernel or env with a reference
# tool side by side, interleaved, and prints the ratios. bench-fs takes
# IOZone from IOZONE=/path/to/iozone, and falls back to fio without it.
.PHONY: bench-peers bench-net bench-fs bench-start bench-sys
bench-peers: bench-net bench-fs bench-start bench-sys
bench-net: all
	./scripts/bench-peers.sh
bench-fs: all
	./scripts/bench-fs.sh $(BUILD)
bench-start: all tests
	./scripts/bench-start.sh $(BUILD)
bench-sys: all
	HV_BUILD=$(BUILD) ./scripts/bench-sys-peers.sh

# --- install, format, clean -------------------------------------------------
.PHONY: install
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/hpcvirt
	install -m 0755 $(BIN)/hpcvirt $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/share/hpcvirt $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 data/claims-2008.tsv $(DESTDIR)$(PREFIX)/share/hpcvirt/
	install -m 0644 docs/hpcvirt.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	for f in $(BIN)/hpcvirt-*; do \
		install -m 0755 $$f $(DESTDIR)$(PREFIX)/libexec/hpcvirt/; done
	if [ -d $(BIN)/static ]; then \
		install -d $(DESTDIR)$(PREFIX)/libexec/hpcvirt/static; \
		for f in $(BIN)/static/hpcvirt-*; do install -m 0755 $$f \
			$(DESTDIR)$(PREFIX)/libexec/hpcvirt/static/; done; fi

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)

.PHONY: format format-check
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

.PHONY: clean
clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# (After every target above, so that it is not the default goal.)
$(call obj,src/main.c src/results/provenance.c): $(REV_STAMP)
