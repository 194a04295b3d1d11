#!/usr/bin/env bash
# What an operator meets over SSH (tmux, real padlined): an edit survives
# the terminal going away (SIGHUP or SIGTERM while the editor runs keeps the
# edited text for the next sign-in); Esc never quits; help wraps, scrolls,
# lists every key and closes with q, Esc or ?; the hint line follows the
# mode and keeps "? help"; the TUI works from 64x16 and says so below;
# Pads has one position counter and sorted headers keep their columns;
# Shift-Tab goes to the previous screen and the current tab stands out;
# Users searches as you type; the user detail's hints follow the user;
# dialog text wraps to the box; status messages stay with their screen;
# every screen says when padlined stops answering, and when it is back.
#
# Deterministic: the "user" in $EDITOR says when the file is written; every
# wait is for the screen, a file or an exit under one generous timeout.
. "$(dirname "$0")/support/tui_lib.sh"

PW="Ops-Passw0rd!xyz"
REC="$T/state/padline/recovery"

# The editor: writes what the test put in $T/editor.out (the user's :w),
# says so with its parent (padline) in $T/editor.ppid, then stays open.
cat >"$T/editor.sh" <<'EDIT'
#!/bin/sh
d=$(dirname "$0")
cat "$d/editor.out" >"$1"
echo $PPID >"$d/editor.ppid.tmp"
mv "$d/editor.ppid.tmp" "$d/editor.ppid"
while :; do sleep 0.05; done
EDIT
chmod +x "$T/editor.sh"
rec_has() { grep -qF -- "$1" "$REC"/*.json 2>/dev/null; }
editor_open() { [ -s "$T/editor.ppid" ]; }

rpc_open
register_user opsuser
rpc session.login "{\"username\":\"opsuser\",\"password\":\"$PW\"}"
[ -n "$(jget "$REPLY_LINE" result.token)" ] || die "rpc login failed: $REPLY_LINE"
rpc pad.create '{"display_name":"Alpha","data":{"v":"start"}}'
rpc_close

# ---- an edit survives SIGHUP and SIGTERM ----
tui_login opsuser "$PW"
wait_for "Alpha" || die "the pad is not listed"
for sig in HUP TERM; do
	rm -f "$T/editor.ppid"
	printf '{"v": "typed-before-%s"}\n' "$sig" >"$T/editor.out"
	[ "$sig" = TERM ] && { start_tui; wait_for "Recover an unsaved edit" || die "no offer before SIGTERM"; keys l; wait_for "Alpha" || die "the offer did not close"; }
	keys e
	wait_until editor_open || die "the editor did not open ($sig)"
	kill -"$sig" "$(cat "$T/editor.ppid")"
	rc=$((128 + $(kill -l "$sig")))
	wait_for "EXITED rc=$rc" || fail "padline did not exit on SIG$sig while the editor ran"
	wait_until rec_has "typed-before-$sig" && ok "SIG$sig while the editor runs keeps the edited text" ||
		fail "SIG$sig during the edit lost it (recovery: $(cat "$REC"/*.json 2>/dev/null | head -5))"
done
start_tui
wait_for "Recover an unsaved edit" && ok "the kept edit is offered at the next start" ||
	fail "the edit kept on SIGTERM is not offered"
# The dialog's text wraps to the box on a narrow terminal.
tm resize-window -t tui -x 64 -y 16
# Read as one line: where it wraps depends on the time in it.
kept_text_whole() { screen | tr -d '│' | tr -s ' \n' '  ' | grep -qF "(edited from version 1). Edit 1 of 1 kept."; }
wait_until kept_text_whole && ok "at 64 columns the dialog's text wraps to its box" ||
	fail "the dialog's text is cut at 64 columns: $(screen)"
keys l
wait_for "Alpha" || die "the offer did not close"

# ---- 80x24: the hint line keeps "? help" and follows the mode ----
status_line() { screen | tail -1; }
status_has() { status_line | grep -qF -- "$1"; }
status_lacks() { ! status_line | grep -qF -- "$1"; }
tm resize-window -t tui -x 80 -y 24
wait_until status_has "? help" && ok "at 80 columns the hint line ends with ? help" ||
	fail "? help not on the hint line at 80 columns: $(status_line)"
keys /
wait_until status_has "F1 help" || fail "typing a search: no F1 help hint: $(status_line)"
status_lacks "back/quit" && ok "typing a search: the hints leave out q back/quit" ||
	fail "typing a search still offers q back/quit: $(status_line)"
type_text "q"
wait_for "No pad matches" || fail "q is not typed into the search"
keys Escape
wait_until status_has "? help" || fail "Esc did not leave the search"

# ---- help: wraps, scrolls to every key, closes with q / Esc / ? ----
keys '?'
wait_for "scroll, q Esc ? close" || fail "help does not say how it scrolls and closes: $(screen)"
off_screen "sign out" || fail "the help page is not longer than the window (nothing to scroll)"
on_screen "type. Enter views the JSON" && ok "help prose is wrapped to the window" ||
	fail "help prose is not reflowed to the window: $(screen)"
keys G
wait_for "sign out (asks first)" && on_screen "next screen" &&
	ok "End scrolls the help to the global keys" || fail "help does not scroll to the global keys: $(screen)"
keys g
wait_for "Your pads and those shared" || fail "g does not scroll the help back to the top"
keys PPage
keys Escape
wait_gone "scroll, q Esc ? close" || fail "Esc does not close the help"
for k in q '?'; do
	keys '?'
	wait_for "scroll, q Esc ? close" || fail "? does not open the help"
	keys "$k"
	wait_gone "scroll, q Esc ? close" && ok "$k closes the help" || fail "$k does not close the help"
done

# ---- Esc never quits; q quits only on the first screen ----
keys Escape
keys Escape
keys '?' # still running: ? opens the help again
wait_for "scroll, q Esc ? close" && ok "Esc on the first screen does not quit" ||
	fail "Esc quit padline: $(screen | tail -3)"
keys q
wait_gone "scroll, q Esc ? close" || fail "q does not close the help"

# ---- 64x16 works; below, a clear message ----
tm resize-window -t tui -x 64 -y 16
wait_until status_has "? help" && on_screen "Alpha" && ok "64x16 shows the pads and the hints" ||
	fail "64x16 does not work: $(screen)"
off_screen "too small" || fail "64x16 is called too small"
tm resize-window -t tui -x 50 -y 15
wait_for "Terminal too small" && on_screen "need 64x16, have 50x15" &&
	ok "50x15 says what it needs" || fail "below 64x16 no clear message: $(screen)"
tm resize-window -t tui -x 80 -y 24
wait_for "Alpha" || fail "back at 80x24 the pads are not shown"
keys q
wait_for "EXITED rc=0" && ok "q quits on the first screen" || fail "q did not quit on the first screen"

# ---- Pads: one position counter; a sorted header keeps its columns ----
rpc_open
register_user counter
rpc session.login "{\"username\":\"counter\",\"password\":\"$PW\"}"
for i in $(seq 1 30); do rpc pad.create "{\"display_name\":\"Many $i\"}"; done
rpc_close
TUI_STATE=$T/state_counter tui_login counter "$PW"
tm resize-window -t tui -x 80 -y 24
wait_for "of 30" || fail "no position counter for 30 pads: $(screen)"
[ "$(screen | grep -c ' of 30')" = 1 ] && ok "Pads shows one position counter" ||
	fail "Pads shows $(screen | grep -c ' of 30') position counters: $(screen | grep ' of 30')"
col_of() { screen | sed -n 2p | python3 -c 'import sys; print(sys.stdin.read().index(sys.argv[1]))' "$1"; }
OWNER_COL=$(col_of Owner)
SIZE_COL=$(col_of Size)
keys s
wait_for "Name ↑" || fail "s does not sort by name"
[ "$(col_of Owner)" = "$OWNER_COL" ] && ok "sorted by name, the header's columns stay" ||
	fail "the arrow moves the header: Owner at $(col_of Owner), was $OWNER_COL"
keys s
wait_for "Updated (UTC) ↓" || fail "s does not sort by the newest change"
[ "$(col_of Size)" = "$SIZE_COL" ] && ok "sorted by change, the header's columns stay" ||
	fail "the arrow moves the header: Size at $(col_of Size), was $SIZE_COL"
# tab_bold NAME: the tab NAME is drawn bold in the title bar (the current
# tab stands out; the others take the bar's colours).
tab_bold() { tm capture-pane -t tui -p -e | head -1 | python3 -c '
import re, sys
line, on = sys.stdin.read(), set()
for sgr in re.findall(r"\x1b\[([0-9;]*)m", line[:line.index(sys.argv[1])]):
    for p in (sgr or "0").split(";"):
        on = set() if p in ("0", "") else on | {p}
sys.exit(0 if "1" in on else 1)' "$1"; }
tab_bold "1 Pads" && ! tab_bold "2 Account" && ok "the current tab (Pads) is highlighted" ||
	fail "the current tab is not highlighted: $(tm capture-pane -t tui -p -e | head -1 | cat -v)"
keys BTab
wait_for "padline · Account" && ok "Shift-Tab goes to the previous screen (from the first: the last)" ||
	fail "Shift-Tab does not go to the previous screen"
wait_until tab_bold "2 Account" && ! tab_bold "1 Pads" || fail "the Account tab is not highlighted after Shift-Tab"
keys 1
wait_for "padline · Pads" || fail "1 does not go back to Pads"
keys q
wait_for "EXITED rc=0" || fail "q did not quit (counter)"

# ---- padlined stops answering: every screen says so, and watch ----
rpc_open
rpc session.login "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}"
ATOKEN=$(jget "$REPLY_LINE" result.token)
[ -n "$ATOKEN" ] || die "admin rpc login failed: $REPLY_LINE"
rpc_close
PADLINE_TOKEN="$ATOKEN" XDG_STATE_HOME="$T/wstate" PADLINE_DASH_REDIS_URL="$DASH_REDIS" \
	"$PADLINE_TUI_BIN" watch --server "127.0.0.1:$PORT" >"$T/w.out" 2>"$T/w.err" &
WATCH_PID=$!
wait_file "$T/w.err" "watching for new users" || fail "watch did not start: $(cat "$T/w.err")"
TUI_STATE=$T/state_admin tui_login admin "$ADMIN_PW"
# Users searches as you type, as Pads does: no Enter needed.
keys 3
wait_for "opsuser" || fail "the Users screen does not list opsuser"
keys /
type_text "ounte"
wait_gone "opsuser" && on_screen "counter" && ok "Users searches as you type" ||
	fail "Users does not search as you type: $(screen | sed -n 3,6p)"
keys Enter
wait_until status_lacks "Enter keep" || fail "Enter does not keep the users search"
# The detail's hints say what d does to this user now.
keys Enter
wait_until status_has "d disable" || fail "user detail: no d disable hint: $(status_line)"
keys d
wait_for "y yes · n no" || fail "disabling does not ask first: $(screen | tail -8)"
keys y
wait_until status_has "d enable" && ok "after disabling, the detail's hint says d enable" ||
	fail "the detail's hint did not change after disabling: $(status_line)"
keys q
keys Escape
wait_for "opsuser" || fail "Esc does not clear the users search"
# A status message belongs to its screen: it does not follow to the next.
keys s
wait_for "Sorted by" || fail "no status message for the sort"
keys 4
wait_for "refreshed every 2 s" || die "no Server screen"
off_screen "Sorted by" && ok "a status message stays with its screen" ||
	fail "the Users screen's status message followed to the Server screen"
kill -9 "$SRV_PID"
wait "$SRV_PID" 2>/dev/null
wait_for "padlined is not answering" && wait_for "s old" &&
	ok "the Server screen says padlined is not answering, and how old its figures are" ||
	fail "the Server screen does not say padlined is down: $(screen | tail -4)"
down_everywhere=1
for k in 1 2 3 5 6; do
	keys "$k"
	wait_for "padlined is not answering" || { down_everywhere=0; fail "screen $k does not say padlined is down"; }
done
[ $down_everywhere = 1 ] && ok "every screen says padlined is not answering"
wait_file "$T/w.err" "is unreachable" && ok "watch says padlined is unreachable on stderr" ||
	fail "watch says nothing while padlined is down: $(cat "$T/w.err")"
PADLINE_LISTEN="127.0.0.1:$PORT" PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="tui-test-secret-$$" \
	PADLINE_PWHASH_OPSLIMIT=1 PADLINE_PWHASH_MEMLIMIT=8388608 PADLINE_LOG=debug "$PADLINE_BIN" >>"$SLOG" 2>&1 &
SRV_PID=$!
wait_until server_up || die "padlined does not start again"
wait_gone "padlined is not answering" && ok "padlined back: the screen stops saying it is down" ||
	fail "the down banner stays after padlined came back"
wait_file "$T/w.err" "answers again" && ok "watch says padlined answers again" ||
	fail "watch does not say padlined is back: $(cat "$T/w.err")"

tui_finish
