#!/usr/bin/env bash
# Sessions that end, as the TUI lives them (frames, a padlined whose idle
# limit is 6 s): a dashboard left open keeps its session (its periodic
# figures are requests), a screen that asks nothing lets it expire, and the
# next action says "Your session expired; sign in again". Every wait is for
# the event (a frame or the database) under one generous timeout.
export PADLINE_SESSION_IDLE=6
. "$(dirname "$0")/support/tui_frames.sh"

# older SECONDS: the admin's session was created more than SECONDS ago.
older() { [ "$(sql "select count(*) from sessions s join users u on u.id = s.user_id where u.username = 'admin' and s.created_at < now() - interval '$1 s'")" -ge 1 ]; }
# idle_past SECONDS: no session of the admin was used within SECONDS.
idle_past() { [ "$(sql "select count(*) from sessions s join users u on u.id = s.user_id where u.username = 'admin' and s.last_used_at > now() - interval '$1 s'")" = 0 ]; }
frames_export check older idle_past

# The dashboard draws its figures as they come: each frame rechecks the
# age. On Pads nothing is drawn while idle: the wait runs in the script.
run_frames session <<SCRIPT
$(frames_login admin "$ADMIN_PW")
key 2
expect Signups per minute
# Three idle limits with the dashboard open and no key pressed.
until $DO older 18
key 3
expect admin
absent Sign in to padline
# A screen that asks nothing: expired, and said so.
key 1
expect Pads
run $DO check "the session is still used" wait_until idle_past 7
key 3
expect Your session expired; sign in again
SCRIPT
tui_finish
