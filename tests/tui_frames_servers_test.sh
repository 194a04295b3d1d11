#!/usr/bin/env bash
# Saved sessions are per server. Signed in on A (the suite's padlined,
# through its proxy), the TUI started against B (a second padlined with its
# own schema and admin, behind a proxy that records every line a client
# sends) must show B's sign-in, and B must never receive A's token: not in
# the recording, no session.resume in B's log. Signing in on B keeps A's
# session: back on A the TUI resumes without a sign-in, and back on B too.
# `padline watch` against B does not send A's token either. An old single
# session file, which names no server, is sent nowhere and removed. A state
# directory others may write is refused at start, with the reason.
#
# In frames (padline --frames). Every check waits for an event (a frame, a
# recorded line, an exit):
# B's recording is read only after a later request on the same connection
# (the sign-in) arrived, so anything sent before it is in the file.
. "$(dirname "$0")/support/tui_frames.sh"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
B_PORT=$(free_port)
B_SCHEMA="t_tuisrv_b_$$_$RANDOM"
B_LOG="$LOGDIR/tui_servers_b_$$.log"
B_SECRET="tui-servers-b-$$"
B_ADMIN_PW="B-admin-Passw0rd!"
B_PID= BPROXY_PID=
servers_cleanup() {
	for p in $BPROXY_PID $B_PID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	psql "$DATABASE_URL" -qc "DROP SCHEMA IF EXISTS \"$B_SCHEMA\" CASCADE" >/dev/null 2>&1
	cleanup
}
trap servers_cleanup EXIT

PADLINE_LISTEN="127.0.0.1:$B_PORT" PADLINE_SCHEMA="$B_SCHEMA" PADLINE_SECRET="$B_SECRET" \
	PADLINE_PWHASH_OPSLIMIT=1 PADLINE_PWHASH_MEMLIMIT=8388608 PADLINE_LOG=debug "$PADLINE_BIN" >"$B_LOG" 2>&1 &
B_PID=$!
b_up() { port_open "$B_PORT" || { kill -0 "$B_PID" 2>/dev/null || die "padlined B exited"; return 1; }; }
wait_until b_up || die "padlined B does not listen"
printf '%s\n' "$B_ADMIN_PW" | PADLINE_SCHEMA="$B_SCHEMA" PADLINE_SECRET="$B_SECRET" \
	"$PADLINE_BIN" create-user admin --admin >"$T/create_b.log" 2>&1 || die "create-user on B failed: $(cat "$T/create_b.log")"

# B behind the suite's proxy, recording every line a client sends (no
# holds: nothing is named in $T/b/hold).
mkdir -p "$T/b"
B_PPORT=$(free_port)
: >"$T/b_received"
python3 "$LINE_PROXY" "$T/b" "$B_PPORT" "$B_PORT" "$T/b_received" 2>"$T/record.err" &
BPROXY_PID=$!
wait_until port_open "$B_PPORT" || die "B's recording proxy does not listen: $(cat "$T/record.err")"

HOME_TABS="1 Pads  2 Dashboard"
resumes_b() { grep -c '"session.resume"' "$T/b_received"; }
# The lines of a script that quit from the first tab and wait for the exit.
quit_lines() { printf '%s\n' "key q" exits; }
frames_export

# ---- signed in on A ----
run_frames login_a <<SCRIPT || die "admin sign-in on A"
$(frames_login admin "$ADMIN_PW")
expect $HOME_TABS
$(quit_lines)
SCRIPT
TOKEN_A=$(cat "$T"/state/padline/session* "$T"/state/padline/sessions/* 2>/dev/null | grep -oE '[0-9a-f]{64}' | head -1)
[ -n "$TOKEN_A" ] || die "no saved session for A in $T/state/padline"

# ---- `padline watch` against B (no terminal to ask on): A's token stays ----
PADLINE_DASH_REDIS_URL=$DASH_REDIS timeout "$WAIT" setsid -w env -u PADLINE_TOKEN XDG_STATE_HOME="$T/state" \
	"$PADLINE_TUI_BIN" watch --server "127.0.0.1:$B_PPORT" </dev/null >/dev/null 2>"$T/watch_b.err"
rc=$?
[ $rc = 4 ] || fail "watch against B without a session: exit $rc, not 4 ($(cat "$T/watch_b.err"))"
grep -q "no saved session" "$T/watch_b.err" || fail "watch against B: $(cat "$T/watch_b.err")"
if grep -qF "$TOKEN_A" "$T/b_received"; then fail "watch sent A's token to B"; else ok "watch does not send A's token to B"; fi

# ---- the TUI against B: B's sign-in, A's token never sent ----
TUI_PORT=$B_PPORT run_frames login_b <<SCRIPT || die "admin sign-in on B"
$(frames_login admin "$B_ADMIN_PW")
expect $HOME_TABS
run $DO wait_file "$T/b_received" '"session.login"'
$(quit_lines)
SCRIPT
if grep -qF "$TOKEN_A" "$T/b_received"; then
	fail "B received A's token: $(grep -F "$TOKEN_A" "$T/b_received" | cut -c1-160)"
else
	ok "B never received A's token"
fi
[ "$(resumes_b)" = 0 ] || fail "the TUI sent B a session.resume before anyone signed in on B"
grep -q 'method=session.resume' "$B_LOG" && fail "B's log has a session.resume: $(grep 'method=session.resume' "$B_LOG")"

# ---- back on A: resumed, no sign-in; then B resumes its own ----
printf '%s\n' "expect $HOME_TABS" "key q" exits >"$T/resume.script"
run_frames resume_a <"$T/resume.script" && ok "A's session resumed after signing in on B" ||
	fail "A's session was not resumed after using B"
TUI_PORT=$B_PPORT run_frames resume_b <"$T/resume.script" && ok "B's session resumed too" ||
	fail "B's session was not resumed"
[ "$(resumes_b)" = 1 ] || fail "B got $(resumes_b) session.resume calls, not 1 (its own)"
if grep -qF "$TOKEN_A" "$T/b_received"; then fail "B received A's token on the way back"; fi

# ---- an old single session file: sent nowhere, removed ----
mkdir -p -m 700 "$T/old/padline"
printf '%s\n' "$TOKEN_A" >"$T/old/padline/session"
chmod 600 "$T/old/padline/session"
resumes_a=$(grep -c 'method=session.resume' "$SLOG")
before=$fails
TUI_STATE=$T/old run_frames old_session <<SCRIPT || fail "an old session file: resumed, or not said"
expect Sign in to padline
expect old saved session
key <C-u>
type admin
key <Tab>
type $ADMIN_PW
key <Enter>
expect $HOME_TABS
$(quit_lines)
SCRIPT
[ "$(grep -c 'method=session.resume' "$SLOG")" = "$resumes_a" ] || fail "the old session file's token was sent to A"
[ -e "$T/old/padline/session" ] && fail "the old session file is still there"
[ $fails = "$before" ] && ok "an old session file is sent nowhere and removed"

# ---- a state directory others may write: refused at start, saying why ----
mkdir -p "$T/open/padline"
chmod 777 "$T/open/padline"
PADLINE_DASH_REDIS_URL=$DASH_REDIS timeout "$WAIT" setsid -w env -u PADLINE_TOKEN XDG_STATE_HOME="$T/open" \
	"$PADLINE_TUI_BIN" watch --server "127.0.0.1:$PPORT" </dev/null >/dev/null 2>"$T/open.err"
rc=$?
[ $rc = 1 ] && grep -q "$T/open/padline is writable by others" "$T/open.err" &&
	ok "a state directory others may write is refused at start" ||
	fail "state directory 0777: exit $rc, $(cat "$T/open.err")"

tui_finish
