#!/usr/bin/env bash
# Dialog text wraps once, to the box it is drawn in (frames at 64x16, the
# smallest size padline works at, against a real padlined): the discard
# question and the "kept for later" message after an edit with a syntax
# error, and a user's delete prompt, read as greedy lines, none leaving
# room for the next line's first word (text wrapped twice, at a fixed
# width and then at the box, leaves such ragged lines).
. "$(dirname "$0")/support/tui_frames.sh"

PW="Dialog-Passw0rd!x"
NAME="Quarterly planning notes"
FRAMES_SIZE=64x16

# wrapped_once (in a run line): the first paragraph of the last frame's
# dialog (the box whose top row names TITLE) is wrapped once, greedily.
wrapped_once() {
	printf '%s\n' "$PADLINE_FRAME" | python3 -c '
import sys
rows = sys.stdin.read().split("\n")
top = next(i for i, r in enumerate(rows) if "┌─ " + sys.argv[1] in r)
left, right = rows[top].index("┌"), rows[top].index("┐")
width = right - left - 3  # the text starts two cells in, ends one before
para = []
for r in rows[top + 1:]:
    if "└" in r:
        break
    t = r[left + 2:right - 1].rstrip()
    if not t:
        break
    para.append(t)
assert len(para) > 1, "one line: nothing to judge: %r" % para
for a, b in zip(para, para[1:]):
    assert len(a) + 1 + len(b.split()[0]) > width, \
        "ragged: %r then %r (the box is %d wide)" % (a, b, width)
' "$1" || { echo "FAIL: $1 is not wrapped once to its box" >&2; return 1; }
}
frames_export wrapped_once

rpc_open
register_user dialog1
rpc session.login "{\"username\":\"dialog1\",\"password\":\"$PW\"}"
rpc pad.create "{\"display_name\":\"$NAME\",\"data\":{\"a\":1}}"
[ -n "$(jget "$REPLY_LINE" result.pad.id)" ] || die "pad.create: $REPLY_LINE"
register_user carol carol@example.org
rpc_close

# The editor's first run leaves a syntax error (tui_lib.sh's editor.sh).
run_frames dialog <<SCRIPT
$(frames_login dialog1 "$PW")
expect Quarterly planning
key e
expect Syntax error
key d
expect Discard the edit
run $DO wrapped_once "Discard the edit"
frame
key n
expect Kept for later
run $DO wrapped_once "Kept for later"
frame
SCRIPT

TUI_STATE=$T/state_admin run_frames delete <<SCRIPT
$(frames_login admin "$ADMIN_PW")
$(frames_user carol)
key X
expect Delete carol
run $DO wrapped_once "Delete carol"
frame
key <Esc>
gone Delete carol
SCRIPT
tui_finish
