/*
 * bounds.h - the largest values the kernels accept for the parameters a
 * study sweeps. The kernels' option tables and the host's bench
 * descriptors (src/bench/) both use these, so a value the host accepts
 * never fails in every cell because the kernel in the box refuses it.
 */
#ifndef HPCVIRT_BOUNDS_H
#define HPCVIRT_BOUNDS_H

#define HV_NET_MAX_MSG (64ULL << 20)   /* net.rr message, net.stream block */
#define HV_FS_MAX_RECORD (64ULL << 20) /* fs record */
#define HV_FS_MAX_FILE (1ULL << 40)    /* fs file */
#define HV_MEM_MAX_BYTES (1ULL << 40)  /* mem buffer */

#endif
