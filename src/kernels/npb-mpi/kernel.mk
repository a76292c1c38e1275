# kernel.mk - build rule of hpcvirt-npb-mpi, the MPI versions of the NPB
# benchmarks, included by the top-level Makefile. Built with the MPI
# compiler wrapper (Open MPI's mpicc) when $(HAVE_MPI) is yes, otherwise
# skipped with one line. The benchmark units compile the serial sources
# of ../npb/ into themselves to share their numerical code, so the OpenMP
# pragmas there are ignored here (-Wno-unknown-pragmas): one rank is one
# single-threaded process. The program is linked dynamically: Open MPI
# has no static libmpi in Debian.

MPICC ?= mpicc
NPBM_SRC := $(wildcard src/kernels/npb-mpi/*.c)
NPBM_SHARED := src/kernels/npb/npb-common.c src/kernels/npb/npb-verify-data.c \
	src/kernels/npb/cfd-common.c
NPBM_OBJ := $(patsubst %.c,$(OBJ)/npb-mpi/%.o,$(NPBM_SRC) $(NPBM_SHARED) \
	$(KLIB_SRC) src/proto/npb-rules.c)
ifeq ($(NATIVE),1)
NPBM_ARCH := -march=native
else
NPBM_ARCH := -march=x86-64-v2
endif
NPBM_CFLAGS := -O3 $(NPBM_ARCH) -fno-math-errno -fno-trapping-math \
	-fno-semantic-interposition -Wno-unknown-pragmas

$(OBJ)/npb-mpi/%.o: %.c
	@mkdir -p $(dir $@)
	$(MPICC) -D_GNU_SOURCE -Isrc/kernels/lib -Isrc/proto $(ALL_CFLAGS) $(KCFLAGS) \
		$(NPBM_CFLAGS) -c $< -o $@

$(BIN)/hpcvirt-npb-mpi: $(NPBM_OBJ)
	@mkdir -p $(dir $@)
	$(MPICC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ -lm

ifeq ($(STATIC),1)
# No static libmpi in Debian: a static build (for guests) skips it quietly.
else ifeq ($(HAVE_MPI),yes)
kernels-extra: $(BIN)/hpcvirt-npb-mpi
else
kernels-extra: npb-mpi-skipped
.PHONY: npb-mpi-skipped
npb-mpi-skipped:
	@echo "hpcvirt-npb-mpi: skipped (no mpicc; install libopenmpi-dev)"
endif

.PHONY: npb-mpi
npb-mpi: $(if $(filter yes,$(HAVE_MPI)),$(BIN)/hpcvirt-npb-mpi)
