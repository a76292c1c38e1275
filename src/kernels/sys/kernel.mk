# kernel.mk - build rule of hpcvirt-sys (the attribution microbenchmarks:
# null syscall, clock read, page fault, context switch, fork+exec, mmap,
# timer wake-up), included by the top-level Makefile. It links with the
# kernel runtime library only, and statically even natively (but not in
# the sanitizer build, which cannot): its fork+exec test execs itself,
# and a dynamic binary would add the dynamic loader's work to the native
# figure only, since boxes run the static build.

SYS_SRC := $(wildcard src/kernels/sys/*.c)

$(BIN)/hpcvirt-sys: $(call kobj,$(SYS_SRC) $(KLIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(if $(SAN),,-static) -o $@ $^ -lm

kernels-extra: $(BIN)/hpcvirt-sys

.PHONY: sys
sys: $(BIN)/hpcvirt-sys
