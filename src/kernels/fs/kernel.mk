# kernel.mk - build rule of hpcvirt-fs, the file-system kernel, included
# by the top-level Makefile: src/kernels/fs/*.c plus the kernel library,
# compiled like every kernel (the $(OBJ)/k/ rule) and linked statically
# with STATIC=1. The unit test of the record tags also links tag.c.

FS_SRC := $(wildcard src/kernels/fs/*.c)

$(BIN)/hpcvirt-fs: $(call kobj,$(FS_SRC) $(KLIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(KLDFLAGS) -o $@ $^ -lm

kernels-extra: $(BIN)/hpcvirt-fs

$(BUILD)/tests/ktest-fs-tag: $(call kobj,src/kernels/fs/tag.c)

.PHONY: fs
fs: $(BIN)/hpcvirt-fs
