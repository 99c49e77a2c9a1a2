#!/usr/bin/env bash
# Job-array overhead per item over whole runs, time-sliced so that this node's speed drift cancels: one single run
# of N toys and a job array of the same N toys (JOBS jobs one after another, then their merge) run one at a time, the
# other side stopped with SIGSTOP (its whole process group: the job that is running, or the merge), switching every
# SLICE milliseconds, so both sample the node's speed in the same alternating seconds. Each side's running time is
# summed over its slices until it ends; (array − single) / N is the overhead per item, start-up, warm-up, merge and
# all. One thread per process on both sides, as in measure-batch.sh. The last columns take the workers' CPU in their
# toys off both sides first: the same toys cost both sides the same but for the node's drift, which moves the whole
# runs' difference by about ±1 %, so what is left (start-up, the writer's syncs, exit, the merge) is the array's cost.
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

echo "| run | single run: running s | array of $jobs + merge: running s | overhead (running) | per item | single / array CPU s | overhead (CPU) | beyond the items: single / array running s | overhead, items' noise removed (running) | beyond the items: single / array CPU s | overhead, items' noise removed (CPU) | merged = single |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
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
  # The toys are the same work on both sides, so their CPU differs only by the node's drift (up to ±1 % of the total
  # between sides here); what the array adds is outside them. The workers' CPU in their toys (the sidecars'
  # cpu_seconds: one worker, so its whole time from its first toy on) is taken off both sides: what stays is start-up,
  # the writer's waits and syncs, exit and the merge, without the toys' noise.
  wa=$(worker_cpu "$single"/toys.jsonl.timing)
  wb=$(worker_cpu "$array"/toys_*.jsonl.timing)
  awk -v r="$rep" -v a="${running[0]}" -v b="${running[1]}" -v ca="$ca" -v cb="$cb" -v wa="$wa" -v wb="$wb" -v n="$n" -v same="$same" \
    'BEGIN {
      a /= 1e6; b /= 1e6
      printf "| %d | %.2f | %.2f | %+.2f %% | %+.1f µs | %.2f / %.2f | %+.2f %% | %.3f / %.3f | %+.2f %% | %.3f / %.3f | %+.2f %% | %s |\n", r, a, b,
        100 * (b - a) / a, 1e6 * (b - a) / n, ca, cb, 100 * (cb - ca) / ca,
        a - wa, b - wb, 100 * ((b - wb) - (a - wa)) / a, ca - wa, cb - wb, 100 * ((cb - wb) - (ca - wa)) / ca, same
    }'
done
