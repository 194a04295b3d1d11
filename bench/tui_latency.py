#!/usr/bin/env python3
"""Keystroke -> frame latency of padline (the TUI), from its headless mode
(padline --frames: `measure` times each key from the moment the script
hands it over to the end of the frame drawn after it; padline(1), FRAMES),
against a real padlined:

1. the Pads screen with N pads (default 10 000): Down, and PgDn/PgUp;
2. what padlined sends at R events a second (default 1 000): pad.create
   at that rate for 5 s, and the signed groups its events came in on the
   channel (events per group), with padlined's CPU per create;
3. the dashboard while R signed user.created events a second (each with
   its network, fill time and flags) and an alarm a second arrive on the
   channel server.hello names, with the rates strip, the alarms panel and
   a filter on: padline's CPU (% of one core, over 10 s) and p (pause /
   resume); once with one signature per event (the worst case), once
   signed in the groups padlined was seen to send in 2.

Usage (after scripts/stack start; eval "$(scripts/stack env)"):
    bench/tui_latency.py [--pads 10000] [--rate 1000] [--keys 300]
                         [--tui build/tui/padline] [--server build/server/padlined]
Prints one line per figure (p50, p99, max; CPU). Goals on the dashboard:
under 5 % of a core, p99 under 16 ms. Stops its padlined and drops
its schema.
"""
import argparse, json, os, socket, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tui_bench import Rpc, event_signer, free_port, group_signer, psql, redis_publisher, resp  # noqa: E402


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
    """user.created events at rate a second, in batches every 20 ms, each
    with what the signup defense saw (subject.signup), one network in ten
    the wave's; and a signup.alarm a second for the alarms panel. sign
    takes a batch's texts and gives its messages."""
    pub = redis_publisher(redis)
    base, sent, t0 = 10**12 + os.getpid() * 10**6, 0, time.monotonic()
    while not stop.is_set():
        due = int((time.monotonic() - t0) * rate)
        texts = []
        while sent < due:
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            net = "203.0.113.0/24" if sent % 10 == 0 else f"198.18.{sent % 250}.0/24"
            texts.append(json.dumps({
                "id": base + sent, "action": "user.created", "at": now,
                "subject": {"id": f"bench-{base + sent}", "username": f"bench{sent}",
                            "email": None, "totp_enabled": False, "created_at": now,
                            "signup": {"network": net, "fill_ms": sent % 3000,
                                       "flags": ["fast"] if sent % 3000 < 1500 else []}}}))
            sent += 1
            if sent % rate == 0:
                texts.append(json.dumps({
                    "id": base + sent + 500000, "action": "signup.alarm", "at": now,
                    "subject": {"rule": "net-velocity", "key": net, "count": 5,
                                "window_s": 60, "user_ids": []}}))
        out = b"".join(resp("PUBLISH", channel, m) for m in sign(texts))
        if out:
            pub.sendall(out)
        counter[0] = sent / max(1e-9, time.monotonic() - t0)
        time.sleep(0.02)


def subscriber(url, channel):
    """Subscribes to channel (returns once Redis confirmed it); the
    generator it returns yields each message's payload (bytes)."""
    s = redis_publisher(url)
    s.sendall(resp("SUBSCRIBE", channel))
    f = s.makefile("rb")

    def bulk():
        n = int(f.readline()[1:])
        return f.read(n + 2)[:-2]
    f.readline(), bulk(), bulk(), f.readline()  # *3 subscribe CHANNEL :1

    def messages():
        while True:
            f.readline()  # *3
            bulk(), bulk()  # message CHANNEL
            yield bulk()
    return messages()


def cpu_s(pid):
    """CPU seconds pid has used (every thread, user and system)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def padlined_groups(srv, port, pw, redis, channel, rate, seconds):
    """What a real padlined (process srv) sends at rate events a second:
    pad.create at that rate, evenly paced over 8 signed-in connections
    (requests are written on time whatever the answers do), for seconds;
    its pad.created events read back from the channel. Returns the sizes
    of the signed groups they came in (the hashes each message carries),
    in order, the rate reached and padlined's CPU microseconds per
    create."""
    conns = []
    for _ in range(8):
        c = Rpc(port)
        c.call("session.login", {"username": "admin", "password": pw})
        conns.append(c)
    sizes, seen, total = {}, [0], rate * seconds
    sub = subscriber(redis, channel)
    done = threading.Event()

    def read():
        for msg in sub:
            sig, hashes, text = msg.split(b".", 3)[1:]
            if b'"pad.created"' not in text:
                continue
            sizes.setdefault(sig, len(hashes) // 64)
            seen[0] += 1
            if seen[0] == total:
                done.set()
                return
    rd = threading.Thread(target=read, daemon=True)
    rd.start()

    def drain(c, n):
        for _ in range(n):
            c.f.readline()
    drains = [threading.Thread(target=drain, args=(c, len(range(k, total, 8))), daemon=True)
              for k, c in enumerate(conns)]
    for d in drains:
        d.start()
    t0, tag, c0 = time.monotonic(), os.getpid(), cpu_s(srv.pid)
    for i in range(total):
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        conns[i % 8].s.sendall((json.dumps({
            "jsonrpc": "2.0", "id": i, "method": "pad.create",
            "params": {"display_name": f"groups {tag} {i}"}}) + "\n").encode())
    took = time.monotonic() - t0
    if not done.wait(120):
        raise RuntimeError(f"only {seen[0]} of {total} pad.created events came")
    for d in drains:
        d.join()
    return list(sizes.values()), total / took, (cpu_s(srv.pid) - c0) * 1e6 / total


def sized_signer(secret, sizes):
    """Signs events in groups of the sizes given, in turn (those padlined
    was seen to send): a group goes out once it is complete, so the
    stream's batches do not cut groups padlined would have kept whole."""
    sign_group = group_signer(secret)
    pending, k = [], [0]

    def sign(texts):
        out = []
        pending.extend(texts)
        while len(pending) >= sizes[k[0] % len(sizes)]:
            n = sizes[k[0] % len(sizes)]
            out += sign_group(pending[:n])
            del pending[:n]
            k[0] += 1
        return out
    return sign


def dashboard(argv, tenv, login, tmp, keys):
    """The dashboard with the strip, the alarms panel and a filter on, under
    the stream: padline's CPU over 10 s (the script's shell's parent) and
    the latency of p (pause / resume)."""
    cpu = os.path.join(tmp, "cpu")
    with open(os.path.join(tmp, "cpu.sh"), "w") as f:
        f.write('a=$(cut -d" " -f14,15 /proc/$1/stat); sleep 10; '
                'b=$(cut -d" " -f14,15 /proc/$1/stat); '
                f'echo $a $b $(getconf CLK_TCK) > {cpu}\n')
    # A state of its own: a saved session would skip the sign-in the
    # script types.
    state = tempfile.mkdtemp(dir=tmp)
    out = frames(argv, dict(tenv, PADLINE_BELL="off", XDG_STATE_HOME=state),
                 login + "key 2\nexpect Signups per minute\nexpect bench\n"
                 "key /\ntype net:203.0.113.0/24 flag:fast\nkey <Enter>\n"
                 "expect net-velocity\n"
                 f"run sh {tmp}/cpu.sh $PPID\nmeasure {keys} p\n")
    u0, s0, u1, s1, hz = (int(x) for x in open(cpu).read().split())
    pct = 100.0 * ((u1 + s1) - (u0 + s0)) / hz / 10
    return pct, out[0][len('latency '):]


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

        # 2. the dashboard under a steady stream of signups, signed as
        # padlined signs a stream at that rate
        rpc = Rpc(port)
        channel = rpc.call("server.hello", {})["result"]["events"]["channel"]
        sizes, got, us = padlined_groups(srv, port, pw, redis, channel, a.rate, 5)
        per_group = sum(sizes) / len(sizes)
        print(f"padlined at {got:.0f} pad.create/s for 5 s: its {a.rate * 5} pad.created events came in "
              f"{len(sizes)} signed groups of {per_group:.2f} events on average; "
              f"padlined CPU {us:.0f} us per pad.create")
        one = event_signer(secret)
        for what, sign in (("one signature per event (worst case)", lambda ts: [one(t) for t in ts]),
                           (f"signed in the groups padlined sent ({per_group:.2f} events per group)",
                            sized_signer(secret, sizes))):
            rate, stop = [0.0], threading.Event()
            th = threading.Thread(target=publish, daemon=True,
                                  args=(redis, channel, sign, a.rate, stop, rate))
            th.start()
            try:
                pct, lat = dashboard(argv, tenv, login, tmp, a.keys)
                print(f"dashboard at {rate[0]:.0f} signups/s, strip, alarms panel and filter on, "
                      f"{what}: padline CPU {pct:.1f} % of one core over 10 s; p x{a.keys}: {lat}")
            finally:
                stop.set()
                th.join()
    finally:
        stop.set()
        srv.terminate()
        srv.wait()
        subprocess.run(["psql", db, "-qc", f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'],
                       capture_output=True)
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
