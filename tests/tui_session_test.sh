#!/usr/bin/env bash
# Sessions that end, as the TUI lives them (tmux, a padlined whose idle
# limit is 6 s): a dashboard left open keeps its session (its periodic
# figures are requests), a screen that asks nothing lets it expire, and the
# next action says "Your session expired; sign in again". Every wait is for
# the event (screen or database) under one generous timeout.
export PADLINE_SESSION_IDLE=6
. "$(dirname "$0")/support/tui_lib.sh"

# older SECONDS: the admin's session was created more than SECONDS ago.
older() { [ "$(sql "select count(*) from sessions s join users u on u.id = s.user_id where u.username = 'admin' and s.created_at < now() - interval '$1 s'")" -ge 1 ]; }
# idle_past SECONDS: no session of the admin was used within SECONDS.
idle_past() { [ "$(sql "select count(*) from sessions s join users u on u.id = s.user_id where u.username = 'admin' and s.last_used_at > now() - interval '$1 s'")" = 0 ]; }

tui_login admin "$ADMIN_PW"
keys 2
wait_for "Signups per minute" || die "no dashboard"
# Three idle limits with the dashboard open and no key pressed.
wait_until older 18 || die "the session never aged"
keys 3
wait_for "admin" && off_screen "Sign in to padline" &&
	ok "a dashboard left open keeps its session" ||
	fail "the dashboard's session expired: $(screen | sed -n 1,6p)"

# ---- a screen that asks nothing: expired, and said so ----
keys 1
wait_for "Pads" || die "no pads screen"
wait_until idle_past 7 || die "the session is still used"
keys 3
wait_for "Your session expired; sign in again" &&
	ok "an idle session expires and the sign-in screen says so" ||
	fail "no 'session expired' after idling: $(screen | sed -n 1,12p)"

tui_finish
