# kernel.mk - build rules of the NPB kernels (EP, IS, CG, MG, FT),
# included by the top-level Makefile. One set of sources in
# src/kernels/npb/ gives two programs:
#   $(BIN)/hpcvirt-npb      serial (OpenMP pragmas ignored)
#   $(BIN)/hpcvirt-npb-omp  the same sources with -fopenmp
# with per-benchmark objects under $(OBJ)/npb-ser/ and $(OBJ)/npb-omp/.
# Default flags are portable (-O3 -march=x86-64-v2) because the
# binaries run in guests with other CPUs; NATIVE=1 opts in to
# -march=native for local experiments.

NPB_SRC := $(wildcard src/kernels/npb/*.c)
NPB_KLIB := $(KLIB_SRC) src/proto/npb-rules.c
ifeq ($(NATIVE),1)
NPB_ARCH := -march=native
else
NPB_ARCH := -march=x86-64-v2
endif
NPB_CFLAGS := -O3 $(NPB_ARCH) -fno-math-errno -fno-trapping-math \
	-fno-semantic-interposition
NPB_SER_OBJ := $(patsubst %.c,$(OBJ)/npb-ser/%.o,$(NPB_SRC) $(NPB_KLIB))
NPB_OMP_OBJ := $(patsubst %.c,$(OBJ)/npb-omp/%.o,$(NPB_SRC) $(NPB_KLIB))

# The serial build ignores the omp pragmas on purpose.
$(OBJ)/npb-ser/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) -D_GNU_SOURCE -Isrc/kernels/lib -Isrc/proto $(ALL_CFLAGS) $(KCFLAGS) \
		$(NPB_CFLAGS) -Wno-unknown-pragmas -c $< -o $@

$(OBJ)/npb-omp/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) -D_GNU_SOURCE -Isrc/kernels/lib -Isrc/proto $(ALL_CFLAGS) $(KCFLAGS) \
		$(NPB_CFLAGS) -fopenmp -c $< -o $@

$(BIN)/hpcvirt-npb: $(NPB_SER_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(KLDFLAGS) -o $@ $^ -lm

$(BIN)/hpcvirt-npb-omp: $(NPB_OMP_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fopenmp $(LDFLAGS) $(KLDFLAGS) -o $@ $^ -lm

kernels-extra: $(BIN)/hpcvirt-npb
ifeq ($(HAVE_OPENMP),yes)
kernels-extra: $(BIN)/hpcvirt-npb-omp
else
kernels-extra: npb-omp-skipped
.PHONY: npb-omp-skipped
npb-omp-skipped:
	@echo "hpcvirt-npb-omp: skipped (the compiler does not accept -fopenmp)"
endif

.PHONY: npb
npb: $(BIN)/hpcvirt-npb $(if $(filter yes,$(HAVE_OPENMP)),$(BIN)/hpcvirt-npb-omp)

# bench-npb: serial and OpenMP side by side with NPB 3.4 built from
# NPB_SRC (make bench-npb NPB_SRC=.../NPB3.4-OMP; without it ours
# alone), then the MPI variant (1 and 2 ranks, 1 and 4 for BT and SP)
# where it is built.
.PHONY: bench-npb
bench-npb: npb $(if $(filter yes,$(HAVE_MPI)),npb-mpi)
	NPB_SRC="$(NPB_SRC)" ./scripts/bench-npb.sh $(BUILD)
	if [ -x $(BIN)/hpcvirt-npb-mpi ]; then \
		./scripts/bench-npb-mpi.sh $(BUILD); fi
