/*
 * test-host-slurm.c - the pieces of a study across hosts that need no
 * cluster: the plan spread over hosts (each set once per host with a
 * "host" parameter; net between host pairs; an MPI job over the first N
 * hosts; more nodes than hosts refused, naming both), what differs
 * between hosts' provenance, and --launcher slurm's error outside an
 * allocation. tests/integ/slurm.sh runs the real thing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpcvirt/registry.h"
#include "hpcvirt/results/result.h"
#include "hpcvirt/results/provenance.h"
#include "hpcvirt/study/plan.h"
#include "hpcvirt/study/slurm.h"
#include "synth-study.h"
#include "tap.h"

static const char *const hosts[] = {"n1", "n2", "n3"};

/* The set of plan with bench b and params "k=v" (all of them), or NULL. */
static const struct hv_plan_set *
find(const struct hv_plan *pl, const char *bench, const char *k1,
     const char *v1, const char *k2, const char *v2)
{
	for (size_t i = 0; i < pl->n; i++) {
		const struct hv_params *p = &pl->sets[i].params;
		const char *a = hv_params_get(p, k1), *b = hv_params_get(p, k2);

		if (!strcmp(pl->sets[i].bench->name, bench) && a &&
		    !strcmp(a, v1) && b && !strcmp(b, v2))
			return &pl->sets[i];
	}
	return NULL;
}

static void
spread(void)
{
	const struct hv_bench *b[] = {hv_bench_find("npb.cg"),
				      hv_bench_find("net.rr")};
	struct hv_params sets;
	struct hv_plan pl;
	struct hv_err err;
	const struct hv_plan_set *s;
	size_t before;
	int rc;

	hv_params_init(&sets);
	hv_params_set(&sets, "class", "S");
	hv_params_set(&sets, "variant", "mpi");
	hv_params_set(&sets, "ranks", "1,2");
	hv_params_set(&sets, "nodes", "1,2");
	hv_params_set(&sets, "size_bytes", "1");
	hv_plan_init(&pl);
	hv_err_init(&err);
	rc = hv_plan_build(&pl, b, 2, &sets, &err);
	ok(rc == 0, "a plan of npb.cg (nodes 1,2) and net.rr: %s", err.msg);
	before = pl.n;
	rc = hv_plan_spread(&pl, hosts, 3, &err);
	ok(rc == 0, "spread over n1, n2, n3: %s", err.msg);
	diag("%zu sets before, %zu after", before, pl.n);

	s = find(&pl, "npb.cg", "nodes", "1", "host", "n3");
	ok(s && s->host == 2 && s->peer_host == -1,
	   "an MPI set of 1 node runs on each host (host=n3 is host 2)");
	s = find(&pl, "npb.cg", "nodes", "2", "host", "n1+n2");
	ok(s && s->host == 0, "an MPI set of 2 nodes runs once, over n1+n2");
	ok(!find(&pl, "npb.cg", "nodes", "2", "host", "n2"),
	   "and not on each host");
	s = find(&pl, "net.rr", "size_bytes", "1", "host", "n3>n1");
	ok(s && s->host == 2 && s->peer_host == 0,
	   "net.rr runs from each host to the next: n3>n1 (2 -> 0)");
	s = find(&pl, "net.rr", "size_bytes", "1", "host", "n1>n2");
	ok(s && s->host == 0 && s->peer_host == 1, "and n1>n2 (0 -> 1)");
	hv_plan_release(&pl);

	/* More nodes than hosts. */
	hv_params_release(&sets);
	hv_params_init(&sets);
	hv_params_set(&sets, "class", "S");
	hv_params_set(&sets, "variant", "mpi");
	hv_params_set(&sets, "nodes", "4");
	hv_params_set(&sets, "ranks", "4");
	hv_err_init(&err);
	rc = hv_plan_build(&pl, b, 1, &sets, &err);
	ok(rc == 0, "a plan of npb.cg at 4 nodes");
	rc = hv_plan_spread(&pl, hosts, 2, &err);
	ok(rc == -EINVAL && strstr(err.msg, "--nodes 4: the allocation has 2 "
					    "hosts (n1, ...)"),
	   "4 nodes on 2 hosts is refused, naming both: %s", err.msg);
	ok(pl.n > 0 && pl.sets[0].host == -1, "and the plan is left as it was");
	hv_plan_release(&pl);
	hv_params_release(&sets);
}

static void
differ(void)
{
	char buf[512];
	int n;

	n = hv_provenance_hosts_differ(
		"{\"n1\":{\"kernel\":\"6.1\",\"cpu_model\":\"X\",\"ncpus\":2,"
		"\"binaries\":{\"hpcvirt-net\":\"aa\",\"hpcvirt-npb\":\"bb\"}},"
		"\"n2\":{\"kernel\":\"6.1\",\"cpu_model\":\"X\",\"ncpus\":2,"
		"\"binaries\":{\"hpcvirt-net\":\"aa\",\"hpcvirt-npb\":\"bb\"}}"
		"}",
		buf, sizeof(buf));
	ok(n == 2 && buf[0] == '\0', "two alike hosts: nothing differs ('%s')",
	   buf);
	n = hv_provenance_hosts_differ(
		"{\"n1\":{\"kernel\":\"6.1\",\"cpu_model\":\"X\",\"ncpus\":2,"
		"\"binaries\":{\"hpcvirt-net\":\"aa\",\"hpcvirt-npb\":\"bb\"}},"
		"\"n2\":{\"kernel\":\"6.5\",\"cpu_model\":\"X\",\"ncpus\":4,"
		"\"binaries\":{\"hpcvirt-net\":\"aa\",\"hpcvirt-npb\":\"cc\"}}"
		"}",
		buf, sizeof(buf));
	is_str(buf,
	       "kernel (n1: 6.1, n2: 6.5); ncpus (n1: 2, n2: 4); binaries "
	       "(hpcvirt-npb)",
	       "kernel, CPU count and one binary differ, each named (%d hosts)",
	       n);
	n = hv_provenance_hosts_differ(
		"{\"n1\":{\"kernel\":\"6.1\"},\"n2\":{}}", buf, sizeof(buf));
	is_str(buf, "kernel (n1: 6.1, n2: null)",
	       "a value one host lacks differs too");
	ok(hv_provenance_hosts_differ(NULL, buf, sizeof(buf)) == 0 &&
		   hv_provenance_hosts_differ("[1", buf, sizeof(buf)) == 0 &&
		   buf[0] == '\0',
	   "no host_info, or not JSON: 0 hosts and nothing said");
}

/* The envs whose boxes reached each other over a lab across hosts. */
static void
overlay_envs(void)
{
	char buf[128];
	int n;

	n = hv_provenance_overlay_envs(
		"{\"native\":{\"hosts\":{\"n1\":{\"config\":{}}}},"
		"\"ns\":{\"hosts\":{\"n1\":{\"config\":{\"lab\":"
		"\"across hosts: 10.201.0.0/24, VXLAN id 7\"}}}},"
		"\"tcg\":{\"hosts\":{\"n1\":{\"config\":{\"lab\":\"own\"}}}},"
		"\"crun\":{\"hosts\":{\"n1\":{\"error\":\"x\"},"
		"\"n2\":{\"config\":{\"lab\":\"across hosts: ...\"}}}}}",
		buf, sizeof(buf));
	ok(n == 2 && !strcmp(buf, "ns, crun"),
	   "the envs with a lab across hosts: %d, '%s'", n, buf);
	n = hv_provenance_overlay_envs("{\"native\":{}}", buf, sizeof(buf));
	ok(n == 0 && !buf[0] &&
		   hv_provenance_overlay_envs(NULL, buf, sizeof(buf)) == 0,
	   "none, or no context: 0 and nothing said");
}

/* A job over n2+n1 scales from the one-node cell on n2, its first host. */
static void
speedup_base(void)
{
	struct hv_study s;
	struct hv_cell *c1, *c2, *j;
	struct hv_err err;

	hv_study_init(&s);
	hv_err_init(&err);
	c1 = synth_cell(&s, "native", "npb.cg", "nodes=1,ranks=1,host=n1",
			"time_s", "s", false, 1.0, 0.01, 4);
	c2 = synth_cell(&s, "native", "npb.cg", "nodes=1,ranks=1,host=n2",
			"time_s", "s", false, 2.0, 0.01, 4);
	j = synth_cell(&s, "native", "npb.cg", "nodes=2,ranks=2,host=n2+n1",
		       "time_s", "s", false, 1.0, 0.01, 4);
	ok(c1 && c2 && j && hv_study_analyze(&s, &err) == 0,
	   "a study of one-node cells on n1 and n2 and a job over n2+n1");
	ok(j && hv_study_scale_base_of(&s, j) == c2,
	   "the job's speedup base is the one-node cell on n2");
	ok(j && j->has_speedup && j->speedup.ratio > 1.9 &&
		   j->speedup.ratio < 2.1,
	   "and its speedup is T(n2) / T(job), about 2 (%.3f)",
	   j ? j->speedup.ratio : 0);
	hv_study_release(&s);
}

static void
no_allocation(void)
{
	struct hv_slurm s;
	struct hv_err err;
	int rc;

	unsetenv("SLURM_JOB_ID");
	unsetenv("SLURM_JOB_NODELIST");
	hv_err_init(&err);
	rc = hv_slurm_open(&s, &err);
	ok(rc == -ENOENT && strstr(err.msg, "salloc -N 2"),
	   "outside an allocation: -ENOENT, saying how to get one: %s",
	   err.msg);
	hv_slurm_close(&s);
}

int
main(void)
{
	plan(20);
	spread();
	differ();
	overlay_envs();
	speedup_base();
	no_allocation();
	return tap_failed ? 1 : 0;
}
