# The JSON-RPC side of tests/redis_sentinel_test.sh, one line per request
# over TCP: sign in, ask server.health, and register users in a steady
# stream until told to stop.
#   sentinel_client.py PORT login USER      (password on stdin) -> token
#   sentinel_client.py PORT health          -> the "redis" of server.health
#   sentinel_client.py PORT register PREFIX NAMES STOP
#       registers PREFIX1, PREFIX2 ... and appends each name padlined
#       accepted to NAMES, until the file STOP exists
import json
import os
import socket
import sys
import time

PASSWORD = "Sentinel-Passw0rd!"


class Rpc:
    def __init__(self, port):
        self.port = port
        self.n = 0
        self.connect()

    def connect(self):
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        self.f = self.sock.makefile("rb")

    def call(self, method, params):
        self.n += 1
        line = json.dumps({"jsonrpc": "2.0", "id": self.n, "method": method, "params": params})
        self.sock.sendall(line.encode() + b"\n")
        while True:
            reply = json.loads(self.f.readline())
            if reply.get("id") == self.n:
                return reply


def register(rpc, prefix, names, stop):
    i = 0
    while not os.path.exists(stop):
        i += 1
        name = "%s%d" % (prefix, i)
        while True:
            token = rpc.call("server.hello", {})["result"]["form_token"]
            r = rpc.call("user.register", {"form_token": token, "username": name, "password": PASSWORD})
            if "result" in r:
                break
            # 503 while a dependency is away: try the same name again.
            if r["error"]["code"] not in (429, 503):
                sys.exit("register %s: %s" % (name, json.dumps(r)))
            time.sleep(0.1)
        with open(names, "a") as f:
            f.write(name + "\n")


def main():
    port, cmd = int(sys.argv[1]), sys.argv[2]
    rpc = Rpc(port)
    if cmd == "login":
        r = rpc.call("session.login", {"username": sys.argv[3], "password": sys.stdin.readline().strip()})
        print(r["result"]["token"])
    elif cmd == "health":
        print(rpc.call("server.health", {})["result"]["redis"])
    elif cmd == "register":
        register(rpc, sys.argv[3], sys.argv[4], sys.argv[5])


main()
