#!/usr/bin/env bash
# Two threads vs one on a short run, under runtime settings: REPS times, interleaved, each SETTING runs N toys with
# 1 thread and then with 2, and the table gives the toys/s of the whole run (from the summary), the ratio, and the
# mean per-toy time of the first WARM toys and of the rest (from toys.jsonl.timing; per worker, so two threads show
# whether the warm-up held the second worker back).
#
#   HOST=DIR benchmarks/batch/measure-threads.sh [WORKSPACE.json] [N] [REPS] [WARM] [SETTING…]
#
# A SETTING is a label and environment assignments joined by commas ("pgo-off,DOTNET_TieredPGO=0"); "default"
# leaves the environment unchanged; host=DIR runs the nextstat published in DIR (common.sh parse_setting). Without
# SETTINGs: default and TieredPGO off.
set -euo pipefail
source "$(dirname "$0")/common.sh"

workspace=${1:-samples/data/sample_workspace.json}
n=${2:-20000}
reps=${3:-2}
warm=${4:-2000}
shift $(($# < 4 ? $# : 4))
settings=("$@")
if [ ${#settings[@]} -eq 0 ]; then
  settings=(default "pgo-off,DOTNET_TieredPGO=0")
fi
require_host

# one THREADS: runs the parsed setting; prints "toys_per_s cpu_s warm_ms rest_ms"
one() {
  local threads=$1
  rm -rf "$work/out"
  env "${assignments[@]}" /usr/bin/time -f '%U %S' -o "$work/time.txt" "$run_host" batch-fit --input "$workspace" --output-dir "$work/out" \
    --n-toys "$n" --threads "$threads" --seed 7 >"$work/summary.json" 2>/dev/null
  local rate cpu split
  rate=$(sed -n 's/.*"toys_per_second": \([0-9.]*\).*/\1/p' "$work/summary.json" | awk '{printf "%.1f", $1}')
  cpu=$(awk '{printf "%.2f", $1 + $2}' "$work/time.txt")
  split=$(sed -n 's/{"index":\([0-9]*\),"seconds":\([0-9.eE+-]*\).*/\1 \2/p' "$work/out/toys.jsonl.timing" |
    awk -v w="$warm" '$1 < w {a += $2; na++} $1 >= w {b += $2; nb++} END {printf "%.3f %.4f", 1000 * a / na, 1000 * b / nb}')
  echo "$rate $cpu $split"
}

echo "| setting | run | 1 thread toys/s | 2 threads toys/s | ratio | CPU s 1 / 2 | first $warm ms/toy 1 / 2 | rest ms/toy 1 / 2 |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for ((rep = 1; rep <= reps; rep++)); do
  for setting in "${settings[@]}"; do
    parse_setting "$setting"
    read -r r1 c1 w1 s1 < <(one 1)
    read -r r2 c2 w2 s2 < <(one 2)
    ratio=$(awk -v a="$r1" -v b="$r2" 'BEGIN {printf "%.2f", b / a}')
    echo "| $label | $rep | $r1 | $r2 | ${ratio}× | $c1 / $c2 | $w1 / $w2 | $s1 / $s2 |"
  done
done
