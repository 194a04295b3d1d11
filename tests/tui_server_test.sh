#!/usr/bin/env bash
# The TUI's Server screen in tmux against a real padlined: an admin opens
# it and sees server.stats (health, requests, the per-method table); after
# this test makes requests of its own, the counts on screen move to include
# them; a user who is not an admin has no Server tab and cannot open it.
#
# Every check waits for the screen to show the event (server.stats is asked
# every 2 s) under one generous timeout that only catches a hang.
. "$(dirname "$0")/support/tui_lib.sh"

PW="Serv3r-screen-pw!"
N=7

# The number in "Requests    N total" on the screen, or nothing.
screen_total() { screen | sed -n 's/.*Requests *\([0-9][0-9]*\) total.*/\1/p' | head -1; }
screen_errors() { screen | sed -n 's/.*Requests .* errors \([0-9][0-9]*\),.*/\1/p' | head -1; }
errors_at_least() { local e; e=$(screen_errors); [ -n "$e" ] && [ "$e" -ge "$1" ]; }
# The count column of a method's row.
screen_method_count() { screen | awk -v m="$1" '$1 == m { print $2; exit }'; }
total_at_least() { local t; t=$(screen_total); [ -n "$t" ] && [ "$t" -ge "$1" ]; }
method_count_is() { [ "$(screen_method_count "$1")" = "$2" ]; }

# ---- the admin opens the Server screen ----
tui_login admin "$ADMIN_PW"
wait_for "1 Pads" || die "admin has no tab bar"
tab=$(screen | head -1 | grep -o '[0-9] Server' | cut -c1)
[ -n "$tab" ] || die "no Server tab for the admin: $(screen | head -1)"
keys "$tab"
wait_for "Health      PostgreSQL up, Redis up" || die "the Server screen does not show health"
wait_for "Method" || fail "no per-method table"
on_screen "Pool        " || fail "no pool line"
on_screen "Outbox      " || fail "no outbox line"
on_screen "failed in the last 15 min" || fail "no failed sign-ins line"
wait_until eval 'on_screen session.login || on_screen session.resume' ||
	fail "the TUI's own sign-in is not in the table"
screen >"$T/server_screen.txt"
before=$(screen_total)
errors_before=$(screen_errors)
[ -n "$before" ] || die "no request total on the screen"
ok "the Server screen shows server.stats (requests $before)"

# ---- requests made elsewhere move the counts on screen ----
rpc_open
rpc session.login "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}"
[ -n "$(jget "$REPLY_LINE" result.token)" ] || die "rpc login: $REPLY_LINE"
for i in $(seq 1 $N); do
	rpc pad.create "{\"display_name\":\"server screen $i\"}"
	[ -n "$(jget "$REPLY_LINE" result.pad.id)$(jget "$REPLY_LINE" result.id)" ] || fail "pad.create $i: $REPLY_LINE"
done
rpc no.such_method '{}' # refused before dispatch: an error all the same
rpc_close
wait_until method_count_is pad.create $N && ok "pad.create shows $N on screen" ||
	fail "pad.create never reached $N on screen: $(screen | grep pad.create)"
wait_until total_at_least $((before + N + 2)) && ok "requests moved from $before to $(screen_total)" ||
	fail "the request total did not move past $((before + N + 2)): $(screen_total)"
wait_until errors_at_least $((errors_before + 1)) ||
	fail "the refused request never reached the errors: $(screen | grep Requests)"
screen | grep -q 'Requests .*[0-9.k]*/s' || fail "no request rate: $(screen | grep Requests)"

# ---- 80x24 first: the screen fits a small tmux pane ----
tm resize-window -t tui -x 80 -y 24 2>/dev/null || tm resize-pane -t tui -x 80 -y 24
wait_until eval '[ "$(screen | wc -l)" -le 24 ]'
wait_for "pad.create" || fail "the table does not fit 80x24"
on_screen "Terminal too small" && fail "80x24 is too small for the Server screen"
[ "$(screen | wc -L)" -le 80 ] || fail "a line is wider than 80 columns"
wait_for "refreshed every 2 s" || fail "no refresh footer at 80x24"
# Six tabs and the title share the first line: the names shrink, the title
# (screen and who is signed in) stays whole.
# (waited for, not read once: a capture can catch a redraw half done)
title_whole() { screen | head -1 | grep -qF "padline · Server · admin"; }
wait_until title_whole || fail "the title is cut at 80 columns: $(screen | head -1)"
server_tab_short() { screen | head -1 | grep -q "$tab Srv"; }
wait_until server_tab_short || fail "no Server tab at 80 columns: $(screen | head -1)"
screen >"$T/server_80x24.txt"
ok "fits 80x24:"
sed 's/^/    | /' "$T/server_80x24.txt"
keys q q
wait_for "EXITED rc=0" || fail "quit"

# ---- not an admin: no Server screen ----
rpc_open
register_user plainops
rpc_close
TUI_STATE=$T/state_plain
tui_login plainops "$PW"
wait_for "1 Pads" || die "plainops has no tab bar"
on_screen " Server" && fail "a non-admin has a Server tab: $(screen | head -1)"
# The admin's Server key does nothing here; '?' then shows the help page
# of whatever screen is current, which must not be the Server screen
# (End: the Pads help is longer than 24 rows, the global keys come last).
keys "$tab" '?'
keys End
wait_for "Everywhere:" || fail "no help page"
on_screen "Server (admins)" && fail "a non-admin reached the Server screen"
on_screen "Health      PostgreSQL" && fail "a non-admin sees server.stats"
rpc_open
rpc session.login "{\"username\":\"plainops\",\"password\":\"$PW\"}"
rpc server.stats '{}'
[ "$(jget "$REPLY_LINE" error.code)" = 403 ] || fail "server.stats for a non-admin: $REPLY_LINE"
rpc_close
ok "a non-admin can't see the Server screen"
tui_finish
