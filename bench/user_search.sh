#!/usr/bin/env bash
# user.list search latency at 1 000 000 users (issue 11 item 5): a scratch
# schema gets a million users in one INSERT ... SELECT generate_series (no
# argon2: password_hash stays NULL), ANALYZE; then user.list through
# padlined, p50/p99 per kind of search: 3+ character substrings (found and
# not found), 1-2 characters (found and not found), no search, and the
# other sort orders; then the plans padlined ran (auto_explain samples, so
# the figures include a few EXPLAIN ANALYZE runs). Needs the stack and a
# build (build/, or BUILD_DIR; measure a Release build).
#   bench/user_search.sh [USERS [ITERATIONS]]
set -euo pipefail
users=${1:-1000000}
iterations=${2:-200}
# Plans come back to padlined as notices (its stderr, $log): a sample of
# the statements is explained with ANALYZE.
export PGOPTIONS="-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=0 -c auto_explain.sample_rate=0.03 -c auto_explain.log_analyze=on -c auto_explain.log_buffers=on -c auto_explain.log_level=notice"
ADMIN=1 . "$(dirname "$0")/padlined.sh" bench_usearch benchadmin
unset PGOPTIONS # padlined's, not psql's
psql() { "$pg_bin/psql" "$DATABASE_URL" -v ON_ERROR_STOP=1 -qAt "$@"; }

t0=$(date +%s)
psql <<SQL
SET search_path TO $schema, public;
SET maintenance_work_mem = '256MB';
-- Hex names and emails (md5): any 3 characters of one are a realistic
-- search, and 'q' or 'zq' are in no name and no email (the worst case).
INSERT INTO users (username, email, created_at)
SELECT left(md5(g::text), 12),
       left(md5(g::text || 'e'), 8) || '@' ||
           (ARRAY['example.org', 'mail.test', 'corp.example'])[g % 3 + 1],
       now() - g * interval '20 seconds'
FROM generate_series(1, $users) g;
VACUUM ANALYZE users;
SQL
echo "fixture: $(psql -c "SELECT count(*) FROM $schema.users") users ($(( $(date +%s) - t0 )) s to insert and analyze)"
echo "padlined workers ${PADLINE_WORKERS:-auto (2 per core, at least 4)}, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
samples=$(psql -c "SELECT string_agg(substr(username, 1 + (random() * 5)::int, 3 + (random() * 3)::int), ' ') FROM (SELECT username FROM $schema.users ORDER BY random() LIMIT 200) s")

python3 - "$port" "$user" "$pw" "$iterations" "$samples" <<'PY'
import json, socket, sys, time
port, user, pw, n, samples = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5].split()
s = socket.create_connection(("127.0.0.1", port))
f = s.makefile("rb")
rid = 0
def call(method, params):
    global rid
    rid += 1
    s.sendall((json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}) + "\n").encode())
    while True:
        r = json.loads(f.readline())
        if r.get("id") == rid:
            return r
r = call("session.login", {"username": user, "password": pw})
assert "result" in r, r
cases = [
    ("3-6 chars, found", [{"query": q} for q in samples]),
    ("3-4 chars, none", [{"query": q} for q in ["qzx", "zqzq", "xyzq", "qqq"]]),
    ("1-2 chars, found", [{"query": q} for q in ["a", "7", "e3", "0f"]]),
    ("1-2 chars, none", [{"query": q} for q in ["q", "zq", "qy", "z"]]),
    ("no search", [{}]),
    ("no search, page 2", None),
    ("sort username", [{"sort": "username"}]),
    ("sort email", [{"sort": "email"}]),
    ("3+ found, by name", [{"query": q, "sort": "username"} for q in samples]),
]
first = call("user.list", {"limit": 100})["result"]["next"]
cases[5] = ("no search, page 2", [{"before": first}])
print("user.list, limit 100, %d calls per case (ms, client to padlined and back):" % n)
for name, plist in cases:
    ts, found, slow = [], 0, []
    for i in range(n):
        p = dict(plist[i % len(plist)], limit=100)
        t = time.perf_counter()
        r = call("user.list", p)
        ts.append((time.perf_counter() - t) * 1000)
        assert "result" in r, r
        found += len(r["result"]["users"])
        slow.append((ts[-1], p.get("query", "")))
    ts.sort()
    slow.sort(reverse=True)
    print("  %-20s p50 %8.2f  p99 %8.2f  max %8.2f  (%.0f rows a page; slowest: %s)" % (
        name, ts[len(ts) // 2], ts[min(len(ts) - 1, int(len(ts) * 0.99))], ts[-1], found / n,
        ", ".join("%r %.0f ms" % (q, t) for t, q in slow[:2])))
PY

python3 - "$log" <<'PY'
import re, sys
text = open(sys.argv[1], errors="replace").read()
plans = re.split(r"(?m)^NOTICE:  duration: ", text)[1:]
shown = set()
for p in plans:
    head, _, rest = p.partition("Query Text: ")
    # The statement runs until the plan's first node ("Limit  (cost=...").
    m = re.search(r"(?m)^\s*(Query Parameters: (.*)\n)?(\S.*\(cost=[\s\S]*)", rest)
    if not m or "FROM users u" not in rest[:m.start()]:
        continue
    query, params, plan = rest[:m.start()], m.group(2) or "", m.group(3)
    # PostgreSQL 15 logs no parameters: the pattern is in the custom plan.
    pat = re.search(r"~~\*? (?:lower\()?(?:like_escape\()?'([^']*)'", plan)
    key = pat.group(1) if pat else None
    kind = ("no search" if key is None else
            "%d chars, any part" % (len(key) - 2) if key.startswith("%") else
            "%d chars, the start" % (len(key) - 1))
    order = re.search(r"ORDER BY (.+?) (?:ASC|DESC)", query)
    empty = re.search(r"actual time=\S+ rows=0 ", plan.split("\n")[0])
    tag = "%s, %s, by %s" % (kind, "nothing found" if empty else "found",
                            order.group(1) if order else "?")
    if tag in shown:
        continue
    shown.add(tag)
    print("\n==== user.list, %s: EXPLAIN (ANALYZE, BUFFERS) ====" % tag)
    print("duration: " + head.strip())
    print(plan.rstrip())
PY
