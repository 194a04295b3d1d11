#!/usr/bin/env bash
# padline --frames itself, against a real padlined: a frame is the screen
# ncurses drew, as text with its attributes, at the size asked and after a
# resize; type <FILE types a file's first line; a wait that never ends,
# padline quitting early and a bad script fail with the script line and
# the last frame; measure prints latencies.
. "$(dirname "$0")/support/tui_frames.sh"

# Too small first: a frame whose every cell is known.
FRAMES_SIZE=50x15 run_frames small <<'SCRIPT'
expect Terminal too small
frame
resize 64x16
expect Sign in to padline
absent Terminal too small
key <Esc>
expect Sign in to padline
key q
exits
SCRIPT
frames_match small <<'FRAME'
--- frame 50x15






Terminal too small
need 64x16, have 50x15
q quits






--- attributes
6: 0-17 bold red/default
--- end
FRAME
grep -q '^--- frame 64x16$' "${SLOG%.log}_small.frames" || fail "no 64x16 frame after resize 64x16"

# Monochrome (NO_COLOR): attributes, no colour pairs.
run_frames mono NO_COLOR=1 <<'SCRIPT'
expect Sign in to padline
frame
SCRIPT
grep -q '^0: 0-99 reverse$' "$T/mono.frames" || fail "NO_COLOR: the status line is not reverse: $(cat "$T/mono.frames")"
grep -q '/' <(sed -n '/^--- attributes/,/^--- end/p' "$T/mono.frames") && fail "NO_COLOR: a colour pair in the frame"

# frames_fails NAME WHAT <SCRIPT: padline --frames must exit 1 and say WHAT.
frames_fails() {
	local name=$1 what=$2 rc=0
	cat >"$T/$name.script"
	XDG_STATE_HOME="$T/state" TERM=xterm "$PADLINE_TUI_BIN" --server "127.0.0.1:$PPORT" \
		--frames "$T/$name.script" --frames-size 80x24 >"$T/$name.frames" 2>"$T/$name.err" || rc=$?
	if [ "$rc" = 1 ] && grep -qF -- "$what" "$T/$name.err" && grep -qF -- "the last frame:" "$T/$name.err"; then
		ok "$name fails: $what"
	else
		fail "$name: status $rc, not 1 with '$what': $(cat "$T/$name.err")"
	fi
}
frames_fails never "script line 3: never on screen before the timeout: Nowhere" <<'SCRIPT'
timeout 2
expect Sign in to padline
expect Nowhere
SCRIPT
frames_fails stays "script line 3: still on screen after the timeout: Sign in" <<'SCRIPT'
timeout 2
expect Sign in to padline
gone Sign in
SCRIPT
frames_fails stays_up "script line 4: padline did not exit before the timeout" <<'SCRIPT'
timeout 2
expect Sign in to padline
key <Esc>
exits
SCRIPT
frames_fails unknown "script line 2: unknown command jump" <<'SCRIPT'
expect Sign in to padline
jump
SCRIPT
frames_fails absent "script line 2: on screen: Sign in" <<'SCRIPT'
expect Sign in to padline
absent Sign in
SCRIPT
frames_fails runfails "script line 2: run: the command failed" <<'SCRIPT'
expect Sign in to padline
run test -z "$PADLINE_FRAME"
SCRIPT
frames_fails typefails "script line 2: type: cannot read $T/nothing" <<SCRIPT
expect Sign in to padline
type <$T/nothing
SCRIPT

# type <FILE: the file's first line, read when the step runs.
run_frames typefile <<SCRIPT
expect Sign in to padline
key <C-u>
run printf 'from-a-file\\nsecond line\\n' >"$T/typed"
type <$T/typed
expect Username    from-a-file
absent second line
SCRIPT

rc=0
printf '%s\n' "expect Sign in to padline" "key <Esc>" "key <C-q>" "key q" "expect Gone" >"$T/early.script"
XDG_STATE_HOME="$T/state" TERM=xterm "$PADLINE_TUI_BIN" --server "127.0.0.1:$PPORT" \
	--frames "$T/early.script" >/dev/null 2>"$T/early.err" || rc=$?
[ "$rc" = 1 ] && grep -qF "before the script's end" "$T/early.err" && ok "quitting before the script's end fails" ||
	fail "padline quitting early: status $rc: $(cat "$T/early.err")"

# measure: the time from each key to its frame.
run_frames measure <<'SCRIPT'
expect Sign in to padline
measure 20 <Tab>
SCRIPT
grep -qE '^latency keys=20 p50=[0-9.]+ms p99=[0-9.]+ms max=[0-9.]+ms$' "$T/measure.frames" &&
	ok "measure: $(cat "$T/measure.frames")" || fail "measure printed: $(cat "$T/measure.frames")"
tui_finish
