#!/usr/bin/env bash
# Holds 10 000 idle connections (maximum: those + 1 probe) to a fresh padlined and reports its RSS and
# server.health p99 meanwhile, then shows the refusal past the maximum.
# Needs the stack (scripts/stack start) and a build (build/, or BUILD_DIR;
# PADLINED picks another server binary).
#   bench/conns.sh [CONNS]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
conns=${1:-10000}
eval "$("$repo/scripts/stack" env)"
ulimit -n "$(ulimit -Hn)"
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
log=$(mktemp /tmp/padlined-conns.XXXXXX.log)
PADLINE_SCHEMA=bench_conns PADLINE_SECRET=bench-secret-0123456789 \
PADLINE_MAX_CONNECTIONS=$((conns + 1)) PADLINE_LOG=warn \
PADLINE_MAX_CONNECTIONS_PER_IP=$((conns + 1)) \
	"${PADLINED:-${BUILD_DIR:-$repo/build}/server/padlined}" --listen "127.0.0.1:$port" 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done
"${BUILD_DIR:-$repo/build}/bench/bench_conns" --port "$port" --pid "$pid" --conns "$conns"
