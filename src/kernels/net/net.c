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
 * transactions. CPU time is user plus kernel time (getrusage) of each process:
 * local over the timed loop, remote over the whole connection (warm-up
 * included, so it is divided by remote_transactions). MB is 10^6 bytes.
 * Exit codes: 0 ok, 1 runtime failure, 2 usage or bad input.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "klib.h"
#include "net.h"

#define CLI (HV_NET_RR | HV_NET_STREAM)
#define ALL (HV_NET_SERVER | CLI)
#define SEC 1000000000ULL
#define OFF(f) offsetof(struct hv_net_cfg, f)
#define ADDR_LEN sizeof(((struct hv_net_cfg *)0)->host)
#define ADDR_FORM "a numeric IPv4 or IPv6 address like 127.0.0.1 or ::1"

/* A numeric address (no name lookup) into a char[cap] field. */
static int
parse_addr(const struct hv_k_opt *o, const char *v, void *dst,
	   struct hv_k_opt_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len;

	(void)err;
	if (strlen(v) >= o->cap || hv_net_addr(v, 0, &ss, &len) != 0)
		return -1;
	snprintf(dst, o->cap, "%s", v);
	return 0;
}

static const struct hv_k_opt opts[] = {
	{.name = "host",
	 .type = HV_K_OPT_CUSTOM,
	 .modes = CLI,
	 .def = "127.0.0.1",
	 .off = OFF(host),
	 .cap = ADDR_LEN,
	 .form = ADDR_FORM,
	 .parse = parse_addr,
	 .help = "numeric IPv4/IPv6 address of the server"},
	{.name = "bind",
	 .type = HV_K_OPT_CUSTOM,
	 .modes = HV_NET_SERVER,
	 .def = "127.0.0.1",
	 .off = OFF(bind),
	 .cap = ADDR_LEN,
	 .form = ADDR_FORM,
	 .parse = parse_addr,
	 .help = "numeric address to listen on"},
	{.name = "port",
	 .type = HV_K_OPT_U64,
	 .modes = ALL,
	 .max = 65535,
	 .def = "0",
	 .off = OFF(port),
	 .help = "TCP port (server: 0 = ephemeral; clients: required)"},
	{.name = "sizes",
	 .type = HV_K_OPT_BYTES_LIST,
	 .modes = HV_NET_RR,
	 .min = 1,
	 .max = HV_NET_MAX_MSG,
	 .def = "1,64,1024,4096,16384,65536",
	 .off = OFF(sizes),
	 .count_off = OFF(nsizes),
	 .cap = HV_NET_MAX_SIZES,
	 .help = "comma-separated message sizes to sweep"},
	{.name = "size",
	 .type = HV_K_OPT_BYTES_ONE,
	 .modes = HV_NET_RR,
	 .min = 1,
	 .max = HV_NET_MAX_MSG,
	 .off = OFF(sizes),
	 .count_off = OFF(nsizes),
	 .help = "a single message size"},
	{.name = "duration",
	 .type = HV_K_OPT_SECS,
	 .modes = CLI,
	 .min = SEC / 1000,
	 .max = 3600 * SEC,
	 .def = "1",
	 .off = OFF(duration_ns),
	 .help = "timed run per size (rr) or transfer time (stream)"},
	{.name = "transactions",
	 .type = HV_K_OPT_U64,
	 .modes = HV_NET_RR,
	 .min = 1,
	 .max = 1ULL << 40,
	 .off = OFF(transactions),
	 .help = "stop each size after N timed transactions"},
	{.name = "warmup",
	 .type = HV_K_OPT_SECS,
	 .modes = HV_NET_RR,
	 .max = 60 * SEC,
	 .def = "0.2",
	 .off = OFF(warmup_ns),
	 .help = "untimed warm-up per size"},
	{.name = "warmup-transactions",
	 .type = HV_K_OPT_U64,
	 .modes = HV_NET_RR,
	 .min = 1,
	 .max = 1ULL << 32,
	 .off = OFF(warmup_trans),
	 .help = "warm up with N transactions instead of time"},
	{.name = "max-samples",
	 .type = HV_K_OPT_U64,
	 .modes = HV_NET_RR,
	 .min = 1,
	 .max = 1ULL << 30,
	 .def = "2000000",
	 .off = OFF(max_samples),
	 .help = "sample storage per size (8 bytes each)"},
	{.name = "bytes",
	 .type = HV_K_OPT_BYTES,
	 .modes = HV_NET_STREAM,
	 .min = 1,
	 .max = 1ULL << 40,
	 .off = OFF(bytes),
	 .help = "stop the transfer after N bytes"},
	{.name = "block",
	 .type = HV_K_OPT_BYTES,
	 .modes = HV_NET_STREAM,
	 .min = 1,
	 .max = HV_NET_MAX_MSG,
	 .def = "128KiB",
	 .off = OFF(block),
	 .help = "size of each send"},
	{.name = "timeout",
	 .type = HV_K_OPT_SECS,
	 .modes = ALL,
	 .min = SEC / 1000,
	 .max = 3600 * SEC,
	 .def = "10",
	 .off = OFF(timeout_ns),
	 .help = "connect and per-read/write timeout"},
	{.name = "lifetime",
	 .type = HV_K_OPT_SECS,
	 .modes = HV_NET_SERVER,
	 .min = SEC / 1000,
	 .max = 24 * 3600 * SEC,
	 .def = "120",
	 .off = OFF(lifetime_ns),
	 .help = "server exits after this long"},
	{.name = "idle",
	 .type = HV_K_OPT_SECS,
	 .modes = HV_NET_SERVER,
	 .min = SEC / 1000,
	 .max = 24 * 3600 * SEC,
	 .def = "60",
	 .off = OFF(idle_ns),
	 .help = "server exits after this long without a client"},
	{.name = "json",
	 .type = HV_K_OPT_FLAG,
	 .modes = CLI,
	 .off = OFF(json),
	 .help = "print one HPCVIRT-RESULT {json} line"},
	{.name = "spin",
	 .type = HV_K_OPT_FLAG,
	 .modes = HV_NET_RR,
	 .off = OFF(spin),
	 .help = "busy-poll receives on both ends (needs a CPU per end)"},
	{.name = "samples",
	 .type = HV_K_OPT_FLAG,
	 .modes = HV_NET_RR,
	 .off = OFF(samples),
	 .help = "add every RTT sample to the JSON"},
};

/* Bit i of hv_net_mode; the names are also the mode arguments. */
static const char *const mode_names[] = {"server", "rr", "stream"};

static const struct hv_k_optset optset = {
	.synopsis = "hpcvirt-net server|rr|stream [options]",
	.opts = opts,
	.nopts = sizeof(opts) / sizeof(opts[0]),
	.width = 26,
	.mode_names = mode_names,
	.nmodes = sizeof(mode_names) / sizeof(mode_names[0]),
};

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

static void
parse_args(int argc, char **argv, struct hv_net_cfg *cfg)
{
	bool seen[sizeof(opts) / sizeof(opts[0])] = {false};

	hv_k_opts_help(&optset, argc, argv);
	if (argc < 2)
		hv_k_die(HV_K_EXIT_USAGE,
			 "missing mode: expected server, rr or stream "
			 "(see --help)");
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = parse_mode(argv[1]);
	hv_k_parse_opts_or_die(&optset, cfg->mode, cfg, seen, argc - 2,
			       argv + 2);
	cfg->dur_set = seen[hv_k_opt_find(&optset, "duration", 8) - opts];
	if (cfg->mode != HV_NET_SERVER && cfg->port == 0)
		hv_k_die(HV_K_EXIT_USAGE,
			 "%s needs --port N (1-65535), the port of a running "
			 "'hpcvirt-net server'",
			 argv[1]);
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
