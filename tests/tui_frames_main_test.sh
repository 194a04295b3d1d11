#!/usr/bin/env bash
# A walk through the padline TUI, in frames (padline --frames) against a
# real padlined (own schema, free port): register with the live checklist
# and a spinner while the reply is held, 409 inline, login, pads from a
# template, the $EDITOR round trip, backups + restore, the line editor,
# filter, wide characters, sort, delete, session resume and sign out; the
# admin dashboard fed live (pause, filter, scroll-back), Users and
# Invitations, the Server screen, help, q going back then quitting,
# NO_COLOR / vt100 / ASCII, the dashboard while its Redis is down, and a
# registration by invitation. tui_test.sh keeps, in tmux, what needs a
# real terminal (a SIGWINCH resize, signals) and `padline watch`.
#
# Every step waits for a frame; requests the test must catch "in flight" go
# through the proxy, which holds their reply until the test releases it.
. "$(dirname "$0")/support/tui_frames.sh"

rpc_open
# Every method the TUI uses must exist: an unknown one fails the test.
for m in user.register session.login pad.list pad.create pad.update pad.backups \
	pad.restore pad.delete template.list user.stats user.list events.since; do
	rpc "$m" '{}'
	if [ "$(jget "$REPLY_LINE" error.code)" = "-32601" ]; then
		die "padlined has no method $m"
	fi
done

PW="abcDEFghij1!xy"

sql_is() { [ "$(sql "$1")" = "$2" ]; }
rules_all_met() {
	local rules
	rules=$(printf '%s\n' "$PADLINE_FRAME" | sed -n '/Password rules/,/Create account/p')
	[ "$(printf '%s\n' "$rules" | grep -c '✓')" -ge 6 ] && ! printf '%s\n' "$rules" | grep -qF '✗'
}
both() { on_frame "$1" && on_frame "$2"; }
hold() { echo "$1" >"$T/hold"; }
held() { wait_file "$T/held" held; }
release() { touch "$T/release"; }
unhold() { rm -f "$T/hold" "$T/held" "$T/release"; }
session_file_private() { [ "$(stat -c %a "$T"/state/padline/sessions/*)" = 600 ]; }
# The template's data of Plan A, kept for the restore.
keep_orig() {
	sql "select data::text from pads where display_name='Plan A'" >"$T/orig"
	[ -s "$T/orig" ] && [ "$(cat "$T/orig")" != "{}" ]
}
is_orig() { sql_is "select data::text from pads where display_name='Plan A'" "$(cat "$T/orig")"; }
# The Updated column starts at the same screen cell on both rows.
date_cells() {
	printf '%s\n' "$PADLINE_FRAME" | python3 -c 'import re,sys,unicodedata
def w(s): return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
for l in sys.stdin:
    if sys.argv[1] in l:
        m = re.search(r"\d{4}-\d\d-\d\d", l)
        if m:
            print(w(l[:m.start()]))
            break' "$1"
}
columns_aligned() {
	local a b
	a=$(date_cells "uxc") b=$(date_cells "Plan B")
	[ -n "$a" ] && [ "$a" = "$b" ]
}
row_of() { printf '%s\n' "$PADLINE_FRAME" | grep -nF -- "$1" | grep -v Created | head -1 | cut -d: -f1; }
before() { [ "$(row_of "$1")" -lt "$(row_of "$2")" ]; }
frame_re() { printf '%s\n' "$PADLINE_FRAME" | grep -qE -- "$1"; }
# From the registration's answer to its row on the dashboard (reported,
# not asserted: a loaded machine may take longer).
signup_at() { register_user "$1" "$2" && [ -n "$(jget "$REPLY_LINE" result.user.id)" ] && date +%s%N >"$T/t0"; }
signup_shown() { echo $(( ($(date +%s%N) - $(cat "$T/t0")) / 1000000 )) >"$T/signup_ms"; }
# The dashboard's event count now, and whether a later frame moved it.
events_now() { printf '%s\n' "$PADLINE_FRAME" | sed -n 's/.* events \([0-9]*\) .*/\1/p' | head -1; }
keep_events() { events_now >"$T/events"; [ -s "$T/events" ]; }
events_moved() { [ "$(events_now)" != "$(cat "$T/events")" ]; }
scroll_signups() { local i; for i in $(seq -w 1 20); do register_user "scroll$i"; done; }
users_counted() { on_frame "of $(sql "select count(*) from users")"; }
# The invitation's code, only (the rows beside the dialog show the users).
keep_code() {
	printf '%s\n' "$PADLINE_FRAME" | grep -A2 "Invitation code:" | tail -1 | grep -oE '[0-9a-f]{48}' >"$T/inv_code"
	[ -s "$T/inv_code" ]
}
# The dashboard's private Redis.
private_redis
trap 'stop_redis; [ -n "${SRV2_PID:-}" ] && kill "$SRV2_PID"; cleanup' EXIT
frames_export sql_is rules_all_met both hold held release unhold session_file_private keep_orig is_orig \
	date_cells columns_aligned row_of before frame_re signup_at signup_shown events_now keep_events \
	events_moved scroll_signups users_counted keep_code start_redis stop_redis register_user PW RPORT

# ---- register, sign in, pads ----
WIDE="uxc 中文名字 emoji 🎉 wide"
run_frames pads <<SCRIPT
expect Sign in to padline
key <C-r>
expect Create an account
type tuiuser1
key <Tab>
type tui1@example.org
key <Tab>
type abc
# The empty field already shows every rule ✗: wait for "abc"'s state, its
# lowercase ✓ and the uppercase still ✗.
until $DO both "✓ a lowercase letter" "✗ an uppercase letter"
frame
type DEFghij1!xy
until $DO rules_all_met
key <Tab>
type $PW
expect passwords match
frame
# The proxy holds user.register's reply: the request is slow for as long
# as the test says, whatever the machine's speed.
run $DO hold user.register
key <Enter>
run $DO check "user.register never answered" held
expect working
run $DO release
gone working
run $DO unhold
expect Account created
expect tuiuser1
run $DO check "user not in the database" sql_is "select count(*) from users where username='tuiuser1'" 1
# ---- 409 inline ----
key <C-r>
expect Create an account
type tuiuser1
key <Tab> <Tab>
type $PW
key <Tab>
type $PW
key <Enter>
expect already taken
key <Esc>
expect Sign in to padline
# ---- wrong password, then login ----
# The username is still filled in from the registration: focus is on the
# password.
type wrong-password
key <Enter>
expect Wrong username or password
type $PW
key <Enter>
expect No pads yet
run $DO check "session file not mode 0600 (or not one)" session_file_private
# ---- create from a template ----
key n
expect New pad name
type Plan A
key <Enter>
# The server has templates: the pick always comes (once template.list
# answers). Not the first template ("blank" may be {}): the second one.
expect Blank pad
key <Down> <Down> <Enter>
expect Created Plan A
expect " Plan A"
run $DO check "pad not in the database, or without the template's data" keep_orig
# ---- edit in \$EDITOR: a syntax error first, re-edit, save ----
key e
expect Syntax error
expect line 2
run $DO check "invalid edit reached the server" sql_is "select data->>'edited' from pads where display_name='Plan A'" ""
key e
expect Pad saved
run $DO check "server does not have the edited data" sql_is "select data->>'n' from pads where display_name='Plan A'" 42
run $DO check "temp file not mode 0600" in_file "$T/editor.mode" 600
key <Enter>
expect "edited": true
key q
# ---- backups + restore ----
key b
expect Backups of Plan A
gone Loading
key r
expect Restore backup
key y
expect Restored.
run $DO check "restore did not bring back the template data" is_orig
# ---- rename: the line editor (typing in the middle, readline keys) ----
key r
expect Rename pad
key <C-u>
type Pn C
key <Home> <Right>
type la
key <End> <Bksp>
type X
key <C-a> <C-k>
type Pl B
key <C-a> <Right> <Right>
type an
expect Plan B
key <Enter>
expect " Plan B"
run $DO check "rename not in the database" sql_is "select count(*) from pads where display_name='Plan B'" 1
# ---- filter: hides, Esc and q clear it (q does not quit) ----
key /
type zzz
expect No pad matches the filter.
key <Esc>
expect " Plan B"
key /
type zzz
key <Enter>
expect No pad matches the filter.
key q
expect " Plan B"
# ---- wide characters line up (cells, not bytes) ----
key n
expect New pad name
type $WIDE
key <Enter>
expect Blank pad
key <Enter>
expect Created uxc
expect uxc 中文
until $DO columns_aligned
# s cycles the sort: name (A-Z), then the newest change first.
key s
expect Name ↑
until $DO before "Plan B" "uxc 中文"
key s
expect Updated (UTC) ↓
until $DO before "uxc 中文" "Plan B"
# Select Plan B for the delete below: filter to it.
key /
type Plan B
key <Enter>
gone uxc
# ---- delete ----
key d
expect Delete pad
key y
expect Deleted.
run $DO check "pad still live in the database" sql_is "select count(*) from pads where display_name='Plan B' and deleted_at is null" 0
run $DO check "pad not in the trash" sql_is "select count(*) from pads where display_name='Plan B' and deleted_at is not null" 1
key <Esc>
expect uxc
key q
exits
SCRIPT
frames_match_rows() { # frames_match_rows NAME N: the Nth frame NAME printed, its rows
	awk -v n="$2" '/^--- frame /{k++; on = k == n; next} /^--- attributes$/{on = 0} on' "$T/$1.frames"
}

# ---- session resume, sign out; the admin's dashboard, live ----
run_frames admin <<SCRIPT
# The saved session is resumed.
expect uxc 中文
key L
expect Sign out and forget
key y
expect Sign in to padline
run $DO check "sign out does not keep the username" frame_re "Username *tuiuser1"
key <S-Tab> <C-u>
type admin
key <Tab>
type $ADMIN_PW
key <Enter>
expect 1 Pads  2 Dashboard
key 2
expect Signups per minute
# "live: on" = subscribed and the log's position known: nothing is missed.
expect live: on
run $DO signup_at liveuser7 live7@example.org
expect liveuser7
run $DO signup_shown
frame
# p pauses the table (events are kept), / filters it.
key p
expect paused · +0 new
run $DO check "no event count on the dashboard" keep_events
run $DO register_user paused8
# The event is counted as received while paused: then it must not be drawn.
until $DO events_moved
absent paused8
key p
expect paused8
key /
type liveuser
key <Enter>
gone paused8
expect liveuser7
key <Esc>
# Scroll-back: more signups than rows; End shows the oldest, Home the newest.
run $DO scroll_signups
expect scroll20
expect " of "
key <End>
gone scroll20
expect tuiuser1
key <PgUp>
gone tuiuser1
key <Home>
expect scroll20
# ---- users & invitations (its own screen, 5) ----
key 3
expect tuiuser1
until $DO users_counted
# Substring search on the server: "IUSER" is inside tuiuser1, any case.
key /
type IUSER
key <Enter>
gone liveuser7
expect tuiuser1
key q
expect liveuser7
key 5 n
expect Invitation note
type for bob
key <Enter>
expect Expires in
key <Enter>
expect Invitation code:
expect Enter close
run $DO check "no invitation code in the dialog" keep_code
run $DO check "invitation not in the database" sql_is "select count(*) from invitations" 1
key <Enter>
expect for bob
key 4
expect Health      PostgreSQL up, Redis up
key 2
expect Signups per minute
# ---- the help: x does not close it, q does ----
key ?
expect Help
key x
expect q Esc ? close
key q
gone q Esc ? close
# q on a screen goes back to the first one; only there does it quit.
key q
expect " Name "
key q
exits
SCRIPT
[ -s "$T/signup_ms" ] && ok "new signup on the dashboard after $(cat "$T/signup_ms") ms"

# ---- NO_COLOR, vt100, ASCII: the admin session resumed ----
TUI_TERM=vt100 run_frames vt100 NO_COLOR=1 LANG=C LC_ALL=C <<'SCRIPT'
expect 1 Pads  2 Dashboard
# ASCII stand-ins in the C locale.
expect padline - Pads
key 2
expect Signups per minute
absent █
# vt100 has no PgUp/PgDn keys: ^F / ^D page, ^B / ^U back (Space pauses
# the dashboard). First the table itself (user.list answers after the
# strip is drawn); the last page ends at the oldest row, so its first
# number varies.
expect " 1-15 of "
key <C-d>
gone " 1-15 of "
key <C-b>
expect " 1-15 of "
key <C-f>
gone " 1-15 of "
key q q
exits
SCRIPT

# ---- Redis unreachable: the dashboard says why and polls ----
start_redis || die "private redis-server does not start"
TUI_REDIS=$RREDIS run_frames redis_down <<SCRIPT
expect 1 Pads  2 Dashboard
key 2
# "on" also says it has learnt where the log stands (events.since).
expect live: on
run $DO stop_redis
expect live: polling
expect Redis unreachable (redis://127.0.0.1:$RPORT: 
absent $RPASS
run $DO register_user gapuser3
expect gapuser3
run $DO start_redis
expect live: on
gone Redis unreachable
key q q
exits
SCRIPT
stop_redis

# ---- registration by invitation (a second padlined, same schema) ----
PORT2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PADLINE_LISTEN="127.0.0.1:$PORT2" PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="tui-test-secret-$$" \
	PADLINE_REGISTRATION=invite "$PADLINE_BIN" >"$LOGDIR/tui_frames_main_test_$$_invite.log" 2>&1 &
SRV2_PID=$!
wait_until port_open "$PORT2" || fail "the invite-only padlined does not listen"
TUI_PORT=$PORT2 TUI_STATE=$T/state2 run_frames invite <<SCRIPT
expect Sign in to padline
key <C-r>
expect Invitation
type invited2
key <Tab> <Tab>
type $PW
key <Tab>
type $PW
key <Tab>
type WRONG-CODE
key <Enter>
expect unknown invitation code
# The error is next to its field.
run $DO check "invitation error not next to its field" eval 'printf "%s\n" "\$PADLINE_FRAME" | grep -B1 "unknown invitation code" | grep -q Invitation'
key <C-u>
type <$T/inv_code
key <Enter>
expect Account created
run $DO check "invitation not marked used" sql_is "select count(*) from invitations where used_by_id is not null" 1
# Esc goes to the Quit button (it never quits), Enter presses it.
key <Esc> <Enter>
exits
SCRIPT
kill "$SRV2_PID"; wait "$SRV2_PID" 2>/dev/null; SRV2_PID=
rpc_close

echo "--- register form, password typed halfway:"; frames_match_rows pads 1 | sed -n 1,14p
echo "--- register form, complete:"; frames_match_rows pads 2
echo "--- dashboard:"; frames_match_rows admin 1
tui_finish
