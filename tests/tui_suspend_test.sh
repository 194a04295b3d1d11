#!/usr/bin/env bash
# Suspend and resume in a real terminal (tmux, an interactive bash with job
# control, real padlined): Ctrl-Z gives the shell back, and a resize while
# padline is stopped is drawn at the new size on fg, without ^L (the
# terminal's SIGWINCH went to the shell, which had the terminal then).
#
# Deterministic: every wait is for the screen under one generous timeout.
. "$(dirname "$0")/support/tui_lib.sh"

PW="Suspend-Passw0rd!x"
rpc_open
register_user suspender
rpc session.login "{\"username\":\"suspender\",\"password\":\"$PW\"}"
[ -n "$(jget "$REPLY_LINE" result.token)" ] || die "rpc login failed: $REPLY_LINE"
rpc pad.create '{"display_name":"Alpha","data":{"v":"start"}}'
rpc_close

last_line() { screen | tail -1; }
last_has() { last_line | grep -qF -- "$1"; }

tm kill-session -t tui 2>/dev/null
dash_env "$DASH_REDIS"
tm new-session -d -s tui -x 80 -y 24 "env PS1='sh\$ ' bash --norc --noprofile -i"
wait_for 'sh$' || die "no shell prompt"
type_text ". $DASH_ENV; XDG_STATE_HOME=$T/state $PADLINE_TUI_BIN --server 127.0.0.1:$PPORT"
keys Enter
wait_for "Sign in to padline" || die "no login screen"
keys C-u; type_text suspender; keys Tab; type_text "$PW"; keys Enter
wait_for "Alpha" || die "the pads are not listed"
wait_until last_has "? help" || die "no hint line at 80x24: $(screen)"

keys C-z
wait_for "Stopped" && ok "Ctrl-Z gives the shell back" || die "Ctrl-Z did not stop padline: $(screen)"
tm resize-window -t tui -x 100 -y 30
# (fg's status is padline's: the line above ended when padline stopped)
type_text 'fg; echo EXITED rc=$?'
keys Enter
wait_for "Alpha" || die "fg did not bring padline back: $(screen)"
wait_until last_has "? help" && ok "a resize while suspended is drawn at the new size on fg" ||
	fail "after fg the hint line is not on the last row of 30: $(screen | tail -8)"
keys q
wait_for "EXITED rc=0" && ok "q quits after the resume" || fail "q did not quit after the resume: $(screen)"
tui_finish
