#!/usr/bin/env bash
# padline against a TLS padlined with a self-signed certificate, in tmux:
# the ssh-like question before pinning (answered no: exit 3, nothing pinned;
# yes: pinned, then the sign-in screen; next start: no question), a changed
# certificate refused loudly, and without a terminal (padline watch, the
# TUI) a refusal that names --trust, which then pins with the right
# fingerprint only. Every wait is for the event itself (tui_lib.sh).
. "$(dirname "$0")/support/tui_lib.sh"
command -v openssl >/dev/null || die "openssl is not installed (run scripts/deps)"

# ---- a second padlined, TLS only, on the same schema ----
mkdir -p "$T/tls"
(umask 077; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	-keyout "$T/tls/key.pem" -out "$T/tls/cert.pem" 2>/dev/null) || die "openssl req failed"
TPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PADLINE_LISTEN="127.0.0.1:$TPORT" PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="tui-test-secret-$$" \
	PADLINE_TLS_CERT="$T/tls/cert.pem" PADLINE_TLS_KEY="$T/tls/key.pem" \
	PADLINE_PWHASH_OPSLIMIT=1 PADLINE_PWHASH_MEMLIMIT=8388608 PADLINE_LOG=debug \
	"$PADLINE_BIN" >"$SLOG.tls" 2>&1 &
SRV2_PID=$!
tls_up() { port_open "$TPORT" || { kill -0 "$SRV2_PID" 2>/dev/null || die "TLS padlined exited: $(tail -5 "$SLOG.tls")"; return 1; }; }
wait_until tls_up || die "TLS padlined does not listen"
# openssl's spelling (AB:CD:...) and padline's (SHA256:abcd...).
OSSL_FP=$(openssl x509 -noout -fingerprint -sha256 -in "$T/tls/cert.pem")
FP="SHA256:$(printf '%s' "${OSSL_FP#*=}" | tr -d : | tr 'A-F' 'a-f')"
KNOWN="$T/state/padline/known_servers"
SERVER="tls://127.0.0.1:$TPORT"

start_tls_tui() { # start_tls_tui [PADLINE ARGS...]
	tm kill-session -t tui 2>/dev/null
	dash_env "$DASH_REDIS"
	tm new-session -d -s tui -x 100 -y 30 \
		". $DASH_ENV; env XDG_STATE_HOME=${TLS_STATE:-$T/state} $PADLINE_TUI_BIN --server $SERVER $*; echo EXITED rc=\$?; sleep 30"
}
# no_tty OUT PADLINE-ARGS...: padline with no terminal at all (its own
# session, stdin from /dev/null); its exit status in $RC (124: it hung),
# stderr in OUT.
no_tty() {
	local out=$1
	shift
	timeout "$WAIT" setsid -w env XDG_STATE_HOME="${TLS_STATE:-$T/state}" "$PADLINE_TUI_BIN" "$@" </dev/null >/dev/null 2>"$out"
	RC=$?
}
not_pinned() { ! grep -qF "127.0.0.1:$TPORT" "$KNOWN" 2>/dev/null; }

grep -qF "fingerprint=$FP" "$SLOG.tls" && ok "padlined logs its certificate's fingerprint" ||
	fail "no fingerprint=$FP in padlined's log"

# ---- without a terminal: refused, with the way to trust it ----
for cmd in watch ""; do
	no_tty "$T/nott.err" $cmd --server "$SERVER"
	if [ "$RC" = 3 ] && grep -qF -- "--trust $FP (or PADLINE_TLS_TRUST)" "$T/nott.err" && not_pinned; then
		ok "padline ${cmd:-(TUI)} without a terminal refuses and names --trust"
	else
		fail "padline ${cmd:-(TUI)} without a terminal: rc=$RC, nothing pinned: $(not_pinned && echo yes), said: $(cat "$T/nott.err")"
	fi
done

# ---- the question, answered no ----
start_tls_tui
wait_for "(yes/no)?" || die "no question about the unknown certificate"
screen | grep -qF "The authenticity of server 127.0.0.1:$TPORT can't be established." ||
	fail "the question does not name the server"
screen | tr -d '\n' | grep -qF "SHA256 fingerprint is $FP." || fail "the question does not show $FP"
type_text "no"; keys Enter
wait_for "EXITED rc=3" && ok "answered no: exit 3" || fail "answered no: $(screen | tail -4)"
on_screen "not trusted: nothing pinned" || fail "answered no: no clear refusal"
not_pinned && ok "answered no: nothing pinned" || fail "answered no, yet pinned: $(cat "$KNOWN")"

# ---- answered yes: pinned, then the client runs over TLS ----
start_tls_tui
wait_for "(yes/no)?" || die "no question the second time"
type_text "yes"; keys Enter
wait_for "Sign in to padline" && ok "answered yes: the sign-in screen" || die "answered yes: $(screen | tail -5)"
grep -qxF "127.0.0.1:$TPORT $FP" "$KNOWN" && ok "answered yes: pinned in known_servers" ||
	fail "answered yes: known_servers is: $(cat "$KNOWN" 2>&1)"
[ "$(stat -c %a "$KNOWN")" = 600 ] || fail "known_servers is mode $(stat -c %a "$KNOWN")"
keys C-u; type_text admin; keys Tab; type_text "$ADMIN_PW"; keys Enter
wait_gone "Sign in to padline" && ok "signed in over TLS" || fail "sign-in over TLS: $(screen | tail -3)"

# ---- pinned: no question next time (a state without the session, so
# the sign-in screen shows that the client got through) ----
mkdir -p "$T/state2/padline"
cp "$KNOWN" "$T/state2/padline/"
TLS_STATE=$T/state2 start_tls_tui
wait_for "Sign in to padline" || fail "second start: $(screen | tail -4)"
off_screen "(yes/no)" && ok "a pinned server is not asked about again" || fail "asked again"

# ---- the certificate "changed": refused loudly, never asked ----
cp "$KNOWN" "$T/known.good"
printf '127.0.0.1:%s SHA256:%064d\n' "$TPORT" 0 >"$KNOWN"
start_tls_tui
wait_for "EXITED rc=3" || fail "changed certificate: $(screen | tail -4)"
on_screen "HAS CHANGED" && off_screen "(yes/no)" && ok "a changed certificate is refused, not asked about" ||
	fail "changed certificate: $(screen | tail -6)"

# ---- --trust, without a terminal (and without the saved session) ----
TLS_STATE=$T/state3
KNOWN=$TLS_STATE/padline/known_servers
no_tty "$T/trust.err" watch --server "$SERVER" --trust "SHA256:$(printf '%064d' 1)"
[ "$RC" = 3 ] && grep -qF "not the --trust one" "$T/trust.err" && not_pinned &&
	ok "--trust with a wrong fingerprint: refused, nothing pinned" ||
	fail "--trust wrong: rc=$RC $(cat "$T/trust.err")"
# The right one, as openssl prints it: pinned. (watch then stops: no
# session and no terminal to sign in on.)
no_tty "$T/trust.err" watch --server "$SERVER" --trust "$OSSL_FP"
grep -qxF "127.0.0.1:$TPORT $FP" "$KNOWN" && ok "--trust with the right fingerprint pins it" ||
	fail "--trust right: rc=$RC $(cat "$T/trust.err"), known_servers: $(cat "$KNOWN" 2>&1)"
grep -qF "no saved session" "$T/trust.err" || fail "--trust right: watch did not go on: $(cat "$T/trust.err")"

tui_finish
