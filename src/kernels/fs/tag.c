/*
 * tag.c - the tags hpcvirt-fs writes at both ends of every record and
 * checks on every read, so that a read test fails (exit 1) instead of
 * timing data that is not what was written. fs.h describes the layout.
 */
#include <stdio.h>
#include <string.h>

#include "fs.h"

static uint64_t
head_word(uint64_t seed, unsigned int pass)
{
	return HV_FS_TAG_MAGIC ^ seed ^ ((uint64_t)pass << 56);
}

void
hv_fs_tag_stamp(void *rec, size_t len, uint64_t seed, unsigned int pass,
		uint64_t off)
{
	unsigned char *p = rec;
	uint64_t w[2] = {head_word(seed, pass), off};
	uint64_t tail = ~(off ^ seed);

	memcpy(p, w, sizeof(w));
	memcpy(p + len - sizeof(tail), &tail, sizeof(tail));
}

int
hv_fs_tag_check(const void *rec, size_t len, uint64_t seed, unsigned int pass,
		uint64_t off, char *why, size_t whylen)
{
	const unsigned char *p = rec;
	uint64_t w[2], tail;

	if (len < HV_FS_TAG_MIN) {
		snprintf(why, whylen, "record of %zu bytes is too short", len);
		return -1;
	}
	memcpy(w, p, sizeof(w));
	memcpy(&tail, p + len - sizeof(tail), sizeof(tail));
	if (w[1] != off) {
		snprintf(why, whylen,
			 "record at offset %llu carries offset %llu",
			 (unsigned long long)off, (unsigned long long)w[1]);
		return -1;
	}
	if (w[0] != head_word(seed, pass)) {
		snprintf(why, whylen,
			 "record at offset %llu is not from pass %u of this "
			 "run (head word 0x%016llx)",
			 (unsigned long long)off, pass,
			 (unsigned long long)w[0]);
		return -1;
	}
	if (tail != ~(off ^ seed)) {
		snprintf(why, whylen,
			 "record at offset %llu has a bad tail word 0x%016llx",
			 (unsigned long long)off, (unsigned long long)tail);
		return -1;
	}
	return 0;
}
