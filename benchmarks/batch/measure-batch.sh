#!/usr/bin/env bash
# Measures the streaming batch runner end to end through the console host: peak RSS of 1,000 vs 10,000 toy fits,
# toys/s with 1 vs 2 threads, and the cost of splitting a run into a job array (merged bytes checked equal).
# Results go to stdout as Markdown rows; copy them into benchmarks/RESULTS.batch.md with the date and machine.
#
#   benchmarks/batch/measure-batch.sh [WORKSPACE.json] [SMALL_N] [LARGE_N]
set -euo pipefail
cd "$(dirname "$0")/../.."

workspace=${1:-samples/data/sample_workspace.json}
small=${2:-1000}
large=${3:-10000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dotnet build samples/NextStat.Cli/NextStat.Cli.csproj -c Release -o "$work/bin" >/dev/null
host=(dotnet "$work/bin/nextstat.dll")

# run LABEL OUTDIR ARGS…: prints "LABEL wall_s max_rss_mb toys_per_s" (wall and RSS from /usr/bin/time -v).
run() {
  local label=$1 out=$2
  shift 2
  /usr/bin/time -v -o "$work/time.txt" "${host[@]}" batch-fit --input "$workspace" --output-dir "$out" "$@" \
    >"$work/summary.json" 2>"$work/stderr.txt"
  local wall rss rate
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$work/time.txt")
  rss=$(awk '/Maximum resident set size/ {printf "%.1f", $NF/1024}' "$work/time.txt")
  rate=$(sed -n 's/.*"toys_per_second": \([0-9.]*\).*/\1/p' "$work/summary.json")
  echo "$label $wall $rss $rate"
}

echo "| run | wall s | peak RSS MB | toys/s (in-run) |"
echo "|---|---|---|---|"
for spec in "small-2t:$small:2" "large-2t:$large:2" "small-1t:$small:1"; do
  IFS=: read -r label n threads <<<"$spec"
  read -r l wall rss rate < <(run "$label" "$work/$label" --n-toys "$n" --threads "$threads" --seed 7)
  echo "| $n toys, $threads thread(s) | $wall | $rss | $rate |"
done

# The same small run as a 4-job array, jobs one after another on this machine, then merged.
total_wall=0
for job in 1 2 3 4; do
  read -r l wall rss rate < <(run "job$job" "$work/array" --n-toys "$small" --threads 2 --seed 7 --job-id "$job" --total-jobs 4)
  echo "| job $job/4 of $small toys, 2 threads | $wall | $rss | $rate |"
  total_wall=$(awk -v a="$total_wall" -v b="$wall" 'BEGIN {print a + b}')
done
"${host[@]}" merge --input-dir "$work/array" --output "$work/merged.jsonl" >/dev/null
if cmp -s "$work/merged.jsonl" "$work/small-2t/toys.jsonl"; then same=yes; else same=NO; fi
echo
echo "array total wall: $total_wall s; merged file identical to the single run: $same"
