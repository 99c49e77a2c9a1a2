#!/usr/bin/env bash
# A SLURM job array of toy fits: each array task runs its share of the toys and writes OUTPUT_DIR/toys_NNNN.jsonl.
#
#   sbatch --array=1-20 samples/scripts/slurm_toys.sh WORKSPACE.json N_TOYS OUTPUT_DIR [SEED] [more batch-fit flags]
#   nextstat merge --input-dir OUTPUT_DIR --output OUTPUT_DIR/toys.jsonl
#
# The task finds its shard from SLURM_ARRAY_TASK_ID/COUNT/MIN/STEP (any range and step, e.g. --array=0-38:2).
# A task that died is rerun with the same command restricted to its id (sbatch --array=7 …): it resumes its file.
# Set NEXTSTAT to the command that starts the console host when it is not on PATH: best the host published with the
# cluster profile (README, "Job arrays"), which starts each task from precompiled code, e.g.
#   NEXTSTAT=~/nextstat/nextstat sbatch --export=ALL --array=1-20 samples/scripts/slurm_toys.sh …
#
#SBATCH --job-name=nextstat-toys
#SBATCH --cpus-per-task=2
#SBATCH --time=02:00:00
#SBATCH --output=nextstat-toys_%A_%a.log
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: sbatch --array=1-N $0 WORKSPACE.json N_TOYS OUTPUT_DIR [SEED] [batch-fit flags…]" >&2
  exit 2
fi
if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
  echo "$0: not an array task; submit with sbatch --array=1-N" >&2
  exit 2
fi

workspace=$1
n_toys=$2
output_dir=$3
seed=${4:-42}
shift $(( $# >= 4 ? 4 : 3 ))

read -r -a nextstat <<<"${NEXTSTAT:-nextstat}"
mkdir -p "$output_dir"

# --threads follows the CPUs SLURM granted; the job id and count come from the SLURM_ARRAY_* variables.
exec "${nextstat[@]}" batch-fit \
  --input "$workspace" \
  --n-toys "$n_toys" \
  --output-dir "$output_dir" \
  --seed "$seed" \
  --threads "${SLURM_CPUS_PER_TASK:-1}" \
  "$@"
