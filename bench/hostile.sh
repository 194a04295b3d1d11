#!/usr/bin/env bash
# Hostile load against a fresh padlined: N connections pipelining big
# user.register lines plus a login storm, while a normal client signs in;
# prints the normal login's p50/p99 and padlined's peak RSS. Production
# argon2id limits unless PADLINE_PWHASH_* say otherwise. PADLINED picks the
# server binary (e.g. another checkout's build, to compare before/after).
# Needs the stack (scripts/stack start) and a build (build/).
#   bench/hostile.sh [CONNS] [SECONDS] [extra bench_hostile flags...]
set -euo pipefail
conns=${1:-1000}
secs=${2:-30}
shift 2 || shift $# || true
ulimit -n "$(ulimit -Hn)"
# Room for every hostile connection: the point is what they cost, not
# that the connection cap turns them away. The per-address cap stays at its
# default: bench_hostile spreads its clients over many 127.x.y.z sources.
export PADLINE_MAX_CONNECTIONS=$((conns + 200)) PADLINE_MAX_CONNECTIONS_PER_IP=64
. "$(dirname "$0")/padlined.sh" bench_hostile normal
printf '%s\n' "$pw" | "$padlined" create-user stormer >/dev/null 2>>"$log"
echo "padlined: $padlined (pid $pid), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/bench_hostile" --port "$port" --pid "$pid" --conns "$conns" \
	--seconds "$secs" --user normal --password "$pw" \
	--storm-user stormer --storm-password "$pw" "$@"
kill -0 "$pid" 2>/dev/null || { echo "padlined exited during the run:"; tail -20 "$log"; exit 1; }
grep -c . "$log" | xargs echo "log lines:"
