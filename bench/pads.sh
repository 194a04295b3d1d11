#!/usr/bin/env bash
# pad.create throughput, padlined against pgbench on the same database, in
# one run: starts a padlined on a fresh schema, creates a user, then for
# each client count runs, for SECONDS each:
#   padlined     bench_pads: pad.create over TCP (one transaction each)
#   pg simple    pgbench bench/pads.pgbench (the same transaction, simple
#                query mode: BEGIN, 2 INSERTs, COMMIT, each a round trip)
#   pg prepared  pgbench -M prepared bench/pads_prepared.pgbench (the same,
#                values as parameters)
#   pg cte       pgbench -M prepared bench/pads_cte.pgbench (both INSERTs as
#                ONE statement: one round trip, what pipelining aims at)
# and prints them with padlined's ratio to the last two. Needs the stack and
# a build (build/, or BUILD_DIR; measure a Release build).
#   bench/pads.sh [SECONDS] [CLIENTS...]     (default: 10 s, 16 and 64)
set -euo pipefail
secs=${1:-10}
shift || true
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(16 64)
. "$(dirname "$0")/padlined.sh" bench_pads benchpads
owner=$("$pg_bin/psql" "$DATABASE_URL" -Atc "SELECT id FROM $schema.users WHERE username = '$user'")
[ -n "$owner" ] || { echo "could not create $user"; cat "$log"; exit 1; }
echo "padlined pid $pid, schema $schema, workers ${PADLINE_WORKERS:-4 (default)}, $(nproc) cores"
echo "load before: $(uptime)"

padlined_tps() { # clients → pad.create/s
	local out
	out=$("$build/bench/bench_pads" --port "$port" --user "$user" \
		--password "$pw" --clients "$1" --seconds "$secs" --get 0)
	echo "  padlined     c=$1: $out" >&2
	echo "$out" | sed -n 's/.* tps=\([0-9.]*\).*/\1/p'
}
pgbench_tps() { # label, clients, script, pgbench flags... → tps
	local label=$1 c=$2 script=$3 out
	shift 3
	out=$(PGOPTIONS="-c search_path=$schema" "$pg_bin/pgbench" -n "$@" \
		-f "$repo/bench/$script" -D owner="$owner" -c "$c" \
		-j $((c < 2 ? c : 2)) -T "$secs" "$DATABASE_URL" 2>&1)
	echo "  $label c=$c: $(echo "$out" | grep -E '^(latency average|tps|number of failed)' | tr '\n' ' ')" >&2
	echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
# The values pad.create sends, as pgbench variables (-M prepared binds them
# as parameters).
vars=(-D 'data={"text":"hello pad","n":1}' -D action=pad.created
	-D 'tfmt=YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
results=()
for c in "${counts[@]}"; do
	pl=$(padlined_tps "$c")
	simple=$(pgbench_tps "pg simple  " "$c" pads.pgbench)
	prep=$(pgbench_tps "pg prepared" "$c" pads_prepared.pgbench -M prepared "${vars[@]}")
	cte=$(pgbench_tps "pg cte     " "$c" pads_cte.pgbench -M prepared "${vars[@]}")
	results+=("$(python3 -c "print('%8d %10.0f %10.0f %10.0f %10.0f %8.2f %8.2f' % ($c, $pl, $simple, $prep, $cte, $pl / $prep, $pl / $cte))")")
done
echo "load after:  $(uptime)"
printf '\n%8s %10s %10s %10s %10s %8s %8s\n' clients padlined pg-simple pg-prep pg-cte pl/prep pl/cte
printf '%s\n' "${results[@]}"
cat <<'NOTE'
padlined: pad.create/s over TCP; pg-*: the same transaction/s sent directly
(simple query mode; -M prepared; both INSERTs as one CTE statement, -M prepared)
NOTE
