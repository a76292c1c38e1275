#!/usr/bin/env bash
# Fault: the disk under a box's storage fills up mid-study (issue 13).
# Run directories go to a small tmpfs ($HPCVIRT_RUN_BASE), and with them
# the ns box's /scratch and the UML box's disk image.
#  - ns: once the box stored an fs sample, another writer fills the
#    tmpfs; the box's next fs kernels find no room (the kernel checks the
#    free space before it writes). Its cells fail saying so and keep the
#    sample stored before; the box's net.rr cells, which need no disk,
#    all run.
#  - uml (where available): the tmpfs is filled once the guest is up.
#    The guest's ext4 has room, so its fs kernel fails with the I/O
#    error of the disk image that cannot grow: at a write, since the
#    kernel's untimed sync and fsync before the clock (IOZone's steps)
#    already hit the full image, or at the fsync after the file is
#    written; its mem cells run.
set -u
. tests/integ/fault-lib.bash
fault_need ns

F_BASE=$T/base
mkdir -p "$F_BASE"
mount -t tmpfs -o size=32m hpcvirt-fault "$F_BASE" || skip_all "cannot mount a tmpfs"
trap 'umount -l "$F_BASE" 2>/dev/null; rm -rf "$T"' EXIT
export HPCVIRT_RUN_BASE=$F_BASE

fault_start "$T/s" --env ns --bench fs,net.rr --set file_bytes=8MiB \
	--sizes 1 --duration 0.2 --reps 3 --warmup 0
wait_until 60 samples_at_least ns fs 1
ok $? "ns stored an fs sample"
dd if=/dev/zero of="$F_BASE/filler" bs=1M 2>/dev/null
echo "# free on the tmpfs: $(df -k --output=avail "$F_BASE" | tail -1) KiB"
fault_wait
[ "$F_RC" -eq 1 ]
ok $? "the study ends with a failed cell (exit $F_RC, want 1)"
check_cells "$F_OUT.json" 1 ns fs \
	"not enough free space in '/scratch'|No space left on device"
ok $? "ns fs failed for want of space, kept its sample; net.rr ran"
check_report "FAILED: .*(not enough free space|No space left on device)"
check_clean

if fault_avail uml; then
	rm -f "$F_BASE/filler"
	fault_start "$T/u" --env uml --bench fs,mem --set file_bytes=16MiB \
		--set mem_bytes=16MiB --reps 2 --warmup 0
	wait_until 60 box_log_at_least uml HPCVIRT-AGENT-READY 1
	ok $? "uml: the guest is up"
	dd if=/dev/zero of="$F_BASE/filler" bs=1M 2>/dev/null
	fault_wait
	check_cells "$F_OUT.json" 0 uml fs \
		"(all 16777216 bytes written, then fsync or close failed|failed at offset [0-9]+ of 16777216): Input/output error"
	ok $? "uml fs failed with the image's I/O error; mem ran"
	check_clean
else
	echo "# uml not available: its part is left out"
fi
umount "$F_BASE"
ok $? "the tmpfs unmounts (nothing of the run holds it)"
finish
