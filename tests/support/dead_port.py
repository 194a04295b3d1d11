#!/usr/bin/env python3
"""What a client may find on padlined's port while padlined is away, for the
reconnect suites (tests/tui_frames_reconnect_test.sh):

  dead_port.py MODE PORT LOG

- close: accepts every connection and closes it at once (a balancer with no
  instance up); each one appends "accepted" to LOG.
- hold: accepts one connection, appends "accepted" to LOG, stops listening
  (the port is free for padlined again) and keeps that connection open
  without a word until the client closes it (then exits) or it is killed:
  a peer that hangs.
- drop: listens with a full accept queue and never accepts, so the kernel
  drops every SYN and a connect hangs; appends "full" to LOG once the queue
  is full. Killed, the port refuses again.

close and hold append "listening" to LOG once they listen.
"""
import socket
import sys
import time


def listener(port, backlog):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(backlog)
    return s


def say(log, word):
    with open(log, "a") as f:
        f.write(word + "\n")


def main():
    mode, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if mode == "close":
        s = listener(port, 16)
        say(log, "listening")
        while True:
            c, _ = s.accept()
            c.close()
            say(log, "accepted")
    elif mode == "hold":
        s = listener(port, 16)
        say(log, "listening")
        c, _ = s.accept()
        s.close()
        say(log, "accepted")
        try:
            while c.recv(65536):
                pass  # read and never answer
        except OSError:
            pass  # reset by the client: gone as well
    elif mode == "drop":
        s = listener(port, 0)
        # Backlog 0 queues one connection: these fill it (and one more
        # for good measure) and are never accepted.
        fill = []
        for _ in range(2):
            c = socket.socket()
            c.setblocking(False)
            try:
                c.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            fill.append(c)
        say(log, "full")
        while True:
            time.sleep(3600)
    else:
        sys.exit("dead_port.py: unknown mode " + mode)


main()
