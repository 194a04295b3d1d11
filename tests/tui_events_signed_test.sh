#!/usr/bin/env bash
# Events from Redis are believed only when padlined signed them. Someone with
# full rights on Redis (REDIS_URL's) publishes forged, wrongly signed,
# mangled, truncated, oversized and replayed messages on the events channel:
# `padline watch` and the dashboard never show them, count them, and a forged
# huge id does not move where they backfill from. The events key is pinned
# per server and a changed one is refused, and the clients never read
# REDIS_URL. Every wait is for the event, never for a time; the dashboard
# is driven in frames (padline --frames).
. "$(dirname "$0")/support/tui_frames.sh"

PW="abcDEFghij1!xy"
CH="padline:events:$SCHEMA"
pub() { redis-cli -u "$REDIS_URL" --no-auth-warning publish "$CH" "$1" >/dev/null; }
# forged_user ID NAME: a user.created event as padlined would write it.
forged_user() {
	printf '{"id": %s, "action": "user.created", "at": "2026-01-01T00:00:00.000000Z", "subject": {"id": "0badc0de-0000-4000-8000-%012d", "email": null, "username": "%s", "totp_enabled": false}}' \
		"$1" "$1" "$2"
}
# wrongly_signed PAYLOAD: the right shape and the payload's true hash, but a
# signature no key made.
wrongly_signed() {
	python3 -c 'import hashlib, os, sys
p = sys.argv[1].encode()
sys.stdout.write("es1.%s.%s.%s" % (os.urandom(64).hex(), hashlib.blake2b(p, digest_size=32).hexdigest(), sys.argv[1]))' "$1"
}
# Records every message on the channel, one per line, as padlined sent it.
redis-cli -u "$REDIS_URL" --no-auth-warning --raw subscribe "$CH" >"$T/raw" 2>&1 &
RAW_PID=$!
wait_file "$T/raw" "$CH" || die "cannot subscribe to $CH"
# raw_of NAME: the message that announced NAME's signup.
raw_of() { grep -F "\"username\": \"$1\"" "$T/raw" | grep -F user.created | head -1; }

rpc_open
rpc server.hello '{}'
KEY=$(jget "$REPLY_LINE" result.events.public_key)
[ ${#KEY} -eq 64 ] && ok "server.hello names the events key" || fail "hello: $REPLY_LINE"
rpc session.login "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}"
TOKEN=$(jget "$REPLY_LINE" result.token)
[ -n "$TOKEN" ] || die "admin login: $REPLY_LINE"

register_user signed0
wait_until eval '[ -n "$(raw_of signed0)" ]' || die "no event for signed0 on $CH"
case "$(raw_of signed0)" in es1.*) ok "published events are signed" ;; *) fail "unsigned on the channel: $(raw_of signed0)" ;; esac
# An event from an hour before anyone watches (a row the relay publishes),
# kept by "someone" to be replayed later.
sql "INSERT INTO audit_log (action, at, details) VALUES ('user.created', now() - interval '1 hour',
	'{\"subject\": {\"id\": \"0badc0de-0000-4000-8000-000000000001\", \"email\": null, \"username\": \"oldsign1\", \"totp_enabled\": false}}')" >/dev/null ||
	die "cannot write the old event"
wait_until eval '[ -n "$(raw_of oldsign1)" ]' || die "the relay did not publish the old event on $CH"
OLD_MSG=$(raw_of oldsign1)

# ---- watch: REDIS_URL is padlined's, never the client's ----
start_watch() { # start_watch OUT [ARGS...]
	local out=$1
	shift
	env PADLINE_TOKEN="$TOKEN" XDG_STATE_HOME="$T/state" REDIS_URL="redis://127.0.0.1:1/0" \
		PADLINE_DASH_REDIS_URL="$DASH_REDIS" "$PADLINE_TUI_BIN" watch --server "127.0.0.1:$PORT" "$@" \
		>"$T/$out.out" 2>"$T/$out.err" &
	WATCH_PID=$!
}
stop_watch() { kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null; WATCH_PID=; }
start_watch w0
wait_until eval 'in_file "$T/w0.err" "watching for new users" || in_file "$T/w0.err" "Redis unreachable"'
if in_file "$T/w0.err" "watching for new users" && ! in_file "$T/w0.err" "Redis unreachable"; then
	ok "watch takes PADLINE_DASH_REDIS_URL and ignores REDIS_URL"
else
	fail "watch read REDIS_URL: $(cat "$T/w0.err")"
fi
stop_watch
# The rest does not depend on the line above.
start_watch w1
wait_file "$T/w1.err" "watching for new users" || fail "watch never started: $(cat "$T/w1.err")"
grep -qx "events@127.0.0.1:$PORT ed25519:$KEY" "$T/state/padline/known_servers" &&
	ok "the events key is pinned in known_servers" ||
	fail "no pin: $(cat "$T/state/padline/known_servers" 2>&1)"

# ---- hostile messages, each counted and never shown ----
register_user live1
wait_file "$T/w1.out" live1 || fail "watch does not print a real signup: $(cat "$T/w1.err")"
LIVE_MSG=$(raw_of live1)
HEAD=${LIVE_MSG%%\{*} # a real signature and hashes, before the JSON
pub "$(forged_user 987654321 forged1)"                          # unsigned
pub "$(wrongly_signed "$(forged_user 987654322 forged2)")"      # bad signature
pub "$HEAD$(forged_user 987654323 forged3)"                     # another event under a real signature
pub "${LIVE_MSG%?????}"                                         # truncated
pub "$HEAD$(forged_user 987654324 forged4)$(printf '%*s' 70000 '')" # oversized
wait_file "$T/w1.err" "5 unsigned events dropped" &&
	ok "watch counts 5 unsigned events on stderr" || fail "watch stderr: $(cat "$T/w1.err")"
pub "$OLD_MSG" # signed, but an hour before the watch
pub "$LIVE_MSG" # signed, already shown
wait_file "$T/w1.err" "1 replayed event dropped" &&
	ok "watch drops an old event replayed" || fail "watch stderr: $(cat "$T/w1.err")"
register_user real2
wait_file "$T/w1.out" real2 || fail "a real signup after the hostile ones is not printed"
before=$fails
for bad in forged1 forged2 forged3 forged4 oldsign1; do
	in_file "$T/w1.out" "$bad" && fail "watch printed $bad: $(tr '\n' '|' <"$T/w1.out")"
done
[ "$(grep -c live1 "$T/w1.out")" -eq 1 ] || fail "live1 printed twice: $(tr '\n' '|' <"$T/w1.out")"
[ $fails -eq $before ] && ok "watch printed the real signups only, once each"

# ---- the forged huge id did not move the cursor: Redis lost, the gap is
# filled from events.since after the last real event ----
# (The user may no longer subscribe: AUTH still works, so hiredis does not
# fall back to the default user.)
redis-cli -u "$REDIS_URL" --no-auth-warning acl setuser "$DASH_USER" resetchannels >/dev/null
redis-cli -u "$REDIS_URL" --no-auth-warning client kill user "$DASH_USER" >/dev/null
wait_file "$T/w1.err" "Redis unreachable" || fail "watch did not lose Redis: $(cat "$T/w1.err")"
register_user gap3
wait_file "$T/w1.out" gap3 && ok "after a forged huge id, the backfill still finds the next real event" ||
	fail "gap3 never backfilled: $(cat "$T/w1.err")"
redis-cli -u "$REDIS_URL" --no-auth-warning acl setuser "$DASH_USER" "&$CH" >/dev/null
wait_file "$T/w1.err" "live again" || fail "watch not live again: $(cat "$T/w1.err")"
stop_watch

# ---- the dashboard: the same messages, counted on screen ----
dash_hostile() {
	pub "$(forged_user 987654325 dforged1)"
	pub "$(wrongly_signed "$(forged_user 987654326 dforged2)")"
	pub "$HEAD$(forged_user 987654327 dforged3)"
	pub "${LIVE_MSG%?????}"
	pub "$HEAD$(forged_user 987654328 dforged4)$(printf '%*s' 70000 '')"
}
pub_old() { pub "$OLD_MSG"; }
frames_export pub pub_old forged_user wrongly_signed dash_hostile register_user CH HEAD LIVE_MSG OLD_MSG PW
TUI_STATE="$T/state" run_frames dashboard <<SCRIPT
$(frames_login admin "$ADMIN_PW")
expect 1 Pads  2 Dashboard
key 2
expect live: on
run $DO dash_hostile
expect 5 unsigned events dropped
run $DO pub_old
expect 1 replayed event dropped
run $DO register_user dreal4
expect dreal4
# The dashboard shows real signups only.
absent dforged1
absent dforged2
absent dforged3
absent dforged4
absent oldsign1
SCRIPT

# ---- a changed events key is refused, as a changed certificate is ----
OTHER=$(printf '%s' "$KEY" | tr '0-9a-f' '1-9a-f0')
sed -i "s/^events@127.0.0.1:$PORT ed25519:.*/events@127.0.0.1:$PORT ed25519:$OTHER/" "$T/state/padline/known_servers"
start_watch w2
if wait_until eval '! kill -0 "$WATCH_PID" 2>/dev/null'; then
	wait "$WATCH_PID"
	rc=$?
else
	rc="still running"
	stop_watch
fi
WATCH_PID=
[ $rc -eq 3 ] && in_file "$T/w2.err" "EVENTS KEY OF 127.0.0.1:$PORT HAS CHANGED" &&
	ok "watch refuses a changed events key (exit 3)" || fail "watch rc=$rc: $(cat "$T/w2.err")"
sed -i "s/^events@127.0.0.1:$PPORT ed25519:.*/events@127.0.0.1:$PPORT ed25519:$OTHER/" "$T/state/padline/known_servers"
# The saved session signs the admin in.
TUI_STATE="$T/state" run_frames refused <<'SCRIPT'
expect 1 Pads  2 Dashboard
key 2
expect live: REFUSED
expect HAS CHANGED
SCRIPT
kill "$RAW_PID" 2>/dev/null
tui_finish
