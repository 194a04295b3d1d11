#!/usr/bin/env bash
# The Trash view of the TUI driven in tmux against a real padlined: t lists
# the deleted pads, most recently deleted first; undelete brings one back;
# a pad whose name was taken meanwhile asks for another name (offering
# "NAME (2)"); purge asks first and removes the pad and its backups for
# good; the pad menu (m) opens the same view; an empty trash says so.
#
# Deterministic: every check waits for the screen or the database under one
# generous timeout ($WAIT) that only catches a hang.
. "$(dirname "$0")/support/tui_lib.sh"

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

tui_login trasher "$PW"
wait_for "Gamma" || die "the pads list does not show Gamma"
live() { [ "$(sql "select count(*) from pads where id = '$1' and deleted_at is null")" = 1 ]; }

# ---- t: the trash, newest first; undelete ----
keys t
wait_for "Trash (Enter: undelete or purge)" || die "t does not open the trash"
wait_for "Beta  deleted" && wait_for "Alpha  deleted" || fail "the trash does not list both pads"
row_of() { screen | grep -nF -- "$1" | head -1 | cut -d: -f1; }
[ "$(row_of "Beta  deleted")" -lt "$(row_of "Alpha  deleted")" ] ||
	fail "the most recently deleted pad is not first"
keys Enter
wait_for "Trashed: Beta" || fail "picking a trashed pad offers no actions"
keys Enter
wait_for "Undeleted Beta." && wait_until live "$BETA" && ok "undelete brings a pad back" ||
	fail "undelete: $(screen | tail -3)"

# ---- a taken name: asked for another ----
keys t
wait_for "Alpha  deleted" || fail "the trash does not list Alpha"
keys Enter
wait_for "Trashed: Alpha" || fail "no actions for Alpha"
keys Enter
wait_for "named \"Alpha\" already" && wait_for "Alpha (2)" ||
	fail "a taken name does not ask for another: $(screen | tail -5)"
keys Enter
wait_for "Undeleted Alpha (2)." && wait_until live "$ALPHA" &&
	[ "$(sql "select display_name from pads where id = '$ALPHA'")" = "Alpha (2)" ] &&
	ok "a taken name is asked for again and the pad comes back renamed" ||
	fail "undelete under a new name: $(screen | tail -3)"

# ---- from the pad menu: purge, asked first ----
rpc pad.delete "{\"id\":\"$GAMMA\"}"
keys m
wait_for "Pad: " || fail "no pad menu"
wait_for "Trash (undelete, purge)" || fail "the pad menu has no Trash entry"
keys Down Down Down Down Down Enter
wait_for "Gamma  deleted" || fail "the menu's Trash does not list Gamma: $(screen | tail -5)"
keys Enter
wait_for "Trashed: Gamma" || fail "no actions for Gamma"
keys Down Enter
wait_for "cannot be undone" || fail "purge is not asked first"
on_screen "its 1 backup for good" || fail "the purge question does not count the backups"
keys y
wait_for "Purged Gamma for good." &&
	[ "$(sql "select count(*) from pads where id = '$GAMMA'")" = 0 ] &&
	[ "$(sql "select count(*) from backups where source_id = '$GAMMA'")" = 0 ] &&
	ok "purge asks first and removes the pad with its backups" ||
	fail "purge: $(screen | tail -3)"

keys t
wait_for "The trash is empty." && ok "an empty trash says so" || fail "empty trash: $(screen | tail -3)"
keys Escape
rpc_close

keys q
tui_finish
