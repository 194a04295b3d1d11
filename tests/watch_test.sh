#!/usr/bin/env bash
# `padline watch` against a real padlined and Redis: --filter (the filter
# language, checked before anything is sent), alarm lines, --alarms-only,
# --format csv, what it says when Redis or padlined is unreachable (once
# per change, not per retry) and its exit codes. Every wait is for an
# event, never for a time.
. "$(dirname "$0")/support/tui_lib.sh"

PW="abcDEFghij1!xy"
W_PIDS=""
trap 'for p in $W_PIDS; do kill "$p" 2>/dev/null; done; cleanup' EXIT

rpc_open
rpc session.login "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}"
TOKEN=$(jget "$REPLY_LINE" result.token)
[ -n "$TOKEN" ] || die "admin login: $REPLY_LINE"
rpc session.resume "{\"token\":\"$TOKEN\"}"

# watch_bg NAME [ARGS...]: a watch in the background, stdout in $T/NAME.out,
# stderr in $T/NAME.err, its pid in $LAST_PID.
watch_bg() {
	local name=$1
	shift
	env PADLINE_TOKEN="$TOKEN" XDG_STATE_HOME="$T/state" PADLINE_DASH_REDIS_URL="${W_REDIS:-$DASH_REDIS}" \
		"$PADLINE_TUI_BIN" watch --server "127.0.0.1:$PORT" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	LAST_PID=$!
	W_PIDS="$W_PIDS $LAST_PID"
}
# watch_rc ARGS...: runs a watch that must end by itself, without a
# terminal to ask on; its status in $RC, stderr in $T/rc.err.
watch_rc() {
	env XDG_STATE_HOME="$T/state-rc" PADLINE_DASH_REDIS_URL="$DASH_REDIS" \
		setsid -w "$PADLINE_TUI_BIN" watch --server "127.0.0.1:$PORT" "$@" </dev/null >"$T/rc.out" 2>"$T/rc.err"
	RC=$?
}
count() { grep -cF -- "$2" "$1" 2>/dev/null || true; }
# ended PID: the process has exited (kill -0 would still find it as a
# zombie until waited for).
ended() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null)
	[ -z "$st" ] || [ "${st:0:1}" = Z ]
}

# ---- exit codes of what never gets going ----
watch_rc --filter 'nett:203.0.113.0/24'
[ "$RC" = 2 ] && in_file "$T/rc.err" 'unknown key "nett" at 1' &&
	ok "a bad --filter is a bad command line (2), with the parser's words" ||
	fail "bad filter: rc $RC, $(cat "$T/rc.err")"
watch_rc --format xml
[ "$RC" = 2 ] && ok "an unknown --format is 2" || fail "--format xml: rc $RC, $(cat "$T/rc.err")"
env XDG_STATE_HOME="$T/state-rc" "$PADLINE_TUI_BIN" --alarms-only >/dev/null 2>&1 </dev/null
[ $? = 2 ] && ok "--alarms-only outside watch is 2" || fail "--alarms-only was taken without watch"
watch_rc
[ "$RC" = 4 ] && in_file "$T/rc.err" "no saved session" &&
	ok "no session and no terminal to ask on: 4, not bad usage" ||
	fail "no session: rc $RC, $(cat "$T/rc.err")"
register_user plainuser
rpc session.login "{\"username\":\"plainuser\",\"password\":\"$PW\"}"
PLAIN_TOKEN=$(jget "$REPLY_LINE" result.token)
rpc session.resume "{\"token\":\"$TOKEN\"}"
PADLINE_TOKEN=$PLAIN_TOKEN watch_rc
[ "$RC" = 5 ] && in_file "$T/rc.err" "needs an administrator" &&
	ok "a user who is not an administrator: 5" || fail "not admin: rc $RC, $(cat "$T/rc.err")"
PADLINE_TOKEN=0123456789abcdef watch_rc
[ "$RC" = 4 ] && ok "a token the server refuses: 4" || fail "bad token: rc $RC, $(cat "$T/rc.err")"

# ---- filter, alarm lines, --alarms-only, csv ----
watch_bg dom --filter 'domain:wave.example !stray'
DOM_PID=$LAST_PID
watch_bg alarms --alarms-only --json
ALARMS_PID=$LAST_PID
watch_bg net --filter 'net:127.0.0.0/8' --format csv
NET_PID=$LAST_PID
watch_bg all
ALL_PID=$LAST_PID
for w in dom alarms net all; do
	wait_file "$T/$w.err" "watching for new users" || die "watch $w never started: $(cat "$T/$w.err")"
done
[ "$(head -n 1 "$T/net.out")" = "$(printf 'event_id,at,type,id,username,email,status,totp_enabled,rule,key,count,window_s,user_ids\r')" ] &&
	ok "--format csv names its columns before any event" || fail "csv header: $(head -n 1 "$T/net.out" | od -c | head -3)"
# An alarm rule of our own, on the wave's domain (threshold 1).
rpc rule.put '{"name":"wave-alarm","when":"domain:wave.example","action":"alarm"}'
[ "$(jget "$REPLY_LINE" result.rule.name)" = wave-alarm ] || die "rule.put: $REPLY_LINE"
register_user stray1 stray1@wave.example
register_user other1 other1@else.example
n=1
register_user keep1 keep1@wave.example
# A rule takes effect within a second on every instance: wave signups until
# its alarm shows (usually at once).
wave_alarmed() {
	grep -q '"rule":"wave-alarm"' "$T/alarms.out" && return 0
	n=$((n + 1))
	register_user "keep$n" "keep$n@Wave.Example"
	return 1
}
wait_until wave_alarmed || fail "no alarm line for wave-alarm: $(cat "$T/alarms.out" "$T/alarms.err")"
wait_file "$T/all.out" "keep$n" || fail "the unfiltered watch misses keep$n"
wait_file "$T/dom.out" "keep$n" || fail "the filtered watch misses keep$n: $(cat "$T/dom.out")"
wait_file "$T/all.out" "ALARM  wave-alarm  127.0.0.0/24" ||
	fail "no alarm line in text: $(grep ALARM "$T/all.out")"
# The text watch has shown everything up to keep$n: the filtered one too.
in_file "$T/dom.out" stray1 && fail "the filter let stray1 through (!stray)"
in_file "$T/dom.out" other1 && fail "the filter let other1 through (another domain)"
in_file "$T/dom.out" ALARM && fail "the domain filter let an alarm through whose key is a network: $(grep ALARM "$T/dom.out")"
[ "$(count "$T/dom.out" keep)" = "$n" ] && ok "--filter domain: shows the $n wave signups only" ||
	fail "dom: $(cat "$T/dom.out")"
python3 - "$T/alarms.out" <<'EOF' && ok "--alarms-only --json: alarm objects only, with rule, key, count, users" || fail "alarms: $(cat "$T/alarms.out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert lines, "nothing"
assert all(l["type"] == "alarm" and "username" not in l for l in lines), lines
w = [l for l in lines if l["rule"] == "wave-alarm"]
assert w and w[0]["key"] == "127.0.0.0/24" and w[0]["count"] >= 1 and len(w[0]["user_ids"]) >= 1, w
EOF
wait_file "$T/net.out" "wave-alarm" || fail "no wave-alarm row in the csv: $(cat "$T/net.out")"
wait_file "$T/net.out" ",keep$n," || fail "net: misses the signup keep$n: $(cat "$T/net.out")"
python3 - "$T/net.out" <<'EOF' && ok "--format csv: a header, then the network's alarm and signup rows (a signup's event says its network)" || fail "csv: $(cat "$T/net.out")"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0][:3] == ["event_id", "at", "type"], rows[0]
body = [dict(zip(rows[0], r)) for r in rows[1:]]
assert all(r["type"] == "user" or r["key"] == "127.0.0.0/24" for r in body), body
assert any(r["type"] == "alarm" and r["rule"] == "wave-alarm" for r in body), body
users = {r["username"] for r in body if r["type"] == "user"}
assert {"stray1", "other1", "keep1"} <= users, users
EOF

# ---- the reader goes away: 0 ----
# head takes one line and leaves; the next line watch writes fails, and
# watch ends.
mkfifo "$T/pipe"
env PADLINE_TOKEN="$TOKEN" XDG_STATE_HOME="$T/state" PADLINE_DASH_REDIS_URL="$DASH_REDIS" \
	"$PADLINE_TUI_BIN" watch --server "127.0.0.1:$PORT" >"$T/pipe" 2>"$T/head.err" &
PIPE_PID=$!
W_PIDS="$W_PIDS $PIPE_PID"
head -n 1 <"$T/pipe" >"$T/head.out" &
HEAD_PID=$!
wait_file "$T/head.err" "watching for new users" || fail "the piped watch never started"
register_user piped1
wait "$HEAD_PID"
[ -s "$T/head.out" ] || fail "head saw nothing: $(cat "$T/head.err")"
register_user piped2
wait_until ended "$PIPE_PID" || fail "watch goes on writing to nobody"
wait "$PIPE_PID"
rc=$?
[ "$rc" = 0 ] && ok "a reader that goes away ends watch with 0 (at its next line)" ||
	fail "piped watch: rc $rc, $(cat "$T/head.err")"

# ---- output that cannot be written (a full disk) is an error, said ----
env PADLINE_TOKEN="$TOKEN" XDG_STATE_HOME="$T/state" PADLINE_DASH_REDIS_URL="$DASH_REDIS" \
	"$PADLINE_TUI_BIN" watch --server "127.0.0.1:$PORT" >/dev/full 2>"$T/full.err" &
FULL_PID=$!
W_PIDS="$W_PIDS $FULL_PID"
wait_file "$T/full.err" "watching for new users" || fail "the watch on /dev/full never started"
register_user full1
wait_until ended "$FULL_PID" || fail "watch goes on writing to a full disk"
wait "$FULL_PID"
rc=$?
[ "$rc" = 1 ] && [ "$(count "$T/full.err" "cannot write")" = 1 ] && ok "output that cannot be written: 1, and said once" ||
	fail "watch on /dev/full: rc $rc, $(cat "$T/full.err")"

# ---- Redis unreachable: said once, however many polls ----
W_REDIS="redis://127.0.0.1:1" watch_bg noredis
wait_file "$T/noredis.err" "Redis unreachable" || fail "watch does not say Redis is unreachable: $(cat "$T/noredis.err")"
register_user polled1
wait_file "$T/noredis.out" polled1 || fail "polling misses polled1"
register_user polled2
wait_file "$T/noredis.out" polled2 || fail "polling misses polled2"
[ "$(count "$T/noredis.err" "Redis unreachable")" = 1 ] && ok "Redis unreachable: said once over several polls" ||
	fail "Redis unreachable said $(count "$T/noredis.err" "Redis unreachable") times: $(cat "$T/noredis.err")"

# ---- padlined unreachable: said once, and when it answers again ----
kill "$SRV_PID"
wait "$SRV_PID" 2>/dev/null
for w in all noredis; do
	wait_file "$T/$w.err" "is unreachable (not answering)" || fail "watch $w does not say padlined is unreachable: $(cat "$T/$w.err")"
done
# Let it retry a few times (more retries, the stronger the check below).
sleep 3
PADLINE_LISTEN="127.0.0.1:$PORT" PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="tui-test-secret-$$" \
	PADLINE_PWHASH_OPSLIMIT=1 PADLINE_PWHASH_MEMLIMIT=8388608 PADLINE_LOG=debug "$PADLINE_BIN" >>"$SLOG" 2>&1 &
SRV_PID=$!
wait_until server_up || die "padlined does not come back"
for w in all noredis; do
	wait_file "$T/$w.err" "answers again" || fail "watch $w does not say padlined answers again: $(cat "$T/$w.err")"
	[ "$(count "$T/$w.err" "is unreachable (not answering)")" = 1 ] && ok "watch $w: padlined unreachable said once, then back" ||
		fail "watch $w said unreachable $(count "$T/$w.err" "is unreachable (not answering)") times: $(tr '\n' '|' <"$T/$w.err")"
done
rpc_close
rpc_open
register_user after1
wait_file "$T/all.out" after1 && ok "after padlined's restart, signups show again" || fail "after1 not shown"

# ---- a signal ends it with 128 + the signal ----
kill -TERM "$ALL_PID"
wait "$ALL_PID"
rc=$?
[ "$rc" = 143 ] && ok "SIGTERM ends watch with 143" || fail "SIGTERM: $rc"
tui_finish
