# Sourced by the measure-*.sh scripts so that each runs the same way: from the repository root (the paths they take
# and print are relative to it), with a scratch directory that goes away however the script ends.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# require_host: sets host to the nextstat in HOST (publishing it is left to the caller: a composite image takes
# minutes, and comparing hosts wants the same image in every run).
require_host() {
  host=${HOST:?HOST must name a directory with a published nextstat}/nextstat
}

# median_ms: the median of the seconds on stdin (one a line) in milliseconds, "-" when there are none.
median_ms() {
  sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "-"; else printf "%.4f\n", 1000 * (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'
}

# job_cost TIMING_FILE PROCESS_CPU_S WARM: what one batch-fit process cost beyond its toys, from its timing sidecar
# (process_cpu_seconds at each record). Prints "steady_ms fixed_s before_s warmup_s exit_s worker_ms toys": the process's
# CPU per toy from its WARM-th toy on (all threads), the process CPU less its toys at that rate, split into the CPU
# before the first toy, the excess of the first WARM toys over that rate, and the CPU after the last record; and the
# median worker CPU per toy from the WARM-th toy on, and the number of toys. Toys are counted by position in the file, so a job of an array
# (whose indices start at its block) is read the same way as a single run.
job_cost() {
  sed -n 's/{"index":[0-9]*,"seconds":[0-9.eE+-]*,"cpu_seconds":\([0-9.eE+-]*\),"process_cpu_seconds":\([0-9.eE+-]*\)}/\1 \2/p' "$1" >"$work/records.txt"
  local worker
  worker=$(awk -v w="$3" 'NR > w {print $1}' "$work/records.txt" | median_ms)
  awk -v w="$3" -v total="$2" -v worker="$worker" '
    NR == 1 {before = $2 - $1}
    NR == w + 1 {mid = $2}
    {last = $2}
    END {
      n = NR
      steady = (last - mid) / (n - 1 - w)
      printf "%.4f %.3f %.3f %.3f %.3f %s %d\n", 1000 * steady, total - n * steady, before, mid - before - w * steady, total - last, worker, n
    }' "$work/records.txt"
}

# parse_setting SETTING: a label and comma-joined assignments ("pgo-off,DOTNET_TieredPGO=0"; "default" alone changes
# nothing). Sets label, run_host (host=DIR picks the nextstat published in DIR, otherwise $host) and assignments (the
# environment assignments, for env).
parse_setting() {
  local parts part
  IFS=, read -r -a parts <<<"$1"
  label=${parts[0]}
  run_host=$host
  assignments=()
  for part in "${parts[@]:1}"; do
    case $part in
      host=*) run_host=${part#host=}/nextstat ;;
      *) assignments+=("$part") ;;
    esac
  done
}
