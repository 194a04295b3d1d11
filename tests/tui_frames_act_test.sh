#!/usr/bin/env bash
# The operator's actions and drill-downs, in frames (padline --frames)
# against a real padlined: a wave of 200 signups from one /24 (their
# addresses given through the PROXY protocol from a trusted address)
# beside a few from elsewhere; on the dashboard, X without a filter says a
# filter is needed; with `net:` the wave's /24, X disable shows the dry
# run's count and samples, asks once (a stale session is asked for the
# password inline first), and disables exactly the wave's accounts; u
# restores them, a second u says it is undone already. Enter shows a
# signup's timeline (its attempt, sign-in, changes), N its network's
# attempts a page at a time, e exports them; b makes a block rule of the
# row's network (shadow) or domain (enforce, which then refuses a signup);
# the dashboard's e writes the rows its filter shows, no other.
# On Users, X with a filter (free text; enable offered too), u, e, b. A read-only console
# refuses X, u, b and e and still drills down. Every wait is for a frame
# or the database, never for a time.
export PADLINE_REAUTH_WINDOW=86400
# Only 127.0.0.2 is the trusted proxy: the TUI's own connection (from
# 127.0.0.1 through the test proxy) is an ordinary one.
TUI_SERVER_ENV="PADLINE_TRUSTED_PROXIES=127.0.0.2/32"
. "$(dirname "$0")/support/tui_frames.sh"

PW="abcDEFghij1!xy"
WAVE_NET="203.0.113.0/24"

# signups PREFIX FIRST COUNT ADDRESS_FORMAT DOMAIN: COUNT registrations
# (PREFIX000...), each from the address ADDRESS_FORMAT % i, sent from
# 127.0.0.2 with a PROXY header naming that address.
signups() {
	WAVE_PW=$PW python3 - "$PORT" "$@" <<'PY' || die "signups $* failed"
import json, os, socket, sys
port, prefix, first, count, fmt, domain = sys.argv[1:7]
pw = os.environ["WAVE_PW"]
port, first, count = int(port), int(first), int(count)

def call(f, s, method, params, rid):
    s.sendall((json.dumps({"jsonrpc": "2.0", "id": rid, "method": method,
                           "params": params}) + "\n").encode())
    return json.loads(f.readline())

for i in range(first, first + count):
    addr = fmt % (i % 50 + 1) if "%" in fmt else fmt
    s = socket.create_connection(("127.0.0.1", port), timeout=60,
                                 source_address=("127.0.0.2", 0))
    s.sendall(("PROXY TCP4 %s 127.0.0.1 40000 %d\r\n" % (addr, port)).encode())
    f = s.makefile("r")
    name = "%s%03d" % (prefix, i)
    for attempt in range(30):
        tok = call(f, s, "server.hello", {}, 1)["result"]["form_token"]
        r = call(f, s, "user.register", {"form_token": tok, "username": name,
                 "password": pw, "email": "%s@%s" % (name, domain)}, 2)
        if r.get("error", {}).get("code") != 503:
            break
    if "error" in r:
        sys.exit("register %s from %s: %s" % (name, addr, r))
    s.close()
PY
}

signups norm 0 3 "198.51.100.%d" example.org
signups wave 0 199 "203.0.113.%d" evil.example
signups near 0 2 "203.0.114.%d" example.net
# The wave's last signup, the newest on the dashboard's top row, signed
# in once (its timeline has a sign-in).
signups last 0 1 "203.0.113.99" evil.example
rpc_open
rpc session.login "{\"username\":\"last000\",\"password\":\"$PW\"}"
[ -n "$(jget "$REPLY_LINE" result.token)" ] || die "last000 cannot sign in: $REPLY_LINE"
[ "$(sql "select count(*) from signup_attempts where network = '$WAVE_NET'")" = 200 ] ||
	die "the wave's attempts are not from $WAVE_NET"

# disabled_are N WHERE: N accounts are disabled, all of them matching WHERE.
disabled_are() {
	[ "$(sql "select count(*) from users where disabled")" = "$1" ] &&
		[ "$(sql "select count(*) from users where disabled and not ($2)")" = 0 ]
}
wave_disabled() { disabled_are 200 "username like 'wave%' or username = 'last000'"; }
none_disabled() { disabled_are 0 true; }
stale() { sql "update sessions set reauth_at = now() - interval '2 days'" >/dev/null; }
rule_is() { # rule_is NAME WHEN MODE
	[ "$(sql "select \"when\" || ' ' || action || ' ' || mode from signup_rules where name = '$1'")" = "$2 block $3" ]
}
lines_are() { [ "$(wc -l <"$1")" = "$2" ]; }
all_in_net() { python3 -c 'import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if rows and all(r["network"]==sys.argv[2] for r in rows) else 1)' "$1" "$WAVE_NET"; }
refused_signup() {
	rpc_open
	register_user "evil$RANDOM" "evilnew@evil.example"
	[ "$(jget "$REPLY_LINE" error.data.reason)" = registration_refused ]
}
frames_export check disabled_are wave_disabled none_disabled stale rule_is lines_are all_in_net \
	refused_signup register_user rpc_open PW WAVE_NET

# ---- X on the dashboard: the dry run, asked once, then exactly the wave ----
TUI_STATE=$T/state_bulk run_frames bulk <<SCRIPT
$(frames_login admin "$ADMIN_PW")
key 2
expect last000
key X
expect A bulk action needs a filter
key /
type net:$WAVE_NET
key <Enter>
run $DO check "could not age the session" stale
key X
expect Bulk action
key d
expect Confirm it's you
type $ADMIN_PW
key <Enter>
expect 200 accounts match net:$WAVE_NET
expect and 190 more
key n
expect Nothing changed.
run $DO check "the dry run changed accounts" none_disabled
key X
expect Bulk action
key d
expect 200 accounts match net:$WAVE_NET
key y
expect Disabled 200 accounts (u undoes it).
run $DO check "X disable did not disable exactly the wave" wave_disabled
key u
expect Undone: 200 accounts back as they were.
run $DO check "u did not restore the wave" none_disabled
key u
expect The last bulk action is already undone.
run $DO check "a second u changed accounts" none_disabled
SCRIPT

# ---- drill down: the timeline, the network's attempts, export; b ----
TUI_STATE=$T/state_drill run_frames drill <<SCRIPT
$(frames_login admin "$ADMIN_PW")
key 2
expect last000
key <Enter>
expect Timeline of last000
expect 203.0.113.99 ($WAVE_NET)
expect session.login
expect user.created
key N
expect Attempts matching net:$WAVE_NET
expect Page 1 · 100 attempts · ] older
key ]
expect Page 2 · 100 attempts
key [
expect Page 1 · 100 attempts · ] older
key e
expect The rows shown, as:
key l
expect Export to
key <C-u>
type $T/attempts.jsonl
key <Enter>
expect Exported 100 attempts to
run $DO check "the export is not 100 lines" lines_are $T/attempts.jsonl 100
run $DO check "an exported attempt is from another network" all_in_net $T/attempts.jsonl
key <Esc>
expect Timeline of last000
key <Esc>
gone Timeline of last000
key b
expect A rule blocking new signups like last000's
key n
expect Rule block-net:$WAVE_NET
expect blocks the signups matching net:$WAVE_NET.
key s
expect Rule block-net:$WAVE_NET (shadow)
run $DO check "no shadow rule for the network" rule_is block-net:$WAVE_NET net:$WAVE_NET shadow
key b
expect A rule blocking new signups like last000's
key d
expect Rule block-domain:evil.example
key e
expect Rule block-domain:evil.example (enforce)
run $DO check "no enforced rule for the domain" rule_is block-domain:evil.example domain:evil.example enforce
run $DO check "the domain rule does not refuse a signup" wait_until refused_signup
key /
type domain:example.net
key <Enter>
gone last000
key e
key c
expect Export to
key <C-u>
type $T/dash.csv
key <Enter>
expect Exported 2 signups to
SCRIPT
# e writes the rows the filter shows: the two from example.net, no other.
grep -q '^id,created_at,username,email,totp' "$T/dash.csv" || fail "the dashboard's CSV has no header"
[ "$(grep -c '@example.net,' "$T/dash.csv")" = 2 ] && [ "$(wc -l <"$T/dash.csv")" = 3 ] ||
	fail "the dashboard's CSV is not the filter's two rows: $(cat "$T/dash.csv")"

# ---- Users: X with a search (enable offered), u, e, b ----
TUI_STATE=$T/state_users run_frames users <<SCRIPT
$(frames_login admin "$ADMIN_PW")
key 3
expect Users
key /
type wave01
key <Enter>
expect Users 1-10 ·
key X
expect e  enable
key d
expect 10 accounts match wave01
key y
expect Disabled 10 accounts
run $DO check "X on Users did not disable wave010-wave019" disabled_are 10 "username like 'wave01_'"
key X
key e
expect 10 accounts match wave01
key y
expect Enabled 10 accounts
run $DO check "X enable did not enable them" none_disabled
key u
expect Undone: 10 accounts
run $DO check "undoing the enable did not disable them again" disabled_are 10 "username like 'wave01_'"
key e
key c
key <C-u>
type $T/users.csv
key <Enter>
expect Exported 10 users
# b on the user selected: its network, shadow
key <Esc>
key /
type near
key <Enter>
# the search's answer (near001 is on the unsearched page too)
expect Users 1-2 ·
key b
expect A rule blocking new signups like near001's
key n
expect Rule block-net:203.0.114.0/24
key s
expect Rule block-net:203.0.114.0/24 (shadow)
run $DO check "no shadow rule for near001's network" rule_is block-net:203.0.114.0/24 net:203.0.114.0/24 shadow
SCRIPT
[ "$(wc -l <"$T/users.csv")" = 11 ] || fail "the users' CSV is not a header and 10 rows"

# ---- read-only: no action, the drill-down still works ----
TUI_STATE=$T/state_readonly run_frames readonly PADLINE_READONLY=1 <<SCRIPT
$(frames_login admin "$ADMIN_PW")
key 2
expect last000
key /
type net:$WAVE_NET
key <Enter>
key X
expect Read-only console: act is not allowed.
key u
expect Read-only console: undo the last bulk action is not allowed.
key b
expect Read-only console: block its email domain or network (a rule) is not allowed.
key e
expect Read-only console: export the rows the filter shows is not allowed.
key <Esc>
key <Enter>
expect Timeline of last000
expect 203.0.113.99 ($WAVE_NET)
SCRIPT
[ "$(sql "select count(*) from users where disabled")" = 10 ] || fail "the read-only console changed accounts"

tui_finish
