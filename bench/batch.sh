#!/usr/bin/env bash
# 100 pad.get as one JSON-RPC batch against 100 pipelined request lines, on
# one connection of a fresh padlined, in one run (bench_batch alternates
# them). Needs the stack (scripts/stack start) and a build (build/, or
# BUILD_DIR; measure a Release build).
#   bench/batch.sh [N] [ROUNDS]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
n=${1:-100}
rounds=${2:-50}
eval "$("$repo/scripts/stack" env)"
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
schema=bench_batch_$$
log=$(mktemp /tmp/padlined-batch.XXXXXX.log)
export PADLINE_SCHEMA=$schema PADLINE_SECRET=bench-secret-0123456789 PADLINE_LOG=warn
export PADLINE_MAX_BATCH=$((n > 100 ? n : 100))
"$build/server/padlined" --listen "127.0.0.1:$port" 2>"$log" &
pid=$!
cleanup() {
	kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	psql "$DATABASE_URL" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
}
trap cleanup EXIT
for _ in $(seq 300); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
	sleep 0.1
done
pw='Bench-batch-Passw0rd!'
printf '%s\n' "$pw" | "$build/server/padlined" create-user benchbatch >/dev/null 2>>"$log"
echo "padlined pid $pid, workers ${PADLINE_WORKERS:-4 (default)}, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/bench_batch" --port "$port" --user benchbatch --password "$pw" \
	--n "$n" --rounds "$rounds"
