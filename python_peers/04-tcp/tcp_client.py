#!/usr/bin/env python3
"""tcp_client.py - connect to tcp_server on 127.0.0.1, send framed
requests, print the replies.

Usage: tcp_client.py [options] PORT [TEXT...]      (or --port PORT)
  TEXT...        one request each, sent one after the other; then the
                 replies are read, in order. With no TEXT: wait until the
                 server closes the connection
  --shutdown     after the requests, shutdown(SHUT_WR): "no more
                 requests"; the server still answers; read until it closes
  --wait-close   after the replies, read until the server closes (recv 0),
                 then close: the server closes first (its port keeps the
                 TIME-WAIT), whatever the scheduler does
  --reset        once a reply has arrived, close() without reading it:
                 unread data makes the kernel send a reset (RST)
  --no-nosignal  send without MSG_NOSIGNAL: a send on a connection the
                 server has closed kills us with SIGPIPE instead of EPIPE
  --flood SIZE   send frames of SIZE bytes, never reading, until a send
                 fails (with tcp_server --no-read: the buffers fill)
  --hold         after connect(), wait for SIGUSR1 before sending

PORT is the one in the server's first line, "listening on 127.0.0.1:PORT":
start the client after that line, never after a sleep. Before it, the
connect() is refused (ECONNREFUSED). What to watch: TCP is a byte stream;
frame.read loops until a whole frame is in, however recv() splits it.
Mirror: demos/04-tcp/tcp_client.c.
"""
import os
import select
import signal
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import frame                                  # noqa: E402
from ipclab.hold import hold_arm, hold_until_sigusr1      # noqa: E402
from ipclab.tcp import addr_str, loopback                 # noqa: E402
from ipclab.err import (close_stdout, die, fail, option_value, out,  # noqa: E402
                        parse_long, plural, progname, say)

USAGE = ("usage: {} [--shutdown] [--wait-close] [--reset] [--no-nosignal]"
         " [--flood SIZE] [--hold] PORT [TEXT...]")


def main(argv):
    port, flood = None, None
    shut, waitclose, reset, nosignal, hold = False, False, False, socket.MSG_NOSIGNAL, False
    args = iter(argv[1:])
    rest = []
    for arg in args:
        if rest or not arg.startswith("-"):
            rest.append(arg)
        elif arg == "--port":
            port = parse_long("--port", option_value(arg, args), 1, 65535)
        elif arg == "--flood":
            flood = parse_long("--flood", option_value(arg, args), 0, frame.FRAME_MAX)
        elif arg == "--shutdown":
            shut = True
        elif arg == "--wait-close":
            waitclose = True
        elif arg == "--reset":
            reset = True
        elif arg == "--no-nosignal":
            nosignal = 0
        elif arg == "--hold":
            hold = True
        else:
            fail(2, USAGE.format(argv[0]))
    if port is None and rest:
        port = parse_long("PORT", rest.pop(0), 1, 65535)
    if port is None:
        fail(2, USAGE.format(argv[0]))
    texts = [os.fsencode(t) for t in rest]
    if flood is not None and (texts or shut or waitclose or reset):
        fail(2, "--flood sends its own frames: no TEXT, --shutdown, --wait-close or --reset")
    if reset and waitclose:
        fail(2, "--reset closes with the reply unread: no --wait-close with it")
    if (shut or reset) and not texts:
        fail(2, "--shutdown and --reset need a TEXT to send first")
    for t, text in enumerate(texts):
        if len(text) > 65536:
            fail(2, f"TEXT {t + 1}: {len(text)} bytes; tcp_server takes at most 65536")
    # As in C: SIGPIPE kills (with --no-nosignal, a send on a closed
    # connection), Ctrl-C ends us with no traceback.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    if hold:        # connect() may sleep (a full accept queue): a cue then waits
        hold_arm()
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except OSError as e:
        die("socket", e)
    srv = addr_str(loopback(port))
    try:
        sock.connect(loopback(port))    # ECONNREFUSED: nobody listening there
    except OSError as e:
        die(f"connect {srv}", e)
    say(f"{progname()}: connected from {addr_str(sock.getsockname())} to {srv}")
    if hold:
        hold_until_sigusr1()

    if flood is not None:               # never reads: sleeps in send once both buffers are full
        junk, sent = b"x" * flood, 0
        while True:
            try:
                frame.send(sock, junk, nosignal)
            except OSError as e:
                fail(1, f"send {srv}: {os.strerror(e.errno)} (after {sent} "
                        f"{plural(sent, 'frame', 'frames')} of {flood} bytes)")
            sent += 1
    # MSG_NOSIGNAL: a send on a connection the server has closed fails with
    # EPIPE, which we report, instead of raising SIGPIPE, which kills.
    for text in texts:
        try:
            frame.send(sock, text, nosignal)
        except OSError as e:
            die(f"send {srv}", e)
    if shut:                            # our FIN: the server's recv() returns 0
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError as e:
            die(f"shutdown {srv}", e)
        say(f"{progname()}: shutdown(SHUT_WR): no more requests; reading the replies")
    if reset:                           # wait for the reply, then close with it unread
        try:
            p = select.poll()
            p.register(sock, select.POLLIN)
            p.poll()
        except OSError as e:
            die(f"poll {srv}", e)
        say(f"{progname()}: closing with the reply unread: the kernel sends a reset (RST)")
        try:
            sock.close()
        except OSError as e:
            die(f"close {srv}", e)
        return 0

    for t in range(len(texts)):
        try:
            reply = frame.read(sock.fileno())
        except frame.FrameError as e:
            fail(1, f"reply from {srv}: {e}")
        if reply is None:
            fail(1, f"{srv} closed the connection after {t} of {len(texts)} replies")
        # a peer's bytes are shown, never obeyed
        out("".join(chr(b) if 32 <= b < 127 else "." for b in reply))
    if shut or waitclose or not texts:  # the server closes its end: recv() returns 0
        try:
            extra = sock.recv(1)
        except OSError as e:
            die(f"recv {srv}", e)
        if extra:
            fail(1, f"{srv} sent more than the replies to our requests")
        say(f"{progname()}: {srv} closed the connection (recv 0)")
    try:
        sock.close()
    except OSError as e:
        die(f"close {srv}", e)
    close_stdout()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
