#!/usr/bin/env bash
# Where two hosts spend a toy, function by function, under matched host speed: the time-slicing of
# measure-alternating.sh (both run one long single-thread batch-fit, one at a time, SIGSTOP/SIGCONT every 0.5 s) with
# `perf record` attached to each process for the measured seconds. Prints each side's CPU samples per toy by function
# (all threads of the process; µs per toy at the sampling rate), the largest on the first side first.
# Compare groups of functions, not single names: the JIT inlines by its run-time profile (e.g. DenseCholesky.Invert
# into Minimizer.Covariance) where a native build keeps the call, so one function's cost shows under another name.
#
#   HOST=DIR benchmarks/batch/profile-alternating.sh [WORKSPACE.json] [SECONDS] [WARM_S] SETTING_A SETTING_B
#
# Settings as in measure-fixed.sh. The JIT host's compiled code is named through the runtime's perf map
# (DOTNET_PerfMapEnabled=1, set here for both sides; a native host ignores it and has its symbols in nextstat.dbg).
set -euo pipefail
source "$(dirname "$0")/common.sh"

workspace=${1:-samples/data/sample_workspace.json}
seconds=${2:-20}
warm_s=${3:-8}
shift $(($# < 3 ? $# : 3))
[ $# -eq 2 ] || { echo "need SETTING_A and SETTING_B" >&2; exit 2; }
require_host
command -v perf >/dev/null || { echo "perf is not installed (Debian: linux-perf)" >&2; exit 2; }

settings=("$@")
declare -a pids labels recorders skip
for side in 0 1; do
  parse_setting "${settings[side]}"
  labels[side]=$label
  mkdir -p "$work/$side"
  env DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 "${assignments[@]}" "$run_host" batch-fit \
    --input "$workspace" --output-dir "$work/$side/out" --n-toys 100000000 --threads 1 --seed 7 --chunk-size 64 \
    >/dev/null 2>&1 &
  pids[side]=$!
  kill -STOP "${pids[side]}"
done

alternate "$warm_s" 0.5
sleep 0.2
for side in 0 1; do
  skip[side]=$(wc -l <"$work/$side/out/toys.jsonl.timing")
  perf record -F 2000 -o "$work/$side/perf.data" -p "${pids[side]}" >/dev/null 2>&1 &
  recorders[side]=$!
done
# perf attaches while both sides are stopped: every sample falls in the alternating seconds
sleep 1
alternate "$seconds" 0.5
for side in 0 1; do kill -INT "${recorders[side]}"; done
wait "${recorders[@]}" || true
declare -a toys
for side in 0 1; do
  toys[side]=$(($(wc -l <"$work/$side/out/toys.jsonl.timing") - skip[side]))
  kill -TERM "${pids[side]}"
  kill -CONT "${pids[side]}"
  perf report -i "$work/$side/perf.data" --no-children --sort symbol -F sample,symbol 2>/dev/null |
    awk '!/^#/ && NF > 2 {n = $1; $1 = ""; $2 = ""; sub(/^ +/, ""); sub(/ +- +- *$/, ""); print n "\t" $0}' >"$work/$side.txt"
done
wait || true

echo "${labels[0]}: ${toys[0]} toys, ${labels[1]}: ${toys[1]} toys in the measured slices"
echo
echo "| function | ${labels[0]} µs/toy | ${labels[1]} µs/toy |"
echo "|---|---:|---:|"
awk -F'\t' -v t0="${toys[0]}" -v t1="${toys[1]}" '
  # one name for both kinds of symbol: "…Namespace.Type::Method(…)[Tier]" (perf map) and "Assembly_Namespace_Type__Method"
  function key(s,   m, parts, n, type) {
    if (match(s, /[A-Za-z0-9_+`<>]+::[A-Za-z0-9_<>]+\(/)) {
      m = substr(s, RSTART, RLENGTH - 1); sub(/::/, ".", m); n = split(m, parts, /[.+]/)
      return parts[n - 1] "." parts[n]
    }
    if (split(s, parts, /__/) >= 2) { n = split(parts[1], type, /_/); return type[n] "." parts[2] }
    return s
  }
  FNR == 1 {side++}
  {k = key($2); c[side, k] += $1; names[k] = 1; total[side] += $1}
  END {
    printf "| all | %.1f | %.1f |\n", 500 * total[1] / t0, 500 * total[2] / t1
    for (k in names) {
      a = 500 * c[1, k] / t0; b = 500 * c[2, k] / t1
      if (a >= 1 || b >= 1) printf "| %s | %.2f | %.2f |\n", k, a, b | "sort -t\"|\" -k3,3gr"
    }
  }' "$work/0.txt" "$work/1.txt"
