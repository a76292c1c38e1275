/*
 * qemu.c - full virtualization with QEMU: "tcg" (dynamic binary
 * translation, works on any host) and "kvm" (hardware-assisted; the same
 * code with another accelerator and -cpu host,-arch-capabilities). The
 * guest image's PVH vmlinux boots directly (-kernel, no firmware on
 * microvm, qboot on pc) with the uncompressed initramfs; the agent is
 * the guest's PID 1 behind /init.
 *
 * Devices are the paper's paravirtual-versus-emulated question, so they
 * are env variants rather than a hidden parameter: "tcg" and "kvm" use
 * microvm with virtio-mmio devices (virtio-net, virtio-blk: paravirtual
 * drivers that know they run in a VM), "tcg-e1000" uses the pc machine
 * with an emulated Intel e1000 NIC (an unmodified driver for real
 * hardware; QEMU emulates its registers). The fs disk stays virtio-blk in
 * both, so that only the NIC differs. NIC on a tap in the lab bridge
 * (QEMU runs inside the lab namespace); console to the box log.
 * Defaults when the spec says 0: 1 vCPU and 512 MiB.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "env/vmcommon.h"
#include "hpcvirt/host/lab.h"

#define QEMU_BIN "/usr/bin/qemu-system-x86_64"
#define QBOOT "/usr/share/qemu/qboot.rom"
#define DEFAULT_MIB 512
#define DISK_MIB 1536
#define TCG_BOOT_MS 60000
#define KVM_BOOT_MS 20000

struct variant {
	bool kvm;
	bool microvm; /* else pc + qboot */
	const char *nic;
	const char *blk;
	const char *mods; /* /etc/hv/mods.SET in the guest */
};

static const struct variant v_tcg = {false, true, "virtio-net-device",
				     "virtio-blk-device", "virtio-mmio"};
static const struct variant v_tcg_e1000 = {false, false, "e1000",
					   "virtio-blk-pci", "e1000"};
static const struct variant v_kvm = {true, true, "virtio-net-device",
				     "virtio-blk-device", "virtio-mmio"};

struct qemu_box {
	struct hv_vm vm; /* first: hv_vm_exec finds it in box->priv */
	char mem[16], smp[16], con[700], kernel[640], initrd[640];
	char append[512], netdev[80], nic[96], drive[700], blk[64];
};

static int
tcg_probe(struct hv_err *why)
{
	return hv_vm_probe_tool("HPCVIRT_QEMU", QEMU_BIN, "qemu-system-x86",
				why);
}

static bool
cpu_has_flag(const char *flag)
{
	char line[4096], pat[32];
	FILE *f = fopen("/proc/cpuinfo", "re");
	bool found = false;

	if (!f)
		return false;
	snprintf(pat, sizeof(pat), " %s", flag);
	while (!found && fgets(line, sizeof(line), f)) {
		char *p;

		if (strncmp(line, "flags", 5) != 0)
			continue;
		for (p = strstr(line, pat); p && !found; p = strstr(p + 1, pat))
			found = p[strlen(pat)] == ' ' || p[strlen(pat)] == '\n';
		break;
	}
	fclose(f);
	return found;
}

/* KVM needs VMX or SVM; KVM-PVM offers KVM without them (and may or may
 * not have created /dev/kvm). */
static int
kvm_probe(struct hv_err *why)
{
	bool pvm = access("/sys/module/kvm_pvm", F_OK) == 0;

	if (!cpu_has_flag("vmx") && !cpu_has_flag("svm")) {
		if (pvm)
			return hv_err_set(why, ENOTSUP,
					  "host KVM is KVM-PVM (no VMX/SVM): "
					  "it runs only PVM-aware guest "
					  "kernels, an ordinary guest is "
					  "emulated and dies");
		return hv_err_set(why, ENOTSUP,
				  "the CPU has no VMX/SVM (hardware "
				  "virtualization)");
	}
	if (access("/dev/kvm", R_OK | W_OK) != 0)
		return hv_err_sys(why, errno, "no usable /dev/kvm");
	return tcg_probe(why);
}

static void
build_strings(struct qemu_box *qb, const struct hv_env_ctx *ctx,
	      const struct variant *v)
{
	const char *crash = getenv("HPCVIRT_VM_CRASH_AFTER");
	char extra[64] = "", tsc[64] = "";
	int mib = ctx->spec.mem_mib > 0 ? ctx->spec.mem_mib : DEFAULT_MIB;
	long host = sysconf(_SC_NPROCESSORS_ONLN);
	/* As many vCPUs as the spec, else as the host has: the CPUs a
	 * container sees, so a thread sweep means the same in both. */
	int cpus = ctx->spec.cpus > 0 ? ctx->spec.cpus
		   : host > 0	      ? (int)host
				      : 1;

	snprintf(qb->mem, sizeof(qb->mem), "%d", mib);
	snprintf(qb->smp, sizeof(qb->smp), "%d", cpus);
	snprintf(qb->con, sizeof(qb->con), "file,id=con,path=%s,append=on",
		 qb->vm.console);
	snprintf(qb->kernel, sizeof(qb->kernel), "%s", qb->vm.img.vmlinux);
	snprintf(qb->initrd, sizeof(qb->initrd), "%s", qb->vm.img.initrd);
	if (crash && *crash)
		snprintf(extra, sizeof(extra), " hv.crash=%s", crash);
	/* A lab across hosts carries less than 1500 bytes a frame. */
	if (ctx->lab && ctx->lab->mtu)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 " hv.mtu=%u", ctx->lab->mtu);
	/*
	 * The guest's clock is its TSC. Under TCG the kernel's checks of it
	 * fail now and then (vCPUs run at emulation speed: the watchdog
	 * sees it drift, and with more than one vCPU the sync check sees
	 * them out of step), and it falls back to jiffies: a 1 B round trip
	 * then reads 0 or 2 ms, a 50 us timer is 3.95 ms late. TCG derives
	 * every vCPU's TSC from the host's, which is synchronised and
	 * stable: say so.
	 */
	if (v->microvm)
		snprintf(tsc, sizeof(tsc), " tsc_early_khz=%ld%s",
			 hv_vm_cpu_khz(), v->kvm ? "" : " tsc=reliable");
	snprintf(qb->append, sizeof(qb->append),
		 "console=ttyS0 quiet panic=-1 i8042.noaux i8042.nokbd "
		 "i8042.nopnp 8250.nr_uarts=1 random.trust_cpu=on "
		 "cryptomgr.notests%s hv.ip=%s/24 hv.if=eth0 hv.mods=%s "
		 "hv.disk=/dev/vda%s",
		 tsc, qb->vm.ip, v->mods, extra);
	snprintf(qb->netdev, sizeof(qb->netdev),
		 "tap,id=n0,ifname=%s,script=no,downscript=no", qb->vm.tap);
	snprintf(qb->nic, sizeof(qb->nic),
		 "%s,netdev=n0,mac=52:54:00:c9:%02x:%02x", v->nic,
		 (qb->vm.index >> 8) & 0xff, qb->vm.index & 0xff);
	snprintf(qb->drive, sizeof(qb->drive),
		 "file=%s,format=raw,if=none,id=d0", qb->vm.disk);
	snprintf(qb->blk, sizeof(qb->blk), "%s,drive=d0", v->blk);
}

static void
record(struct hv_box *box, const struct qemu_box *qb, const struct variant *v)
{
	hv_params_set(&box->config, "accel",
		      v->kvm ? "kvm"
			     : "tcg, thread=multi (a host thread per vCPU)");
	hv_params_set(&box->config, "machine",
		      v->microvm ? "microvm (no firmware, PVH entry)"
				 : "pc + qboot (PVH entry)");
	hv_params_set(&box->config, "cpu",
		      v->kvm ? "host,-arch-capabilities" : "max");
	hv_params_set(&box->config, "cpus", qb->smp);
	box->vcpus = (int)strtol(qb->smp, NULL, 10);
	hv_params_set(&box->config, "mem_mib", qb->mem);
	hv_params_set(&box->config, "nic", v->nic);
	hv_params_set(&box->config, "nic_kind",
		      strncmp(v->nic, "virtio", 6) == 0 ? "paravirtual"
							: "emulated");
	hv_params_set(&box->config, "disk", v->blk);
	hv_params_set(&box->config, "cmdline", qb->append);
}

static int
qemu_start(const struct hv_env_ctx *ctx, struct hv_box *box,
	   const struct variant *v, struct hv_err *err)
{
	struct qemu_box *qb = calloc(1, sizeof(*qb));
	char *argv[48];
	int n = 0, rc;

	if (!qb)
		return hv_err_set(err, ENOMEM, "qemu box");
	box->priv = qb;
	qb->vm.boot_timeout_ms =
		hv_vm_boot_timeout(v->kvm ? KVM_BOOT_MS : TCG_BOOT_MS);
	rc = hv_vm_prepare(&qb->vm, ctx, box, DISK_MIB, err);
	if (rc < 0)
		return rc;
	build_strings(qb, ctx, v);
#define A(x) (argv[n++] = (char *)(x))
	A(hv_vm_tool("HPCVIRT_QEMU", QEMU_BIN));
	if (v->microvm)
		A("-M"), A("microvm,pit=on,pic=on,rtc=on");
	else
		A("-M"), A("pc"), A("-bios"), A(QBOOT);
	A("-accel"), A(v->kvm ? "kvm" : "tcg,thread=multi");
	A("-cpu"), A(v->kvm ? "host,-arch-capabilities" : "max");
	A("-m"), A(qb->mem), A("-smp"), A(qb->smp);
	A("-nodefaults"), A("-no-user-config"), A("-display"), A("none");
	A("-no-reboot"), A("-chardev"), A(qb->con), A("-serial");
	A("chardev:con"), A("-kernel"), A(qb->kernel), A("-initrd");
	A(qb->initrd), A("-append"), A(qb->append), A("-netdev");
	A(qb->netdev), A("-device"), A(qb->nic), A("-drive"), A(qb->drive);
	A("-device"), A(qb->blk);
	argv[n] = NULL;
#undef A
	rc = hv_vm_spawn(&qb->vm, box, argv, err);
	if (rc == 0)
		rc = hv_vm_wait_connect(&qb->vm, box, err);
	if (rc == 0)
		record(box, qb, v);
	return rc;
}

static int
tcg_start(const struct hv_env_ctx *ctx, struct hv_box *box, struct hv_err *err)
{
	return qemu_start(ctx, box, &v_tcg, err);
}

static int
tcg_e1000_start(const struct hv_env_ctx *ctx, struct hv_box *box,
		struct hv_err *err)
{
	return qemu_start(ctx, box, &v_tcg_e1000, err);
}

static int
kvm_start(const struct hv_env_ctx *ctx, struct hv_box *box, struct hv_err *err)
{
	return qemu_start(ctx, box, &v_kvm, err);
}

static int
qemu_stop(struct hv_box *box, struct hv_err *err)
{
	struct qemu_box *qb = box->priv;
	int rc;

	if (!qb)
		return 0;
	rc = hv_vm_release(&qb->vm, box, err);
	free(qb);
	box->priv = NULL;
	return rc;
}

const struct hv_env hv_env_tcg = {
	.name = "tcg",
	.summary = "QEMU TCG (binary translation), microvm, virtio-net + "
		   "virtio-blk",
	.paper_role = "full virt",
	.spans_hosts = true,
	.probe = tcg_probe,
	.start = tcg_start,
	.exec = hv_vm_exec,
	.skip = hv_tcg_skip,
	.stop = qemu_stop,
};

const struct hv_env hv_env_tcg_e1000 = {
	.name = "tcg-e1000",
	.summary = "QEMU TCG, pc, emulated e1000 NIC + virtio-blk",
	.paper_role = "full virt",
	.spans_hosts = true,
	.explicit_only = true,
	.probe = tcg_probe,
	.start = tcg_e1000_start,
	.exec = hv_vm_exec,
	.skip = hv_tcg_skip,
	.stop = qemu_stop,
};

const struct hv_env hv_env_kvm = {
	.name = "kvm",
	.summary = "QEMU with KVM (hardware-assisted), microvm, virtio",
	.paper_role = "full virt (hw)",
	.spans_hosts = true,
	.probe = kvm_probe,
	.start = kvm_start,
	.exec = hv_vm_exec,
	.skip = hv_vm_skip,
	.stop = qemu_stop,
};
