#!/usr/bin/env bash
# What server.stats costs: pad.create throughput with and without an admin
# polling server.stats every 100 ms, in one run against one padlined.
# Rounds alternate the order (off,on / on,off) so drift in the machine's load
# falls on both sides; prints every round and the medians. Needs the stack
# and a build (build/, or BUILD_DIR; measure a Release build).
#   bench/stats.sh [SECONDS_PER_RUN] [ROUNDS] [CLIENTS]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
secs=${1:-5}
rounds=${2:-6}
clients=${3:-16}
poll_ms=${STATS_POLL_MS:-100}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
eval "$("$repo/scripts/stack" env)"
schema=bench_stats_$$
user=benchstats
pw='Bench-stats-Passw0rd!'
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
log=$(mktemp /tmp/padlined-stats.XXXXXX.log)
export PADLINE_SCHEMA=$schema PADLINE_SECRET=bench-secret-0123456789 PADLINE_LOG=warn
[ -d "$repo/templates" ] && export PADLINE_TEMPLATES_DIR=$repo/templates
"$build/server/padlined" --listen "127.0.0.1:$port" 2>"$log" &
pid=$!
cleanup() {
	kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	"$pg_bin/psql" "$DATABASE_URL" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
	rm -f "$log"
}
trap cleanup EXIT
for _ in $(seq 300); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
	sleep 0.1
done
printf '%s\n' "$pw" | "$build/server/padlined" create-user "$user" --admin >/dev/null 2>>"$log"
echo "padlined pid $pid, schema $schema, workers ${PADLINE_WORKERS:-4 (default)}, $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"

run() { # stats_ms → prints tps
	local out
	out=$("$build/bench/bench_pads" --port "$port" --user "$user" \
		--password "$pw" --clients "$clients" --seconds "$secs" --get 0 \
		--stats-ms "$1")
	echo "$out" | head -1 >&2
	echo "$out" | sed -n 's/.* tps=\([0-9.]*\).*/\1/p'
}
off=() on=()
for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then
		off+=("$(run 0)") on+=("$(run "$poll_ms")")
	else
		on+=("$(run "$poll_ms")") off+=("$(run 0)")
	fi
done
python3 - "$clients" "$poll_ms" "${off[*]}" "${on[*]}" <<'PY'
import statistics, sys
clients, poll = sys.argv[1], sys.argv[2]
off = [float(x) for x in sys.argv[3].split()]
on = [float(x) for x in sys.argv[4].split()]
print("\n%6s %14s %14s" % ("round", "create/s", "create/s +stats"))
for i, (a, b) in enumerate(zip(off, on), 1):
    print("%6d %14.1f %14.1f" % (i, a, b))
mo, mn = statistics.median(off), statistics.median(on)
print("%6s %14.1f %14.1f   difference %+.2f %% (median; %s clients, stats every %s ms)"
      % ("median", mo, mn, (mn - mo) / mo * 100, clients, poll))
print("%6s %14.1f %14.1f   difference %+.2f %%" % ("total", sum(off), sum(on), (sum(on) - sum(off)) / sum(off) * 100))
PY
