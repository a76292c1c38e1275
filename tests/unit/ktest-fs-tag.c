/*
 * ktest-fs-tag.c - the record tags of hpcvirt-fs (src/kernels/fs/tag.c):
 * a stamped record checks clean, and each kind of corruption the reader
 * must catch (wrong offset, older pass, other run, torn head or tail,
 * record too short) is reported with a sentence naming the offset.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../src/kernels/fs/fs.h"

#define LEN 4096
#define SEED 0x1234567890abcdefULL

static int
check(const unsigned char *rec, size_t len, unsigned int pass, uint64_t off,
      char *why, size_t whylen)
{
	why[0] = '\0';
	return hv_fs_tag_check(rec, len, SEED, pass, off, why, whylen);
}

int
main(void)
{
	static unsigned char rec[LEN], copy[LEN];
	char why[160];
	size_t i;

	plan(12);
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
	return done_testing();
}
