#!/usr/bin/env python3
"""Signups from addresses of the test's choosing, as a load balancer sends
them: each registration on a new connection from 127.0.0.2 (the suite's
padlined trusts only that address, PADLINE_TRUSTED_PROXIES) that starts
with a PROXY v1 header naming the client (tests/tui_frames_dash_test.sh).

  signup_source.py PORT one SRC USERNAME [EMAIL]
      one registration from SRC; prints padlined's answer.
  signup_source.py PORT wave NET24 COUNT SECONDS NORMAL_PER_S LOG
      COUNT signups from NET24.1, NET24.2, ... spread over SECONDS, beside
      NORMAL_PER_S a second from other networks (198.18.0.0/15, one /24
      each) for as long; LOG gets "<unix time in ms> <username>" for each
      answered registration, and "done" at the end. Exits 1 if one failed.

Every loop is bounded by COUNT and SECONDS; it sends only to 127.0.0.1.
"""
import json
import socket
import sys
import threading
import time

PASSWORD = "Wave-passw0rd!x"


def call(f, sock, method, params, rid):
    sock.sendall((json.dumps({"jsonrpc": "2.0", "id": rid, "method": method,
                              "params": params}) + "\n").encode())
    return json.loads(f.readline())


def register(port, src, username, email=None):
    """One registration from src: padlined's answer (a dict)."""
    for _ in range(60):
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.connect(("127.0.0.1", port))
        s.sendall(f"PROXY TCP4 {src} 127.0.0.1 40000 7411\r\n".encode())
        f = s.makefile("r", encoding="utf-8")
        try:
            hello = call(f, s, "server.hello", {}, 1)
            params = {"form_token": hello["result"]["form_token"],
                      "username": username, "password": PASSWORD}
            if email:
                params["email"] = email
            r = call(f, s, "user.register", params, 2)
        finally:
            f.close()
            s.close()
        # 503: padlined is busy (a loaded machine); the same again.
        if r.get("error", {}).get("code") != 503:
            return r
        time.sleep(0.2)
    return r


def paced(port, count, seconds, src_of, name_of, log, lock, t0, failed):
    for i in range(count):
        due = t0 + seconds * i / count
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        name = name_of(i)
        r = register(port, src_of(i), name)
        with lock:
            if "error" in r:
                failed.append(f"{name}: {r['error']}")
            else:
                log.write(f"{time.time() * 1000:.0f} {name}\n")
                log.flush()


def wave(port, net, count, seconds, normal, log_path):
    lock, failed = threading.Lock(), []
    t0 = time.monotonic()
    with open(log_path, "w") as log:
        runs = [
            (count, lambda i: f"{net}.{i % 250 + 1}", lambda i: f"wave{i}"),
            (int(normal * seconds),
             lambda i: f"198.{18 + i // 256}.{i % 256}.7",
             lambda i: f"calm{i}"),
        ]
        threads = [threading.Thread(target=paced, args=(
            port, n, seconds, src, name, log, lock, t0, failed))
            for n, src, name in runs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        log.write("done\n")
    if failed:
        print("\n".join(failed[:10]), file=sys.stderr)
        return 1
    return 0


def main():
    port, what = int(sys.argv[1]), sys.argv[2]
    if what == "one":
        r = register(port, sys.argv[3], sys.argv[4],
                     sys.argv[5] if len(sys.argv) > 5 else None)
        print(json.dumps(r))
        return 0 if "result" in r else 1
    net, count, seconds, normal, log = sys.argv[3:8]
    return wave(port, net, int(count), float(seconds), float(normal), log)


if __name__ == "__main__":
    sys.exit(main())
