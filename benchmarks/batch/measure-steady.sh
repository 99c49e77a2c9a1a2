#!/usr/bin/env bash
# Does every process of the same command settle at the same toy speed? Runs the same single-thread batch-fit REPS
# times under each runtime setting, interleaved (setting A run 1, setting B run 1, …, setting A run 2, …), and
# prints per process: CPU s of the whole process and the steady per-toy time from toys.jsonl.timing, toys from WARM
# on: the median of the wall seconds, and the median and mean of the worker thread's CPU seconds; then per setting the
# spread of the CPU medians across processes.
#
#   HOST=DIR benchmarks/batch/measure-steady.sh [WORKSPACE.json] [N] [REPS] [WARM] [SETTING…]
#
# A SETTING is a label and environment assignments joined by commas, e.g. "pgo-off,DOTNET_TieredPGO=0";
# "default" runs with the environment unchanged. Without SETTINGs: default, TieredPGO off, tiering off.
# The median per-toy CPU time is the figure to compare: preemption by other processes on a shared machine lengthens
# the wall time of the toys it interrupts (a preempted toy counts whole), not their CPU time. What other processes
# still change is the speed of the core itself (shared caches and memory bandwidth).
set -euo pipefail
source "$(dirname "$0")/common.sh"

workspace=${1:-samples/data/sample_workspace.json}
n=${2:-20000}
reps=${3:-4}
warm=${4:-5000}
shift $(($# < 4 ? $# : 4))
settings=("$@")
if [ ${#settings[@]} -eq 0 ]; then
  settings=(default "pgo-off,DOTNET_TieredPGO=0" "tiering-off,DOTNET_TieredCompilation=0")
fi
require_host

echo "| setting | run | CPU s | steady wall ms/toy (median) | steady CPU ms/toy (median) | steady CPU ms/toy (mean) |"
echo "|---|---:|---:|---:|---:|---:|"
for ((rep = 1; rep <= reps; rep++)); do
  for setting in "${settings[@]}"; do
    IFS=, read -r -a parts <<<"$setting"
    label=${parts[0]}
    rm -rf "$work/out"
    env "${parts[@]:1}" /usr/bin/time -f '%U %S' -o "$work/time.txt" "$host" batch-fit --input "$workspace" \
      --output-dir "$work/out" --n-toys "$n" --threads 1 --seed 7 >/dev/null 2>&1
    cpu=$(awk '{printf "%.2f", $1 + $2}' "$work/time.txt")
    sed -n 's/{"index":\([0-9]*\),"seconds":\([0-9.eE+-]*\),"cpu_seconds":\([0-9.eE+-]*\)[,}].*/\1 \2 \3/p' "$work/out/toys.jsonl.timing" |
      awk -v warm="$warm" '$1 >= warm' >"$work/steady.txt"
    wall=$(awk '{print $2}' "$work/steady.txt" | median_ms)
    cpu_median=$(awk '{print $3}' "$work/steady.txt" | median_ms)
    cpu_mean=$(awk '{s += $3} END {printf "%.4f", 1000 * s / NR}' "$work/steady.txt")
    echo "| $label | $rep | $cpu | $wall | $cpu_median | $cpu_mean |"
    echo "$label $cpu_median $cpu" >>"$work/all.txt"
  done
done
echo
echo "| setting | steady CPU ms/toy (median), mean of runs | spread (max − min) / mean | CPU s, mean of runs |"
echo "|---|---:|---:|---:|"
for setting in "${settings[@]}"; do
  label=${setting%%,*}
  awk -v l="$label" '$1 == l {s += $2; c += $3; k++; if (k == 1 || $2 > hi) hi = $2; if (k == 1 || $2 < lo) lo = $2}
    END {printf "| %s | %.4f | %.2f %% | %.2f |\n", l, s / k, 100 * (hi - lo) / (s / k), c / k}' "$work/all.txt"
done
