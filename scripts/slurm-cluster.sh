#!/bin/bash
# scripts/slurm-cluster.sh - a real Slurm cluster on one machine, for tests
# and for trying `hpcvirt run --launcher slurm` without a cluster.
#
#   slurm-cluster.sh up DIR [NODES]   start munged, slurmctld and NODES
#                                     slurmd (default 2, at most 8)
#   slurm-cluster.sh run DIR CMD...   run CMD where a user of the cluster
#                                     would: the controller's network, with
#                                     SLURM_CONF set (salloc, sbatch, srun)
#   slurm-cluster.sh node DIR N CMD...  run CMD in node N's namespaces
#   slurm-cluster.sh down DIR         stop everything `up` started, remove
#                                     what it created; safe to repeat
#
# Everything comes from Debian's slurmctld, slurmd, slurm-client and munge
# packages; nothing of the host's own Slurm or munge (if any) is touched.
# The controller (slurmctld, munged, and the users' commands) lives in a
# network namespace with a private bridge; every node is a slurmd in a
# network and UTS namespace of its own, with its own address on that
# bridge and its own host name, so Slurm and MPI see separate hosts. The
# nodes share the machine's file system, as a cluster shares /home.
#
# DIR holds the configuration, the munge key, the daemons' state and logs,
# and the names of the namespaces (DIR/state), which `down` reads. `down`
# kills every process in the cluster's namespaces, so it also ends job
# steps that outlived their slurmd.
set -eu

die() {
	echo "slurm-cluster.sh: $*" >&2
	exit 2
}

usage() {
	die "usage: slurm-cluster.sh up DIR [NODES] | run DIR CMD... | node DIR N CMD... | down DIR"
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
shift 2

# The private network: 10.213.0.0/24 by default (SLURM_CLUSTER_NET=A.B.C
# picks another /24), the controller at .1, node N at .(10+N).
net=${SLURM_CLUSTER_NET:-10.213.0}
case "$net" in
*[!0-9.]* | "") die "SLURM_CLUSTER_NET '$net': expected three numbers with dots, e.g. 10.213.0" ;;
esac

# state_get KEY: a value `up` recorded in DIR/state.
state_get() {
	sed -n "s/^$1=//p" "$dir/state" 2>/dev/null | head -n 1
}

# ns_kill NS: SIGKILL every process in network namespace NS until none is
# left (processes may fork while we kill), at most about 5 s.
ns_kill() {
	local i pids
	for i in $(seq 50); do
		pids=$(ip netns pids "$1" 2>/dev/null || true)
		[ -n "$pids" ] || return 0
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null || true
		sleep 0.1
	done
	echo "slurm-cluster.sh: processes still in netns $1: $pids" >&2
	return 1
}

cluster_down() {
	local prefix rc=0 ns
	prefix=$(state_get prefix)
	[ -n "$prefix" ] || return 0
	# Polite first, so that slurmctld saves its state and munged its seed;
	# then everything left in the namespaces, job steps included.
	for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-" || true); do
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		# shellcheck disable=SC2086
		[ -z "$pids" ] || kill -TERM $pids 2>/dev/null || true
	done
	sleep 0.3
	for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-" || true); do
		ns_kill "$ns" || rc=1
		ip netns del "$ns" 2>/dev/null || rc=1
	done
	return $rc
}

case "$cmd" in
up)
	nodes=${1:-2}
	case "$nodes" in
	[1-8]) ;;
	*) die "NODES '$nodes': expected a number from 1 to 8" ;;
	esac
	for prog in slurmctld slurmd slurmstepd munged srun salloc ip unshare; do
		command -v "$prog" >/dev/null 2>&1 || [ -x "/usr/sbin/$prog" ] ||
			{
				echo "slurm-cluster.sh: $prog is not installed (scripts/setup-deps.sh --test installs slurmctld, slurmd, slurm-client and munge)" >&2
				exit 77
			}
	done
	[ "$(id -u)" -eq 0 ] || die "must run as root (it makes network namespaces and runs slurmd)"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[ ! -e "$dir/state" ] || die "$dir holds a cluster already; run 'slurm-cluster.sh down $dir' first"
	prefix="hvslurm$$"
	{
		echo "prefix=$prefix"
		echo "nodes=$nodes"
		echo "net=$net"
	} >"$dir/state"
	trap 'cluster_down' ERR
	mkdir -p "$dir/ctld" "$dir/log" "$dir/munge"
	chmod 755 "$dir/munge"
	# A key of our own: the cluster trusts nothing else on this machine.
	dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
	chmod 400 "$dir/munge/munge.key"

	ip netns add "$prefix-ctl"
	ip -n "$prefix-ctl" link set lo up
	ip -n "$prefix-ctl" link add br0 type bridge
	ip -n "$prefix-ctl" addr add "$net.1/24" dev br0
	ip -n "$prefix-ctl" link set br0 up
	nodelist=""
	for n in $(seq "$nodes"); do
		ns="$prefix-n$n"
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		ip -n "$prefix-ctl" link add "n$n" type veth peer name eth0 netns "$ns"
		ip -n "$prefix-ctl" link set "n$n" master br0 up
		ip -n "$ns" addr add "$net.$((10 + n))/24" dev eth0
		ip -n "$ns" link set eth0 up
		mkdir -p "$dir/n$n/spool"
		nodelist="$nodelist${nodelist:+ }n$n"
	done

	ncpu=$(nproc)
	mem=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
	cat >"$dir/slurm.conf" <<EOF
# Written by hpcvirt's scripts/slurm-cluster.sh for a test cluster.
ClusterName=hpcvirt
SlurmctldHost=ctl($net.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
SlurmctldPort=6917
SlurmdPort=6918
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/%n/spool
SlurmctldPidFile=$dir/ctld/slurmctld.pid
SlurmdPidFile=$dir/%n/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
SlurmdTimeout=10
SlurmctldTimeout=10
MessageTimeout=10
KillWait=2
InactiveLimit=0
SlurmdParameters=config_overrides
EOF
	for n in $(seq "$nodes"); do
		echo "NodeName=n$n NodeAddr=$net.$((10 + n)) CPUs=$ncpu RealMemory=$mem State=UNKNOWN" >>"$dir/slurm.conf"
	done
	echo "PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4" >>"$dir/slurm.conf"
	: >"$dir/cgroup.conf"

	nsenter --net="/run/netns/$prefix-ctl" /usr/sbin/munged --force \
		--socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
		--pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
		--seed-file="$dir/munge/munged.seed"
	# The daemons run in the background, each in its namespaces; `down`
	# finds them there.
	SLURM_CONF="$dir/slurm.conf" nsenter --net="/run/netns/$prefix-ctl" \
		unshare --uts sh -c 'hostname ctl && exec /usr/sbin/slurmctld -D -i' \
		</dev/null >>"$dir/log/slurmctld.out" 2>&1 &
	for n in $(seq "$nodes"); do
		SLURM_CONF="$dir/slurm.conf" nsenter --net="/run/netns/$prefix-n$n" \
			unshare --uts sh -c "hostname n$n && exec /usr/sbin/slurmd -D" \
			</dev/null >>"$dir/log/slurmd-n$n.out" 2>&1 &
	done
	# Ready when every node is idle; at most 30 s.
	for i in $(seq 150); do
		idle=$(SLURM_CONF="$dir/slurm.conf" nsenter --net="/run/netns/$prefix-ctl" \
			sinfo -h -N -t idle -o '%N' 2>/dev/null | sort -u | wc -l)
		[ "$idle" -lt "$nodes" ] || break
		sleep 0.2
	done
	if [ "$idle" -lt "$nodes" ]; then
		echo "slurm-cluster.sh: $idle of $nodes nodes idle after 30 s; logs in $dir/log:" >&2
		tail -n 20 "$dir"/log/*.log >&2 || true
		cluster_down
		exit 1
	fi
	trap - ERR
	echo "slurm-cluster.sh: up: slurmctld at $net.1 and $nodes nodes ($nodelist), conf $dir/slurm.conf"
	;;
run)
	[ $# -ge 1 ] || usage
	prefix=$(state_get prefix)
	[ -n "$prefix" ] || die "$dir holds no cluster (no $dir/state); start one with 'slurm-cluster.sh up $dir'"
	dir=$(cd "$dir" && pwd)
	SLURM_CONF="$dir/slurm.conf" exec nsenter --net="/run/netns/$prefix-ctl" "$@"
	;;
node)
	[ $# -ge 2 ] || usage
	prefix=$(state_get prefix)
	[ -n "$prefix" ] || die "$dir holds no cluster (no $dir/state)"
	n=$1
	shift
	SLURM_CONF="$dir/slurm.conf" exec nsenter --net="/run/netns/$prefix-n$n" "$@"
	;;
down)
	[ -e "$dir/state" ] || exit 0
	cluster_down
	rm -f "$dir/state"
	;;
*) usage ;;
esac
