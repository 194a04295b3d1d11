# Sourced by bench scripts that measure the database's commit path: a
# PostgreSQL cluster of the bench's own (BENCH_PG_DIR, default .bench-pg/
# in the repository; port BENCH_PG_PORT, default 54347), durable by default
# as users run it (fsync, synchronous_commit and full_page_writes on,
# Debian's defaults), or with the test stack's settings (fsync and
# full_page_writes off) when BENCH_PG=fast. The test stack's PostgreSQL
# runs without fsync, where a commit costs no disk flush, so it cannot
# show what group commit does. Starts the cluster with the mode's
# settings (restarting it if it runs with the others), stops it on exit
# (bench_pg_stop), and exports DATABASE_URL (and BENCH_DATABASE_URL, which
# padlined.sh keeps over the stack's) for it: over TCP on 127.0.0.1, or
# over the cluster's Unix socket when BENCH_PG_VIA=socket (as a local
# PostgreSQL is often reached; loopback TCP charges each sender the
# receiving side's TCP work too). Sets bench_pg_mode and bench_pg_data.
bench_pg_mode=${BENCH_PG:-durable}
bench_pg_data=${BENCH_PG_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.bench-pg}
bench_pg_port=${BENCH_PG_PORT:-54347}
bench_pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
case $bench_pg_mode in
durable) bench_pg_opts="-c fsync=on -c synchronous_commit=on -c full_page_writes=on" ;;
fast) bench_pg_opts="-c fsync=off -c synchronous_commit=on -c full_page_writes=off" ;;
*) echo "BENCH_PG is durable or fast, not $bench_pg_mode" >&2; exit 2 ;;
esac
bench_as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
bench_pg_stop() {
	[ -f "$bench_pg_data/pg/postmaster.pid" ] || return 0
	bench_as_pg "$bench_pg_bin/pg_ctl" -D "$bench_pg_data/pg" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}
if [ ! -f "$bench_pg_data/pg/PG_VERSION" ]; then
	mkdir -p "$bench_pg_data/pg" "$bench_pg_data/run"
	if [ "$(id -u)" = 0 ]; then
		d=$bench_pg_data
		while [ "$d" != / ]; do chmod o+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done
		chown postgres: "$bench_pg_data/pg" "$bench_pg_data/run"
		chmod 700 "$bench_pg_data/pg"
	fi
	bench_as_pg "$bench_pg_bin/initdb" -D "$bench_pg_data/pg" -U padline --auth=trust -E UTF8 \
		--locale=C.UTF-8 >"$bench_pg_data/initdb.log" 2>&1 ||
		{ cat "$bench_pg_data/initdb.log" >&2; exit 1; }
	cat >>"$bench_pg_data/pg/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$bench_pg_data/run'
max_connections = 300
log_min_messages = warning
CONF
fi
bench_pg_stop # the settings are the mode's only when started with them
bench_as_pg "$bench_pg_bin/pg_ctl" -D "$bench_pg_data/pg" -l "$bench_pg_data/run/pg.log" -w -t 60 \
	-o "-p $bench_pg_port $bench_pg_opts" start >/dev/null ||
	{ tail -20 "$bench_pg_data/run/pg.log" >&2; exit 1; }
"$bench_pg_bin/psql" -h 127.0.0.1 -p "$bench_pg_port" -U padline -d postgres -Atqc \
	"SELECT 1 FROM pg_database WHERE datname = 'padline'" | grep -q 1 ||
	"$bench_pg_bin/createdb" -h 127.0.0.1 -p "$bench_pg_port" -U padline padline
case ${BENCH_PG_VIA:-tcp} in
tcp) export BENCH_DATABASE_URL="postgresql://padline@127.0.0.1:$bench_pg_port/padline" ;;
socket) export BENCH_DATABASE_URL="postgresql://padline@/padline?host=$bench_pg_data/run&port=$bench_pg_port" ;;
*) echo "BENCH_PG_VIA is tcp or socket, not $BENCH_PG_VIA" >&2; exit 2 ;;
esac
export DATABASE_URL=$BENCH_DATABASE_URL
echo "PostgreSQL: $bench_pg_mode ($bench_pg_opts), port $bench_pg_port, over ${BENCH_PG_VIA:-tcp}" >&2
