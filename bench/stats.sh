#!/usr/bin/env bash
# What server.stats costs: pad.create throughput with and without an admin
# polling server.stats every 100 ms, in one run against one padlined.
# Rounds alternate the order (off,on / on,off) so drift in the machine's load
# falls on both sides; prints every round and the medians. Needs the stack
# and a build (build/, or BUILD_DIR; measure a Release build).
#   bench/stats.sh [SECONDS_PER_RUN] [ROUNDS] [CLIENTS]
set -euo pipefail
secs=${1:-5}
rounds=${2:-6}
clients=${3:-16}
poll_ms=${STATS_POLL_MS:-100}
ADMIN=1 . "$(dirname "$0")/padlined.sh" bench_stats benchstats
echo "padlined pid $pid, schema $schema, workers ${PADLINE_WORKERS:-4 (default)}, $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"

run() { # stats_ms → prints tps
	local out
	out=$("$build/bench/bench_pads" --port "$port" --user "$user" \
		--password "$pw" --clients "$clients" --seconds "$secs" --get 0 \
		--stats-ms "$1")
	echo "$out" | head -1 >&2
	echo "$out" | sed -n 's/.* tps=\([0-9.]*\).*/\1/p'
}
off=() on=()
for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then
		off+=("$(run 0)") on+=("$(run "$poll_ms")")
	else
		on+=("$(run "$poll_ms")") off+=("$(run 0)")
	fi
done
python3 - "$clients" "$poll_ms" "${off[*]}" "${on[*]}" <<'PY'
import statistics, sys
clients, poll = sys.argv[1], sys.argv[2]
off = [float(x) for x in sys.argv[3].split()]
on = [float(x) for x in sys.argv[4].split()]
# Each round's two runs are adjacent in time: their ratio cancels most of
# the machine's drift, so the median ratio is the figure to quote.
ratios = [(b - a) / a * 100 for a, b in zip(off, on)]
print("\n%6s %14s %16s %10s" % ("round", "create/s", "create/s +stats", "diff"))
for i, (a, b, r) in enumerate(zip(off, on, ratios), 1):
    print("%6d %14.1f %16.1f %+9.2f%%" % (i, a, b, r))
print("%6s %14.1f %16.1f %+9.2f%%   median of the rounds' differences: %+.2f %%"
      % ("median", statistics.median(off), statistics.median(on),
         (statistics.median(on) - statistics.median(off)) / statistics.median(off) * 100,
         statistics.median(ratios)))
print("(%s clients, pad.create only, server.stats every %s ms in the +stats runs)" % (clients, poll))
PY
