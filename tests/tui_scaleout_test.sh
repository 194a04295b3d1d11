#!/usr/bin/env bash
# The TUI through HAProxy (TCP mode, health check speaking server.health) in
# front of three padlined on one schema: signed in as the admin on the
# Server screen, the instance it is on is killed with -9; the TUI must
# reconnect through HAProxy, resume its session on another instance and go
# on working (admin-only server.stats, the pad list) without asking to sign
# in again.
#
# Deterministic: the TUI signs in while only instance s0 is enabled in
# HAProxy, so s0 is the one it is on; s1 and s2 are enabled through
# HAProxy's runtime socket and waited for (UP) before s0 is killed. Every
# check waits for the screen to show the event under one generous timeout.
. "$(dirname "$0")/support/tui_lib.sh"
command -v haproxy >/dev/null || die "haproxy is not installed (run scripts/deps)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
S1_PORT=$(free_port)
S2_PORT=$(free_port)
LB_PORT=$(free_port)
S1_PID= S2_PID= HAP_PID=
scaleout_cleanup() {
	for p in $HAP_PID $S1_PID $S2_PID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	cleanup
}
trap scaleout_cleanup EXIT

# Two more instances on the TUI suite's schema, with its secret.
start_instance() { # PORT LOG -> pid in $!
	PADLINE_LISTEN="127.0.0.1:$1" PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="tui-test-secret-$$" \
		PADLINE_PWHASH_OPSLIMIT=1 PADLINE_PWHASH_MEMLIMIT=8388608 PADLINE_LOG=debug "$PADLINE_BIN" >"$2" 2>&1 &
}
start_instance "$S1_PORT" "$LOGDIR/tui_scaleout_s1_$$.log"
S1_PID=$!
start_instance "$S2_PORT" "$LOGDIR/tui_scaleout_s2_$$.log"
S2_PID=$!
wait_until port_open "$S1_PORT" || die "instance s1 does not listen"
wait_until port_open "$S2_PORT" || die "instance s2 does not listen"

hex=$(printf '{"jsonrpc":"2.0","id":1,"method":"server.health"}\n' | od -An -tx1 | tr -d ' \n')
# LB_PORT was free a moment ago; another process may take it before HAProxy
# binds (outgoing connections draw from the same ephemeral range), so a
# HAProxy that exits instead of listening is started again on a new port.
start_haproxy() {
	cat >"$T/haproxy.cfg" <<CFG
global
    maxconn 200
    stats socket $T/haproxy.sock level admin
defaults
    mode tcp
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    retries 3
    option redispatch
frontend padline
    bind 127.0.0.1:$LB_PORT
    default_backend padlined
backend padlined
    balance roundrobin
    option tcp-check
    tcp-check connect
    tcp-check send-binary $hex
    tcp-check expect string '"db":"up"'
    server s0 127.0.0.1:$PORT check inter 300 fall 1 rise 1
    server s1 127.0.0.1:$S1_PORT check inter 300 fall 1 rise 1 disabled
    server s2 127.0.0.1:$S2_PORT check inter 300 fall 1 rise 1 disabled
CFG
	haproxy -db -f "$T/haproxy.cfg" >"$T/haproxy.log" 2>&1 &
	HAP_PID=$!
	wait_until eval 'port_open "$LB_PORT" || ! kill -0 "$HAP_PID" 2>/dev/null'
	kill -0 "$HAP_PID" 2>/dev/null && port_open "$LB_PORT"
}
for try in 1 2 3 4 5; do
	start_haproxy && break
	echo "HAProxy did not listen on $LB_PORT (try $try): $(cat "$T/haproxy.log")"
	wait "$HAP_PID" 2>/dev/null
	HAP_PID=
	LB_PORT=$(free_port)
done
[ -n "$HAP_PID" ] || die "HAProxy never listened"
# hap COMMAND: HAProxy's runtime API, answer on stdout.
hap() {
	python3 - "$T/haproxy.sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
out = b""
while True:
	b = s.recv(65536)
	if not b:
		break
	out += b
sys.stdout.write(out.decode())
PY
}
# server_status NAME: UP, DOWN, MAINT... from "show stat".
server_status() { hap "show stat" 2>/dev/null | awk -F, -v s="$1" '$1 == "padlined" && $2 == s { print $18 }'; }
is_up() { [ "$(server_status "$1")" = UP ]; }
wait_until is_up s0 || die "HAProxy never saw s0 up (HAProxy $(kill -0 "$HAP_PID" 2>/dev/null && echo running || echo gone)): $(cat "$T/haproxy.log")"

# ---- the admin signs in through HAProxy: on s0, the only one enabled ----
TUI_PORT=$LB_PORT tui_login admin "$ADMIN_PW"
wait_for "1 Pads" || die "admin has no tab bar through HAProxy"
tab=$(screen | head -1 | grep -o '[0-9] Server' | cut -c1)
[ -n "$tab" ] || die "no Server tab: $(screen | head -1)"
keys "$tab"
wait_for "Health      PostgreSQL up, Redis up" || die "no Server screen through HAProxy"
on_screen "session.resume" && die "s0 already answered a session.resume: the marker below would prove nothing"
ok "signed in through HAProxy, on s0"

hap "enable server padlined/s1" >/dev/null
hap "enable server padlined/s2" >/dev/null
wait_until is_up s1 || die "s1 never came up in HAProxy"
wait_until is_up s2 || die "s2 never came up in HAProxy"

# ---- s0 dies under the TUI ----
{ kill -9 "$SRV_PID"; wait "$SRV_PID"; } 2>/dev/null
SRV_PID=
PORT=$S1_PORT # the RPC helpers talk to a survivor from now on
# The Server screen asks every 2 s: its next ask fails on the dead
# connection, the one after reconnects through HAProxy, which must send
# session.resume first; only a resumed admin session gets server.stats, and
# the new instance's table then lists that session.resume.
wait_for "session.resume" && ok "the TUI reconnected and resumed its session on another instance" ||
	fail "the TUI never resumed through HAProxy after the kill: $(screen | grep -E 'failed|Health' | head -3)"
wait_gone "last refresh failed" || fail "the Server screen stays failed after the reconnect"
on_screen "Sign in to padline" && fail "the TUI asks to sign in again after the kill"

# ---- and works: a pad made elsewhere shows in its pad list ----
rpc_open
rpc session.login "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}"
rpc pad.create '{"display_name":"after the kill"}'
[ -z "$(jget "$REPLY_LINE" error.code)" ] || fail "pad.create on a survivor: $REPLY_LINE"
rpc_close
keys 1
wait_for "after the kill" && ok "the TUI still works after the kill (pad list)" ||
	fail "the pad list does not show the new pad after the kill"
on_screen "Sign in to padline" && fail "signed out after the kill"
screen >"$T/after_kill.txt"
keys q
wait_for "EXITED rc=0" || fail "quit after the kill"
tui_finish
