#!/usr/bin/env python3
"""nagle.py - Nagle's algorithm and a request-reply of small writes, timed.

Usage: nagle.py [-n COUNT] [--nodelay]
  -n COUNT    exchanges (default 20)
  --nodelay   set TCP_NODELAY on the client's socket

One process, both ends of one connection on 127.0.0.1 (port 0). Each
exchange: the client sends a request as two small writes, the 4-byte
header, then the payload; the server end reads the whole frame, answers
with one write; the client reads the answer. Prints what getsockopt says
of TCP_NODELAY, then the time per exchange: a figure for this machine,
never a promise.
What to watch: with Nagle's algorithm (the default) the payload waits in
the kernel until the header is acknowledged, and the server end delays
that acknowledgement, hoping to send it with its answer, which needs the
payload: each exchange waits for the delayed-ACK timer (tens of ms on
Linux). TCP_NODELAY sends each write at once. Better still: one write a
request (frame.send's sendmsg). Mirror: demos/04-tcp/nagle.c.
"""
import os
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import frame                                  # noqa: E402
from ipclab.tcp import addr_str, loopback                 # noqa: E402
from ipclab.err import (close_stdout, die, fail, option_value, out,  # noqa: E402
                        parse_long)


def write_all(sock, data, what):
    try:
        sock.sendall(data, socket.MSG_NOSIGNAL)
    except OSError as e:
        die(f"send {what}", e)


def main(argv):
    count, nodelay = 20, 0
    args = iter(argv[1:])
    for arg in args:
        if arg == "-n":
            count = parse_long("-n", option_value(arg, args), 1, 100000)
        elif arg == "--nodelay":
            nodelay = 1
        else:
            fail(2, f"usage: {argv[0]} [-n COUNT] [--nodelay]")
    # As in C: SIGPIPE kills, Ctrl-C ends us with no traceback.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        csock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except OSError as e:
        die("socket", e)
    a = loopback(0)
    try:
        lsock.bind(a)
    except OSError as e:
        die(f"bind {addr_str(a)}", e)
    a = lsock.getsockname()
    try:
        lsock.listen(1)
    except OSError as e:
        die(f"listen {addr_str(a)}", e)
    try:
        csock.connect(a)                # the kernel completes it
    except OSError as e:
        die(f"connect {addr_str(a)}", e)
    try:
        ssock, _ = lsock.accept()
    except OSError as e:
        die(f"accept {addr_str(a)}", e)
    try:
        csock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, nodelay)
    except OSError as e:
        die("setsockopt TCP_NODELAY", e)
    try:
        on = csock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    except OSError as e:
        die("getsockopt TCP_NODELAY", e)
    out(f"TCP_NODELAY: {on} (getsockopt on the client's socket)")

    t0 = time.monotonic()
    for k in range(count):
        write_all(csock, frame.HEADER.pack(4), "request header")   # two small writes...
        write_all(csock, b"ping", "request payload")
        try:
            if frame.read(ssock.fileno()) != b"ping":                # the server end
                fail(1, f"request {k + 1}: not the ping sent")
            frame.send(ssock, b"pong", socket.MSG_NOSIGNAL)         # one write
            if frame.read(csock.fileno()) != b"pong":
                fail(1, f"reply {k + 1}: not the pong sent")
        except frame.FrameError as e:
            fail(1, f"exchange {k + 1}: {e}")
        except OSError as e:
            die("send reply", e)
    ms = (time.monotonic() - t0) * 1000
    out(f"{count} exchanges, two small writes each: {ms / count:.3f} ms per exchange "
        "(this machine, this run)")
    for s in (csock, ssock, lsock):
        try:
            s.close()
        except OSError as e:
            die("close", e)
    close_stdout()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
