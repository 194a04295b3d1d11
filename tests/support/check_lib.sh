# The checks every shell suite reports with, sourced by tui_lib.sh and the
# suites that do not need its tmux scaffolding. A suite counts its failures
# in $fails and exits non-zero when there were any; WAIT (seconds) bounds
# every wait_until. fail_hook, when a suite defines it, runs after a FAIL
# line (tui_lib.sh shows the screen there).
fails=0
: "${WAIT:=60}"

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
	if declare -F fail_hook >/dev/null; then fail_hook; fi
	return 0
}
ok() { echo "ok: $*"; }

# wait_until CMD...: runs CMD until it succeeds or WAIT seconds pass.
wait_until() {
	local deadline=$((SECONDS + WAIT))
	while :; do
		"$@" && return 0
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.05
	done
}
