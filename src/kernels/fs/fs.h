/*
 * fs.h - internal interfaces of hpcvirt-fs, the file-system kernel,
 * shared by its files: the parsed configuration (filled by the option
 * table in fs.c), one timed result, the record tags the writer stamps and
 * the reader checks (tag.c) and the sweep itself (run.c). Nothing here is
 * used outside src/kernels/fs/ and its unit test.
 */
#ifndef HPCVIRT_FS_H
#define HPCVIRT_FS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bounds.h" /* HV_FS_MAX_RECORD, HV_FS_MAX_FILE */

#define HV_FS_MAX_SIZES 32
#define HV_FS_MIN_RECORD (4ULL << 10)

/* The four tests, in the order they always run for each file size. */
enum hv_fs_test {
	HV_FS_WRITE = 1,
	HV_FS_REWRITE = 2,
	HV_FS_READ = 4,
	HV_FS_REREAD = 8,
};

/* Everything argv can set. */
struct hv_fs_cfg {
	char dir[PATH_MAX];
	uint64_t record;
	uint64_t sizes[HV_FS_MAX_SIZES];
	int nsizes;
	unsigned int tests; /* enum hv_fs_test bit mask */
	bool fsync;	    /* fsync and close inside the timed region */
	bool direct;	    /* O_DIRECT */
	bool cold;	    /* drop the file's cached pages before reads */
	bool json;
};

/* One timed test of one file size. */
struct hv_fs_result {
	enum hv_fs_test test;
	uint64_t file_bytes;
	uint64_t record_bytes;
	int64_t duration_ns;
	int64_t cpu_ns; /* user + system CPU time of the timed region */
};

/* Name of a test ("write"...), or "?" for anything else. */
const char *hv_fs_test_name(enum hv_fs_test t);

/*
 * Record tags (tag.c). Every record the writer writes starts with 16
 * bytes, (magic ^ seed ^ pass << 56, file offset), and ends with 8 bytes,
 * ~(offset ^ seed); every further 4 KiB page of it that ends before the
 * tail starts with 8 bytes, (magic ^ seed ^ pass << 56 ^ page << 24),
 * page being its index in the record. All in host byte order. The reader
 * checks every one of these words in every record it reads: a record
 * from the wrong offset, from an older pass (a lost rewrite), from
 * another run, cut short at either end, or with a page of zeros or of
 * another pass inside, does not match.
 *
 * That is IOZone's cost, too: its writer fills one word in each page of
 * its buffer before its clock starts, and its reader checks one word per
 * page of every record inside the timed loop (verify_buffer). So the
 * page words go into the buffer once per pass (hv_fs_tag_fill, untimed)
 * and the head and tail per record (hv_fs_tag_stamp, a few stores).
 * Records are at least HV_FS_TAG_MIN bytes.
 */
#define HV_FS_TAG_MIN 24
#define HV_FS_TAG_PAGE 4096
#define HV_FS_TAG_MAGIC 0x4856465354414731ULL /* "HVFSTAG1" */

/* The page words of a pass, into a record buffer of len bytes. */
void hv_fs_tag_fill(void *rec, size_t len, uint64_t seed, unsigned int pass);
/* The head and tail of the record at file offset off. */
void hv_fs_tag_stamp(void *rec, size_t len, uint64_t seed, unsigned int pass,
		     uint64_t off);
/*
 * 0 if rec carries the tags of (seed, pass, off); -1 if not, with a
 * sentence saying what differs in why.
 */
int hv_fs_tag_check(const void *rec, size_t len, uint64_t seed,
		    unsigned int pass, uint64_t off, char *why, size_t whylen);

/*
 * Run the whole sweep (run.c): for each size, sync(), then write,
 * rewrite, read and reread one file named hpcvirt-fs.PID.dat in
 * cfg->dir, and remove it.
 * Fills res[] (room for 4 * nsizes) and *nres. Returns 0, or an exit
 * code (1 runtime failure, 2 bad input found only at run time) with a
 * sentence in msg. The file is removed in every case, also when SIGINT,
 * SIGTERM or SIGHUP arrives.
 */
int hv_fs_run(const struct hv_fs_cfg *cfg, struct hv_fs_result *res, int *nres,
	      char *msg, size_t msglen);

#endif
