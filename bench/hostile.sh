#!/usr/bin/env bash
# Hostile load against a fresh padlined: N connections pipelining big
# user.register lines plus a login storm, while a normal client signs in;
# prints the normal login's p50/p99 and padlined's peak RSS. Production
# argon2id limits unless PADLINE_PWHASH_* say otherwise. PADLINED picks the
# server binary (e.g. another checkout's build, to compare before/after).
# Needs the stack (scripts/stack start) and a build (build/).
#   bench/hostile.sh [CONNS] [SECONDS] [extra bench_hostile flags...]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
padlined=${PADLINED:-$build/server/padlined}
conns=${1:-1000}
secs=${2:-30}
shift 2 || shift $# || true
eval "$("$repo/scripts/stack" env)"
ulimit -n "$(ulimit -Hn)"
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
schema=bench_hostile_$$
log=$(mktemp /tmp/padlined-hostile.XXXXXX.log)
export PADLINE_SCHEMA=$schema PADLINE_SECRET=bench-secret-0123456789 PADLINE_LOG=warn
# Room for every hostile connection: the point is what they cost, not
# that the connection cap turns them away.
export PADLINE_MAX_CONNECTIONS=$((conns + 200))
"$padlined" --listen "127.0.0.1:$port" 2>"$log" &
pid=$!
cleanup() {
	kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	psql "$DATABASE_URL" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
}
trap cleanup EXIT
for _ in $(seq 300); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
	sleep 0.1
done
pw='Normal-Passw0rd!'
printf '%s\n' "$pw" | "$padlined" create-user normal >/dev/null 2>>"$log"
printf '%s\n' "$pw" | "$padlined" create-user stormer >/dev/null 2>>"$log"
echo "padlined: $padlined (pid $pid), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/bench_hostile" --port "$port" --pid "$pid" --conns "$conns" \
	--seconds "$secs" --user normal --password "$pw" \
	--storm-user stormer --storm-password "$pw" "$@"
kill -0 "$pid" 2>/dev/null || { echo "padlined exited during the run; log: $log"; exit 1; }
grep -c . "$log" | xargs echo "log lines:"
