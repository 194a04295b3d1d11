#!/usr/bin/env bash
# Pad throughput, padlined against pgbench on the same database: starts a
# padlined on a fresh schema, creates a user, then for each client count runs
# bench_pads (pad.create + pad.get over TCP, C connections, 10 s) and pgbench
# with bench/pads.pgbench (the same create transaction sent directly), and
# prints both TPS and their ratio. Needs the stack and a build (build/).
#   bench/pads.sh [SECONDS] [CLIENTS...]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
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
[ -d "$repo/templates" ] && export PADLINE_TEMPLATES_DIR=$repo/templates
"$repo/build/server/padlined" --listen "127.0.0.1:$port" 2>"$log" &
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
printf '%s\n' "$pw" | "$repo/build/server/padlined" create-user "$user" >/dev/null 2>>"$log"
owner=$("$pg_bin/psql" "$DATABASE_URL" -Atc "SELECT id FROM $schema.users WHERE username = '$user'")
[ -n "$owner" ] || { echo "could not create $user"; cat "$log"; exit 1; }
echo "padlined pid $pid, schema $schema, workers ${PADLINE_WORKERS:-4} (default), $(nproc) cores"

printf '\n%8s %14s %14s %7s\n' clients padlined_tps pgbench_tps ratio
results=()
for c in "${counts[@]}"; do
	out=$("$repo/build/bench/bench_pads" --port "$port" --user "$user" \
		--password "$pw" --clients "$c" --seconds "$secs")
	echo "$out" >&2
	ptps=$(echo "$out" | sed -n 's/.* tps=\([0-9.]*\).*/\1/p')
	gout=$(PGOPTIONS="-c search_path=$schema" "$pg_bin/pgbench" -n \
		-f "$repo/bench/pads.pgbench" -D owner="$owner" -c "$c" \
		-j $((c < 2 ? c : 2)) -T "$secs" "$DATABASE_URL" 2>&1)
	gtps=$(echo "$gout" | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
	echo "pgbench: $(echo "$gout" | grep -E '^(latency average|tps|number of failed)' | tr '\n' ' ')" >&2
	ratio=$(python3 -c "print(f'{$ptps/$gtps:.2f}')")
	results+=("$(printf '%8s %14s %14s %7s' "$c" "$ptps" "$gtps" "$ratio")")
done
printf '\n%8s %14s %14s %7s\n' clients padlined_tps pgbench_tps ratio
printf '%s\n' "${results[@]}"
echo "padlined tps = pad.create+pad.get pairs/s (one create transaction each); pgbench tps = create transactions/s"
