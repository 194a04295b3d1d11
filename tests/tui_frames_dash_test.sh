#!/usr/bin/env bash
# The operator's dashboard in frames (padline --frames) against a real
# padlined whose signups come through the PROXY protocol from a trusted
# 127.0.0.2 (tests/support/signup_source.py), so they have addresses: the
# rates strip from signup.stats, the alarms panel and its bell (once per
# alarm, none with PADLINE_BELL=off), the network, fill and flags columns
# and how they give way at 64x16, the filter language with its errors,
# Space's pause that drops nothing, padlined's reachability and the age of
# old figures in the header, and ASCII sparklines outside UTF-8.
# Every wait is for a frame or a file, under one generous timeout.
export PADLINE_TRUSTED_PROXIES=127.0.0.2/32
. "$(dirname "$0")/support/tui_frames.sh"
SIGNUP_SOURCE="$(cd "$(dirname "$0")" && pwd)/support/signup_source.py"
echo "$SRV_PID" >"$T/srv.pid"
trap 'kill "$(cat "$T/srv.pid")" 2>/dev/null; cleanup' EXIT

# signup SRC NAME [EMAIL]: a registration from SRC.
signup() { python3 "$SIGNUP_SOURCE" "$PORT" one "$@" >>"$T/signups.log" 2>&1; }
# five SRC_PREFIX NAME: five signups of one /24 (net-velocity's threshold:
# its alarm).
five() { for i in 1 2 3 4 5; do signup "$1.$i" "$2$i" || return 1; done; }
# row NAME TEXT: the table row of NAME (a whole word) shows TEXT.
row() { printf '%s\n' "$PADLINE_FRAME" | grep -E -- "(^| )$1( |\$)" | grep -qF -- "$2"; }
# bells NAME: how many bells the frames log of run NAME has.
# alarm_line NET: the panel shows NET's net-velocity alarm (5 in 60 s).
alarm_line() { printf '%s\n' "$PADLINE_FRAME" | grep -qE -- "net-velocity +$1 +5 in 60 s, 5 users"; }
bells() { grep -c '^--- bell$' "${SLOG%.log}_$1.frames" 2>/dev/null || true; }
stop_server() {
	kill "$(cat "$T/srv.pid")"
	wait_until eval '! port_open "$PORT"'
}
start_server() {
	env PADLINE_LISTEN="127.0.0.1:$PORT" PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="tui-test-secret-$PARENT" \
		PADLINE_TRUSTED_PROXIES=127.0.0.2/32 PADLINE_PWHASH_OPSLIMIT=1 PADLINE_PWHASH_MEMLIMIT=8388608 \
		"$PADLINE_BIN" >>"$SLOG" 2>&1 </dev/null &
	echo $! >"$T/srv.pid"
	wait_until port_open "$PORT"
}
PARENT=$$
frames_export signup five row alarm_line stop_server start_server SIGNUP_SOURCE PADLINE_BIN SLOG PARENT

# alarms NAME: the alarms the last frame of run NAME counts in its panel.
alarms() { sed -n 's/^ *Alarms (\([0-9]*\), newest first).*/\1/p' "$T/$1.frames" | tail -1; }
# The fast-fill alarm would ring for every network here (test signups are
# fast): off, so the alarms are the velocity ones. The flag still shows.
rpc_open
rpc session.login "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}"
rpc rule.put '{"name":"fast-fill","when":"fast-fill","action":"alarm","enabled":false}'
[ -z "$(jget "$REPLY_LINE" error)" ] || die "rule.put: $REPLY_LINE"
rpc_close

# ---- the columns, the strip, the alarm and its one bell ----
run_frames live <<SCRIPT
$(frames_login admin "$ADMIN_PW")
expect 2 Dashboard
key 2
expect padlined answers
expect live: on
expect Alarms: none
run $DO signup 198.51.100.7 calm1 calm1@example.org
until $DO row calm1 198.51.100.0/24
until $DO row calm1 fast
until $DO row calm1 ms
run $DO five 203.0.113 wave
expect net-velocity
until $DO alarm_line 203.0.113.0/24
# The strip counts them once signup.stats says so (asked every few s).
expect 6 in 60 min
frame
SCRIPT
b=$(bells live)
[ -n "$b" ] && [ "$b" = "$(alarms live)" ] && ok "one bell per alarm ($b)" ||
	fail "bells: $b for $(alarms live) alarms"
grep -q '^ *created .*[▁▂▃▄▅▆▇█] *[0-9]* now, 6 in 60 min' "$T/live.frames" &&
	ok "the strip's created sparkline" || fail "no created sparkline: $(grep -a created "$T/live.frames")"

# ---- PADLINE_BELL=off: the alarm shows, no bell; ASCII outside UTF-8 ----
TUI_STATE=$T/state-quiet run_frames quiet PADLINE_BELL=off LC_ALL=C LANG=C <<SCRIPT
$(frames_login admin "$ADMIN_PW")
expect 2 Dashboard
key 2
expect live: on
expect 6 in 60 min
run $DO five 192.0.2 hush
until $DO alarm_line 192.0.2.0/24
expect 11 in 60 min
frame
SCRIPT
b=$(bells quiet)
[ "$b" = 0 ] && ok "PADLINE_BELL=off: no bell" || fail "bells with PADLINE_BELL=off: $b"
grep -q '^ *created  *[ ._~=+*#-]*[*#] *[0-9]* now, 11 in 60 min' "$T/quiet.frames" &&
	! grep -q '[▁▂▃▄▅▆▇█]' "$T/quiet.frames" &&
	ok "ASCII sparklines outside UTF-8" || fail "not ASCII: $(grep -a created "$T/quiet.frames")"

# ---- the filter language; pause; 64x16 ----
FRAMES_SIZE=64x16 TUI_STATE=$T/state-narrow run_frames narrow <<SCRIPT
$(frames_login admin "$ADMIN_PW")
expect 2 Dash  3 Users  4  5  6  7  8
key 2
expect live: on
until $DO row hush5 192.0.2.0/24
until $DO row hush5 fast
absent Email
frame
key /
type net:203.0.113.0/33
expect Filter at 1: "203.0.113.0/33" is not
expect net:203.0.113.0/33
key <Bksp> <Bksp>
type 24
expect Filter / net:203.0.113.0/24
gone hush5
until $DO row wave5 203.0.113.0/24
absent calm1
key <C-u>
type flag:nope
expect unknown flag
key <C-u>
type net:192.0.2.0/24
key <Enter>
until $DO row hush5 192.0.2.0/24
absent wave5
key <Esc>
gone Filter /
expect 1-3 of 12
key <Space>
expect paused · +0 new
run $DO signup 198.51.100.8 held1
run $DO signup 198.51.100.9 held2
expect paused · +2 new
absent held1
key G
expect padlined answers
absent paused
until $DO row held1 198.51.100.0/24
until $DO row held2 198.51.100.0/24
key <Space>
expect paused · +0 new
run $DO signup 198.51.100.10 held3
expect paused · +1 new
key <Space>
until $DO row held3 198.51.100.0/24
absent paused
SCRIPT
grep -q 'Username *Network *Fill *Flags' "$T/narrow.frames" &&
	ok "64x16: the username, network, flags and fill columns stay" ||
	fail "64x16 columns: $(grep -a Username "$T/narrow.frames")"

# ---- padlined unreachable: since when, and the rates' age ----
TUI_STATE=$T/state-down run_frames down <<SCRIPT
$(frames_login admin "$ADMIN_PW")
expect 2 Dashboard
key 2
expect padlined answers
expect 14 in 60 min
run $DO stop_server
expect padlined unreachable since
expect rates
expect old
run $DO start_server
expect padlined answers
gone rates
SCRIPT
tui_finish
