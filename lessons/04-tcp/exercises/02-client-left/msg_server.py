#!/usr/bin/env python3
"""msg_server.py - a TCP server on 127.0.0.1 that prints the messages its
clients send, one client after another.

Exercise 04-tcp/02-client-left: the task is in README.md.

Usage: msg_server.py [-n COUNT]
  -n COUNT   end after COUNT clients have left, 0 = until a signal (default)

Its first line on stdout, once listen() has returned, is "listening on
127.0.0.1:PORT" (the kernel picks the port). A client connects, sends
frames (lesson 01's wire format: a 4-byte little-endian length, then the
bytes) and closes; the server prints each as "message N: TEXT", N counted
over all clients, bytes that are not printable ASCII as '.'.
A client, in bash:  printf '\5\0\0\0hello' >/dev/tcp/127.0.0.1/PORT
"""
import os
import signal
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "..", "python_peers"))
from ipclab.err import (close_stdout, die, fail, option_value, out,  # noqa: E402
                        parse_long, plural, progname, say)

MESSAGE_MAX = 65536


def serve(conn, name, n):
    """Print every message the client on conn sends, until it leaves; then
    close the connection. n: messages printed so far. Returns the new n."""
    buf = b""
    mine = 0
    while True:
        try:
            chunk = conn.recv(65536)
        except OSError as e:
            say(f"{progname()}: client {name}: recv: {e.strerror}")
            break
        # TODO: recv() returns b"" (0 bytes) when the client has closed its
        # end of the connection: it has left, and every later recv()
        # returns b"" again, at once. The loop below never looks, so it
        # spins at 100% CPU, and the connection stays in CLOSE-WAIT (ss
        # -tan) with no next client served. Notice it, and stop serving
        # this client.
        buf += chunk
        while len(buf) >= 4:
            (length,) = struct.unpack_from("<i", buf)
            if not 0 <= length <= MESSAGE_MAX:      # check it before we trust it
                say(f"{progname()}: client {name}: frame length {length} is out of "
                    f"range (0 to {MESSAGE_MAX} bytes): closing")
                conn.close()
                return n
            if len(buf) < 4 + length:
                break                               # the rest of it has not arrived yet
            text = "".join(chr(b) if 32 <= b < 127 else "." for b in buf[4:4 + length])
            buf = buf[4 + length:]
            n, mine = n + 1, mine + 1
            out(f"message {n}: {text}")
    conn.close()
    left = f", {len(buf)} bytes of a message unfinished" if buf else ""
    say(f"{progname()}: client {name} left after {mine} {plural(mine, 'message', 'messages')}{left}")
    return n


def main(argv):
    count, clients, n = 0, 0, 0
    # Ctrl-C and SIGTERM end the server without a traceback.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    args = iter(argv[1:])
    for arg in args:
        if arg == "-n":
            count = parse_long("-n", option_value(arg, args), 0, 1000000)
        else:
            fail(2, f"usage: {argv[0]} [-n COUNT]")

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", 0))                   # port 0: the kernel picks a free one
        ls.listen(16)
    except OSError as e:
        die("listen 127.0.0.1", e)
    out("listening on 127.0.0.1:%d" % ls.getsockname()[1])   # ready: connect() now succeeds

    while count == 0 or clients < count:
        try:
            conn, (host, port) = ls.accept()        # sleeps until a client comes
        except OSError as e:
            die("accept", e)
        n = serve(conn, f"{host}:{port}", n)
        clients += 1
    ls.close()
    close_stdout()
    say(f"{progname()}: served {clients} {plural(clients, 'client', 'clients')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
