# Sourced by the bench scripts: starts one padlined on a fresh schema and a
# free port, with a user NAME (admin when ADMIN=1) whose password is $pw,
# and drops the schema on exit. Sets repo, build, pg_bin, schema, port, pid,
# log, padlined. PADLINED picks the server binary (e.g. another checkout's
# build, to compare before/after). Usage: . bench/padlined.sh PREFIX USERNAME
bench_prefix=$1
user=$2
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
padlined=${PADLINED:-$build/server/padlined}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
eval "$("$repo/scripts/stack" env)"
# A bench on its own PostgreSQL (bench_pg.sh) keeps the stack's Redis only.
[ -n "${BENCH_DATABASE_URL:-}" ] && export DATABASE_URL=$BENCH_DATABASE_URL
schema=${bench_prefix}_$$
pw='Bench-pads-Passw0rd!'
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
log=$(mktemp "/tmp/padlined-$bench_prefix.XXXXXX.log")
export PADLINE_SCHEMA=$schema PADLINE_SECRET=bench-secret-0123456789 PADLINE_LOG=warn
export PADLINE_MAX_CONNECTIONS_PER_IP=${PADLINE_MAX_CONNECTIONS_PER_IP:-1024} # every client is on 127.0.0.1
[ -d "$repo/templates" ] && export PADLINE_TEMPLATES_DIR=$repo/templates
# glibc's malloc tuned as the systemd unit (dist/padlined.service.in) runs
# it; GLIBC_TUNABLES set (even empty) overrides.
GLIBC_TUNABLES=${GLIBC_TUNABLES-glibc.malloc.tcache_count=32} \
	"$padlined" --listen "127.0.0.1:$port" 2>"$log" &
pid=$!
bench_cleanup() {
	kill -CONT "$pid" 2>/dev/null # a bench may have stopped it
	kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	"$pg_bin/psql" "$DATABASE_URL" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
	rm -f "$log"
}
trap bench_cleanup EXIT
for _ in $(seq 300); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
	sleep 0.1
done
admin_flag=()
[ "${ADMIN:-0}" = 1 ] && admin_flag=(--admin)
printf '%s\n' "$pw" | "$padlined" create-user "$user" "${admin_flag[@]}" >/dev/null 2>>"$log" ||
	{ echo "could not create $user"; cat "$log"; exit 1; }
