#!/usr/bin/env python3
"""tcp_server.py - a TCP server on 127.0.0.1 that answers framed requests.

Usage: tcp_server.py [--port P] [--backlog N] [--one-at-a-time] [-n COUNT]
                     [--no-reuseaddr] [--no-read] [--hold]
  --port P         bind 127.0.0.1:P; 0 (the default): the kernel picks a free port
  --backlog N      listen()'s backlog: connections the kernel completes and
                   queues until accept() takes them (default 16)
  --one-at-a-time  accept() one client, serve it to its end, then the next;
                   the default serves every client at once with selectors
  -n COUNT         end after COUNT clients have gone (0, the default: never)
  --no-reuseaddr   no SO_REUSEADDR: bind() fails (EADDRINUSE) while a
                   connection of an earlier server on the port is in TIME_WAIT
  --no-read        accept clients, never read them (nor see them go): their
                   requests fill the buffers
  --hold           after bind(), wait for SIGUSR1 before listen(): meanwhile
                   the port is ours but a connect() to it is refused

Its first line on stdout, once listen() has returned, is
"listening on 127.0.0.1:PORT": the readiness signal a client waits for
(never a sleep). Then "request K from 127.0.0.1:C: TEXT" for each
request; the answer is the frame "reply K: TEXT (from Python)", K counted
per client. Requests are lesson 01's frames, at most 65536 bytes of payload.
What to watch: the selector (epoll here) sleeps until some socket is ready,
and each ready client gets one recv() of what it has sent: a client that
stops half-way through a frame (or never reads its replies) keeps its own
bytes waiting, nobody else. A reply that does not fit in the socket's
buffer waits for EVENT_WRITE. Mirror: demos/04-tcp/tcp_server.c.
"""
import os
import selectors
import signal
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import frame                                  # noqa: E402
from ipclab.hold import hold_until_sigusr1                # noqa: E402
from ipclab.tcp import addr_str, loopback                 # noqa: E402
from ipclab.err import (close_stdout, die, fail, option_value, out,  # noqa: E402
                        parse_long, plural, progname, say)

MAX_CLIENTS = 64
REQUEST_MAX = 65536
USAGE = ("usage: {} [--port P] [--backlog N] [--one-at-a-time] [-n COUNT]"
         " [--no-reuseaddr] [--no-read] [--hold]")


class Client:
    def __init__(self, sock, addr, no_read):
        self.sock, self.name, self.k = sock, addr_str(addr), 0
        self.buf, self.need = bytearray(), 4    # the frame read so far, bytes in it
        self.out = b""                          # a reply not sent whole yet
        say(f"{progname()}: client {self.name}: connected"
            + ("; not reading it (--no-read)" if no_read else ""))


class Server:
    def __init__(self, no_read):
        self.no_read, self.ended, self.clients = no_read, 0, {}
        self.sel = selectors.DefaultSelector()

    def gone(self, c, why):
        """Say why a client is done with ('client 127.0.0.1:C: ...'), close it."""
        say(f"{progname()}: client {c.name}: {why}")
        if c.sock in self.clients:
            self.sel.unregister(c.sock)
            del self.clients[c.sock]
        try:
            c.sock.close()
        except OSError as e:
            die(f"close {c.name}", e)
        self.ended += 1

    def answer(self, c, text):
        """A whole request: show it (its bytes that are not printable ASCII
        as '.': shown, never obeyed) and make its reply frame."""
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in text)
        c.k += 1
        out(f"request {c.k} from {c.name}: {text}")
        reply = f"reply {c.k}: {text} (from Python)".encode()
        c.out = frame.HEADER.pack(len(reply)) + reply
        c.buf, c.need = bytearray(), 4

    def flush(self, c):
        """Send what is left of c's reply, as much as the socket takes now."""
        try:
            w = c.sock.send(c.out, socket.MSG_NOSIGNAL)
        except (BlockingIOError, InterruptedError):
            return                      # full: the selector says when there is room
        except OSError as e:
            return self.gone(c, f"send {c.name}: {os.strerror(e.errno)}")
        c.out = c.out[w:]
        self.watch(c)

    def take(self, c):
        """One recv() of what c has sent, at most the rest of its frame:
        never waits for the rest (the socket is non-blocking)."""
        try:
            data = c.sock.recv(c.need - len(c.buf))
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            return self.gone(c, f"recv {c.name}: {os.strerror(e.errno)}")
        if not data and not c.buf:
            return self.gone(c, f"closed the connection (recv 0) after {c.k} "
                                f"{plural(c.k, 'request', 'requests')}")
        if not data:
            head = len(c.buf) < 4
            return self.gone(c, "frame cut short by EOF: got "
                                f"{len(c.buf) if head else len(c.buf) - 4} of "
                                f"{4 if head else c.need - 4} "
                                f"{'header' if head else 'payload'} bytes")
        c.buf += data
        if len(c.buf) == 4 and c.need == 4:     # the header: check it before we trust it
            (length,) = frame.HEADER.unpack(c.buf)
            if not 0 <= length <= frame.FRAME_MAX:
                return self.gone(c, f"frame length {length} is out of range "
                                    f"(0 to {frame.FRAME_MAX} bytes)")
            if length > REQUEST_MAX:
                return self.gone(c, f"frame length {length} does not fit the "
                                    f"{REQUEST_MAX}-byte buffer")
            c.need = 4 + length
        if len(c.buf) == c.need:
            self.answer(c, c.buf[4:])
            self.flush(c)

    def watch(self, c):
        """EVENT_READ to read its requests, EVENT_WRITE while a reply waits."""
        if c.sock in self.clients:
            events = selectors.EVENT_WRITE if c.out else selectors.EVENT_READ
            self.sel.modify(c.sock, events, c)

    def add(self, sock, addr):
        c = Client(sock, addr, self.no_read)
        self.clients[sock] = c
        if not self.no_read:            # --no-read: never watched, never read
            self.sel.register(sock, selectors.EVENT_READ, c)


def serve_one(server, lsock, me):
    """--one-at-a-time: sleeps in accept() until a client comes, then in
    read() on its empty socket; the next client waits in the backlog."""
    try:
        sock, addr = lsock.accept()
    except (ConnectionAbortedError, InterruptedError):
        return
    except OSError as e:
        die(f"accept {addr_str(me)}", e)
    c = Client(sock, addr, False)
    while True:
        try:
            payload = frame.read(sock.fileno(), REQUEST_MAX)
        except frame.FrameError as e:
            return server.gone(c, str(e))
        if payload is None:
            return server.gone(c, f"closed the connection (recv 0) after {c.k} "
                                  f"{plural(c.k, 'request', 'requests')}")
        server.answer(c, payload)
        try:
            frame.send(sock, c.out[4:], socket.MSG_NOSIGNAL)
        except OSError as e:
            return server.gone(c, f"send {c.name}: {os.strerror(e.errno)}")


def main(argv):
    port, backlog, count = 0, 16, 0
    reuse, one_at_a_time, no_read, hold = True, False, False, False
    args = iter(argv[1:])
    for arg in args:
        if arg == "--port":
            port = parse_long("--port", option_value(arg, args), 0, 65535)
        elif arg == "--backlog":
            backlog = parse_long("--backlog", option_value(arg, args), 0, 4096)
        elif arg == "-n":
            count = parse_long("-n", option_value(arg, args), 0, 1000000)
        elif arg == "--one-at-a-time":
            one_at_a_time = True
        elif arg == "--no-reuseaddr":
            reuse = False
        elif arg == "--no-read":
            no_read = True
        elif arg == "--hold":
            hold = True
        else:
            fail(2, USAGE.format(argv[0]))
    if one_at_a_time and no_read:
        fail(2, "--no-read works with the poll() loop, not --one-at-a-time")
    # As in C: SIGPIPE kills (our stdout gone; sends to clients use
    # MSG_NOSIGNAL), Ctrl-C ends us with no traceback.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    try:
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except OSError as e:
        die("socket", e)
    # Without it, bind() refuses a port that a connection of an earlier
    # server still holds in TIME_WAIT (60 s after it closed first).
    try:
        if reuse:
            lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    except OSError as e:
        die("setsockopt SO_REUSEADDR", e)
    me = loopback(port)
    try:
        lsock.bind(me)
    except OSError as e:
        die(f"bind {addr_str(me)}", e)
    me = lsock.getsockname()            # the port it chose
    if hold:
        say(f"{progname()}: bound to {addr_str(me)}, not listening yet: "
            f"waiting for SIGUSR1 (kill -USR1 {os.getpid()})")
        hold_until_sigusr1()
    try:
        lsock.listen(backlog)
    except OSError as e:
        die(f"listen {addr_str(me)}", e)
    out(f"listening on {addr_str(me)}")     # ready: connect() now succeeds

    server = Server(no_read)
    if not one_at_a_time:
        lsock.setblocking(False)
        server.sel.register(lsock, selectors.EVENT_READ, None)
    while count == 0 or server.ended < count:
        if one_at_a_time:
            serve_one(server, lsock, me)
            continue
        try:
            ready = server.sel.select()
        except OSError as e:
            die(f"select {addr_str(me)} and {len(server.clients)} clients", e)
        for key, _ in ready:
            c = key.data
            if c is None:                   # the listening socket
                try:
                    sock, addr = lsock.accept()
                except (BlockingIOError, ConnectionAbortedError, InterruptedError):
                    continue
                except OSError as e:
                    die(f"accept {addr_str(me)}", e)
                sock.setblocking(False)
                server.add(sock, addr)
                if len(server.clients) == MAX_CLIENTS:      # no free slot: stop accepting
                    server.sel.unregister(lsock)
            elif c.sock not in server.clients:
                continue
            elif c.out:
                server.flush(c)
            else:
                server.take(c)
        if len(server.clients) < MAX_CLIENTS and lsock not in server.sel.get_map():
            server.sel.register(lsock, selectors.EVENT_READ, None)
    close_stdout()
    say(f"{progname()}: served {server.ended} {plural(server.ended, 'client', 'clients')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
