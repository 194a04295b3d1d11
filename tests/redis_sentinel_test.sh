#!/usr/bin/env bash
# Redis Sentinel failovers under a steady stream of signups. The suite runs
# its own master, replica and three Sentinels (redis-server --sentinel) on
# free loopback ports; padlined and `padline watch` are given only the
# Sentinels (redis+sentinel://...). Round 1 kills the master: a Sentinel
# promotes the replica, the old master comes back empty and is made a
# replica. Round 2 hangs the master of the day (SIGSTOP) and keeps it
# hung until watch has caught up (its heartbeat must notice), then lets it
# return. After each round every signup's event has been
# published to the master of the day (its claim is there, not on a node
# that was wiped) and watch has shown each signup exactly once, padlined
# never restarted. Then a padlined pointed straight at a replica says
# redis "readonly" in server.health. Every wait is for the event under one
# generous timeout.
set -u
WAIT=${SENTINEL_TEST_WAIT:-180}
: "${PADLINE_BIN:?}" "${PADLINE_TUI_BIN:?}" "${DATABASE_URL:?}"
for tool in python3 psql redis-server redis-cli; do
	command -v "$tool" >/dev/null || { echo "redis_sentinel_test: $tool is not installed (run scripts/deps)" >&2; exit 1; }
done

T=$(mktemp -d /tmp/padline-sentinel.XXXXXX)
SCHEMA="t_sent_$$_$RANDOM"
CH="padline:events:$SCHEMA"
LOGDIR=${PADLINE_TEST_LOGS:-$T}
SLOG="$LOGDIR/redis_sentinel_test_$$.log"
CLIENT="python3 $(dirname "$0")/support/sentinel_client.py"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
PIDS=()
. "$(dirname "$0")/support/check_lib.sh"

cleanup() {
	local p
	exec 2>/dev/null # no "Killed" notices
	for p in "${PIDS[@]}"; do
		kill -CONT "$p" 2>/dev/null
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	psql "$DATABASE_URL" -qc "DROP SCHEMA IF EXISTS \"$SCHEMA\" CASCADE" >/dev/null 2>&1
	# SENTINEL_TEST_KEEP=1 keeps the logs and outputs for a look.
	[ -n "${SENTINEL_TEST_KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT

die() { echo "FAIL: $*"; echo "--- padlined log tail"; tail -20 "$SLOG"; exit 1; }
sql() { psql "$DATABASE_URL" -Atqc "SET search_path TO \"$SCHEMA\"; $1"; }

# Six free ports at once (held together, so never the same one twice).
read -r M R S1 S2 S3 PORT < <(python3 -c 'import socket
ss = [socket.socket() for _ in range(6)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')

pong() { [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ]; }
role() { redis-cli -p "$1" role 2>/dev/null | head -1; }
# node NAME PORT [ARGS...]: a Redis of the suite's, its pid in PID_NAME.
node() {
	local name=$1 port=$2
	shift 2
	mkdir -p "$T/$name"
	redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
		--dir "$T/$name" "$@" >>"$T/$name.log" 2>&1 &
	printf -v "PID_$name" %s $!
	PIDS+=($!)
	wait_until alive_pong $! "$port" || die "redis $name does not answer on $port: $(tail -3 "$T/$name.log")"
}
alive_pong() { pong "$2" && return 0; kill -0 "$1" 2>/dev/null || die "redis exited: $(tail -3 "$T"/*.log)"; return 1; }
sentinel() { # sentinel NAME PORT
	mkdir -p "$T/$1"
	printf '%s\n' "port $2" "bind 127.0.0.1" "dir $T/$1" \
		"sentinel monitor padline 127.0.0.1 $M 2" \
		"sentinel down-after-milliseconds padline 1000" \
		"sentinel failover-timeout padline 5000" >"$T/$1.conf"
	redis-server "$T/$1.conf" --sentinel >"$T/$1.log" 2>&1 &
	PIDS+=($!)
	wait_until alive_pong $! "$2" || die "Sentinel $1 does not answer on $2"
}
master_port() { redis-cli -p "$S1" sentinel get-master-addr-by-name padline 2>/dev/null | tail -1; }
quorum() { # every Sentinel knows the others and the replica
	local s
	for s in $S1 $S2 $S3; do
		redis-cli -p "$s" sentinel ckquorum padline 2>/dev/null | grep -q '^OK 3 usable' || return 1
		redis-cli -p "$s" sentinel replicas padline 2>/dev/null | grep -qx "$1" || return 1
	done
}
synced() { redis-cli -p "$1" info replication 2>/dev/null | grep -q '^master_link_status:up'; }

node m "$M"
node r "$R" --replicaof 127.0.0.1 "$M"
sentinel s1 "$S1"
sentinel s2 "$S2"
sentinel s3 "$S3"
wait_until synced "$R" || die "the replica does not sync"
wait_until quorum "$R" || die "the Sentinels do not see each other and the replica"

SURL="redis+sentinel://127.0.0.1:$S1,127.0.0.1:$S2,127.0.0.1:$S3/padline"
# SENTINEL_TEST_PLAIN=1 gives padlined and watch the first master's own
# address instead, as a deployment without Sentinel support must: how the
# loss this suite guards against is measured (round 1 only; it fails).
[ -n "${SENTINEL_TEST_PLAIN:-}" ] && SURL="redis://127.0.0.1:$M/0"
SECRET="sentinel-test-secret-$$"
PADLINE_LISTEN="127.0.0.1:$PORT" PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="$SECRET" REDIS_URL="$SURL" \
	PADLINE_PWHASH_OPSLIMIT=1 PADLINE_PWHASH_MEMLIMIT=8388608 PADLINE_LOG=debug "$PADLINE_BIN" >"$SLOG" 2>&1 &
SRV_PID=$!
PIDS+=($SRV_PID)
port_open() { (exec 6<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
server_up() { port_open "$PORT" || { kill -0 "$SRV_PID" 2>/dev/null || die "padlined exited"; return 1; }; }
wait_until server_up || die "padlined does not listen"
ADMIN_PW="Admin-Passw0rd!"
printf '%s\n' "$ADMIN_PW" | PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="$SECRET" REDIS_URL="$SURL" \
	"$PADLINE_BIN" create-user admin --admin >"$T/create.log" 2>&1 || die "create-user: $(cat "$T/create.log")"
TOKEN=$(printf '%s\n' "$ADMIN_PW" | $CLIENT "$PORT" login admin) || die "admin login"

# watch, given the Sentinels only (in its environment, never argv).
env PADLINE_TOKEN="$TOKEN" XDG_STATE_HOME="$T/state" PADLINE_DASH_REDIS_URL="$SURL" \
	"$PADLINE_TUI_BIN" watch --json --server "127.0.0.1:$PORT" >"$T/watch.out" 2>"$T/watch.err" &
PIDS+=($!)
wait_until grep -qs . "$T/watch.err" || die "watch says nothing"

# A plain subscriber that follows the master the Sentinels name, with no
# backfill: what a subscriber without events.since would have seen.
(
	while [ ! -e "$T/raw.stop" ]; do
		redis-cli -p "$(master_port)" --raw subscribe "$CH" >>"$T/raw" 2>/dev/null
		sleep 0.1
	done
) &
RAW_PID=$!
PIDS+=($RAW_PID)

shown() { grep -c '"username"' "$T/watch.out" 2>/dev/null || echo 0; }
registered() { cat "$T"/names.* 2>/dev/null | wc -l; }
more_registered() {
	[ "$(registered)" -ge "$1" ] && return 0
	kill -0 "$LOAD_PID" 2>/dev/null || die "the signups stopped: $(cat "$T"/load.*.err)"
	return 1
}
# load PREFIX: signups in the background until stop_load.
load() {
	rm -f "$T/load.stop"
	$CLIENT "$PORT" register "$1" "$T/names.$1" "$T/load.stop" 2>"$T/load.$1.err" &
	LOAD_PID=$!
	PIDS+=($LOAD_PID)
}
stop_load() { touch "$T/load.stop"; wait "$LOAD_PID" || fail "the signups stopped: $(cat "$T"/load.*.err)"; }
# each_once: every name registered appears in watch's output exactly once.
all_shown() {
	local n
	n=$(cat "$T"/names.* | python3 -c 'import json, sys
names = set(l.strip() for l in sys.stdin)
seen = {}
for line in open(sys.argv[1]):
    try:
        u = json.loads(line).get("username")
    except ValueError:
        continue
    if u is None:  # an alarm line
        continue
    seen[u] = seen.get(u, 0) + 1
print(sum(1 for n in names if seen.get(n, 0) >= 1))' "$T/watch.out")
	[ "$n" -eq "$(registered)" ]
}
each_once() {
	local dup
	wait_until all_shown || { fail "$1: watch showed $(shown) events of $(registered) signups"; return 1; }
	dup=$(python3 -c 'import collections, json, sys
c = collections.Counter()
for line in open(sys.argv[1]):
    try:
        c[json.loads(line).get("username")] += 1
    except ValueError:
        pass
c.pop(None, None)  # alarm lines
print(" ".join(n for n, k in c.items() if k > 1))' "$T/watch.out")
	[ -z "$dup" ] && ok "$1: watch showed each of $(registered) signups once" || fail "$1: shown twice: $dup"
}
unpublished() { [ "$(sql "SELECT count(*) FROM audit_log WHERE published_at IS NULL")" = 0 ]; }
# claimed PORT: every user.created event's claim (a key of the publishing
# script) is on that node: it was published to the master of the day, not
# to a node whose data was then thrown away.
claimed() {
	local missing
	missing=$(comm -23 <(sql "SELECT id FROM audit_log WHERE action = 'user.created'" | sort) \
		<(redis-cli -p "$1" --scan --pattern "$CH:sent:*" | awk -F: '{print $(NF-1)}' | sort -u))
	[ -z "$missing" ] && ok "$2: every event was published to the master" ||
		fail "$2: $(echo "$missing" | wc -l) events published where no one could see them"
}
raw_seen() { grep -F user.created "$T/raw" 2>/dev/null | grep -c -F "\"$1"; }

# ---- round 1: the master is killed, later returns empty ----
load kill
wait_until more_registered 30 || die "no signups: $(cat "$T"/load.*.err)"
{ kill -9 "$PID_m" && wait "$PID_m"; } 2>/dev/null
wait_until eval '[ "$(master_port)" = "$R" ]' || die "no failover to the replica"
ok "the Sentinels promoted the replica"
N=$(registered)
wait_until more_registered $((N + 30)) || die "signups stopped after the failover"
node m "$M"
wait_until eval '[ "$(role "$M")" = slave ]' || die "the old master was not made a replica"
wait_until synced "$M" || die "the old master does not sync from the new one"
N=$(registered)
wait_until more_registered $((N + 30)) || die "signups stopped after the old master returned"
stop_load
each_once "master killed"
wait_until unpublished || fail "events left unpublished: $(sql "SELECT count(*) FROM audit_log WHERE published_at IS NULL")"
claimed "$R" "master killed"
echo "figure: master killed: watch showed $(shown) of $(registered); a subscriber without backfill saw $(raw_seen kill) of $(registered)"
touch "$T/raw.stop"
kill "$RAW_PID" 2>/dev/null
[ -n "${SENTINEL_TEST_PLAIN:-}" ] && exit 1

# ---- round 2: the master hangs (its connections stay open) ----
load hung
wait_until more_registered $(($(registered) + 30)) || die "no signups in round 2"
kill -STOP "$PID_r"
wait_until eval '[ "$(master_port)" = "$M" ]' || die "no failover from the hung master"
ok "the Sentinels promoted the old master"
N=$(registered)
wait_until more_registered $((N + 30)) || die "signups stopped after the second failover"
stop_load
# Still hung: only the heartbeat can tell watch its subscription is dead.
each_once "master hung"
kill -CONT "$PID_r"
wait_until eval '[ "$(role "$R")" = slave ]' || die "the hung master was not made a replica"
load back
wait_until more_registered $(($(registered) + 30)) || die "signups stopped after the hung master returned"
stop_load
each_once "hung master back"
wait_until unpublished || fail "events left unpublished after round 2"
claimed "$M" "master hung"
echo "figure: master hung: watch showed $(shown) of $(registered)"
kill -0 "$SRV_PID" 2>/dev/null && ok "padlined was never restarted" || fail "padlined died"

# ---- a replica named straight in REDIS_URL: readonly, never "up" ----
PORT2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PADLINE_LISTEN="127.0.0.1:$PORT2" PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="$SECRET" REDIS_URL="redis://127.0.0.1:$R/0" \
	PADLINE_LOG=debug "$PADLINE_BIN" >"$SLOG.2" 2>&1 &
PIDS+=($!)
wait_until port_open "$PORT2" || die "the second padlined does not listen"
H=$($CLIENT "$PORT2" health)
[ "$H" = readonly ] && ok "server.health says redis readonly on a replica" || fail "server.health on a replica: redis $H"

if [ $fails -ne 0 ]; then
	echo "--- padlined: warnings"
	grep -E 'level=(warn|error)' "$SLOG" | tail -20
	echo "--- watch stderr"
	tail -10 "$T/watch.err"
	echo "$fails failure(s)"
	exit 1
fi
echo PASS
