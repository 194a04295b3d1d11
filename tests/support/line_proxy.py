#!/usr/bin/env python3
"""The test suites' proxy: relays padlined's JSON-RPC lines between a client
and a real padlined, one line at a time, and can hold, record or attack
(tests/support/tui_lib.sh, tests/tui_servers_test.sh,
tests/tui_hostile_test.sh).

  line_proxy.py [--hostile] DIR LISTEN_PORT SERVER_PORT [RECORD]

- While DIR/hold names a method, the reply to a request for it is held:
  the proxy appends "held" to DIR/held and forwards the reply only once
  DIR/release exists. So "a request in flight" lasts exactly as long as
  the test wants. "METHOD N" holds only the Nth request for METHOD since
  DIR/hold was written (the ones before and after it go through): a late
  answer to a request sent twice. Each request it counts appends a line
  to DIR/asked, so a test knows when the Nth one went out.
- While DIR/await exists, a connection made while padlined does not listen
  waits for it (a restart) instead of being closed.
- RECORD, when given, gets every line a client sends appended.
- --hostile makes it a hostile padlined: before the first reply on each
  connection it sends junk lines: NULs, a line that is not UTF-8, raw
  escape sequences that are not JSON, and a 10 MB line; none answers a
  request, so the client must skip them all. While DIR/oversize exists,
  the next connection first gets a line over the client's 16 MB limit
  (and the file is removed): the client must drop that connection and
  carry on with a new one. In every reply a string "mallory" (a username
  that padlined accepts) becomes HOSTILE_NAME and "mallory@example.org"
  HOSTILE_EMAIL: what a hostile server could say about a user. Every error
  message gets HOSTILE_TAIL appended, and the reply to a session.login as
  "boom" becomes a 500 whose message is "server on fire" + HOSTILE_TAIL (a
  message the sign-in form shows).

The hostile strings set the window title (OSC 0), write the clipboard
(OSC 52), clear the screen (ED), use a C1 CSI, DEL and bidi overrides.
C1 and bidi controls go on the wire raw (ensure_ascii=False), C0 as JSON's
own \\u escapes (JSON allows no raw C0 in a string).
"""
import json
import os
import socket
import sys
import threading
import time

HOSTILE_NAME = ("mal\x1b]0;pwned\x07\x1b]52;c;cHduZWQ=\x07\x9b31m"
                "\u202eevil\u2066\x7f")
HOSTILE_EMAIL = "m\x9b2J\u202d@\x1b[2Jx\x1bc.org"
HOSTILE_TAIL = " \x1b]0;pwned\x07\u202eboom\x9b"
JUNK = [
    b"\x00\x00\x00 NUL line\n",
    b'{"jsonrpc":"2.0","id":999999,"result":{"x":"\xff\xfe not UTF-8"}}\n',
    b"\x1b]0;pwned\x07\x1b[2J\xc2\x9b raw escapes, not JSON\n",
    b'{"jsonrpc":"2.0","id":999998,"result":"' + b"A" * (10 << 20) + b'"}\n',
]


def rewrite(v):
    if isinstance(v, dict):
        return {k: rewrite(x) for k, x in v.items()}
    if isinstance(v, list):
        return [rewrite(x) for x in v]
    if v == "mallory":
        return HOSTILE_NAME
    if v == "mallory@example.org":
        return HOSTILE_EMAIL
    return v


def hostile(line):
    try:
        msg = json.loads(line)
    except ValueError:
        return line
    if isinstance(msg, dict) and isinstance(msg.get("error"), dict):
        msg["error"]["message"] = str(msg["error"].get("message")) + HOSTILE_TAIL
    elif rewrite(msg) == msg:
        return line  # nothing to attack: the very bytes padlined sent
    msg = rewrite(msg)
    return json.dumps(msg, ensure_ascii=False).encode() + b"\n"


def boom_login(line):
    """The id of a session.login as "boom", else None."""
    try:
        msg = json.loads(line)
    except ValueError:
        return None
    if (isinstance(msg, dict) and msg.get("method") == "session.login"
            and isinstance(msg.get("params"), dict)
            and msg["params"].get("username") == "boom"):
        return msg.get("id")
    return None


def on_fire(line):
    """padlined's reply to a "boom" login, replaced by a 500 of ours (in
    the reply's place, so the replies stay in order)."""
    msg = json.loads(line)
    err = {"code": 500, "message": "server on fire" + HOSTILE_TAIL,
           "data": {"reason": "internal"}}
    return json.dumps({"jsonrpc": "2.0", "id": msg.get("id"), "error": err},
                      ensure_ascii=False).encode() + b"\n"


def take_flag(path):
    try:
        os.remove(path)
        return True
    except OSError:
        return False


class Conn:
    """What the two directions of one connection share."""

    def __init__(self, opts, oversize):
        self.opts = opts
        self.oversize = oversize
        self.held = set()   # ids of requests whose reply is to be held
        self.booms = set()  # ids of "boom" logins (hostile)


def hold_method(d):
    try:
        with open(os.path.join(d, "hold")) as f:
            return f.read().strip()
    except OSError:
        return ""


# Requests seen for the hold file's text ("METHOD N" counts from 1).
HOLD_SEEN = {"text": "", "n": 0}
HOLD_LOCK = threading.Lock()


def holds(d, method):
    """Whether the reply to this request for method is to be held."""
    text = hold_method(d)
    name, _, nth = text.partition(" ")
    with HOLD_LOCK:
        if HOLD_SEEN["text"] != text:
            HOLD_SEEN["text"], HOLD_SEEN["n"] = text, 0
        if not method or method != name:
            return False
        if not nth:
            return True
        HOLD_SEEN["n"] += 1
        with open(os.path.join(d, "asked"), "a") as a:
            a.write(method + "\n")
        return HOLD_SEEN["n"] == int(nth)


def parse(line):
    try:
        msg = json.loads(line)
    except ValueError:
        return None
    return msg if isinstance(msg, dict) else None


def request(conn, line, dst, record_lock):
    opts = conn.opts
    if opts["record"]:
        with record_lock, open(opts["record"], "ab") as r:
            r.write(line)
    msg = parse(line)
    if msg is not None:
        if holds(opts["dir"], msg.get("method")):
            conn.held.add(msg.get("id"))
    if opts["hostile"]:
        boom = boom_login(line)
        if boom is not None:
            conn.booms.add(boom)
    dst.sendall(line)


def reply(conn, line, dst):
    opts = conn.opts
    msg = parse(line)
    if msg is not None and msg.get("id") in conn.held:
        conn.held.discard(msg.get("id"))
        with open(os.path.join(opts["dir"], "held"), "a") as h:
            h.write("held\n")
        while not os.path.exists(os.path.join(opts["dir"], "release")):
            time.sleep(0.02)
    if opts["hostile"]:
        mine = msg is not None and msg.get("id") in conn.booms
        line = on_fire(line) if mine else hostile(line)
    dst.sendall(line)


def pump(src, dst, conn, is_reply, record_lock):
    junk_due = is_reply and conn.opts["hostile"]
    try:
        for line in src.makefile("rb"):
            if not is_reply:
                request(conn, line, dst, record_lock)
                continue
            if junk_due:
                if conn.oversize:
                    dst.sendall(b'{"x":"' + b"B" * (17 << 20) + b'"}\n')
                for j in JUNK:
                    dst.sendall(j)
                junk_due = False
            reply(conn, line, dst)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def connect_server(d, port):
    """A connection to padlined; None when it does not listen. While
    DIR/await exists, a padlined that is restarting is waited for (up to a
    minute), as a balancer queues a client while no instance is up."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port))
        except OSError:
            if (not os.path.exists(os.path.join(d, "await"))
                    or time.monotonic() > deadline):
                return None
            time.sleep(0.02)


def main():
    args = sys.argv[1:]
    opts = {"hostile": bool(args) and args[0] == "--hostile"}
    if opts["hostile"]:
        args = args[1:]
    if len(args) not in (3, 4):
        sys.exit(__doc__)
    opts["dir"], lport, port = args[0], int(args[1]), int(args[2])
    opts["record"] = args[3] if len(args) > 3 else None
    record_lock = threading.Lock()
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", lport))
    ls.listen(16)
    while True:
        c, _ = ls.accept()
        s = connect_server(opts["dir"], port)
        if s is None:
            c.close()
            continue
        big = opts["hostile"] and take_flag(os.path.join(opts["dir"],
                                                         "oversize"))
        conn = Conn(opts, big)
        threading.Thread(target=pump, args=(c, s, conn, False, record_lock),
                         daemon=True).start()
        threading.Thread(target=pump, args=(s, c, conn, True, record_lock),
                         daemon=True).start()


if __name__ == "__main__":
    main()
