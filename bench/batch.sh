#!/usr/bin/env bash
# 100 pad.get as one JSON-RPC batch against 100 pipelined request lines, on
# one connection of a fresh padlined, in one run (bench_batch alternates
# them). Needs the stack (scripts/stack start) and a build (build/, or
# BUILD_DIR; measure a Release build).
#   bench/batch.sh [N] [ROUNDS]
set -euo pipefail
n=${1:-100}
rounds=${2:-50}
export PADLINE_MAX_BATCH=$((n > 100 ? n : 100))
. "$(dirname "$0")/padlined.sh" bench_batch benchbatch
echo "padlined pid $pid, workers ${PADLINE_WORKERS:-auto (2 per core, at least 4)}, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/bench_batch" --port "$port" --user "$user" --password "$pw" \
	--n "$n" --rounds "$rounds"
