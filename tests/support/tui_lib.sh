# Shared scaffolding of the tmux suites (tests/tui*_test.sh), sourced by
# each: a padlined on its own schema and free port, a proxy that can hold a
# reply, a subscribe-only Redis user for the dashboard, an admin, tmux and
# RPC helpers, and tui_finish for the verdict. Every wait is for an event
# under one generous timeout ($WAIT) that only catches a hang.
set -u
WAIT=${TUI_TEST_WAIT:-60}

: "${PADLINE_BIN:?}" "${PADLINE_TUI_BIN:?}" "${DATABASE_URL:?}" "${REDIS_URL:?}"
# Frame suites (tui_frames.sh) set TUI_FRAMES=1 and need no tmux.
tmux_tool=tmux
[ -n "${TUI_FRAMES:-}" ] && tmux_tool=
for tool in $tmux_tool python3 psql redis-server redis-cli; do
	# A skipped test would pass silently: missing tools fail it.
	command -v "$tool" >/dev/null || { echo "tui_test: $tool is not installed (run scripts/deps)" >&2; exit 1; }
done

T=$(mktemp -d /tmp/padline-tui.XXXXXX)
SCHEMA="t_tui_$$_$RANDOM"
SOCK="pltui$$"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SRV_PID=
# padlined's logs go where scripts/test's security review reads them.
LOGDIR=${PADLINE_TEST_LOGS:-$T}
SLOG="$LOGDIR/$(basename "$0" .sh)_$$.log"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
. "$(dirname "${BASH_SOURCE[0]}")/check_lib.sh"

# Every padline and padlined these suites start goes through a wrapper that
# records its arguments: tui_finish fails the suite when one carried a
# password, which any local user reads with ps (a password goes in the
# environment, or on stdin).
mkdir "$T/bin"
argv_wrap() { # argv_wrap VAR: $VAR, a binary, becomes its recording wrapper
	local w
	w="$T/bin/$(basename "${!1}")"
	printf '#!/bin/sh\nprintf "%%s\\n" "$0 $*" >>"%s"\nexec "%s" "$@"\n' "$T/argv.log" "${!1}" >"$w"
	chmod +x "$w"
	printf -v "$1" %s "$w"
	export "${1?}"
}
argv_wrap PADLINE_BIN
argv_wrap PADLINE_TUI_BIN

cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	[ -n "${WATCH_PID:-}" ] && kill "$WATCH_PID" 2>/dev/null
	[ -n "${RDS_PID:-}" ] && kill "$RDS_PID" 2>/dev/null
	[ -n "${SRV2_PID:-}" ] && kill "$SRV2_PID" 2>/dev/null
	[ -n "${PROXY_PID:-}" ] && kill "$PROXY_PID" 2>/dev/null
	psql "$DATABASE_URL" -qc "DROP SCHEMA IF EXISTS \"$SCHEMA\" CASCADE" >/dev/null 2>&1
	[ -n "${DASH_USER:-}" ] && redis-cli -u "$REDIS_URL" acl deluser "$DASH_USER" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

fail_hook() { if [ -n "${VERBOSE:-}" ]; then screen; fi; }
die() { echo "FAIL: $*"; screen; echo "--- server log tail"; tail -20 "$SLOG"; exit 1; }

# ---- a line-based JSON-RPC client on bash's /dev/tcp ----
rpc_open() { exec 7<>"/dev/tcp/127.0.0.1/$PORT"; RPC_ID=0; }
rpc_close() { exec 7>&- 7<&-; }
# rpc METHOD PARAMS_JSON -> reply line in $REPLY_LINE
rpc() {
	RPC_ID=$((RPC_ID + 1))
	printf '{"jsonrpc":"2.0","id":%d,"method":"%s","params":%s}\n' "$RPC_ID" "$1" "${2:-{\}}" >&7
	IFS= read -r -t 20 REPLY_LINE <&7 || REPLY_LINE=""
}
jget() { python3 -c 'import json,sys
v=json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else v.get(k) if isinstance(v, dict) else None
print("" if v is None else (json.dumps(v) if isinstance(v,(dict,list,bool)) else v))' "$1" "$2" 2>/dev/null; }
# Other suites stop and kill the shared PostgreSQL (e2e_fault_*): retry
# through their outages rather than fail on them.
sql() {
	local out
	for _ in $(seq 1 30); do
		out=$(psql "$DATABASE_URL" -Atqc "SET search_path TO \"$SCHEMA\"; $1" 2>/dev/null) && { printf '%s\n' "$out"; return 0; }
		sleep 1
	done
	return 1
}
# register_user NAME [EMAIL]: a second client registering (fresh form token).
register_user() {
	local email=""
	[ -n "${2:-}" ] && email=",\"email\":\"$2\""
	for _ in $(seq 1 30); do
		rpc server.hello '{}'
		FT=$(jget "$REPLY_LINE" result.form_token)
		rpc user.register "{\"form_token\":\"$FT\",\"username\":\"$1\",\"password\":\"$PW\"$email}"
		[ "$(jget "$REPLY_LINE" error.code)" = 503 ] || return 0
		sleep 1
	done
}

# ---- tmux helpers ----
tm() { tmux -L "$SOCK" "$@"; }
screen() { tm capture-pane -t tui -p 2>/dev/null; }
keys() { tm send-keys -t tui "$@"; }
type_text() { tm send-keys -t tui -l "$1"; }
# Every wait (wait_until, check_lib.sh) is for an event, never for a time:
# $WAIT only catches a hang.
on_screen() { screen | grep -qF -- "$1"; }
off_screen() { ! screen | grep -qF -- "$1"; }
wait_for() { wait_until on_screen "$1"; }  # wait_for TEXT
wait_gone() { wait_until off_screen "$1"; } # wait_gone TEXT
in_file() { grep -qF -- "$2" "$1" 2>/dev/null; }
wait_file() { wait_until in_file "$1" "$2"; } # wait_file FILE TEXT
port_open() { (exec 6<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# private_redis: a Redis of the suite's own for the dashboard, with a
# password (in a file, not on redis-server's command line), that padlined
# does not publish to, so what the dashboard shows came from events.since.
# Sets RPORT, RPASS and RREDIS (its URL); start_redis and stop_redis (both
# for frames_export) start it and stop it, each waiting for its port.
private_redis() {
	RPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	RPASS="rds-secret-$$"
	RREDIS="redis://:$RPASS@127.0.0.1:$RPORT"
	printf 'port %s\nbind 127.0.0.1\nrequirepass %s\nsave ""\nappendonly no\n' "$RPORT" "$RPASS" >"$T/redis.conf"
}
start_redis() {
	redis-server "$T/redis.conf" >/dev/null 2>&1 </dev/null &
	echo $! >"$T/rds.pid"
	wait_until port_open "$RPORT"
}
stop_redis() { kill "$(cat "$T/rds.pid")" 2>/dev/null; wait_until eval '! port_open "$RPORT"'; }

# A session that outlives the others: killing the last session would stop
# the tmux server, racing the next new-session.
[ -n "${TUI_FRAMES:-}" ] || tm new-session -d -s keep "sleep 3600"
# dash_env URL: DASH_ENV names a new file of $T (mode 700, as mktemp made
# it) exporting URL as the dashboard's Redis, for a tmux window's command to
# source: the window's shell keeps its command line for anyone's ps.
DASH_ENV_N=0
dash_env() {
	DASH_ENV_N=$((DASH_ENV_N + 1))
	DASH_ENV="$T/dash$DASH_ENV_N.env"
	printf 'export PADLINE_DASH_REDIS_URL=%q\n' "$1" >"$DASH_ENV"
}
start_tui() { # start_tui [ENV=VALUE...]
	tm kill-session -t tui 2>/dev/null
	dash_env "${TUI_REDIS:-$DASH_REDIS}"
	tm new-session -d -s tui -x 100 -y 30 \
		". $DASH_ENV; env XDG_STATE_HOME=${TUI_STATE:-$T/state} EDITOR=$T/editor.sh ${TUI_TERM:+TERM=$TUI_TERM} $* $PADLINE_TUI_BIN --server 127.0.0.1:${TUI_PORT:-$PPORT}; echo EXITED rc=\$?; stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo)' | tr '\\n' ' '; echo; sleep 30"
}

# ---- server, and the proxy the TUI talks through ----
# TUI_SERVER_ENV (set before sourcing): more VAR=value words for it.
env ${TUI_SERVER_ENV:-} PADLINE_LISTEN="127.0.0.1:$PORT" PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="tui-test-secret-$$" \
	PADLINE_PWHASH_OPSLIMIT=1 PADLINE_PWHASH_MEMLIMIT=8388608 PADLINE_LOG=debug "$PADLINE_BIN" >"$SLOG" 2>&1 &
SRV_PID=$!
server_up() { port_open "$PORT" || { kill -0 "$SRV_PID" 2>/dev/null || die "padlined exited"; return 1; }; }
wait_until server_up || die "padlined does not listen"

# The TUI talks through tests/support/line_proxy.py: while $T/hold names a
# method, the reply to a request for it is held until $T/release exists
# (see there). Suites start more of it with $LINE_PROXY.
LINE_PROXY="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/line_proxy.py"
PPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 "$LINE_PROXY" "$T" "$PPORT" "$PORT" 2>"$T/proxy.err" &
PROXY_PID=$!
wait_until port_open "$PPORT" || die "the test proxy does not listen: $(cat "$T/proxy.err")"
# The TUI and watch use a subscribe-only Redis user (padlined redis-acl), as
# scripts/up does: everything live below must work without write rights.
DASH_USER="tui_dash_$$"
DASH_PW="dash-$$-$RANDOM$RANDOM"
printf '%s\n' "$DASH_PW" | PADLINE_SCHEMA="$SCHEMA" "$PADLINE_BIN" redis-acl "$DASH_USER" --password-stdin |
	redis-cli -u "$REDIS_URL" | grep -qx OK || die "could not create the subscribe-only Redis user"
rhp=${REDIS_URL#redis://}
rhp=${rhp##*@}
rhp=${rhp%%/*}
DASH_REDIS="redis://$DASH_USER:$DASH_PW@$rhp"
[ "$(REDISCLI_AUTH=$DASH_PW redis-cli -h "${rhp%:*}" -p "${rhp##*:}" --user "$DASH_USER" publish "padline:events:$SCHEMA" x 2>&1 | cut -c1-6)" = NOPERM ] ||
	fail "the dashboard's Redis user may PUBLISH"
ADMIN_PW="Admin-Passw0rd!"
printf '%s\n' "$ADMIN_PW" | PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="tui-test-secret-$$" \
	"$PADLINE_BIN" create-user admin --admin >"$T/create.log" 2>&1 || die "create-user failed: $(cat "$T/create.log")"

cat >"$T/editor.sh" <<'EDIT'
#!/bin/sh
# The "user" of $EDITOR: records the file mode; the first time leaves a
# syntax error, the second time writes good data.
d=$(dirname "$0")
stat -c %a "$1" > "$d/editor.mode"
if [ ! -e "$d/editor.once" ]; then
	touch "$d/editor.once"
	printf '{"edited": true,\n  oops\n' > "$1"
else
	printf '{"edited": true, "n": 42, "text": "héllo"}\n' > "$1"
fi
EDIT
chmod +x "$T/editor.sh"

# tui_login USER PASSWORD: signs in through the form of a fresh TUI and
# waits until the sign-in screen is gone.
tui_login() {
	start_tui
	wait_for "Sign in to padline" || die "no login screen"
	keys C-u; type_text "$1"; keys Tab; type_text "$2"; keys Enter
	wait_gone "Sign in to padline" || die "login as $1 did not leave the sign-in screen"
}

# argv_secrets: fails when one of the suite's passwords is in the arguments
# of a padline or padlined it started, or of one of its processes still
# running (the shell of a tmux window and what runs under it, its Redis).
# Only this suite's: another one may be typing the same password into its
# window just now. The passwords are read from a file: grep's own arguments
# hold none.
argv_secrets() {
	local p
	printf '%s\n' "$DASH_PW" "$ADMIN_PW" ${RPASS:+"$RPASS"} ${PW:+"$PW"} >"$T/secrets"
	grep -qFf "$T/secrets" "$T/argv.log" 2>/dev/null &&
		fail "a password in the arguments of: $(grep -Ff "$T/secrets" "$T/argv.log" | head -1 | cut -d' ' -f1-2)"
	for p in $(tm list-panes -a -F '#{pane_pid}' 2>/dev/null) ${RDS_PID:-} ${WATCH_PID:-}; do
		for p in "$p" $(pgrep -P "$p"); do
			tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qFf "$T/secrets" &&
				fail "a password in the arguments of a running process: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -d' ' -f1-3)"
		done
	done
	return 0
}

# tui_finish: the verdict; on failure, the server's failed requests.
tui_finish() {
	argv_secrets
	if [ $fails -ne 0 ]; then
		echo "--- server: failed requests and warnings"
		grep -E 'code=[1-9-]|level=(warn|error)' "$SLOG" | tail -30
		if ! kill -0 "$SRV_PID" 2>/dev/null; then
			wait "$SRV_PID"
			echo "--- padlined DIED (status $?); its last lines:"
			tail -15 "$SLOG"
		fi
		echo "$fails failure(s)"
		exit 1
	fi
	echo PASS
}
