#!/usr/bin/env bash
# What server.stats costs: pad.create with and without an admin polling
# server.stats every 100 ms, against one padlined, in one run.
#
# Throughput on a shared 2-core machine swings by tens of percent between
# runs, far more than the effect. So besides throughput this measures CPU
# time: padlined's and its PostgreSQL backends' (every thread's, from
# /proc/PID/task/*/schedstat, over the timed part only, sign-ins excluded).
# Each round runs A (creates), B (creates + poller) in alternating order,
# then C: 1000 server.stats back to back, whose CPU per call is measured
# directly. The overhead is then computed from the two CPU costs (polls per
# second x CPU per poll / CPU the creates take per second), a small
# quantity measured on its own instead of the difference of two large noisy
# ones. Medians come with a 95 % confidence interval (sign test on the
# rounds). Needs the stack and a build (build/, or BUILD_DIR; measure a
# Release build).
#   bench/stats.sh [SECONDS_PER_RUN] [ROUNDS] [CLIENTS]
set -euo pipefail
secs=${1:-3}
rounds=${2:-12}
clients=${3:-16}
poll_ms=${STATS_POLL_MS:-100}
ADMIN=1 . "$(dirname "$0")/padlined.sh" bench_stats benchstats
echo "padlined pid $pid, schema $schema, workers ${PADLINE_WORKERS:-auto (2 per core, at least 4)}, $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"

results=$(mktemp /tmp/bench-stats.XXXXXX)
trap 'rm -f "$results"; bench_cleanup' EXIT
pgdata=$("$pg_bin/psql" "$DATABASE_URL" -Atc 'SHOW data_directory')
# padlined and every PostgreSQL backend (its pool's among them), re-read
# before each run as backends come and go.
pids() { echo "$pid$(pgrep -P "$(head -1 "$pgdata/postmaster.pid")" | sed 's/^/,/' | tr -d '\n')"; }
run() { # ROUND KIND [STATS_MS]: one run, one line of results
	local out
	if [ "$2" = loop ]; then
		out=$("$build/bench/bench_pads" --port "$port" --user "$user" \
			--password "$pw" --stats-loop 1000 --pid "$(pids)")
	else
		out=$("$build/bench/bench_pads" --port "$port" --user "$user" \
			--password "$pw" --clients "$clients" --seconds "$secs" --get 0 \
			--stats-ms "$3" --pid "$(pids)" | head -1)
	fi
	echo "$out" >&2
	echo "$1 $2 $out" >>"$results"
}
# A warm-up round, not counted: the pool's backends start, caches fill.
run 0 off 0
run 0 loop
for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then
		run "$r" off 0; run "$r" on "$poll_ms"
	else
		run "$r" on "$poll_ms"; run "$r" off 0
	fi
	run "$r" loop
done
python3 - "$clients" "$poll_ms" "$secs" "$results" <<'PY'
import math, re, statistics, sys
clients, poll, secs, path = sys.argv[1:5]
runs = {}
for line in open(path):
    rnd, kind, rest = line.split(" ", 2)
    runs.setdefault(int(rnd), {})[kind] = {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)", rest)}
rows = [(r, v["off"], v["on"], v["loop"]) for r, v in sorted(runs.items()) if len(v) == 3 and r > 0]

def pct(a, b):
    return (b - a) / a * 100

def ci95(xs):
    """Median and a >= 95 % interval for it: the sign test's order statistics."""
    d, n = sorted(xs), len(xs)
    k = 0
    while k + 1 <= n // 2 and sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n <= 0.025:
        k += 1
    return statistics.median(d), ((d[k - 1], d[n - k]) if k else (d[0], d[-1]))

polls_s = 1000 / float(poll)
tps = [pct(a["tps"], b["tps"]) for _, a, b, _ in rows]
cpu = [pct(a["cpu_us_per_loop"], b["cpu_us_per_loop"]) for _, a, b, _ in rows]
# The share of the stack's CPU that polling takes at the off run's rate.
est = [polls_s * c["cpu_us_per_call"] / (a["tps"] * a["cpu_us_per_loop"]) * 100 for _, a, _, c in rows]
print("\n%5s %9s %9s %7s %10s %10s %7s %11s %9s" % ("round", "create/s", "+stats", "diff",
      "cpu us/req", "+stats", "diff", "us/stats", "overhead"))
for (r, a, b, c), t, p, e in zip(rows, tps, cpu, est):
    print("%5d %9.1f %9.1f %+6.1f%% %10.1f %10.1f %+6.1f%% %11.1f %8.2f%%" % (
        r, a["tps"], b["tps"], t, a["cpu_us_per_loop"], b["cpu_us_per_loop"], p,
        c["cpu_us_per_call"], e))
for name, d, unit in (("throughput, B vs A", tps, "%"), ("CPU per create, B vs A", cpu, "%"),
                      ("CPU per server.stats", [c["cpu_us_per_call"] for *_, c in rows], "us"),
                      ("overhead from CPU costs", est, "%")):
    med, (lo, hi) = ci95(d)
    print("%-24s median %+8.2f %s  95 %% CI [%+.2f, %+.2f]  spread %+.2f..%+.2f"
          % (name, med, unit, lo, hi, min(d), max(d)))
med, (lo, hi) = ci95(est)
cmed, (clo, chi) = ci95(cpu)
print("overhead under 2 %% from the polls' own CPU: %s (%.2f %%, 95 %% CI up to %.2f %%; a poll "
      "measured back to back, without the creates' load around it)"
      % ("yes" if hi < 2 else "no", med, hi))
print("paired A/B CPU per create: %s (%+.2f %%, 95 %% CI [%+.2f, %+.2f]; 'shown' only when the "
      "interval lies under 2 %%, 'excluded' when it lies above)"
      % ("shown under 2 %" if chi < 2 else "2 % excluded" if clo > 2 else "inconclusive",
         cmed, clo, chi))
print("(%s clients, pad.create only, %s s runs, CPU = padlined + its PostgreSQL backends)"
      % (clients, secs))
PY
