#!/usr/bin/env bash
# What an operator meets over SSH (tmux, real padlined): an edit survives
# the terminal going away (SIGHUP or SIGTERM while the editor runs keeps the
# edited text for the next sign-in); Esc never quits; help wraps, scrolls,
# lists every key and closes with q, Esc or ?; the hint line follows the
# mode and keeps "? help"; the TUI works from 64x16 and says so below;
# every screen says when padlined stops answering, and when it is back.
#
# Deterministic: the "user" in $EDITOR says when the file is written; every
# wait is for the screen, a file or an exit under one generous timeout.
. "$(dirname "$0")/support/tui_lib.sh"

PW="Ops-Passw0rd!xyz"
REC="$T/state/padline/recovery"

# The editor: writes what the test put in $T/editor.out (the user's :w),
# says so with its parent (padline) in $T/editor.ppid, then stays open.
cat >"$T/editor.sh" <<'EDIT'
#!/bin/sh
d=$(dirname "$0")
cat "$d/editor.out" >"$1"
echo $PPID >"$d/editor.ppid.tmp"
mv "$d/editor.ppid.tmp" "$d/editor.ppid"
while :; do sleep 0.05; done
EDIT
chmod +x "$T/editor.sh"
rec_has() { grep -qF -- "$1" "$REC"/*.json 2>/dev/null; }
editor_open() { [ -s "$T/editor.ppid" ]; }

rpc_open
register_user opsuser
rpc session.login "{\"username\":\"opsuser\",\"password\":\"$PW\"}"
[ -n "$(jget "$REPLY_LINE" result.token)" ] || die "rpc login failed: $REPLY_LINE"
rpc pad.create '{"display_name":"Alpha","data":{"v":"start"}}'
rpc_close

# ---- an edit survives SIGHUP and SIGTERM ----
tui_login opsuser "$PW"
wait_for "Alpha" || die "the pad is not listed"
for sig in HUP TERM; do
	rm -f "$T/editor.ppid"
	printf '{"v": "typed-before-%s"}\n' "$sig" >"$T/editor.out"
	[ "$sig" = TERM ] && { start_tui; wait_for "Recover an unsaved edit" || die "no offer before SIGTERM"; keys l; wait_for "Alpha" || die "the offer did not close"; }
	keys e
	wait_until editor_open || die "the editor did not open ($sig)"
	kill -"$sig" "$(cat "$T/editor.ppid")"
	rc=$((128 + $(kill -l "$sig")))
	wait_for "EXITED rc=$rc" || fail "padline did not exit on SIG$sig while the editor ran"
	wait_until rec_has "typed-before-$sig" && ok "SIG$sig while the editor runs keeps the edited text" ||
		fail "SIG$sig during the edit lost it (recovery: $(cat "$REC"/*.json 2>/dev/null | head -5))"
done
start_tui
wait_for "Recover an unsaved edit" && ok "the kept edit is offered at the next start" ||
	fail "the edit kept on SIGTERM is not offered"
keys l
wait_for "Alpha" || die "the offer did not close"

tui_finish
