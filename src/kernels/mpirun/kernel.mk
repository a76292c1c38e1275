# kernel.mk - the MPI launch path, included by the top-level Makefile:
#   $(BIN)/hpcvirt-mpirun  execs the system mpirun with hpcvirt's options
#   $(BIN)/hpcvirt-orted   execs the system orted (for mpirun in boxes)
# Both are kernels (kernel runtime only, static with STATIC=1). Their
# host-side partner, hpcvirt-rsh (mpirun's remote launch agent), uses
# the host's agent client and is built from src/rsh/ by the Makefile.
# Built only when Open MPI is there ($(HAVE_MPI)); docs/mpi.md.

MPR_DIR := src/kernels/mpirun

$(BIN)/hpcvirt-mpirun: $(call kobj,$(MPR_DIR)/hpcvirt-mpirun.c $(KLIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(KLDFLAGS) -o $@ $^

$(BIN)/hpcvirt-orted: $(call kobj,$(MPR_DIR)/hpcvirt-orted.c)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(KLDFLAGS) -o $@ $^

ifeq ($(HAVE_MPI),yes)
kernels-extra: $(BIN)/hpcvirt-mpirun $(BIN)/hpcvirt-orted
ifeq ($(HAVE_HOSTLIBS)$(STATIC),yes0)
kernels-extra: $(BIN)/hpcvirt-rsh
endif
else
kernels-extra: mpirun-skipped
.PHONY: mpirun-skipped
mpirun-skipped:
	@echo "hpcvirt-mpirun, hpcvirt-orted, hpcvirt-rsh: skipped (no Open MPI)"
endif
