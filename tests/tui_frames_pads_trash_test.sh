#!/usr/bin/env bash
# The Trash view of the TUI, in frames (padline --frames) against a real
# padlined: t lists the deleted pads, most recently deleted first; undelete
# brings one back; a pad whose name was taken meanwhile asks for another
# name (offering "NAME (2)"); purge asks first and removes the pad and its
# backups for good; the pad menu (m) opens the same view; an empty trash
# says so.
#
# Deterministic: the script advances on frames; the database checks run
# once the frame that reports the change is drawn.
. "$(dirname "$0")/support/tui_frames.sh"

PW="Trash-Passw0rd!xy"

rpc_open
register_user trasher
rpc session.login "{\"username\":\"trasher\",\"password\":\"$PW\"}"
[ -n "$(jget "$REPLY_LINE" result.token)" ] || die "trasher cannot sign in: $REPLY_LINE"
# create NAME -> id in $ID
create() {
	rpc pad.create "{\"display_name\":\"$1\",\"data\":{\"v\":0}}"
	ID=$(jget "$REPLY_LINE" result.pad.id)
	[ -n "$ID" ] || die "pad.create $1: $REPLY_LINE"
}
create Alpha; ALPHA=$ID
rpc pad.update "{\"id\":\"$ALPHA\",\"data\":{\"v\":1}}"
create Beta; BETA=$ID
create Gamma; GAMMA=$ID
rpc pad.update "{\"id\":\"$GAMMA\",\"data\":{\"v\":1}}"
rpc pad.delete "{\"id\":\"$ALPHA\"}"
rpc pad.delete "{\"id\":\"$BETA\"}"
create Alpha # takes the trashed pad's name

live() { [ "$(sql "select count(*) from pads where id = '$1' and deleted_at is null")" = 1 ]; }
row_of() { printf '%s\n' "$PADLINE_FRAME" | grep -nF -- "$1" | head -1 | cut -d: -f1; }
newest_first() { [ "$(row_of "Beta  deleted")" -lt "$(row_of "Alpha  deleted")" ]; }
renamed() { [ "$(sql "select display_name from pads where id = '$ALPHA'")" = "Alpha (2)" ]; }
purged() {
	[ "$(sql "select count(*) from pads where id = '$GAMMA'")" = 0 ] &&
		[ "$(sql "select count(*) from backups where source_id = '$GAMMA'")" = 0 ]
}
delete_gamma() { rpc pad.delete "{\"id\":\"$GAMMA\"}"; [ -n "$(jget "$REPLY_LINE" result)" ]; }
frames_export check live row_of newest_first renamed purged delete_gamma ALPHA GAMMA

run_frames trash <<SCRIPT
$(frames_login trasher "$PW")
expect Gamma
# t: the trash, newest first; undelete
key t
expect Trash (Enter: undelete or purge)
expect Beta  deleted
expect Alpha  deleted
run $DO check "the most recently deleted pad is not first" newest_first
key <Enter>
expect Trashed: Beta
key <Enter>
expect Undeleted Beta.
run $DO check "undelete does not bring Beta back" wait_until live $BETA
# a taken name: asked for another
key t
expect Alpha  deleted
key <Enter>
expect Trashed: Alpha
key <Enter>
expect named "Alpha" already
expect Alpha (2)
key <Enter>
expect Undeleted Alpha (2).
run $DO check "Alpha is not back" wait_until live $ALPHA
run $DO check "Alpha did not come back renamed" renamed
# from the pad menu: purge, asked first
run $DO check "pad.delete Gamma failed" delete_gamma
key m
expect Pad: 
expect Trash (undelete, purge)
key <Down> <Down> <Down> <Down> <Down> <Enter>
expect Gamma  deleted
key <Enter>
expect Trashed: Gamma
key <Down> <Enter>
expect cannot be undone
run $DO check "the purge question does not count the backups" on_frame "its 1 backup for good"
key y
expect Purged Gamma for good.
run $DO check "purge left the pad or its backups" purged
# an empty trash says so
key t
expect The trash is empty.
key <Esc>
key q
SCRIPT
rpc_close
tui_finish
