#!/usr/bin/env bash
# A signup wave as the operator sees it, in frames (padline --frames)
# against a real padlined: one /24 registers 200 accounts in 20 s beside 5
# a second from other networks (tests/support/signup_source.py, through
# the PROXY protocol from a trusted 127.0.0.2). The net-velocity alarm
# shows in the panel (the time from the signup that crossed it to the
# frame is logged, and only a hang fails), the normal signups keep coming
# into the table while the wave runs, and net:<the /24> shows exactly the
# wave's 200 rows.
export PADLINE_TRUSTED_PROXIES=127.0.0.2/32
. "$(dirname "$0")/support/tui_frames.sh"
SIGNUP_SOURCE="$(cd "$(dirname "$0")" && pwd)/support/signup_source.py"
WAVE_NET=203.0.113

# The wave in the background; $T/wave.log gets each answered signup.
start_wave() {
	python3 "$SIGNUP_SOURCE" "$PORT" wave "$WAVE_NET" 200 20 5 "$T/wave.log" \
		>"$T/wave.out" 2>&1 </dev/null &
	echo $! >"$T/wave.pid"
}
# alarm_seen: the panel shows the wave's alarm; the first time, the time
# of this frame goes to $T/alarm.at.
alarm_seen() {
	printf '%s\n' "$PADLINE_FRAME" | grep -qE -- "net-velocity +$WAVE_NET.0/24 +5 in 60 s" || return 1
	[ -e "$T/alarm.at" ] || date +%s%3N >"$T/alarm.at"
}
# row NAME TEXT: the table row of NAME shows TEXT.
row() { printf '%s\n' "$PADLINE_FRAME" | grep -E -- "(^| )$1( |\$)" | grep -qF -- "$2"; }
# calm_while_wave N: a normal signup calmK with K >= N is on screen (with
# its network) while the wave is still registering (no "done" in its log).
calm_while_wave() {
	printf '%s\n' "$PADLINE_FRAME" | awk -v n="$1" '
		{ for (i = 1; i < NF; i++) if ($i ~ /^calm[0-9]+$/ && substr($i, 5) + 0 >= n && $(i + 1) ~ /^198\.18\./) f = 1 }
		END { exit !f }' || return 1
	! grep -qx "done" "$T/wave.log"
}
wave_done() { grep -qx "done" "$T/wave.log"; }
frames_export start_wave alarm_seen row calm_while_wave wave_done SIGNUP_SOURCE WAVE_NET

# Only the velocity alarm of the network: test signups are fast and their
# names alike, so fast-fill and shape-velocity would ring for every one.
rpc_open
rpc session.login "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}"
for r in fast-fill shape-velocity; do
	rpc rule.put "{\"name\":\"$r\",\"when\":\"$r\",\"action\":\"alarm\",\"enabled\":false}"
	[ -z "$(jget "$REPLY_LINE" error)" ] || die "rule.put $r: $REPLY_LINE"
done
rpc_close

run_frames wave <<SCRIPT
$(frames_login admin "$ADMIN_PW")
expect 2 Dashboard
key 2
expect live: on
expect Alarms: none
run $DO start_wave
until $DO alarm_seen
until $DO calm_while_wave 10
until $DO calm_while_wave 30
until $DO calm_while_wave 50
until $DO wave_done
key /
type net:$WAVE_NET.0/24
key <Enter>
expect of 200
absent calm
frame
SCRIPT
kill "$(cat "$T/wave.pid")" 2>/dev/null
[ -s "$T/wave.out" ] && fail "signups failed: $(head -5 "$T/wave.out")"
# The fifth signup of the /24 in 60 s crossed net-velocity's threshold.
crossed=$(awk '$2 == "wave4" { print $1 }' "$T/wave.log")
if [ -n "$crossed" ] && [ -e "$T/alarm.at" ]; then
	ok "the alarm was on screen $(($(cat "$T/alarm.at") - crossed)) ms after the crossing signup was answered"
else
	fail "no crossing signup or alarm time: $(head -3 "$T/wave.log")"
fi
[ "$(grep -c '^[0-9]* wave' "$T/wave.log")" = 200 ] && [ "$(grep -c '^[0-9]* calm' "$T/wave.log")" = 100 ] &&
	ok "200 wave and 100 normal signups" || fail "signups: $(grep -c wave "$T/wave.log") wave, $(grep -c calm "$T/wave.log") normal"
# Every row the filtered table shows is one of the wave's.
rows=$(sed -n '/^ *Created (UTC)/,/ of 200/p' "$T/wave.frames" | sed '1d;$d' | grep -c .)
bad=$(sed -n '/^ *Created (UTC)/,/ of 200/p' "$T/wave.frames" | sed '1d;$d' | grep -vc " $WAVE_NET.0/24 ")
[ "$rows" -gt 5 ] && [ "$bad" = 0 ] && ok "net:$WAVE_NET.0/24 shows the wave's rows only ($rows on screen of 200)" ||
	fail "filtered rows: $rows, not the wave's: $bad"
tui_finish
