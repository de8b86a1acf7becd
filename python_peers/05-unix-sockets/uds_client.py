#!/usr/bin/env python3
"""uds_client.py - connect to uds_server and send it messages, one send()
each, on a stream, a datagram or a seqpacket socket.

Usage: uds_client.py [--type stream|dgram|seqpacket] [--count N] [--size BYTES]
                     [--hold] [--] PATH|@NAME [TEXT...]
  PATH|@NAME    the server's socket, as its readiness line names it
  TEXT...       the messages, one send() each ("" too: an empty message,
                no bytes on a stream); without TEXT, --count N
                messages "message 1", "message 2"... (3 by default)
  --count N     how many: 0 sends until a send fails (to a server that
                reads nothing: the queue fills, and send() sleeps)
  --size BYTES  each message BYTES long: "message K" then dots (1 to 65536)
  --type T      the server's type (stream by default); another type's
                connect() is refused (EPROTOTYPE)
  --hold        after connect(), wait for SIGUSR1 before sending

It prints "sent K: N bytes" once send() has returned for message K. What
to watch: the same three sends reach a stream server as bytes (one read
may take them all) and a dgram or seqpacket server as three messages. A
dgram send sleeps while the server's queue holds more than
/proc/sys/net/unix/max_dgram_qlen datagrams; a stream send while the
bytes queued at the server fill our send buffer. connect() is refused
(ECONNREFUSED) before the server listens, and sleeps while its backlog
is full. Mirror: demos/05-unix-sockets/uds_client.c.
"""
import errno
import itertools
import os
import signal
import socket
import stat
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import trace                                 # noqa: E402
from ipclab.hold import hold_arm, hold_until_sigusr1      # noqa: E402
from ipclab.rundir import file_kind                       # noqa: E402
from ipclab.uds import address, check_dir, sock_type, type_name  # noqa: E402
from ipclab.err import (close_stdout, die, fail, option_value, out,  # noqa: E402
                        parse_long, plural, progname, say)

USAGE = ("usage: {} [--type stream|dgram|seqpacket] [--count N] [--size BYTES]"
         " [--hold] [--] PATH|@NAME [TEXT...]")
MSG_MAX = 65536


def main(argv):
    count, size, type_, hold = None, None, socket.SOCK_STREAM, False
    # As in C: SIGPIPE kills (our stdout gone; sends use MSG_NOSIGNAL),
    # Ctrl-C ends us with no traceback.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    args = iter(argv[1:])
    rest = []
    for arg in args:
        if rest or not arg.startswith("-"):
            rest.append(arg)
        elif arg == "--type":
            t = option_value(arg, args)
            if (type_ := sock_type(t)) == -1:
                fail(2, f"--type: '{t}' is not stream, dgram or seqpacket")
        elif arg == "--count":
            count = parse_long("--count", option_value(arg, args), 0, 1000000)
        elif arg == "--size":
            size = parse_long("--size", option_value(arg, args), 1, MSG_MAX)
        elif arg == "--hold":
            hold = True
        elif arg == "--":           # a PATH that starts with '-'
            rest = list(args)
        else:
            fail(2, USAGE.format(argv[0]))
    if not rest:
        fail(2, USAGE.format(argv[0]))
    name, texts = rest[0], [os.fsencode(t) for t in rest[1:]]
    if texts and (count is not None or size is not None):
        fail(2, "TEXT... or --count and --size, not both")
    for t, text in enumerate(texts):
        if len(text) > MSG_MAX:
            fail(2, f"TEXT {t + 1}: {len(text)} bytes; a message is 0 to {MSG_MAX} bytes")
    if texts:
        count = len(texts)
    elif count is None:
        count = 3
    addr = address(name)            # too long: refused before any call
    check_dir(name, False)

    if hold:        # connect() may sleep (a full backlog): a cue then waits
        hold_arm()
    try:
        sock = socket.socket(socket.AF_UNIX, type_)
    except OSError as e:
        die("socket", e)
    # The same call for all three types: a dgram socket "connected" to the
    # server's name sends there with plain send().
    try:
        sock.connect(addr)
    except OSError as e:
        st = None   # refused: by nobody listening, or no socket at all?
        if e.errno == errno.ECONNREFUSED and not name.startswith("@"):
            try:
                st = os.lstat(name)
            except OSError:
                pass
        if st is not None and not stat.S_ISSOCK(st.st_mode):
            fail(1, f"connect {name}: {os.strerror(e.errno)}: {file_kind(st.st_mode)}, not a socket")
        die(f"connect {name}", e)
    say(f"{progname()}: connected to {name} ({type_name(type_)})"
        + (f": waiting for SIGUSR1 before sending (kill -USR1 {os.getpid()})" if hold else ""))
    if hold:
        hold_until_sigusr1()

    for k in itertools.count(1) if count == 0 else range(1, count + 1):
        if texts:
            msg = texts[k - 1]
        else:
            msg = f"message {k}".encode()
            if size is not None:    # "message 7......": BYTES long (cut, if shorter)
                msg = msg[:size].ljust(size, b".")
        # MSG_NOSIGNAL: a server gone makes send() fail with EPIPE, which we
        # report, instead of raising SIGPIPE, which kills. A stream send a
        # signal cuts short goes on with the rest; a datagram goes whole.
        # An empty TEXT is sent too: a message on dgram and seqpacket,
        # nothing at all on a stream.
        done = 0
        # For ipclab's timeline:
        trace.before("send", sock.fileno(), obj=name, length=len(msg), data=msg)
        while True:
            try:
                done += sock.send(msg[done:], socket.MSG_NOSIGNAL)   # EINTR: retried
            except OSError as e:
                trace.after("send", sock.fileno(), -1, e.errno)
                fail(1, f"send {name}: {os.strerror(e.errno)} (after {k - 1} "
                        f"{plural(k - 1, 'message', 'messages')})")
            if done >= len(msg):
                break
        trace.after("send", sock.fileno(), done)
        out(f"sent {k}: {len(msg)} {plural(len(msg), 'byte', 'bytes')}")
    try:
        sock.close()
    except OSError as e:
        die(f"close {name}", e)
    close_stdout()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
