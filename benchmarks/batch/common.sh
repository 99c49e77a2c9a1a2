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
