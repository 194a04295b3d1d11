#!/usr/bin/env bash
# padline comes back by itself after padlined or Redis was away, in frames
# (padline --frames) against a real padlined on its own port (no proxy in
# between): while padlined is stopped its port refuses, then accepts and
# closes at once, or accepts one connection and hangs on it, or drops
# every SYN (a connect that never completes); padlined then starts again
# and the dashboard must say "padlined answers" and a key that needs
# padlined must be answered. A TUI started while padlined is away asks
# again by itself once it listens (and resumes a saved session). The same
# for the dashboard's Redis subscription and for `padline watch`. Every wait is for a frame or an
# event, under a generous timeout; none measures how fast.
. "$(dirname "$0")/support/tui_frames.sh"
# A skipped test would pass silently: no ss fails it.
command -v ss >/dev/null || die "ss is not installed (run scripts/deps)"
PW="abcDEFghij1!xy"
DEAD_PORT="$(cd "$(dirname "$0")" && pwd)/support/dead_port.py"
PARENT=$$
echo "$SRV_PID" >"$T/srv.pid"
# padlined is restarted from a script's command: stop the last one, and
# what holds its port meanwhile.
trap 'kill $(cat "$T/dead.pids" 2>/dev/null) "$(cat "$T/rds.pid" 2>/dev/null)" 2>/dev/null
	kill "$(cat "$T/srv.pid")" 2>/dev/null; cleanup' EXIT

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
# dead MODE [PORT]: dead_port.py MODE holds PORT (padlined's by default;
# see there).
dead() {
	rm -f "$T/dead.log" "$T/syn"
	python3 "$DEAD_PORT" "$1" "${2:-$PORT}" "$T/dead.log" 2>>"$T/dead.err" &
	echo $! >"$T/dead.pid"
	echo $! >>"$T/dead.pids" # every one, for the exit trap
	wait_until eval "grep -qxE 'listening|full' '$T/dead.log' 2>/dev/null"
}
undead() {
	local pid
	pid=$(cat "$T/dead.pid")
	kill "$pid" && wait_until eval "! kill -0 $pid 2>/dev/null"
}
# accepted N: the dead port accepted N connections of the client.
accepted_n() { [ "$(grep -cx accepted "$T/dead.log" 2>/dev/null)" -ge "$1" ]; }
accepted() { wait_until accepted_n "$1"; }
# syn_tries N [PORT]: N connects of padline to PORT (each its own source
# port; not the ones dead_port.py filled its queue with) seen waiting for
# an answer to their SYN.
syn_n() {
	ss -Htnp state syn-sent "( dport = :${2:-$PORT} )" | grep -F '(("padline",' | awk '{ print $(NF-2) }' >>"$T/syn"
	[ "$(sort -u "$T/syn" | grep -c .)" -ge "$1" ]
}
syn_tries() { wait_until syn_n "$@"; }
# The dashboard's private Redis.
private_redis
frames_export stop_server start_server dead undead accepted_n accepted syn_n syn_tries \
	start_redis stop_redis register_user DEAD_PORT PADLINE_BIN SLOG PARENT PW RPORT

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

# ---- started while padlined is away ----
# A TUI started while padlined's port refuses says "Server unreachable" on
# the sign-in form; once padlined listens it must ask for server.hello
# again by itself (the form says nothing of it any more) and sign in.
stop_server || die "padlined does not stop"
TUI_PORT=$PORT TUI_STATE=$T/state-start run_frames start <<SCRIPT
timeout 30
expect Server unreachable
expect Press Enter to retry
run $DO start_server
gone Press Enter to retry
absent Server unreachable
$(frames_login admin "$ADMIN_PW")
key 2
expect padlined answers
SCRIPT
# The same with the session the first run saved: resumed by itself, no
# password asked.
stop_server || die "padlined does not stop"
TUI_PORT=$PORT TUI_STATE=$T/state-refused run_frames start_saved <<SCRIPT
timeout 30
expect Server unreachable
run $DO start_server
expect 2 Dashboard
absent Sign in to padline
key 2
expect padlined answers
SCRIPT

# ---- the dashboard's Redis: back after a peer that hangs, or drops SYNs ----
# Redis stops; its port first accepts the subscription's connection and
# hangs, then Redis starts again; later its port drops SYNs until Redis
# starts again. Each time the dashboard must subscribe again ("live: on")
# and show a user registered meanwhile (events.since fills the gap).
start_redis || die "private redis-server does not start"
rpc_open # register_user's, in the script's commands
TUI_PORT=$PORT TUI_REDIS=$RREDIS TUI_STATE=$T/state-redis run_frames redis <<SCRIPT
timeout 30
$(frames_login admin "$ADMIN_PW")
expect 2 Dashboard
key 2
expect live: on
run $DO stop_redis
expect live: polling
run $DO dead hold $RPORT
run $DO accepted 1
run $DO start_redis
run $DO register_user redisback1
expect live: on
expect redisback1
run $DO stop_redis
expect live: polling
run $DO dead drop $RPORT
run $DO syn_tries 2 $RPORT
run $DO undead
run $DO start_redis
run $DO register_user redisback2
expect live: on
expect redisback2
SCRIPT

# ---- padline watch: back after a connection that hangs ----
# The same hanging peer on padlined's port while watch runs: watch says
# padlined is unreachable, then that it answers again once padlined is
# back, and prints a signup made then; SIGTERM still ends it with 143.
rpc session.login "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}"
TOKEN=$(jget "$REPLY_LINE" result.token)
[ -n "$TOKEN" ] || die "admin login: $REPLY_LINE"
env PADLINE_TOKEN="$TOKEN" XDG_STATE_HOME="$T/state-watch" PADLINE_DASH_REDIS_URL="$DASH_REDIS" \
	"$PADLINE_TUI_BIN" watch --server "127.0.0.1:$PORT" >"$T/watch.out" 2>"$T/watch.err" &
WATCH_PID=$!
wait_file "$T/watch.err" "watching for new users" || fail "watch does not start: $(cat "$T/watch.err")"
stop_server || die "padlined does not stop"
wait_file "$T/watch.err" "is unreachable (not answering)" || fail "watch does not say padlined is unreachable: $(cat "$T/watch.err")"
dead hold || die "dead_port.py does not listen: $(cat "$T/dead.err")"
accepted 1 || fail "watch never connected to the hanging peer"
start_server || die "padlined does not come back"
wait_file "$T/watch.err" "answers again" && ok "watch: padlined answers again after a connection that hung" ||
	fail "watch does not come back after a connection that hung: $(tr '\n' '|' <"$T/watch.err")"
rpc_open
register_user watchback
wait_file "$T/watch.out" watchback && ok "watch: a signup after padlined came back is shown" || fail "watchback not shown"
kill -TERM "$WATCH_PID"
wait "$WATCH_PID"
rc=$?
WATCH_PID=
[ "$rc" = 143 ] && ok "watch: SIGTERM still ends it with 143" || fail "watch ended with $rc"

tui_finish
