# kernel.mk - build rule of hpcvirt-mem (first-touch page faults and a
# STREAM-like triad), included by the top-level Makefile. It links with
# the kernel runtime library only, like every kernel, so STATIC=1 gives a
# static binary for guests.

MEM_SRC := $(wildcard src/kernels/mem/*.c)

$(BIN)/hpcvirt-mem: $(call kobj,$(MEM_SRC) $(KLIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(KLDFLAGS) -o $@ $^ -lm

kernels-extra: $(BIN)/hpcvirt-mem

.PHONY: mem
mem: $(BIN)/hpcvirt-mem
