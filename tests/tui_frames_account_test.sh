#!/usr/bin/env bash
# The Account screen and two-factor sign-in, in frames (padline --frames)
# against a real padlined: change of password (wrong current password in
# words, the live checklist, then signing in with the new one), TOTP
# enrolment with the QR code read back from the frame by zbarimg and the
# code computed here from the secret shown, recovery codes shown once,
# sign-in asking for the code (a wrong one said so), the sessions list with
# another session revoked (its next call gets 401), the lockout worded as
# the server words it, turning 2FA off, and revoking this session signing
# out; after a sign-in what happened since the last one (a failed sign-in),
# and the Activity view.
#
# Every step waits for a frame; codes computed from what a frame shows are
# typed from a file (type <FILE). Turning 2FA off is tested on a session
# aged by hand (tui_frames_admin_test.sh ages one too).
export PADLINE_REAUTH_WINDOW=86400
. "$(dirname "$0")/support/tui_frames.sh"
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

# frame_rows NAME: the rows of the frame NAME's script printed (`frame`).
frame_rows() { sed -n '/^--- frame /,/^--- attributes$/p' "$T/$1.frames" | sed '1d;$d'; }
# frame_re REGEX (in a run line): a row of the last frame matches.
frame_re() { printf '%s\n' "$PADLINE_FRAME" | grep -qE -- "$1"; }
both() { on_frame "$1" && on_frame "$2"; }
# The secret the set-up shows, and the code of it for now, then one step
# later than the enrolment's (a code is accepted once).
enrol_code() {
	local s
	s=$(printf '%s\n' "$PADLINE_FRAME" | sed -n 's/.*Secret  \([A-Z2-7 ]*\).*/\1/p' | tr -d ' ')
	[ ${#s} -ge 16 ] || { echo "no base32 secret in the frame" >&2; return 1; }
	echo "$s" >"$T/secret"
	step_now >"$T/enrol_step"
	totp "$s" "$(cat "$T/enrol_step")" >"$T/code"
}
signin_code() {
	local e l
	e=$(cat "$T/enrol_step")
	l=$(step_now)
	[ "$l" -gt "$e" ] || l=$((e + 1))
	totp "$(cat "$T/secret")" "$l" >"$T/code"
}
# The ten recovery codes of the frame, one per file ($T/rc0 ... $T/rc9).
save_codes() {
	local codes i=0 c
	codes=$(printf '%s\n' "$PADLINE_FRAME" | grep -oE '\b[a-z2-7]{5}-[a-z2-7]{5}\b')
	[ "$(printf '%s\n' "$codes" | grep -c .)" = 10 ] || { echo "want 10 recovery codes: $codes" >&2; return 1; }
	for c in $codes; do echo "$c" >"$T/rc$i"; i=$((i + 1)); done
}
code_off_frame() { off_frame "$(cat "$T/rc0")"; }
old_pw_refused() {
	rpc session.login "{\"username\":\"acct1\",\"password\":\"$PW\"}"
	[ "$(jget "$REPLY_LINE" error.code)" = 401 ]
}
# Another session of acct1 (its recovery code rc1), on the suite's connection.
second_session() {
	rpc session.login "{\"username\":\"acct1\",\"password\":\"$NEWPW\",\"totp\":\"$(cat "$T/rc1")\"}"
	[ -n "$(jget "$REPLY_LINE" result.token)" ] || { echo "login with a recovery code: $REPLY_LINE" >&2; return 1; }
}
ended() { rpc session.list '{}'; [ "$(jget "$REPLY_LINE" error.code)" = 401 ]; }
session_rows() { [ "$(printf '%s\n' "$PADLINE_FRAME" | grep -cE '^ *\*? *[0-9]{4}-[0-9]{2}-[0-9]{2} ')" = "$1" ]; }
age_sessions() { sql "update sessions set reauth_at = now() - interval '2 days'" >/dev/null; }
totp_is() { [ "$(sql "select totp_enabled from users where username='acct1'")" = "$1" ]; }
enable_acct2() {
	local s
	rpc session.login "{\"username\":\"acct2\",\"password\":\"$PW\"}"
	rpc user.totp_begin '{}'
	s=$(jget "$REPLY_LINE" result.secret)
	rpc user.totp_enable "{\"code\":\"$(totp "$s")\"}"
	[ -n "$(jget "$REPLY_LINE" result.recovery_codes.0)" ] || { echo "2FA for acct2: $REPLY_LINE" >&2; return 1; }
}
# guesses N: padlined counted at least N wrong guesses against acct2.
guesses() {
	local n
	n=$(redis-cli -u "$REDIS_URL" --no-auth-warning get "padline:login:$SCHEMA:user:$(sql "select id from users where username='acct2'")")
	[ "${n:-0}" -ge "$1" ]
}
# The lockout wraps inside the box: read as one line, it says when to retry.
says_when() {
	printf '%s\n' "$PADLINE_FRAME" | tr -d '│' | tr -s ' \n' '  ' |
		grep -qE "try again later \(in [0-9]+ (seconds?|minutes?|hours?)\)"
}
frames_export totp step_now frame_re both enrol_code signin_code save_codes code_off_frame old_pw_refused \
	second_session ended session_rows age_sessions totp_is enable_acct2 guesses says_when PW NEWPW

rpc_open
for m in user.change_password session.list session.revoke user.totp_begin \
	user.totp_enable user.totp_disable; do
	rpc "$m" '{}'
	[ "$(jget "$REPLY_LINE" error.code)" = "-32601" ] && die "padlined has no method $m"
done
register_user acct1
register_user acct2
register_user acct3
rpc session.login '{"username":"acct1","password":"Not-the-Passw0rd!"}'
[ "$(jget "$REPLY_LINE" error.code)" = 401 ] || die "a wrong password signed in: $REPLY_LINE"

# Each wrong code against acct2, once padlined counted the one before.
wrong_codes=$(for k in 1 2 3 4 5; do
	printf '%s\n' "key <C-u>" "type 000000" "key <Enter>" "until $DO guesses $k"
done)

run_frames account <<SCRIPT
$(frames_login acct1 "$PW")
# ---- after signing in: what happened since the last sign-in ----
expect Since your last sign-in: 1 failed sign-in from 127.0.0.1
key 2
expect a: activity
key a
expect Activity, newest first
expect failed sign-in from 127.0.0.1
expect signed in from 127.0.0.1
key q
gone Activity, newest first

# ---- change of password ----
key 2
expect Two-factor sign-in
run $DO check "2FA not shown as off" frame_re "Two-factor sign-in +off"
expect this session
key p
expect Change your password
type Wrong-current-1!
key <Tab>
type $NEWPW
key <Tab>
type $NEWPW
key <Enter>
expect wrong current password
# The field was emptied; the new password is still there.
type $PW
key <Tab> <C-u>
type abc
until $DO both "✓ a lowercase letter" "✗ an uppercase letter"
key <C-u>
type $NEWPW
key <Tab> <C-u>
type $NEWPW
expect passwords match
key <Enter>
expect Password changed
run $DO check "the old password still signs in" old_pw_refused

# ---- 2FA enrolment ----
key t
expect Set up two-factor sign-in
expect Secret
frame
type 12345
key <Enter>
expect Type the 6 digits
key <C-u>
run $DO enrol_code
type <$T/code
key <Enter>
expect recovery codes
expect shown this once
run $DO save_codes
key <Enter>
expect Two-factor sign-in is on
run $DO check "a recovery code is still on screen" code_off_frame
run $DO check "2FA not shown as on" frame_re "Two-factor sign-in +on"
key t
expect Turn off two-factor sign-in
run $DO check "the recovery codes are shown again" code_off_frame
key <Esc>
gone Turn off two-factor

# ---- sign-in asks for the code ----
key L
expect Sign out and forget
key y
expect Sign in to padline
key <C-u>
type $NEWPW
key <Enter>
expect 6-digit code from your app
key <Esc>
gone 6-digit code from your app
expect Password
type $NEWPW
key <Enter>
expect 6-digit code from your app
type 000000
key <Enter>
expect Wrong code
expect 6-digit code from your app
run $DO signin_code
key <C-u>
type <$T/code
key <Enter>
gone Sign in to padline

# ---- sessions: two, revoke the other ----
run $DO second_session
key 2
expect Sessions
key R
until $DO session_rows 2
# Newest first: the other session is the selected first row.
key g x
expect Its next request will be refused
key y
expect Session revoked
run $DO check "the revoked session still works" wait_until ended
until $DO session_rows 1

# ---- turning 2FA off (password and a recovery code, confirmed) ----
# On a session signed in long ago: the form's password and code confirm
# it's the user first, then the next code turns it off.
run $DO age_sessions
key t
expect Turn off two-factor sign-in
type Not-the-password1!
key <Tab>
type <$T/rc2
key <Enter>
expect Turn two-factor sign-in off?
key y
expect Wrong password
key <C-u>
type $NEWPW
key <Tab> <C-u>
type <$T/rc2
key <Enter>
expect Turn two-factor sign-in off?
key y
expect Confirmed it's you
type <$T/rc3
key <Enter>
expect Turn two-factor sign-in off?
key y
expect Two-factor sign-in is off
run $DO check "2FA still on in the database" totp_is f

# ---- revoking this session signs out ----
key R
expect this session
key g x
expect you will be signed out
key y
expect This session was revoked: signed out.

# ---- the lockout, as the server words it, through wrong codes ----
run $DO enable_acct2
key <S-Tab> <C-u>
type acct2
key <Tab> <C-u>
type $PW
key <Enter>
expect 6-digit code from your app
$wrong_codes
key <C-u>
type 000000
key <Enter>
expect Too many failed sign-in attempts
run $DO check "the lockout does not say when to retry" says_when
SCRIPT

# ---- outside UTF-8: the QR code in ## blocks, read back the same way ----
TUI_STATE=$T/state_ascii FRAMES_SIZE=130x56 run_frames ascii LANG=C LC_ALL=C <<SCRIPT
$(frames_login acct3 "$PW")
key 2
expect Sessions
key t
expect Secret
frame
SCRIPT
rpc_close

# ---- the QR codes drawn, decoded ----
frame_rows account >"$T/setup.txt"
SECRET=$(cat "$T/secret")
URI="otpauth://totp/padline:acct1?secret=$SECRET&issuer=padline&algorithm=SHA1&digits=6&period=30"
qr_from_screen "$T/setup.txt" "$T/qr.pbm" utf8 || fail "no QR code drawn"
DECODED=$(zbarimg --quiet --raw "$T/qr.pbm" 2>/dev/null)
[ "$DECODED" = "$URI" ] && ok "the QR code on screen decodes to the otpauth URI" ||
	fail "QR on screen decodes to '$DECODED', want '$URI'"
frame_rows ascii >"$T/setup_ascii.txt"
S3=$(sed -n 's/.*Secret  \([A-Z2-7 ]*\).*/\1/p' "$T/setup_ascii.txt" | tr -d ' ')
S3="$S3$(sed -n '/Secret  /{n;p}' "$T/setup_ascii.txt" | grep -oE ' {6,}[A-Z2-7 ]+$' | tr -d ' ')"
qr_from_screen "$T/setup_ascii.txt" "$T/qr_ascii.pbm" ascii || fail "no ASCII QR code drawn"
DECODED=$(zbarimg --quiet --raw "$T/qr_ascii.pbm" 2>/dev/null)
URI3="otpauth://totp/padline:acct3?secret=$S3&issuer=padline&algorithm=SHA1&digits=6&period=30"
[ "$DECODED" = "$URI3" ] && ok "the ASCII QR code on screen decodes to the otpauth URI" ||
	fail "ASCII QR on screen decodes to '$DECODED', want '$URI3'"
tui_finish
