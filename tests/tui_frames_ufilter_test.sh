#!/usr/bin/env bash
# The filter language on Users and in the attempts view, in frames
# (padline --frames) against a real padlined whose signups come through
# the PROXY protocol from a trusted 127.0.0.2: Users' / with net: lists
# exactly the wave, a text that does not parse says where and keeps the
# list of the last good filter, X then counts and disables exactly the
# accounts listed; ! lists the rest, free text finds a name. The attempts
# view (the dashboard's N) edits its filter with /, from the net: it was
# opened with, with the same parse errors. Every wait is for a frame or the
# database, never for a time.
export PADLINE_TRUSTED_PROXIES=127.0.0.2/32
export PADLINE_REAUTH_WINDOW=86400
. "$(dirname "$0")/support/tui_frames.sh"
SIGNUP_SOURCE="$(cd "$(dirname "$0")" && pwd)/support/signup_source.py"
WAVE_NET="203.0.113.0/24"

# signup SRC NAME EMAIL: a registration from SRC.
signup() { python3 "$SIGNUP_SOURCE" "$PORT" one "$@" >>"$T/signups.log" 2>&1 || die "signup $*"; }
for i in 0 1 2 3 4; do
	signup "198.51.100.$((20 + i))" "calm$i" "calm$i@example.org"
done
for i in $(seq 0 11); do
	n=$(printf 'wave%02d' "$i")
	signup "203.0.113.$((i + 1))" "$n" "$n@evil.example"
done
[ "$(sql "select count(*) from signup_attempts where network = '$WAVE_NET'")" = 12 ] ||
	die "the wave's attempts are not from $WAVE_NET"

# listed WORD N: the frame's rows show N usernames starting with WORD.
listed() { [ "$(printf '%s\n' "$PADLINE_FRAME" | grep -cE "^ $1[0-9]+ ")" = "$2" ]; }
wave_disabled() {
	[ "$(sql "select count(*) from users where disabled")" = 12 ] &&
		[ "$(sql "select count(*) from users where disabled and username not like 'wave%'")" = 0 ]
}
frames_export listed wave_disabled

# ---- Users: net: lists the wave, a typo keeps it, X acts on it ----
run_frames users <<SCRIPT
$(frames_login admin "$ADMIN_PW")
key 3
expect Users 1-18 of 18
key /
type net:$WAVE_NET
key <Enter>
expect filter: net:$WAVE_NET
expect Users 1-12 ·
run $DO check "net: did not list exactly the wave" listed wave 12
run $DO check "net: listed others" listed calm 0
# a filter that does not parse: where, and the list stays the wave's
key /
key <C-u>
type wave nett:x
key <Enter>
expect Filter at 6: unknown key "nett" at 6
run $DO check "the bad filter changed the list" listed wave 12
run $DO check "the footer lost the good filter" on_frame "filter: net:$WAVE_NET"
key X
expect e  enable
key d
expect 12 accounts match net:$WAVE_NET
key y
expect Disabled 12 accounts
run $DO check "X on Users did not disable exactly the wave" wave_disabled
key /
key <C-u>
type !net:$WAVE_NET
key <Enter>
expect Users 1-6 ·
gone Filter at
run $DO check "!net: listed the wave" listed wave 0
run $DO check "!net: did not list the rest" listed calm 5
key /
key <C-u>
type ALM3
key <Enter>
expect Users 1-1 ·
run $DO check "free text did not find calm3" on_frame calm3@example.org
key <Esc>
expect Users 1-18 of 18
SCRIPT

# ---- the attempts view: / edits the filter it was opened with ----
# A state of its own: the session the run above saved would resume while
# the sign-in form shows, and the typed password would land on Pads.
TUI_STATE=$T/state-attempts run_frames attempts <<SCRIPT
$(frames_login admin "$ADMIN_PW")
key 2
expect wave11
key N
expect Attempts matching net:$WAVE_NET
expect Page 1 · 12 attempts
key /
expect Filter / net:$WAVE_NET
type  !ip:203.0.113.4
key <Enter>
expect Attempts matching net:$WAVE_NET !ip:203.0.113.4
expect Page 1 · 11 attempts
run $DO check "!ip: left wave03 listed" off_frame wave03
key /
key <C-u>
type calm nett:1
key <Enter>
expect Filter at 6: unknown key "nett" at 6
run $DO check "the bad filter changed the attempts" on_frame "Page 1 · 11 attempts"
run $DO check "the bad filter changed the title" on_frame "Attempts matching net:$WAVE_NET !ip:203.0.113.4"
key <Esc>
gone Filter at 6
key /
key <C-u>
type calm
key <Enter>
expect Attempts matching calm
expect Page 1 · 5 attempts
SCRIPT
tui_finish
