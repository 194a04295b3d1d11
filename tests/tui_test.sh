#!/usr/bin/env bash
# End to end test of the padline TUI driven in tmux against a real padlined
# (own schema, free port) on the shared PostgreSQL / Redis: register with the
# live checklist, 409 inline, login, pads from a template, $EDITOR round trip,
# backups + restore, delete, the admin dashboard fed live, resize, NO_COLOR /
# vt100 / ASCII, session resume, `padline watch`.
#
# Deterministic on a loaded machine: every check waits for the event itself
# (the screen, a file, the database) under one generous timeout ($WAIT) that
# only catches a hang; nothing is timed. Requests the test must catch "in
# flight" go through a proxy that holds their reply until the test releases it.
. "$(dirname "$0")/support/tui_lib.sh"

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

PW="abcDEFghij1!xy" # typed in two parts below

# ---- register by typing ----
start_tui
wait_for "Sign in to padline" || die "no login screen"
keys C-r
wait_for "Create an account" || die "no register screen"
type_text "tuiuser1"; keys Tab; type_text "tui1@example.org"; keys Tab
type_text "abc"
# The empty field already shows every rule ✗: wait for "abc"'s state, its
# lowercase ✓ and the uppercase still ✗.
wait_until eval 'on_screen "✓ a lowercase letter" && on_screen "✗ an uppercase letter"' ||
	fail "checklist: lowercase not ✓ or the missing uppercase not ✗"
screen > "$T/register.txt"
type_text "DEFghij1!xy"
rules_all_met() {
	rules=$(screen | sed -n '/Password rules/,/Create account/p')
	[ "$(printf '%s\n' "$rules" | grep -c '✓')" -ge 6 ] && ! printf '%s\n' "$rules" | grep -qF '✗'
}
wait_until rules_all_met && ok "live checklist turns ✓ rule by rule" ||
	fail "not every rule turned ✓ for a valid password: $rules"
keys Tab; type_text "$PW"
wait_for "passwords match" || fail "confirmation not recognised"
screen > "$T/register_full.txt"
# The proxy holds user.register's reply: the request is slow for as long as
# the test says, whatever the machine's speed.
echo user.register >"$T/hold"
keys Enter
wait_file "$T/held" held || die "user.register never answered"
wait_for "working" && ok "spinner while a request is in flight" ||
	fail "no spinner during a slow request"
touch "$T/release"
wait_gone "working" || fail "spinner stays after the reply"
rm -f "$T/hold" "$T/held" "$T/release"
wait_for "Account created" || die "registration did not succeed"
screen | grep -qF "tuiuser1" || fail "username not filled in after registration"
[ "$(sql "select count(*) from users where username='tuiuser1'")" = 1 ] || fail "user not in the database"
ok "registered through the form"

# ---- 409 inline ----
keys C-r
wait_for "Create an account" || die "no register screen (2)"
type_text "tuiuser1"; keys Tab Tab; type_text "$PW"; keys Tab; type_text "$PW"; keys Enter
wait_for "already taken" || fail "409 not shown next to the username"
ok "409 username_taken shown inline"
keys Escape
wait_for "Sign in to padline" || die "Esc did not go back to sign in"

# ---- wrong password, then login ----
# The username is still filled in from the registration: focus is on the password.
type_text "wrong-password"; keys Enter
wait_for "Wrong username or password" || fail "bad login not reported"
type_text "$PW"; keys Enter
wait_for "No pads yet" || die "login did not reach the pads screen"
ok "logged in"
[ "$(stat -c %a "$T"/state/padline/sessions/*)" = 600 ] || fail "session file not mode 0600 (or not one)"

# ---- create from a template ----
keys n
wait_for "New pad name" || die "no name prompt"
type_text "Plan A"; keys Enter
# The server has templates: the pick always comes (once template.list answers).
wait_for "Blank pad" || fail "no template pick"
# Not the first template ("blank" may be {}): the second one.
keys Down Down Enter
wait_for "Created Plan A" || fail "pad not created"
wait_for " Plan A" || fail "new pad not listed"
ORIG=$(sql "select data::text from pads where display_name='Plan A'")
[ -n "$ORIG" ] || fail "pad not in the database"
[ "$ORIG" != "{}" ] || fail "template data not applied"
ok "pad created from a template"

# ---- edit in $EDITOR: a syntax error first, re-edit, save ----
keys e
wait_for "Syntax error" || fail "invalid JSON from the editor not caught"
screen | grep -qF "line 2" || fail "syntax error without its line"
[ "$(sql "select data->>'edited' from pads where display_name='Plan A'")" = "" ] || fail "invalid edit reached the server"
keys e
wait_for "Pad saved" || fail "edit not saved"
DATA=$(sql "select data->>'n' from pads where display_name='Plan A'")
[ "$DATA" = 42 ] || fail "server does not have the edited data ($DATA)"
[ "$(cat "$T/editor.mode" 2>/dev/null)" = 600 ] || fail "temp file not mode 0600"
ok "edited in \$EDITOR, server has the new data"
keys Enter
wait_for '"edited": true' || fail "viewer does not show the pretty JSON"
keys q

# ---- backups + restore ----
keys b
wait_for "Backups of Plan A" || fail "no backups view"
keys r
wait_for "Restore backup" || fail "no restore confirmation"
keys y
wait_for "Restored." || fail "restore failed"
[ "$(sql "select data::text from pads where display_name='Plan A'")" = "$ORIG" ] || fail "restore did not bring back the template data"
ok "backup restored"

# ---- rename, filter ----
keys r
wait_for "Rename pad" || fail "no rename prompt"
# The line editor: typing in the middle of a field, readline keys.
keys C-u; type_text "Pn C"; keys Home Right; type_text "la"; keys End BSpace
type_text "X"; keys C-a C-k; type_text "Pl B"; keys C-a Right Right; type_text "an"
wait_for "Plan B" || fail "editing in the middle of a field: $(screen | grep -F "Pl")"
keys Enter
wait_for " Plan B" || fail "renamed pad not listed"
[ "$(sql "select count(*) from pads where display_name='Plan B'")" = 1 ] || fail "rename not in the database"
ok "a field edits like readline (Home, ←→, ^A ^K, typing in the middle)"
keys /; type_text "zzz"
wait_for "No pad matches the filter." || fail "filter does not hide the pad"
keys Escape
wait_for " Plan B" || fail "Esc does not clear the filter"
# q with a filter kept: clears it, does not quit.
keys /; type_text "zzz"; keys Enter
wait_for "No pad matches the filter." || fail "filter not kept"
keys q
wait_for " Plan B" || fail "q does not clear the filter first"
on_screen "EXITED" && die "q with a filter quit the app"
ok "pad renamed; filter hides, Esc and q clear it"

# ---- wide characters line up (cells, not bytes) ----
WIDE="uxc 中文名字 emoji 🎉 wide"
keys n
wait_for "New pad name" || die "no name prompt"
type_text "$WIDE"; keys Enter
wait_for "Blank pad" || fail "no template pick"
keys Enter
wait_for "Created uxc" || fail "wide-named pad not created"
wait_for "uxc 中文" || fail "wide-named pad not listed"
# The Updated column starts at the same screen cell on both rows.
date_cells() {
	screen | python3 -c 'import re,sys,unicodedata
def w(s): return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
for l in sys.stdin:
    if sys.argv[1] in l:
        m = re.search(r"\d{4}-\d\d-\d\d", l)
        if m:
            print(w(l[:m.start()]))
            break' "$1"
}
# Polled: one capture can catch the list between two redraws.
columns_aligned() {
	local a b
	a=$(date_cells "uxc") b=$(date_cells "Plan B")
	[ -n "$a" ] && [ "$a" = "$b" ]
}
wait_until columns_aligned &&
	ok "a wide-character pad name keeps the columns lined up" ||
	fail "columns do not line up: $(date_cells "uxc") vs $(date_cells "Plan B")"
# s cycles the sort: name (A-Z), then the newest change first.
row_of() { screen | grep -nF -- "$1" | grep -v Created | head -1 | cut -d: -f1; }
plan_first() { [ "$(row_of "Plan B")" -lt "$(row_of "uxc 中文")" ]; }
uxc_first() { [ "$(row_of "uxc 中文")" -lt "$(row_of "Plan B")" ]; }
keys s
wait_for "Name ↑" && wait_until plan_first || fail "s does not sort by name"
keys s
wait_for "Updated (UTC) ↓" && wait_until uxc_first && ok "s sorts the pads (name, newest change)" ||
	fail "s does not sort by the newest change"
# Select Plan B for the delete below: filter to it.
keys /; type_text "Plan B"; keys Enter
wait_gone "uxc" || fail "filter to Plan B"

# ---- delete ----
keys d
wait_for "Delete pad" || fail "no delete confirmation"
keys y
wait_for "Deleted." || fail "delete failed"
[ "$(sql "select count(*) from pads where display_name='Plan B' and deleted_at is null")" = 0 ] || fail "pad still live in the database"
[ "$(sql "select count(*) from pads where display_name='Plan B' and deleted_at is not null")" = 1 ] || fail "pad not in the trash"
ok "pad deleted (to the trash)"
keys Escape
wait_for "uxc" || fail "Esc does not clear the kept filter"

# ---- session resume ----
keys q
wait_for "EXITED rc=0" || fail "q did not quit cleanly"
start_tui
wait_for "uxc 中文" || fail "saved session not resumed"
ok "session resumed from the session file"
keys L
wait_for "Sign out and forget" || fail "L does not ask before signing out"
keys y
wait_for "Sign in to padline" || fail "sign out"
screen | grep -q "Username *tuiuser1" || fail "sign out does not keep the username"

# ---- admin dashboard, live ----
keys BTab C-u; type_text "admin"; keys Tab; type_text "$ADMIN_PW"; keys Enter
wait_for "1 Pads  2 Dashboard" || die "admin login"
keys 2
wait_for "Signups per minute" || die "no dashboard"
# "live: on" = subscribed and the log's position known: nothing is missed.
wait_for "live: on" || fail "Redis subscription not up"
rpc_open
register_user liveuser7 live7@example.org
# From the moment the registration is answered (argon2 is not the TUI's time).
t0=$(date +%s%N)
[ -n "$(jget "$REPLY_LINE" result.user.id)" ] || fail "second client could not register: $REPLY_LINE"
if wait_for "liveuser7"; then
	t1=$(date +%s%N)
	# Reported, not asserted: a loaded machine may take longer.
	ok "new signup on the dashboard after $(( (t1 - t0) / 1000000 )) ms"
else
	fail "signup never reached the dashboard"
fi
screen > "$T/dashboard.txt"
# p pauses the table (events are kept), / filters it.
keys p
wait_for "paused · +0 new" || fail "p does not pause"
events_now=$(screen | sed -n 's/.* events \([0-9]*\) .*/\1/p' | head -1)
[ -n "$events_now" ] || fail "no event count on the dashboard"
register_user paused8
# The event is counted as received while paused: then it must not be drawn.
wait_until eval '! on_screen " events $events_now "' || fail "paused8's event never arrived (register: $REPLY_LINE)"
on_screen "paused8" && fail "paused table still updates"
keys p
wait_for "paused8" || fail "held events not shown after resuming"
keys /; type_text "liveuser"; keys Enter
wait_gone "paused8" || fail "filter does not hide other signups"
on_screen "liveuser7" || fail "filter hides the matching signup"
keys Escape
ok "dashboard pause and filter"
# Scroll-back: more signups than rows; End shows the oldest, Home the newest.
for i in $(seq -w 1 20); do register_user "scroll$i"; done
wait_for "scroll20" || fail "the 20 signups did not arrive"
wait_for " of " || fail "no row count on a table longer than the screen"
keys End
wait_gone "scroll20" && wait_for "tuiuser1" || fail "End does not scroll back to the oldest"
keys PageUp
wait_gone "tuiuser1" || fail "PgUp does not scroll"
keys Home
wait_for "scroll20" && ok "the dashboard table scrolls back (End, PgUp, Home)" ||
	fail "Home does not come back to the newest"
rpc_close

# ---- users & invitations (its own screen, 5) ----
keys 3
wait_for "tuiuser1" || fail "user list does not show tuiuser1"
NUSERS=$(sql "select count(*) from users")
wait_for "of $NUSERS" && ok "the users screen counts all users ($NUSERS)" ||
	fail "no overall user count: $(screen | tail -4 | head -1)"
# Substring search on the server: "IUSER" is inside tuiuser1, any case.
keys /; type_text "IUSER"; keys Enter
wait_gone "liveuser7" && on_screen "tuiuser1" && ok "user search matches a substring (server side)" ||
	fail "user search by substring: $(screen | sed -n 3,8p)"
keys q
wait_for "liveuser7" || fail "q does not clear the user search"
keys 5 n
wait_for "Invitation note" || fail "no invitation prompt"
type_text "for bob"; keys Enter
wait_for "Expires in" || fail "no expiry pick"
keys Enter
wait_for "Invitation code:" || fail "invitation code not shown"
# The dialog's last line is drawn after the code: then the code is whole
# (a capture can catch a frame half written).
wait_for "Enter close" || fail "invitation dialog not complete"
# Only the code: the rows beside the dialog show the user list.
INV_CODE=$(screen | grep -A2 "Invitation code:" | tail -1 | grep -oE '[0-9a-f]{48}')
[ "$(sql "select count(*) from invitations")" = 1 ] || fail "invitation not in the database"
keys Enter
wait_for "for bob" || fail "invitation list does not show the new one"
ok "users list and invitations"
keys 4
wait_for "Health      PostgreSQL up, Redis up" && ok "server screen shows server.stats" ||
	fail "server screen: $(screen | sed -n 2,8p)"
keys 2
wait_for "Signups per minute" || fail "back to the dashboard"

# ---- resize ----
tm resize-window -t tui -x 60 -y 20
wait_for "Terminal too small" || fail "no 'too small' at 60x20"
tm resize-window -t tui -x 100 -y 30
wait_for "Signups per minute" || fail "dashboard not back after resize"
keys '?'
wait_for "Help" || fail "no help"
keys x # not a closing key: the help stays
keys q
wait_gone "q Esc ? close" || fail "q does not close the help"
# q on a screen goes back to the first one; only there does it quit.
keys q
wait_for " Name " || fail "q on the dashboard does not go back to the pads"
on_screen "EXITED" && fail "q on the dashboard quits"
keys q
wait_for "EXITED rc=0" || fail "quit from the pads screen"
ok "resize; q goes back, then quits"

# ---- NO_COLOR, vt100, ASCII ----
TUI_TERM=vt100 start_tui NO_COLOR=1 LANG=C LC_ALL=C
# The admin session is resumed from the session file.
wait_for "1 Pads  2 Dashboard" || fail "no screen under vt100/NO_COLOR"
screen | grep -qF "padline - Pads" || fail "no ASCII stand-ins in the C locale"
keys 2
if wait_for "Signups per minute" 10; then
	screen | grep -qF "█" && fail "block characters in a non-UTF-8 locale"
	ok "vt100 / NO_COLOR / ASCII dashboard"
	# vt100 has no PgUp/PgDn keys: ^F / ^D page, ^B / ^U back (Space
	# pauses the dashboard).
	# First the table itself (user.list answers after the strip is drawn).
	wait_for " 1-15 of " || fail "dashboard table not loaded under vt100"
	# (the last page ends at the oldest row, so its first number varies)
	keys C-d
	wait_gone " 1-15 of " || fail "^D does not page under vt100: $(screen | tail -3 | head -1)"
	keys C-b
	wait_for " 1-15 of " || fail "^B does not page back under vt100"
	keys C-f
	wait_gone " 1-15 of " && ok "vt100: ^D, ^F and ^B page" || fail "^F does not page under vt100"
else
	fail "no dashboard under vt100"
fi
keys q q
wait_for "EXITED rc=0" || fail "quit under vt100"

# ---- Redis unreachable: the dashboard says why and polls ----
# The dashboard listens to a private Redis (with a password) that
# padlined does not publish to: what it shows came from events.since.
RPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RPASS="rds-secret-$$"
RREDIS="redis://:$RPASS@127.0.0.1:$RPORT"
# The password in a file, not on redis-server's command line.
printf 'port %s\nbind 127.0.0.1\nrequirepass %s\nsave ""\nappendonly no\n' "$RPORT" "$RPASS" >"$T/redis.conf"
start_redis() {
	redis-server "$T/redis.conf" >/dev/null 2>&1 &
	RDS_PID=$!
	wait_until port_open "$RPORT" || die "private redis-server does not start"
}
start_redis
TUI_REDIS=$RREDIS start_tui
wait_for "1 Pads  2 Dashboard" || fail "admin session not resumed"
keys 2
# "on" also says it has learnt where the log stands (events.since).
wait_for "live: on" || fail "not subscribed to the private Redis"
kill "$RDS_PID"; wait "$RDS_PID" 2>/dev/null
wait_for "live: polling" || fail "Redis loss not shown"
wait_for "Redis unreachable (redis://127.0.0.1:$RPORT: " ||
	fail "the dashboard does not say what is unreachable: $(screen | grep -i redis)"
on_screen "$RPASS" && fail "the Redis password is on the screen"
rpc_open
register_user gapuser3
rpc_close
wait_for "gapuser3" && ok "Redis down: the dashboard says why and polls events.since" ||
	fail "no signup while polling"
start_redis
wait_for "live: on" || fail "no resubscription after Redis came back"
wait_gone "Redis unreachable" || fail "the Redis message stays after it came back"
keys q q
wait_for "EXITED rc=0" || fail "quit after the Redis test"
kill "$RDS_PID" 2>/dev/null; wait "$RDS_PID" 2>/dev/null; RDS_PID=

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
start_redis
PADLINE_DASH_REDIS_URL=$RREDIS env -u PADLINE_TOKEN XDG_STATE_HOME="$T/state" \
	"$PADLINE_TUI_BIN" watch --json --server "127.0.0.1:$PPORT" >"$T/watch2.out" 2>"$T/watch2.err" &
WATCH_PID=$!
wait_file "$T/watch2.err" "watching" || fail "watch never started: $(cat "$T/watch2.err")"
kill "$RDS_PID"; wait "$RDS_PID" 2>/dev/null
wait_file "$T/watch2.err" "Redis unreachable (redis://127.0.0.1:$RPORT: " ||
	fail "watch does not say what is unreachable: $(cat "$T/watch2.err")"
in_file "$T/watch2.err" "$RPASS" && fail "watch printed the Redis password"
register_user watchgap6 gap6@example.org
register_user watchnull7
wait_file "$T/watch2.out" watchnull7 || fail "watch does not poll while Redis is down"
start_redis
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
kill "$RDS_PID" 2>/dev/null; wait "$RDS_PID" 2>/dev/null; RDS_PID=
rpc_close

# ---- registration by invitation (a second padlined, same schema) ----
PORT2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PADLINE_LISTEN="127.0.0.1:$PORT2" PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="tui-test-secret-$$" \
	PADLINE_REGISTRATION=invite "$PADLINE_BIN" >"$LOGDIR/tui_test_$$_invite.log" 2>&1 &
SRV2_PID=$!
wait_until port_open "$PORT2" || fail "the invite-only padlined does not listen"
TUI_PORT=$PORT2 TUI_STATE=$T/state2 start_tui
wait_for "Sign in to padline" || fail "no login on the invite-only server"
keys C-r
wait_for "Invitation" || fail "no invitation field when registration is invite"
type_text "invited2"; keys Tab Tab; type_text "$PW"; keys Tab; type_text "$PW"; keys Tab
type_text "WRONG-CODE"; keys Enter
wait_for "unknown invitation code" || fail "bad invitation not shown"
screen | grep -B1 "unknown invitation code" | grep -q "Invitation" ||
	fail "invitation error not next to its field"
[ -n "$INV_CODE" ] || fail "no invitation code captured"
keys C-u; type_text "$INV_CODE"; keys Enter
wait_for "Account created" && ok "registered with an invitation; a bad code shown at its field" ||
	fail "registration with the invitation failed"
[ "$(sql "select count(*) from invitations where used_by_id is not null")" = 1 ] ||
	fail "invitation not marked used"
keys Escape # Esc goes to the Quit button (it never quits), Enter presses it
keys Enter
wait_for "EXITED rc=0" || fail "quit from the invite-only server's login"
kill "$SRV2_PID"; wait "$SRV2_PID" 2>/dev/null; SRV2_PID=

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

echo "--- register form, password typed halfway:"; sed -n 1,14p "$T/register.txt"
echo "--- register form, complete:"; cat "$T/register_full.txt"
echo "--- dashboard:"; cat "$T/dashboard.txt"
tui_finish
