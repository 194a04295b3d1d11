#!/usr/bin/env bash
# Pad throughput, padlined against pgbench on the same database: starts a
# padlined on a fresh schema, creates a user, then for each client count runs
# bench_pads (pad.create + pad.get over TCP, C connections, 10 s) and pgbench
# with bench/pads.pgbench (the same create transaction sent directly), and
# prints both TPS and their ratio. Needs the stack and a build (build/, or
# BUILD_DIR; measure a Release build).
#   bench/pads.sh [SECONDS] [CLIENTS...]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
secs=${1:-10}
shift || true
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 16 64)
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
eval "$("$repo/scripts/stack" env)"
schema=bench_pads_$$
user=benchpads
pw='Bench-pads-Passw0rd!'
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
log=$(mktemp /tmp/padlined-pads.XXXXXX.log)
export PADLINE_SCHEMA=$schema PADLINE_SECRET=bench-secret-0123456789 PADLINE_LOG=warn
export PADLINE_MAX_CONNECTIONS_PER_IP=1024 # every client is on 127.0.0.1
[ -d "$repo/templates" ] && export PADLINE_TEMPLATES_DIR=$repo/templates
"$build/server/padlined" --listen "127.0.0.1:$port" 2>"$log" &
pid=$!
cleanup() {
	kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	"$pg_bin/psql" "$DATABASE_URL" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
}
trap cleanup EXIT
for _ in $(seq 300); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
	sleep 0.1
done
printf '%s\n' "$pw" | "$build/server/padlined" create-user "$user" >/dev/null 2>>"$log"
owner=$("$pg_bin/psql" "$DATABASE_URL" -Atc "SELECT id FROM $schema.users WHERE username = '$user'")
[ -n "$owner" ] || { echo "could not create $user"; cat "$log"; exit 1; }
echo "padlined pid $pid, schema $schema, workers ${PADLINE_WORKERS:-4 (default)}, $(nproc) cores"

run_bench() { # clients, with_get → prints tps
	local out
	out=$("$build/bench/bench_pads" --port "$port" --user "$user" \
		--password "$pw" --clients "$1" --seconds "$secs" --get "$2")
	echo "$out" >&2
	echo "$out" | sed -n 's/.* tps=\([0-9.]*\).*/\1/p'
}
results=()
for c in "${counts[@]}"; do
	pair=$(run_bench "$c" 1)
	create=$(run_bench "$c" 0)
	gout=$(PGOPTIONS="-c search_path=$schema" "$pg_bin/pgbench" -n \
		-f "$repo/bench/pads.pgbench" -D owner="$owner" -c "$c" \
		-j $((c < 2 ? c : 2)) -T "$secs" "$DATABASE_URL" 2>&1)
	gtps=$(echo "$gout" | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
	echo "pgbench clients=$c: $(echo "$gout" | grep -E '^(latency average|tps|number of failed)' | tr '\n' ' ')" >&2
	results+=("$(python3 -c "print('%8d %12.1f %12.1f %12.1f %9.2f %9.2f' % ($c, $pair, $create, $gtps, $create / $gtps, $pair / $gtps))")")
done
printf '\n%8s %12s %12s %12s %9s %9s\n' clients create+get create pgbench create/pg pairs/pg
printf '%s\n' "${results[@]}"
cat <<'NOTE'
create+get: pad.create + pad.get loops/s over TCP (one create transaction each)
create:     pad.create/s alone; pgbench: the same create transaction/s sent directly
NOTE
