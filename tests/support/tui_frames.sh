# Frame suites (tests/tui_frames_*_test.sh): the scaffolding of tui_lib.sh
# (padlined, the proxy, the dashboard's Redis user, the admin) without
# tmux, and padline --frames to drive the TUI: a script of keys and waits
# that advances on the frames padline draws (padline(1), FRAMES), so
# nothing here polls a screen.
#
# A script's `run` lines call the suite's shell functions through $DO
# (frames_export names them); they inherit the suite's RPC connection
# (descriptor 7, rpc_open) and see the last frame in $PADLINE_FRAME.
TUI_FRAMES=1
. "$(dirname "${BASH_SOURCE[0]}")/tui_lib.sh"
FRAMES_SIZE=${FRAMES_SIZE:-100x30}

# frames_export NAME...: $DO FUNCTION ARGS runs FUNCTION in a new bash
# that has these functions and variables, the suite's own and tui_lib.sh's
# helpers.
DO="$T/do"
frames_export() {
	local n
	{
		echo '#!/usr/bin/env bash'
		declare -p T SCHEMA PORT PPORT DATABASE_URL REDIS_URL WAIT 2>/dev/null
		declare -f jget sql wait_until in_file wait_file port_open on_frame off_frame rpc check
		for n in "$@"; do
			declare -f "$n" || declare -p "$n"
		done
		echo 'RPC_ID=1000'
		echo '"$@"'
	} >"$DO"
	chmod 700 "$DO"
}
# check WHAT CMD... (in a `run` command): CMD must succeed, else says WHAT
# failed (the script's failure names it).
check() {
	local what=$1
	shift
	"$@" || { echo "FAIL: $what" >&2; return 1; }
}
# In a `run` command: is TEXT in the last frame?
on_frame() { printf '%s\n' "$PADLINE_FRAME" | grep -qF -- "$1"; }
off_frame() { ! on_frame "$1"; }

# frames_login USER PASSWORD: the script lines that sign in through the
# form and wait until the sign-in screen is gone (as tui_login does).
frames_login() {
	printf '%s\n' "expect Sign in to padline" "key <C-u>" "type $1" "key <Tab>" \
		"type $2" "key <Enter>" "gone Sign in to padline"
}

# frames_user USER: the script lines that open USER's details from the
# Users screen (3), searched to USER alone, once they are loaded.
frames_user() {
	printf '%s\n' "key 3" "expect $1" "key /" "type $1" "key <Enter>" "gone admin@" "key <Enter>" \
		"expect User $1" "expect Sessions"
}

# run_frames NAME [ENV=VALUE...] <SCRIPT: padline --frames with the script
# (a here-document) against the suite's padlined through the proxy, as
# start_tui runs it in tmux. Its `frame` lines go to $T/NAME.frames, every
# frame to a log beside padlined's (kept for a failure's post-mortem). Fails the suite with the failed step and the last
# frame; 0 when the whole script ran.
run_frames() {
	local name=$1
	shift
	cat >"$T/$name.script"
	dash_env "${TUI_REDIS:-$DASH_REDIS}"
	if (
		. "$DASH_ENV"
		exec env XDG_STATE_HOME="${TUI_STATE:-$T/state}" EDITOR="$T/editor.sh" \
			TERM="${TUI_TERM:-xterm}" "$@" "$PADLINE_TUI_BIN" --server "127.0.0.1:${TUI_PORT:-$PPORT}" \
			--frames "$T/$name.script" --frames-size "$FRAMES_SIZE" --frames-log "${SLOG%.log}_$name.frames"
	) >"$T/$name.frames" 2>"$T/$name.err"; then
		ok "$name"
		return 0
	fi
	fail "$name: $(cat "$T/$name.err")"
	return 1
}

# frames_match NAME EXPECTED: the frames NAME printed are EXPECTED (a file
# or a here-document on -); a unified diff when not.
frames_match() {
	local d
	if d=$(diff -u --label expected --label "$1" "${2:--}" "$T/$1.frames"); then
		ok "$1: the frames match"
	else
		fail "$1: the frames differ:"$'\n'"$d"
	fi
}

# frame_attrs NAME TEXT: the attributes of the first row showing TEXT in
# the last frame NAME printed (its `frame` lines), e.g. "0-99 red/default".
frame_attrs() {
	awk -v text="$2" '
		/^--- frame / { n = 0; row = -1; inrows = 1; delete attrs; next }
		/^--- attributes$/ { inrows = 0; next }
		/^--- end$/ { found = row; for (k in attrs) last[k] = attrs[k]; next }
		inrows { if (row < 0 && index($0, text)) row = n; n++; next }
		{ i = index($0, ": "); attrs[substr($0, 1, i - 1)] = substr($0, i + 2) }
		END { if (found >= 0 && (found "") in last) print last[found] }
	' "$T/$1.frames"
}
