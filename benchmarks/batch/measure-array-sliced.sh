#!/usr/bin/env bash
# Job-array overhead per item over whole runs, time-sliced so that this node's speed drift cancels: one single run
# of N toys and a job array of the same N toys (JOBS jobs one after another, then their merge) run one at a time, the
# other side stopped with SIGSTOP (its whole process group: the job that is running, or the merge), switching every
# SLICE milliseconds, so both sample the node's speed in the same alternating seconds. Each side's running time is
# summed over its slices until it ends; (array − single) / N is the overhead per item, start-up, warm-up, merge and
# all. One thread per process on both sides, as in measure-batch.sh.
#
#   HOST=DIR benchmarks/batch/measure-array-sliced.sh [WORKSPACE.json] [N] [JOBS] [REPS] [SLICE_MS]
set -euo pipefail
source "$(dirname "$0")/common.sh"

workspace=${1:-samples/data/sample_workspace.json}
n=${2:-60000}
jobs=${3:-2}
reps=${4:-3}
slice_us=$((${5:-500} * 1000))
require_host

echo "| run | single run: running s | array of $jobs + merge: running s | overhead (running) | per item | single / array CPU s | overhead (CPU) | merged = single |"
echo "|---:|---:|---:|---:|---:|---:|---:|---|"
for ((rep = 1; rep <= reps; rep++)); do
  single=$work/$rep-single
  array=$work/$rep-array
  # Each side leads its own process group (set -m), so one signal stops or continues whatever it is running.
  set -m
  cpu=("$work/$rep-single.cpu" "$work/$rep-array.cpu")
  /usr/bin/time -a -o "${cpu[0]}" -f "%U %S" \
    "$host" batch-fit --input "$workspace" --output-dir "$single" --n-toys "$n" --threads 1 --seed 7 >/dev/null 2>&1 &
  pids=($!)
  (
    for ((job = 1; job <= jobs; job++)); do
      /usr/bin/time -a -o "${cpu[1]}" -f "%U %S" "$host" batch-fit --input "$workspace" --output-dir "$array" \
        --n-toys "$n" --threads 1 --seed 7 --job-id "$job" --total-jobs "$jobs" >/dev/null 2>&1
    done
    /usr/bin/time -a -o "${cpu[1]}" -f "%U %S" "$host" merge --input-dir "$array" --output "$array/merged.jsonl" >/dev/null
  ) &
  pids+=($!)
  set +m
  kill -STOP -- "-${pids[0]}" "-${pids[1]}"
  run_sliced "$slice_us"
  same=no
  cmp -s "$single/toys.jsonl" "$array/merged.jsonl" && same=yes
  ca=$(awk '{s += $1 + $2} END {print s}' "${cpu[0]}")
  cb=$(awk '{s += $1 + $2} END {print s}' "${cpu[1]}")
  awk -v r="$rep" -v a="${running[0]}" -v b="${running[1]}" -v ca="$ca" -v cb="$cb" -v n="$n" -v same="$same" \
    'BEGIN {a /= 1e6; b /= 1e6; printf "| %d | %.2f | %.2f | %+.2f %% | %+.1f µs | %.2f / %.2f | %+.2f %% | %s |\n", r, a, b, 100 * (b - a) / a, 1e6 * (b - a) / n, ca, cb, 100 * (cb - ca) / ca, same}'
done
