#!/usr/bin/env bash
# A read-only console (PADLINE_READONLY=1), in frames against a real
# padlined: no key that acts (the key tables mark them) is on the hint line
# of Pads, the pad viewer, the dashboard, a user's details, Invitations,
# Held, Rules and Account, nor in the help of Pads and a user's details;
# pressing one says "Read-only console" and sends nothing: the pad and the
# user stay as they were, and padlined never sees a write.
# (tui_readonly_test.sh drives the same console over a real sshd.)
. "$(dirname "$0")/support/tui_frames.sh"

PW="Ro-Passw0rd!xyz"
# Tall enough for every help page to show its last line (the global ^L).
FRAMES_SIZE=100x60

# hint_line_without WORD... (in a run line): the last frame's status line
# (its last row) shows none of the words, and shows "? help".
hint_line_without() {
	local line w
	line=$(printf '%s\n' "$PADLINE_FRAME" | grep -v '^ *$' | tail -1)
	printf '%s\n' "$line" | grep -qF "? help" || { echo "FAIL: no '? help' in: $line" >&2; return 1; }
	for w in "$@"; do
		case $line in *"$w"*) echo "FAIL: '$w' on the hint line: $line" >&2; return 1 ;; esac
	done
}
# frame_without TEXT...: the last frame shows none of them.
frame_without() {
	local t
	for t in "$@"; do
		on_frame "$t" && { echo "FAIL: '$t' shown: $(printf '%s\n' "$PADLINE_FRAME" | grep -F -- "$t")" >&2; return 1; }
	done
	return 0
}
# help_without_keys KEYS: no line of the help lists one of the keys (a
# bracket expression's letters) as its own.
help_without_keys() {
	! printf '%s\n' "$PADLINE_FRAME" | grep -E "│ [$1] {2,}" >&2 || { echo "FAIL: the lines above list a key that acts" >&2; return 1; }
}
pad_kept() { [ "$(sql "select count(*) from pads where display_name='Keepme' and deleted_at is null")" = 1 ]; }
carol_enabled() { [ "$(sql "select disabled from users where username='carol'")" = f ]; }
frames_export hint_line_without frame_without help_without_keys pad_kept carol_enabled

rpc_open
register_user carol carol@example.org
rpc session.login "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}"
[ -n "$(jget "$REPLY_LINE" result.token)" ] || die "admin login: $REPLY_LINE"
rpc pad.create '{"display_name":"Keepme","data":{"v":1}}'
[ -n "$(jget "$REPLY_LINE" result.pad.id)" ] || die "pad.create: $REPLY_LINE"
rpc_close
WRITES_BEFORE=$(grep -cE 'method=(pad\.(create|update|delete|restore|share|unshare|import)|user\.(update|delete|register|change_password|totp_begin)|invitation\.(create|revoke)|session\.revoke)( |$)' "$SLOG")

run_frames readonly PADLINE_READONLY=1 <<SCRIPT
$(frames_login admin "$ADMIN_PW")
# ---- Pads: the list, its help, the viewer ----
expect Keepme
run $DO check "an action key on the Pads hint line" hint_line_without "n new" "r rename" "e edit" "d delete"
key ?
expect Help
expect redraw
run $DO check "an action key in the Pads help" frame_without "rename" "edit in" "delete (asks first)"
run $DO check "an action key in the Pads help" help_without_keys nred
expect Read-only console: the keys that change something are left out.
key q
gone redraw
key d
expect Read-only console: delete is not allowed.
absent Delete pad
key n
absent New pad name
key r
absent Rename pad
key e
expect Read-only console: edit is not allowed.
key <Enter>
expect lines 1-
run $DO check "an action key on the viewer's hint line" hint_line_without "e edit"
key e
expect Read-only console: edit is not allowed.
key q
gone lines 1-
run $DO check "Keepme was deleted" pad_kept
# ---- the dashboard ----
key 2
expect Signups per minute
run $DO check "an action key on the dashboard's hint line" hint_line_without "X act"
key X
expect Read-only console: act is not allowed.
key ?
expect Help
expect redraw
key q
gone redraw
# ---- Users and a user's details ----
$(frames_user carol)
run $DO check "an action key on the user's hint line" hint_line_without "d disable" "a admin" "t reset 2FA" "X delete"
key ?
expect Help
expect redraw
run $DO check "an action key in the user's help" frame_without "disable / enable the account" "give / take the admin role" "reset two-factor sign-in (asks" "delete the user (type"
run $DO check "an action key in the user's help" help_without_keys datX
key q
gone redraw
key d
expect Read-only console: disable is not allowed.
absent Disable carol?
key X
absent Delete carol
run $DO check "carol was disabled" carol_enabled
key q
gone User carol
# ---- Invitations, Held, Rules and Account ----
key 5
expect Invitations
run $DO check "an action key on the Invitations hint line" hint_line_without "n new" "r revoke"
key n
expect Read-only console: new is not allowed.
absent Invitation note
key 6
expect Held since
run $DO check "an action key on the Held hint line" hint_line_without "a approve" "r reject" "X all matching"
key 7
expect net-velocity
run $DO check "an action key on the Rules hint line" hint_line_without "o on/off" "m mode" "T threshold"
key 8
expect this session
run $DO check "an action key on the Account hint line" hint_line_without "p password" "t 2FA" "x revoke"
key p
expect Read-only console: password is not allowed.
absent Change your password
SCRIPT
WRITES_AFTER=$(grep -cE 'method=(pad\.(create|update|delete|restore|share|unshare|import)|user\.(update|delete|register|change_password|totp_begin)|invitation\.(create|revoke)|session\.revoke)( |$)' "$SLOG")
[ "$WRITES_AFTER" = "$WRITES_BEFORE" ] && ok "padlined saw no write from the read-only console" ||
	fail "a write reached padlined: $(grep -E 'method=(pad|user|invitation|session)\.' "$SLOG" | tail -3)"
tui_finish
