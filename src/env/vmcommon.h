/*
 * vmcommon.h - what the uml and qemu drivers share: a box whose agent
 * runs inside a guest kernel, booted from the guest image (image.h), with
 * a tap port on the lab bridge, an ext4 disk image for the fs bench, and
 * a console written to a file whose tail explains failures. The agent
 * listens on the guest's lab address, reachable only from inside the lab
 * namespace, so the connection is made from a socket created there.
 */
#ifndef HPCVIRT_VMCOMMON_H
#define HPCVIRT_VMCOMMON_H

#include <stdbool.h>

#include "hpcvirt/study/env.h"
#include "hpcvirt/host/cgroup.h"
#include "hpcvirt/host/image.h"

#define HV_VM_AGENT_PORT 7100

struct hv_vm {
	struct hv_lab *lab;
	struct hv_image img;
	int index;	/* box index in the lab: address .10+index */
	char ip[16];	/* guest address */
	char tap[16];	/* lab-side tap, "hvt<index>" */
	char port[160]; /* how the tap joins the lab (hv_lab_plug_tap) */
	bool tap_made;
	char bin[300];		/* the program (qemu, linux.uml) */
	struct hv_proc version; /* its "--version", run during the boot */
	char disk[600];		/* ext4 image for /scratch */
	char console[600];	/* guest console (and host process stderr) */
	int boot_timeout_ms;
	bool no_aslr; /* spawn the program with ADDR_NO_RANDOMIZE (UML) */
	/* The groups (no limits) that hold the program and every host
	 * process it forks, so that a stop, or the stale cleanup after a
	 * SIGKILLed run, kills them all: UML forks one per guest address
	 * space, and those outlive a killed parent. */
	struct hv_cg cg;
};

/*
 * Workdir (ctx->run_dir/NAME.XXXXXX), the guest image, an address, the
 * tap (persistent, enslaved to the bridge, up) and the disk (sparse,
 * disk_mib, mkfs.ext4). Records the choices in box->config.
 */
int hv_vm_prepare(struct hv_vm *vm, const struct hv_env_ctx *ctx,
		  struct hv_box *box, int disk_mib, struct hv_err *err);

/* Spawn argv inside the lab namespace, stderr to the console file. */
int hv_vm_spawn(struct hv_vm *vm, struct hv_box *box, char *const argv[],
		struct hv_err *err);

/*
 * Follow the console until the agent's READY line, then connect to it
 * from inside the lab (box->conn, box->agent_addr). Fails at once on a
 * fatal console line (kernel panic, KVM internal error, emulation
 * failure, an /init error) or when the host process exits, and after the
 * boot timeout; the message carries the console's tail.
 */
int hv_vm_wait_connect(struct hv_vm *vm, struct hv_box *box,
		       struct hv_err *err);

/* The exec hook: through the agent; a failure says what became of the
 * guest (process gone, panic) with the console's tail. */
int hv_vm_exec(struct hv_box *box, const struct hv_exec_req *req,
	       struct hv_exec_res *res, struct hv_err *err);

/* The last lines of the console, joined by " | ", into buf. */
void hv_vm_tail(const char *console, char *buf, size_t len);

/* Stop the host process and all it forked, remove its groups, delete
 * the tap, remove the workdir. Returns 0, or -errno with err naming the
 * first thing left behind (the stop hook of env.h). */
int hv_vm_release(struct hv_vm *vm, struct hv_box *box, struct hv_err *err);

/* Probe: tun device and the guest image's inputs (static build found
 * beside the running hpcvirt). */
int hv_vm_probe_image(struct hv_err *why);

/*
 * The program of a driver: the environment variable var (HPCVIRT_QEMU,
 * HPCVIRT_UML) if set, else def. Probe: it is executable (else the
 * reason names it and, for the default, the Debian package pkg), then
 * hv_vm_probe_image.
 */
const char *hv_vm_tool(const char *var, const char *def);
int hv_vm_probe_tool(const char *var, const char *def, const char *pkg,
		     struct hv_err *why);

/*
 * The host CPU clock in kHz from /proc/cpuinfo (2 GHz if unknown): the
 * guest's TSC rate on microvm, which has no PIT to calibrate against,
 * and UML's loops per jiffy.
 */
long hv_vm_cpu_khz(void);

/* Boot timeout: HPCVIRT_BOOT_TIMEOUT (seconds, for tests) or def_ms. */
int hv_vm_boot_timeout(int def_ms);

/* The env skip hook of VM and UML boxes for the default study. */
bool hv_vm_skip(const struct hv_bench *b, const struct hv_params *p, char *why,
		size_t len);
/* The same for QEMU TCG boxes, which leave out classes above S too. */
bool hv_tcg_skip(const struct hv_bench *b, const struct hv_params *p, char *why,
		 size_t len);

#endif
