#!/usr/bin/env python3
"""Keystroke -> frame latency of padline (the TUI), from its headless mode
(padline --frames: `measure` times each key from the moment the script
hands it over to the end of the frame drawn after it; padline(1), FRAMES),
against a real padlined:

1. the Pads screen with N pads (default 10 000): Down, and PgDn/PgUp;
2. the dashboard while R signed user.created events a second (default
   1 000) arrive on the channel server.hello names: p (pause / resume).

Usage (after scripts/stack start; eval "$(scripts/stack env)"):
    bench/tui_latency.py [--pads 10000] [--rate 1000] [--keys 300]
                         [--tui build/tui/padline] [--server build/server/padlined]
Prints one line per figure (p50, p99, max). Stops its padlined and drops
its schema.
"""
import argparse, json, os, socket, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tui_bench import Rpc, event_signer, free_port, psql, redis_publisher, resp  # noqa: E402


def frames(argv, env, script, size="100x30"):
    """padline --frames with script; its `measure` lines, or an exception
    with padline's complaint."""
    with tempfile.NamedTemporaryFile("w", suffix=".script", delete=False) as f:
        f.write(script)
    try:
        log = ["--frames-log", os.environ["BENCH_FRAMES_LOG"]] if os.environ.get("BENCH_FRAMES_LOG") else []
        p = subprocess.run(argv + ["--frames", f.name, "--frames-size", size] + log, env=env,
                           capture_output=True, text=True, timeout=900)
    finally:
        os.unlink(f.name)
    if p.returncode != 0:
        raise RuntimeError(f"padline --frames failed ({p.returncode}):\n{p.stderr}")
    return [line for line in p.stdout.splitlines() if line.startswith("latency ")]


def publish(redis, channel, sign, rate, stop, counter):
    """user.created events at rate a second, in batches every 20 ms."""
    pub = redis_publisher(redis)
    base, sent, t0 = 10**12 + os.getpid() * 10**6, 0, time.monotonic()
    while not stop.is_set():
        due = int((time.monotonic() - t0) * rate)
        out = b""
        while sent < due:
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            ev = {"id": base + sent, "action": "user.created", "at": now,
                  "subject": {"id": f"bench-{base + sent}", "username": f"bench{sent}",
                              "email": None, "totp_enabled": False, "created_at": now}}
            out += resp("PUBLISH", channel, sign(json.dumps(ev)))
            sent += 1
        if out:
            pub.sendall(out)
        counter[0] = sent / max(1e-9, time.monotonic() - t0)
        time.sleep(0.02)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pads", type=int, default=10000)
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--keys", type=int, default=300)
    ap.add_argument("--tui", default="build/tui/padline")
    ap.add_argument("--server", default="build/server/padlined")
    a = ap.parse_args()
    db, redis = os.environ["DATABASE_URL"], os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
    schema = f"bench_lat_{os.getpid()}"
    port = free_port()
    tmp = tempfile.mkdtemp(prefix="padline-bench-")
    secret = "bench-secret-0123456789"
    env = dict(os.environ, PADLINE_LISTEN=f"127.0.0.1:{port}", PADLINE_SCHEMA=schema,
               PADLINE_SECRET=secret, PADLINE_PWHASH_OPSLIMIT="1",
               PADLINE_PWHASH_MEMLIMIT="8388608", PADLINE_LOG="warn")
    srv = subprocess.Popen([a.server], env=env, stderr=subprocess.DEVNULL)
    stop = threading.Event()
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.1)
        pw = "Bench-Passw0rd!"
        subprocess.run([a.server, "create-user", "admin", "--admin"], env=env, input=pw + "\n",
                       text=True, check=True, capture_output=True)
        psql(db, schema, f"INSERT INTO pads (owner_id, display_name, data, updated_at) "
                         f"SELECT (SELECT id FROM users WHERE username = 'admin'), "
                         f"'pad ' || g || ' ' || substr(md5(g::text), 1, 10), jsonb_build_object('n', g), "
                         f"now() - g * interval '1 second' FROM generate_series(1, {a.pads}) g")
        first = Rpc(port)
        first.call("session.login", {"username": "admin", "password": pw})
        first_name = first.call("pad.list", {"limit": 1})["result"]["pads"][0]["display_name"]
        tenv = dict(os.environ, XDG_STATE_HOME=tmp, TERM="xterm-256color", LANG="C.UTF-8",
                    LC_ALL="C.UTF-8", PADLINE_DASH_REDIS_URL=redis)
        tenv.pop("PADLINE_TOKEN", None)
        argv = [a.tui, "--server", f"127.0.0.1:{port}"]
        login = (f"expect Sign in to padline\nkey <C-u>\ntype admin\nkey <Tab>\ntype {pw}\n"
                 f"key <Enter>\ngone Sign in to padline\n")

        # 1. the pads list
        out = frames(argv, tenv, login + f"expect {first_name}\n"
                     f"measure {a.keys} <Down>\nmeasure {a.keys // 2} <PgDn> <PgUp>\n")
        print(f"Pads with {a.pads} pads, Down x{a.keys}: {out[0][len('latency '):]}")
        print(f"Pads with {a.pads} pads, PgDn/PgUp x{a.keys}: {out[1][len('latency '):]}")

        # 2. the dashboard under a steady stream of signups
        rpc = Rpc(port)
        channel = rpc.call("server.hello", {})["result"]["events"]["channel"]
        rate = [0.0]
        th = threading.Thread(target=publish, daemon=True,
                              args=(redis, channel, event_signer(secret), a.rate, stop, rate))
        th.start()
        out = frames(argv, tenv, login + "key 2\nexpect Signups per minute\nexpect bench\n"
                     f"measure {a.keys} p\n")
        print(f"dashboard at {rate[0]:.0f} signups/s, p x{a.keys}: {out[0][len('latency '):]}")
    finally:
        stop.set()
        srv.terminate()
        srv.wait()
        subprocess.run(["psql", db, "-qc", f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'],
                       capture_output=True)
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
