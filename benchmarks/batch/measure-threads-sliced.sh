#!/usr/bin/env bash
# Two threads vs one over a whole run (warm-up included), time-sliced so that this node's speed drift cancels: a
# one-thread and a two-thread batch-fit of the same N toys run one at a time (the other stopped with SIGSTOP, all its
# threads, its JIT compiler's too), switching every SLICE seconds, so both sample the node's speed in the same
# alternating seconds. Each side's running time is summed over its slices until it exits; the ratio of those sums is
# the ratio of toys per second. Sequential runs seconds apart carry the drift (the same command read 1.50–1.81× within
# minutes); this does not. Each side has the machine to itself while it runs, as in measure-threads.sh. The loop
# that switches uses bash builtins only (no process started while a side runs).
#
#   HOST=DIR benchmarks/batch/measure-threads-sliced.sh [WORKSPACE.json] [N] [REPS] [SLICE_MS]
set -euo pipefail
source "$(dirname "$0")/common.sh"

workspace=${1:-samples/data/sample_workspace.json}
n=${2:-20000}
reps=${3:-3}
slice_us=$((${4:-500} * 1000))
require_host

echo "| run | 1 thread: running s | 2 threads: running s | 1 thread toys/s | 2 threads toys/s | ratio |"
echo "|---:|---:|---:|---:|---:|---:|"
for ((rep = 1; rep <= reps; rep++)); do
  pids=()
  # Each side leads its own process group (set -m), so that one signal stops all its threads.
  set -m
  for side in 0 1; do
    "$host" batch-fit --input "$workspace" --output-dir "$work/$rep-$side" --n-toys "$n" --threads $((side + 1)) \
      --seed 7 >/dev/null 2>&1 &
    pids[side]=$!
    kill -STOP -- "-${pids[side]}"
  done
  set +m
  run_sliced "$slice_us"

  awk -v r="$rep" -v a="${running[0]}" -v b="${running[1]}" -v n="$n" \
    'BEGIN {a /= 1e6; b /= 1e6; printf "| %d | %.2f | %.2f | %.1f | %.1f | %.2f× |\n", r, a, b, n / a, n / b, a / b}'
done
