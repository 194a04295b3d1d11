#!/usr/bin/env bash
# The TUI through HAProxy running the shipped dist/haproxy.cfg (TCP mode,
# send-proxy-v2, the health check speaking server.health) in front of three
# padlined on one schema that trust it for the PROXY header, as deployed
# (docs/operations.md, "Behind HAProxy"): signed in as the admin on the
# Server screen, the instance it is on is killed with -9; the TUI must
# reconnect through HAProxy, resume its session on another instance and go
# on working (admin-only server.stats, the pad list) without asking to sign
# in again.
#
# Deterministic: the TUI signs in while only server a (the suite's padlined)
# is enabled in HAProxy, so a is the one it is on; b and c are enabled
# through HAProxy's runtime socket and waited for (UP) before a is killed.
# Every check waits for the screen to show the event under one generous
# timeout.
TUI_SERVER_ENV="PADLINE_TRUSTED_PROXIES=127.0.0.1/32"
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
	env $TUI_SERVER_ENV PADLINE_LISTEN="127.0.0.1:$1" PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="tui-test-secret-$$" \
		PADLINE_PWHASH_OPSLIMIT=1 PADLINE_PWHASH_MEMLIMIT=8388608 PADLINE_LOG=debug "$PADLINE_BIN" >"$2" 2>&1 &
}
start_instance "$S1_PORT" "$LOGDIR/tui_scaleout_s1_$$.log"
S1_PID=$!
start_instance "$S2_PORT" "$LOGDIR/tui_scaleout_s2_$$.log"
S2_PID=$!
wait_until port_open "$S1_PORT" || die "instance s1 does not listen"
wait_until port_open "$S2_PORT" || die "instance s2 does not listen"

# HAProxy runs the shipped dist/haproxy.cfg (send-proxy-v2, the health check
# speaking server.health) with this suite's addresses, as tests/support's
# ts_haproxy writes it. LB_PORT was free a moment ago; another process may
# take it before HAProxy binds (outgoing connections draw from the same
# ephemeral range), so a HAProxy that exits instead of listening is started
# again on a new port.
HAP_SOCK="$T/haproxy.sock"
start_haproxy() {
	"$PADLINE_TS_HAPROXY" config "$T/haproxy.cfg" "$HAP_SOCK" "$LB_PORT" "$PORT" "$S1_PORT" "$S2_PORT" ||
		die "dist/haproxy.cfg could not be written for the test"
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
hap() { "$PADLINE_TS_HAPROXY" command "$HAP_SOCK" "$1"; }
# server_status NAME: UP, DOWN, MAINT... from "show stat".
server_status() { "$PADLINE_TS_HAPROXY" status "$HAP_SOCK" "$1" 2>/dev/null; }
is_up() { [ "$(server_status "$1")" = UP ]; }
# Only a (the suite's padlined) takes clients until the TUI is signed in.
hap "disable server padlined/b" >/dev/null
hap "disable server padlined/c" >/dev/null
[ "$(server_status b)" = MAINT ] && [ "$(server_status c)" = MAINT ] || die "b and c are not in maintenance"
wait_until is_up a || die "HAProxy never saw a up (HAProxy $(kill -0 "$HAP_PID" 2>/dev/null && echo running || echo gone)): $(cat "$T/haproxy.log")"

# ---- the admin signs in through HAProxy: on a, the only one enabled ----
TUI_PORT=$LB_PORT tui_login admin "$ADMIN_PW"
wait_for "1 Pads" || die "admin has no tab bar through HAProxy"
tab=$(screen | head -1 | grep -o '[0-9] Server' | cut -c1)
[ -n "$tab" ] || die "no Server tab: $(screen | head -1)"
keys "$tab"
wait_for "Health      PostgreSQL up, Redis up" || die "no Server screen through HAProxy"
on_screen "session.resume" && die "a already answered a session.resume: the marker below would prove nothing"
ok "signed in through HAProxy, on a"

hap "enable server padlined/b" >/dev/null
hap "enable server padlined/c" >/dev/null
wait_until is_up b || die "b never came up in HAProxy"
wait_until is_up c || die "c never came up in HAProxy"

# ---- a dies under the TUI ----
{ kill -9 "$SRV_PID"; wait "$SRV_PID"; } 2>/dev/null
SRV_PID=
# The RPC helpers go through HAProxy from now on: every padlined here takes
# 127.0.0.1 for a proxy and wants a PROXY header first.
PORT=$LB_PORT
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
