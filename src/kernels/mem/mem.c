/*
 * mem.c - hpcvirt-mem: the memory kernel. It maps a buffer, touches every
 * page once (timed: the first-touch page-fault cost per 4 KiB page, one of
 * the costs a virtualization layer adds), then measures memory bandwidth
 * with a STREAM-like triad a[i] = b[i] + s * c[i] over the buffer (best
 * of 3), and verifies every element of the triad's result.
 *
 *   hpcvirt-mem --size 256MiB [--json]
 *
 * With --json it prints one line "HPCVIRT-RESULT {json}" with the keys
 * kernel, size_bytes, page_bytes, pages, fault_ns_per_page,
 * triad_bw_bytes_per_sec, triad_ns (all 3 runs), cpu_ns, verified; else
 * a short text summary. A box with a memory limit below --size kills it
 * (the ns env's memory-limit test relies on that).
 *
 * Exit codes: 0 ok, 1 runtime failure or failed verification, 2 bad usage.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "klib.h"
#include "bounds.h"

#define RUNS 3
#define MIN_SIZE (64u * 1024u)

struct mem_opts {
	uint64_t size;
	bool json;
};

struct mem_result {
	uint64_t pages;
	size_t page;
	int64_t fault_ns;
	int64_t triad_ns[RUNS];
	double best_bw;
	int64_t cpu_ns;
};

#define OFF(f) offsetof(struct mem_opts, f)

static const struct hv_k_opt opts[] = {
	{.name = "size",
	 .type = HV_K_OPT_BYTES,
	 .min = MIN_SIZE,
	 .max = HV_MEM_MAX_BYTES,
	 .off = OFF(size),
	 .form = "bytes from 64KiB to 1TiB, like 256MiB",
	 .form_has_bounds = true,
	 .help = "buffer size, 64KiB..1TiB (suffixes KiB, MiB, GiB)"},
	{.name = "json",
	 .type = HV_K_OPT_FLAG,
	 .off = OFF(json),
	 .help = "print one HPCVIRT-RESULT {json} line"},
};

static const struct hv_k_optset optset = {
	.synopsis = "hpcvirt-mem --size BYTES [--json]",
	.opts = opts,
	.nopts = sizeof(opts) / sizeof(opts[0]),
	.width = 12,
};

static void
parse_args(int argc, char **argv, struct mem_opts *o)
{
	hv_k_opts_help(&optset, argc, argv);
	memset(o, 0, sizeof(*o));
	hv_k_parse_opts_or_die(&optset, 0, o, NULL, argc - 1, argv + 1);
	if (!o->size)
		hv_k_die(HV_K_EXIT_USAGE, "missing --size BYTES (e.g. 256MiB)");
}

/* Write one byte per page: each write takes one page fault. */
static int64_t
first_touch(volatile char *buf, uint64_t size, size_t page)
{
	int64_t t0 = hv_k_now_ns();

	for (uint64_t off = 0; off < size; off += page)
		buf[off] = 1;
	return hv_k_now_ns() - t0;
}

/* One triad pass; returns its time. Verification is separate. */
static int64_t
triad(double *a, const double *b, const double *c, size_t n, double s)
{
	int64_t t0 = hv_k_now_ns();

	for (size_t i = 0; i < n; i++)
		a[i] = b[i] + s * c[i];
	return hv_k_now_ns() - t0;
}

/* Every element must be exactly 2 + s (small integers: exact doubles). */
static bool
verify(const double *a, size_t n, double s)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != 2.0 + s)
			return false;
	return true;
}

static void
run(const struct mem_opts *o, struct mem_result *r)
{
	size_t n = o->size / 3 / sizeof(double);
	double *a, *b, *c;
	char *buf;

	r->page = (size_t)sysconf(_SC_PAGESIZE);
	r->pages = (o->size + r->page - 1) / r->page;
	buf = mmap(NULL, o->size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		hv_k_die(HV_K_EXIT_FAIL, "mmap %llu bytes: %s",
			 (unsigned long long)o->size, strerror(errno));
	/* Small pages, so that each fault is one 4 KiB page. */
	madvise(buf, o->size, MADV_NOHUGEPAGE);
	r->fault_ns = first_touch(buf, o->size, r->page);
	a = (double *)buf;
	b = a + n;
	c = b + n;
	for (size_t i = 0; i < n; i++) {
		b[i] = 2.0;
		c[i] = 1.0;
	}
	r->best_bw = 0;
	for (int k = 0; k < RUNS; k++) {
		double s = 3.0 + k, bw;

		r->triad_ns[k] = triad(a, b, c, n, s);
		if (!verify(a, n, s))
			hv_k_die(HV_K_EXIT_FAIL,
				 "triad run %d: wrong result (want %g)", k,
				 2.0 + s);
		bw = 3.0 * (double)n * sizeof(double) * 1e9 /
		     (double)(r->triad_ns[k] > 0 ? r->triad_ns[k] : 1);
		if (bw > r->best_bw)
			r->best_bw = bw;
	}
	munmap(buf, o->size);
	r->cpu_ns = hv_k_cpu_ns();
}

static void
print_json(const struct mem_opts *o, const struct mem_result *r)
{
	struct hv_k_json j;

	hv_k_json_begin(&j, stdout);
	hv_k_json_obj(&j, NULL);
	hv_k_json_str(&j, "kernel", "mem");
	hv_k_json_u64(&j, "size_bytes", o->size);
	hv_k_json_u64(&j, "page_bytes", r->page);
	hv_k_json_u64(&j, "pages", r->pages);
	hv_k_json_dbl(&j, "fault_ns_per_page",
		      (double)r->fault_ns / (double)r->pages);
	hv_k_json_dbl(&j, "triad_bw_bytes_per_sec", r->best_bw);
	hv_k_json_arr(&j, "triad_ns");
	for (int k = 0; k < RUNS; k++)
		hv_k_json_i64(&j, NULL, r->triad_ns[k]);
	hv_k_json_end(&j);
	hv_k_json_i64(&j, "cpu_ns", r->cpu_ns);
	hv_k_json_bool(&j, "verified", true);
	hv_k_json_end(&j);
	if (hv_k_json_finish(&j) < 0)
		hv_k_die(HV_K_EXIT_FAIL, "cannot write the result");
}

int
main(int argc, char **argv)
{
	struct mem_opts o;
	struct mem_result r;

	hv_k_progname("hpcvirt-mem");
	parse_args(argc, argv, &o);
	run(&o, &r);
	if (o.json) {
		print_json(&o, &r);
		return HV_K_EXIT_OK;
	}
	printf("size %llu bytes, %llu pages of %zu bytes\n",
	       (unsigned long long)o.size, (unsigned long long)r.pages, r.page);
	printf("first touch  %.1f ns/page\n",
	       (double)r.fault_ns / (double)r.pages);
	printf("triad        %.3f GB/s (best of %d, verified)\n",
	       r.best_bw / 1e9, RUNS);
	return HV_K_EXIT_OK;
}
