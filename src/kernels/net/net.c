/*
 * net.c - main and option table of hpcvirt-net, the network kernel:
 *
 *   hpcvirt-net server [--bind ADDR] [--port N] [--lifetime S] [--idle S]
 *   hpcvirt-net rr     --port N [--host ADDR] [--sizes LIST] [--json] ...
 *   hpcvirt-net stream --port N [--host ADDR] [--block N] [--json] ...
 *
 * The server prints "HPCVIRT-LISTEN <addr> <port>" once it listens. A
 * client prints a table, or with --json exactly one line
 * "HPCVIRT-RESULT {json}". Keys (the host tool parses them; keep them):
 *
 * rr: {"kernel":"net","mode":"rr","version":1,"peer":"127.0.0.1:PORT",
 *   "warmup_ns":N,"warmup_transactions":N,"spin":false,"results":[{
 *   "size_bytes","transactions","duration_ns","trans_per_sec",
 *   "half_rtt_mean_ns","half_rtt_min_ns","half_rtt_p50_ns",
 *   "half_rtt_p90_ns","half_rtt_p99_ns","half_rtt_p999_ns",
 *   "half_rtt_max_ns","cpu_local_ns","cpu_remote_ns",
 *   "remote_transactions","cpu_local_us_per_tran","cpu_remote_us_per_tran",
 *   "stopped_by":"duration"|"transactions"|"max_samples",
 *   "hist":{"of":"half_rtt","unit":"ns","scheme":"log-linear",
 *           "sub_buckets":128,"buckets":[[lower,upper_excl,count],...]},
 *   "rtt_samples_ns":[...]   (only with --samples; full RTTs, in order)
 *   }, ...one object per size]}
 *
 * stream: {"kernel":"net","mode":"stream","version":1,"peer":"...",
 *   "results":[{"block_bytes","bytes","duration_ns","bw_bytes_per_sec",
 *   "cpu_local_ns","cpu_remote_ns","cpu_local_us_per_mb",
 *   "cpu_remote_us_per_mb"}]}
 *
 * Half-RTT is RTT/2; percentiles are nearest-rank over the timed
 * transactions. CPU time is user+system (getrusage) of each process:
 * local over the timed loop, remote over the whole connection (warm-up
 * included, so it is divided by remote_transactions). MB is 10^6 bytes.
 * Exit codes: 0 ok, 1 runtime failure, 2 usage or bad input.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klib.h"
#include "net.h"

enum opt_type {
	OT_ADDR,
	OT_U64,
	OT_BYTES,
	OT_BYTES1,
	OT_LIST,
	OT_SECS,
	OT_FLAG
};

struct opt {
	const char *name;
	enum opt_type type;
	unsigned int modes; /* HV_NET_* bit mask where it applies */
	uint64_t min, max;  /* ns for OT_SECS */
	const char *def;    /* NULL: zero */
	size_t off;	    /* into struct hv_net_cfg */
	const char *help;
};

#define CLI (HV_NET_RR | HV_NET_STREAM)
#define ALL (HV_NET_SERVER | CLI)
#define SEC 1000000000ULL
#define OFF(f) offsetof(struct hv_net_cfg, f)

static const struct opt opts[] = {
	{"host", OT_ADDR, CLI, 0, 0, "127.0.0.1", OFF(host),
	 "numeric IPv4/IPv6 address of the server"},
	{"bind", OT_ADDR, HV_NET_SERVER, 0, 0, "127.0.0.1", OFF(bind),
	 "numeric address to listen on"},
	{"port", OT_U64, ALL, 0, 65535, "0", OFF(port),
	 "TCP port (server: 0 = ephemeral; clients: required)"},
	{"sizes", OT_LIST, HV_NET_RR, 1, HV_NET_MAX_MSG,
	 "1,64,1024,4096,16384,65536", OFF(sizes),
	 "comma-separated message sizes to sweep"},
	{"size", OT_BYTES1, HV_NET_RR, 1, HV_NET_MAX_MSG, NULL, OFF(sizes),
	 "a single message size"},
	{"duration", OT_SECS, CLI, SEC / 1000, 3600 * SEC, "1",
	 OFF(duration_ns), "timed run per size (rr) or transfer time (stream)"},
	{"transactions", OT_U64, HV_NET_RR, 1, 1ULL << 40, NULL,
	 OFF(transactions), "stop each size after N timed transactions"},
	{"warmup", OT_SECS, HV_NET_RR, 0, 60 * SEC, "0.2", OFF(warmup_ns),
	 "untimed warm-up per size"},
	{"warmup-transactions", OT_U64, HV_NET_RR, 1, 1ULL << 32, NULL,
	 OFF(warmup_trans), "warm up with N transactions instead of time"},
	{"max-samples", OT_U64, HV_NET_RR, 1, 1ULL << 30, "2000000",
	 OFF(max_samples), "sample storage per size (8 bytes each)"},
	{"bytes", OT_BYTES, HV_NET_STREAM, 1, 1ULL << 40, NULL, OFF(bytes),
	 "stop the transfer after N bytes"},
	{"block", OT_BYTES, HV_NET_STREAM, 1, HV_NET_MAX_MSG, "128KiB",
	 OFF(block), "size of each send"},
	{"timeout", OT_SECS, ALL, SEC / 1000, 3600 * SEC, "10", OFF(timeout_ns),
	 "connect and per-read/write timeout"},
	{"lifetime", OT_SECS, HV_NET_SERVER, SEC / 1000, 24 * 3600 * SEC, "120",
	 OFF(lifetime_ns), "server exits after this long"},
	{"idle", OT_SECS, HV_NET_SERVER, SEC / 1000, 24 * 3600 * SEC, "60",
	 OFF(idle_ns), "server exits after this long without a client"},
	{"json", OT_FLAG, CLI, 0, 0, NULL, OFF(json),
	 "print one HPCVIRT-RESULT {json} line"},
	{"spin", OT_FLAG, HV_NET_RR, 0, 0, NULL, OFF(spin),
	 "busy-poll receives on both ends (needs a CPU per end)"},
	{"samples", OT_FLAG, HV_NET_RR, 0, 0, NULL, OFF(samples),
	 "add every RTT sample to the JSON"},
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static const char *
opt_form(enum opt_type t)
{
	switch (t) {
	case OT_ADDR:
		return "a numeric IPv4 or IPv6 address like 127.0.0.1 or ::1";
	case OT_U64:
		return "an integer";
	case OT_BYTES:
	case OT_BYTES1:
		return "bytes like 64, 4KiB or 1M";
	case OT_LIST:
		return "a list of bytes like 1,64,4KiB";
	case OT_SECS:
		return "seconds like 2, 0.5 or 500ms";
	default:
		return "no value";
	}
}

static void
usage(FILE *f)
{
	char arg[40];
	size_t i;

	fprintf(f, "usage: hpcvirt-net server|rr|stream [options]\n\n");
	for (i = 0; i < NOPTS; i++) {
		snprintf(arg, sizeof(arg), "--%s%s", opts[i].name,
			 opts[i].type == OT_FLAG ? "" : " V");
		fprintf(f, "  %-26s %s%s%s%s [%s%s%s]\n", arg, opts[i].help,
			opts[i].def ? " (default " : "",
			opts[i].def ? opts[i].def : "", opts[i].def ? ")" : "",
			opts[i].modes & HV_NET_SERVER ? "server " : "",
			opts[i].modes & HV_NET_RR ? "rr " : "",
			opts[i].modes & HV_NET_STREAM ? "stream" : "");
	}
	fprintf(f, "\nExit: 0 ok, 1 runtime failure, 2 bad usage.\n");
}

/* Store one value; 0 or -1 if it does not parse or is out of range. */
static int
opt_set(const struct opt *o, const char *v, struct hv_net_cfg *cfg)
{
	char *p = (char *)cfg + o->off, bad[64];
	struct sockaddr_storage ss;
	socklen_t len;
	int n;

	switch (o->type) {
	case OT_ADDR:
		if (strlen(v) >= sizeof(cfg->host) ||
		    hv_net_addr(v, 0, &ss, &len) != 0)
			return -1;
		snprintf(p, sizeof(cfg->host), "%s", v);
		return 0;
	case OT_U64:
		return hv_k_parse_u64(v, o->min, o->max, (uint64_t *)p);
	case OT_BYTES:
		return hv_k_parse_bytes(v, o->min, o->max, (uint64_t *)p);
	case OT_BYTES1:
		cfg->nsizes = 1;
		return hv_k_parse_bytes(v, o->min, o->max, cfg->sizes);
	case OT_LIST:
		n = hv_k_parse_bytes_list(v, o->min, o->max, cfg->sizes,
					  HV_NET_MAX_SIZES, bad, sizeof(bad));
		if (n < 0 && bad[0] && strcmp(bad, v) != 0)
			hv_k_die(HV_K_EXIT_USAGE,
				 "bad element '%s' in --%s '%s': expected "
				 "bytes like 64 or 4KiB, from %llu to %llu, "
				 "at most %d of them",
				 bad, o->name, v, (unsigned long long)o->min,
				 (unsigned long long)o->max, HV_NET_MAX_SIZES);
		cfg->nsizes = n > 0 ? n : 0;
		return n > 0 ? 0 : -1;
	case OT_SECS:
		return hv_k_parse_secs(v, (int64_t)o->min, (int64_t)o->max,
				       (int64_t *)p);
	case OT_FLAG:
		*(bool *)p = true;
		return 0;
	}
	return -1;
}

static const struct opt *
opt_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (strlen(opts[i].name) == len &&
		    strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

static void
bad_value(const struct opt *o, const char *v)
{
	if (o->type == OT_SECS)
		hv_k_die(HV_K_EXIT_USAGE,
			 "bad --%s '%s': expected %s, from %g to %g s", o->name,
			 v, opt_form(o->type), o->min / 1e9, o->max / 1e9);
	if (o->type == OT_ADDR)
		hv_k_die(HV_K_EXIT_USAGE, "bad --%s '%s': expected %s", o->name,
			 v, opt_form(o->type));
	hv_k_die(HV_K_EXIT_USAGE,
		 "bad --%s '%s': expected %s, from %llu to %llu", o->name, v,
		 opt_form(o->type), (unsigned long long)o->min,
		 (unsigned long long)o->max);
}

static enum hv_net_mode
parse_mode(const char *s)
{
	if (strcmp(s, "server") == 0)
		return HV_NET_SERVER;
	if (strcmp(s, "rr") == 0)
		return HV_NET_RR;
	if (strcmp(s, "stream") == 0)
		return HV_NET_STREAM;
	hv_k_die(HV_K_EXIT_USAGE,
		 "unknown mode '%s': expected server, rr or stream "
		 "(see --help)",
		 s);
}

/* Handle argv[*i], which is "--name" or "--name=value". */
static void
parse_one(int argc, char **argv, int *i, struct hv_net_cfg *cfg, bool *seen)
{
	const char *a = argv[*i], *eq, *v;
	const struct opt *o;

	if (strncmp(a, "--", 2) != 0)
		hv_k_die(HV_K_EXIT_USAGE,
			 "unexpected argument '%s': options look like "
			 "--name VALUE (see --help)",
			 a);
	eq = strchr(a + 2, '=');
	o = opt_find(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
	if (!o)
		hv_k_die(HV_K_EXIT_USAGE, "unknown option '%s' (see --help)",
			 a);
	if (!(o->modes & cfg->mode))
		hv_k_die(HV_K_EXIT_USAGE, "option --%s does not apply to %s",
			 o->name, argv[1]);
	if (o->type == OT_FLAG && eq)
		hv_k_die(HV_K_EXIT_USAGE, "option --%s takes no value",
			 o->name);
	if (o->type == OT_FLAG)
		v = "";
	else if (eq)
		v = eq + 1;
	else if (*i + 1 < argc)
		v = argv[++*i];
	else
		hv_k_die(HV_K_EXIT_USAGE, "option --%s needs a value: %s",
			 o->name, opt_form(o->type));
	if (opt_set(o, v, cfg) != 0)
		bad_value(o, v);
	seen[o - opts] = true;
}

static void
parse_args(int argc, char **argv, struct hv_net_cfg *cfg)
{
	bool seen[NOPTS] = {false};
	size_t k;
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			exit(fflush(stdout) == 0 ? HV_K_EXIT_OK
						 : HV_K_EXIT_FAIL);
		}
	if (argc < 2)
		hv_k_die(HV_K_EXIT_USAGE,
			 "missing mode: expected server, rr or stream "
			 "(see --help)");
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = parse_mode(argv[1]);
	for (k = 0; k < NOPTS; k++)
		if (opts[k].def && opt_set(&opts[k], opts[k].def, cfg) != 0)
			hv_k_die(HV_K_EXIT_FAIL, "bad default of --%s",
				 opts[k].name);
	for (i = 2; i < argc; i++)
		parse_one(argc, argv, &i, cfg, seen);
	cfg->dur_set = seen[opt_find("duration", 8) - opts];
	if (cfg->mode != HV_NET_SERVER && cfg->port == 0)
		hv_k_die(HV_K_EXIT_USAGE,
			 "%s needs --port N (1-65535), the port of a running "
			 "'hpcvirt-net server'",
			 argv[1]);
}

void
hv_net_peer_str(const struct hv_net_cfg *cfg, char *buf, size_t len)
{
	if (strchr(cfg->host, ':'))
		snprintf(buf, len, "[%s]:%llu", cfg->host,
			 (unsigned long long)cfg->port);
	else
		snprintf(buf, len, "%s:%llu", cfg->host,
			 (unsigned long long)cfg->port);
}

int
main(int argc, char **argv)
{
	struct hv_net_cfg cfg;

	hv_k_progname("hpcvirt-net");
	signal(SIGPIPE, SIG_IGN);
	parse_args(argc, argv, &cfg);
	switch (cfg.mode) {
	case HV_NET_SERVER:
		return hv_net_run_server(&cfg);
	case HV_NET_RR:
		return hv_net_run_rr(&cfg);
	default:
		return hv_net_run_stream(&cfg);
	}
}
