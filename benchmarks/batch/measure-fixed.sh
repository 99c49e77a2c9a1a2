#!/usr/bin/env bash
# What one job costs beyond its toys, per runtime setting, measured so that this node's speed drift cancels: each
# process is compared with its own steady rate, not with another process.
#
#   HOST=DIR benchmarks/batch/measure-fixed.sh [WORKSPACE.json] [N] [REPS] [WARM] [SETTING…]
#
# Runs the same single-thread batch-fit of N toys REPS times per SETTING, interleaved (A1 B1 … A2 B2 …). From the
# timing sidecar's process_cpu_seconds (the process's CPU time as each record was written) it takes per process:
#   steady  = process CPU per toy from toy WARM (default N/2) to the last (all threads: worker, writer, GC, JIT);
#   fixed   = process CPU (user + system, /usr/bin/time) - N × steady: everything the job costs beyond its toys;
# and splits fixed into
#   before  = process CPU when the first record was written, less that toy's worker CPU (runtime start, workspace
#             read and SHA-256, model build, the fit that sets the generation point, threads);
#   warm-up = process CPU from there to toy WARM, less those toys at the steady rate (the JIT's tiers, slower early
#             toys);
#   exit    = process CPU after the last record (final sync, completion record, summary, runtime shutdown).
# Only the WARM toys before the steady window are priced at the steady rate, so a drift of this node's speed moves
# fixed by WARM × the drift: keep WARM just past the warm-up rather than making N large.
# "worker ms/toy" is the median worker-thread CPU per toy from toy WARM on, the figure to compare for a steady loss. Then per setting the median and range over its processes. A SETTING is a label and environment assignments
# joined by commas ("pgo-off,DOTNET_TieredPGO=0"); "default" leaves the environment unchanged; an assignment
# host=DIR runs the nextstat published in DIR instead of HOST's, to compare publish variants in the same rounds
# ("composite,host=hosts/cluster").
# PHASES=1 first times, REPS times interleaved, what `before` is made of from separate processes of the same host:
# `batch-fit --help` (runtime start and the command line), `eval` (+ workspace read and SHA-256, model
# build, one evaluation), `fit` (+ one fit with uncertainties).
set -euo pipefail
source "$(dirname "$0")/common.sh"

workspace=${1:-samples/data/sample_workspace.json}
n=${2:-12000}
reps=${3:-4}
warm=${4:-$((n / 2))}
shift $(($# < 4 ? $# : 4))
settings=("$@")
if [ ${#settings[@]} -eq 0 ]; then
  settings=(default "pgo-off,DOTNET_TieredPGO=0")
fi
require_host

cpu() { awk '{printf "%.3f", $1 + $2}' "$work/time.txt"; }

if [ "${PHASES:-0}" = 1 ]; then
  declare -A phase
  names=("batch-fit --help" "eval" "fit")
  for ((rep = 1; rep <= reps; rep++)); do
    for name in "${names[@]}"; do
      case $name in
        "batch-fit --help") /usr/bin/time -f '%U %S' -o "$work/time.txt" "$host" batch-fit --help >/dev/null ;;
        eval) /usr/bin/time -f '%U %S' -o "$work/time.txt" "$host" eval --input "$workspace" >/dev/null ;;
        fit) /usr/bin/time -f '%U %S' -o "$work/time.txt" "$host" fit --input "$workspace" >/dev/null ;;
      esac
      phase[$name]+=" $(cpu)"
    done
  done
  echo "| process (default settings) | CPU s per run | median |"
  echo "|---|---|---:|"
  for name in "${names[@]}"; do
    read -r -a values <<<"${phase[$name]}"
    echo "| \`$name\` | ${values[*]} | $(printf '%s\n' "${values[@]}" | sort -g | awk '{v[NR] = $1} END {printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}') |"
  done
  echo
fi

echo "| setting | run | CPU s | steady ms/toy (process) | worker ms/toy (median) | fixed s | before s | warm-up s | exit s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for ((rep = 1; rep <= reps; rep++)); do
  for setting in "${settings[@]}"; do
    parse_setting "$setting"
    rm -rf "$work/out"
    env "${assignments[@]}" /usr/bin/time -f '%U %S' -o "$work/time.txt" "$run_host" batch-fit --input "$workspace" \
      --output-dir "$work/out" --n-toys "$n" --threads 1 --seed 7 >/dev/null 2>&1
    total=$(cpu)
    read -r steady fixed before warmup tail worker _ < <(job_cost "$work/out/toys.jsonl.timing" "$total" "$warm")
    echo "| $label | $rep | $total | $steady | $worker | $fixed | $before | $warmup | $tail |"
    echo "$label $total $steady $worker $fixed $before $warmup $tail" >>"$work/all.txt"
  done
done

echo
echo "| setting | fixed s, median (range) | before s | warm-up s | exit s | steady ms/toy (process), median (range) | worker ms/toy, median (range) | CPU s, median |"
echo "|---|---|---:|---:|---:|---|---|---:|"
for setting in "${settings[@]}"; do
  label=${setting%%,*}
  # column k of this setting's processes: median and range
  stat() { awk -v l="$label" -v k="$1" '$1 == l {print $k}' "$work/all.txt" | sort -g |
    awk -v f="$2" '{v[NR] = $1} END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf f, m, v[1], v[NR]}'; }
  echo "| $label | $(stat 5 '%.3f (%.3f–%.3f)') | $(stat 6 '%.3f') | $(stat 7 '%.3f') | $(stat 8 '%.3f') | $(stat 3 '%.4f (%.4f–%.4f)') | $(stat 4 '%.4f (%.4f–%.4f)') | $(stat 2 '%.2f') |"
done
