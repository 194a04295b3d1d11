#!/usr/bin/env bash
# Answers that land after the user moved on, in frames (padline --frames)
# against a real padlined: a reply for a screen's flow, or a second
# sign-in, or a call that asks for the password again, must not act on
# the screen the user went to. The proxy holds the reply (or padlined is
# stopped) while the keys go elsewhere; every wait is for a frame or the
# proxy's record of the request.
. "$(dirname "$0")/support/tui_frames.sh"
PARENT=$$
echo "$SRV_PID" >"$T/srv.pid"
# padlined is restarted from a script's command: stop the last one.
trap 'kill -CONT "$(cat "$T/srv.pid")" 2>/dev/null; kill "$(cat "$T/srv.pid")" 2>/dev/null; cleanup' EXIT

# hold METHOD [N]: a fresh hold (what a failed run before left goes).
hold() { rm -f "$T/held" "$T/release" "$T/asked"; echo "$1" >"$T/hold"; }
held() { wait_file "$T/held" held; }
release() { touch "$T/release"; }
unhold() { rm -f "$T/hold" "$T/held" "$T/release" "$T/asked"; }
# asked N: the proxy saw N requests of the method it counts.
asked_n() { [ -e "$T/asked" ] && [ "$(wc -l <"$T/asked")" -ge "$1" ]; }
asked() { wait_until asked_n "$1"; }
srv_stop() { kill -STOP "$(cat "$T/srv.pid")"; }
srv_cont() { kill -CONT "$(cat "$T/srv.pid")"; }
# restart: the stopped padlined shuts down gracefully (what it had not
# started answers 503 shutting_down: the TUI sends it again) and a new
# one takes its port.
restart() {
	touch "$T/await" # the TUI's reconnect waits for the new padlined
	kill -TERM "$(cat "$T/srv.pid")" && kill -CONT "$(cat "$T/srv.pid")" &&
		wait_until eval '! port_open "$PORT"' || return 1
	env PADLINE_LISTEN="127.0.0.1:$PORT" PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="tui-test-secret-$PARENT" \
		PADLINE_PWHASH_OPSLIMIT=1 PADLINE_PWHASH_MEMLIMIT=8388608 PADLINE_LOG=debug "$PADLINE_BIN" >>"$SLOG" 2>&1 </dev/null &
	echo $! >"$T/srv.pid"
	wait_until port_open "$PORT" && rm -f "$T/await"
}
# either TEXT...: one of them is on the last frame.
either() {
	local t
	for t in "$@"; do on_frame "$t" && return 0; done
	return 1
}
# Each run signs in afresh: none resumes the session of the one before.
fresh() { mkdir -p "$T/state_$1" && echo "$T/state_$1"; }
# stale: every session was signed in long ago (a write asks for the
# password again).
stale() { sql "update sessions set reauth_at = now() - interval '2 days'" >/dev/null; }
frames_export hold held release unhold asked_n asked srv_stop srv_cont restart either stale PADLINE_BIN SLOG PARENT
# new_pad_asked: the script lines that sign in with template.list held,
# ask for a new pad ("n", a name, Enter) and wait until the proxy holds
# the templates' answer.
new_pad_asked() {
	printf '%s\n' "run $DO hold template.list" "$(frames_login admin "$ADMIN_PW")" "expect Pads" \
		"key n" "expect New pad name" "type Late pad" "key <Enter>" "gone New pad name" \
		"run $DO check \"template.list never answered\" held"
}

# ---- a new pad's template list answered after the user left Pads ----
# template.list is slow: Pads asks for it on entering; "n", a name and
# Enter ask for it again. The user goes to Users before it answers: the
# template picker must not open over Users.
TUI_STATE=$(fresh templates) run_frames templates <<SCRIPT
$(new_pad_asked)
key 3
expect Users
run $DO release
# Users' list was asked after the templates: once it shows, their answer
# has come and gone.
expect Users 1-1 of 1
absent Template
run $DO unhold
SCRIPT

# The same answer while the user stays on Pads still opens the picker.
TUI_STATE=$(fresh templates_stay) run_frames templates_stay <<SCRIPT
$(new_pad_asked)
run $DO release
expect Template
key <Esc>
gone Template
run $DO unhold
SCRIPT

# ---- a flow's call sent again after padlined restarted ----
# padlined is stopped while R (a refresh: the call it will be running) and
# t (the trash) go out and the user goes to Users; it then restarts: the
# calls queued behind the refresh are answered 503 shutting_down, and the
# TUI sends them again after resuming the session. The trash answered on
# the new connection must not open over Users (as the new pad's templates
# once did over Users after a resume).
TUI_STATE=$(fresh restart) run_frames restart <<SCRIPT
$(frames_login admin "$ADMIN_PW")
expect No pads yet
run $DO srv_stop
key R
key t
key 3
run $DO restart
# Users' list was asked after the trash, and goes again after it: once it
# shows, the trash's answer has come.
until $DO either "Users 1-1 of 1" "Trash"
absent Trash
expect Users 1-1 of 1
SCRIPT

# ---- the trash, and the account's activity, answered after the user left ----
# Pads' t asks for the trash and opens it as a pick (or says it is empty);
# Account's a asks for the activity and shows it. Answered after the user
# went to Users, neither opens over Users.
TUI_STATE=$(fresh trash) run_frames trash <<SCRIPT
$(frames_login admin "$ADMIN_PW")
expect No pads yet
run $DO hold pad.trash
key t
run $DO check "pad.trash never answered" held
key 3
run $DO release
expect Users 1-1 of 1
absent Trash
run $DO unhold
SCRIPT
# account.activity goes out at sign-in too: the second one is a's.
TUI_STATE=$(fresh activity) run_frames activity <<SCRIPT
run $DO hold "account.activity 2"
$(frames_login admin "$ADMIN_PW")
key 8
expect Sessions
key a
run $DO check "account.activity never answered" held
key 3
run $DO release
until $DO either "Users 1-1 of 1" "Activity, newest first"
absent Activity, newest first
expect Users 1-1 of 1
run $DO unhold
SCRIPT

# ---- a second sign-in answered after the user went to the dashboard ----
# padlined is slow (stopped): Enter twice on the sign-in form sends two
# session.login. The first answer signs in; the user presses 2; the
# second answer must not take them back to Pads.
TUI_STATE=$(fresh second_login) run_frames second_login <<SCRIPT
expect Sign in to padline
run $DO hold "session.login 2"
run $DO srv_stop
key <C-u>
type admin
key <Tab>
type $ADMIN_PW
key <Enter>
key <Enter>
run $DO check "the second sign-in never went out" asked 2
run $DO srv_cont
gone Sign in to padline
run $DO check "the second sign-in never answered" held
key 2
expect Dashboard
run $DO release
# The dashboard's figures were asked after the second sign-in: once they
# show (or Pads does), its answer has come.
until $DO either "Users 1 ·" "No pads yet"
absent No pads yet
expect Users 1 ·
run $DO unhold
SCRIPT
# ---- a user's details before user.get answers: no key that acts yet ----
# The hint must not promise what d does (disable or enable) before the
# user is known; a key pressed then would only say "Still loading".
TUI_STATE=$(fresh detail) run_frames detail <<SCRIPT
$(frames_login admin "$ADMIN_PW")
expect Pads
key 3
expect Users 1-1 of 1
run $DO hold user.get
key <Enter>
run $DO check "user.get never asked" held
expect Loading…
run $DO check "an action key on the hint line before the user is known" off_frame "d disable"
run $DO release
expect d disable
run $DO unhold
SCRIPT
# ---- a call that needs a fresh session, answered after the user left ----
# On a session signed in long ago, the Held screen's X (user.bulk's dry
# run) and a user's d (user.update) answer 401 reauth_required, and the
# password is asked for inline. Answered after the user went to the
# dashboard, the prompt must not open over it: the answer is dropped.
PW="abcDEFghij1!xy"
rpc_open
register_user bob bob@example.org
[ -n "$(jget "$REPLY_LINE" result.user.id)" ] || die "could not register bob: $REPLY_LINE"
rpc_close
# dashboard_then_answer: the script lines that go to the dashboard, let
# the held answer go and check that no prompt opened. The dashboard's
# figures were asked after the held call: once they show, its answer has
# come.
dashboard_then_answer() {
	printf '%s\n' "key 2" "expect Dashboard" "run $DO release" "expect Users 2 ·" \
		"absent Confirm it's you" "run $DO unhold"
}
TUI_STATE=$(fresh reauth_held) run_frames reauth_held <<SCRIPT
$(frames_login admin "$ADMIN_PW")
key 6
expect No account is held.
run $DO check "could not age the sessions" stale
run $DO hold user.bulk
key X
run $DO check "user.bulk never answered" held
$(dashboard_then_answer)
SCRIPT
TUI_STATE=$(fresh reauth_detail) run_frames reauth_detail <<SCRIPT
$(frames_login admin "$ADMIN_PW")
$(frames_user bob)
run $DO check "could not age the sessions" stale
run $DO hold user.update
key d
expect Disable bob?
key y
run $DO check "user.update never answered" held
key q
gone User bob
$(dashboard_then_answer)
SCRIPT
tui_finish
