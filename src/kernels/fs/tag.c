/*
 * tag.c - the tags hpcvirt-fs writes into every record and checks on
 * every read, so that a read test fails (exit 1) instead of timing data
 * that is not what was written. fs.h describes the layout and why it
 * costs what IOZone's own verification costs.
 */
#include <stdio.h>
#include <string.h>

#include "fs.h"

static uint64_t
head_word(uint64_t seed, unsigned int pass)
{
	return HV_FS_TAG_MAGIC ^ seed ^ ((uint64_t)pass << 56);
}

static uint64_t
page_word(uint64_t seed, unsigned int pass, size_t page)
{
	return head_word(seed, pass) ^ ((uint64_t)page << 24);
}

/* Pages 1..n-1 of a record of len bytes carry a word: the last one
 * that starts and ends before the 8-byte tail. */
static size_t
tagged_pages(size_t len)
{
	return len >= 16 ? (len - 16) / HV_FS_TAG_PAGE + 1 : 1;
}

void
hv_fs_tag_fill(void *rec, size_t len, uint64_t seed, unsigned int pass)
{
	unsigned char *p = rec;
	size_t k, n = tagged_pages(len);
	uint64_t w;

	for (k = 1; k < n; k++) {
		w = page_word(seed, pass, k);
		memcpy(p + k * HV_FS_TAG_PAGE, &w, sizeof(w));
	}
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

/* 0 if every page word is there; else -1 and why. */
static int
check_pages(const unsigned char *p, size_t len, uint64_t seed,
	    unsigned int pass, uint64_t off, char *why, size_t whylen)
{
	size_t k, n = tagged_pages(len);
	uint64_t w;

	for (k = 1; k < n; k++) {
		memcpy(&w, p + k * HV_FS_TAG_PAGE, sizeof(w));
		if (w == page_word(seed, pass, k))
			continue;
		snprintf(why, whylen,
			 "record at offset %llu: its page at offset %llu is "
			 "not from pass %u of this run (word 0x%016llx)",
			 (unsigned long long)off,
			 (unsigned long long)(off + k * HV_FS_TAG_PAGE), pass,
			 (unsigned long long)w);
		return -1;
	}
	return 0;
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
	return check_pages(p, len, seed, pass, off, why, whylen);
}
