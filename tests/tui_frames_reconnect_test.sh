#!/usr/bin/env bash
# The TUI comes back by itself after padlined was away, in frames (padline
# --frames) against a real padlined on its own port (no proxy in between):
# while padlined is stopped its port refuses, then accepts and closes at
# once, then accepts one connection and hangs on it, or drops every SYN
# (a connect that never completes); padlined then starts again and the
# dashboard must say "padlined answers" and a key that needs padlined must
# be answered. Every wait is for a frame or an event, under a generous
# timeout; none measures how fast.
. "$(dirname "$0")/support/tui_frames.sh"
DEAD_PORT="$(cd "$(dirname "$0")" && pwd)/support/dead_port.py"
PARENT=$$
echo "$SRV_PID" >"$T/srv.pid"
# padlined is restarted from a script's command: stop the last one, and
# what holds its port meanwhile.
trap 'kill "$(cat "$T/dead.pid" 2>/dev/null)" 2>/dev/null; kill "$(cat "$T/srv.pid")" 2>/dev/null; cleanup' EXIT

stop_server() {
	local pid
	pid=$(cat "$T/srv.pid")
	kill "$pid" && wait_until eval "! kill -0 $pid 2>/dev/null" && ! port_open "$PORT"
}
start_server() {
	env PADLINE_LISTEN="127.0.0.1:$PORT" PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="tui-test-secret-$PARENT" \
		PADLINE_PWHASH_OPSLIMIT=1 PADLINE_PWHASH_MEMLIMIT=8388608 PADLINE_LOG=debug \
		"$PADLINE_BIN" >>"$SLOG" 2>&1 </dev/null &
	echo $! >"$T/srv.pid"
	wait_until port_open "$PORT"
}
# dead MODE: dead_port.py MODE holds padlined's port (see there).
dead() {
	rm -f "$T/dead.log" "$T/syn"
	python3 "$DEAD_PORT" "$1" "$PORT" "$T/dead.log" 2>>"$T/dead.err" &
	echo $! >"$T/dead.pid"
	wait_until eval "grep -qxE 'listening|full' '$T/dead.log' 2>/dev/null"
}
undead() {
	local pid
	pid=$(cat "$T/dead.pid")
	kill "$pid" && wait_until eval "! kill -0 $pid 2>/dev/null"
}
# accepted N: the dead port accepted N connections of the TUI.
accepted_n() { [ "$(grep -cx accepted "$T/dead.log" 2>/dev/null)" -ge "$1" ]; }
accepted() { wait_until accepted_n "$1"; }
# syn_tries N: N connects of the TUI (each its own source port; not the
# ones dead_port.py filled its queue with) seen waiting for an answer to
# their SYN.
syn_n() {
	ss -Htnp state syn-sent "( dport = :$PORT )" | grep -F '(("padline",' | awk '{ print $(NF-2) }' >>"$T/syn"
	[ "$(sort -u "$T/syn" | grep -c .)" -ge "$1" ]
}
syn_tries() { wait_until syn_n "$1"; }
frames_export stop_server start_server dead undead accepted_n accepted syn_n syn_tries \
	DEAD_PORT PADLINE_BIN SLOG PARENT

# down_script: the script lines that sign in, open the dashboard while
# padlined answers, and stop padlined.
down_script() {
	printf '%s\n' "$(frames_login admin "$ADMIN_PW")" "expect 2 Dashboard" "key 2" \
		"expect padlined answers" "run $DO stop_server" "expect padlined unreachable since"
}
# back_script: the script lines that start padlined again and wait for the
# TUI to say it answers and to answer a key that needs it (Users' list).
back_script() {
	printf '%s\n' "run $DO start_server" "expect padlined answers" "absent padlined is not answering" \
		"key 3" "expect Users 1-1"
}

# ---- refused, then accepted and closed at once ----
# The probe reconnects every second: a few refused attempts (the age the
# status line shows moves on), then three connections the port closes.
TUI_PORT=$PORT TUI_STATE=$T/state-refused run_frames refused <<SCRIPT
timeout 30
$(down_script)
expect what is shown is 3 s old
run $DO dead close
run $DO accepted 3
run $DO undead
$(back_script)
SCRIPT

# ---- a connection accepted, then never a word ----
# The peer stops listening once it holds the TUI's connection, so padlined
# starts on the port while that connection still hangs: the TUI must give
# it up and reach the new padlined.
TUI_PORT=$PORT TUI_STATE=$T/state-hold run_frames hold <<SCRIPT
timeout 30
$(down_script)
run $DO dead hold
run $DO accepted 1
$(back_script)
SCRIPT

# ---- a connect that never completes ----
# SYNs are dropped: the TUI must give up a connect that hangs and try
# again with a new one (two source ports seen), rather than wait on the
# kernel's retransmissions.
TUI_PORT=$PORT TUI_STATE=$T/state-drop run_frames drop <<SCRIPT
timeout 30
$(down_script)
run $DO dead drop
run $DO syn_tries 2
run $DO undead
$(back_script)
SCRIPT

tui_finish
