#!/usr/bin/env bash
# Measures the streaming batch runner end to end through the console host: peak RSS of SMALL_N vs LARGE_N toy fits,
# toys/s with 1 vs 2 threads, and what splitting a run into a job array costs (merged bytes checked equal).
# Results go to stdout as Markdown tables; copy them into benchmarks/RESULTS.batch.md with the date and machine.
#
#   benchmarks/batch/measure-batch.sh [WORKSPACE.json] [SMALL_N] [LARGE_N] [ARRAY_N] [JOBS]
#
# The host is published as a cluster would run it (README "Job arrays"): PUBLISH=cluster (default) with the publish
# profile of that name (self-contained composite ReadyToRun image of host and framework for x86-64-v3), PUBLISH=r2r
# the framework-dependent ReadyToRun host. HOST=DIR uses a host published before instead (publishing the composite
# image takes minutes).
# Times are wall clock and process CPU time (user + system, from /usr/bin/time): CPU time is what a job array
# multiplies, and it is less disturbed than wall time when other processes share the cores. "steady ms/toy" is the
# median of the per-toy worker CPU seconds in the run's .timing file (wall seconds where the file has no CPU time)
# after its first WARM toys (default 2000): the speed a process settles at, not moved by preemption.
set -euo pipefail
source "$(dirname "$0")/common.sh"

workspace=${1:-samples/data/sample_workspace.json}
small=${2:-1000}
large=${3:-10000}
array_n=${4:-8000}
jobs=${5:-4}
warm=${WARM:-2000}

if [ -n "${HOST:-}" ]; then
  host=("$HOST/nextstat")
else
  case ${PUBLISH:-cluster} in
    cluster) publish=(-p:PublishProfile=cluster) ;;
    r2r) publish=(-r "$(dotnet --info | awk '/^ *RID:/ {print $2; exit}')" --self-contained false -p:PublishReadyToRun=true) ;;
    *) echo "PUBLISH must be cluster or r2r" >&2; exit 2 ;;
  esac
  dotnet publish samples/NextStat.Cli/NextStat.Cli.csproj -c Release "${publish[@]}" -o "$work/bin" >/dev/null
  host=("$work/bin/nextstat")
fi

# run OUTDIR FILE ARGS…: prints "wall_s cpu_s max_rss_mb toys_per_s steady_ms" (the first three from /usr/bin/time;
# FILE is the records file the run writes in OUTDIR, whose .timing sidecar gives the steady per-toy time).
run() {
  local out=$1 file=$2
  shift 2
  /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" "${host[@]}" batch-fit --input "$workspace" --output-dir "$out" "$@" \
    >"$work/summary.json" 2>"$work/stderr.txt"
  local rate
  rate=$(sed -n 's/.*"toys_per_second": \([0-9.]*\).*/\1/p' "$work/summary.json")
  local steady
  steady=$(sed -n 's/{"index":\([0-9]*\),"seconds":\([0-9.eE+-]*\)\(,"cpu_seconds":\([0-9.eE+-]*\)\)\{0,1\}[,}].*/\1 \2 \4/p' "$out/$file.timing" |
    awk 'NR == 1 {first = $1} $1 - first >= '"$warm"' {print (NF > 2 ? $3 : $2)}' | median_ms)
  awk -v rate="$rate" -v steady="$steady" '{printf "%.2f %.2f %.1f %.1f %s\n", $1, $2 + $3, $4 / 1024, rate, steady}' "$work/time.txt"
}

echo "## Memory and threads"
echo
echo "| run | wall s | CPU s | peak RSS MB | toys/s (in-run) | steady ms/toy |"
echo "|---|---:|---:|---:|---:|---:|"
for spec in "small-2t:$small:2" "large-2t:$large:2" "small-1t:$small:1"; do
  IFS=: read -r label n threads <<<"$spec"
  read -r wall cpu rss rate steady < <(run "$work/$label" toys.jsonl --n-toys "$n" --threads "$threads" --seed 7)
  echo "| $n toys, $threads thread(s) | $wall | $cpu | $rss | $rate | $steady |"
done

echo
echo "## Job array: $array_n toys, one run vs $jobs jobs (one after another, 1 thread each), then merge"
echo
echo "| run | wall s | CPU s | peak RSS MB | toys/s (in-run) | steady ms/toy |"
echo "|---|---:|---:|---:|---:|---:|"
read -r single_wall single_cpu rss rate single_steady < <(run "$work/single" toys.jsonl --n-toys "$array_n" --threads 1 --seed 7)
echo "| single run | $single_wall | $single_cpu | $rss | $rate | $single_steady |"
array_cpu=0
array_wall=0
job_steady=""
for ((job = 1; job <= jobs; job++)); do
  read -r wall cpu rss rate steady < <(run "$work/array" "$(printf 'toys_%04d.jsonl' "$job")" --n-toys "$array_n" --threads 1 --seed 7 --job-id "$job" --total-jobs "$jobs")
  echo "| job $job/$jobs | $wall | $cpu | $rss | $rate | $steady |"
  job_steady+=" $steady"
  array_cpu=$(awk -v a="$array_cpu" -v b="$cpu" 'BEGIN {print a + b}')
  array_wall=$(awk -v a="$array_wall" -v b="$wall" 'BEGIN {print a + b}')
done
/usr/bin/time -f '%e %U %S' -o "$work/time.txt" "${host[@]}" merge --input-dir "$work/array" --output "$work/merged.jsonl" >/dev/null
read -r merge_wall merge_user merge_sys <"$work/time.txt"
merge_cpu=$(awk -v a="$merge_user" -v b="$merge_sys" 'BEGIN {print a + b}')
echo "| merge | $merge_wall | $merge_cpu | | | |"
if cmp -s "$work/merged.jsonl" "$work/single/toys.jsonl"; then same=yes; else same=NO; fi
echo
# The overhead per item as the goal means it: what the array and its merge cost in CPU beyond the single run, per toy,
# as a fraction of what a toy costs the single run. The steady speeds show how much of it is the processes settling
# at different speeds rather than start-up or merge.
awk -v n="$array_n" -v j="$jobs" -v s="$single_cpu" -v a="$array_cpu" -v m="$merge_cpu" -v sw="$single_wall" -v aw="$array_wall" \
  -v ss="$single_steady" -v js="$job_steady" 'BEGIN {
  extra = a + m - s
  toy = s / n
  printf "overhead per item: (array %.2f s + merge %.2f s - single %.2f s) / %d toys = %+.3f ms per toy = %+.2f %% of a toy of the single run (%.3f ms of CPU)\n",
    a, m, s, n, 1000 * extra / n, 100 * extra / s, 1000 * toy
  printf "merge: %.2f us of CPU per record, process start included (%.2f %% of a toy)\n", 1e6 * m / n, 100 * m / s
  k = split(js, steady, " ")
  if (ss + 0 > 0) {
    printf "steady ms/toy: single %.4f, jobs", ss
    for (i = 1; i <= k; i++) printf " %.4f (%+.2f %%)", steady[i], 100 * (steady[i] / ss - 1)
    printf "\n"
  }
  # The array runs j processes where a single run has one: (j - 1) extra job starts, plus the merge per record.
  if (j > 1) {
    fixed = (a - s) / (j - 1)
    room = 0.01 - m / s
    printf "fixed cost per extra job: %.2f s of CPU; ", fixed
    if (room > 0 && fixed > 0) printf "overhead < 1 %% per item for jobs of >= %.0f s of items (%.0f toys)\n", fixed / room, fixed / room / toy
    else printf "the merge alone is >= 1 %% of an item or the jobs cost no more than the single run here\n"
  }
  printf "wall: single %.2f s, array jobs %.2f s\n", sw, aw
}'
echo "merged file identical to the single run: $same"
