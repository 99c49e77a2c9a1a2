#!/usr/bin/env bash
# Steady toy speed and fixed cost of runtime settings, compared in pairs that run AT THE SAME TIME: each round starts
# the baseline and one SETTING together, one process pinned to each of the two CPUs (sides swapped every round), so
# both see the same moment of this node's speed, which drifts by tens of per cent over seconds and makes processes
# run one after another disagree by more than the settings differ.
#
#   HOST=DIR benchmarks/batch/measure-paired.sh [WORKSPACE.json] [N] [REPS] [WARM] BASELINE SETTING…
#
# Settings as in measure-fixed.sh (label, environment assignments, host=DIR). Per pair: each side's median worker CPU
# per toy from toy WARM on, their ratio (setting / baseline), and each side's fixed cost (common.sh job_cost). Then per
# setting the median and range of the ratios and of the fixed costs over the rounds. One thread per process; every
# thread of a process, the runtime's JIT and GC threads included, shares the one CPU it is pinned to, as in an array
# task given one CPU. PIN=0 leaves both processes free to use both CPUs (then a process still warming up takes CPU
# from the other, so compare steady speeds only well past the warm-up).
set -euo pipefail
source "$(dirname "$0")/common.sh"

workspace=${1:-samples/data/sample_workspace.json}
n=${2:-8000}
reps=${3:-4}
warm=${4:-3000}
shift $(($# < 4 ? $# : 4))
[ $# -ge 2 ] || { echo "need a BASELINE and at least one SETTING" >&2; exit 2; }
baseline=$1
shift
settings=("$@")
require_host

# start SETTING CPU DIR: runs one pinned batch-fit in the background, its CPU time to DIR/time.txt
start() {
  parse_setting "$1"
  rm -rf "$3"
  mkdir -p "$3"
  local pin=(taskset -c "$2")
  if [ "${PIN:-1}" = 0 ]; then pin=(); fi
  "${pin[@]}" env "${assignments[@]}" /usr/bin/time -f '%U %S' -o "$3/time.txt" "$run_host" batch-fit \
    --input "$workspace" --output-dir "$3/out" --n-toys "$n" --threads 1 --seed 7 >/dev/null 2>&1 &
}

# side DIR: "worker_ms fixed_s" of a finished run
side() {
  local total
  total=$(awk '{printf "%.3f", $1 + $2}' "$1/time.txt")
  job_cost "$1/out/toys.jsonl.timing" "$total" "$warm" | awk '{print $6, $2}'
}

echo "| round | setting | CPUs (baseline, setting) | baseline worker ms/toy | setting worker ms/toy | ratio | baseline fixed s | setting fixed s |"
echo "|---:|---|---|---:|---:|---:|---:|---:|"
for ((rep = 1; rep <= reps; rep++)); do
  for setting in "${settings[@]}"; do
    if ((rep % 2)); then a=0 b=1; else a=1 b=0; fi
    start "$baseline" "$a" "$work/a"
    start "$setting" "$b" "$work/b"
    wait
    read -r wa fa < <(side "$work/a")
    read -r wb fb < <(side "$work/b")
    parse_setting "$setting"
    ratio=$(awk -v x="$wa" -v y="$wb" 'BEGIN {printf "%.3f", y / x}')
    echo "| $rep | $label | $a, $b | $wa | $wb | $ratio | $fa | $fb |"
    echo "$label $ratio $fa $fb" >>"$work/all.txt"
  done
done

echo
parse_setting "$baseline"
echo "| setting (vs $label) | steady ratio, median (range) | baseline fixed s, median (range) | setting fixed s, median (range) |"
echo "|---|---|---|---|"
for setting in "${settings[@]}"; do
  parse_setting "$setting"
  stat() { awk -v l="$label" -v k="$1" '$1 == l {print $k}' "$work/all.txt" | sort -g |
    awk '{v[NR] = $1} END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f (%.3f–%.3f)", m, v[1], v[NR]}'; }
  echo "| $label | $(stat 2) | $(stat 3) | $(stat 4) |"
done
