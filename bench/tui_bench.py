#!/usr/bin/env python3
"""padline (the TUI) under load, on a pty, against a real padlined.

1. Keystroke to screen on the pads list with N pads (default 10 000): the
   time from writing G (last pad) or g (first pad) to the pty until that
   pad's name has come out of it, repeated; median / p90 / max.
2. padline's CPU with the dashboard shown while R user.created events a
   second (default 1 000) are published on padline:events:<schema> (the
   channel its server.hello names) for S seconds:
   (utime + stime) / wall, from /proc.

Usage (after scripts/stack start; eval "$(scripts/stack env)"):
    bench/tui_bench.py [--pads 10000] [--rate 1000] [--seconds 10]
                       [--tui build/tui/padline] [--server build/server/padlined]
Prints one line per figure. Stops its padlined and drops its schema.
"""
import argparse, json, os, pty, select, signal, socket, statistics, struct
import subprocess, sys, tempfile, termios, fcntl, time
from urllib.parse import urlparse


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def psql(url, schema, sql):
    return subprocess.run(["psql", url, "-Atqc", f'SET search_path TO "{schema}"; {sql}'],
                          check=True, capture_output=True, text=True).stdout.strip()


class Rpc:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.f = self.s.makefile("rb")
        self.n = 0

    def call(self, method, params=None):
        self.n += 1
        self.s.sendall((json.dumps({"jsonrpc": "2.0", "id": self.n, "method": method,
                                    "params": params or {}}) + "\n").encode())
        return json.loads(self.f.readline())


class Pty:
    """padline on a pseudo-terminal of 100x30; output is drained always."""

    def __init__(self, argv, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvpe(argv[0], argv, env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        os.kill(self.pid, signal.SIGWINCH)
        self.buf = b""

    def read_until(self, needle, timeout=60):
        """Reads until needle is in the output since the last call; returns
        the time it was seen (monotonic)."""
        needle = needle.encode()
        end = time.monotonic() + timeout
        while needle not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(needle)
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                self.buf += os.read(self.fd, 65536)
        seen = time.monotonic()
        self.buf = b""
        return seen

    def drain(self, seconds):
        """Reads and drops output for a while; True if it had 'bench'."""
        end, seen = time.monotonic() + seconds, False
        while time.monotonic() < end:
            r, _, _ = select.select([self.fd], [], [], max(0, end - time.monotonic()))
            if r:
                try:
                    seen = b"bench" in os.read(self.fd, 65536) or seen
                except OSError:
                    return seen
        return seen

    def send(self, b):
        os.write(self.fd, b)

    def cpu_ticks(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    def stop(self):
        try:
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
        except OSError:
            pass


def redis_publisher(url):
    u = urlparse(url)
    s = socket.create_connection((u.hostname or "127.0.0.1", u.port or 6379))
    if u.password:
        s.sendall(f"*2\r\n$4\r\nAUTH\r\n${len(u.password)}\r\n{u.password}\r\n".encode())
        s.recv(100)
    return s


def event_signer(secret):
    """Signs an event as padlined does (docs/protocol.md, "Signed messages"),
    one event per signature: the TUI pays one signature check per message,
    its worst case."""
    import hashlib
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    key_seed = hashlib.blake2b(secret.encode(), digest_size=32, key=b"padline event signing").digest()
    key = Ed25519PrivateKey.from_private_bytes(key_seed)

    def sign(text):
        h = hashlib.blake2b(text.encode(), digest_size=32).digest()
        return f"es1.{key.sign(b'padline events v1' + bytes([10]) + h).hex()}.{h.hex()}.{text}"
    return sign


def group_signer(secret):
    """Signs events in groups as padlined publishes a burst: one signature
    over the hashes of up to 8 events, each message carrying them all
    (docs/protocol.md, "Signed messages"); the TUI checks one signature
    per group."""
    import hashlib
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    key_seed = hashlib.blake2b(secret.encode(), digest_size=32, key=b"padline event signing").digest()
    key = Ed25519PrivateKey.from_private_bytes(key_seed)

    def sign(texts):
        out = []
        for i in range(0, len(texts), 8):
            group = texts[i:i + 8]
            hs = b"".join(hashlib.blake2b(t.encode(), digest_size=32).digest() for t in group)
            sig = key.sign(b"padline events v1" + bytes([10]) + hs).hex()
            out += [f"es1.{sig}.{hs.hex()}.{t}" for t in group]
        return out
    return sign


def resp(*args):
    out = f"*{len(args)}\r\n"
    for a in args:
        a = str(a)
        out += f"${len(a.encode())}\r\n{a}\r\n"
    return out.encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pads", type=int, default=10000)
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--presses", type=int, default=40)
    ap.add_argument("--tui", default="build/tui/padline")
    ap.add_argument("--server", default="build/server/padlined")
    a = ap.parse_args()
    db, redis = os.environ["DATABASE_URL"], os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
    schema = f"bench_tui_{os.getpid()}"
    port = free_port()
    tmp = tempfile.mkdtemp(prefix="padline-bench-")
    env = dict(os.environ, PADLINE_LISTEN=f"127.0.0.1:{port}", PADLINE_SCHEMA=schema,
               PADLINE_SECRET="bench-secret-0123456789", PADLINE_PWHASH_OPSLIMIT="1",
               PADLINE_PWHASH_MEMLIMIT="8388608", PADLINE_LOG="warn")
    srv = subprocess.Popen([a.server], env=env, stderr=subprocess.DEVNULL)
    ptys = []
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
        rpc = Rpc(port)
        rpc.call("session.login", {"username": "admin", "password": pw})
        psql(db, schema, f"INSERT INTO pads (owner_id, display_name, data, updated_at) "
                         f"SELECT (SELECT id FROM users WHERE username = 'admin'), "
                         f"'pad ' || g || ' ' || substr(md5(g::text), 1, 10), jsonb_build_object('n', g), "
                         f"now() - g * interval '1 second' FROM generate_series(1, {a.pads}) g")
        # The Redis URL in the environment, never on a command line.
        tenv = dict(os.environ, XDG_STATE_HOME=tmp, TERM="xterm-256color", LANG="C.UTF-8",
                    LC_ALL="C.UTF-8", PADLINE_DASH_REDIS_URL=redis)
        tenv.pop("PADLINE_TOKEN", None)
        argv = [a.tui, "--server", f"127.0.0.1:{port}"]

        # 1. keystroke to screen, pads list. Signed in through the form:
        # padline saves the session where it keeps them, and the second
        # padline below resumes it.
        t = Pty(argv, tenv)
        ptys.append(t)
        t.read_until("Sign in to padline", timeout=60)
        t.send(b"\x15admin\t" + pw.encode() + b"\r")
        # The list is paged from the server in its order: G pages to the
        # very end (every page of 1 000), g comes back to the first row.
        # Its two ends, by their md5 part:
        page = rpc.call("pad.list", {"limit": 1000})["result"]
        first = page["pads"][0]["display_name"].split()[-1]
        while page["next"]:
            page = rpc.call("pad.list", {"limit": 1000, "after": page["next"]})["result"]
        last = page["pads"][-1]["display_name"].split()[-1]
        t.read_until(first, timeout=120)
        t.drain(1.0)
        lat = []
        for i in range(a.presses):
            key, want = (b"G", last) if i % 2 == 0 else (b"g", first)
            t0 = time.monotonic()
            t.send(key)
            lat.append((t.read_until(want, timeout=30) - t0) * 1000)
        lat.sort()
        print(f"keystroke->screen, pads list with {a.pads} pads, G/g x{len(lat)}: "
              f"median {statistics.median(lat):.1f} ms, p90 {lat[int(len(lat) * 0.9) - 1]:.1f} ms, "
              f"max {lat[-1]:.1f} ms")
        t.stop()
        ptys.remove(t)

        # 2. CPU with the dashboard under a stream of signups
        t = Pty(argv, tenv)
        ptys.append(t)
        t.read_until(first, timeout=120)
        t.send(b"2")
        t.read_until("Signups per minute", timeout=60)
        t.drain(3.0)  # subscribed (curses redraws only what changes)
        pub = redis_publisher(redis)
        sign = event_signer(env["PADLINE_SECRET"])
        hz = os.sysconf("SC_CLK_TCK")
        c0, w0 = t.cpu_ticks(), time.monotonic()
        sent, base, shown = 0, 10**12 + os.getpid() * 10**6, False
        batch = max(1, a.rate // 50)
        while time.monotonic() - w0 < a.seconds:
            due = int((time.monotonic() - w0) * a.rate)
            out = b""
            while sent < due and sent - due < batch:
                ev = {"id": base + sent, "action": "user.created",
                      "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                      "subject": {"id": f"bench-{base + sent}", "username": f"bench{sent}",
                                  "email": None, "totp_enabled": False,
                                  "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}}
                out += resp("PUBLISH", f"padline:events:{schema}", sign(json.dumps(ev)))
                sent += 1
            if out:
                pub.sendall(out)
            shown = t.drain(0.02) or shown
        c1, w1 = t.cpu_ticks(), time.monotonic()
        print(f"dashboard CPU at {sent / (w1 - w0):.0f} signups/s for {w1 - w0:.1f} s: "
              f"{100.0 * (c1 - c0) / hz / (w1 - w0):.1f}% of one core"
              f"{'' if shown else ' (NO signup reached the screen!)'}")
        t.stop()
        ptys.remove(t)
    finally:
        for t in ptys:
            t.stop()
        srv.terminate()
        srv.wait()
        subprocess.run(["psql", db, "-qc", f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'],
                       capture_output=True)
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
