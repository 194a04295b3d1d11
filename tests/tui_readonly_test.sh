#!/usr/bin/env bash
# A console that only watches, as docs/operations.md sets it up: a real sshd
# (its own port, host key and config under the suite's directory, never the
# system's) whose ForceCommand is a wrapper running `padline --readonly`.
# Over ssh in tmux: the command the client asks for is not run, the admin
# signs in and sees the users, and neither a user's disable key nor a pad's
# delete asks or changes anything. Every wait is for an event.
. "$(dirname "$0")/support/tui_lib.sh"

SSHD=/usr/sbin/sshd
for tool in ssh ssh-keygen "$SSHD"; do
	command -v "$tool" >/dev/null || { echo "tui_readonly_test: $tool is not installed (run scripts/deps)" >&2; exit 1; }
done
PW="abcDEFghij1!xy"
ME=$(id -un)
S="$T/ssh"
mkdir -m 700 "$S"
SSHD_PID=
trap '[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null; cleanup' EXIT
# As root, sshd separates privileges into this directory, which the
# system's sshd service would make at boot.
[ "$(id -u)" = 0 ] && mkdir -p -m 755 /run/sshd

rpc_open
register_user carol carol@example.org
register_user erin erin@example.org
rpc session.login "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}"
[ -n "$(jget "$REPLY_LINE" result.token)" ] || die "admin login: $REPLY_LINE"
rpc pad.create '{"display_name":"Keepme","data":{"v":1}}'
[ -n "$(jget "$REPLY_LINE" result.pad.id)" ] || die "pad.create: $REPLY_LINE"

ssh-keygen -q -t ed25519 -N '' -f "$S/host_key" || die "ssh-keygen (host)"
ssh-keygen -q -t ed25519 -N '' -f "$S/user_key" || die "ssh-keygen (user)"
cp "$S/user_key.pub" "$S/authorized_keys"
SSHPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The wrapper and its environment file, as in docs/operations.md (the Redis
# password stays in the file, out of every command line).
{
	printf 'PADLINE_SERVER=127.0.0.1:%s\n' "$PPORT"
	printf 'PADLINE_DASH_REDIS_URL=%q\n' "$DASH_REDIS"
	printf 'XDG_STATE_HOME=%s\n' "$T/state-ssh"
	printf 'EDITOR=%s\nLANG=C.UTF-8\nLC_ALL=C.UTF-8\n' "$T/editor.sh"
} >"$S/console.env"
chmod 600 "$S/console.env"
cat >"$S/padline-console" <<EOF
#!/bin/sh
set -a
. "$S/console.env"
set +a
exec "$PADLINE_TUI_BIN" --readonly
EOF
chmod 755 "$S/padline-console"
cat >"$S/sshd_config" <<EOF
Port $SSHPORT
ListenAddress 127.0.0.1
HostKey $S/host_key
PidFile $S/sshd.pid
AuthorizedKeysFile $S/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
Match User $ME
    ForceCommand $S/padline-console
    PermitTTY yes
    DisableForwarding yes
    PermitUserRC no
EOF
"$SSHD" -t -f "$S/sshd_config" 2>"$S/sshd.err" || die "sshd -t: $(cat "$S/sshd.err")"
"$SSHD" -D -e -f "$S/sshd_config" 2>"$S/sshd.log" &
SSHD_PID=$!
sshd_up() { port_open "$SSHPORT" || { kill -0 "$SSHD_PID" 2>/dev/null || die "sshd exited: $(cat "$S/sshd.log")"; return 1; }; }
wait_until sshd_up || die "sshd does not listen: $(cat "$S/sshd.log")"

# The client asks for a command of its own; ForceCommand runs the console.
tm kill-session -t tui 2>/dev/null
tm new-session -d -s tui -x 100 -y 30 \
	"ssh -tt -p $SSHPORT -i $S/user_key -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=$S/known_hosts $ME@127.0.0.1 'touch $T/escaped'; echo SSH EXITED rc=\$?; sleep 30"
wait_for "Sign in to padline" || die "no sign-in form over ssh: $(screen; tail -5 "$S/sshd.log")"
[ -e "$T/escaped" ] && fail "the command the client asked for ran" ||
	ok "ForceCommand: the client's own command is not run, the console is"
keys C-u; type_text admin; keys Tab; type_text "$ADMIN_PW"; keys Enter
wait_gone "Sign in to padline" || die "admin cannot sign in over ssh: $(screen)"

# ---- a user's disable key refuses at once ----
keys 3
wait_for "carol@example.org" || die "the users screen does not list carol: $(screen)"
keys /; type_text "carol"; keys Enter
wait_gone "erin@example.org" || fail "the search for carol still lists erin"
keys Enter
wait_for "User carol" || die "Enter does not open carol's details: $(screen)"
wait_for "Sessions" || die "carol's details do not load: $(screen)"
keys d
wait_for "Read-only console" && ok "d on a user says the console is read-only" ||
	fail "d in read-only mode: $(screen | tail -5)"
off_screen "Disable carol?" || fail "d asked to disable carol in read-only mode"
keys y

# ---- a pad's delete key refuses at once ----
keys q q 1
wait_for "Keepme" || die "the pads screen does not list Keepme: $(screen)"
keys d
wait_for "Read-only console: delete is not allowed" && ok "d on a pad says the console is read-only" ||
	fail "pad delete in read-only mode: $(screen | tail -5)"
off_screen "Delete pad" || fail "d asked to delete a pad in read-only mode"
keys y
rpc pad.list '{}'
case "$REPLY_LINE" in *'"Keepme"'*) ;; *) fail "Keepme was deleted from a read-only console: $REPLY_LINE" ;; esac
# Keys are handled in order: whatever the y after d would have sent went
# out before the pad's delete was answered.
[ "$(sql "select disabled from users where username='carol'")" = f ] &&
	ok "carol is still enabled" || fail "carol was disabled from a read-only console"
grep -qE 'method=(pad.delete|user.update)' "$SLOG" && fail "a write reached padlined: $(grep -E 'method=(pad.delete|user.update)' "$SLOG" | head -1)"

keys q q q q
wait_for "SSH EXITED" || fail "the console does not end the ssh session when it quits: $(screen | tail -3)"
tui_finish
