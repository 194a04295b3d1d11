#!/usr/bin/env bash
# The Held screen in frames (padline --frames) against a real padlined: the
# accounts a hold rule keeps pending, the filter language in / (a wrong
# filter said in words), a approves and r rejects the selected account
# (asked first), X approves or rejects every held account the filter
# matches after counting them (asked once; on a session signed in long
# ago, the password first), the live feed (a new held account shows, one
# approved elsewhere goes), the help, and a read-only console that refuses
# the keys. Every wait is for a frame or the database, never for a time.
export PADLINE_REAUTH_WINDOW=86400
# Wide enough for the email, the address and the rules in full.
FRAMES_SIZE=120x30
. "$(dirname "$0")/support/tui_frames.sh"

PW="abcDEFghij1!xy"
status_is() { [ "$(sql "select status from users where username='$1'")" = "$2" ]; }
held_count() { [ "$(sql "select count(*) from users where status='pending'")" = "$1" ]; }
stale() { sql "update sessions set reauth_at = now() - interval '2 days'" >/dev/null; }
# held_signup NAME: registers NAME@evil.example, which the hold rule holds.
held_signup() {
	rpc_open
	register_user "$1" "$1@evil.example"
	[ "$(jget "$REPLY_LINE" result.user.status)" = pending ] || { echo "$1 not held: $REPLY_LINE" >&2; return 1; }
}
# approve_elsewhere NAME: another admin's connection approves NAME.
approve_elsewhere() {
	rpc_open
	rpc session.login "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}"
	rpc user.approve "{\"ids\":[\"$(sql "select id from users where username='$1'")\"]}"
	[ "$(jget "$REPLY_LINE" result.users.0.status)" = active ] || { echo "approve: $REPLY_LINE" >&2; return 1; }
}
frames_export status_is held_count stale held_signup approve_elsewhere register_user rpc_open PW ADMIN_PW

rpc_open
rpc session.login "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}"
rpc rule.put '{"name":"hold-evil","when":"domain:evil.example","action":"hold"}'
[ -n "$(jget "$REPLY_LINE" result.rule.id)" ] || die "could not put the hold rule: $REPLY_LINE"
rpc_open
for n in wave1 wave2 wave3; do
	register_user "$n" "$n@evil.example"
	[ "$(jget "$REPLY_LINE" result.user.status)" = pending ] || die "$n is not held: $REPLY_LINE"
done
register_user calm calm@good.example
[ "$(jget "$REPLY_LINE" result.user.status)" = active ] || die "calm is held: $REPLY_LINE"

run_frames held <<SCRIPT
$(frames_login admin "$ADMIN_PW")
expect Held
expect Rules
key 6
expect Held 1-3 of 3
expect wave3@evil.example
expect hold-evil
run $DO check "calm is listed as held" off_frame calm@good.example
# the filter language
key /
type wave2
key <Enter>
expect Held 1-1 of 1 · filter: wave2
run $DO check "the filter left wave1" off_frame wave1@evil.example
# live rows obey the filter: a held account it does not match stays off
# (wave2b, held after it, shows that the feed got there)
run $DO held_signup other1
run $DO held_signup wave2b
expect wave2b@evil.example
expect Held 1-2 of 2 · filter: wave2
run $DO check "a live row ignored the filter" off_frame other1@evil.example
run $DO approve_elsewhere other1
run $DO approve_elsewhere wave2b
gone wave2b@evil.example
key <Esc>
expect Held 1-3 of 3
key /
type nett:x
expect Filter: unknown key "nett" at 1
key <Esc>
gone unknown key
expect Held 1-3 of 3
# one account: asked, then approved or rejected
key a
expect Approve wave3?
key n
gone Approve wave3?
run $DO check "n approved wave3 anyway" status_is wave3 pending
key a
expect Approve wave3?
key y
expect Approved wave3.
gone wave3@evil.example
run $DO check "wave3 not approved in the database" status_is wave3 active
key r
expect Reject wave2?
key y
expect Rejected wave2.
gone wave2@evil.example
run $DO check "wave2 not rejected in the database" status_is wave2 rejected
# live: a new held account shows, one approved elsewhere goes
run $DO held_signup wave4
expect wave4@evil.example
run $DO approve_elsewhere wave4
gone wave4@evil.example
# approved elsewhere while asked about: the answer is about that one, not
# the row the selection moved to
run $DO held_signup wave8
expect wave8@evil.example
key g a
expect Approve wave8?
run $DO approve_elsewhere wave8
gone wave8@evil.example
key y
expect That account is no longer held.
run $DO check "the next account was approved instead" status_is wave1 pending
# every held account the filter matches: counted, asked once
run $DO held_signup wave5
run $DO held_signup wave6
expect wave6@evil.example
key /
type domain:evil.example !wave1
key <Enter>
expect Held 1-2 of 2
key X
expect 2 held accounts match status:held domain:evil.example !wave1
# the sample (in the server's order)
until $DO eval 'on_frame "wave5, wave6." || on_frame "wave6, wave5."'
key a
expect Approved 2 accounts
run $DO check "wave5 not approved" status_is wave5 active
run $DO check "wave6 not approved" status_is wave6 active
run $DO check "wave1 approved too" status_is wave1 pending
key <Esc>
expect Held 1-1 of 1
# a session signed in long ago: the password first, then the count
run $DO check "could not age the sessions" stale
key X
expect Confirm it's you
type $ADMIN_PW
key <Enter>
expect 1 held account matches status:held: wave1.
key r
expect Rejected 1 account
run $DO check "wave1 not rejected" status_is wave1 rejected
run $DO check "accounts still held" held_count 0
expect No account is held.
# the help, from the key table
key ?
expect approve or reject every held account the filter matches
expect filter: net:, ip:, domain:
key q
gone approve or reject every
SCRIPT

# ---- read-only (the session saved above resumed): the keys refuse,
# nothing is sent ----
run_frames held_ro PADLINE_READONLY=1 <<SCRIPT
run $DO held_signup wave7
expect 6 Held
key 6
expect wave7@evil.example
key a
expect Read-only console: approve is not allowed.
key X
expect Read-only console: all matching is not allowed.
run $DO check "wave7 changed by a read-only console" status_is wave7 pending
SCRIPT
rpc_close
tui_finish
