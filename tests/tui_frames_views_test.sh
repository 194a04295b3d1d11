#!/usr/bin/env bash
# The list grammar and status messages of the TUI, in frames (padline
# --frames) against a real padlined: S reverses the sort on Pads as on
# Users (pad.list's order); after a search (/ then Enter), n and N go from
# match to match on Pads and Users (n no longer asks for a new pad's
# name); a status message stays with the screen it was said on (the
# registration's "Account created" is not shown on Pads after signing in);
# an error message goes at the next success.
. "$(dirname "$0")/support/tui_frames.sh"

PW="Views-Passw0rd!xy"

row_has() { printf '%s\n' "$PADLINE_FRAME" | sed -n "$1p" | grep -qF -- "$2"; }
first_row_is() { row_has 4 "$1"; }  # title 1, header 2, rule 3
title_has() { row_has 2 "$1"; }     # a viewer's or detail's title line
make_pads() {
	local name
	rpc session.login "{\"username\":\"viewer1\",\"password\":\"$PW\"}"
	[ -n "$(jget "$REPLY_LINE" result.token)" ] || { echo "viewer1: $REPLY_LINE" >&2; return 1; }
	for name in "alpha one" "beta" "alpha two" "alpha three"; do
		rpc pad.create "{\"display_name\":\"$name\",\"data\":{\"name\":\"$name\"}}"
		[ -n "$(jget "$REPLY_LINE" result.pad.id)" ] || { echo "pad.create $name: $REPLY_LINE" >&2; return 1; }
	done
}
frames_export row_has first_row_is title_has make_pads PW
rpc_open

# ---- a message stays with its screen; S, n and N on Pads ----
run_frames pads <<SCRIPT
expect Sign in to padline
key <C-r>
expect Create an account
type viewer1
key <Tab>
type viewer1@example.org
key <Tab>
type $PW
key <Tab>
type $PW
key <Enter>
expect Account created
type $PW
key <Enter>
expect No pads yet
# The registration's message stays on the sign-in screen.
absent Account created
run $DO make_pads
key R
expect alpha two
# S reverses the sort on Pads, as on Users (on the server).
key s
expect Name ↑
until $DO first_row_is "alpha one"
key S
expect Name ↓
expect Sorted Z to A.
until $DO first_row_is "beta"
key s
expect Updated (UTC) ↓
key s
until $DO first_row_is "alpha one"
# n and N after a search go from match to match.
key /
type alpha
key <Enter>
gone " beta "
key n
expect next match
key <Enter>
expect lines 1-
absent New pad name
run $DO check "n did not select the next match" title_has "alpha two"
key q
gone lines 1-
# Three matches: N's previous is not a wrap to the last one.
key N <Enter>
expect lines 1-
run $DO check "N did not select the previous match" title_has "alpha one"
key q
gone lines 1-
key <Esc>
expect " beta "
# Without a search, n still asks for a new pad.
key n
expect New pad name
key <Esc>
gone New pad name
# An error goes at the next success.
key m
expect "Pad: "
key <Enter>
expect Share with (username)
type nobody-here
key <Enter>
expect Could not share
key <Enter>
expect lines 1-
absent Could not share
key q
gone lines 1-
SCRIPT

# ---- n / N after a search on Users ----
for u in zed1 amy zed2 zed3; do register_user "$u" "$u@example.org"; done
TUI_STATE=$T/state-admin run_frames users <<SCRIPT
$(frames_login admin "$ADMIN_PW")
key 3
expect zed2
key /
type zed
key <Enter>
gone amy@
key n <Enter>
expect Last sign-in
# Newest first: zed3 is selected, zed2 is the next match (and three
# matches tell N's previous from a wrap to the last).
run $DO check "n on Users" title_has "User zed2"
key q
gone Last sign-in
key N <Enter>
expect Last sign-in
run $DO check "N on Users" title_has "User zed3"
key q
gone Last sign-in
SCRIPT
rpc_close
tui_finish
