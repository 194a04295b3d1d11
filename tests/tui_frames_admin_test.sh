#!/usr/bin/env bash
# The admin half of the TUI, in frames (padline --frames) against a real
# padlined: the sign-in and register status lines (q is a letter there),
# the Users detail view (disable ends the user's session and blocks
# sign-in, enable, the admin role, the last-admin refusal in words, delete
# by typing the username), the server-side sort of the Users list, and the
# Invitations screen (create, pending, revoke); on a session that signed in
# long ago, the password asked for inline (masked) before a change, then
# the change made. Every wait is for a frame or the database, never for a
# time.
# The re-authentication window is long here; the test ages the session in
# the database when it wants it stale.
export PADLINE_REAUTH_WINDOW=86400
. "$(dirname "$0")/support/tui_frames.sh"

PW="abcDEFghij1!xy"
# The status line (last row) and the rows of the list body.
status_line() { printf '%s' "$PADLINE_FRAME" | tail -1; }
hint_typing() { status_line | grep -qF "F1 help" && ! status_line | grep -qF "back/quit"; }
# row_of TEXT: the list row where TEXT first appears (0: nowhere); the
# title bar (which names the signed-in admin) is not a row.
row_of() { printf '%s' "$PADLINE_FRAME" | sed -n '4,$p' | grep -nF -- "$1" | head -1 | cut -d: -f1 | grep . || echo 0; }
# before A B: A is listed above B (both shown).
before() { local a b; a=$(row_of "$1"); b=$(row_of "$2"); [ "$a" -gt 0 ] && [ "$b" -gt 0 ] && [ "$a" -lt "$b" ]; }
# The line of the list that holds TEXT contains WORD too.
row_has() { printf '%s' "$PADLINE_FRAME" | grep -F -- "$1" | grep -qF -- "$2"; }
user_is() { [ "$(sql "select $2 from users where username='$1'")" = "$3" ]; }
is_admin() { [ "$(sql "select roles ? 'admin' from users where username='$1'")" = "$2" ]; }
users_named() { [ "$(sql "select count(*) from users where username='$1'")" = "$2" ]; }
carol_ended() { rpc pad.list '{}'; case "$REPLY_LINE" in *401*) return 0 ;; esac; return 1; }
carol_login_is() { # carol_login_is 403|ok: a new connection's session.login
	rpc_open
	rpc session.login "{\"username\":\"carol\",\"password\":\"$PW\"}"
	if [ "$1" = ok ]; then [ -n "$(jget "$REPLY_LINE" result.token)" ]; else [ "$(jget "$REPLY_LINE" error.code)" = "$1" ]; fi
}
stale() { sql "update sessions set reauth_at = now() - interval '2 days'" >/dev/null; }
code_shown() { printf '%s' "$PADLINE_FRAME" | grep -A2 "Invitation code:" | tail -1 | grep -qE '[0-9a-f]{48}'; }
one_day() { [ "$(sql "select round(extract(epoch from expires_at - created_at)) from invitations where note='for frank'")" = 86400 ]; }
revoked() { [ "$(sql "select revoked_at is not null from invitations where note='for frank'")" = t ]; }
frames_export check status_line hint_typing row_of before row_has user_is is_admin users_named \
	carol_ended carol_login_is stale code_shown one_day revoked rpc_open rpc_close PW

# ---- the sign-in and register screens type q: the hint says so ----
run_frames signin <<SCRIPT
expect Sign in to padline
until $DO hint_typing
type q?L
expect q?L
key <C-u> <C-r>
expect Create an account
until $DO hint_typing
key <Esc>
expect Sign in to padline
SCRIPT

# ---- users to act on; carol keeps an rpc session ----
rpc_open
for n in zoe carol dave erin; do
	register_user "$n" "$n@example.org"
	[ "$(jget "$REPLY_LINE" error)" = "" ] || die "could not register $n: $REPLY_LINE"
done
rpc session.login "{\"username\":\"carol\",\"password\":\"$PW\"}"
[ -n "$(jget "$REPLY_LINE" result.token)" ] || die "carol cannot sign in: $REPLY_LINE"

run_frames admin <<SCRIPT
$(frames_login admin "$ADMIN_PW")
key 3
expect erin@example.org
# sort (server side): s by username, S reverses
until $DO eval 'before erin zoe && before zoe admin'
key s
expect by username
until $DO before admin carol
until $DO before dave zoe
key S
until $DO before zoe erin
until $DO before carol admin
key s s
expect by created
# the detail view
key /
type carol
key <Enter>
gone erin@example.org
key <Enter>
expect User carol
expect carol@example.org
expect Sessions
expect 1 open
run $DO check "detail view does not say enabled" on_frame enabled
run $DO check "detail view has no last sign-in" on_frame "Last sign-in"
# disable: asks, then carol's session ends and she can't sign in
key d
expect Disable carol?
key n
gone Disable carol?
run $DO check "n disabled carol anyway" user_is carol disabled f
key d
expect Disable carol?
key y
expect DISABLED
run $DO check "carol not disabled in the database" user_is carol disabled t
run $DO check "carol's session still works" wait_until carol_ended
run $DO check "a disabled carol signed in" carol_login_is 403
# enable again
key d
expect Enable carol?
key y
gone DISABLED
run $DO check "carol not enabled in the database" user_is carol disabled f
run $DO check "carol cannot sign in after enable" carol_login_is ok
# a stale session: the password asked inline, then the change made
run $DO check "could not age the sessions" stale
key d
expect Disable carol?
key y
expect Confirm it's you
type Wrong-pass-123!
absent Wrong-pass-123!
key <Enter>
expect wrong password
run $DO check "carol disabled without the password" user_is carol disabled f
key d
expect Disable carol?
key y
expect Confirm it's you
type $ADMIN_PW
key <Enter>
expect DISABLED
run $DO check "carol not disabled in the database (stale)" user_is carol disabled t
key d
expect Enable carol?
key y
gone DISABLED
run $DO check "carol not enabled (stale)" user_is carol disabled f
# the admin role
key a
expect Make carol an admin?
key y
run $DO check "carol is not an admin in the database" wait_until is_admin carol t
until $DO row_has Roles admin
key a
expect Take the admin role from carol?
key y
run $DO check "carol is still an admin" wait_until is_admin carol f
# the last enabled admin: refused, in words
key q
gone User carol
expect Filter /
key q
expect erin@example.org
key /
type admin
key <Enter>
gone erin@example.org
key <Enter>
expect User admin
# The actions need user.get's answer (before it, a key says "Still loading").
expect Sessions
key d
expect Disable admin?
key y
expect The last enabled admin can't be disabled
key <Enter>
run $DO check "the last admin got disabled" user_is admin disabled f
key a
expect Take the admin role from admin?
key y
expect The last enabled admin can't be demoted
key <Enter>
# delete: type the username
key q q
expect erin@example.org
key /
type dave
key <Enter>
gone erin@example.org
key <Enter>
expect User dave
expect dave@example.org
key X
expect Type the username to confirm
type davex
key <Enter>
expect did not match
run $DO check "dave deleted with a wrong name" users_named dave 1
key X
expect Type the username to confirm
type dave
key <Enter>
run $DO check "dave is still in the database" wait_until users_named dave 0
gone User dave
expect No user matches.
key q
expect erin@example.org
# invitations: create, pending, revoke
key 5
expect No invitations
key n
expect Invitation note
type for frank
key <Enter>
expect Expires in
key <Down> <Enter>
expect Invitation code:
expect Enter close
run $DO check "no code in the dialog" code_shown
key <Enter>
expect for frank
until $DO row_has "for frank" pending
run $DO check "the expiry picked (1 day) is not the one stored" one_day
key r
expect Revoke the invitation
key y
until $DO row_has "for frank" revoked
run $DO check "revocation not in the database" revoked
key 1 q
exits
SCRIPT
rpc_close
tui_finish
