#!/usr/bin/env bash
# End to end test of the padline TUI driven in tmux against a real padlined
# (own schema, free port) on the shared PostgreSQL / Redis: register with the
# live checklist, 409 inline, login, pads from a template, $EDITOR round trip,
# backups + restore, delete, the admin dashboard fed live, resize, NO_COLOR /
# vt100 / ASCII, session resume, `padline watch`.
set -u

: "${PADLINE_BIN:?}" "${PADLINE_TUI_BIN:?}" "${DATABASE_URL:?}" "${REDIS_URL:?}"
for tool in tmux python3 psql; do
	# A skipped test would pass silently: missing tools fail it.
	command -v "$tool" >/dev/null || { echo "tui_test: $tool is not installed (run scripts/deps)" >&2; exit 1; }
done

T=$(mktemp -d /tmp/padline-tui.XXXXXX)
SCHEMA="t_tui_$$_$RANDOM"
SOCK="pltui$$"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SRV_PID=
# padlined's logs go where scripts/test's security review reads them.
LOGDIR=${PADLINE_TEST_LOGS:-$T}
SLOG="$LOGDIR/tui_test_$$.log"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
fails=0

cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	[ -n "${WATCH_PID:-}" ] && kill "$WATCH_PID" 2>/dev/null
	[ -n "${RDS_PID:-}" ] && kill "$RDS_PID" 2>/dev/null
	[ -n "${SRV2_PID:-}" ] && kill "$SRV2_PID" 2>/dev/null
	psql "$DATABASE_URL" -qc "DROP SCHEMA IF EXISTS \"$SCHEMA\" CASCADE" >/dev/null 2>&1
	[ -n "${DASH_USER:-}" ] && redis-cli -u "$REDIS_URL" acl deluser "$DASH_USER" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; fails=$((fails + 1)); [ -n "${VERBOSE:-}" ] && screen; }
ok() { echo "ok: $*"; }
die() { echo "FAIL: $*"; screen; echo "--- server log tail"; tail -20 "$SLOG"; exit 1; }

# ---- a line-based JSON-RPC client on bash's /dev/tcp ----
rpc_open() { exec 7<>"/dev/tcp/127.0.0.1/$PORT"; RPC_ID=0; }
rpc_close() { exec 7>&- 7<&-; }
# rpc METHOD PARAMS_JSON -> reply line in $REPLY_LINE
rpc() {
	RPC_ID=$((RPC_ID + 1))
	printf '{"jsonrpc":"2.0","id":%d,"method":"%s","params":%s}\n' "$RPC_ID" "$1" "${2:-{\}}" >&7
	IFS= read -r -t 20 REPLY_LINE <&7 || REPLY_LINE=""
}
jget() { python3 -c 'import json,sys
v=json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else v.get(k) if isinstance(v, dict) else None
print("" if v is None else (json.dumps(v) if isinstance(v,(dict,list,bool)) else v))' "$1" "$2" 2>/dev/null; }
# Other suites stop and kill the shared PostgreSQL (e2e_fault_*): retry
# through their outages rather than fail on them.
sql() {
	local out
	for _ in $(seq 1 30); do
		out=$(psql "$DATABASE_URL" -Atqc "SET search_path TO \"$SCHEMA\"; $1" 2>/dev/null) && { printf '%s\n' "$out"; return 0; }
		sleep 1
	done
	return 1
}
# register_user NAME [EMAIL]: a second client registering (fresh form token).
register_user() {
	local email=""
	[ -n "${2:-}" ] && email=",\"email\":\"$2\""
	for _ in $(seq 1 30); do
		rpc server.hello '{}'
		FT=$(jget "$REPLY_LINE" result.form_token)
		rpc user.register "{\"form_token\":\"$FT\",\"username\":\"$1\",\"password\":\"$PW\"$email}"
		[ "$(jget "$REPLY_LINE" error.code)" = 503 ] || return 0
		sleep 1
	done
}

# ---- tmux helpers ----
tm() { tmux -L "$SOCK" "$@"; }
screen() { tm capture-pane -t tui -p 2>/dev/null; }
keys() { tm send-keys -t tui "$@"; }
type_text() { tm send-keys -t tui -l "$1"; }
# wait_for TEXT [SECONDS]
wait_for() {
	local deadline=$((SECONDS + ${2:-10}))
	while [ $SECONDS -lt $deadline ]; do
		screen | grep -qF -- "$1" && return 0
		sleep 0.05
	done
	return 1
}
wait_gone() {
	local deadline=$((SECONDS + ${2:-10}))
	while [ $SECONDS -lt $deadline ]; do
		screen | grep -qF -- "$1" || return 0
		sleep 0.1
	done
	return 1
}
# A session that outlives the others: killing the last session would stop
# the tmux server, racing the next new-session.
tm new-session -d -s keep "sleep 3600"
start_tui() { # start_tui [ENV=VALUE...]
	tm kill-session -t tui 2>/dev/null
	tm new-session -d -s tui -x 100 -y 30 \
		"env XDG_STATE_HOME=${TUI_STATE:-$T/state} EDITOR=$T/editor.sh ${TUI_TERM:+TERM=$TUI_TERM} $* $PADLINE_TUI_BIN --server 127.0.0.1:${TUI_PORT:-$PORT} --redis ${TUI_REDIS:-$DASH_REDIS}; echo EXITED rc=\$?; stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo)' | tr '\\n' ' '; echo; sleep 30"
}

# ---- server ----
# Slow hashing (~0.5 s) so a registration is a request the spinner must show.
PADLINE_LISTEN="127.0.0.1:$PORT" PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="tui-test-secret-$$" \
	PADLINE_PWHASH_OPSLIMIT=10 PADLINE_LOG=debug "$PADLINE_BIN" >"$SLOG" 2>&1 &
SRV_PID=$!
for _ in $(seq 1 300); do
	(exec 6<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
	kill -0 "$SRV_PID" 2>/dev/null || die "padlined exited"
	sleep 0.2
done
rpc_open
# Every method the TUI uses must exist: an unknown one fails the test.
for m in user.register session.login pad.list pad.create pad.update pad.backups \
	pad.restore pad.delete template.list user.stats user.list events.since; do
	rpc "$m" '{}'
	if [ "$(jget "$REPLY_LINE" error.code)" = "-32601" ]; then
		die "padlined has no method $m"
	fi
done
rpc_close
# The TUI and watch use a subscribe-only Redis user (padlined redis-acl), as
# scripts/up does: everything live below must work without write rights.
DASH_USER="tui_dash_$$"
DASH_PW="dash-$$-$RANDOM$RANDOM"
printf '%s\n' "$DASH_PW" | PADLINE_SCHEMA="$SCHEMA" "$PADLINE_BIN" redis-acl "$DASH_USER" --password-stdin |
	redis-cli -u "$REDIS_URL" | grep -qx OK || die "could not create the subscribe-only Redis user"
rhp=${REDIS_URL#redis://}
rhp=${rhp##*@}
DASH_REDIS="redis://$DASH_USER:$DASH_PW@${rhp%%/*}"
[ "$(redis-cli -u "$DASH_REDIS" --no-auth-warning publish "padline:events:$SCHEMA" x 2>&1 | cut -c1-6)" = NOPERM ] ||
	fail "the dashboard's Redis user may PUBLISH"
ADMIN_PW="Admin-Passw0rd!"
printf '%s\n' "$ADMIN_PW" | PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="tui-test-secret-$$" \
	"$PADLINE_BIN" create-user admin --admin >"$T/create.log" 2>&1 || die "create-user failed: $(cat "$T/create.log")"

cat >"$T/editor.sh" <<'EDIT'
#!/bin/sh
# The "user" of $EDITOR: records the file mode; the first time leaves a
# syntax error, the second time writes good data.
d=$(dirname "$0")
stat -c %a "$1" > "$d/editor.mode"
if [ ! -e "$d/editor.once" ]; then
	touch "$d/editor.once"
	printf '{"edited": true,\n  oops\n' > "$1"
else
	printf '{"edited": true, "n": 42, "text": "héllo"}\n' > "$1"
fi
EDIT
chmod +x "$T/editor.sh"

PW="abcDEFghij1!xy" # typed in two parts below

# ---- register by typing ----
start_tui
wait_for "Sign in to padline" || die "no login screen"
keys C-r
wait_for "Create an account" || die "no register screen"
type_text "tuiuser1"; keys Tab; type_text "tui1@example.org"; keys Tab
type_text "abc"
wait_for "✗ an uppercase letter" || fail "checklist does not show the missing uppercase"
screen | grep -qF "✓ a lowercase letter" || fail "checklist: lowercase not ✓"
screen > "$T/register.txt"
type_text "DEFghij1!xy"
sleep 0.3
rules=$(screen | sed -n '/Password rules/,/Create account/p')
[ "$(printf '%s\n' "$rules" | grep -c '✓')" -ge 6 ] || fail "not every rule turned ✓"
printf '%s\n' "$rules" | grep -qF '✗' && fail "a rule still ✗ for a valid password"
ok "live checklist turns ✓ rule by rule"
keys Tab; type_text "$PW"
wait_for "passwords match" || fail "confirmation not recognised"
screen > "$T/register_full.txt"
keys Enter
wait_for "working" 3 && ok "spinner while the registration takes > 200 ms" ||
	fail "no spinner during a slow request"
wait_for "Account created" 15 || die "registration did not succeed"
screen | grep -qF "tuiuser1" || fail "username not filled in after registration"
[ "$(sql "select count(*) from users where username='tuiuser1'")" = 1 ] || fail "user not in the database"
ok "registered through the form"

# ---- 409 inline ----
keys C-r
wait_for "Create an account" || die "no register screen (2)"
type_text "tuiuser1"; keys Tab Tab; type_text "$PW"; keys Tab; type_text "$PW"; keys Enter
wait_for "already taken" 15 || fail "409 not shown next to the username"
ok "409 username_taken shown inline"
keys Escape
wait_for "Sign in to padline" || die "Esc did not go back to sign in"

# ---- wrong password, then login ----
# The username is still filled in from the registration: focus is on the password.
type_text "wrong-password"; keys Enter
wait_for "Wrong username or password" 15 || fail "bad login not reported"
type_text "$PW"; keys Enter
wait_for "No pads yet" 15 || die "login did not reach the pads screen"
ok "logged in"
[ "$(stat -c %a "$T/state/padline/session")" = 600 ] || fail "session file not mode 0600"

# ---- create from a template ----
keys n
wait_for "New pad name" || die "no name prompt"
type_text "Plan A"; keys Enter
if wait_for "(empty pad)" 5; then
	# Not the first template ("blank" may be {}): the second one.
	keys Down Down Enter
fi
wait_for "Created Plan A" 15 || fail "pad not created"
wait_for " Plan A" 5 || fail "new pad not listed"
ORIG=$(sql "select data::text from pads where display_name='Plan A'")
[ -n "$ORIG" ] || fail "pad not in the database"
[ "$ORIG" != "{}" ] || fail "template data not applied"
ok "pad created from a template"

# ---- edit in $EDITOR: a syntax error first, re-edit, save ----
keys e
wait_for "Syntax error" 15 || fail "invalid JSON from the editor not caught"
screen | grep -qF "line 2" || fail "syntax error without its line"
[ "$(sql "select data->>'edited' from pads where display_name='Plan A'")" = "" ] || fail "invalid edit reached the server"
keys y
wait_for "Pad saved" 15 || fail "edit not saved"
DATA=$(sql "select data->>'n' from pads where display_name='Plan A'")
[ "$DATA" = 42 ] || fail "server does not have the edited data ($DATA)"
[ "$(cat "$T/editor.mode" 2>/dev/null)" = 600 ] || fail "temp file not mode 0600"
ok "edited in \$EDITOR, server has the new data"
keys Enter
wait_for '"edited": true' 10 || fail "viewer does not show the pretty JSON"
keys q

# ---- backups + restore ----
keys b
wait_for "Backups of Plan A" 10 || fail "no backups view"
keys Enter
wait_for "Restore backup" 5 || fail "no restore confirmation"
keys y
wait_for "Restored." 15 || fail "restore failed"
[ "$(sql "select data::text from pads where display_name='Plan A'")" = "$ORIG" ] || fail "restore did not bring back the template data"
ok "backup restored"

# ---- rename, filter ----
keys r
wait_for "Rename pad" 5 || fail "no rename prompt"
keys C-u; type_text "Plan B"; keys Enter
wait_for " Plan B" 10 || fail "renamed pad not listed"
[ "$(sql "select count(*) from pads where display_name='Plan B'")" = 1 ] || fail "rename not in the database"
keys /; type_text "zzz"
wait_for "No pad matches the filter." 5 || fail "filter does not hide the pad"
keys Escape
wait_for " Plan B" 5 || fail "Esc does not clear the filter"
ok "pad renamed; filter hides and Esc restores"

# ---- delete ----
keys d
wait_for "Delete pad" 5 || fail "no delete confirmation"
keys y
wait_for "Deleted." 15 || fail "delete failed"
[ "$(sql "select count(*) from pads where display_name='Plan B'")" = 0 ] || fail "pad still in the database"
ok "pad deleted"

# ---- session resume ----
keys q
wait_for "EXITED rc=0" 5 || fail "q did not quit cleanly"
start_tui
wait_for "No pads yet" 15 || fail "saved session not resumed"
ok "session resumed from the session file"
keys L
wait_for "Sign in to padline" 10 || fail "sign out"
screen | grep -q "Username *tuiuser1" || fail "sign out does not keep the username"

# ---- admin dashboard, live ----
keys BTab C-u; type_text "admin"; keys Tab; type_text "$ADMIN_PW"; keys Enter
wait_for "1 Pads  2 Dashboard" 15 || die "admin login"
keys 2
wait_for "Signups per minute" 10 || die "no dashboard"
wait_for "live: on" 10 || fail "Redis subscription not up"
sleep 0.5
rpc_open
register_user liveuser7 live7@example.org
# From the moment the registration is answered (argon2 is not the TUI's time).
t0=$(date +%s%N)
[ -n "$(jget "$REPLY_LINE" result.user.id)" ] || fail "second client could not register: $REPLY_LINE"
if wait_for "liveuser7" 1; then
	t1=$(date +%s%N)
	ok "new signup on the dashboard after $(( (t1 - t0) / 1000000 )) ms"
else
	fail "signup not on the dashboard within 1 s"
fi
screen > "$T/dashboard.txt"
# p pauses the table (events are kept), / filters it.
keys p
wait_for "PAUSED" 5 || fail "p does not pause"
register_user paused8
sleep 0.5
screen | grep -qF "paused8" && fail "paused table still updates"
keys p
wait_for "paused8" 5 || fail "held events not shown after resuming"
keys /; type_text "liveuser"; keys Enter
sleep 0.3
screen | grep -qF "paused8" && fail "filter does not hide other signups"
screen | grep -qF "liveuser7" || fail "filter hides the matching signup"
keys Escape
ok "dashboard pause and filter"
rpc_close

# ---- users & invitations ----
keys 3
wait_for "tuiuser1" 10 || fail "user list does not show tuiuser1"
keys c
wait_for "Invitation note" 5 || fail "no invitation prompt"
type_text "for bob"; keys Enter
wait_for "Invitation code:" 10 || fail "invitation code not shown"
INV_CODE=$(screen | grep -A2 "Invitation code:" | tail -1 | tr -d '│ ')
[ "$(sql "select count(*) from invitations")" = 1 ] || fail "invitation not in the database"
keys Enter v
wait_for "for bob" 10 || fail "invitation list does not show the new one"
ok "users list and invitations"
keys 2
wait_for "Signups per minute" 5 || fail "back to the dashboard"

# ---- resize ----
tm resize-window -t tui -x 60 -y 20
wait_for "Terminal too small" 5 || fail "no 'too small' at 60x20"
tm resize-window -t tui -x 100 -y 30
wait_for "Signups per minute" 5 || fail "dashboard not back after resize"
keys '?'
wait_for "Help" 5 || fail "no help"
keys x
keys q
wait_for "EXITED rc=0" 5 || fail "quit from dashboard"
ok "resize and quit"

# ---- NO_COLOR, vt100, ASCII ----
TUI_TERM=vt100 start_tui NO_COLOR=1 LANG=C LC_ALL=C
# The admin session is resumed from the session file.
wait_for "1 Pads  2 Dashboard" 15 || fail "no screen under vt100/NO_COLOR"
screen | grep -qF "padline - Pads" || fail "no ASCII stand-ins in the C locale"
keys 2
if wait_for "Signups per minute" 10; then
	screen | grep -qF "█" && fail "block characters in a non-UTF-8 locale"
	ok "vt100 / NO_COLOR / ASCII dashboard"
else
	fail "no dashboard under vt100"
fi
keys q
wait_for "EXITED rc=0" 5 || fail "quit under vt100"

# ---- gap filled with events.since after a Redis reconnect ----
if command -v redis-server >/dev/null; then
	# The dashboard listens to a private Redis that padlined does not publish to,
	# so whatever it shows after the outage came from the backfill.
	RPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	start_redis() { redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 & RDS_PID=$!; }
	start_redis
	sleep 0.3
	TUI_REDIS="redis://127.0.0.1:$RPORT" start_tui
	wait_for "1 Pads  2 Dashboard" 15 || fail "admin session not resumed"
	keys 2
	wait_for "live: on" 10 || fail "not subscribed to the private Redis"
	# No event has reached it: it must have learnt where the log stands
	# (events.since search) to know what to backfill.
	sleep 1
	kill "$RDS_PID"; wait "$RDS_PID" 2>/dev/null
	wait_for "reconnecting" 5 || fail "Redis loss not shown"
	rpc_open
	register_user gapuser3
	rpc_close
	sleep 0.5
	screen | grep -qF "gapuser3" && fail "signup seen without Redis (test is wrong)"
	start_redis
	wait_for "live: on" 15 || fail "no resubscription after Redis came back"
	wait_for "gapuser3" 10 && ok "signup missed during the outage filled in by events.since" ||
		fail "gap not filled after reconnect"
	keys q
	wait_for "EXITED rc=0" 5 || fail "quit after the gap test"
	kill "$RDS_PID" 2>/dev/null; wait "$RDS_PID" 2>/dev/null; RDS_PID=
else
	echo "skip: no redis-server for the Redis outage part"
fi

# ---- signals restore the terminal ----
before=$fails
for sig in TERM HUP INT; do
	start_tui
	wait_for "1 Pads" 15 || fail "no screen before SIG$sig"
	if [ $sig = INT ]; then
		keys C-c
	else
		kill -$sig "$(pgrep -P "$(tm display -p -t tui '#{pane_pid}')" -x padline)"
	fi
	wait_for "EXITED rc=0" 5 || fail "SIG$sig did not end padline cleanly"
	# stty prints "-icanon -echo" if curses left the terminal raw.
	wait_for "icanon echo" 5 && ! screen | grep -qF -- "-icanon" ||
		fail "terminal not restored after SIG$sig"
done
[ $fails -eq $before ] && ok "SIGTERM, SIGHUP and Ctrl-C restore the terminal"

# ---- padline watch ----
rpc_open
for _ in $(seq 1 30); do
	rpc session.login "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}"
	[ "$(jget "$REPLY_LINE" error.code)" = 503 ] || break
	sleep 1
done
TOKEN=$(jget "$REPLY_LINE" result.token)
PADLINE_TOKEN="$TOKEN" "$PADLINE_TUI_BIN" watch --server "127.0.0.1:$PORT" --redis "$DASH_REDIS" >"$T/watch.out" 2>"$T/watch.err" &
WATCH_PID=$!
for _ in $(seq 1 50); do grep -q "watching" "$T/watch.err" && break; sleep 0.1; done
sleep 0.3
register_user watched9
for _ in $(seq 1 30); do grep -q watched9 "$T/watch.out" && break; sleep 0.1; done
grep -q "watched9" "$T/watch.out" && ok "padline watch printed the new user" || fail "watch: $(cat "$T/watch.err")"
kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null; WATCH_PID=

# watch, too, fills a Redis outage from events.since.
if command -v redis-server >/dev/null; then
	start_redis
	sleep 0.3
	PADLINE_TOKEN="$TOKEN" "$PADLINE_TUI_BIN" watch --json --server "127.0.0.1:$PORT" \
		--redis "redis://127.0.0.1:$RPORT" >"$T/watch2.out" 2>"$T/watch2.err" &
	WATCH_PID=$!
	for _ in $(seq 1 50); do grep -q "watching" "$T/watch2.err" && break; sleep 0.1; done
	sleep 0.5
	sleep 1 # the events.since search for where the log stands
	kill "$RDS_PID"; wait "$RDS_PID" 2>/dev/null
	register_user watchgap6 gap6@example.org
	sleep 0.5
	start_redis
	for _ in $(seq 1 100); do grep -q watchgap6 "$T/watch2.out" && break; sleep 0.1; done
	python3 -c 'import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
assert any(r["username"]=="watchgap6" and r["email"]=="gap6@example.org" for r in rows), rows' "$T/watch2.out" &&
		ok "watch --json: the signup during a Redis outage arrives by backfill" ||
		fail "watch did not backfill: $(cat "$T/watch2.err")"
	kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null; WATCH_PID=
	kill "$RDS_PID" 2>/dev/null; wait "$RDS_PID" 2>/dev/null; RDS_PID=
fi
rpc_close

# ---- registration by invitation (a second padlined, same schema) ----
PORT2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PADLINE_LISTEN="127.0.0.1:$PORT2" PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="tui-test-secret-$$" \
	PADLINE_REGISTRATION=invite "$PADLINE_BIN" >"$LOGDIR/tui_test_$$_invite.log" 2>&1 &
SRV2_PID=$!
for _ in $(seq 1 150); do (exec 6<>"/dev/tcp/127.0.0.1/$PORT2") 2>/dev/null && break; sleep 0.2; done
TUI_PORT=$PORT2 TUI_STATE=$T/state2 start_tui
wait_for "Sign in to padline" 15 || fail "no login on the invite-only server"
keys C-r
wait_for "Invitation" 10 || fail "no invitation field when registration is invite"
type_text "invited2"; keys Tab Tab; type_text "$PW"; keys Tab; type_text "$PW"; keys Tab
type_text "WRONG-CODE"; keys Enter
wait_for "unknown invitation code" 15 || fail "bad invitation not shown"
screen | grep -B1 "unknown invitation code" | grep -q "Invitation" ||
	fail "invitation error not next to its field"
[ -n "$INV_CODE" ] || fail "no invitation code captured"
keys C-u; type_text "$INV_CODE"; keys Enter
wait_for "Account created" 15 && ok "registered with an invitation; a bad code shown at its field" ||
	fail "registration with the invitation failed"
[ "$(sql "select count(*) from invitations where used_by_id is not null")" = 1 ] ||
	fail "invitation not marked used"
keys Escape
wait_for "EXITED rc=0" 5 || fail "quit from the invite-only server's login"
kill "$SRV2_PID"; wait "$SRV2_PID" 2>/dev/null; SRV2_PID=

# ---- padline watch asks for a login on the tty without PADLINE_TOKEN ----
tm new-session -d -s watch -x 120 -y 20 "env -u PADLINE_TOKEN $PADLINE_TUI_BIN watch --server 127.0.0.1:$PORT --redis $DASH_REDIS; sleep 30"
wscreen() { tm capture-pane -t watch -p; }
for _ in $(seq 1 50); do wscreen | grep -q "Admin username:" && break; sleep 0.1; done
tm send-keys -t watch -l admin; tm send-keys -t watch Enter
for _ in $(seq 1 50); do wscreen | grep -q "Password:" && break; sleep 0.1; done
tm send-keys -t watch -l "$ADMIN_PW"; tm send-keys -t watch Enter
for _ in $(seq 1 100); do wscreen | grep -q "watching" && break; sleep 0.1; done
wscreen | grep -qF "$ADMIN_PW" && fail "watch echoed the password"
rpc_open
register_user ttywatch5 tty5@example.org
rpc_close
for _ in $(seq 1 30); do wscreen | grep -q "ttywatch5" && break; sleep 0.1; done
wscreen | grep "ttywatch5" | grep -qF "tty5@example.org" && ok "watch: tty login, one line per new user" ||
	{ fail "watch with a tty login"; wscreen; }

echo "--- register form, password typed halfway:"; sed -n 1,14p "$T/register.txt"
echo "--- register form, complete:"; cat "$T/register_full.txt"
echo "--- dashboard:"; cat "$T/dashboard.txt"
if [ $fails -ne 0 ]; then
	echo "--- server: failed requests and warnings"
	grep -E 'code=[1-9-]|level=(warn|error)' "$SLOG" | tail -30
	if ! kill -0 "$SRV_PID" 2>/dev/null; then
		wait "$SRV_PID"
		echo "--- padlined DIED (status $?); its last lines:"
		tail -15 "$SLOG"
	fi
	echo "$fails failure(s)"
	exit 1
fi
echo PASS
