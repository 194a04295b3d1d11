#!/usr/bin/env bash
# A hostile server and a hostile Redis publisher against `padline watch` and
# the TUI: escape sequences (window title, clipboard, clear screen), C1 and
# bidi controls in usernames, emails and error messages, junk lines (NULs,
# not UTF-8, raw escapes, 10 MB). Nothing may crash, nothing raw may reach
# the terminal (the bytes watch writes and the TUI's pane output are
# checked, and the pane's title), and the legitimate users and events
# around the hostile ones still show. The hostile server is
# tests/support/line_proxy.py --hostile in front of a real padlined.
. "$(dirname "$0")/support/tui_lib.sh"
PW="abcDEFghij1!xy"
HPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 "$LINE_PROXY" --hostile "$T" "$HPORT" "$PORT" 2>"$T/hostile.err" &
HOSTILE_PID=$!
WATCH_text= WATCH_json=
trap 'kill "$HOSTILE_PID" $WATCH_text $WATCH_json 2>/dev/null; cleanup' EXIT
wait_until port_open "$HPORT" || die "the hostile server does not listen: $(cat "$T/hostile.err")"

# terminal_safe FILE: FILE is valid UTF-8 without C0 (but newline), DEL, C1
# or bidi controls: what a terminal would act on.
terminal_safe() {
	python3 - "$1" <<'PY'
import re, sys
b = open(sys.argv[1], "rb").read()
try:
    s = b.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit("not UTF-8: %s" % e)
bad = re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", s)
if bad:
    sys.exit("raw U+%04X at %d: %r" % (ord(bad.group()), bad.start(), s[max(0, bad.start() - 40):bad.start() + 20]))
PY
}

rpc_open
for n in alice mallory zed; do
	register_user "$n" "$n@example.org"
	[ "$(jget "$REPLY_LINE" error)" = "" ] || die "could not register $n: $REPLY_LINE"
done
rpc session.login "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}"
TOKEN=$(jget "$REPLY_LINE" result.token)
[ -n "$TOKEN" ] || die "admin cannot sign in: $REPLY_LINE"
rpc server.hello '{}'
CHANNEL=$(jget "$REPLY_LINE" result.events.channel)
[ -n "$CHANNEL" ] || die "no events channel in server.hello: $REPLY_LINE"
# publish [BYTES on stdin]: one message on the events channel, byte for byte.
publish() { redis-cli -u "$REDIS_URL" --no-auth-warning -x publish "$CHANNEL" >/dev/null; }

# ---- watch: a line over the client's limit, then an error message ----
# The first connection gets a 17 MB line: watch drops it, reconnects and
# reads the answer on the next one (a client that kept the half line would
# wait forever).
touch "$T/oversize"
PADLINE_TOKEN=not-a-token PADLINE_DASH_REDIS_URL=$DASH_REDIS XDG_STATE_HOME="$T/state" \
	timeout 120 "$PADLINE_TUI_BIN" watch --server "127.0.0.1:$HPORT" >"$T/werr.out" 2>"$T/werr.err"
rc=$?
[ $rc = 4 ] || fail "watch with a refused token: rc $rc, not 4 (not signed in): $(cat "$T/werr.err")"
[ ! -e "$T/oversize" ] && in_file "$T/werr.err" "over the client's 16 MB limit; retrying" &&
	ok "watch drops a connection whose line is too long, and carries on" ||
	fail "watch and the 17 MB line: $(head -c 300 "$T/werr.err")"
if in_file "$T/werr.err" '\u001B]0;pwned\u0007\u202Eboom\u009B' && terminal_safe "$T/werr.err"; then
	ok "watch prints the server's error message escaped"
else
	fail "watch's error message: $(terminal_safe "$T/werr.err" 2>&1; od -c "$T/werr.err" | head -5)"
fi

# ---- watch, text and --json: the log through the hostile server, Redis ----
for mode in text json; do
	args=(); [ $mode = json ] && args=(--json)
	PADLINE_TOKEN=$TOKEN PADLINE_DASH_REDIS_URL=$DASH_REDIS XDG_STATE_HOME="$T/state" \
		"$PADLINE_TUI_BIN" watch "${args[@]}" --since 0 --server "127.0.0.1:$HPORT" >"$T/watch.$mode" 2>"$T/watch.$mode.err" &
	eval "WATCH_$mode=$!"
done
for mode in text json; do
	wait_file "$T/watch.$mode.err" "watching" || fail "watch --$mode never started: $(cat "$T/watch.$mode.err")"
	wait_file "$T/watch.$mode" zed || fail "watch --$mode: no backfill: $(cat "$T/watch.$mode.err")"
done
# Hostile events straight on the channel: a user.created whose username and
# email attack the terminal, NULs, not UTF-8, 10 MB of junk, then a real
# user (its event comes from padlined itself).
printf '{"id":900001,"action":"user.created","at":"2026-01-01T00:00:00Z","subject":{"user":{"id":"00000000-0000-0000-0000-000000000001","username":"redisevil\\u001b]0;pwned\\u0007\xc2\x9b2J\xe2\x80\xae","email":"r\\u001b]52;c;cHduZWQ=\\u0007@x.org","totp_enabled":false}}}' | publish
printf 'a\0b\0{"id":900002}\0' | publish
printf '{"id":900003,"action":"user.created","subject":{"user":{"username":"\xff\xfe\x1b]0;pwned\x07"}}}' | publish
head -c $((10 << 20)) /dev/zero | tr '\0' 'A' | publish
register_user after1 after1@example.org
[ "$(jget "$REPLY_LINE" error)" = "" ] || die "could not register after1: $REPLY_LINE"
for mode in text json; do
	out="$T/watch.$mode"
	wait_file "$out" after1 || fail "watch --$mode lost the event after the hostile ones: $(cat "$out.err")"
	for f in "$out" "$out.err"; do
		terminal_safe "$f" || fail "watch --$mode wrote raw bytes to $(basename "$f")"
	done
	for u in alice zed after1; do
		in_file "$out" "$u" || fail "watch --$mode lost $u"
	done
done
# Events the hostile server rewrote, or published unsigned on Redis, are
# dropped by a client that checks event signatures; whatever is shown is
# escaped, and what came in plain replies (the error above, the TUI's
# lists below) always shows.
if grep -aq '  mal' "$T/watch.text"; then
	in_file "$T/watch.text" 'mal\u001B]0;pwned\u0007\u001B]52;c;cHduZWQ=\u0007\u009B31m\u202Eevil\u2066\u007F' &&
		in_file "$T/watch.text" 'm\u009B2J\u202D@\u001B[2Jx\u001Bc.org' &&
		ok "watch shows the hostile server's user escaped" || fail "watch text: $(grep -a mal "$T/watch.text")"
fi
if grep -aq redisevil "$T/watch.text"; then
	in_file "$T/watch.text" 'redisevil\u001B]0;pwned\u0007\u009B2J\u202E' ||
		fail "watch: the Redis event unescaped: $(grep -a redisevil "$T/watch.text")"
fi
python3 - "$T/watch.json" <<'PY' && ok "watch --json: JSON lines, escaped, the hostile user intact" || fail "watch --json: $(head -c 2000 "$T/watch.json")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
names = [r["username"] for r in rows if r["type"] == "user"]
assert "alice" in names and "zed" in names and "after1" in names, names
hostile = "mal\x1b]0;pwned\x07\x1b]52;c;cHduZWQ=\x07\x9b31m\u202eevil\u2066\x7f"
assert all(n == hostile for n in names if n.startswith("mal")), names
PY
kill $WATCH_text $WATCH_json 2>/dev/null
wait $WATCH_text $WATCH_json 2>/dev/null
WATCH_text= WATCH_json=

# ---- the TUI: the raw pane output is recorded from the start ----
TUI_PORT=$HPORT start_tui
tm pipe-pane -t tui -o "cat >>'$T/pane.raw'"
wait_for "Sign in to padline" || die "no login screen"
# The sign-in form shows a refusal's message as the server worded it.
keys C-u; type_text boom; keys Tab; type_text "$PW"; keys Enter
wait_for 'server on fire \u001B]0;pwned\u0007\u202Eboom\u009B' &&
	ok "the sign-in form shows the server's message escaped" || fail "sign-in error: $(screen | grep -a fire)"
[ "$(tm display -p -t tui '#{pane_title}')" != pwned ] || fail "the sign-in error set the window title"
TUI_PORT=$HPORT start_tui
tm pipe-pane -t tui -o "cat >>'$T/pane.raw'"
wait_for "Sign in to padline" || die "no login screen"
keys C-u; type_text admin; keys Tab; type_text "$ADMIN_PW"; keys Enter
wait_gone "Sign in to padline" || die "admin cannot sign in through the hostile server"
keys 3
wait_for "alice@example.org" && wait_for "zed@example.org" || fail "the users list lost the legitimate users"
wait_for 'mal\u001B]0;pwned' && ok "the users list shows the hostile username escaped" ||
	fail "users list: $(screen | sed -n 3,12p)"
keys /; type_text mallory; keys Enter
wait_gone "alice@example.org" || fail "search for mallory still lists alice"
keys Enter
wait_for 'm\u009B2J\u202D@\u001B[2Jx\u001Bc.org' && ok "the user detail shows the hostile email escaped" ||
	fail "user detail: $(screen | sed -n 1,12p)"
keys Escape
# The dashboard shows events: the hostile one from Redis, then a real one.
keys 2
wait_for "Dashboard" || fail "no dashboard on 2"
printf '{"id":900011,"action":"user.created","at":"2026-01-01T00:00:00Z","subject":{"user":{"id":"00000000-0000-0000-0000-000000000002","username":"dashevil\\u001b]0;pwned\\u0007\xe2\x81\xa6","totp_enabled":false}}}' | publish
printf '\xff\x00\x1b]0;pwned\x07' | publish
register_user after2 after2@example.org
wait_for after2 && ok "the dashboard shows the event after the hostile ones" || fail "dashboard: $(screen | sed -n 1,20p)"
if on_screen dashevil; then
	on_screen 'dashevil\u001B]0;pw' || fail "dashboard: the Redis event unescaped: $(screen | grep -a dashevil)"
fi
[ "$(tm display -p -t tui '#{pane_title}')" != pwned ] && ok "the window title is not the server's" ||
	fail "the hostile server set the window title"
on_screen EXITED && fail "the TUI exited: $(screen | tail -3)"
keys 1
wait_for "Enter view" || fail "no Pads screen on 1"
keys q
wait_for "EXITED rc=0" || fail "q does not quit after the hostile input: $(screen | tail -3)"
python3 - "$T/pane.raw" <<'PY' && ok "no hostile sequence reached the terminal raw" || fail "raw hostile bytes in the TUI's output"
import sys
b = open(sys.argv[1], "rb").read()
assert len(b) > 1000, len(b)
for seq in (b"\x1b]0;pwned", b"\x1b]52", b"\x1bc", b"\xc2\x9b", b"\xe2\x80\xae",
            b"\xe2\x80\xad", b"\xe2\x81\xa6", b"\x7f", b"\xff"):
    if seq in b:
        i = b.index(seq)
        sys.exit("raw %r at %d: %r" % (seq, i, b[max(0, i - 60):i + 20]))
PY
kill -0 "$SRV_PID" 2>/dev/null || fail "padlined died"
tui_finish
