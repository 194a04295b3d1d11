#!/usr/bin/env bash
# The admin half of the TUI in tmux against a real padlined: the sign-in
# and register status lines (q is a letter there), the Users detail view
# (disable ends the user's session and blocks sign-in, enable, the admin
# role, the last-admin refusal in words, delete by typing the username),
# the server-side sort of the Users list, and the Invitations screen
# (create, pending, revoke); on a session that signed in long ago, the
# password asked for inline (masked) before a change, then the change
# made. Every wait is for the event (screen or database), never for a
# time.
# The re-authentication window is long here; the test ages the session in
# the database when it wants it stale.
export PADLINE_REAUTH_WINDOW=86400
. "$(dirname "$0")/support/tui_lib.sh"

PW="abcDEFghij1!xy"
# The status line (last row) and the rows of the list body.
status_line() { screen | tail -1; }
# row_of TEXT: the list row where TEXT first appears (0: nowhere); the
# title bar (which names the signed-in admin) is not a row.
row_of() { screen | sed -n '4,$p' | grep -nF -- "$1" | head -1 | cut -d: -f1 | grep . || echo 0; }
# before A B: A is listed above B (both shown).
before() { local a b; a=$(row_of "$1"); b=$(row_of "$2"); [ "$a" -gt 0 ] && [ "$b" -gt 0 ] && [ "$a" -lt "$b" ]; }
# The line of the list that holds TEXT contains WORD too.
row_has() { screen | grep -F -- "$1" | grep -qF -- "$2"; }

# ---- the sign-in and register screens type q: the hint says so ----
start_tui
wait_for "Sign in to padline" || die "no login screen"
if ! wait_until eval 'status_line | grep -qF "F1 help"'; then
	fail "sign-in status line has no F1 help: $(status_line)"
elif status_line | grep -qF "back/quit"; then
	fail "sign-in status line still offers q back/quit: $(status_line)"
else
	ok "sign-in: the hint says F1 help, no q back/quit"
fi
type_text "q?L"
wait_for "q?L" && ok "sign-in: q ? L are typed into the field" ||
	fail "q was not typed into the username: $(screen | grep -F Username)"
on_screen "EXITED" && die "q on the sign-in screen quit"
keys C-u C-r
wait_for "Create an account" || die "no register screen"
if ! wait_until eval 'status_line | grep -qF "F1 help"'; then
	fail "register status line has no F1 help: $(status_line)"
elif status_line | grep -qF "back/quit"; then
	fail "register status line still offers q back/quit: $(status_line)"
else
	ok "register: the hint says F1 help, no q back/quit"
fi
keys Escape
wait_for "Sign in to padline" || die "Esc did not go back to sign in"

# ---- users to act on; carol keeps an rpc session ----
rpc_open
for n in zoe carol dave erin; do
	register_user "$n" "$n@example.org"
	[ "$(jget "$REPLY_LINE" error)" = "" ] || die "could not register $n: $REPLY_LINE"
done
rpc session.login "{\"username\":\"carol\",\"password\":\"$PW\"}"
[ -n "$(jget "$REPLY_LINE" result.token)" ] || die "carol cannot sign in: $REPLY_LINE"

tui_login admin "$ADMIN_PW"
keys 3
wait_for "erin@example.org" || die "the users screen does not list erin"

# ---- sort (server side): s by username, S reverses ----
wait_until before erin zoe && before zoe admin || fail "users not newest first: $(screen | sed -n 3,9p)"
keys s
wait_for "by username" || fail "s does not sort by username"
wait_until before admin carol && wait_until before dave zoe &&
	ok "s sorts the users by username" || fail "not sorted by username: $(screen | sed -n 3,9p)"
keys S
wait_until before zoe erin && wait_until before carol admin &&
	ok "S reverses the order" || fail "S did not reverse: $(screen | sed -n 3,9p)"
keys s s
wait_for "by created" || fail "s does not cycle back to created"

# ---- the detail view ----
keys /; type_text "carol"; keys Enter
wait_gone "erin@example.org" || fail "search for carol still lists erin"
keys Enter
wait_for "User carol" || die "Enter does not open carol's details"
wait_for "carol@example.org" && wait_for "Sessions" && wait_for "1 open" &&
	ok "the detail view shows carol (email, sessions)" || fail "detail view: $(screen | sed -n 2,14p)"
on_screen "enabled" || fail "detail view does not say enabled"
on_screen "Last sign-in" || fail "detail view has no last sign-in"

# ---- disable: asks, then carol's session ends and she can't sign in ----
keys d
wait_for "Disable carol?" || fail "d does not ask before disabling"
keys n
wait_gone "Disable carol?" || fail "n does not close the question"
[ "$(sql "select disabled from users where username='carol'")" = f ] || fail "n disabled carol anyway"
keys d
wait_for "Disable carol?" || fail "d does not ask (2)"
keys y
wait_for "DISABLED" || fail "the detail view does not show DISABLED"
[ "$(sql "select disabled from users where username='carol'")" = t ] || fail "carol not disabled in the database"
carol_ended() { rpc pad.list '{}'; case "$REPLY_LINE" in *401*) return 0 ;; esac; return 1; }
wait_until carol_ended && ok "disabling carol ends her rpc session (401)" ||
	fail "carol's session still works: $REPLY_LINE"
rpc_close
rpc_open
rpc session.login "{\"username\":\"carol\",\"password\":\"$PW\"}"
[ "$(jget "$REPLY_LINE" error.code)" = 403 ] && ok "a disabled carol can't sign in (403)" ||
	fail "disabled carol signed in: $REPLY_LINE"

# ---- enable again ----
keys d
wait_for "Enable carol?" || fail "d on a disabled user does not offer enable"
keys y
wait_gone "DISABLED" || fail "still DISABLED after enable"
[ "$(sql "select disabled from users where username='carol'")" = f ] || fail "carol not enabled in the database"
rpc session.login "{\"username\":\"carol\",\"password\":\"$PW\"}"
[ -n "$(jget "$REPLY_LINE" result.token)" ] && ok "enabled again: carol signs in" ||
	fail "carol cannot sign in after enable: $REPLY_LINE"
rpc_close

# ---- a stale session: the password asked inline, then the change made ----
stale() { sql "update sessions set reauth_at = now() - interval '2 days'" >/dev/null || die "could not age the sessions"; }
stale
keys d
wait_for "Disable carol?" || fail "d does not ask (stale)"
keys y
wait_for "Confirm it's you" && ok "a stale session asks for the password before disabling" ||
	fail "no password asked on a stale session: $(screen | sed -n 2,14p)"
type_text "Wrong-pass-123!"
off_screen "Wrong-pass-123!" || fail "the password prompt shows the password"
keys Enter
wait_for "wrong password" && ok "a wrong password there is said, nothing changes" ||
	fail "no 'wrong password' after a wrong re-authentication"
[ "$(sql "select disabled from users where username='carol'")" = f ] || fail "carol disabled without the password"
keys d
wait_for "Disable carol?" || fail "d does not ask (stale 2)"
keys y
wait_for "Confirm it's you" || fail "no password asked again"
type_text "$ADMIN_PW"; keys Enter
wait_for "DISABLED" && ok "the right password confirms, and the change is made once" ||
	fail "not disabled after re-authenticating: $(screen | sed -n 2,14p)"
[ "$(sql "select disabled from users where username='carol'")" = t ] || fail "carol not disabled in the database (stale)"
keys d
wait_for "Enable carol?" || fail "d does not offer enable (stale)"
keys y
wait_gone "DISABLED" || fail "fresh again, enabling asked for the password: $(screen | sed -n 2,14p)"
[ "$(sql "select disabled from users where username='carol'")" = f ] || fail "carol not enabled (stale)"

# ---- the admin role ----
keys a
wait_for "Make carol an admin?" || fail "a does not ask before giving admin"
keys y
wait_until eval '[ "$(sql "select roles ? '"'admin'"' from users where username='"'carol'"'")" = t ]' ||
	fail "carol is not an admin in the database"
wait_until row_has Roles admin && ok "a makes carol an admin (asked first)" || fail "detail roles: $(screen | grep -F Roles)"
keys a
wait_for "Take the admin role from carol?" || fail "a does not ask before taking admin"
keys y
wait_until eval '[ "$(sql "select roles ? '"'admin'"' from users where username='"'carol'"'")" = f ]' &&
	ok "a takes the admin role back" || fail "carol is still an admin"

# ---- the last enabled admin: refused, in words ----
keys q
wait_gone "User carol" || fail "q does not leave the detail view"
wait_for "Search /" || fail "q left the search too (should leave the detail first)"
keys q
wait_for "erin@example.org" || fail "the second q does not clear the search"
on_screen "EXITED" && die "q quit the app"
keys /; type_text "admin"; keys Enter
wait_gone "erin@example.org" || fail "search for admin still lists erin"
keys Enter
wait_for "User admin" || die "no detail view for admin"
# The actions need user.get's answer (before it, a key says "Still loading").
wait_for "Sessions" || die "admin's details never load"
keys d
wait_for "Disable admin?" || fail "d does not ask for admin"
keys y
wait_for "The last enabled admin can't be disabled" && ok "disabling the last admin is refused in words" ||
	fail "no last-admin refusal: $(screen | sed -n 8,20p)"
keys Enter
[ "$(sql "select disabled from users where username='admin'")" = f ] || fail "the last admin got disabled"
keys a
wait_for "Take the admin role from admin?" || fail "a does not ask for admin"
keys y
wait_for "The last enabled admin can't be demoted" || fail "no last-admin refusal for demotion"
keys Enter

# ---- delete: type the username ----
keys q q
wait_for "erin@example.org" || fail "back to the full list"
keys /; type_text "dave"; keys Enter
wait_gone "erin@example.org" || fail "search for dave still lists erin"
keys Enter
wait_for "User dave" || die "no detail view for dave"
wait_for "dave@example.org" || die "dave's details never load"
keys X
wait_for "Type the username to confirm" || fail "X does not ask for the username"
type_text "davex"; keys Enter
wait_for "did not match" || fail "a wrong name is not refused"
[ "$(sql "select count(*) from users where username='dave'")" = 1 ] || fail "dave deleted with a wrong name"
keys X
wait_for "Type the username to confirm" || fail "X does not ask (2)"
type_text "dave"; keys Enter
wait_until eval '[ "$(sql "select count(*) from users where username='"'dave'"'")" = 0 ]' ||
	fail "dave is still in the database"
wait_gone "User dave" || fail "the detail view stays after delete"
wait_for "No user matches." && ok "delete with the typed username removes dave (list and database)" ||
	fail "the list still shows dave: $(screen | sed -n 3,6p)"
keys q
wait_for "erin@example.org" || fail "q does not clear the search after delete"

# ---- invitations: create, pending, revoke ----
keys 5
wait_for "No invitations" || die "no invitations screen on 5"
keys n
wait_for "Invitation note" || fail "n does not ask for a note"
type_text "for frank"; keys Enter
wait_for "Expires in" || fail "no expiry pick"
keys Down Enter
wait_for "Invitation code:" || fail "invitation code not shown"
wait_for "Enter close" || fail "invitation dialog not complete"
CODE=$(screen | grep -A2 "Invitation code:" | tail -1 | grep -oE '[0-9a-f]{48}')
[ -n "$CODE" ] || fail "no code in the dialog"
keys Enter
wait_for "for frank" || fail "the new invitation is not listed"
wait_until row_has "for frank" pending && ok "a new invitation is listed pending" ||
	fail "not pending: $(screen | grep -F 'for frank')"
[ "$(sql "select round(extract(epoch from expires_at - created_at)) from invitations where note='for frank'")" = 86400 ] ||
	fail "the expiry picked (1 day) is not the one stored"
keys r
wait_for "Revoke the invitation" || fail "r does not ask"
keys y
wait_until row_has "for frank" revoked && ok "r revokes it (asked first)" ||
	fail "not revoked: $(screen | grep -F 'for frank')"
[ "$(sql "select revoked_at is not null from invitations where note='for frank'")" = t ] ||
	fail "revocation not in the database"

keys 1 q
wait_for "EXITED rc=0" || fail "q on the first screen does not quit"
tui_finish
