#!/usr/bin/env bash
# pad.create throughput, padlined against pgbench on the same database, in
# one run: starts a PostgreSQL of its own (bench_pg.sh: durable, fsync and
# synchronous commit on as users run it; BENCH_PG=fast for the test
# stack's fsync off; BENCH_PG_VIA=socket: over its Unix socket rather
# than TCP), a padlined on a fresh schema, creates a user, then
# for each client count runs, for SECONDS each:
#   padlined     bench_pads: pad.create over TCP (one transaction each)
#   pg prepared  pgbench -M prepared bench/pads_prepared.pgbench (the same
#                transaction: BEGIN, 2 INSERTs, COMMIT, values as parameters)
#   pg cte       pgbench -M prepared bench/pads_cte.pgbench (both INSERTs as
#                ONE statement: one round trip, the ceiling)
#   pg simple    (PG_SIMPLE=1 only) pgbench bench/pads.pgbench, the same
#                transaction in simple query mode
# and prints them with padlined's ratio to the prepared and CTE figures,
# and padlined's own CPU per pad.create (utime + stime of its process over
# its run, from /proc/PID/stat, divided by the creates). Throughput on a
# machine shared with other work moves with its load, so each line also
# gives the CPU each transaction cost (client + padlined + PostgreSQL, ms),
# which moves less. Needs the stack (for Redis) and a build (build/, or
# BUILD_DIR; measure a Release build; PADLINED picks another binary).
# ROUNDS=N (default 3) repeats the whole set N times and adds the medians:
# on a machine whose speed drifts, one round's figures are only comparable
# to each other.
#   bench/pads.sh [SECONDS] [CLIENTS...]     (default: 10 s, 16 and 64)
set -euo pipefail
secs=${1:-10}
shift || true
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(16 64)
. "$(dirname "$0")/bench_pg.sh"
. "$(dirname "$0")/padlined.sh" bench_pads benchpads
trap 'bench_cleanup; bench_pg_stop' EXIT
owner=$("$pg_bin/psql" "$DATABASE_URL" -Atc "SELECT id FROM $schema.users WHERE username = '$user'")
[ -n "$owner" ] || { echo "could not create $user"; cat "$log"; exit 1; }
echo "padlined pid $pid, schema $schema, workers ${PADLINE_WORKERS:-default}, pool ${PADLINE_POOL_SIZE:-default}, $(nproc) cores, PostgreSQL $bench_pg_mode"
echo "load before: $(uptime)"

postmaster=$(head -1 "$bench_pg_data/pg/postmaster.pid")
# CPU seconds used so far by PostgreSQL (the postmaster, the backends it
# reaped, the live ones) and, if given, one more process.
cpu_s() {
	python3 - "$postmaster" "${1:-}" <<'PY'
import os, sys
tck = os.sysconf("SC_CLK_TCK")
def st(pid):
    with open("/proc/%s/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()
pm = st(sys.argv[1])
t = sum(int(x) for x in pm[11:15])
for d in os.listdir("/proc"):
    if d.isdigit() and d != sys.argv[1]:
        try:
            f = st(d)
        except OSError:
            continue
        if f[1] == sys.argv[1]:
            t += int(f[11]) + int(f[12])
if sys.argv[2]:
    f = st(sys.argv[2])
    t += int(f[11]) + int(f[12])
print(t / tck)
PY
}
# Runs a client under /usr/bin/time; prints "tps cpu_ms_per_tx" where the
# CPU is the client's, PostgreSQL's and padlined's over the run.
measure() { # tps_parser, command...
	local parse=$1 before after out tps cpu
	shift
	before=$(cpu_s "$pid")
	out=$(/usr/bin/time -f 'client_cpu %U %S' "$@" 2>&1)
	after=$(cpu_s "$pid")
	tps=$(echo "$out" | sed -n "$parse")
	cpu=$(echo "$out" | sed -n 's/^client_cpu \([0-9.]*\) \([0-9.]*\)$/\1 \2/p')
	echo "$out" | grep -vE '^client_cpu' | grep -E 'tps|latency average|failed' | tr '\n' ' ' >&2
	echo >&2
	python3 -c "
tps, (u, s), b, a = $tps, '$cpu'.split(), $before, $after
print('%.1f %.3f' % (tps, (float(u) + float(s) + a - b) * 1000 / (tps * $secs)))"
}
# Clock ticks padlined's process (every thread) has used.
pl_ticks() { sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }'; }
padlined_run() { # clients → "tps cpu_ms padlined_cpu_us_per_create"
	local t0 t1 r
	echo -n "  padlined     c=$1: " >&2
	t0=$(pl_ticks)
	r=$(measure 's/.* tps=\([0-9.]*\).*/\1/p' "$build/bench/bench_pads" \
		--port "$port" --user "$user" --password "$pw" --clients "$1" \
		--seconds "$secs" --get 0)
	t1=$(pl_ticks)
	python3 -c "
import os; tps, cpu = '$r'.split()
print(tps, cpu, '%.1f' % (($t1 - $t0) / os.sysconf('SC_CLK_TCK') * 1e6 / (float(tps) * $secs)))"
}
# pgbench's audit rows are nobody's events, but padlined's relay would take
# them for a backlog and publish them (a lock, a PUBLISH and a mark each):
# during pgbench's next run, and during padlined's, whose figures then carry
# work that is not pad.create's (it made the 64-client runs, which follow
# pgbench's 16-client ones, look slower). So padlined is stopped while
# pgbench runs, and the rows are marked published before it goes on.
pgbench_run() { # label, clients, script, pgbench flags... → "tps cpu_ms"
	local label=$1 c=$2 script=$3 result
	shift 3
	echo -n "  $label c=$c: " >&2
	kill -STOP "$pid"
	result=$(PGOPTIONS="-c search_path=$schema" measure 's/^tps = \([0-9.]*\).*/\1/p' \
		"$pg_bin/pgbench" -n "$@" -f "$repo/bench/$script" \
		-D owner="$owner" -c "$c" -j $((c < 2 ? c : 2)) -T "$secs" \
		"$DATABASE_URL")
	"$pg_bin/psql" "$DATABASE_URL" -qc \
		"UPDATE $schema.audit_log SET published_at = now() WHERE published_at IS NULL" \
		-c "VACUUM $schema.audit_log" >/dev/null
	kill -CONT "$pid"
	# Only now: the caller reads this line and goes on at once.
	echo "$result"
}
# The values pad.create sends, as pgbench variables (-M prepared binds them
# as parameters).
vars=(-D 'data={"text":"hello pad","n":1}' -D action=pad.created
	-D 'tfmt=YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
results=()
rounds=${ROUNDS:-3}
for r in $(seq "$rounds"); do
	[ "$rounds" -gt 1 ] && echo "round $r of $rounds" >&2
	for c in "${counts[@]}"; do
		read -r pl plc plus < <(padlined_run "$c")
		simple=0 simplec=0
		[ "${PG_SIMPLE:-0}" = 1 ] &&
			read -r simple simplec < <(pgbench_run "pg simple  " "$c" pads.pgbench)
		read -r prep prepc < <(pgbench_run "pg prepared" "$c" pads_prepared.pgbench -M prepared "${vars[@]}")
		read -r cte ctec < <(pgbench_run "pg cte     " "$c" pads_cte.pgbench -M prepared "${vars[@]}")
		results+=("$c $pl $simple $prep $cte $plc $simplec $prepc $ctec $plus")
	done
done
echo "load after:  $(uptime)"
echo "PostgreSQL $bench_pg_mode; padlined $padlined, workers ${PADLINE_WORKERS:-default}, pool ${PADLINE_POOL_SIZE:-default}"
printf '\n%8s %10s %10s %10s %10s %8s %8s %8s   %s\n' clients padlined pg-simple pg-prep pg-cte pl/prep pl/cte pl-us \
	"CPU ms per transaction: padlined simple prep cte"
# One line per measurement; with ROUNDS > 1 then the median of each column
# per client count (the ratios are medians of the rounds' ratios: each
# round's figures were measured within a minute of each other).
printf '%s\n' "${results[@]}" | python3 -c '
import sys, statistics as st
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
def line(tag, c, v, rp, rc):
    print("%8s %10.0f %10.0f %10.0f %10.0f %8.2f %8.2f %8.1f   %6.3f %6.3f %6.3f %6.3f%s"
          % ((c,) + tuple(v[:4]) + (rp, rc, v[8]) + tuple(v[4:8]) + (tag,)))
for r in rows:
    line("", "%d" % r[0], r[1:], r[1] / r[3], r[1] / r[4])
counts = sorted(set(r[0] for r in rows), key=[r[0] for r in rows].index)
if len(rows) > len(counts):
    print()
    for c in counts:
        rs = [r for r in rows if r[0] == c]
        med = [st.median(col) for col in zip(*[r[1:] for r in rs])]
        line("   median of %d" % len(rs), "%d" % c, med,
             st.median(r[1] / r[3] for r in rs), st.median(r[1] / r[4] for r in rs))
'
cat <<'NOTE'
padlined: pad.create/s over TCP; pg-*: the same transaction/s sent directly
(simple query mode, only with PG_SIMPLE=1; -M prepared; both INSERTs as one
CTE statement, -M prepared). pl-us: padlined's own CPU per pad.create (us).
CPU ms: client + PostgreSQL (+ padlined) per transaction, whatever else runs.
NOTE
