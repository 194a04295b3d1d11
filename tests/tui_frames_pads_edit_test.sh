#!/usr/bin/env bash
# The TUI never loses an edit (frames, real padlined): a save that fails
# because padlined died keeps the text in a 0600 recovery file and offers
# retry (a session that ended keeps it too); a kept edit is offered at the
# next start; a version conflict offers view theirs / overwrite / edit
# again on top of theirs; the pad size limit is said in words before (and
# when) the server refuses.
#
# Deterministic: padline waits for its editor, so what happens "while the
# editor is open" (padlined killed, another client's save, sessions ended)
# is done by the "user" in $EDITOR, from a plan the script leaves before
# the key that opens it; the script then waits for the frame that follows.
. "$(dirname "$0")/support/tui_frames.sh"

PW="Edit-Passw0rd!x"
REC="$T/state/padline/recovery"
mkdir "$T/plans"
echo "$SRV_PID" >"$T/srv.pid"
# padlined may be restarted from a script's commands: stop the last one.
trap 'kill "$(cat "$T/srv.pid")" 2>/dev/null; cleanup' EXIT

# A save's version is remembered before the key that opens the editor:
# the frame after that key comes before the editor opens.
# The editor: records what it was given, then does what the oldest plan
# says: runs its action ($T/do ARGS, a line), then saves its text (or,
# when the text is @in, the file as it was given).
cat >"$T/editor.sh" <<'EDIT'
#!/bin/sh
d=$(dirname "$0")
cp "$1" "$d/editor.in"
stat -c %a "$1" >"$d/editor.mode"
p=$(ls "$d/plans" | sort -n | head -1)
[ -n "$p" ] || { echo "editor: no plan" >&2; exit 1; }
action=$(head -1 "$d/plans/$p")
[ "$action" = - ] || eval "\"$d/do\" $action" || echo "editor: the plan's action failed: $action" >&2
if [ "$(sed -n 2p "$d/plans/$p")" = @in ]; then cp "$d/editor.in" "$1"; else sed 1d "$d/plans/$p" >"$1"; fi
rm "$d/plans/$p"
EDIT
chmod +x "$T/editor.sh"
# plan ACTION TEXT: the next editor session runs ACTION (- for none) and
# saves TEXT.
PLANS=0
plan() { PLANS=$((PLANS + 1)); printf '%s\n%s\n' "$1" "$2" >"$T/plans/$PLANS"; }

start_server() { # start_server [ENV=VALUE...]: padlined as tui_lib starts it
	env PADLINE_LISTEN="127.0.0.1:$PORT" PADLINE_SCHEMA="$SCHEMA" PADLINE_SECRET="tui-test-secret-$PARENT" \
		PADLINE_PWHASH_OPSLIMIT=1 PADLINE_PWHASH_MEMLIMIT=8388608 PADLINE_LOG=debug "$@" \
		"$PADLINE_BIN" >>"$SLOG" 2>&1 </dev/null &
	echo $! >"$T/srv.pid"
	wait_until port_open "$PORT" || { echo "FAIL: padlined does not start again" >&2; return 1; }
}
kill_server() {
	kill -9 "$(cat "$T/srv.pid")"
	wait_until eval '! port_open "$PORT"' || { echo "FAIL: padlined still listens" >&2; return 1; }
}
restart_server() { kill_server && start_server "$@"; }
end_sessions() { kill_server && sql "delete from sessions" >/dev/null && start_server; }
# Unused for a day: past the idle limit. A connection's session is trusted
# for a second between checks, so the save waits until a second has passed
# (a minimum, which a slow machine only lengthens).
age_sessions() {
	sql "update sessions set last_used_at = now() - interval '1 day'" >/dev/null || return 1
	local aged_at
	aged_at=$(date +%s%N)
	second_passed() { [ $(($(date +%s%N) - aged_at)) -ge 1500000000 ]; }
	wait_until second_passed
}
pad_data() { sql "select data->>'$2' from pads where display_name='$1'"; }
pad_version() { sql "select version from pads where display_name='$1'"; }
data_is() { [ "$(pad_data Alpha "$1")" = "$2" ]; }
version_is() { [ "$(pad_version Alpha)" = $(($(cat "$T/V") + $1)) ]; }
rec_files() { ls "$REC"/*.json 2>/dev/null | wc -l; }
rec_files_are() { [ "$(rec_files)" = "$1" ]; }
no_rec_files() { [ "$(rec_files)" = 0 ]; }
updates_logged() { grep -c 'method=pad.update' "$SLOG"; }
remember() { pad_version Alpha >"$T/V"; } # the version before a save
remember_updates() { updates_logged >"$T/N"; }
same_updates() { [ "$(updates_logged)" = "$(cat "$T/N")" ]; }
# saved N: the flash of the save that made the remembered version + N (a
# bare "Pad saved" could be an earlier save's flash, still on the screen).
saved() { on_frame "Pad saved, version $(($(cat "$T/V") + $1)) "; }
editor_got() { grep -qF -- "$1" "$T/editor.in"; }
rec_file_ok() {
	local f
	f=$(ls "$REC"/*.json 2>/dev/null | head -1)
	check "recovery file not mode 0600" [ "$(stat -c %a "$f" 2>/dev/null)" = 600 ] &&
		check "recovery file does not hold the text" grep -qF 'kill-test-1' "$f" &&
		check "recovery file does not name the pad" grep -qF "\"pad_id\": \"$PAD\"" "$f" &&
		check "recovery file does not hold the base version" grep -qF '"base_version": 1' "$f"
}
their_update() { # another client saves the pad: version remembered + 1
	rpc_open
	rpc session.login "{\"username\":\"edituser\",\"password\":\"$PW\"}"
	rpc pad.update "{\"id\":\"$PAD\",\"data\":$1}"
	[ "$(jget "$REPLY_LINE" result.pad.version)" = $(($(cat "$T/V") + 1)) ] ||
		{ echo "FAIL: the other client's update failed: $REPLY_LINE" >&2; return 1; }
}
their_version_shown() { on_frame "version $(($(cat "$T/V") + 1))"; }
# The time their version was saved, as every screen writes times (the
# dialog may wrap it: read as one line).
their_time_shown() {
	printf '%s' "$PADLINE_FRAME" | tr -d '│' | tr -s ' \n' '  ' |
		grep -qE '\(saved [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC\)'
}
# The kept edit's time in the recovery offer, written the same way.
kept_time_shown() {
	printf '%s' "$PADLINE_FRAME" | tr -d '│' | tr -s ' \n' '  ' |
		grep -qE 'kept since [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC'
}
hold_hello() { echo server.hello >"$T/hold"; }
release() { touch "$T/release"; }
unhold() { rm -f "$T/hold" "$T/held" "$T/release"; }
big_saved() { [ "$(pad_data Alpha v | wc -c)" -gt 150 ]; }
PARENT=$$

rpc_open
register_user edituser
rpc session.login "{\"username\":\"edituser\",\"password\":\"$PW\"}"
[ -n "$(jget "$REPLY_LINE" result.token)" ] || die "rpc login failed: $REPLY_LINE"
rpc pad.create '{"display_name":"Alpha","data":{"v":"start"}}'
PAD=$(jget "$REPLY_LINE" result.pad.id)
[ -n "$PAD" ] || die "pad not created: $REPLY_LINE"
rpc_close
frames_export check kept_time_shown start_server kill_server restart_server end_sessions age_sessions pad_data \
	pad_version data_is version_is rec_files rec_files_are no_rec_files updates_logged remember \
	remember_updates same_updates saved editor_got rec_file_ok their_update their_version_shown \
	hold_hello release unhold big_saved their_time_shown rpc_open rpc_close PADLINE_BIN SLOG REC PAD PW PARENT
MANY=$(python3 -c 'import json; print(json.dumps({"v": "theirs-1", "line": "their only line", **{"k%02d" % i: i for i in range(60)}, "zzzzzz_last": "their last line"}))')
BIG='{"v": "'$(printf 'x%.0s' $(seq 1 150))'"}'
BIG2='{"v": "'$(printf 'y%.0s' $(seq 1 150))'"}'

# ---- (a) padlined dies while the editor is open: kept, 0600, retry saves ----
# ---- (b) kept for later, offered at the next start ----
plan kill_server '{"v": "kill-test-1"}'
plan kill_server '{"v": "kept-for-later"}'
run_frames kill <<SCRIPT || die "the first edits failed"
$(frames_login edituser "$PW")
expect Alpha
key e
expect Not saved
run $DO check "the editor did not get the pad's data" editor_got '"v": "start"'
run $DO check "no retry offered" on_frame "r  retry the save"
run $DO check "no recovery file after the failed save" rec_files_are 1
run $DO rec_file_ok
run $DO start_server
run $DO remember
key r
until $DO saved 1
run $DO check "the server does not have the retried text" data_is v kill-test-1
run $DO check "recovery file left after the successful save" wait_until no_rec_files
key e
expect Not saved
key l
expect Kept for later
key <Enter>
run $DO check "no recovery file kept for later" rec_files_are 1
run $DO start_server
SCRIPT
ok "padlined killed mid-edit: the text is kept in a 0600 recovery file; retry saves it"

# The saved session resumes: signed in, as a user restarting.
plan - '{"v": "recovered"}'
plan kill_server '{"v": "to-discard"}'
plan - '{"v": "to-discard", oops'
run_frames recover <<SCRIPT || die "recovering failed"
expect Recover an unsaved edit
run $DO check "the offer does not name the pad" on_frame 'pad "Alpha"'
run $DO check "the offer's time is not written as every screen writes one" kept_time_shown
run $DO remember
key e
until $DO saved 1
run $DO check "the kept text is not what the editor got" editor_got kept-for-later
run $DO check "server lacks the recovered text" data_is v recovered
run $DO check "recovery file left after the recovered save" wait_until no_rec_files
# (b) discarding a kept edit asks first
key e
expect Not saved
key l
expect Kept for later
key <Enter>
run $DO start_server
# Editing the pad again continues the kept edit; a syntax error there
# keeps the newest text instead of offering to drop it.
key e
expect Syntax error
run $DO check "editing a pad with a kept edit does not continue it" editor_got to-discard
run $DO check "a kept edit's syntax error does not offer to keep it" on_frame "l  keep it for later"
key l
expect Kept for later
key <Enter>
run $DO check "the kept file does not have the newest text" eval 'grep -qF oops "\$REC"/*.json'
SCRIPT
ok "a kept edit is offered at the next start, edited and saved"

# ---- (b) discard, then (c) conflicts ----
plan "their_update '$MANY'" '{"v": "mine-1"}'
plan "their_update '{\"v\":\"theirs-2\",\"their\":1}'" '{"v": "mine-2", "mine": 1}'
plan - @in
plan - '{"v": "merged", "their": 1, "mine": 1}'
plan end_sessions '{"v": "after-401"}'
run_frames conflict <<SCRIPT || die "discarding or the conflicts failed"
expect Recover an unsaved edit
key d
expect Discard the kept edit
key n
expect Recover an unsaved edit
run $DO check "declining the discard removed the file" rec_files_are 1
key d
expect Discard the kept edit
key y
expect Discarded your kept edit
run $DO check "recovery file left after a confirmed discard" wait_until no_rec_files
run $DO check "a discarded edit reached the server" data_is v recovered
# (c) conflict: view theirs, overwrite
run $DO remember
key e
expect Changed by someone else
run $DO check "the dialog does not give their version" their_version_shown
run $DO check "the dialog does not say when theirs was saved, as times are written" their_time_shown
run $DO check "a conflicting save overwrote theirs" data_is v theirs-1
key v
expect "v": "theirs-1"
run $DO check "the viewer does not say read-only" on_frame read-only
absent their last line
key G
expect their last line
key <PgUp>
gone their last line
key q
expect Changed by someone else
key o
until $DO saved 2
run $DO check "overwrite: the server does not have mine" data_is v mine-1
run $DO check "overwrite: version not theirs + 1" version_is 2
run $DO check "recovery file left after overwrite" wait_until no_rec_files
# (c) conflict: edit again on top of theirs (their save is the
# remembered version + 1, the merge + 2); saving with the markers left is
# refused and said, then resolved.
run $DO remember
key e
expect Changed by someone else
key e
expect Conflict not resolved
run $DO check "no conflict markers in the edit-again file" editor_got '<<<<<<< theirs'
run $DO check "their text missing in the edit-again file" editor_got theirs-2
run $DO check "your text missing in the edit-again file" editor_got mine-2
key e
until $DO saved 2
run $DO check "server lacks the merged text" data_is v merged
run $DO check "merged text lost their key" data_is their 1
run $DO check "recovery file left after the merge" wait_until no_rec_files
# (e) the session ends while the editor is open: kept, offered after
# signing in. (Sessions are rechecked on a timer; a restart makes the next
# call resume, which the server refuses at once. The save first meets the
# dead connection; padline sends a write once more on the next one, with
# its idempotency_key, and there the 401 comes.)
key e
expect Kept for later
run $DO check "a 401 did not go back to sign in" on_frame "Sign in to padline"
run $DO check "no recovery file after a 401" rec_files_are 1
SCRIPT
ok "conflict: view theirs (read-only), overwrite wins; edit again on top of theirs, markers must be resolved"

plan - '{"v": "after-401"}'
plan age_sessions '{"v": "after-expiry"}'
run_frames expiry <<SCRIPT || die "the ended sessions failed"
$(frames_login edituser "$PW")
expect Recover an unsaved edit
run $DO remember
key e
until $DO saved 1
run $DO check "server lacks the text kept over the 401" data_is v after-401
run $DO check "recovery file left after the save (e)" wait_until no_rec_files
# (e2) the session expires while the editor is open: said so, kept, offered
key e
expect Kept for later
key <Enter>
expect Your session expired; sign in again
run $DO check "no recovery file after the expiry" rec_files_are 1
SCRIPT
ok "session ended mid-edit: kept, offered after signing in again, saved; an expired one said so"

# ---- (d) the size limit, from the server then before sending ----
plan - '{"v": "after-expiry"}'
plan - "$BIG"
plan - "$BIG"
plan - '{"v": "small"}'
plan "restart_server" "$BIG"
plan - "$BIG2"
run_frames size <<SCRIPT || die "the size limit failed"
$(frames_login edituser "$PW")
expect Recover an unsaved edit
key e
expect Pad saved
run $DO check "server lacks the text kept over the expiry" data_is v after-expiry
run $DO check "recovery file left after the save (e2)" wait_until no_rec_files
run $DO restart_server PADLINE_MAX_PAD_BYTES=100
key e
# The TUI's hello still says 1 MB: the server refuses, the words use its
# limit (words may wrap: the figures are checked one by one).
expect Pad too large
run $DO check "the size message does not give the limit" on_frame "100 bytes"
run $DO check "the size message does not give the pad's size" on_frame "This pad is 158 bytes"
run $DO check "oversized text not kept" rec_files_are 1
run $DO remember_updates
# The TUI's question about the limit is held: the dialog its answer
# opens is told from the one before.
run $DO hold_hello
key e
run $DO check "the limit was not asked for again before sending" wait_file "$T/held" held
gone Pad too large
run $DO release
expect Pad too large
run $DO unhold
run $DO check "the oversized pad was sent again" same_updates
run $DO remember
key e
until $DO saved 1
run $DO check "server lacks the smaller text" data_is v small
run $DO check "recovery file left after the size fix" wait_until no_rec_files
# (d3) the limit raised by a restart while the editor is open: the TUI's
# question about the limit fails on the dead connection; failing to ask
# is no answer: it sends the pad on a new one and lets the server decide.
run $DO remember
key e
until $DO saved 1
run $DO check "server lacks the big text (d3)" big_saved
run $DO check "recovery file left after the save (d3)" wait_until no_rec_files
# (d4) raised by a restart between edits: asked again, not refused on
# the old figure (the TUI still holds 100 bytes: its question in (d3)
# failed)
run $DO restart_server
run $DO remember
key e
until $DO saved 1
run $DO check "server lacks the big text (d4)" data_is v "$(printf 'y%.0s' $(seq 1 150))"
run $DO check "recovery file left after the save (d4)" wait_until no_rec_files
SCRIPT
ok "size limit said in words (server 400 and before sending), text kept, edit again; a raised limit is asked for again"

# ---- (f) a syntax error in a new edit: kept before asking, keep offered ----
plan - '{"v": "broken-syntax",'
# (still signed in: the saved session of the runs before)
run_frames syntax <<SCRIPT || die "the syntax error dialog failed"
expect Alpha
key e
expect Syntax error
run $DO check "the syntax error dialog does not offer to keep the text" on_frame "l  keep it for later"
run $DO check "the broken text is not kept while the dialog asks" rec_files_are 1
key l
expect Kept for later
key <Enter>
run $DO check "the kept file does not have the broken text" eval 'grep -qF broken-syntax "\$REC"/*.json'
SCRIPT
ok "a syntax error keeps the text and offers edit again, keep for later or discard"

# ---- (g) a new pad: one blank choice among the templates ----
one_blank() { [ "$(printf '%s\n' "$PADLINE_FRAME" | grep -cE 'Blank pad|\(empty pad\)')" = 1 ]; }
blank_made() { [ "$(sql "select data::text from pads where display_name='Blank one'")" = '{}' ]; }
frames_export check one_blank blank_made
run_frames template <<SCRIPT || die "the template pick failed"
expect Recover an unsaved edit
key d
expect Discard the kept edit
key y
expect Discarded your kept edit
key n
expect New pad name
type Blank one
key <Enter>
expect Kanban board
run $DO check "not one blank choice among the templates" one_blank
key <Enter>
expect Created Blank one
run $DO check "the blank choice did not make an empty pad" wait_until blank_made
SCRIPT
ok "one blank choice among the templates, and it makes an empty pad"
tui_finish
