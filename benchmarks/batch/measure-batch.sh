#!/usr/bin/env bash
# Measures the streaming batch runner end to end through the console host: peak RSS of SMALL_N vs LARGE_N toy fits,
# toys/s with 1 vs 2 threads, and what splitting a run into a job array costs (merged bytes checked equal).
# Results go to stdout as Markdown tables; copy them into benchmarks/RESULTS.batch.md with the date and machine.
#
#   benchmarks/batch/measure-batch.sh [WORKSPACE.json] [SMALL_N] [LARGE_N] [ARRAY_N] [JOBS]
#
# The host is published as a cluster would run it (README "Job arrays"): PUBLISH=cluster (default) with the publish
# profile of that name (self-contained composite ReadyToRun image of host and framework for x86-64-v3),
# PUBLISH=native the Native AOT executable of the `native` profile, PUBLISH=r2r the framework-dependent ReadyToRun
# host. HOST=DIR uses a host published before instead (publishing the composite image takes minutes).
# Times are wall clock and process CPU time (user + system, from /usr/bin/time): CPU time is what a job array
# multiplies, and it is less disturbed than wall time when other processes share the cores. "steady ms/toy" is the
# median of the per-toy worker CPU seconds in the run's .timing file (wall seconds where the file has no CPU time)
# after its first WARM toys (default 3000): the speed a process settles at, not moved by preemption.
# The job-array part splits each process's CPU (common.sh job_cost) into its toys at its own steady rate (whole
# process, from WARM on) and a fixed rest (start, model, warm-up, exit), so that the array's extra CPU is shown as
# what it is made of: the extra jobs' fixed cost, the merge, and the processes running at different steady speeds
# (this node's drift, not the array). From the fixed cost and the merge it prints the overhead per item at job sizes
# a user submits and the job size from which it is below 1 %.
set -euo pipefail
source "$(dirname "$0")/common.sh"

workspace=${1:-samples/data/sample_workspace.json}
small=${2:-1000}
large=${3:-10000}
array_n=${4:-8000}
jobs=${5:-4}
warm=${WARM:-3000}

if [ -n "${HOST:-}" ]; then
  host=("$HOST/nextstat")
else
  case ${PUBLISH:-cluster} in
    cluster) publish=(-p:PublishProfile=cluster) ;;
    native) publish=(-p:PublishProfile=native) ;;
    r2r) publish=(-r "$(dotnet --info | awk '/^ *RID:/ {print $2; exit}')" --self-contained false -p:PublishReadyToRun=true) ;;
    *) echo "PUBLISH must be cluster, native or r2r" >&2; exit 2 ;;
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
echo "| run | wall s | CPU s | peak RSS MB | toys/s (in-run) | steady worker ms/toy | steady process ms/toy | fixed s (before / warm-up / exit) |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
# cost FILE CPU: "steady_ms fixed before warmup exit toys" of one process (common.sh job_cost)
cost() { job_cost "$1" "$2" "$warm" | awk '{print $1, $2, $3, $4, $5, $7}'; }
read -r single_wall single_cpu rss rate single_steady < <(run "$work/single" toys.jsonl --n-toys "$array_n" --threads 1 --seed 7)
read -r s_rate s_fixed s_before s_warm s_exit _ < <(cost "$work/single/toys.jsonl.timing" "$single_cpu")
echo "| single run | $single_wall | $single_cpu | $rss | $rate | $single_steady | $s_rate | $s_fixed ($s_before / $s_warm / $s_exit) |"
array_cpu=0
array_wall=0
job_steady=""
job_rates=""
job_fixed=""
job_toys=""
for ((job = 1; job <= jobs; job++)); do
  file=$(printf 'toys_%04d.jsonl' "$job")
  read -r wall cpu rss rate steady < <(run "$work/array" "$file" --n-toys "$array_n" --threads 1 --seed 7 --job-id "$job" --total-jobs "$jobs")
  read -r j_rate j_fixed j_before j_warm j_exit j_toys < <(cost "$work/array/$file.timing" "$cpu")
  echo "| job $job/$jobs | $wall | $cpu | $rss | $rate | $steady | $j_rate | $j_fixed ($j_before / $j_warm / $j_exit) |"
  job_steady+=" $steady"
  job_rates+=" $j_rate"
  job_fixed+=" $j_fixed"
  job_toys+=" $j_toys"
  array_cpu=$(awk -v a="$array_cpu" -v b="$cpu" 'BEGIN {print a + b}')
  array_wall=$(awk -v a="$array_wall" -v b="$wall" 'BEGIN {print a + b}')
done
/usr/bin/time -f '%e %U %S' -o "$work/time.txt" "${host[@]}" merge --input-dir "$work/array" --output "$work/merged.jsonl" >/dev/null
read -r merge_wall merge_user merge_sys <"$work/time.txt"
merge_cpu=$(awk -v a="$merge_user" -v b="$merge_sys" 'BEGIN {print a + b}')
echo "| merge | $merge_wall | $merge_cpu | | | | | |"
if cmp -s "$work/merged.jsonl" "$work/single/toys.jsonl"; then same=yes; else same=NO; fi
echo
# The overhead per item as the goal means it: what the array and its merge cost in CPU beyond the single run, per toy,
# as a fraction of what a toy costs the single run; then the same extra CPU taken apart. Each process's CPU is its
# fixed cost plus its toys at its own steady rate, so: extra = (sum of the jobs' fixed - the single run's fixed)
# + (the jobs' toys at their rates - the single run's toys at its rate) + merge, exactly.
awk -v n="$array_n" -v j="$jobs" -v s="$single_cpu" -v a="$array_cpu" -v m="$merge_cpu" -v sw="$single_wall" -v aw="$array_wall" \
  -v ss="$single_steady" -v js="$job_steady" -v sr="$s_rate" -v sf="$s_fixed" -v jr="$job_rates" -v jf="$job_fixed" -v jt="$job_toys" 'BEGIN {
  extra = a + m - s
  toy = s / n
  printf "overhead per item: (array %.2f s + merge %.2f s - single %.2f s) / %d toys = %+.3f ms per toy = %+.2f %% of a toy of the single run (%.3f ms of CPU)\n",
    a, m, s, n, 1000 * extra / n, 100 * extra / s, 1000 * toy
  k = split(jr, rates, " "); split(jf, fixed, " "); split(jt, count, " ")
  fixedSum = 0; steadyTerm = 0; fixedAll[1] = sf
  for (i = 1; i <= k; i++) { fixedSum += fixed[i]; steadyTerm += count[i] * rates[i] / 1000; fixedAll[i + 1] = fixed[i] }
  steadyTerm -= n * sr / 1000
  printf "taken apart: extra jobs fixed %+.2f s (jobs %.2f s - single %.2f s), toys at each process'"'"'s steady rate %+.2f s, merge %.2f s\n",
    fixedSum - sf, fixedSum, sf, steadyTerm, m
  k2 = split(js, steady, " ")
  if (ss + 0 > 0) {
    printf "steady worker ms/toy: single %.4f, jobs", ss
    for (i = 1; i <= k2; i++) printf " %.4f (%+.2f %%)", steady[i], 100 * (steady[i] / ss - 1)
    printf "\n"
  }
  # The structural overhead of an array of jobs of size T toys: each job pays one fixed cost that a single run would
  # pay once, and every record passes through the merge. F = median fixed cost of the processes measured here.
  for (i = 1; i <= k + 1; i++) for (l = i + 1; l <= k + 1; l++) if (fixedAll[l] < fixedAll[i]) { t = fixedAll[i]; fixedAll[i] = fixedAll[l]; fixedAll[l] = t }
  F = (k + 1) % 2 ? fixedAll[(k + 2) / 2] : (fixedAll[(k + 1) / 2] + fixedAll[(k + 1) / 2 + 1]) / 2
  rate = sr / 1000
  mrec = m / n
  printf "fixed cost per job (median of %d processes): %.2f s of CPU; merge %.2f us per record (%.2f %% of a steady toy, %.4f ms)\n", k + 1, F, 1e6 * mrec, 100 * mrec / rate, 1000 * rate
  printf "overhead per item for jobs of T toys, (F + T x merge per record) / (T x steady toy):"
  split("10000 30000 100000 300000 1000000", sizes, " ")
  for (i = 1; i <= 5; i++) printf " %d toys (%.0f s): %.2f %%;", sizes[i], sizes[i] * rate, 100 * (F / sizes[i] + mrec) / rate
  printf "\n"
  room = 0.01 - mrec / rate
  if (room > 0 && F > 0) printf "below 1 %% per item for jobs of >= %.0f toys (%.0f s of steady toys each)\n", F / (room * rate), F / room
  else printf "the merge alone is >= 1 %% of a toy, or no fixed cost was measured\n"
  printf "wall: single %.2f s, array jobs %.2f s\n", sw, aw
}'
echo "merged file identical to the single run: $same"
