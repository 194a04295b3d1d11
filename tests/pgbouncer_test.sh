#!/usr/bin/env bash
# padlined through PgBouncer in transaction pooling (Debian's 1.18): the pad
# and user suites run with their padlined connecting through a PgBouncer
# started here, PADLINE_DB_PREPARE=off. default_pool_size=1 multiplexes every
# padlined connection onto one server connection, so named statements (one
# per padlined connection) would collide there at once; unnamed ones do
# not. The suites' own checks go to PostgreSQL directly. search_path comes
# from PgBouncer's connect_query, as docs/operations.md tells operators.
set -uo pipefail

build=${PADLINE_BUILD_DIR:?}
src=${PADLINE_SOURCE_DIR:?}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
suites=${PGBOUNCER_SUITES:-e2e_pads e2e_pads_access e2e_admin}
fail=0
bad() { echo "pgbouncer_test: $*" >&2; fail=1; }

command -v pgbouncer >/dev/null || { echo "pgbouncer_test: pgbouncer missing (scripts/deps installs it)" >&2; exit 1; }
[ -n "${DATABASE_URL:-}" ] || eval "$("$src/scripts/stack" env)"
pg_port=$(python3 -c 'import sys,urllib.parse as u;print(u.urlparse(sys.argv[1]).port or 5432)' "$DATABASE_URL")
pg_user=$(python3 -c 'import sys,urllib.parse as u;print(u.urlparse(sys.argv[1]).username)' "$DATABASE_URL")
pg_db=$(python3 -c 'import sys,urllib.parse as u;print(u.urlparse(sys.argv[1]).path.lstrip("/"))' "$DATABASE_URL")
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
schema=t_bouncer_$$
dir=$(mktemp -d /tmp/pl-pgbouncer-XXXXXX)
chmod 755 "$dir"
cat >"$dir/pgbouncer.ini" <<INI
[databases]
$pg_db = host=127.0.0.1 port=$pg_port dbname=$pg_db user=$pg_user connect_query='SET search_path TO $schema, public'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 1
max_client_conn = 1000
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
touch "$dir/pgbouncer.log"
run_as=()
if [ "$(id -u)" = 0 ]; then
	chown postgres "$dir" "$dir/pgbouncer.log"
	run_as=(runuser -u postgres --)
fi
"${run_as[@]}" pgbouncer "$dir/pgbouncer.ini" >/dev/null 2>&1 &
bouncer=$!
cleanup() {
	kill "$bouncer" 2>/dev/null; wait "$bouncer" 2>/dev/null
	"$pg_bin/psql" "$DATABASE_URL" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT
url="postgresql://$pg_user@127.0.0.1:$port/$pg_db"
for _ in $(seq 600); do
	"$pg_bin/psql" "$url" -Atqc 'SELECT 1' >/dev/null 2>&1 && break
	kill -0 "$bouncer" 2>/dev/null || { cat "$dir/pgbouncer.log" >&2; bad "pgbouncer exited"; exit 1; }
	sleep 0.1
done
mode=$("$pg_bin/psql" "postgresql://pgbouncer@127.0.0.1:$port/pgbouncer" -Atc 'SHOW CONFIG' 2>/dev/null | grep '^pool_mode|' | cut -d'|' -f2)
[ "$mode" = transaction ] || bad "pgbouncer is not in transaction pooling (pool_mode=$mode)"

for suite in $suites; do
	echo "pgbouncer_test: $suite through pgbouncer :$port (transaction pooling, PADLINE_DB_PREPARE=off)"
	if ! PADLINE_TEST_SCHEMA=$schema PADLINE_TEST_SERVER_DATABASE_URL=$url \
		PADLINE_DB_PREPARE=off "$build/tests/$suite" >"$dir/$suite.log" 2>&1; then
		grep -v 'drop cascades\|^DETAIL\|^NOTICE' "$dir/$suite.log" | tail -20 >&2
		bad "$suite failed through pgbouncer"
	fi
done
# The suites' padlined really went through it.
logins=$(grep -c "login attempt: db=$pg_db" "$dir/pgbouncer.log" || true)
[ "${logins:-0}" -gt 0 ] || bad "no client logged in through pgbouncer"
echo "pgbouncer_test: $logins client logins through pgbouncer"

[ $fail = 0 ] && echo "pgbouncer_test: ok"
exit $fail
