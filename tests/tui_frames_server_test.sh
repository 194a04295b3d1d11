#!/usr/bin/env bash
# The TUI's Server screen, in frames (padline --frames) against a real
# padlined: an admin opens it and sees server.stats (health, requests, the
# per-method table); after this test makes requests of its own, the counts
# on screen move to include them; at 80x24 it fits; a user who is not an
# admin has no Server tab and cannot open it.
#
# Every check waits for a frame that shows the event (server.stats is
# asked every 2 s) under one generous timeout that only catches a hang.
. "$(dirname "$0")/support/tui_frames.sh"

PW="Serv3r-screen-pw!"
N=7
TAB=4 # Pads, Dashboard, Users, Server: the Server tab's key for an admin

frame_rows() { printf '%s' "$PADLINE_FRAME"; }
# The number in "Requests    N total" on the screen, or nothing.
screen_total() { frame_rows | sed -n 's/.*Requests *\([0-9][0-9]*\) total.*/\1/p' | head -1; }
screen_errors() { frame_rows | sed -n 's/.*Requests .* errors \([0-9][0-9]*\),.*/\1/p' | head -1; }
# The count column of a method's row.
screen_method_count() { frame_rows | awk -v m="$1" '$1 == m { print $2; exit }'; }
# before: what the screen counts before this test's requests, for later.
remember() { screen_total >"$T/before" && screen_errors >"$T/errors_before" && [ -s "$T/before" ]; }
total_moved() { local t; t=$(screen_total); [ -n "$t" ] && [ "$t" -ge $(($(cat "$T/before") + N + 2)) ]; }
errors_moved() { local e; e=$(screen_errors); [ -n "$e" ] && [ "$e" -ge $(($(cat "$T/errors_before") + 1)) ]; }
method_count_is() { [ "$(screen_method_count "$1")" = "$2" ]; }
own_sign_in() { on_frame session.login || on_frame session.resume; }
server_tab() { frame_rows | head -1 | grep -q "$TAB Server"; }
requests() { # the admin's requests made elsewhere
	local i
	rpc_open
	rpc session.login "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}"
	[ -n "$(jget "$REPLY_LINE" result.token)" ] || { echo "FAIL: rpc login: $REPLY_LINE" >&2; return 1; }
	for i in $(seq 1 $N); do
		rpc pad.create "{\"display_name\":\"server screen $i\"}"
		[ -n "$(jget "$REPLY_LINE" result.pad.id)$(jget "$REPLY_LINE" result.id)" ] ||
			{ echo "FAIL: pad.create $i: $REPLY_LINE" >&2; return 1; }
	done
	rpc no.such_method '{}' # refused before dispatch: an error all the same
	rpc_close
}
has_rate() { frame_rows | grep -q 'Requests .*[0-9.k]*/s'; }
fits() { [ "$(frame_rows | wc -l)" -le 24 ] && [ "$(frame_rows | wc -L)" -le 80 ]; }
title_whole() { frame_rows | head -1 | grep -qF "padline · Server · admin"; }
server_tab_short() { frame_rows | head -1 | grep -q "$TAB Srv"; }
keep_80x24() { frame_rows >"$T/server_80x24.txt"; }
frames_export check frame_rows screen_total screen_errors screen_method_count remember total_moved \
	errors_moved method_count_is own_sign_in server_tab requests has_rate fits title_whole \
	server_tab_short keep_80x24 rpc_open rpc_close ADMIN_PW N TAB

# ---- the admin opens the Server screen; requests made elsewhere ----
run_frames admin <<SCRIPT
$(frames_login admin "$ADMIN_PW")
expect 1 Pads
run $DO check "no Server tab for the admin" server_tab
key $TAB
expect Health      PostgreSQL up, Redis up
expect Method
run $DO check "no pool line" on_frame "Pool        "
run $DO check "no outbox line" on_frame "Outbox      "
run $DO check "no failed sign-ins line" on_frame "failed in the last 15 min"
until $DO own_sign_in
run $DO check "no request total on the screen" remember
run $DO check "the test's own requests failed" requests
until $DO method_count_is pad.create $N
until $DO total_moved
until $DO errors_moved
run $DO check "no request rate" has_rate
# 80x24 first: the screen fits a small terminal
resize 80x24
expect pad.create
absent Terminal too small
run $DO check "the frame is larger than 80x24" fits
expect refreshed every 2 s
# Six tabs and the title share the first line: the names shrink, the
# title (screen and who is signed in) stays whole.
until $DO title_whole
until $DO server_tab_short
run $DO keep_80x24
key q q
exits
SCRIPT
[ -s "$T/server_80x24.txt" ] && { ok "fits 80x24:"; sed 's/^/    | /' "$T/server_80x24.txt"; }

# ---- not an admin: no Server screen ----
rpc_open
register_user plainops
rpc_close
# The admin's Server key does nothing here; '?' then shows the help page
# of whatever screen is current, which must not be the Server screen (End:
# the Pads help is longer than the screen, the global keys come last).
TUI_STATE=$T/state_plain run_frames plain <<SCRIPT
$(frames_login plainops "$PW")
expect 1 Pads
absent  Server
key $TAB ?
key <End>
expect Everywhere:
absent Server (admins)
absent Health      PostgreSQL
SCRIPT
rpc_open
rpc session.login "{\"username\":\"plainops\",\"password\":\"$PW\"}"
rpc server.stats '{}'
[ "$(jget "$REPLY_LINE" error.code)" = 403 ] || fail "server.stats for a non-admin: $REPLY_LINE"
rpc_close
ok "a non-admin can't see the Server screen"
tui_finish
