/*
 * uml.c - the paravirtualized environment: User-Mode Linux (Debian's
 * user-mode-linux package, /usr/bin/linux.uml), a Linux kernel that runs
 * as a set of host processes. It boots the guest image's initramfs
 * without its modules (the same /init, agent and kernels as the VMs;
 * UML's own drivers are built in, so it loads no module), with a vector/tap NIC
 * on the lab bridge (guest interface vec0), the fs bench's ext4 image as ubd0
 * (/dev/ubda) and guest memory from the spec. UML is uniprocessor: the spec's
 * CPU count does not apply and is recorded as such. The console goes to the
 * box's log through fd 2.
 *
 * Start-up (docs/vm.md, "UML start-up"): Debian's UML took 2.6 s, then
 * 1.7 s, to a connected agent; now 0.31-0.35 s. Its kernel has
 * CONFIG_UEVENT_HELPER_PATH="/sbin/hotplug", so every device, driver and
 * bus registered during the boot starts a usermode helper, and in UML each
 * helper's exec (which fails: there is no /sbin/hotplug) costs a new host
 * process, ~2 ms. The boot registered 738 uevents: 512 of them for the 256
 * legacy pty pairs (CONFIG_LEGACY_PTYS), which pty.legacy_count=0 removes
 * (/dev/ptmx ptys stay), 64 for the serial lines ssl=none removes and 15
 * for the consoles con=none removes (con0 is the console; none of those
 * lines had a host channel). That was 1.1 s, which initcall_debug blamed
 * on whichever initcall ran when the queued helpers did
 * (crypto_algapi_init in one boot, pty_init in another). Also:
 * initcall_blacklist=raid6_select_algo skips the RAID-6 routine benchmark
 * (0.85 s; only btrfs RAID and md RAID-6 call those routines, and no box
 * uses them), lpj= from the host clock the delay loop calibration (0.16 s;
 * UML has no hardware that needs an exact udelay), the initramfs without
 * modules (initrd_nomods: UML loads none) 10-30 ms, /init's busybox script
 * replaced by the agent's own set-up (--guest-init) 205 ms, and the
 * program runs without address space randomization: UML adds the random
 * gap between its binary and its heap (up to 1 GiB with the host's brk
 * randomization) to its physical memory, whose page structures it then
 * zeroes and initializes (46 ms less without), and the guest's MemTotal
 * varied with it (493-503 MB at mem=512M; now 504 MB every time). The old
 * cryptomgr.notests did nothing: this kernel's crypto manager is a module,
 * built with its self-tests disabled.
 *
 * The NIC (docs/vm.md, "UML networking"): the vector driver opens the tap
 * with vnet headers and asks the host for TSO frames (TUNSETOFFLOAD), but
 * without gro=1 it reads every frame into an MTU-sized buffer. Any frame
 * the host sends the guest longer than one MTU (TCP data over 1448 bytes
 * at once) is then lost ("Incoming GSO frames and GRO disabled" on the
 * console) and recovered only by the host's retransmission timeout, so
 * request/response collapsed from ~0.3 ms at 1 KiB to seconds at 64 KiB.
 * gro=1 gives the driver 64 KiB receive buffers, and the guest takes the
 * host's TSO frames whole.
 *
 * The transport is hybrid, not tap: the guest writes to the tap as
 * before, but reads what the host sends it from a packet socket on the
 * same tap (recvmmsg), the vector driver's original design. Reading the
 * tap itself, the guest now and then missed a frame's wakeup: the frame
 * waited in the tap until the next one arrived, in request/response the
 * host's retransmission ~200 ms later (about 1 transaction in 1600 at
 * 1 byte). The tap's own queue, which nothing reads, fills and then
 * drops (TX drops on hvt<i>); the packet socket has its copy by then.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "env/vmcommon.h"
#include "hpcvirt/host/lab.h"
#include "hpcvirt/host/proc.h"

#define UML_BIN "/usr/bin/linux.uml"
#define UML_DEFAULT_MIB 512
#define UML_DISK_MIB 1536
#define UML_BOOT_MS 20000
#define UML_HZ 100 /* CONFIG_HZ of Debian's linux.uml */

struct uml_box {
	struct hv_vm vm; /* first: hv_vm_exec finds it in box->priv */
};

/* UML's command line is the guest kernel's: record argv[1..]. */
static void
record_cmdline(struct hv_box *box, char *const argv[])
{
	char line[2048];
	size_t used = 0;
	int i;

	line[0] = '\0';
	for (i = 1; argv[i] && used < sizeof(line); i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used,
					 "%s%s", i > 1 ? " " : "", argv[i]);
	hv_params_set(&box->config, "cmdline", line);
}

/*
 * How many CPUs the UML kernel at bin can run: its CONFIG_NR_CPUS
 * (linux.uml --showconfig; Debian's build says 1), 1 if it does not say.
 */
static int
uml_nr_cpus(const char *bin)
{
	struct hv_proc_opts po = {.pipe_stdout = true, .die_with_parent = true};
	char *argv[] = {(char *)bin, "--showconfig", NULL};
	char line[256];
	struct hv_proc p;
	long n = 1;

	hv_proc_init(&p);
	if (hv_proc_spawn(&p, argv, &po, NULL) < 0)
		return 1;
	while (hv_proc_read_line(&p, line, sizeof(line), 5000, NULL) == 0)
		if (strncmp(line, "CONFIG_NR_CPUS=", 15) == 0)
			n = strtol(line + 15, NULL, 10);
	hv_proc_stop(&p, 1000, 1000);
	return n >= 1 && n <= 4096 ? (int)n : 1;
}

/* The UML kernel's CONFIG_NR_CPUS, read once by the probe (the study's
 * set-up), not on a box's start, which env.start times; 0 unknown. */
static int uml_config_cpus;

static int
uml_probe(struct hv_err *why)
{
	int rc = hv_vm_probe_tool("HPCVIRT_UML", UML_BIN, "user-mode-linux",
				  why);

	if (rc == 0 && !uml_config_cpus)
		uml_config_cpus =
			uml_nr_cpus(hv_vm_tool("HPCVIRT_UML", UML_BIN));
	return rc;
}

static int
uml_start(const struct hv_env_ctx *ctx, struct hv_box *box, struct hv_err *err)
{
	char mem[32], initrd[640], ubd[640], vec[64], ip[40], v[32], lpj[40];
	char umldir[640];
	char *argv[] = {NULL, mem, initrd, ubd, vec, umldir,
			/* start-up, see the top of the file; con0 after con */
			"con=none", "con0=fd:0,fd:2", "ssl=none",
			"pty.legacy_count=0",
			"initcall_blacklist=raid6_select_algo", lpj, "quiet",
			"panic=-1", ip, "hv.if=vec0", "hv.disk=/dev/ubda", NULL,
			NULL, NULL};
	int mib = ctx->spec.mem_mib > 0 ? ctx->spec.mem_mib : UML_DEFAULT_MIB;
	struct uml_box *ub = calloc(1, sizeof(*ub));
	char crash[40], mtu[24];
	const char *c = getenv("HPCVIRT_VM_CRASH_AFTER");
	size_t k;
	int rc;

	if (!ub)
		return hv_err_set(err, ENOMEM, "uml box");
	argv[0] = (char *)hv_vm_tool("HPCVIRT_UML", UML_BIN);
	box->priv = ub;
	ub->vm.boot_timeout_ms = hv_vm_boot_timeout(UML_BOOT_MS);
	rc = hv_vm_prepare(&ub->vm, ctx, box, UML_DISK_MIB, err);
	if (rc < 0)
		return rc;
	snprintf(mem, sizeof(mem), "mem=%dM", mib);
	snprintf(initrd, sizeof(initrd), "initrd=%s", ub->vm.img.initrd_nomods);
	snprintf(ubd, sizeof(ubd), "ubd0=%s", ub->vm.disk);
	/* UML's pid file and management socket (umid directory): in the
	 * workdir, which goes with the box, not in ~/.uml, where every
	 * killed UML left one behind */
	snprintf(umldir, sizeof(umldir), "uml_dir=%s", box->workdir);
	snprintf(vec, sizeof(vec), "vec0:transport=hybrid,ifname=%s,gro=1",
		 ub->vm.tap);
	snprintf(ip, sizeof(ip), "hv.ip=%s/24", ub->vm.ip);
	snprintf(lpj, sizeof(lpj), "lpj=%ld", hv_vm_cpu_khz() * 1000 / UML_HZ);
	for (k = 1; argv[k]; k++)
		;
	if (c && *c) {
		snprintf(crash, sizeof(crash), "hv.crash=%s", c);
		argv[k++] = crash;
	}
	/* A lab across hosts carries less than 1500 bytes a frame. */
	if (ctx->lab && ctx->lab->mtu) {
		snprintf(mtu, sizeof(mtu), "hv.mtu=%u", ctx->lab->mtu);
		argv[k++] = mtu;
	}
	ub->vm.no_aslr = true; /* see the top of the file */
	rc = hv_vm_spawn(&ub->vm, box, argv, err);
	if (rc == 0)
		rc = hv_vm_wait_connect(&ub->vm, box, err);
	if (rc < 0)
		return rc;
	snprintf(v, sizeof(v), "%d", mib);
	hv_params_set(&box->config, "mem_mib", v);
	/* One vCPU: Debian's build has no SMP (CONFIG_NR_CPUS=1), which
	 * the config records from the binary itself. */
	box->vcpus = 1;
	if (uml_config_cpus)
		snprintf(v, sizeof(v), "1 (CONFIG_NR_CPUS=%d)",
			 uml_config_cpus);
	else
		snprintf(v, sizeof(v), "1");
	hv_params_set(&box->config, "cpus", v);
	hv_params_set(&box->config, "kernel", argv[0]);
	hv_params_set(&box->config, "aslr",
		      "off for the UML host process (personality "
		      "ADDR_NO_RANDOMIZE): physical memory without the gap");
	record_cmdline(box, argv);
	hv_params_set(&box->config, "nic",
		      "UML vector driver, hybrid tap/raw, gro=1 (vec0)");
	hv_params_set(&box->config, "disk", "ubd0 (/dev/ubda)");
	return 0;
}

static int
uml_stop(struct hv_box *box, struct hv_err *err)
{
	struct uml_box *ub = box->priv;
	int rc;

	if (!ub)
		return 0;
	rc = hv_vm_release(&ub->vm, box, err);
	free(ub);
	box->priv = NULL;
	return rc;
}

const struct hv_env hv_env_uml = {
	.name = "uml",
	.summary = "User-Mode Linux: the guest kernel as host processes, "
		   "vector/tap NIC, ubd disk",
	.paper_role = "paravirt",
	.spans_hosts = true,
	.probe = uml_probe,
	.start = uml_start,
	.exec = hv_vm_exec,
	.skip = hv_vm_skip,
	.stop = uml_stop,
};
