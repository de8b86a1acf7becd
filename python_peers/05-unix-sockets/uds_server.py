#!/usr/bin/env python3
"""uds_server.py - a Unix domain socket server: who each client is, and
what each read returns, on a stream, a datagram or a seqpacket socket.

Usage: uds_server.py [--type stream|dgram|seqpacket] [--read-size N] [-n COUNT]
                     [--backlog N] [--hold] [--no-read] [--any-user] [--] PATH|@NAME
  PATH           the socket file to make (0600) in a private 0700 directory
                 of ours; @NAME: a name in Linux's abstract namespace, no file
  --type T       stream (the default): a byte stream, as TCP; dgram: one
                 datagram a message, no connection; seqpacket: connected as
                 a stream, one message a read as dgram
  --read-size N  each read asks for at most N bytes (1 to 65536, default 4096)
  -n COUNT       end after COUNT clients (dgram: COUNT messages); 0, the
                 default: until a signal
  --backlog N    listen()'s backlog: connections queued until accept() (16)
  --hold         after bind(), wait for SIGUSR1 before listen() (dgram: before
                 reading): meanwhile a connect() is refused (dgram: they queue)
  --no-read      never read: what clients send fills the queues
  --any-user     serve clients of any user (else only those of our own uid;
                 dgram: read only messages from our uid, SO_PASSCRED)

Its first line on stdout is "listening on NAME" (dgram: "bound to NAME")
once a client can connect: the readiness line a client waits for, never a
sleep. Then for each client of a stream or seqpacket server who it is, as
the kernel says (SO_PEERCRED): "client pid P uid U gid G", and for each
read "read K: N bytes: TEXT". What to watch: a stream keeps no boundaries
(three sends, one read), dgram and seqpacket keep each message whole (one
read each; a read too small cuts it: MSG_TRUNC). The socket file goes at
the end, and on a signal that ends it (SIGTERM, SIGUSR1...). One that a
crashed server left makes bind() fail (EADDRINUSE): it is removed only
when a connect() to it is refused (nobody there), never blindly.
Mirror: demos/05-unix-sockets/uds_server.c. Client: uds_client.py.
"""
import errno
import os
import select
import signal
import socket
import stat
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import trace                                 # noqa: E402
from ipclab.hold import hold_until_sigusr1               # noqa: E402
from ipclab.rundir import file_kind                      # noqa: E402
from ipclab.uds import (address, check_dir, remove_on_signal, sock_type,  # noqa: E402
                        unlink_ours)
from ipclab.err import (close_stdout, die, fail, option_value, out,  # noqa: E402
                        parse_long, plural, progname, say, undo_clear, undo_push)

USAGE = ("usage: {} [--type stream|dgram|seqpacket] [--read-size N] [-n COUNT]"
         " [--backlog N] [--hold] [--no-read] [--any-user] [--] PATH|@NAME")


UCRED = struct.Struct("iII")         # struct ucred: pid, uid, gid
refused = [0]       # clients or messages refused: said at the end


def take(sock, name, size, k, type_, any_user):
    """One recvmsg() of at most size bytes, printed 'read K: N bytes: TEXT',
    its bytes that are not printable ASCII as '.' (shown, never obeyed).
    Returns what it read: 0 ends a stream or seqpacket connection (dgram: an
    empty datagram, printed). A datagram comes with its sender's credentials
    (SO_PASSCRED: SCM_CREDENTIALS, filled in by the kernel): one from
    another uid is refused unless any_user, as a connection would be."""
    dgram = type_ == socket.SOCK_DGRAM
    trace.before("recvmsg", sock.fileno(), obj=name, length=size)    # for ipclab's timeline
    try:             # EINTR: Python retries (PEP 475)
        data, ctl, flags, _ = sock.recvmsg(size, socket.CMSG_SPACE(UCRED.size) if dgram else 0)
    except OSError as e:
        trace.after("recvmsg", sock.fileno(), -1, e.errno)
        die(f"recvmsg {name}", e)
    trace.after("recvmsg", sock.fileno(), len(data), data=data)
    pid, uid = 0, 2**32 - 1
    for level, kind, value in ctl:
        if (level, kind, len(value)) == (socket.SOL_SOCKET, socket.SCM_CREDENTIALS, UCRED.size):
            pid, uid, _ = UCRED.unpack(value)
    if dgram and uid != os.geteuid() and not any_user:
        say(f"{progname()}: message {k} from pid {pid}: uid {uid} is not ours ({os.geteuid()}): "
            "refused (--any-user lets it in)")
        refused[0] += 1
        return len(data)
    # seqpacket: an empty message reads as 0 bytes, as the end does. It was
    # a message if the peer is still there (no POLLRDHUP) or more is queued
    # (an empty one sent just before the peer closed looks like the end).
    if not data and type_ == socket.SOCK_SEQPACKET:
        end = select.poll()
        end.register(sock, select.POLLRDHUP)
        if not end.poll(0) or sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT):
            out(f"read {k}: 0 bytes: an empty message (not the end)")
            return 1
    if data or dgram:           # a message longer than size: its rest is gone
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in data)
        cut = " (cut short: MSG_TRUNC, the rest of it is lost)" if flags & socket.MSG_TRUNC else ""
        out(f"read {k}: {len(data)} {plural(len(data), 'byte', 'bytes')}: {text}{cut}")
    return len(data)


def serve(conn, name, type_, size, any_user, no_read, kept):
    """A connected client: who it is, as the kernel recorded it when it
    connected (SO_PEERCRED: pid, uid, gid; nothing it could forge), then,
    unless refused, every read until it closes."""
    try:
        pid, uid, gid = struct.unpack("3i", conn.getsockopt(
            socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    except OSError as e:
        die(f"getsockopt SO_PEERCRED {name}", e)
    out(f"client pid {pid} uid {uid} gid {gid}")
    if uid != os.geteuid() and not any_user:
        say(f"{progname()}: client pid {pid}: uid {uid} is not ours ({os.geteuid()}): refused"
            " (--any-user lets it in)")
        refused[0] += 1
    elif no_read:
        say(f"{progname()}: client pid {pid}: not reading it (--no-read)")
        kept.append(conn)       # kept open, unread, until we end
        return
    else:
        k = 1
        while take(conn, name, size, k, type_, True) > 0:
            k += 1
        say(f"{progname()}: client pid {pid}: end of stream after {k - 1} "
            f"{plural(k - 1, 'read', 'reads')}")
    try:
        conn.close()
    except OSError as e:
        die(f"close {name}", e)


def remove_stale(name, type_, addr):
    """bind() failed with EADDRINUSE: something is at the name. Only a
    socket nobody is bound to is removed: a connect() to it is refused
    (ECONNREFUSED). A live server (the connect succeeds; it sees a client
    come and go), a file that is no socket, anything else: we say so and
    end. (A server bound but not listening yet, --hold, is refused too: it
    looks stale.)"""
    inuse = os.strerror(errno.EADDRINUSE)
    try:
        st = os.lstat(name)
    except OSError as e:
        die(f"lstat {name}", e)
    if not stat.S_ISSOCK(st.st_mode):
        fail(1, f"bind {name}: {inuse}: {file_kind(st.st_mode)}, not a socket: not removing it")
    # Non-blocking: a server whose backlog is full fails it at once (EAGAIN).
    try:
        probe = socket.socket(socket.AF_UNIX, type_ | socket.SOCK_NONBLOCK)
    except OSError as e:
        die("socket", e)
    err = probe.connect_ex(addr)
    try:
        probe.close()
    except OSError as e:
        die(f"close {name}", e)
    if err == 0:
        fail(1, f"bind {name}: {inuse}: a server is there (connect succeeded): not removing it")
    if err != errno.ECONNREFUSED:
        fail(1, f"bind {name}: {inuse}: connect: {os.strerror(err)}: not removing it")
    try:
        os.unlink(name)
    except OSError as e:
        die(f"unlink {name}", e)
    say(f"{progname()}: {name}: removed a stale socket: nobody there (connect: "
        f"{os.strerror(err)})")


def main(argv):
    size, count, backlog, served = 4096, 0, 16, 0
    type_, hold, no_read, any_user = socket.SOCK_STREAM, False, False, False
    # As in C: SIGPIPE kills (our stdout gone), Ctrl-C before the socket
    # exists ends us with no traceback.
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
        elif arg == "--read-size":
            size = parse_long("--read-size", option_value(arg, args), 1, 65536)
        elif arg == "-n":
            count = parse_long("-n", option_value(arg, args), 0, 1000000)
        elif arg == "--backlog":
            backlog = parse_long("--backlog", option_value(arg, args), 0, 4096)
        elif arg == "--hold":
            hold = True
        elif arg == "--no-read":
            no_read = True
        elif arg == "--any-user":
            any_user = True
        elif arg == "--":           # a PATH that starts with '-'
            rest = list(args)
        else:
            fail(2, USAGE.format(argv[0]))
    if len(rest) != 1:
        fail(2, USAGE.format(argv[0]))
    if no_read and count:
        fail(2, "--no-read never reads: it ends on a signal, not after -n COUNT")
    name = rest[0]
    dgram, path = type_ == socket.SOCK_DGRAM, not name.startswith("@")
    addr = address(name)            # too long: refused before any call
    check_dir(name, True)

    remove_on_signal(None)          # the handlers first; nothing to remove yet
    try:
        sock = socket.socket(socket.AF_UNIX, type_)
    except OSError as e:
        die("socket", e)
    try:            # dgram: every datagram with its sender's credentials, from the first
        if dgram:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    except OSError as e:
        die(f"setsockopt SO_PASSCRED {name}", e)
    # bind() makes the file 0777 less the umask: 0600, whatever ours was.
    old = os.umask(0o177)
    try:
        try:
            sock.bind(addr)
        except OSError as e:
            if e.errno != errno.EADDRINUSE or not path:
                raise
            remove_stale(name, type_, addr)
            sock.bind(addr)
    except OSError as e:
        die(f"bind {name}", e)
    finally:
        os.umask(old)
    if path:                        # ours now: removed on every way out
        remove_on_signal(name)
        undo_push(unlink_ours, name)
    if hold:
        say(f"{progname()}: bound to {name}, not {'reading' if dgram else 'listening'} yet: "
            f"waiting for SIGUSR1 (kill -USR1 {os.getpid()})")
        hold_until_sigusr1()
    try:
        if not dgram:
            sock.listen(backlog)
    except OSError as e:
        die(f"listen {name}", e)
    out(f"{'bound to' if dgram else 'listening on'} {name}")     # ready

    kept = []                       # --no-read: clients never read, never closed
    while dgram and no_read:        # datagrams queue until the queue is full
        signal.pause()
    while dgram and (count == 0 or served < count):
        served += 1
        take(sock, name, size, served, type_, any_user)
    while not dgram and (count == 0 or served < count):     # one client at a time
        try:
            conn, _ = sock.accept()             # EINTR: Python retries (PEP 475)
        except ConnectionAbortedError:
            continue
        except OSError as e:
            die(f"accept {name}", e)
        served += 1
        serve(conn, name, type_, size, any_user, no_read, kept)
    if path:                        # ours only: a file put there since is left
        try:
            gone = unlink_ours(name)
        except OSError as e:
            remove_on_signal(None)
            undo_clear()
            die(f"unlink {name}", e)
        remove_on_signal(None)
        undo_clear()
        if gone == 1:
            say(f"{progname()}: {name}: not the socket we made any more: left in place")
    try:
        sock.close()
    except OSError as e:
        die(f"close {name}", e)
    close_stdout()
    what = plural(served, "message", "messages") if dgram else plural(served, "client", "clients")
    of_them = f", {refused[0]} of them refused" if refused[0] else ""
    say(f"{progname()}: {'read' if dgram else 'served'} {served} {what}{of_them}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
