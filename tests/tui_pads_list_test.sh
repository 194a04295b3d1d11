#!/usr/bin/env bash
# The pads list of the TUI driven in tmux against a real padlined: 251 pads
# paged from the server (End pages to the last and counts them), s sorts on
# the server, / finds a substring in the middle of a name on a page not yet
# loaded, sharing from the pad menu (the viewer sees @owner and read-only;
# unshare takes it away), and the backups view: preview, the diff showing
# the changed line, a restore refused while the pad changed (if_version),
# then restored; the diff in colour and, under NO_COLOR, by its markers.
#
# Deterministic: every check waits for the screen, the database or a reply
# under one generous timeout ($WAIT) that only catches a hang.
. "$(dirname "$0")/support/tui_lib.sh"

PW="List-Passw0rd!xy"
NEEDLE="zz Needle-in-the-middle xx"

rpc_open
register_user lister
register_user carol2
rpc session.login "{\"username\":\"lister\",\"password\":\"$PW\"}"
[ -n "$(jget "$REPLY_LINE" result.token)" ] || die "lister cannot sign in: $REPLY_LINE"
# Created from "Pad 250" down to "Pad 001", then the needle: by creation the
# needle is the last pad (on the third page), by name Pad 001 comes first.
for i in $(seq 250 -1 1); do
	rpc pad.create "{\"display_name\":\"Pad $(printf %03d "$i")\"}"
	case $REPLY_LINE in *'"result":{"pad":'*) ;; *) die "pad.create $i: $REPLY_LINE" ;; esac
done
rpc pad.create "{\"display_name\":\"$NEEDLE\"}"
NEEDLE_ID=$(jget "$REPLY_LINE" result.pad.id)
rpc pad.get '{"display_name":"Pad 001"}'
P1=$(jget "$REPLY_LINE" result.pad.id)
rpc pad.update "{\"id\":\"$P1\",\"data\":{\"line\":\"original\",\"keep\":1}}"
rpc pad.update "{\"id\":\"$P1\",\"data\":{\"line\":\"changed\",\"keep\":1}}"
[ "$(jget "$REPLY_LINE" result.pad.version)" = 3 ] || die "Pad 001 not at version 3: $REPLY_LINE"

# lister_finds TEXT [ENV=VALUE...]: lister's TUI again (its saved session),
# searched to the one pad named TEXT.
lister_finds() {
	TUI_STATE=$T/state_lister start_tui "${@:2}"
	wait_for "of 100+ loaded" || die "lister's session not resumed"
	keys /; type_text "$1"; keys Enter
	wait_for "1-1 of 1" || fail "search for $1"
}

# ---- paging ----
TUI_STATE=$T/state_lister tui_login lister "$PW"
wait_for "of 100+ loaded" || fail "the first page does not say more may come"
on_screen "Pad 250" || fail "the first row by creation is not Pad 250"
keys End
wait_for "of 251" && wait_for "$NEEDLE" && ok "End pages to the last pad and counts 251" ||
	fail "End did not page to the end: $(screen | tail -4)"
[ "$(sql "select count(*) from pads")" = 251 ] || fail "the database does not hold 251 pads"

# ---- sort on the server ----
row_of() { screen | grep -nF -- "$1" | head -1 | cut -d: -f1; }
first_row_is() { [ "$(row_of "$1")" = 4 ]; } # title 1, header 2, rule 3
keys s
wait_for "Name ↑" && wait_until first_row_is "Pad 001" && ok "s sorts by name on the server (Pad 001 first)" ||
	fail "s does not sort by name: $(screen | sed -n 2,6p)"
keys s
wait_for "Updated (UTC) ↓" && wait_until first_row_is "Pad 001" &&
	ok "s sorts by the newest change (Pad 001 was updated last)" ||
	fail "s does not sort by the newest change: $(screen | sed -n 2,6p)"
keys s
wait_until first_row_is "Pad 250" || fail "s does not come back to creation order"

# ---- search on the server: a page not loaded yet ----
wait_for "of 100+ loaded" || fail "the sort did not start from the first page"
off_screen "$NEEDLE" || fail "the needle is loaded before the search"
keys /; type_text "dle-IN-the-mi"
wait_for "$NEEDLE" && wait_for "1-1 of 1" && ok "/ finds a substring in the middle of a name on the server" ||
	fail "search did not find the needle: $(screen | tail -5)"
keys Enter
keys Escape
wait_for "of 100+ loaded" && wait_gone "$NEEDLE" || fail "Esc does not clear the search"
ok "Esc clears the search"
keys /; type_text "Needle"; keys Enter
wait_for "1-1 of 1" || fail "search kept with Enter"

# ---- share from the pad menu ----
keys m
wait_for "Pad: $NEEDLE" || fail "no pad menu"
keys Enter
wait_for "Share with (username)" || fail "no share prompt"
type_text "nobody_such"; keys Enter
wait_for "Could not share: no such user" && ok "sharing with an unknown user says so in words" ||
	fail "unknown user not reported: $(screen | tail -3)"
keys m
wait_for "Pad: $NEEDLE" || fail "no pad menu (2)"
keys Enter
wait_for "Share with (username)" || fail "no share prompt (2)"
type_text "carol2"; keys Enter
wait_for "with carol2 (read-only)" || fail "share not confirmed"
[ "$(sql "select count(*) from pad_shares")" = 1 ] || fail "share not in the database"
keys m
wait_for "Pad: $NEEDLE" || fail "no pad menu (3)"
keys Down Enter
wait_for "carol2  viewer since" && ok "the menu lists the shares" || fail "shares not listed"
keys Escape

TUI_STATE=$T/state_carol tui_login carol2 "$PW"
wait_for "$NEEDLE" && wait_for "@lister" && ok "the viewer sees the shared pad with its owner" ||
	fail "shared pad not listed for the viewer: $(screen | sed -n 2,6p)"
keys e
wait_for "read-only: shared by lister" && ok "e on a shared pad says read-only instead of editing" ||
	fail "no read-only message for e"
keys Enter
wait_for "$NEEDLE  (read-only: shared by lister)" || fail "the viewer does not say read-only"
keys e
wait_for "read-only: shared by lister" || fail "e in the viewer edits a shared pad"
keys q

# ---- unshare (asked first) ----
lister_finds Needle
keys m
wait_for "Pad: $NEEDLE" || fail "no pad menu (4)"
keys Down Enter
wait_for "carol2  viewer since" || fail "shares not listed (2)"
keys Enter
wait_for "Stop sharing" || fail "unshare not asked first"
keys y
wait_for "carol2 can no longer read" || fail "unshare not confirmed"
[ "$(sql "select count(*) from pad_shares")" = 0 ] || fail "share still in the database"
TUI_STATE=$T/state_carol start_tui
wait_for "No pads yet" && ok "unshared: gone from the viewer's list" || fail "the viewer still lists the pad"

# ---- backups: preview, diff, restore with if_version ----
lister_finds "Pad 001"
keys b
wait_for "Backups of Pad 001" || fail "no backups view"
keys Enter
wait_for "Backup of Pad 001 from" && wait_for '"line": "original"' &&
	ok "Enter previews the newest backup, pretty-printed" || fail "no preview: $(screen | sed -n 2,8p)"
keys d
wait_for '-   "line": "changed"' && wait_for '+   "line": "original"' && wait_for "(-1 +1)" &&
	ok "d shows the changed line as a diff" || fail "no diff: $(screen | sed -n 2,10p)"
on_screen '    "keep": 1' || fail "an unchanged line is not shown as unchanged"
# Someone changes the pad meanwhile: the restore must not overwrite it unseen.
rpc pad.update "{\"id\":\"$P1\",\"data\":{\"line\":\"meanwhile\",\"keep\":1}}"
keys r
wait_for "Restore backup" || fail "restore not asked first"
keys y
wait_for "Not restored" && ok "a restore over a newer version is refused (if_version)" ||
	fail "restore did not send if_version: $(screen | tail -3)"
[ "$(sql "select data->>'line' from pads where id='$P1'")" = meanwhile ] || fail "the newer data was overwritten"
wait_for "Backups of Pad 001" || fail "the backups do not reload after a conflict"
keys d
wait_for '-   "line": "meanwhile"' || fail "the diff does not show the newer data"
keys r
wait_for "Restore backup" || fail "restore not asked first (2)"
keys y
wait_for "Restored." || fail "restore failed"
[ "$(sql "select data->>'line' from pads where id='$P1'")" != meanwhile ] && ok "restored after looking again" ||
	fail "restore not in the database"

# ---- the diff's colours, and its markers without them ----
# line_sgr TEXT: the SGR codes on the first screen line holding TEXT.
line_sgr() { tm capture-pane -t tui -p -e | grep -F -- "$1" | head -1 | grep -o $'\e\[[0-9;]*m' | tr -d '\033[' | tr '\n' ' '; }
coloured() { line_sgr "$1" | grep -qE "(^|[ ;])$2(;|m)"; }
lister_finds "Pad 001"
keys b
wait_for "Backups of Pad 001" || fail "no backups view (2)"
keys d
wait_for '-   "line": "changed"' && wait_for '+   "line": "meanwhile"' || fail "no diff (2): $(screen | sed -n 2,10p)"
wait_until coloured '-   "line": "changed"' 31 && wait_until coloured '+   "line": "meanwhile"' 32 &&
	ok "removed lines are red, added lines green" ||
	fail "diff colours: $(line_sgr '"line": "changed"') / $(line_sgr '"line": "meanwhile"')"
lister_finds "Pad 001" NO_COLOR=1
keys b
wait_for "Backups of Pad 001" || fail "no backups view (3)"
keys d
wait_for '-   "line": "changed"' && wait_for '+   "line": "meanwhile"' &&
	! coloured '-   "line": "changed"' 31 && ! coloured '+   "line": "meanwhile"' 32 &&
	ok "NO_COLOR: the diff reads by its - and + markers, without colour" ||
	fail "NO_COLOR diff: $(line_sgr '"line": "changed"')"
rpc_close

keys q
tui_finish
