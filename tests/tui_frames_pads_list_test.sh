#!/usr/bin/env bash
# The pads list of the TUI, in frames (padline --frames) against a real
# padlined: 251 pads paged from the server (End pages to the last and
# counts them), s sorts on the server, / finds a substring in the middle of
# a name on a page not yet loaded, sharing from the pad menu (the viewer
# sees @owner and read-only; unshare takes it away), and the backups view:
# preview, the diff showing the changed line, a restore refused while the
# pad changed (if_version), then restored; the diff in colour and, under
# NO_COLOR, by its markers.
#
# Deterministic: the scripts advance on frames; the database is checked
# once the frame that reports the change is drawn.
. "$(dirname "$0")/support/tui_frames.sh"

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

row_of() { printf '%s' "$PADLINE_FRAME" | grep -nF -- "$1" | head -1 | cut -d: -f1; }
first_row_is() { [ "$(row_of "$1")" = 4 ]; } # title 1, header 2, rule 3
pad_count_is() { [ "$(sql "select count(*) from pads")" = "$1" ]; }
shares_are() { [ "$(sql "select count(*) from pad_shares")" = "$1" ]; }
line_is() { [ "$(sql "select data->>'line' from pads where id='$P1'")" = "$1" ]; }
line_is_not() { ! line_is "$1"; }
meanwhile() { # someone changes the pad while its backups are shown
	rpc pad.update "{\"id\":\"$P1\",\"data\":{\"line\":\"meanwhile\",\"keep\":1}}"
	[ -n "$(jget "$REPLY_LINE" result.pad.version)" ]
}
# newest_backup_is N: the backups list's first row holds version N.
newest_backup_is() {
	[ "$(printf '%s\n' "$PADLINE_FRAME" | grep -A2 -E ' version +saved +size' | sed -n 3p | awk '{print $1}')" = "$1" ]
}
frames_export newest_backup_is check row_of first_row_is pad_count_is shares_are line_is line_is_not meanwhile P1
# lister_finds TEXT: lister's TUI again (its saved session), searched to the
# one pad named TEXT: the lines of a script.
lister_finds() {
	printf '%s\n' "expect of 100+ loaded" "key /" "type $1" "key <Enter>" "expect 1-1 of 1"
}

# ---- paging, sort, search, share ----
TUI_STATE=$T/state_lister run_frames lister <<SCRIPT
$(frames_login lister "$PW")
expect of 100+ loaded
run $DO check "the first row by creation is not Pad 250" on_frame "Pad 250"
key <End>
expect of 251
expect $NEEDLE
run $DO check "the database does not hold 251 pads" pad_count_is 251
# sort on the server
key s
expect Name ↑
until $DO first_row_is "Pad 001"
key s
expect Updated (UTC) ↓
until $DO first_row_is "Pad 001"
key s
until $DO first_row_is "Pad 250"
# search on the server: a page not loaded yet
expect of 100+ loaded
absent $NEEDLE
key /
type dle-IN-the-mi
expect $NEEDLE
expect 1-1 of 1
key <Enter>
key <Esc>
expect of 100+ loaded
gone $NEEDLE
key /
type Needle
key <Enter>
expect 1-1 of 1
# share from the pad menu
key m
expect Pad: $NEEDLE
key <Enter>
expect Share with (username)
type nobody_such
key <Enter>
expect Could not share: no such user
key m
expect Pad: $NEEDLE
key <Enter>
expect Share with (username)
type carol2
key <Enter>
expect with carol2 (read-only)
run $DO check "share not in the database" shares_are 1
key m
expect Pad: $NEEDLE
key <Down> <Enter>
expect carol2  viewer since
key <Esc>
SCRIPT

# ---- the viewer ----
TUI_STATE=$T/state_carol run_frames carol <<SCRIPT
$(frames_login carol2 "$PW")
expect $NEEDLE
expect @lister
key e
expect read-only: shared by lister
key <Enter>
expect $NEEDLE  (read-only: shared by lister)
key e
expect read-only: shared by lister
SCRIPT

# ---- unshare (asked first) ----
TUI_STATE=$T/state_lister run_frames unshare <<SCRIPT
$(lister_finds Needle)
key m
expect Pad: $NEEDLE
key <Down> <Enter>
expect carol2  viewer since
key <Enter>
expect Stop sharing
key y
expect carol2 can no longer read
run $DO check "share still in the database" shares_are 0
SCRIPT
TUI_STATE=$T/state_carol run_frames unshared <<'SCRIPT'
expect No pads yet
SCRIPT

# ---- backups: preview, diff, restore with if_version ----
TUI_STATE=$T/state_lister run_frames backups <<SCRIPT
$(lister_finds "Pad 001")
key b
expect Backups of Pad 001
gone Loading
run $DO check "the newest backup does not show the version it holds (2)" newest_backup_is 2
key <Enter>
expect Backup of Pad 001 from
expect "line": "original"
key d
expect -   "line": "changed"
expect +   "line": "original"
expect (-1 +1)
run $DO check "an unchanged line is not shown as unchanged" on_frame '    "keep": 1'
# Someone changes the pad meanwhile: the restore must not overwrite it unseen.
run $DO check "the other client's update failed" meanwhile
key r
expect Restore backup
key y
expect Not restored
run $DO check "the newer data was overwritten" line_is meanwhile
expect Backups of Pad 001
gone Loading
key d
expect -   "line": "meanwhile"
key r
expect Restore backup
key y
expect Restored.
run $DO check "restore not in the database" line_is_not meanwhile
SCRIPT

# ---- the diff's colours, and its markers without them ----
diff_script() {
	lister_finds "Pad 001"
	printf '%s\n' "key b" "expect Backups of Pad 001" "gone Loading" "key d" 'expect -   "line": "changed"' \
		'expect +   "line": "meanwhile"' frame
}
diff_script | TUI_STATE=$T/state_lister run_frames diff_colour
diff_script | TUI_STATE=$T/state_lister run_frames diff_mono NO_COLOR=1
removed=$(frame_attrs diff_colour '-   "line": "changed"')
added=$(frame_attrs diff_colour '+   "line": "meanwhile"')
[[ $removed == *red/* ]] && [[ $added == *green/* ]] && ok "removed lines are red, added lines green" ||
	fail "diff colours: '$removed' / '$added'"
removed=$(frame_attrs diff_mono '-   "line": "changed"')
added=$(frame_attrs diff_mono '+   "line": "meanwhile"')
grep -qF -- '-   "line": "changed"' "$T/diff_mono.frames" && [[ $removed != *red/* ]] && [[ $added != *green/* ]] &&
	ok "NO_COLOR: the diff reads by its - and + markers, without colour" ||
	fail "NO_COLOR diff: '$removed' / '$added'"
rpc_close
tui_finish
