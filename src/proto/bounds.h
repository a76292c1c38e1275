/*
 * bounds.h - the largest values the kernels accept for the parameters a
 * study sweeps. The kernels' option tables and the host's bench
 * descriptors (src/bench/) both use these, so a value the host accepts
 * never fails in every cell because the kernel in the box refuses it.
 * The same goes for the names of the sys kernel's tests.
 */
#ifndef HPCVIRT_BOUNDS_H
#define HPCVIRT_BOUNDS_H

#define HV_NET_MAX_MSG (64ULL << 20)   /* net.rr message, net.stream block */
#define HV_FS_MAX_RECORD (64ULL << 20) /* fs record */
#define HV_FS_MAX_FILE (1ULL << 40)    /* fs file */
#define HV_MEM_MAX_BYTES (1ULL << 40)  /* mem buffer */
#define HV_SYS_MIN_WINDOW_MS 1	       /* sys: measured time of a test */
#define HV_SYS_MAX_WINDOW_MS 60000

/* The tests hpcvirt-sys knows, in its default order. */
#define HV_SYS_TESTS "syscall,clock,fault,ctxsw,forkexec,mmap,timer"

#endif
