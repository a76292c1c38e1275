#!/usr/bin/env bash
# Fault: boxes that cannot boot (issue 13), through the overrides the
# drivers honour: UML's kernel is its program, so $HPCVIRT_UML names a
# truncated copy of linux.uml (it crashes at once); TCG gets a truncated
# guest kernel through $HPCVIRT_GUEST_KERNEL (QEMU refuses to load it;
# its image goes to a private $HPCVIRT_IMAGE_CACHE). A linux.uml that is
# not a program at all fails at exec. Each such box's cells fail with
# the reason of its start; native runs everything; nothing is left.
set -u
. tests/integ/fault-lib.bash
fault_need uml
uml=$(command -v linux.uml || echo /usr/bin/linux.uml)
head -c 2000000 "$uml" >"$T/linux.uml" && chmod +x "$T/linux.uml"
export HPCVIRT_UML=$T/linux.uml
envs=native,uml
pats=(uml net.rr "^uml: start: guest exited during boot \(killed by signal 11 \(Segmentation fault\)\)")
if fault_avail tcg; then
	k=$(ls /boot/vmlinuz-* 2>/dev/null | head -1)
	if [ -n "$k" ]; then
		mkdir -p "$T/k" "$T/cache"
		head -c 3000000 "$k" >"$T/k/${k##*/}"
		export HPCVIRT_GUEST_KERNEL=$T/k/${k##*/} HPCVIRT_IMAGE_CACHE=$T/cache
		envs=$envs,tcg
		pats+=(tcg net.rr "^tcg: start: guest exited during boot \(exit status 1\): .*(kernel|elf)")
	fi
fi
echo "# envs: $envs"

fault_start "$T/s" --env "$envs" --bench net.rr --sizes 1 --duration 0.2 \
	--reps 2 --warmup 0
fault_wait
[ "$F_RC" -eq 1 ]
ok $? "the study ends with failed cells (exit $F_RC, want 1)"
check_cells "$F_OUT.json" 0 "${pats[@]}"
ok $? "each box that cannot boot failed its cells with why; native ran"
check_report "FAILED: uml: start: guest exited during boot"
check_clean

# Not a program at all: the exec itself fails, and says so.
head -c 4096 /dev/urandom >"$T/linux.uml"
unset HPCVIRT_GUEST_KERNEL
fault_start "$T/e" --env native,uml --bench net.rr --sizes 1 \
	--duration 0.2 --reps 2 --warmup 0
fault_wait
check_cells "$F_OUT.json" 0 uml net.rr \
	"^uml: start: cannot run '$T/linux.uml': exec: Exec format error"
ok $? "a linux.uml that is no program: the exec error is the reason"
check_clean
finish
