/*
 * run.c - "hpcvirt run": select environments and benches, run the study
 * into a directory (every sample stored as it is measured), then render
 * it from the store exactly as "hpcvirt report" would.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "hpcvirt/host/lab.h"
#include "hpcvirt/util/opt.h"
#include "hpcvirt/registry.h"
#include "hpcvirt/results/store.h"
#include "hpcvirt/study/estimate.h"
#include "hpcvirt/study/sched.h"
#include "hpcvirt/study/slurm.h"
#include "proto/npb-rules.h"

#define MAX_SEL 64

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

enum {
	O_ENV,
	O_BENCH,
	O_REPS,
	O_WARMUP,
	O_SEED,
	O_OUT,
	O_JSON,
	O_CSV,
	O_SIZES,
	O_DURATION,
	O_CLASS,
	O_VARIANT,
	O_THREADS,
	O_RANKS,
	O_SET,
	O_CPUS,
	O_LINK,
	O_LINK_DELAY,
	O_LINK_RATE,
	O_MEM,
	O_QUIET,
	O_NO_PROGRESS,
	O_FULL,
	O_ESTIMATE,
	O_PARENTS,
	O_RESUME,
	O_LOG,
	O_NODES,
	O_RPN,
	O_PRECISION,
	O_BUDGET,
	O_MIN_REPS,
	O_MAX_REPS,
	O_LAUNCHER,
};

static const struct hv_cli_opt run_opts[] = {
	[O_ENV] = {"env", "LIST",
		   "environments, or all (default: every available)"},
	[O_BENCH] = {"bench", "LIST",
		     "benches, or all (the default; see list)"},
	[O_REPS] = {"reps", "N",
		    "a fixed count of measured repetitions per cell, "
		    "instead of --precision"},
	[O_PRECISION] = {"precision", "P",
			 "repeat each cell until its ratio's 95% CI is "
			 "within +-P (default 2%)"},
	[O_BUDGET] = {"budget", "TIME",
		      "wall time for the study, e.g. 15m (default: none)"},
	[O_MIN_REPS] = {"min-reps", "N",
			"measured repetitions per cell before "
			"--precision adapts them (default 3)"},
	[O_MAX_REPS] = {"max-reps", "N",
			"at most this many per cell (default 30)"},
	[O_WARMUP] = {"warmup", "N", "discarded repetitions (default 1)"},
	[O_SEED] = {"seed", "S", "schedule/bootstrap seed (default random)"},
	[O_OUT] = {"out", "DIR",
		   "study directory (default "
		   "hpcvirt-results/DATE-TIME)"},
	[O_JSON] = {"json", "FILE", "also write the JSON result ('-' stdout)"},
	[O_CSV] = {"csv", "FILE", "also write CSV, one row per cell"},
	[O_SIZES] = {"sizes", "LIST", "net.rr message sizes, e.g. 1,64,4KiB"},
	[O_DURATION] = {"duration", "SECS", "net: seconds per repetition"},
	[O_CLASS] = {"class", "LIST", "NPB classes, e.g. S,W,A"},
	[O_VARIANT] = {"variant", "LIST", "NPB variants: ser, omp"},
	[O_THREADS] = {"threads", "LIST", "OpenMP thread sweep, e.g. 1,2"},
	[O_RANKS] = {"ranks", "LIST",
		     "MPI rank sweep (variant mpi), e.g. 1,2,4"},
	[O_SET] = {"set", "KEY=LIST",
		   "any bench parameter (repeatable); BENCH:KEY=LIST for one "
		   "bench, e.g. npb.cg:class=A"},
	[O_CPUS] = {"cpus", "N", "CPUs for every box (default: all)"},
	[O_LINK] = {"link", "NAME",
		    "emulate a named interconnect on every box port: gige "
		    "(1Gbit, 25us one-way), none"},
	[O_LINK_DELAY] = {"link-delay", "TIME",
			  "one-way delay on every box port, e.g. 80us "
			  "(netem; where the kernel has none, left out with "
			  "a warning)"},
	[O_LINK_RATE] = {"link-rate", "RATE",
			 "rate limit on every box port, "
			 "e.g. 1Gbit, 100Mbit (tbf)"},
	[O_MEM] = {"mem", "SIZE",
		   "memory for every box: MiB (256) or with a unit (512M, "
		   "2GiB); default: no limit"},
	[O_QUIET] = {"quiet", NULL, "print no table"},
	[O_NO_PROGRESS] = {"no-progress", NULL, "no progress line"},
	[O_FULL] = {"full", NULL,
		    "run every cell even where an env would "
		    "take far too long (VMs)"},
	[O_ESTIMATE] = {"estimate", NULL,
			"say how long the study takes at native speed (from "
			"short native pilot runs) and exit; --full says it "
			"before it starts"},
	[O_PARENTS] = {"parents", NULL,
		       "create the parents of --out DIR "
		       "if they are missing"},
	[O_RESUME] = {"resume", "DIR",
		      "finish the interrupted study in DIR (its "
		      "options and seed)"},
	[O_NODES] = {"nodes", "LIST",
		     "boxes per MPI job (variant mpi), e.g. 1,2,4: the "
		     "virtual cluster"},
	[O_RPN] = {"ranks-per-node", "LIST",
		   "MPI ranks in each box with --nodes (default 1)"},
	[O_LAUNCHER] = {"launcher", "NAME",
			"local (the default: this host), or slurm: the hosts "
			"of the Slurm allocation this runs in, through srun "
			"(docs/slurm.md)"},
	[O_LOG] = {"log", "FILE",
		   "append a line per repetition started and stored "
		   "(for batch jobs)"},
};

/* What may be given with --resume: how to show the result, not what to
 * measure (that is DIR's). */
#define BIT(o) ((uint64_t)1 << (o))
#define RESUME_OK                                                       \
	(BIT(O_JSON) | BIT(O_CSV) | BIT(O_QUIET) | BIT(O_NO_PROGRESS) | \
	 BIT(O_RESUME))
/* What adapts the count, which --reps fixes. */
#define ADAPTIVE \
	(BIT(O_PRECISION) | BIT(O_BUDGET) | BIT(O_MIN_REPS) | BIT(O_MAX_REPS))

struct run_args {
	struct hv_run_opts o;
	const struct hv_env *envs[MAX_SEL];
	const struct hv_bench *benches[MAX_SEL];
	struct hv_params sets;
	/* Copies: splitting them must not change argv, which the study
	 * records (and --resume reads back). */
	char env_buf[1024], bench_buf[1024];
	char *env_list, *bench_list;
	const char *json, *csv, *log;
	const char *link; /* --link NAME, checked */
	bool slurm;	  /* --launcher slurm */
	struct hv_slurm alloc;
	FILE *logf;
	bool draw; /* the progress line on a terminal */
	char out[512];
	const char *resume;
	cJSON *recorded;   /* --resume: the command it was started with */
	char ran_on[1024]; /* --resume: the hosts it ran on, "n1,n2", or "" */
	uint64_t given;	   /* BIT(option index), for each option given */
	bool seed_set, quiet, no_progress, full, parents, estimate;
};

static int
bad(const struct hv_err *err)
{
	fprintf(stderr, "hpcvirt run: %s\n", err->msg);
	return HV_EXIT_USAGE;
}

/* opt: what the user typed, for the message ("--sizes", "--set KEY"). */
static int
set_param(struct run_args *a, const char *key, const char *val, const char *opt)
{
	if (!*val) {
		fprintf(stderr,
			"hpcvirt run: empty value for %s: expected a list "
			"like a,b,c\n",
			opt);
		return HV_EXIT_USAGE;
	}
	return hv_params_set(&a->sets, key, val) < 0 ? HV_EXIT_FAIL : 0;
}

static long
host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? n : 1;
}

/* --precision: a percentage (2%) or a fraction (0.02), 0.1 % to 50 %. */
static int
precision_arg(struct run_args *a, const char *v)
{
	char *end;
	double p;

	errno = 0;
	p = strtod(v, &end);
	if (end != v && *end == '%' && end[1] == '\0')
		p /= 100;
	else if (end == v || *end)
		p = -1;
	if (errno || !(p >= 0.001 && p <= 0.5)) {
		fprintf(stderr,
			"hpcvirt run: bad --precision '%s': expected a "
			"relative "
			"half-width like 2%% or 0.02 (0.1%% to 50%%)\n",
			v);
		return HV_EXIT_USAGE;
	}
	a->o.precision = p;
	return 0;
}

/*
 * --reps fixes the count; --precision, --budget, --min-reps and
 * --max-reps adapt it: not both. Without --reps the count adapts.
 */
static int
reps_args(struct run_args *a)
{
	size_t k;

	if (a->given & BIT(O_REPS)) {
		for (k = 0; k < sizeof(run_opts) / sizeof(run_opts[0]); k++) {
			if (!(a->given & ADAPTIVE & BIT(k)))
				continue;
			fprintf(stderr,
				"hpcvirt run: --reps fixes the count of "
				"repetitions and --%s adapts it: give one "
				"of them\n",
				run_opts[k].name);
			return HV_EXIT_USAGE;
		}
		a->o.precision = 0;
		return 0;
	}
	if (a->o.reps > a->o.max_reps) {
		fprintf(stderr,
			"hpcvirt run: bad --max-reps %d: below --min-reps %d\n",
			a->o.max_reps, a->o.reps);
		return HV_EXIT_USAGE;
	}
	return 0;
}

static int
on_opt(void *ctx, size_t idx, const char *v)
{
	struct run_args *a = ctx;
	struct hv_err err;
	uint64_t u;
	double d;
	const char *eq;
	bool unit;

	hv_err_init(&err);
	a->given |= BIT(idx);
	switch (idx) {
	case O_ENV:
	case O_BENCH: {
		char *buf = idx == O_ENV ? a->env_buf : a->bench_buf;

		if (strlen(v) >= sizeof(a->env_buf)) {
			fprintf(stderr,
				"hpcvirt run: --%s list too long (%zu "
				"characters, at most %zu)\n",
				run_opts[idx].name, strlen(v),
				sizeof(a->env_buf) - 1);
			return HV_EXIT_USAGE;
		}
		memcpy(buf, v, strlen(v) + 1);
		*(idx == O_ENV ? &a->env_list : &a->bench_list) = buf;
		return 0;
	}
	case O_REPS:
	case O_MIN_REPS:
	case O_MAX_REPS:
	case O_WARMUP:
		if (hv_opt_u64(run_opts[idx].name, v, idx == O_WARMUP ? 0 : 2,
			       10000, &u, &err) < 0)
			return bad(&err);
		if (idx == O_WARMUP)
			a->o.warmup = (int)u;
		else if (idx == O_MAX_REPS)
			a->o.max_reps = (int)u;
		else
			a->o.reps = (int)u;
		return 0;
	case O_PRECISION:
		return precision_arg(a, v);
	case O_BUDGET:
		if (hv_opt_secs("budget", v, 1, 30 * 86400, &d, &err) < 0)
			return bad(&err);
		a->o.budget_s = d;
		return 0;
	case O_SEED:
		/* Seeds stay exact as JSON numbers (doubles). */
		if (hv_opt_u64("seed", v, 0, (1ULL << 53) - 1, &a->o.seed,
			       &err) < 0)
			return bad(&err);
		a->seed_set = true;
		return 0;
	case O_OUT:
		snprintf(a->out, sizeof(a->out), "%s", v);
		return 0;
	case O_JSON:
		a->json = v;
		return 0;
	case O_CSV:
		a->csv = v;
		return 0;
	case O_SIZES:
		return set_param(a, "size_bytes", v, "--sizes");
	case O_DURATION:
		return set_param(a, "duration_s", v, "--duration");
	case O_CLASS:
		return set_param(a, "class", v, "--class");
	case O_VARIANT:
		return set_param(a, "variant", v, "--variant");
	case O_THREADS:
		return set_param(a, "threads", v, "--threads");
	case O_RANKS:
		return set_param(a, "ranks", v, "--ranks");
	case O_NODES:
		return set_param(a, "nodes", v, "--nodes");
	case O_RPN:
		return set_param(a, "ranks_per_node", v, "--ranks-per-node");
	case O_SET:
		eq = strchr(v, '=');
		if (!eq || eq == v) {
			fprintf(stderr,
				"hpcvirt run: bad --set '%s': expected "
				"KEY=LIST like size_bytes=1,64\n",
				v);
			return HV_EXIT_USAGE;
		}
		{
			char key[64], opt[80];

			snprintf(key, sizeof(key), "%.*s", (int)(eq - v), v);
			snprintf(opt, sizeof(opt), "--set %s", key);
			return set_param(a, key, eq + 1, opt);
		}
	case O_CPUS:
		/* A box cannot have more CPUs than the host has online. */
		if (hv_opt_u64(run_opts[idx].name, v, 1, (uint64_t)host_cpus(),
			       &u, &err) < 0)
			return bad(&err);
		a->o.spec.cpus = (int)u;
		return 0;
	case O_MEM: /* MiB, or a size with its unit: 256, 256M, 1GiB */
		unit = v[strspn(v, "0123456789")] != '\0';
		if (unit ? hv_opt_bytes("mem", v, 1 << 20, (uint64_t)1 << 44,
					&u, &err) < 0
			 : hv_opt_u64("mem", v, 1, 1 << 24, &u, &err) < 0) {
			fprintf(stderr,
				"hpcvirt run: bad --mem '%s': expected MiB "
				"like 256, or a size like 512M or 2GiB (1 MiB "
				"to 16 TiB)\n",
				v);
			return HV_EXIT_USAGE;
		}
		a->o.spec.mem_mib = (int)(unit ? u >> 20 : u);
		return 0;
	case O_LINK:
		if (hv_lab_preset("link", v, &a->o.lab, &err) < 0)
			return bad(&err);
		a->link = v;
		return 0;
	case O_LINK_DELAY:
		if (hv_opt_secs("link-delay", v, 1e-6, 10, &d, &err) < 0)
			return bad(&err);
		a->o.lab.delay_us = (uint32_t)(d * 1e6 + 0.5);
		return 0;
	case O_LINK_RATE:
		if (hv_opt_rate("link-rate", v, &a->o.lab.rate_bps, &err) < 0)
			return bad(&err);
		return 0;
	case O_QUIET:
		a->quiet = true;
		return 0;
	case O_NO_PROGRESS:
		a->no_progress = true;
		return 0;
	case O_FULL:
		a->full = true;
		return 0;
	case O_ESTIMATE:
		a->estimate = true;
		return 0;
	case O_PARENTS:
		a->parents = true;
		return 0;
	case O_RESUME:
		a->resume = v;
		return 0;
	case O_LOG:
		a->log = v;
		return 0;
	case O_LAUNCHER:
		if (strcmp(v, "local") && strcmp(v, "slurm")) {
			fprintf(stderr,
				"hpcvirt run: bad --launcher '%s': expected "
				"local or slurm\n",
				v);
			return HV_EXIT_USAGE;
		}
		a->slurm = strcmp(v, "slurm") == 0;
		return 0;
	}
	return HV_EXIT_USAGE;
}

/* Resolve --env: named envs must exist; unavailable ones are skipped
 * with a note (never a failure). Default: every available env. */
static int
pick_envs(struct run_args *a)
{
	char *items[MAX_SEL];
	struct hv_err err, why;
	size_t i;
	int n, k;

	hv_err_init(&err);
	if (a->resume)
		return 0; /* the study's own, from resume_args() */
	if (!a->env_list || strcmp(a->env_list, "all") == 0) {
		for (i = 0; i < hv_env_count(); i++)
			if (!hv_env_at(i)->explicit_only &&
			    hv_env_probe(hv_env_at(i), &why) == 0)
				a->envs[a->o.nenvs++] = hv_env_at(i);
		return 0;
	}
	n = hv_opt_split("env", a->env_list, items, MAX_SEL, &err);
	if (n < 0)
		return bad(&err);
	for (k = 0; k < n; k++) {
		const struct hv_env *e = hv_env_find(items[k]);

		if (!e) {
			fprintf(stderr,
				"hpcvirt run: unknown env '%s' (see "
				"hpcvirt list)\n",
				items[k]);
			return HV_EXIT_USAGE;
		}
		/* A resumed study keeps its envs: one that is gone now
		 * fails its cells with the reason. */
		if (!a->resume && hv_env_probe(e, &why) < 0) {
			fprintf(stderr,
				"hpcvirt run: skipping %s: not "
				"available: %s\n",
				e->name, why.msg);
			continue;
		}
		for (i = 0; i < a->o.nenvs && a->envs[i] != e; i++)
			;
		if (i == a->o.nenvs)
			a->envs[a->o.nenvs++] = e;
	}
	return 0;
}

static int
pick_benches(struct run_args *a)
{
	char *items[MAX_SEL];
	struct hv_err err;
	size_t i;
	int n, k;

	hv_err_init(&err);
	if (!a->bench_list || strcmp(a->bench_list, "all") == 0) {
		for (i = 0; i < hv_bench_count() && i < MAX_SEL; i++)
			a->benches[a->o.nbenches++] = hv_bench_at(i);
		return 0;
	}
	n = hv_opt_split("bench", a->bench_list, items, MAX_SEL, &err);
	if (n < 0)
		return bad(&err);
	for (k = 0; k < n; k++) {
		const struct hv_bench *b = hv_bench_find(items[k]);

		if (!b) {
			fprintf(stderr,
				"hpcvirt run: unknown bench '%s' (see "
				"hpcvirt list)\n",
				items[k]);
			return HV_EXIT_USAGE;
		}
		for (i = 0; i < a->o.nbenches && a->benches[i] != b; i++)
			;
		if (i == a->o.nbenches)
			a->benches[a->o.nbenches++] = b;
	}
	return 0;
}

/*
 * The link emulation: --link NAME sets both rate and delay, so it does not
 * go with --link-rate or --link-delay (either would change the named
 * interconnect into another one). This is checked once all options are
 * parsed, so their order does not matter; the preset itself is applied
 * as --link is parsed (the last one given wins). A delay this kernel
 * cannot emulate is left out with a warning, not a failed study.
 */
static int
link_args(struct run_args *a)
{
	static const size_t own[] = {O_LINK_RATE, O_LINK_DELAY};
	size_t k;

	for (k = 0; a->link && k < sizeof(own) / sizeof(own[0]); k++) {
		if (!(a->given & BIT(own[k])))
			continue;
		fprintf(stderr,
			"hpcvirt run: bad --link '%s' with --%s: the named "
			"link sets both rate and delay; give either --link or "
			"--link-rate/--link-delay\n",
			a->link, run_opts[own[k]].name);
		return HV_EXIT_USAGE;
	}
	a->o.lab.delay_optional = true;
	return 0;
}

/* "n1,n2": the names of the hosts of a launcher context, or "". */
static void
launcher_hosts(const char *launcher, char *buf, size_t len)
{
	cJSON *l = launcher ? cJSON_Parse(launcher) : NULL, *h;
	size_t n = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(l, "hosts"))
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(h, "name");

		if (cJSON_IsString(name) && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
					      n ? "," : "", name->valuestring);
	}
	cJSON_Delete(l);
}

/* --resume of a study across hosts: its cells are per host, so the
 * allocation must have the hosts it ran on, in their order. */
static int
same_hosts(const struct run_args *a)
{
	char now[1024];
	size_t i, n = 0, hosts = 1;
	const char *c;

	if (!a->resume || !a->ran_on[0])
		return 0;
	for (c = a->ran_on; *c; c++)
		hosts += *c == ',';
	now[0] = '\0';
	for (i = 0; i < a->alloc.n && n < sizeof(now); i++)
		n += (size_t)snprintf(now + n, sizeof(now) - n, "%s%s",
				      i ? "," : "", a->alloc.names[i]);
	if (strcmp(now, a->ran_on) == 0)
		return 0;
	fprintf(stderr,
		"hpcvirt run: --resume %s: the study ran on hosts %s, and "
		"this allocation has %s: its cells belong to their hosts, so "
		"resume it in an allocation of the same hosts (salloc -w %s "
		"-N %zu)\n",
		a->resume, a->ran_on, now, a->ran_on, hosts);
	return HV_EXIT_USAGE;
}

/*
 * --launcher slurm: the allocation this runs in, or a clear error (exit
 * 2) saying how to get one. A cluster's own network is what a study
 * across hosts measures: no link emulation there.
 */
static int
launcher_args(struct run_args *a)
{
	static const size_t links[] = {O_LINK, O_LINK_RATE, O_LINK_DELAY};
	struct hv_err err;
	size_t k;

	if (!a->slurm)
		return 0;
	for (k = 0; k < sizeof(links) / sizeof(links[0]); k++) {
		if (!(a->given & BIT(links[k])))
			continue;
		fprintf(stderr,
			"hpcvirt run: --%s with --launcher slurm: a study "
			"across hosts measures the cluster's own network; "
			"leave out --%s\n",
			run_opts[links[k]].name, run_opts[links[k]].name);
		return HV_EXIT_USAGE;
	}
	hv_err_init(&err);
	if (hv_slurm_open(&a->alloc, &err) < 0) {
		fprintf(stderr, "hpcvirt run: %s\n", err.msg);
		return err.code == ENOENT || err.code == EINVAL ? HV_EXIT_USAGE
								: HV_EXIT_FAIL;
	}
	a->o.slurm = &a->alloc;
	return same_hosts(a);
}

/* A list option's values (split in a copy): n, or -1 after a message. */
static int
split_copy(const char *opt, const char *list, char *buf, size_t len,
	   char **items, int max)
{
	struct hv_err err;
	int n;

	hv_err_init(&err);
	snprintf(buf, len, "%s", list);
	n = hv_opt_split(opt, buf, items, max, &err);
	if (n < 0)
		bad(&err);
	return n;
}

/*
 * NPB's rank rule for bench over the --nodes x --ranks-per-node grid: the
 * counts it does not take are left out of its cells (the plan drops
 * them), and said once on stderr; none it takes is an error (-1).
 */
static int
rank_rule(const char *name, char *const *nv, int nn, char *const *rv, int nr)
{
	const struct hv_npb_rule *rule = strncmp(name, "npb.", 4) == 0
						 ? hv_npb_rule_find(name + 4)
						 : NULL;
	char out[256] = "";
	long bad_n = 0, bad_r = 0, bad_rpn = 0;
	int i, j, good = 0;
	size_t len = 0;

	for (i = 0; rule && i < nn; i++) {
		for (j = 0; j < nr; j++) {
			long n = strtol(nv[i], NULL, 10);
			long r = n * strtol(rv[j], NULL, 10);

			if (hv_npb_ranks_ok(rule, r)) {
				good++;
				continue;
			}
			if (!bad_r) {
				bad_n = n;
				bad_r = r;
				bad_rpn = r / n;
			}
			if (len < sizeof(out))
				len += (size_t)snprintf(
					out + len, sizeof(out) - len, "%s%ld",
					len ? "," : "", r);
		}
	}
	if (!bad_r)
		return 0;
	if (good) {
		fprintf(stderr,
			"hpcvirt run: %s: no cells at %s rank%s (it needs "
			"%s)\n",
			name, out, strchr(out, ',') || bad_r > 1 ? "s" : "",
			hv_npb_ranks_str(rule));
		return 0;
	}
	fprintf(stderr,
		"hpcvirt run: bad --nodes '%ld' for %s: %ld node%s x %ld "
		"rank%s per node = %ld ranks, and %s needs %s\n",
		bad_n, name, bad_n, bad_n > 1 ? "s" : "", bad_rpn,
		bad_rpn > 1 ? "s" : "", bad_r, name, hv_npb_ranks_str(rule));
	return -1;
}

/*
 * Where the MPI ranks go. Every cell has ranks = nodes x ranks_per_node.
 * --ranks is the one-box sweep: one node, all ranks in it. --nodes and
 * --ranks-per-node spread one job over boxes (the rank counts follow),
 * so --ranks does not go with them; each count must be one the
 * benchmark accepts.
 */
static int
cluster_args(struct run_args *a)
{
	const char *nodes = hv_params_get(&a->sets, "nodes");
	const char *rpn = hv_params_get(&a->sets, "ranks_per_node");
	const char *variant = hv_params_get(&a->sets, "variant");
	const char *one_box = hv_params_get(&a->sets, "ranks");
	char nb[512], rb[512], ranks[1024] = "", *nv[64], *rv[64];
	int nn, nr, i, j;
	size_t b, len = 0;

	if (!nodes && !rpn)
		return one_box ? set_param(a, "ranks_per_node", one_box,
					   "--ranks")
			       : 0;
	nn = split_copy("nodes", nodes ? nodes : "1", nb, sizeof(nb), nv, 64);
	nr = split_copy("ranks-per-node", rpn ? rpn : "1", rb, sizeof(rb), rv,
			64);
	if (nn < 0 || nr < 0)
		return HV_EXIT_USAGE;
	for (i = 0; i < nn + nr; i++) {
		const char *v = i < nn ? nv[i] : rv[i - nn];
		uint64_t u;
		struct hv_err err;

		hv_err_init(&err);
		if (hv_opt_u64(i < nn ? "nodes" : "ranks-per-node", v, 1, 64,
			       &u, &err) < 0)
			return bad(&err);
	}
	if (hv_params_get(&a->sets, "ranks")) {
		fprintf(stderr, "hpcvirt run: --ranks is for ranks in one box; "
				"with --nodes give --ranks-per-node\n");
		return HV_EXIT_USAGE;
	}
	if (!variant || strcmp(variant, "mpi") != 0) {
		fprintf(stderr,
			"hpcvirt run: bad --%s '%s': it needs --variant mpi "
			"(one MPI job across boxes)\n",
			nodes ? "nodes" : "ranks-per-node",
			nodes ? nodes : rpn);
		return HV_EXIT_USAGE;
	}
	for (b = 0; b < a->o.nbenches; b++)
		if (rank_rule(a->benches[b]->name, nv, nn, rv, nr) < 0)
			return HV_EXIT_USAGE;
	for (i = 0; i < nn; i++) {
		for (j = 0; j < nr; j++) {
			long r = strtol(nv[i], NULL, 10) *
				 strtol(rv[j], NULL, 10);
			char num[24];

			snprintf(num, sizeof(num), ",%ld,", r);
			if (!strstr(ranks, num))
				len += (size_t)snprintf(
					ranks + len, sizeof(ranks) - len,
					"%s%ld,", len ? "" : ",", r);
		}
	}
	ranks[len - 1] = '\0'; /* ",1,2,4," -> "1,2,4" */
	return set_param(a, "ranks", ranks + 1, "--nodes");
}

/*
 * A typo in --out must not create a tree somewhere: the directory's parent
 * has to exist, unless --parents asks for it. Nor may a new study go into
 * a directory that holds one.
 */
static int
check_out(const struct run_args *a)
{
	char parent[512];
	struct stat sb;
	char *slash;

	if (a->resume || !a->out[0])
		return 0;
	snprintf(parent, sizeof(parent), "%s/study.db", a->out);
	if (stat(parent, &sb) == 0) {
		fprintf(stderr,
			"hpcvirt run: bad --out '%s': it holds a study "
			"already; finish it with --resume %s, or choose "
			"another directory\n",
			a->out, a->out);
		return HV_EXIT_USAGE;
	}
	if (a->parents)
		return 0;
	snprintf(parent, sizeof(parent), "%s", a->out);
	while ((slash = strrchr(parent, '/')) != NULL && slash[1] == '\0')
		*slash = '\0'; /* "dir/" is dir */
	slash = strrchr(parent, '/');
	if (!slash)
		return 0; /* in the current directory */
	if (slash == parent)
		slash[1] = '\0'; /* "/dir": the parent is "/" */
	else
		*slash = '\0';
	if (stat(parent, &sb) == 0 && S_ISDIR(sb.st_mode))
		return 0;
	fprintf(stderr,
		"hpcvirt run: bad --out '%s': its parent '%s' is not a "
		"directory; create it, or add --parents\n",
		a->out, parent);
	return HV_EXIT_USAGE;
}

/* hpcvirt-results/YYYYmmdd-HHMMSS, made unique with a suffix. */
static void
default_out(char *buf, size_t len)
{
	char stamp[32];
	struct stat sb;
	time_t now = time(NULL);
	struct tm tm;
	int i;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, len, "hpcvirt-results/%s", stamp);
	for (i = 2; stat(buf, &sb) == 0 && i < 1000; i++)
		snprintf(buf, len, "hpcvirt-results/%s-%d", stamp, i);
	mkdir("hpcvirt-results", 0755);
}

/* One line per event, appended; written after the store commits, so a
 * "stored" line is a promise that the repetition is in study.db. */
static void
log_progress(FILE *f, const struct hv_progress *p)
{
	char date[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (p->step >= p->nsteps)
		fprintf(f, "%s end\n", date);
	else if (p->stored)
		fprintf(f, "%s stored %zu/%zu rep %d: %s\n", date, p->step + 1,
			p->nsteps, p->rep, p->label);
	else
		fprintf(f, "%s start %zu/%zu: %s\n", date, p->step + 1,
			p->nsteps, p->label);
	fflush(f);
}

/* One line on the terminal, redrawn in place; cleared at the end. */
static void
draw_progress(const struct hv_progress *p, void *arg)
{
	const struct run_args *a = arg;

	if (a->logf)
		log_progress(a->logf, p);
	if (!a->draw || p->stored)
		return;
	if (p->step >= p->nsteps)
		fprintf(stderr, "\r\033[K");
	else if (p->eta_s >= 0)
		fprintf(stderr, "\r\033[K[%zu/%zu] %.60s  ETA %lldm%02llds",
			p->step + 1, p->nsteps, p->label,
			(long long)p->eta_s / 60, (long long)p->eta_s % 60);
	else
		fprintf(stderr, "\r\033[K[%zu/%zu] %.60s  ETA --", p->step + 1,
			p->nsteps, p->label);
	fflush(stderr);
}

static void
print_warning(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "hpcvirt run: warning: %s\n", msg);
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int
parse_args(struct run_args *a, int argc, char **argv)
{
	int rc, first;

	rc = hv_cli_parse("hpcvirt run [OPTIONS]", run_opts,
			  sizeof(run_opts) / sizeof(run_opts[0]), argc, argv,
			  on_opt, a, &first);
	if (rc == 0 && first < argc) {
		fprintf(stderr, "hpcvirt run: unexpected argument '%s'\n",
			argv[first]);
		rc = HV_EXIT_USAGE;
	}
	return rc;
}

static void
args_init(struct run_args *a)
{
	memset(a, 0, sizeof(*a));
	hv_params_init(&a->sets);
	a->o.reps = 3;
	a->o.warmup = 1;
	a->o.precision = 0.02;
	a->o.max_reps = 30;
}

/* The recorded command as an argv (pointing into a->recorded). */
static int
recorded_argv(struct run_args *a, const char *dir, const char *txt, char **argv,
	      int max)
{
	const cJSON *it;
	int n = 0;

	a->recorded = txt ? cJSON_Parse(txt) : NULL;
	cJSON_ArrayForEach(it, a->recorded)
	{
		if (!cJSON_IsString(it) || n == max - 1)
			break;
		argv[n++] = it->valuestring;
	}
	argv[n] = NULL;
	if (!cJSON_IsArray(a->recorded) || n == 0 ||
	    n != cJSON_GetArraySize(a->recorded) || strcmp(argv[0], "run")) {
		fprintf(stderr,
			"hpcvirt run: --resume %s: its recorded command is "
			"missing or not a 'run' command\n",
			dir);
		return HV_EXIT_USAGE;
	}
	return 0;
}

/* The envs it selected (the default set depends on the host then). */
static int
recorded_envs(struct run_args *a, const char *dir, const char *txt)
{
	cJSON *list = txt ? cJSON_Parse(txt) : NULL;
	const cJSON *it;
	int rc = 0;

	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) > MAX_SEL) {
		fprintf(stderr,
			"hpcvirt run: --resume %s: no env list recorded\n",
			dir);
		rc = HV_EXIT_USAGE;
	}
	cJSON_ArrayForEach(it, list)
	{
		const struct hv_env *e = cJSON_IsString(it)
						 ? hv_env_find(it->valuestring)
						 : NULL;

		if (!e) {
			fprintf(stderr,
				"hpcvirt run: --resume %s: recorded env '%s' "
				"is not in this hpcvirt\n",
				dir,
				cJSON_IsString(it) ? it->valuestring : "?");
			rc = HV_EXIT_USAGE;
			break;
		}
		a->envs[a->o.nenvs++] = e;
	}
	cJSON_Delete(list);
	return rc;
}

/*
 * --resume DIR: the options are those of the command DIR's study was
 * started with (context "cmdline"), the envs those it selected, the seed
 * its seed; from the user's command only how to show the result.
 */
static int
resume_args(struct run_args *a)
{
	struct run_args user = *a;
	char *argv[256];
	struct hv_store *st = NULL;
	struct hv_study s;
	struct hv_err err;
	int rc;

	if (a->given & ~RESUME_OK) {
		fprintf(stderr,
			"hpcvirt run: --resume DIR runs DIR's own plan: only "
			"--json, --csv, --quiet and --no-progress go with "
			"it\n");
		return HV_EXIT_USAGE;
	}
	hv_err_init(&err);
	hv_study_init(&s);
	rc = hv_store_open(&st, user.resume, HV_STORE_READ, &err);
	if (rc == 0)
		rc = hv_store_load(st, &s, &err);
	if (st)
		hv_store_close(st);
	if (rc < 0) {
		fprintf(stderr, "hpcvirt run: --resume: %s\n", err.msg);
		hv_study_release(&s);
		return HV_EXIT_USAGE;
	}
	hv_params_release(&a->sets);
	args_init(a);
	rc = recorded_argv(a, user.resume, hv_context_get(&s, "cmdline"), argv,
			   256);
	if (rc == 0 && !hv_context_get(&s, "seed")) {
		fprintf(stderr, "hpcvirt run: --resume %s: no seed recorded\n",
			user.resume);
		rc = HV_EXIT_USAGE;
	}
	if (rc == 0)
		rc = parse_args(a, (int)cJSON_GetArraySize(a->recorded), argv);
	if (rc == 0) {
		a->resume = user.resume;
		rc = recorded_envs(a, user.resume,
				   hv_context_get(&s, "selected_envs"));
	}
	if (rc == 0) {
		launcher_hosts(hv_context_get(&s, "launcher"), a->ran_on,
			       sizeof(a->ran_on));
		a->env_list = NULL;
		a->o.seed = s.seed;
		a->seed_set = true;
		snprintf(a->out, sizeof(a->out), "%s", user.resume);
		a->json = user.json;
		a->csv = user.csv;
		a->quiet = user.quiet;
		a->no_progress = user.no_progress;
		a->log = user.log;
	}
	hv_study_release(&s);
	return rc;
}

/* Seconds for people: "45 s", "14 min", "3 h 20 min", "2 d 5 h". */
static void
fmt_span(double s, char *buf, size_t len)
{
	long long m = (long long)(s / 60 + 0.5);

	if (s < 10)
		snprintf(buf, len, "%.1f s", s);
	else if (s < 60)
		snprintf(buf, len, "%.0f s", s);
	else if (m < 60)
		snprintf(buf, len, "%lld min", m);
	else if (m < 48 * 60)
		snprintf(buf, len, "%lld h %lld min", m / 60, m % 60);
	else
		snprintf(buf, len, "%lld d %lld h", m / 1440, m / 60 % 24);
}

/* The study's expected time at native speed, on stderr. */
static int
print_estimate(const struct run_args *a, const struct hv_plan *plan)
{
	struct hv_estimate e;
	struct hv_err err;
	char lo[32], hi[32];

	hv_err_init(&err);
	if (hv_run_estimate(&a->o, plan, &e, &err) < 0) {
		fprintf(stderr, "hpcvirt run: %s\n", err.msg);
		return HV_EXIT_FAIL;
	}
	fmt_span(e.lo_s, lo, sizeof(lo));
	fmt_span(e.hi_s, hi, sizeof(hi));
	fprintf(stderr, "hpcvirt run: expected time at native speed: ");
	if (e.hi_s > e.lo_s * 1.05)
		fprintf(stderr, "%s (%d repetitions per unit) to %s (%s%d)", lo,
			e.lo_reps, hi, e.capped ? "the budget, before " : "",
			e.hi_reps);
	else
		fprintf(stderr, "%s (%d repetitions per unit)", lo, e.lo_reps);
	fprintf(stderr, "; %zu unit%s", e.units, e.units == 1 ? "" : "s");
	if (e.unknown)
		fprintf(stderr, ", %zu of them not estimated", e.unknown);
	fprintf(stderr, "; from %zu native pilot runs (%.1f s)\n", e.pilots,
		e.pilot_s);
	if (e.slower[0])
		fprintf(stderr,
			"hpcvirt run: %s run%s slower than native, so the "
			"study takes longer than that\n",
			e.slower, strchr(e.slower, ',') ? "" : "s");
	return 0;
}

static int
run_and_render(struct run_args *a, const struct hv_plan *plan)
{
	struct hv_run_stats st;
	struct hv_err err;
	int rc;

	hv_err_init(&err);
	install_signals();
	rc = hv_run_study(&a->o, plan, &st, &err);
	if (rc < 0) {
		fprintf(stderr, "hpcvirt run: %s\n", err.msg);
		return HV_EXIT_FAIL;
	}
	rc = hv_cli_render(a->out, a->json, a->csv, a->quiet);
	fprintf(stderr, "hpcvirt: study stored in %s (%zu cells", a->out,
		st.cells);
	if (st.failed)
		fprintf(stderr, ", %zu failed", st.failed);
	fprintf(stderr, "%s)\n", st.interrupted ? ", interrupted" : "");
	if (a->o.resume)
		fprintf(stderr,
			"hpcvirt: resumed: %zu repetitions were stored, %zu "
			"run now\n",
			st.reps_stored, st.reps_run);
	if (a->o.precision > 0 && !st.interrupted)
		fprintf(stderr,
			"hpcvirt: precision +-%.3g%%: %d more rounds after the "
			"first %d repetitions; %s\n",
			a->o.precision * 100, st.rounds, a->o.reps,
			!st.stopped || !strcmp(st.stopped, "met")
				? "every cell met it"
			: !strcmp(st.stopped, "budget")
				? "the budget ran out (see the table)"
				: "some cells reached --max-reps (see the "
				  "table)");
	if (st.interrupted)
		fprintf(stderr,
			"hpcvirt: finish it with: hpcvirt run --resume %s\n",
			a->out);
	if (rc == 0 && (st.failed || st.interrupted))
		rc = HV_EXIT_FAIL;
	return rc;
}

int
hv_cmd_run(int argc, char **argv)
{
	struct run_args a;
	struct hv_plan plan;
	char bin[1024];
	struct hv_err err;
	int rc;

	hv_err_init(&err);
	hv_plan_init(&plan);
	args_init(&a);
	rc = parse_args(&a, argc, argv);
	if (rc == -1) {
		hv_params_release(&a.sets);
		return HV_EXIT_OK;
	}
	if (rc == 0 && a.resume)
		rc = resume_args(&a);
	if (rc == 0)
		rc = link_args(&a);
	if (rc == 0)
		rc = launcher_args(&a);
	if (rc == 0)
		rc = reps_args(&a);
	if (rc == 0 && hv_cli_bin_dir(bin, sizeof(bin)) < 0) {
		fprintf(stderr, "hpcvirt run: hpcvirt-agent not found next "
				"to hpcvirt (set HPCVIRT_BIN_DIR)\n");
		rc = HV_EXIT_FAIL;
	}
	if (rc == 0)
		rc = check_out(&a);
	if (rc == 0)
		rc = pick_envs(&a);
	if (rc == 0)
		rc = pick_benches(&a);
	if (rc == 0)
		rc = cluster_args(&a);
	if (rc != 0)
		goto out;
	if (!a.seed_set && getrandom(&a.o.seed, sizeof(a.o.seed), 0) < 0)
		a.o.seed = (uint64_t)time(NULL);
	if (!a.seed_set)
		a.o.seed &= 0xffffffffu; /* short enough to retype */
	a.o.envs = a.envs;
	a.o.benches = a.benches;
	a.o.sets = &a.sets;
	a.o.bin_dir = bin;
	a.o.cmdline = (const char *const *)argv;
	/* Envs may leave out what would take them far too long (VMs under
	 * emulation); the report lists it, and --full runs everything. */
	a.o.reduce = !a.full;
	a.o.resume = a.resume != NULL;
	a.o.stop = &stop_requested;
	a.o.warn = print_warning;
	if (hv_run_validate(&a.o, &plan, &err) < 0) {
		rc = bad(&err);
		goto out;
	}
	if (a.estimate || (a.full && !a.resume)) {
		rc = print_estimate(&a, &plan);
		if (rc != 0 || a.estimate)
			goto out;
	}
	if (!a.out[0])
		default_out(a.out, sizeof(a.out));
	a.o.out_dir = a.out;
	a.draw = !a.no_progress && isatty(STDERR_FILENO);
	if (a.log && !(a.logf = fopen(a.log, "ae"))) {
		fprintf(stderr, "hpcvirt run: bad --log '%s': %s\n", a.log,
			strerror(errno));
		rc = HV_EXIT_USAGE;
		goto out;
	}
	if (a.draw || a.logf) {
		a.o.progress = draw_progress;
		a.o.progress_arg = &a;
	}
	rc = run_and_render(&a, &plan);
out:
	if (a.o.slurm)
		hv_slurm_close(&a.alloc);
	hv_plan_release(&plan);
	hv_params_release(&a.sets);
	cJSON_Delete(a.recorded);
	if (a.logf)
		fclose(a.logf);
	return rc;
}
