#!/usr/bin/env bash
# The list grammar and status messages of the TUI, driven in tmux against a
# real padlined: S reverses the sort on Pads as on Users (pad.list's
# order); after a search (/ then Enter), n and N go from match to
# match on Pads and Users (n no longer asks for a new pad's name); a status
# message stays with the screen it was said on (the registration's
# "Account created" is not shown on Pads after signing in); an error
# message goes at the next success.
#
# Deterministic: every check waits for the screen or the database under one
# generous timeout ($WAIT) that only catches a hang.
. "$(dirname "$0")/support/tui_lib.sh"

PW="Views-Passw0rd!xy"

# ---- a message stays with its screen ----
start_tui
wait_for "Sign in to padline" || die "no login screen"
keys C-r
wait_for "Create an account" || die "no register screen"
type_text "viewer1"; keys Tab; type_text "viewer1@example.org"; keys Tab
type_text "$PW"; keys Tab; type_text "$PW"; keys Enter
wait_for "Account created" || die "registration did not succeed"
type_text "$PW"; keys Enter
wait_for "No pads yet" || die "login did not reach the pads screen"
off_screen "Account created" && ok "the registration's message stays on the sign-in screen" ||
	fail "the registration's message followed to Pads: $(screen | tail -3)"

# ---- n / N after a search on Pads ----
rpc_open
rpc session.login "{\"username\":\"viewer1\",\"password\":\"$PW\"}"
[ -n "$(jget "$REPLY_LINE" result.token)" ] || die "viewer1 cannot sign in: $REPLY_LINE"
for name in "alpha one" "beta" "alpha two"; do
	rpc pad.create "{\"display_name\":\"$name\",\"data\":{\"name\":\"$name\"}}"
	[ -n "$(jget "$REPLY_LINE" result.pad.id)" ] || die "pad.create $name: $REPLY_LINE"
done
rpc_close
keys R
wait_for "alpha two" || die "the pads are not listed"
# ---- S reverses the sort on Pads, as on Users ----
first_row_is() { screen | sed -n 4p | grep -qF -- "$1"; }
keys s
wait_for "Name ↑" && wait_until first_row_is "alpha one" || fail "s does not sort by name"
keys S
wait_for "Name ↓" && wait_for "Sorted Z to A." && wait_until first_row_is "beta" &&
	ok "S reverses the order of the pads (on the server)" || fail "S on Pads: $(screen | sed -n 2,5p)"
keys s
wait_for "Updated (UTC) ↓" || fail "s after S does not go to the next sort"
keys s
wait_until first_row_is "alpha one" || fail "back to the creation order"

# The title line of the pad viewer (the screen's second line).
viewer_title() { screen | sed -n 2p; }
keys /
type_text "alpha"
keys Enter
wait_gone " beta " || fail "the search does not narrow the list"
keys n
wait_for "next match" || fail "the hints do not offer n after a search"
keys Enter
wait_for "lines 1-" || fail "Enter does not open the pad after n"
off_screen "New pad name" || fail "n after a search asks for a new pad's name"
viewer_title | grep -qF "alpha two" && ok "n after a search goes to the next match" ||
	fail "n did not select the next match: $(viewer_title)"
keys q
wait_gone "lines 1-" || fail "q does not close the viewer"
keys N Enter
wait_for "lines 1-" || fail "Enter does not open the pad after N"
viewer_title | grep -qF "alpha one" && ok "N goes to the previous match" ||
	fail "N did not select the previous match: $(viewer_title)"
keys q
wait_gone "lines 1-" || fail "q does not close the viewer (2)"
keys Escape
wait_for " beta " || fail "Esc does not clear the search"
keys n
wait_for "New pad name" && ok "without a search, n still asks for a new pad" ||
	fail "n without a search: $(screen | tail -3)"
keys Escape
wait_gone "New pad name" || fail "Esc does not close the prompt"

# ---- an error goes at the next success ----
keys m
wait_for "Pad: " || die "no pad menu"
keys Enter
wait_for "Share with (username)" || die "no share prompt"
type_text "nobody-here"; keys Enter
wait_for "Could not share" || die "sharing with nobody is not an error: $(screen | tail -3)"
keys Enter
wait_for "lines 1-" || fail "Enter does not open the pad after the error"
off_screen "Could not share" && ok "an error message goes at the next success" ||
	fail "the error outlived the next success: $(screen | tail -3)"
keys q
wait_gone "lines 1-" || fail "q does not close the viewer (3)"

# ---- n / N after a search on Users ----
rpc_open
for u in zed1 amy zed2; do register_user "$u" "$u@example.org"; done
rpc_close
TUI_STATE=$T/state-admin tui_login admin "$ADMIN_PW" # not viewer1's saved session
keys 3
wait_for "zed2" || die "the users screen does not list zed2"
keys /
type_text "zed"
keys Enter
wait_gone "amy@" || fail "the users search does not narrow the list"
keys n Enter
wait_for "Last sign-in" || fail "Enter does not open the user after n"
# Newest first: zed2 is selected, zed1 is the next match.
screen | sed -n 2p | grep -qF "User zed1" && ok "n goes to the next match on Users" ||
	fail "n on Users: $(screen | sed -n 2p)"
keys q
wait_gone "Last sign-in" || fail "q does not close the user"
keys N Enter
wait_for "Last sign-in" || fail "Enter does not open the user after N"
screen | sed -n 2p | grep -qF "User zed2" && ok "N goes to the previous match on Users" ||
	fail "N on Users: $(screen | sed -n 2p)"
keys q

keys q
tui_finish
