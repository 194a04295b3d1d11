#!/usr/bin/env bash
# padlined through PgBouncer in transaction pooling (Debian's 1.18): the pad
# and user suites run with their padlined connecting through a PgBouncer
# started here, PADLINE_DB_PREPARE=off. default_pool_size=1 multiplexes every
# padlined connection onto one server connection, so named statements (one
# per padlined connection) would collide there at once; unnamed ones do
# not. The suites' own checks go to PostgreSQL directly. No connect_query
# sets a search_path on the server connections, and each is reset after every
# transaction (server_reset_query_always): padlined names its schema in every
# statement (the migrations runner sets it inside each transaction), so it
# never depends on what a server connection's session was given.
set -uo pipefail

build=${PADLINE_BUILD_DIR:?}
src=${PADLINE_SOURCE_DIR:?}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
suites=${PGBOUNCER_SUITES:-e2e_pads_crud e2e_pads_backups e2e_pads_access e2e_admin}
fail=0
bad() { echo "pgbouncer_test: $*" >&2; fail=1; }

command -v pgbouncer >/dev/null || { echo "pgbouncer_test: pgbouncer missing (scripts/deps installs it)" >&2; exit 1; }
[ -n "${DATABASE_URL:-}" ] || eval "$("$src/scripts/stack" env)"
pg_port=$(python3 -c 'import sys,urllib.parse as u;print(u.urlparse(sys.argv[1]).port or 5432)' "$DATABASE_URL")
pg_user=$(python3 -c 'import sys,urllib.parse as u;print(u.urlparse(sys.argv[1]).username)' "$DATABASE_URL")
pg_db=$(python3 -c 'import sys,urllib.parse as u;print(u.urlparse(sys.argv[1]).path.lstrip("/"))' "$DATABASE_URL")
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
schema=t_bouncer_$$
mschema=t_bouncer_mig_$$
dir=$(mktemp -d /tmp/pl-pgbouncer-XXXXXX)
chmod 755 "$dir"
cat >"$dir/pgbouncer.ini" <<INI
[databases]
$pg_db = host=127.0.0.1 port=$pg_port dbname=$pg_db user=$pg_user
padline_mig = host=127.0.0.1 port=$pg_port dbname=$pg_db user=$pg_user pool_size=3

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 1
max_client_conn = 1000
; Every server connection is reset after each transaction, so nothing a
; client set on it for the session (a search_path) is there for the next.
server_reset_query = DISCARD ALL
server_reset_query_always = 1
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
	"$pg_bin/psql" "$DATABASE_URL" -qc "DROP SCHEMA IF EXISTS $mschema CASCADE" >/dev/null 2>&1
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

# Migrating through PgBouncer in transaction pooling: three `padlined
# migrate` at once on a fresh schema, over three server connections, with
# Redis unreachable so that only the PostgreSQL advisory lock keeps them
# apart. Each step must be applied exactly once, every run must end, and no
# migration lock may stay held afterwards (a session-level lock released
# through another server connection would).
mig_url="postgresql://$pg_user@127.0.0.1:$port/padline_mig"
dead_redis="redis://127.0.0.1:$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')/0"
migrate_bounced() { # migrate_bounced LOG
	PADLINE_SCHEMA=$mschema DATABASE_URL=$mig_url REDIS_URL=$dead_redis PADLINE_DB_PREPARE=off \
		timeout 300 "${PADLINE_BIN:-$build/server/padlined}" migrate >"$1" 2>&1
}
pids=()
for i in 1 2 3; do
	migrate_bounced "$dir/migrate$i.log" &
	pids+=($!)
done
for i in 1 2 3; do
	wait "${pids[$((i - 1))]}" || { tail -5 "$dir/migrate$i.log" >&2; bad "migrator $i through pgbouncer failed"; }
done
versions=$(ls "$src/migrations" | grep '^[0-9].*\.sql$' | grep -vc '\.down\.sql$')
rows=$("$pg_bin/psql" "$DATABASE_URL" -Atc "SELECT count(*) FROM $mschema.schema_migrations" 2>&1)
[ "$rows" = "$versions" ] || bad "schema_migrations has $rows rows after migrating through pgbouncer, want $versions"
applied=$(cat "$dir"/migrate[123].log | grep -c 'migration applied' || true)
[ "$applied" = "$versions" ] || bad "$applied steps applied by three migrators, want each of $versions once"
held=$("$pg_bin/psql" "$DATABASE_URL" -Atc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid::bigint = (hashtext('padline:migrate:' || '$mschema')::bigint & 4294967295)")
[ "$held" = 0 ] || bad "the migration lock is still held ($held) after the migrators ended"
migrate_bounced "$dir/migrate4.log" || { tail -5 "$dir/migrate4.log" >&2; bad "a fourth migrate through pgbouncer failed"; }
[ $fail = 0 ] && echo "pgbouncer_test: migrated a fresh schema through pgbouncer (3 at once, $versions steps, lock released)"

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
