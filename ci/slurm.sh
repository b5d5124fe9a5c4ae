#!/usr/bin/env bash
# CI: a real single-node Slurm on this machine (Debian's slurm-wlm and munge, started
# here, no systemd, no cgroups), contrib/slurm/sweep.sbatch submitted as an array of 4,
# the shards merged and compared byte for byte with the same sweep on one machine.
#
# Needs root (it installs packages and starts daemons). Fails, loudly, when Slurm
# cannot start: it never skips. Usage: ci/slurm.sh [GIGASITE_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export DEBIAN_FRONTEND=noninteractive

daemons=0 # set once this script starts daemons: only then are their logs this run's
fail() {
  echo "ci/slurm.sh: FAILED: $*" >&2
  [ "$daemons" = 1 ] || exit 1
  for f in /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log /var/log/munge/munged.log; do
    if [ -f "$f" ]; then
      echo "--- last lines of $f" >&2
      tail -n 30 "$f" >&2
    fi
  done
  exit 1
}

[ "$(id -u)" = 0 ] || fail "needs root to install and start slurm-wlm and munge"

bin=${1:-}
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin="${CARGO_TARGET_DIR:-$repo/target}/release/gigasite"
fi
bin=$(realpath -m "$bin")
[ -x "$bin" ] || fail "no gigasite binary at $bin"

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  apt-get update -qq || fail "apt-get update failed"
  apt-get install -y -qq slurm-wlm munge >/dev/null || fail "cannot install slurm-wlm and munge"
fi

# Daemons started here are stopped on exit, by their own pid files.
stop() {
  local p pid
  for p in /run/slurm/slurmd.pid /run/slurm/slurmctld.pid /run/munge/munged.pid; do
    [ -f "$p" ] || continue
    pid=$(cat "$p")
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  done
}
trap stop EXIT

# munge: a key, then the daemon as its own user.
daemons=1
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
if [ ! -s /etc/munge/munge.key ]; then
  mungekey --create --keyfile=/etc/munge/munge.key || fail "cannot create the munge key"
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
if ! munge -n >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid ||
    fail "munged did not start"
fi
for _ in $(seq 1 20); do munge -n >/dev/null 2>&1 && break; sleep 0.5; done
munge -n | unmunge >/dev/null || fail "munge does not work (munge -n | unmunge)"

# slurm.conf: one node (this machine, by its short hostname, reached at 127.0.0.1 so the
# name need not resolve), one partition.
host=$(hostname -s)
cpus=$(nproc)
free_mb=$(awk '/MemAvailable/ {print int($2 / 1024)}' /proc/meminfo)
mem_mb=$((free_mb / 2))
[ "$mem_mb" -ge 256 ] || fail "only ${free_mb} MB of memory available"
install -d /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/slurm
rm -f /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log
cat >/etc/slurm/slurm.conf <<CONF
# Written by gigasite's ci/slurm.sh: single-node Slurm for CI.
ClusterName=gigasite-ci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
# No cgroups: slurmd must not need them (containers often lack them).
rm -f /etc/slurm/cgroup.conf

/usr/sbin/slurmctld || fail "slurmctld did not start"
/usr/sbin/slurmd || fail "slurmd did not start"
state=""
for _ in $(seq 1 60); do
  state=$(sinfo -h -N -o '%t' 2>/dev/null | head -n 1 || true)
  [ "$state" = idle ] && break
  sleep 1
done
[ "$state" = idle ] || fail "the Slurm node is not idle after 60 s (sinfo says '${state:-nothing}')"
echo "Slurm is up: node $host idle"

# The sweep: a few points on datasets/tiny, as an array of 4 and on one machine.
work=$(mktemp -d /tmp/gigasite-slurm.XXXXXX)
chmod 0755 "$work"
sets="sites.min_separation_km=0:120:10"
scenario="$repo/datasets/tiny/scenario.toml"
points=$("$bin" sweep "$scenario" --set "$sets" --plan | wc -l)
echo "sweep of $points points as an array of 4"

sbatch --wait --array=0-3 --chdir="$work" \
  --export=ALL,GIGASITE="$bin",SCENARIO="$scenario",SETS="$sets",OUT="$work/out" \
  "$repo/contrib/slurm/sweep.sbatch" || {
  cat "$work"/gigasite-sweep-*.out >&2 2>/dev/null || true
  fail "the array job did not end successfully"
}
for i in 0 1 2 3; do
  ls "$work"/gigasite-sweep-*_"$i".out >/dev/null 2>&1 || fail "Slurm ran no array task $i"
  [ -f "$work/out/shard-$i/shard.json" ] || fail "array task $i wrote no shard folder"
done

"$bin" merge "$work"/out/shard-* --out "$work/merged" || fail "gigasite merge failed"
"$bin" sweep "$scenario" --set "$sets" --out "$work/single" --jobs 1 --quiet ||
  fail "the single-machine sweep failed"
for f in summary.csv pareto.csv pareto.svg; do
  cmp "$work/single/$f" "$work/merged/$f" || fail "$f of the Slurm run differs from one machine's"
done
echo "Slurm array of 4: merged summary.csv, pareto.csv and pareto.svg identical to one machine's ($points points)"

# A lost shard: the merge says so; re-running only that array task restores the result.
rm -rf "$work/out/shard-2" "$work/merged"
if "$bin" merge "$work"/out/shard-* --out "$work/merged" 2>"$work/merge.err"; then
  fail "merge without shard 2 succeeded"
fi
grep -q "missing shards (no folder given): 2 of 4" "$work/merge.err" ||
  fail "merge without shard 2 did not name it: $(cat "$work/merge.err")"
sbatch --wait --array=2 --chdir="$work" \
  --export=ALL,GIGASITE="$bin",SCENARIO="$scenario",SETS="$sets",OUT="$work/out",SHARDS=4 \
  "$repo/contrib/slurm/sweep.sbatch" || fail "re-running array task 2 failed"
"$bin" merge "$work"/out/shard-* --out "$work/merged" || fail "gigasite merge failed after the re-run"
for f in summary.csv pareto.csv pareto.svg; do
  cmp "$work/single/$f" "$work/merged/$f" || fail "$f after re-running shard 2 differs from one machine's"
done
echo "Slurm: shard 2 lost, re-run alone (--array=2, SHARDS=4), merged: identical again"
rm -rf "$work"
