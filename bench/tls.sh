#!/usr/bin/env bash
# What TLS costs: starts two padlined on one fresh schema, one plaintext and
# one with a throwaway self-signed certificate, creates a user, then runs
# bench_tls (server.health and pad.create at C clients over each, then TLS
# handshakes/s), with the CPU each padlined spent per request: the client
# shares the machine's cores, so the throughput ratio alone overstates the
# server's TLS cost. Needs the stack and a build (build/, or BUILD_DIR;
# measure a Release build). BENCH_TLS_ARGS adds bench_tls options
# ("--method server.health --handshake-threads 0" to profile one method).
#   bench/tls.sh [SECONDS] [CLIENTS]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
secs=${1:-10}
clients=${2:-16}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
eval "$("$repo/scripts/stack" env)"
schema=bench_tls_$$
user=benchtls
pw='Bench-tls-Passw0rd!'
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
port=$(free_port)
tport=$(free_port)
tmp=$(mktemp -d /tmp/padline-bench-tls.XXXXXX)
export PADLINE_SCHEMA=$schema PADLINE_SECRET=bench-secret-0123456789 PADLINE_LOG=warn
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj /CN=localhost -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
"$build/server/padlined" --listen "127.0.0.1:$port" 2>"$tmp/plain.log" &
pid=$!
wait_port() {
	for _ in $(seq 300); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || { cat "$3"; exit 1; }
		sleep 0.1
	done
	return 1
}
tpid=
cleanup() {
	kill "$pid" $tpid 2>/dev/null && wait "$pid" $tpid 2>/dev/null || true
	"$pg_bin/psql" "$DATABASE_URL" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
wait_port "$port" "$pid" "$tmp/plain.log"
# The second one starts on the migrated schema.
PADLINE_TLS_CERT=$tmp/cert.pem PADLINE_TLS_KEY=$tmp/key.pem \
	"$build/server/padlined" --listen "127.0.0.1:$tport" 2>"$tmp/tls.log" &
tpid=$!
wait_port "$tport" "$tpid" "$tmp/tls.log"
printf '%s\n' "$pw" | "$build/server/padlined" create-user "$user" >/dev/null
echo "padlined x2 (plain $port, tls $tport), schema $schema, workers ${PADLINE_WORKERS:-auto (2 per core, at least 4)}, $(nproc) cores, $(openssl version)"
"$build/bench/bench_tls" --port "$port" --tls-port "$tport" --user "$user" \
	--password "$pw" --clients "$clients" --seconds "$secs" --pids "$pid,$tpid" ${BENCH_TLS_ARGS:-}
