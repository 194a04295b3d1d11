#!/usr/bin/env bash
# Registration throughput at 2, 16 and 200 concurrent connections, each
# against a fresh padlined (so its peak RSS belongs to that run) with the
# production argon2id limits unless PADLINE_PWHASH_* say otherwise, and the
# ceiling it is held to: cores ÷ one argon2id hash time (the target is 0.9
# of that). Needs the stack (scripts/stack start) and a build (build/, or
# BUILD_DIR; measure a Release build).
#   bench/register.sh [C ...]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
eval "$("$repo/scripts/stack" env)"
ulimit -n "$(ulimit -Hn)"
levels=("$@")
[ ${#levels[@]} -gt 0 ] || levels=(2 16 200)
echo "cpus: $(nproc)  padlined: ${BUILD_DIR:-$repo/build}/server/padlined  load: $(uptime)"
for c in "${levels[@]}"; do
	port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
	schema=bench_register_$$_$c
	log=$(mktemp /tmp/padlined-register.XXXXXX.log)
	PADLINE_SCHEMA=$schema PADLINE_SECRET=bench-secret-0123456789 PADLINE_LOG=warn \
	PADLINE_MAX_CONNECTIONS_PER_IP=$((c + 8)) \
		"${BUILD_DIR:-$repo/build}/server/padlined" --listen "127.0.0.1:$port" 2>"$log" &
	pid=$!
	for _ in $(seq 300); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
		sleep 0.1
	done
	out=$("${BUILD_DIR:-$repo/build}/bench/bench_register" --port "$port" --conns "$c" --pid "$pid") || true
	echo "$out"
	# The ceiling: every core hashing all the time.
	echo "$out" | python3 -c '
import re, sys, os
t = sys.stdin.read()
m = re.search(r"throughput=([0-9.]+) .*argon2id_hash=([0-9.]+) ms", t)
if m:
    reg, h = float(m.group(1)), float(m.group(2))
    ceil = os.cpu_count() * 1000.0 / h
    print("       ceiling=%.1f reg/s (cores/hash)  achieved=%.2f of it  target 0.90" % (ceil, reg / ceil))
' 
	if kill "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null || true
	else
		wait "$pid" 2>/dev/null || echo "  padlined exited during the run (status $?); log: $log"
		continue
	fi
	psql "$DATABASE_URL" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
	rm -f "$log"
done
