#!/usr/bin/env bash
# pad.create/s for one padlined, three behind HAProxy (TCP mode, round
# robin), and one through PgBouncer (transaction pooling, 4 server
# connections, PADLINE_DB_PREPARE=off), at each client count, in one run on
# one schema. Needs the stack, haproxy and pgbouncer, and a build (build/, or
# BUILD_DIR; measure a Release build).
#   bench/scale.sh [SECONDS] [CLIENTS...]
set -euo pipefail
secs=${1:-10}
shift || true
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(16 64)
. "$(dirname "$0")/padlined.sh" bench_scale benchscale
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_port() { # port pid
	for _ in $(seq 300); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
dir=$(mktemp -d /tmp/pl-scale-XXXXXX)
chmod 755 "$dir"
pids=()
scale_cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	rm -rf "$dir"
	bench_cleanup
}
trap scale_cleanup EXIT

# Two more instances on the schema, and HAProxy over all three.
ports=("$port")
for i in 2 3; do
	p=$(free_port)
	"$build/server/padlined" --listen "127.0.0.1:$p" 2>>"$log" &
	pids+=($!)
	wait_port "$p" $! || { cat "$log"; exit 1; }
	ports+=("$p")
done
lb=$(free_port)
{
	printf 'defaults\n  mode tcp\n  timeout connect 2s\n  timeout client 120s\n  timeout server 120s\n'
	printf 'frontend fe\n  bind 127.0.0.1:%s\n  default_backend be\n' "$lb"
	printf 'backend be\n  balance roundrobin\n'
	for i in 0 1 2; do printf '  server s%d 127.0.0.1:%s\n' "$i" "${ports[$i]}"; done
} >"$dir/haproxy.cfg"
haproxy -db -q -f "$dir/haproxy.cfg" &
pids+=($!)
wait_port "$lb" $! || { echo "haproxy did not start"; exit 1; }

# PgBouncer in front of PostgreSQL, and a padlined through it.
pg_port=$(python3 -c 'import sys,urllib.parse as u;print(u.urlparse(sys.argv[1]).port or 5432)' "$DATABASE_URL")
pg_user=$(python3 -c 'import sys,urllib.parse as u;print(u.urlparse(sys.argv[1]).username)' "$DATABASE_URL")
pg_db=$(python3 -c 'import sys,urllib.parse as u;print(u.urlparse(sys.argv[1]).path.lstrip("/"))' "$DATABASE_URL")
bport=$(free_port)
cat >"$dir/pgbouncer.ini" <<INI
[databases]
$pg_db = host=127.0.0.1 port=$pg_port dbname=$pg_db user=$pg_user
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bport
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 4
max_client_conn = 1000
logfile = $dir/pgbouncer.log
INI
touch "$dir/pgbouncer.log"
run_as=()
if [ "$(id -u)" = 0 ]; then chown postgres "$dir" "$dir/pgbouncer.log"; run_as=(runuser -u postgres --); fi
"${run_as[@]}" pgbouncer "$dir/pgbouncer.ini" >/dev/null 2>&1 &
pids+=($!)
wait_port "$bport" $! || { cat "$dir/pgbouncer.log"; exit 1; }
pb=$(free_port)
DATABASE_URL="postgresql://$pg_user@127.0.0.1:$bport/$pg_db" PADLINE_DB_PREPARE=off \
	"$build/server/padlined" --listen "127.0.0.1:$pb" 2>>"$log" &
pids+=($!)
wait_port "$pb" $! || { cat "$log"; exit 1; }
echo "schema $schema, $(nproc) cores, workers ${PADLINE_WORKERS:-auto (2 per core, at least 4)} per padlined, load: $(cut -d' ' -f1-3 /proc/loadavg)"

run() { # port clients → prints tps
	local out
	out=$("$build/bench/bench_pads" --port "$1" --user "$user" --password "$pw" \
		--clients "$2" --seconds "$secs" --get 0)
	echo "  $(echo "$out" | head -2 | tr '\n' ' ')" >&2
	echo "$out" | sed -n 's/.* tps=\([0-9.]*\).*/\1/p'
}
rows=()
for c in "${counts[@]}"; do
	echo "clients=$c: one, three behind haproxy, one through pgbouncer" >&2
	one=$(run "$port" "$c")
	three=$(run "$lb" "$c")
	bouncer=$(run "$pb" "$c")
	rows+=("$(printf '%8d %14s %14s %14s' "$c" "$one" "$three" "$bouncer")")
done
printf '\n%8s %14s %14s %14s\n' clients one three+haproxy one+pgbouncer
printf '%s\n' "${rows[@]}"
echo "pad.create/s over TCP (each a transaction: insert, audit row, commit, publish)"
