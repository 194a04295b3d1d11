#!/usr/bin/env bash
# The Account screen and two-factor sign-in driven in tmux against a real
# padlined: change of password (wrong current password in words, the live
# checklist, then signing in with the new one), TOTP enrolment with the QR
# code read back from the screen by zbarimg and the code computed here from
# the secret shown, recovery codes shown once, sign-in asking for the code
# (a wrong one said so), the sessions list with another session revoked
# (its next call gets 401), the lockout worded as the server words it,
# turning 2FA off, and revoking this session signing out; after a sign-in
# what happened since the last one (a failed sign-in), and the Activity
# view.
#
# Every check waits for the event itself under one generous timeout.
# Turning 2FA off is tested on a fresh session (tui_admin_test.sh ages one).
export PADLINE_REAUTH_WINDOW=86400
. "$(dirname "$0")/support/tui_lib.sh"
command -v zbarimg >/dev/null || die "zbarimg is not installed (run scripts/deps)"

PW="abcDEFghij1!xy"
NEWPW="Xyz-new-Pass42!"

# totp SECRET [STEP]: the RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32
# secret at STEP (default: now).
totp() {
	python3 - "$1" "${2:-}" <<'PY'
import base64, hashlib, hmac, struct, sys, time
s = sys.argv[1].replace(" ", "").upper()
key = base64.b32decode(s + "=" * (-len(s) % 8))
step = int(sys.argv[2]) if sys.argv[2] else int(time.time()) // 30
h = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))
PY
}
step_now() { echo $(($(date +%s) / 30)); }

# qr_from_screen FILE PBM utf8|ascii: the QR code as the terminal shows it
# (in FILE, a capture), back to modules, as a bitmap zbarimg can read.
qr_from_screen() {
	python3 - "$@" <<'PY'
import sys
rows = [l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8")]
utf8 = sys.argv[3] == "utf8"
ink = "▀▄█" if utf8 else "#"
qr = [i for i, l in enumerate(rows) if any(c in ink for c in l[:100])]
if not qr:
    sys.exit(1)
cols = [j for i in qr for j, c in enumerate(rows[i][:100]) if c in ink]
# The quiet zone: 2 modules (one text row in UTF-8; two columns a module
# outside it).
q = 1 if utf8 else 2
cw = 1 if utf8 else 2
top, left = qr[0] - q, min(cols) - 2 * cw
width = (max(cols) + 1 + 2 * cw - left) // cw
bits = []
for r in range(top, qr[-1] + q + 1):
    line = rows[r].ljust(left + width * cw)
    cells = [line[left + x * cw] for x in range(width)]
    if utf8:
        bits.append([1 if c in "▀█" else 0 for c in cells])
        bits.append([1 if c in "▄█" else 0 for c in cells])
    else:
        bits.append([1 if c == "#" else 0 for c in cells])
S = 4
with open(sys.argv[2], "w") as f:
    f.write("P1\n%d %d\n" % (width * S, len(bits) * S))
    for row in bits:
        line = "".join(str(b) * S for b in row)
        for _ in range(S):
            f.write(line + "\n")
PY
}

rpc_open
for m in user.change_password session.list session.revoke user.totp_begin \
	user.totp_enable user.totp_disable; do
	rpc "$m" '{}'
	[ "$(jget "$REPLY_LINE" error.code)" = "-32601" ] && die "padlined has no method $m"
done
register_user acct1
register_user acct2
rpc session.login '{"username":"acct1","password":"Not-the-Passw0rd!"}'
[ "$(jget "$REPLY_LINE" error.code)" = 401 ] || die "a wrong password signed in: $REPLY_LINE"
rpc_close

# ---- after signing in: what happened since the last sign-in ----
tui_login acct1 "$PW"
wait_for "Since your last sign-in: 1 failed sign-in from 127.0.0.1" &&
	ok "signing in says what happened since the last sign-in" ||
	fail "no 'since your last sign-in': $(screen | tail -2)"
keys 2
wait_for "a: activity" || die "the Account screen does not offer the activity"
keys a
wait_for "Activity, newest first" || fail "a does not open the activity"
wait_for "failed sign-in from 127.0.0.1" && on_screen "signed in from 127.0.0.1" &&
	ok "the Activity view lists sign-ins and failed ones with their address" ||
	fail "activity view: $(screen | sed -n 2,14p)"
keys q
wait_gone "Activity, newest first" || fail "q does not close the activity"

# ---- change of password ----
keys 2
wait_for "Two-factor sign-in" || die "2 does not open the Account screen for a user"
screen | grep -qE "Two-factor sign-in +off" || fail "2FA not shown as off"
wait_for "this session" || fail "the sessions list does not mark this session"
keys p
wait_for "Change your password" || die "p does not open the change of password"
type_text "Wrong-current-1!"; keys Tab; type_text "$NEWPW"; keys Tab; type_text "$NEWPW"; keys Enter
wait_for "wrong current password" && ok "a wrong current password is said in words" ||
	fail "no 'wrong current password' message"
# The field was emptied; the new password is still there.
type_text "$PW"; keys Tab C-u; type_text "abc"
# Both at once only once "abc" has replaced the password: before C-u the
# uppercase is ✓, after C-u alone the lowercase is ✗.
wait_until eval 'on_screen "✓ a lowercase letter" && on_screen "✗ an uppercase letter"' &&
	ok "the live checklist on the change of password" ||
	fail "the change of password shows no live checklist (lowercase ✓, uppercase ✗)"
keys C-u; type_text "$NEWPW"; keys Tab C-u; type_text "$NEWPW"
wait_for "passwords match" || fail "confirmation not recognised"
keys Enter
wait_for "Password changed" && ok "password changed through the screen" || die "the password did not change"
rpc_open
rpc session.login "{\"username\":\"acct1\",\"password\":\"$PW\"}"
[ "$(jget "$REPLY_LINE" error.code)" = 401 ] || fail "the old password still signs in: $REPLY_LINE"
rpc_close

# ---- 2FA enrolment ----
keys t
wait_for "Set up two-factor sign-in" || die "t does not start the 2FA set-up"
wait_for "Secret" || die "no secret shown"
screen >"$T/setup.txt"
SECRET=$(sed -n 's/.*Secret  \([A-Z2-7 ]*\).*/\1/p' "$T/setup.txt" | tr -d ' ')
[ ${#SECRET} -ge 16 ] || die "no base32 secret on screen: $(cat "$T/setup.txt")"
URI="otpauth://totp/padline:acct1?secret=$SECRET&issuer=padline&algorithm=SHA1&digits=6&period=30"
qr_from_screen "$T/setup.txt" "$T/qr.pbm" utf8 || fail "no QR code drawn"
DECODED=$(zbarimg --quiet --raw "$T/qr.pbm" 2>/dev/null)
[ "$DECODED" = "$URI" ] && ok "the QR code on screen decodes to the otpauth URI" ||
	fail "QR on screen decodes to '$DECODED', want '$URI'"
type_text "12345"; keys Enter
wait_for "Type the 6 digits" || fail "a short code is not refused locally"
keys C-u
E=$(step_now)
type_text "$(totp "$SECRET" "$E")"; keys Enter
wait_for "recovery codes" || die "user.totp_enable did not succeed: $(screen)"
wait_for "shown this once" && ok "recovery codes shown, saying they are shown once" ||
	fail "no 'shown once' warning"
mapfile -t CODES < <(screen | grep -oE '\b[a-z2-7]{5}-[a-z2-7]{5}\b')
[ ${#CODES[@]} = 10 ] || fail "want 10 recovery codes on screen, got ${#CODES[@]}"
keys Enter
wait_for "Two-factor sign-in is on" || fail "no confirmation after the codes"
screen | grep -qF -- "${CODES[0]}" && fail "a recovery code is still on screen"
screen | grep -qE "Two-factor sign-in +on" || fail "2FA not shown as on"
keys t
wait_for "Turn off two-factor sign-in" || fail "t with 2FA on does not offer to turn it off"
screen | grep -qF -- "${CODES[0]}" && fail "the recovery codes are shown again"
keys Escape
wait_gone "Turn off two-factor" || fail "Esc does not leave the form"
ok "the recovery codes are never shown again"

# ---- sign-in asks for the code ----
keys L
wait_for "Sign out and forget" || die "L does not ask"
keys y
wait_for "Sign in to padline" || die "sign out"
keys C-u; type_text "$NEWPW"; keys Enter
wait_for "6-digit code from your app" && ok "sign-in asks for the code (totp_required)" ||
	die "no code asked for after the password"
keys Escape
wait_gone "6-digit code from your app" || fail "Esc does not leave the code step"
screen | grep -qE "Password" || fail "Esc from the code does not go back to the password"
type_text "$NEWPW"; keys Enter
wait_for "6-digit code from your app" || die "no code asked for the second time"
type_text "000000"; keys Enter
wait_for "Wrong code" && ok "a wrong code says so" || fail "no 'Wrong code' message"
screen | grep -qF "6-digit code from your app" || fail "a wrong code leaves the code step"
# One step on from the code the enrolment used (accepted inside the ±1
# window; a code is accepted once, so the same step would be refused).
L=$(step_now); [ "$L" -gt "$E" ] || L=$((E + 1))
keys C-u; type_text "$(totp "$SECRET" "$L")"; keys Enter
wait_gone "Sign in to padline" && ok "signed in with password and code" || die "the right code did not sign in: $(screen)"

# ---- sessions: two, revoke the other ----
rpc_open
rpc session.login "{\"username\":\"acct1\",\"password\":\"$NEWPW\",\"totp\":\"${CODES[1]}\"}"
[ -n "$(jget "$REPLY_LINE" result.token)" ] || die "rpc login with a recovery code: $REPLY_LINE"
keys 2
wait_for "Sessions" || die "no Account screen"
keys R
two_sessions() { [ "$(screen | grep -cE '^ *\*? *[0-9]{4}-[0-9]{2}-[0-9]{2} ')" = 2 ]; }
wait_until two_sessions && ok "the sessions list shows both sessions" ||
	fail "want two sessions listed: $(screen)"
# Newest first: the rpc session is the selected first row.
keys g x
wait_for "Its next request will be refused" || fail "revoking another session does not ask first"
keys y
wait_for "Session revoked" || fail "no confirmation of the revoke"
ended() { rpc session.list '{}'; [ "$(jget "$REPLY_LINE" error.code)" = 401 ]; }
wait_until ended && ok "the revoked session's next call gets 401" || fail "the revoked session still works: $REPLY_LINE"
rpc_close
one_session() { [ "$(screen | grep -cE '^ *\*? *[0-9]{4}-[0-9]{2}-[0-9]{2} ')" = 1 ]; }
wait_until one_session || fail "the revoked session is still listed"

# ---- turning 2FA off (password and a recovery code, confirmed) ----
# On a session signed in long ago: the form's password and code confirm
# it's the user first, then the next code turns it off.
sql "update sessions set reauth_at = now() - interval '2 days'" >/dev/null || die "could not age the sessions"
keys t
wait_for "Turn off two-factor sign-in" || die "no form to turn 2FA off"
type_text "Not-the-password1!"; keys Tab; type_text "${CODES[2]}"; keys Enter
wait_for "Turn two-factor sign-in off?" || fail "turning off does not ask first"
keys y
wait_for "Wrong password" && ok "a wrong password when turning 2FA off is said in words" ||
	fail "no 'Wrong password' message"
keys C-u; type_text "$NEWPW"; keys Tab C-u; type_text "${CODES[2]}"; keys Enter
wait_for "Turn two-factor sign-in off?" || fail "turning off does not ask first"
keys y
wait_for "Confirmed it's you" && ok "a stale session confirms with the form's password and code" ||
	fail "no re-authentication on a stale session: $(screen | sed -n 2,16p)"
type_text "${CODES[3]}"; keys Enter
wait_for "Turn two-factor sign-in off?" || fail "turning off does not ask first (2)"
keys y
wait_for "Two-factor sign-in is off" && ok "2FA turned off" || fail "2FA not turned off: $(screen)"
[ "$(sql "select totp_enabled from users where username='acct1'")" = f ] || fail "2FA still on in the database"

# ---- revoking this session signs out ----
keys R
wait_for "this session" || fail "no current session listed"
keys g x
wait_for "you will be signed out" || fail "revoking this session does not warn"
keys y
wait_for "This session was revoked: signed out." && ok "revoking this session signs out" ||
	fail "revoking this session did not sign out"

# ---- the lockout, as the server words it, through wrong codes ----
rpc_open
rpc session.login "{\"username\":\"acct2\",\"password\":\"$PW\"}"
rpc user.totp_begin '{}'
S2=$(jget "$REPLY_LINE" result.secret)
rpc user.totp_enable "{\"code\":\"$(totp "$S2")\"}"
[ -n "$(jget "$REPLY_LINE" result.recovery_codes.0)" ] || die "could not enable 2FA for acct2: $REPLY_LINE"
rpc_close
keys BTab C-u; type_text "acct2"; keys Tab C-u; type_text "$PW"; keys Enter
wait_for "6-digit code from your app" || die "acct2: no code asked for"
locked() {
	on_screen "Too many failed sign-in attempts" && return 0
	# Each Enter is one more wrong code; the form says which it was.
	if on_screen "6-digit code from your app"; then
		keys C-u; type_text "000000"; keys Enter
	fi
	return 1
}
wait_until locked && ok "the lockout is shown in the server's words" ||
	fail "no lockout message after wrong codes: $(screen)"
# The message wraps inside the box: read it as one line.
screen | tr -d '│' | tr -s ' \n' '  ' | grep -qE "try again later \(in [0-9]+ (seconds?|minutes?|hours?)\)" ||
	fail "the lockout does not say when to retry: $(screen)"

# ---- outside UTF-8: the QR code in ## blocks, read back the same way ----
rpc_open; register_user acct3; rpc_close
start_tui LANG=C LC_ALL=C
tm resize-window -t tui -x 130 -y 56
wait_for "Sign in to padline" || die "no login screen (C locale)"
keys C-u; type_text "acct3"; keys Tab; type_text "$PW"; keys Enter
wait_gone "Sign in to padline" || die "acct3 did not sign in"
keys 2
wait_for "Sessions" || die "no Account screen (C locale)"
keys t
wait_for "Secret" || die "no 2FA set-up (C locale)"
screen >"$T/setup_ascii.txt"
S3=$(sed -n 's/.*Secret  \([A-Z2-7 ]*\).*/\1/p' "$T/setup_ascii.txt" | tr -d ' ')
S3="$S3$(sed -n '/Secret  /{n;p}' "$T/setup_ascii.txt" | grep -oE ' {6,}[A-Z2-7 ]+$' | tr -d ' ')"
qr_from_screen "$T/setup_ascii.txt" "$T/qr_ascii.pbm" ascii || fail "no ASCII QR code drawn"
DECODED=$(zbarimg --quiet --raw "$T/qr_ascii.pbm" 2>/dev/null)
URI3="otpauth://totp/padline:acct3?secret=$S3&issuer=padline&algorithm=SHA1&digits=6&period=30"
[ "$DECODED" = "$URI3" ] && ok "the ASCII QR code on screen decodes to the otpauth URI" ||
	fail "ASCII QR on screen decodes to '$DECODED', want '$URI3'"

tui_finish
