#!/usr/bin/env bash
# The Rules screen in frames (padline --frames) against a real padlined:
# each rule with its hits of the last hour, enforced and in shadow; o turns
# a rule off and on, m switches enforce / shadow, T changes the threshold
# then the window (on a session signed in long ago, the password first), t
# replays the rule over 24 hours and shows what it would have done; a rule
# changed elsewhere is shown as it is now; the help; a read-only console
# replays but refuses the changes. Every wait is for a frame or the
# database, never for a time.
export PADLINE_REAUTH_WINDOW=86400
. "$(dirname "$0")/support/tui_frames.sh"

PW="abcDEFghij1!xy"
# hits_are NAME ENFORCED SHADOW: the row of rule NAME shows these hits.
hits_are() {
	[ "$(printf '%s\n' "$PADLINE_FRAME" | grep -E "^ $1 " | awk '{print $3, $4}')" = "$2 $3" ]
}
# cell_is NAME FIELD TEXT: the row of rule NAME has TEXT as its FIELDth
# word (2 mode, 5 action, 6 threshold, 7 window).
cell_is() {
	[ "$(printf '%s\n' "$PADLINE_FRAME" | grep -E "^ $1 " | awk -v f="$2" '{print $f}')" = "$3" ]
}
rule_is() { [ "$(sql "select $2 from signup_rules where name='$1'")" = "$3" ]; }
stale() { sql "update sessions set reauth_at = now() - interval '2 days'" >/dev/null; }
# put_elsewhere PARAMS: another admin's connection puts a rule.
put_elsewhere() {
	rpc_open
	rpc session.login "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}"
	rpc rule.put "$1"
	[ -n "$(jget "$REPLY_LINE" result.rule.name)" ] || { echo "rule.put: $REPLY_LINE" >&2; return 1; }
}
frames_export hits_are cell_is rule_is stale put_elsewhere rpc_open ADMIN_PW

# A shadow rule that two signups hit, and three others: every signup of
# this test fills its form at once, a fast-fill hit (enforced).
rpc_open
rpc session.login "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}"
rpc rule.put '{"name":"watch-evil","when":"domain:evil.example","action":"hold","mode":"shadow"}'
[ -n "$(jget "$REPLY_LINE" result.rule.id)" ] || die "could not put the rule: $REPLY_LINE"
rpc_open
for n in evil1 evil2; do
	register_user "$n" "$n@evil.example"
	[ "$(jget "$REPLY_LINE" result.user.status)" = active ] || die "$n: $REPLY_LINE"
done
register_user calm calm@good.example
[ "$(jget "$REPLY_LINE" result.user.status)" = active ] || die "calm: $REPLY_LINE"

run_frames rules <<SCRIPT
$(frames_login admin "$ADMIN_PW")
key 7
expect watch-evil
expect Enforced
until $DO hits_are watch-evil 0 2
until $DO hits_are fast-fill 3 0
until $DO hits_are net-velocity 0 0
run $DO check "watch-evil not shown in shadow" cell_is watch-evil 2 shadow
# the stored rule is the last one
key G
# t: the replay of 24 h
key t
expect Replay of watch-evil, last 24 h
expect 3 attempts in the last 24 h
expect It would have acted on 2 of them
expect For example:
expect evil1
key q
gone Replay of watch-evil
# m: enforce, then back to shadow
key m
expect Rule watch-evil: enforce
until $DO cell_is watch-evil 2 enforce
run $DO check "mode not enforce in the database" rule_is watch-evil mode enforce
key m
expect Rule watch-evil: shadow
run $DO check "mode not shadow in the database" rule_is watch-evil mode shadow
# o: off, then on
key o
expect Rule watch-evil: off
until $DO cell_is watch-evil 2 off
run $DO check "the rule is still on" rule_is watch-evil enabled f
key o
until $DO cell_is watch-evil 2 shadow
run $DO check "the rule is still off" rule_is watch-evil enabled t
# T: threshold, then window; a session signed in long ago asks first
run $DO check "could not age the sessions" stale
key T
expect Attempts within the window that make watch-evil act
type 4
key <Enter>
expect Seconds the threshold of watch-evil counts over
type 120
key <Enter>
expect Confirm it's you
type $ADMIN_PW
key <Enter>
expect Rule watch-evil: shadow, threshold 4, window 120s.
until $DO cell_is watch-evil 6 4
until $DO cell_is watch-evil 7 120s
run $DO check "threshold not stored" rule_is watch-evil threshold 4
run $DO check "window not stored" rule_is watch-evil window_s 120
# a word is not a threshold
key T
expect Attempts within the window
type x
key <Enter>
expect A threshold is 1 to 1000000 attempts.
run $DO check "a bad threshold was stored" rule_is watch-evil threshold 4
# a default rule changed elsewhere: shown as it is now
run $DO put_elsewhere '{"name":"net-velocity","when":"net-velocity","action":"alarm","threshold":9,"window_s":60}'
until $DO cell_is net-velocity 6 9
# at 64 columns the hits stay (what the rule matches gives way)
resize 64x16
until $DO hits_are watch-evil 0 2
resize 100x30
# the help, from the key table
key ?
expect replay the rule over the last 24 h
expect mode: enforce or shadow
key q
gone replay the rule over
SCRIPT

# ---- read-only (the session saved above resumed): t replays, the
# changes refuse ----
run_frames rules_ro PADLINE_READONLY=1 <<SCRIPT
expect 7 Rules
key 7
expect watch-evil
# net-velocity is stored now, after it
key G k
key m
expect Read-only console: mode is not allowed.
key o
expect Read-only console: on/off is not allowed.
run $DO check "a read-only console changed the mode" rule_is watch-evil mode shadow
key t
expect Replay of watch-evil, last 24 h
key q
SCRIPT
rpc_close
tui_finish
