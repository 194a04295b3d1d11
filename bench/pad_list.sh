#!/usr/bin/env bash
# pad.list / pad.get latency at scale: a fresh schema holding 100 000 pads,
# 10 000 of them the caller's (plus 20 of other users shared with them),
# inserted with SQL; then bench_pad_list against a padlined on it, then the
# plans of the list statements as padlined runs them (auto_explain, EXPLAIN
# ANALYZE of a steady-state execution, read from the stack's PostgreSQL
# log): the first page of each sort, a later page of a keyset walk, and a
# search. Needs the stack and a build (build/, or BUILD_DIR;
# measure a Release build).
#   bench/pad_list.sh [ITERATIONS]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
iterations=${1:-2000}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
eval "$("$repo/scripts/stack" env)"
schema=bench_list_$$
user=benchlist
pw='Bench-list-Passw0rd!'
log=$(mktemp /tmp/padlined-list.XXXXXX.log)
export PADLINE_SCHEMA=$schema PADLINE_SECRET=bench-secret-0123456789 PADLINE_LOG=warn
[ -d "$repo/templates" ] && export PADLINE_TEMPLATES_DIR=$repo/templates
psql() { "$pg_bin/psql" "$DATABASE_URL" -v ON_ERROR_STOP=1 -qAt "$@"; }
pid=
start() { # extra PGOPTIONS for padlined's connections
	port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
	PGOPTIONS="$1" "$build/server/padlined" --listen "127.0.0.1:$port" 2>>"$log" &
	pid=$!
	for _ in $(seq 600); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
		sleep 0.1
	done
	echo "padlined did not listen"; exit 1
}
stop() { kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; }
cleanup() {
	stop
	psql -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
	rm -f "$log"
}
trap cleanup EXIT

start ""
printf '%s\n' "$pw" | "$build/server/padlined" create-user "$user" >/dev/null 2>>"$log"
t0=$(date +%s)
psql <<SQL
SET search_path TO $schema, public;
INSERT INTO users (username)
SELECT 'bench_other_' || g FROM generate_series(1, 900) g;
-- 90 000 pads of 900 other users, ~500 bytes of data each.
INSERT INTO pads (owner_id, display_name, data, size, created_at, updated_at)
SELECT u.id, 'Pad ' || g, d.data, octet_length(d.data::text), t.t, t.t
FROM users u
CROSS JOIN generate_series(1, 100) g
CROSS JOIN LATERAL (SELECT jsonb_build_object('title', 'Pad ' || g, 'n', g,
    'body', repeat('lorem ipsum ', 40)) AS data) d
CROSS JOIN LATERAL (SELECT now() - random() * interval '365 days' + g * interval '0 s' AS t) t
WHERE u.username LIKE 'bench\_other\_%';
-- 10 000 of the caller's.
INSERT INTO pads (owner_id, display_name, data, size, created_at, updated_at)
SELECT u.id, 'Note ' || g || ' ' || left(md5(g::text), 8), d.data,
       octet_length(d.data::text), t.t, t.t
FROM users u
CROSS JOIN generate_series(1, 10000) g
CROSS JOIN LATERAL (SELECT jsonb_build_object('title', 'Note ' || g, 'n', g,
    'body', repeat('lorem ipsum ', 40)) AS data) d
CROSS JOIN LATERAL (SELECT now() - random() * interval '365 days' + g * interval '0 s' AS t) t
WHERE u.username = '$user';
INSERT INTO pad_shares (pad_id, user_id)
SELECT p.id, me.id FROM users me, pads p JOIN users o ON o.id = p.owner_id
WHERE me.username = '$user' AND o.username LIKE 'bench\_other\_%'
ORDER BY p.id LIMIT 20;
VACUUM ANALYZE pads;
VACUUM ANALYZE pad_shares;
VACUUM ANALYZE users;
SQL
echo "fixture: $(psql -c "SELECT count(*) FROM $schema.pads") pads," \
	"$(psql -c "SELECT count(*) FROM $schema.pads p JOIN $schema.users u ON u.id = p.owner_id WHERE u.username = '$user'") the caller's," \
	"$(psql -c "SELECT count(*) FROM $schema.pad_shares") shared with them ($(( $(date +%s) - t0 )) s)"
echo "padlined workers ${PADLINE_WORKERS:-auto (2 per core, at least 32)}, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/bench_pad_list" --port "$port" --user "$user" --password "$pw" --iterations "$iterations"
stop

# The plans: every statement padlined runs is explained after it ran, into
# the stack's PostgreSQL log (padlined logs a notice only as one quoted,
# shortened line), read from where it stood before this run.
pglog=${PADLINE_STACK_DIR:-$repo/.stack}/pgrun/pg.log
[ -r "$pglog" ] || { echo "no PostgreSQL log at $pglog: plans not shown"; exit 0; }
from=$(stat -c %s "$pglog")
start "-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=0 -c auto_explain.log_analyze=on -c auto_explain.log_buffers=on -c auto_explain.log_timing=on -c auto_explain.log_level=log"
"$build/bench/bench_pad_list" --port "$port" --user "$user" --password "$pw" --iterations 300 >/dev/null
stop
python3 - "$pglog" "$from" <<'PY'
import re, sys
with open(sys.argv[1], errors="replace") as f:
    f.seek(int(sys.argv[2]))
    text = f.read()
# An entry is its first line and the tab-indented lines after it.
plans = []
for p in re.split(r"LOG:  duration: ", text)[1:]:
    lines = p.split("\n")
    keep = [lines[0]]
    for l in lines[1:]:
        if not l.startswith("\t"):
            break
        keep.append(l[1:])
    plans.append("\n".join(keep))
# The last first-page plan of each pad.list statement shape (sort / search),
# after the warm-up executions: what a steady-state request runs. A first
# page of 100 reads 101 rows (one more says whether a next page exists);
# searches may find fewer.
# bench_pad_list asks the first pages of each sort and search, then walks
# every page of the default sort: a "created" plan after the searches is a
# later page (the one from the middle of the walk is shown).
last, took, walk, searched = {}, {}, [], False
for p in plans:
    m = re.search(r"Query Text: (.*)", p)
    if not m or "UNION ALL" not in m.group(1):
        continue
    top = next((l for l in p.split("\n") if "Limit" in l), "")
    if "ILIKE" not in m.group(1) and "rows=101 loops=1" not in top:
        continue
    q = m.group(1)
    key = ("name" if "lower(p.display_name)" in q else
           "updated" if "p.updated_at, p.id) <" in q else "created")
    key += " + q" if "ILIKE" in q else ""
    searched = searched or "ILIKE" in q
    if key == "created" and searched:
        walk.append("duration: " + p.strip())
        key = "later page"
    else:
        last[key] = "duration: " + p.strip()
    took.setdefault(key, []).append(float(p.split(" ms", 1)[0]))
if walk:
    last["later page"] = walk[len(walk) // 2]
print("\nserver-side execution of the list statement (auto_explain with ANALYZE,"
      " so a little slower than plain):")
for key, ms in sorted(took.items()):
    ms.sort()
    print("  %-12s n=%-5d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f" % (
        key, len(ms), ms[len(ms) // 2], ms[int(len(ms) * 0.99)], ms[-1]))
for key in ["created", "later page", "updated", "name", "created + q"]:
    if key in last:
        print("\n==== pad.list sort=%s: EXPLAIN (ANALYZE, BUFFERS) ====" % key)
        plan = last[key]
        text = re.search(r"Query Text: (.*)", plan).group(1)
        print(re.sub(r"(?m)^\s*Query Text: .*\n", "", plan))
        print("statement:", re.sub(r"\s+", " ", text))
PY
