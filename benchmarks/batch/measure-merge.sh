#!/usr/bin/env bash
# CPU cost of `nextstat merge` per record. Writes a job array of N toys in JOBS shards with HOST (2 threads per
# job, only the files matter), then REPS times, interleaved: merge (shards with completion records: copied without
# reading the records), merge --verify (every record checked), merge --help (process start only), and `cat` of the
# shards into one file plus `sync` of it (what copying the bytes costs the kernel). OLD_HOST=DIR adds a row for a
# host built before completion records (it checks every record).
#
#   HOST=DIR [OLD_HOST=DIR] benchmarks/batch/measure-merge.sh [WORKSPACE.json] [N] [JOBS] [REPS]
#
# CPU time is user + system of the whole process (/usr/bin/time).
set -euo pipefail
source "$(dirname "$0")/common.sh"

workspace=${1:-samples/data/sample_workspace.json}
n=${2:-20000}
jobs=${3:-2}
reps=${4:-5}
require_host

for ((job = 1; job <= jobs; job++)); do
  "$host" batch-fit --input "$workspace" --output-dir "$work/array" --n-toys "$n" --threads 2 --seed 7 \
    --job-id "$job" --total-jobs "$jobs" >/dev/null 2>&1
done
bytes=$(cat "$work"/array/toys_*.jsonl | wc -c)
echo "$n records in $jobs shards, $bytes bytes"
echo
rows=("merge" "merge --verify" "merge --help" "cat + sync")
if [ -n "${OLD_HOST:-}" ]; then rows=("old host merge" "${rows[@]}"); fi

cpu() { awk '{printf "%.3f", $1 + $2}' "$work/time.txt"; }
declare -A results
for ((rep = 1; rep <= reps; rep++)); do
  for row in "${rows[@]}"; do
    rm -f "$work/merged.jsonl"
    case $row in
      "old host merge") /usr/bin/time -f '%U %S' -o "$work/time.txt" "$OLD_HOST/nextstat" merge --input-dir "$work/array" --output "$work/merged.jsonl" >/dev/null ;;
      "merge") /usr/bin/time -f '%U %S' -o "$work/time.txt" "$host" merge --input-dir "$work/array" --output "$work/merged.jsonl" >/dev/null ;;
      "merge --verify") /usr/bin/time -f '%U %S' -o "$work/time.txt" "$host" merge --input-dir "$work/array" --output "$work/merged.jsonl" --verify >/dev/null ;;
      "merge --help") /usr/bin/time -f '%U %S' -o "$work/time.txt" "$host" merge --help >/dev/null ;;
      "cat + sync") /usr/bin/time -f '%U %S' -o "$work/time.txt" sh -c 'cat "$1"/array/toys_*.jsonl >"$1/merged.jsonl" && sync "$1/merged.jsonl"' sh "$work" ;;
    esac
    results[$row]+=" $(cpu)"
  done
done

echo "| CPU s (user + system) | runs | median | µs per record (median) |"
echo "|---|---|---:|---:|"
for row in "${rows[@]}"; do
  read -r -a values <<<"${results[$row]}"
  median=$(printf '%s\n' "${values[@]}" | sort -g | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
  echo "| $row | ${values[*]} | $median | $(awk -v m="$median" -v n="$n" 'BEGIN {printf "%.2f", 1e6 * m / n}') |"
done
