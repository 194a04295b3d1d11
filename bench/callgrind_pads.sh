#!/usr/bin/env bash
# Instructions (Ir) padlined spends per pad.create, counted by callgrind, so
# the figure does not move with the machine's load: runs a Release padlined
# under callgrind twice on fresh schemas (bench/padlined.sh, the stack's
# PostgreSQL and Redis), once for SMALL creates and once for BIG (16 clients,
# bench_pads --count), and prints (Ir_big - Ir_small) / (BIG - SMALL), in
# all and per shared object, then the functions whose Ir grew most. Startup
# and sign-in cost the same in both runs and cancel out.
#   bench/callgrind_pads.sh [SMALL] [BIG]     (default 2000 12000)
# Keeps both callgrind.out files in OUT_DIR (default a fresh /tmp directory).
set -euo pipefail
small=${1:-2000}
big=${2:-12000}
repo=$(cd "$(dirname "$0")/.." && pwd)
export BUILD_DIR=${BUILD_DIR:-$repo/build-release}
out=${OUT_DIR:-$(mktemp -d /tmp/callgrind-pads.XXXXXX)}
mkdir -p "$out"
real=${PADLINED:-$BUILD_DIR/server/padlined}
wrap=$out/padlined-callgrind
# create-user runs plainly; the server under callgrind, counting from the start.
cat >"$wrap" <<WRAP
#!/bin/sh
[ "\$1" = --listen ] || exec "$real" "\$@"
exec valgrind --tool=callgrind --callgrind-out-file="\$CALLGRIND_OUT" "$real" "\$@"
WRAP
chmod +x "$wrap"
for n in "$small" "$big"; do
	(
		export CALLGRIND_OUT=$out/callgrind.$n PADLINED=$wrap
		. "$repo/bench/padlined.sh" bench_cg benchcg
		"$BUILD_DIR/bench/bench_pads" --port "$port" --user "$user" \
			--password "$pw" --clients 16 --get 0 --count "$n" >"$out/bench.$n"
		bench_cleanup
		trap - EXIT
	)
	grep -q "loops=$n errors=0" "$out/bench.$n" || { cat "$out/bench.$n"; exit 1; }
done
python3 - "$out" "$small" "$big" <<'PY'
import subprocess, sys, collections
out, small, big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def table(n, mode):
    # Self Ir per function (mode "fn") or per shared object ("obj"), or
    # padlined's functions with what they call (mode "incl").
    args = ["callgrind_annotate", "--threshold=100",
            "--inclusive=" + ("yes" if mode == "incl" else "no"),
            "--show-percs=no", "--auto=no"]
    r = subprocess.run(args + ["%s/callgrind.%d" % (out, n)],
                       capture_output=True, text=True, check=True).stdout
    t = collections.Counter()
    for line in r.splitlines():
        parts = line.split()
        if len(parts) < 2 or not parts[0].replace(",", "").isdigit():
            continue
        ir = int(parts[0].replace(",", ""))
        rest = line.split(None, 1)[1]
        rest = rest.split(")", 1)[1].strip() if rest.startswith("(") else rest
        if " [" in rest:
            fn, obj = rest.rsplit(" [", 1)
            obj = obj.rstrip("]").rsplit("/", 1)[-1]
        else:
            fn, obj = rest, "?"
        if "PROGRAM TOTALS" in line:
            t["TOTAL"] += ir
        elif mode == "incl" and obj != "padlined":
            continue
        elif mode == "obj":
            t[obj] += ir
        else:
            t["%s [%s]" % (fn.split(":")[-1], obj)] += ir
    return t
d = big - small
titles = {"obj": "shared object", "fn": "function",
          "incl": "padlined function, with its callees"}
for mode in ("obj", "fn", "incl"):
    a, b = table(small, mode), table(big, mode)
    keys = sorted(set(a) | set(b), key=lambda k: -(b[k] - a[k]))
    print("Ir per create, by %s:" % titles[mode])
    for k in keys[: 12 if mode == "obj" else 40]:
        print("%10.0f  %s" % ((b[k] - a[k]) / d, k))
    print()
PY
