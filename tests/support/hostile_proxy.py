#!/usr/bin/env python3
"""A hostile padlined: speaks the line protocol to the client by relaying a
real padlined, and turns every reply into an attack on the client's
terminal (tests/tui_hostile_test.sh).

  hostile_proxy.py LISTEN_PORT SERVER_PORT DIR

- Before the first reply on each connection it sends junk lines: NULs, a
  line that is not UTF-8, raw escape sequences that are not JSON, and a
  10 MB line; none answers a request, so the client must skip them all.
  While DIR/oversize exists, the next connection first gets a line over
  the client's 16 MB limit (and the file is removed): the client must drop
  that connection and carry on with a new one.
- In every reply a string "mallory" (a username that padlined accepts)
  becomes HOSTILE_NAME and "mallory@example.org" HOSTILE_EMAIL: what a
  hostile server could say about a user.
- Every error message gets HOSTILE_TAIL appended, and the reply to a
  session.login as "boom" becomes a 500 whose message is "server on
  fire" + HOSTILE_TAIL (a message the sign-in form shows).

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


def pump(src, dst, booms, replies, oversize=False):
    """Relays src to dst: requests as they are, replies made hostile.
    booms holds the ids of "boom" logins, from the requests to the
    replies."""
    junk_sent = not replies
    try:
        for line in src.makefile("rb"):
            if not replies:
                boom = boom_login(line)
                if boom is not None:
                    booms.add(boom)
                dst.sendall(line)
                continue
            if not junk_sent:
                if oversize:
                    dst.sendall(b'{"x":"' + b"B" * (17 << 20) + b'"}\n')
                for j in JUNK:
                    dst.sendall(j)
                junk_sent = True
            try:
                mine = json.loads(line).get("id") in booms
            except (ValueError, AttributeError, TypeError):
                mine = False
            dst.sendall(on_fire(line) if mine else hostile(line))
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    lport, port, flags = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", lport))
    ls.listen(16)
    while True:
        c, _ = ls.accept()
        try:
            s = socket.create_connection(("127.0.0.1", port))
        except OSError:
            c.close()
            continue
        booms = set()
        big = take_flag(os.path.join(flags, "oversize"))
        threading.Thread(target=pump, args=(c, s, booms, False),
                         daemon=True).start()
        threading.Thread(target=pump, args=(s, c, booms, True, big),
                         daemon=True).start()


if __name__ == "__main__":
    main()
