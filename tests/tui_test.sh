#!/usr/bin/env bash
# What of the padline TUI needs a real terminal, in tmux against a real
# padlined: a resize the terminal signals (SIGWINCH, not the frames mode's
# resize step), SIGTERM, SIGHUP and Ctrl-C restoring the terminal (stty
# reads the tty after padline exits), and `padline watch` (the saved
# session, Redis down and back, --json, --since, and its login on a tty,
# which it reads without echo). The screens themselves are tested in
# frames (tui_frames_main_test.sh and the other tui_frames_*_test.sh).
#
# Deterministic on a loaded machine: every check waits for the event itself
# (the screen, a file) under one generous timeout ($WAIT) that only catches
# a hang; nothing is timed.
. "$(dirname "$0")/support/tui_lib.sh"

PW="abcDEFghij1!xy"
private_redis

# ---- a resize from the terminal ----
# The admin signs in (watch below uses the session saved for the proxy).
tui_login admin "$ADMIN_PW"
wait_for "1 Pads  2 Dashboard" || die "admin login"
keys 2
wait_for "Signups per minute" || die "no dashboard"
tm resize-window -t tui -x 60 -y 15
wait_for "Terminal too small" || fail "no 'too small' at 60x15"
tm resize-window -t tui -x 100 -y 30
wait_for "Signups per minute" && ok "a terminal's resize is drawn (too small, then back)" ||
	fail "dashboard not back after resize"
keys q q
wait_for "EXITED rc=0" || fail "quit after the resize"

# ---- signals restore the terminal ----
before=$fails
declare -A sig_rc=([TERM]=143 [HUP]=129 [INT]=130)
for sig in TERM HUP INT; do
	start_tui
	wait_for "1 Pads" || fail "no screen before SIG$sig"
	if [ $sig = INT ]; then
		keys C-c
	else
		kill -$sig "$(pgrep -P "$(tm display -p -t tui '#{pane_pid}')" -x padline)"
	fi
	wait_for "EXITED rc=${sig_rc[$sig]}" || fail "SIG$sig did not end padline with ${sig_rc[$sig]}"
	# stty prints "-icanon -echo" if curses left the terminal raw.
	wait_for "icanon echo" && ! screen | grep -qF -- "-icanon" ||
		fail "terminal not restored after SIG$sig"
done
[ $fails -eq $before ] && ok "SIGTERM, SIGHUP and Ctrl-C (exit 130) restore the terminal"

# ---- padline watch ----
rpc_open
# No PADLINE_TOKEN: the session the TUI saved (the admin's) is used. It is
# saved for the address the TUI used (the proxy): watch uses that one too.
PADLINE_DASH_REDIS_URL=$DASH_REDIS env -u PADLINE_TOKEN XDG_STATE_HOME="$T/state" \
	"$PADLINE_TUI_BIN" watch --server "127.0.0.1:$PPORT" >"$T/watch.out" 2>"$T/watch.err" &
WATCH_PID=$!
# "watching" comes once subscribed and the log's position is known.
wait_file "$T/watch.err" "watching" || fail "watch never started: $(cat "$T/watch.err")"
register_user watched9
wait_file "$T/watch.out" watched9 && ok "padline watch (saved session) printed the new user" || fail "watch: $(cat "$T/watch.err")"
kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null; WATCH_PID=

# watch, too, says why Redis is unreachable and polls.
start_redis || die "private redis-server does not start"
PADLINE_DASH_REDIS_URL=$RREDIS env -u PADLINE_TOKEN XDG_STATE_HOME="$T/state" \
	"$PADLINE_TUI_BIN" watch --json --server "127.0.0.1:$PPORT" >"$T/watch2.out" 2>"$T/watch2.err" &
WATCH_PID=$!
wait_file "$T/watch2.err" "watching" || fail "watch never started: $(cat "$T/watch2.err")"
stop_redis
wait_file "$T/watch2.err" "Redis unreachable (redis://127.0.0.1:$RPORT: " ||
	fail "watch does not say what is unreachable: $(cat "$T/watch2.err")"
in_file "$T/watch2.err" "$RPASS" && fail "watch printed the Redis password"
register_user watchgap6 gap6@example.org
register_user watchnull7
wait_file "$T/watch2.out" watchnull7 || fail "watch does not poll while Redis is down"
start_redis || die "private redis-server does not start"
wait_file "$T/watch2.err" "live again" || fail "watch does not say Redis is back"
python3 -c 'import json,re,sys
rows={r["username"]: r for r in map(json.loads, open(sys.argv[1])) if r["type"] == "user"}
assert rows["watchgap6"]["email"] == "gap6@example.org", rows
assert rows["watchnull7"]["email"] is None, rows
for r in rows.values():
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", r["at"]), r' "$T/watch2.out" &&
	ok "watch --json while Redis is down: polled; RFC 3339 at; null email" ||
	fail "watch --json rows: $(cat "$T/watch2.out")"
kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null; WATCH_PID=
# --since resumes after an event id: watchgap6 and later, nothing before.
GAP_ID=$(python3 -c 'import json,sys
print(next(r["event_id"] for r in map(json.loads, open(sys.argv[1])) if r.get("username") == "watchgap6"))' "$T/watch2.out")
PADLINE_DASH_REDIS_URL=$RREDIS env -u PADLINE_TOKEN XDG_STATE_HOME="$T/state" \
	"$PADLINE_TUI_BIN" watch --json --since "$((GAP_ID - 1))" --server "127.0.0.1:$PPORT" \
	>"$T/watch3.out" 2>"$T/watch3.err" &
WATCH_PID=$!
wait_file "$T/watch3.out" watchnull7 || fail "watch --since: $(cat "$T/watch3.err")"
[ "$(head -1 "$T/watch3.out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["username"])')" = watchgap6 ] &&
	! in_file "$T/watch3.out" watched9 && ok "watch --since ID resumes right after that event" ||
	fail "watch --since printed: $(cat "$T/watch3.out")"
kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null; WATCH_PID=
stop_redis
rpc_close

# ---- padline watch asks for a login on the tty without PADLINE_TOKEN ----
dash_env "$DASH_REDIS"
tm new-session -d -s watch -x 120 -y 20 ". $DASH_ENV; env -u PADLINE_TOKEN XDG_STATE_HOME=$T/nostate $PADLINE_TUI_BIN watch --server 127.0.0.1:$PORT; sleep 30"
wscreen() { tm capture-pane -t watch -p; }
on_wscreen() { wscreen | grep -qF -- "$1"; }
wait_until on_wscreen "Admin username:" || fail "watch did not ask for a username"
tm send-keys -t watch -l admin; tm send-keys -t watch Enter
wait_until on_wscreen "Password:" || fail "watch did not ask for a password"
tm send-keys -t watch -l "$ADMIN_PW"; tm send-keys -t watch Enter
wait_until on_wscreen "watching" || fail "watch with a tty login did not start"
wscreen | grep -qF "$ADMIN_PW" && fail "watch echoed the password"
rpc_open
register_user ttywatch5 tty5@example.org
rpc_close
wait_until on_wscreen "ttywatch5"
wscreen | grep "ttywatch5" | grep -qF "tty5@example.org" && ok "watch: tty login, one line per new user" ||
	{ fail "watch with a tty login"; wscreen; }

tui_finish
