#!/usr/bin/env bash
# Lists that follow what changes under them, in frames (padline --frames)
# against a real padlined: the dashboard drops a deleted user (row and
# total) and shows a 2FA reset; the Users detail view and list follow
# their user's events (2FA reset, deletion); the register form shows the
# registration mode of the server as it is when the form is shown.
# Every change is made from another connection, as another admin would;
# every wait is for a frame.
. "$(dirname "$0")/support/tui_frames.sh"
PARENT=$$
echo "$SRV_PID" >"$T/srv.pid"
# padlined is restarted from a script's command: stop the last one.
trap 'kill "$(cat "$T/srv.pid")" 2>/dev/null; cleanup' EXIT

PW="abcDEFghij1!xy"
# The dashboard's table row that names USER says 2FA VALUE (yes/no).
dash_2fa() { printf '%s\n' "$PADLINE_FRAME" | grep -F -- "$1@example.org" | grep -qE " $2\$"; }
# The detail view's 2FA row says TEXT.
detail_2fa() { printf '%s\n' "$PADLINE_FRAME" | grep -E '^ *2FA ' | grep -qF -- "$1"; }
uid() { sql "select id from users where username='$1'"; }
# admin_rpc METHOD PARAMS: as the admin, on the suite's connection.
admin_rpc() {
	rpc session.login "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}"
	rpc "$1" "$2"
	[ -z "$(jget "$REPLY_LINE" error)" ] || { echo "$1: $REPLY_LINE" >&2; return 1; }
}
delete_user() { admin_rpc user.delete "{\"id\":\"$(uid "$1")\"}"; }
reset_2fa() { admin_rpc user.update "{\"id\":\"$(uid "$1")\",\"totp_reset\":true}"; }
# closed_server: padlined again on its port, registration closed.
closed_server() {
	kill "$(cat "$T/srv.pid")"
	wait_until eval '! port_open "$PORT"' || return 1
	env PADLINE_LISTEN="127.0.0.1:$PORT" PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="tui-test-secret-$PARENT" \
		PADLINE_REGISTRATION=closed "$PADLINE_BIN" >>"$SLOG" 2>&1 </dev/null &
	echo $! >"$T/srv.pid"
	wait_until port_open "$PORT"
}
frames_export closed_server PADLINE_BIN SLOG PARENT dash_2fa detail_2fa uid admin_rpc delete_user reset_2fa ADMIN_PW PW

rpc_open
for n in zoe carol dave; do
	register_user "$n" "$n@example.org"
	[ "$(jget "$REPLY_LINE" error)" = "" ] || die "could not register $n: $REPLY_LINE"
done
# zoe and dave have 2FA on (as if they had enabled it) before anyone looks.
sql "update users set totp_enabled = true, totp_secret_enc = 'x' where username in ('zoe', 'dave')" >/dev/null ||
	die "could not turn 2FA on"

# ---- the dashboard: a deleted user leaves, a 2FA reset shows ----
run_frames admin <<SCRIPT
$(frames_login admin "$ADMIN_PW")
key 2
expect Users 4 ·
expect carol@example.org
expect live: on
until $DO dash_2fa zoe yes
run $DO delete_user carol
gone carol@example.org
expect Users 3 ·
run $DO reset_2fa zoe
until $DO dash_2fa zoe no
# ---- Users: the detail view and the list follow their user ----
key 3
expect dave@example.org
key /
type dave
key <Enter>
gone zoe@example.org
key <Enter>
expect User dave
until $DO detail_2fa "on (TOTP)"
run $DO reset_2fa dave
until $DO detail_2fa off
run $DO delete_user dave
expect dave no longer exists
gone User dave
expect No user matches.
key q
expect zoe@example.org
absent dave@example.org
key 1 q
exits
SCRIPT
rpc_close

# ---- the register form: the mode of the server as it is now ----
# A state of its own: not the admin's saved session.
TUI_STATE=$T/state-register run_frames register <<SCRIPT
expect Sign in to padline
key <C-r>
expect Create an account
absent registration is closed
key <Esc>
expect Sign in to padline
run $DO closed_server
key <C-r>
expect Create an account
expect registration is closed on this server
key <Esc>
expect Sign in to padline
SCRIPT
tui_finish
