/*
 * ktest-fs-tag.c - the record tags of hpcvirt-fs (src/kernels/fs/tag.c):
 * a stamped record checks clean, and each kind of corruption the reader
 * must catch (wrong offset, older pass, other run, torn head or tail, a
 * page inside the record of zeros or of another pass, record too short)
 * is reported with a sentence naming the offset. The page words sit one
 * per 4 KiB page, never on the head or the tail, also when the record
 * is not a whole number of pages.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../src/kernels/fs/fs.h"

#define LEN 4096
#define BIG (3 * 4096 + 100)
#define SEED 0x1234567890abcdefULL

static int
check(const unsigned char *rec, size_t len, unsigned int pass, uint64_t off,
      char *why, size_t whylen)
{
	why[0] = '\0';
	return hv_fs_tag_check(rec, len, SEED, pass, off, why, whylen);
}

/* A record of more than one page: the page words. */
static void
pages(void)
{
	static unsigned char rec[BIG], copy[BIG];
	char why[200];
	size_t i, diff = 0;

	for (i = 0; i < BIG; i++)
		rec[i] = copy[i] = (unsigned char)(i * 7);
	hv_fs_tag_fill(rec, BIG, SEED, 2);
	hv_fs_tag_stamp(rec, BIG, SEED, 2, 5 * BIG);
	is_int(check(rec, BIG, 2, 5 * BIG, why, sizeof(why)), 0,
	       "a record of 3 pages and 100 bytes checks clean");
	for (i = 0; i < BIG; i++)
		diff += rec[i] != copy[i] &&
			!(i < 16 || i >= BIG - 8 || (i % 4096) < 8);
	is_int((int)diff, 0, "fill and stamp touch only the tag words");
	ok(memcmp(rec + 4096, copy + 4096, 8) != 0 &&
		   memcmp(rec + 3 * 4096, copy + 3 * 4096, 8) != 0,
	   "pages 1 and 3 carry a word");
	memcpy(copy, rec, BIG);
	memset(rec + 2 * 4096, 0, 4096);
	is_int(check(rec, BIG, 2, 5 * BIG, why, sizeof(why)), -1,
	       "a page of zeros inside the record is caught");
	ok(strstr(why, "offset 70132") != NULL,
	   "message names the page's file offset (61940 + 2 * 4096): %s", why);
	memcpy(rec, copy, BIG);
	hv_fs_tag_fill(rec, BIG, SEED, 1);
	is_int(check(rec, BIG, 2, 5 * BIG, why, sizeof(why)), -1,
	       "pages of an older pass under this pass's head and tail are "
	       "caught");
	ok(strstr(why, "offset 66036") != NULL && strstr(why, "pass 2"),
	   "message names the first such page and the pass: %s", why);
	memset(rec, 0xaa, BIG);
	hv_fs_tag_fill(rec, 4096 + 15, SEED, 2);
	for (diff = 0, i = 0; i < BIG; i++)
		diff += rec[i] != 0xaa;
	is_int((int)diff, 0,
	       "no page word where it would overlap the tail (a record of "
	       "4111 bytes)");
}

int
main(void)
{
	static unsigned char rec[LEN], copy[LEN];
	char why[160];
	size_t i;

	plan(20);
	for (i = 0; i < LEN; i++)
		rec[i] = (unsigned char)(i * 7);
	hv_fs_tag_stamp(rec, LEN, SEED, 1, 3 * LEN);
	memcpy(copy, rec, LEN);
	is_int(check(rec, LEN, 1, 3 * LEN, why, sizeof(why)), 0,
	       "stamped record checks clean");
	is_int(memcmp(rec + 16, copy + 16, LEN - 24), 0,
	       "stamp leaves the body alone");
	is_int(check(rec, LEN, 1, 2 * LEN, why, sizeof(why)), -1,
	       "record from another offset is caught");
	ok(strstr(why, "offset 8192") != NULL, "message names the offset: %s",
	   why);
	is_int(check(rec, LEN, 2, 3 * LEN, why, sizeof(why)), -1,
	       "record of an older pass (lost rewrite) is caught");
	ok(strstr(why, "pass 2") != NULL, "message names the pass: %s", why);
	is_int(hv_fs_tag_check(rec, LEN, SEED + 1, 1, 3 * LEN, why,
			       sizeof(why)),
	       -1, "record of another run is caught");
	rec[LEN - 1] ^= 1;
	is_int(check(rec, LEN, 1, 3 * LEN, why, sizeof(why)), -1,
	       "torn tail is caught");
	ok(strstr(why, "tail") != NULL, "message says tail: %s", why);
	memcpy(rec, copy, LEN);
	rec[0] ^= 0x80;
	is_int(check(rec, LEN, 1, 3 * LEN, why, sizeof(why)), -1,
	       "torn head is caught");
	memset(rec, 0, LEN);
	is_int(check(rec, LEN, 1, 0, why, sizeof(why)), -1,
	       "an all-zero record (a hole) is caught, even at offset 0");
	is_int(check(copy, HV_FS_TAG_MIN - 1, 1, 3 * LEN, why, sizeof(why)), -1,
	       "a record shorter than the tags is refused");
	pages();
	return done_testing();
}
