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

# worker_cpu TIMING_FILE…: the summed cpu_seconds of the records in the timing sidecars (the workers' CPU in their items).
worker_cpu() {
  sed -n 's/.*"cpu_seconds":\([0-9.eE+-]*\).*/\1/p' "$@" | awk '{s += $1} END {printf "%.6f\n", s}'
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

# alternate SECONDS SLICE: the processes in pids take turns, each running alone for SLICE seconds while the others
# are stopped, until each has run SECONDS in total; all are left stopped.
alternate() {
  local total=$1 slice=$2 elapsed=0 pid
  while awk -v e="$elapsed" -v t="$total" 'BEGIN {exit !(e < t)}'; do
    for pid in "${pids[@]}"; do
      kill -CONT "$pid"
      sleep "$slice"
      kill -STOP "$pid"
    done
    elapsed=$(awk -v e="$elapsed" -v s="$slice" 'BEGIN {print e + s}')
  done
}

# The whole-run slicing below uses bash builtins only while a side runs, so that no process of ours competes with it.
# idle: a descriptor that never has data; read's timeout on it is a sleep without a new process.
exec {idle}<> <(:)

# now_us: sets t to the time in microseconds (a variable, not a command substitution, which would start a process).
now_us() { t=${EPOCHREALTIME/./}; t=$((10#$t)); }

# exited PID: true once the process is gone or a zombie (a child that exited stays visible until waited for).
exited() {
  local stat
  [ -r "/proc/$1/stat" ] || return 0
  read -r stat <"/proc/$1/stat" || return 0
  stat=${stat##*) }
  [ "${stat%% *}" = Z ]
}

# run_sliced SLICE_US: the process groups led by the stopped children in pids run one at a time, each for SLICE_US
# microseconds in turn (every process of the group stopped in between), until all have ended; running[i] is then the
# summed time side i ran, up to its end (polled every 5 ms). Exits the script if a side fails.
run_sliced() {
  local slice_us=$1 side pid start
  local -a finished=()
  running=()
  for side in "${!pids[@]}"; do running[side]=0; finished[side]=0; done
  while [[ " ${finished[*]} " == *" 0 "* ]]; do
    for side in "${!pids[@]}"; do
      [ "${finished[side]}" -eq 0 ] || continue
      pid=${pids[side]}
      now_us
      start=$t
      kill -CONT -- "-$pid"
      while now_us && ((t - start < slice_us)) && ! exited "$pid"; do
        read -r -t 0.005 -u "$idle" || true
      done
      exited "$pid" || kill -STOP -- "-$pid"
      now_us
      running[side]=$((running[side] + t - start))
      if exited "$pid"; then
        wait "$pid" || { echo "side $side of the sliced run failed" >&2; exit 1; }
        finished[side]=1
      fi
    done
  done
}
