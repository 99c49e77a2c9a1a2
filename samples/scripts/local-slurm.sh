#!/usr/bin/env bash
# A one-node SLURM cluster on loopback, for the job-array tests and for trying the cluster scripts on a laptop.
#
#   samples/scripts/local-slurm.sh start   install Debian's SLURM + munge when missing (needs root and apt),
#                                          start munged, slurmctld and slurmd, wait until the node is idle
#   samples/scripts/local-slurm.sh stop    stop the daemons this script started (by their pid files)
#   samples/scripts/local-slurm.sh status  print whether the cluster answers
#   samples/scripts/local-slurm.sh env     print the SLURM_CONF line clients need
#
# State lives in $NEXTSTAT_SLURM_DIR (default: /tmp/nextstat-slurm). Clients must point at the generated
# configuration: export SLURM_CONF=$NEXTSTAT_SLURM_DIR/slurm.conf (printed by `env`).
# Exit codes: 0 ok; 1 failure; 3 cannot run here (not root, or no apt-get and SLURM missing).
set -euo pipefail

dir=${NEXTSTAT_SLURM_DIR:-/tmp/nextstat-slurm}
conf="$dir/slurm.conf"
node=$(hostname -s)

log() { echo "local-slurm: $*" >&2; }

alive() {
  # A pid counts as running unless it is gone or a zombie (this kind of sandbox may reap orphans late).
  local pid=$1
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  local state
  state=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo Z)
  [ "$state" != "Z" ]
}

pid_of() { [ -f "$1" ] && cat "$1" || true; }

install_if_missing() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null &&
     command -v munged >/dev/null; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    log "SLURM is not installed and this user cannot install it (needs root and apt-get)."
    exit 3
  fi
  log "installing slurmctld slurmd slurm-client munge (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    slurmctld slurmd slurm-client munge >&2
}

start_munge() {
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    return 0
  fi
  # Without systemd nothing creates munged's runtime directory.
  mkdir -p /run/munge
  chown munge:munge /run/munge
  chmod 0755 /run/munge
  if [ ! -f /etc/munge/munge.key ]; then
    log "creating /etc/munge/munge.key"
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
  fi
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 1 50); do
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  log "munged did not start"
  exit 1
}

write_conf() {
  mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  # The node's real CPUs and memory, as slurmd sees them, so jobs are not rejected for asking too much.
  local hw
  hw=$(slurmd -C | head -n 1 | sed -E 's/^NodeName=[^ ]+ //; s/ *UpTime=.*//')
  cat >"$conf" <<CONF
ClusterName=nextstat-local
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
ReturnToService=2
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MinJobAge=600
NodeName=$node NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
}

is_up() {
  SLURM_CONF=$conf scontrol ping 2>/dev/null | grep -q UP || return 1
  local state
  state=$(SLURM_CONF=$conf sinfo -h -n "$node" -o %T 2>/dev/null | tr -d '*')
  case "$state" in idle | mixed | allocated | completing) return 0 ;; *) return 1 ;; esac
}

start() {
  if [ -f "$conf" ] && alive "$(pid_of "$dir/slurmctld.pid")" && alive "$(pid_of "$dir/slurmd.pid")" && is_up; then
    log "already running ($conf)"
    return 0
  fi
  install_if_missing
  if [ "$(id -u)" -ne 0 ]; then
    log "starting the daemons needs root"
    exit 3
  fi
  stop_daemons
  start_munge
  write_conf
  slurmctld -c -f "$conf"
  for _ in $(seq 1 100); do
    if SLURM_CONF=$conf scontrol ping 2>/dev/null | grep -q UP; then break; fi
    sleep 0.1
  done
  slurmd -f "$conf" -N "$node"
  for _ in $(seq 1 300); do
    if is_up; then
      log "cluster up: node $node, SLURM_CONF=$conf"
      return 0
    fi
    sleep 0.1
  done
  log "the node did not become idle; see $dir/log"
  exit 1
}

stop_daemons() {
  local f pid
  for f in "$dir/slurmd.pid" "$dir/slurmctld.pid"; do
    pid=$(pid_of "$f")
    if alive "$pid"; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
      alive "$pid" && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop_daemons; log "stopped" ;;
  status)
    if [ -f "$conf" ] && is_up; then echo "up SLURM_CONF=$conf"; else echo "down"; exit 1; fi ;;
  env) echo "SLURM_CONF=$conf" ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
