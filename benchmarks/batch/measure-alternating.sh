#!/usr/bin/env bash
# Steady toy speed of two runtime settings, time-sliced so that this node's speed drift cancels: both processes run
# one long single-thread batch-fit, but only one at a time (the other is stopped with SIGSTOP), switching every SLICE
# seconds. After both have run WARM_S seconds each (warm-up done), each toy's worker CPU time is compared: both sides
# sampled the node's speed in the same alternating minutes, so a drift of tens of per cent over seconds moves both.
# Both fit the same toys, so the ratio is taken over the toy indices both measured.
#
#   HOST=DIR benchmarks/batch/measure-alternating.sh [WORKSPACE.json] [SECONDS] [SLICE] [WARM_S] SETTING_A SETTING_B
#
# Settings as in measure-fixed.sh (label, environment assignments, host=DIR). SECONDS is the running time per side
# after the warm-up. Prints per side the toys measured and the median and mean worker CPU per toy, then B / A over
# the common toys.
set -euo pipefail
source "$(dirname "$0")/common.sh"

workspace=${1:-samples/data/sample_workspace.json}
seconds=${2:-30}
slice=${3:-0.5}
warm_s=${4:-8}
shift $(($# < 4 ? $# : 4))
[ $# -eq 2 ] || { echo "need SETTING_A and SETTING_B" >&2; exit 2; }
require_host

settings=("$@")
declare -a pids labels
for side in 0 1; do
  parse_setting "${settings[side]}"
  labels[side]=$label
  mkdir -p "$work/$side"
  env "${assignments[@]}" "$run_host" batch-fit --input "$workspace" --output-dir "$work/$side/out" --n-toys 100000000 \
    --threads 1 --seed 7 --chunk-size 64 >/dev/null 2>&1 &
  pids[side]=$!
  kill -STOP "${pids[side]}"
done

alternate "$warm_s" "$slice"
# the toys each side has written by now are its warm-up; count them
for side in 0 1; do kill -CONT "${pids[side]}"; kill -STOP "${pids[side]}"; done
sleep 0.2
declare -a skip
for side in 0 1; do skip[side]=$(wc -l <"$work/$side/out/toys.jsonl.timing"); done
alternate "$seconds" "$slice"
for side in 0 1; do
  kill -TERM "${pids[side]}"
  kill -CONT "${pids[side]}"
done
wait || true

echo "| side | setting | toys measured (after the first) | worker ms/toy median | worker ms/toy mean |"
echo "|---|---|---:|---:|---:|"
for side in 0 1; do
  sed -n 's/{"index":\([0-9]*\),.*"cpu_seconds":\([0-9.eE+-]*\).*/\1 \2/p' "$work/$side/out/toys.jsonl.timing" |
    awk -v s="${skip[side]}" 'NR > s' >"$work/cpu$side.txt"
  median=$(awk '{print $2}' "$work/cpu$side.txt" | median_ms)
  mean=$(awk '{t += $2} END {printf "%.4f", 1000 * t / NR}' "$work/cpu$side.txt")
  echo "| $((side + 1)) | ${labels[side]} | $(wc -l <"$work/cpu$side.txt") (${skip[side]}) | $median | $mean |"
done
echo
# Both sides fit the same toys (same seed, same indices) and toys differ in cost (iterations), so the comparison is
# made on the indices both measured: the ratio of their summed CPU, and the median of the per-toy ratios.
awk 'NR == FNR {a[$1] = $2; next} $1 in a {sa += a[$1]; sb += $2; k++; print $2 / a[$1] > "/dev/stderr"}
  END {printf "B / A over the %d toys both measured: %.3f (sums)", k, sb / sa}' "$work/cpu0.txt" "$work/cpu1.txt" 2>"$work/ratios.txt"
echo ", $(sort -g "$work/ratios.txt" | awk '{v[NR] = $1} END {printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}') (median of per-toy ratios)"
