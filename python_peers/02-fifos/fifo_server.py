#!/usr/bin/env python3
"""fifo_server.py - a server on a well-known FIFO; each client gets its
answer on a reply FIFO of its own, named in its request.

Usage: fifo_server.py [-n COUNT] [--no-keep-open] [--] DIR
  DIR             our private directory (mode 0700): the server makes
                  DIR/server (0600), clients make DIR/client-PID
  -n COUNT        end after COUNT requests, 0 = until a signal (default)
  --no-keep-open  the tutorial's way: do not hold a write end of our own

  client  --[len][DIR/client-PID \\0 TEXT]-->  DIR/server  --> server
  client  <--[len]["answer 1: TEXT (from Python)"]-- DIR/client-PID <-- server

What to watch: requests are at most PIPE_BUF bytes, so each arrives
whole, however many clients write at once; once its header is read, the
rest is queued (FIONREAD), or it was cut short: dropped, never waited
for (read_request). With --no-keep-open (no write
end of its own FIFO), once the last client has closed, read() returns 0
at once on every call: the loop spins at 100% CPU (running, never
asleep). A reply FIFO is checked before a byte goes to it (lstat; open
with O_NOFOLLOW and O_NONBLOCK: a client gone is ENXIO, not a wait for
ever; fstat: the same FIFO, ours, 0600, in DIR); a client gone before its
reply (ENXIO, EPIPE) costs that reply only. Mirror: fifo_server.c.
"""
import errno
import fcntl
import os
import select
import signal
import struct
import sys
import termios

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import frame, trace                       # noqa: E402
from ipclab.rundir import fifo_refused, private_dir   # noqa: E402
from ipclab.err import (close_stdout, die, fail, option_value, out,  # noqa: E402
                        parse_long, plural, progname, say, undo_push)

# A request frame, its 4-byte header included, fits in PIPE_BUF: one
# write(), which the kernel never mixes with another writer's bytes. A
# longer one could be split and interleaved with other clients' requests.
REQUEST_MAX = select.PIPE_BUF - 4
PATH_MAX = 4096     # <limits.h>: a path with its NUL
made = []           # DIR/server once made, for the signal handler


def remove_and_die(sig, _frame):
    """A FIFO outlives the process that made it: ended by a signal, the
    server removes its own, then dies of it."""
    for path in made:
        try:
            os.unlink(path)
        except OSError:
            pass
    signal.signal(sig, signal.SIG_DFL)
    os.kill(os.getpid(), sig)


def say_req(n, text):
    """'prog: request N: TEXT' on stderr; returns -1."""
    say(f"{progname()}: request {n}: {text}")
    return -1


def not_sent(n, call, path, dirfd, e, gone):
    """A reply that cannot go (call failed with OSError e): a client gone
    before reading it (ENXIO from open, EPIPE from write) costs that reply
    only: its FIFO, checked to be ours in DIR, is removed."""
    say_req(n, f"{call} {path}: {os.strerror(e.errno)}: " + (
        "the client is gone before reading its reply; removed its FIFO" if gone
        else "not answered"))
    if gone:
        try:
            os.unlink(path.rpartition("/")[2], dir_fd=dirfd)
        except OSError:
            pass
    return -1


def read_request(n, rfd, fifo):
    """Read one request whole: its bytes, None (no writer), or -1 when it is
    dropped (said). A client writes its request, at most PIPE_BUF bytes, with
    one write(): the kernel puts it in the FIFO whole or not at all. So once
    we have its 4-byte header, all the rest of it is queued: ask the kernel
    how much is (FIONREAD). Less than the header says (or a length out of
    range, or no whole header) is a request cut short or false: waiting for
    the rest would glue the next clients' requests onto it. Drop exactly the
    bytes queued now instead: the rest of that write (and any request
    written after it before we looked): what comes next starts a new
    write(), so a new request."""
    trace.before("read", rfd, length=4)
    try:
        h = os.read(rfd, 4)             # one read(): what is there
    except OSError as e:
        trace.after("read", rfd, -1, e.errno)
        die(f"read {fifo}", e)
    trace.after("read", rfd, len(h), data=h)
    if not h:
        return None
    length = struct.unpack("<i", h)[0] if len(h) == 4 else None
    try:
        queued = struct.unpack("i", fcntl.ioctl(rfd, termios.FIONREAD, b"\0" * 4))[0]
    except OSError as e:
        die(f"ioctl FIONREAD {fifo}", e)
    queued = min(queued, frame.FRAME_MAX)   # a pipe enlarged past 1 MiB: the rest next
    whole = length is not None and 0 <= length <= REQUEST_MAX and queued >= length
    if whole:                           # all there: read it; else drop what is
        queued = length
    try:
        dropped = frame.read_full(rfd, queued)
    except OSError as e:
        die(f"read {fifo}", e)
    if whole and len(dropped) == length:
        return dropped
    queued = len(dropped)               # no read() waited: all these bytes were queued
    if len(h) < 4:
        what = f"{len(h)} of 4 header bytes, cut short"
    elif not 0 <= length <= REQUEST_MAX:
        what = f"a length of {length}, not 0 to {REQUEST_MAX}"
    else:
        what = f"{queued} of its {length} bytes queued, cut short"
    shown = "".join(chr(c) if 32 <= c < 127 else "." for c in dropped[:40])  # not obeyed
    return say_req(n, f"{what}: a request is one write() of at most PIPE_BUF (4096) bytes, "
                      f"queued whole; dropped the {queued} {plural(queued, 'byte', 'bytes')} "
                      "queued" + (f": {shown}" + ("..." if queued > 40 else "") if queued else ""))


def take_request(n, req):
    """A request is one frame: the reply path, a NUL, the text. Show it (the
    text's bytes that are not printable ASCII as '.': shown, not obeyed) and
    return (path, text), or say why it is refused and return None."""
    path, nul, text = req.partition(b"\0")
    if len(req) > REQUEST_MAX or not nul or not all(32 <= c < 127 for c in path):
        say_req(n, f"{len(req)} bytes" + (      # read_request drops the first
            ", longer than PIPE_BUF less the header (4092)" if len(req) > REQUEST_MAX
            else " with no NUL after a reply path" if not nul
            else " with a reply path that is not printable ASCII") + ": refused")
        return None
    path, text = path.decode(), "".join(chr(c) if 32 <= c < 127 else "." for c in text)
    shown = path or "''"                # an empty path shown as ''
    out(f"request {n}: {shown}: {text}")
    return path, text


def open_reply(n, path, folder, dirfd, dirst, ours):
    """Open the reply FIFO a request names, for writing, or say why not and
    return -1. Only a FIFO of ours, 0600, directly in DIR, is written to."""
    head, slash, name = path.rpartition("/")
    try:                        # the directory part must be DIR itself
        st = os.stat(head or "/")
        in_dir = slash and (st.st_dev, st.st_ino) == (dirst.st_dev, dirst.st_ino)
    except OSError:
        in_dir = False
    if not in_dir or name in ("", ".", ".."):
        shown = path or "''"            # an empty path shown as ''
        return say_req(n, f"{shown}: not a name in {folder}: refused")
    # lstat first: what is at the name, without following a link.
    try:
        st = os.stat(name, dir_fd=dirfd, follow_symlinks=False)
    except OSError as e:
        return say_req(n, f"lstat {path}: {os.strerror(e.errno)}: refused")
    why = fifo_refused(st)              # not a FIFO, not ours, not 0600
    if why:
        return say_req(n, f"{path}: {why}: refused")
    if (st.st_dev, st.st_ino) == (ours.st_dev, ours.st_ino):
        return say_req(n, f"{path}: the server's own FIFO: refused")
    # O_NONBLOCK: with no reader open() fails with ENXIO instead of waiting
    # for ever, and a full FIFO fails a write with EAGAIN.
    trace.before("open", -1, obj=path)
    try:
        fd = os.open(name, os.O_WRONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC,
                     dir_fd=dirfd)
    except OSError as e:
        trace.after("open", -1, -1, e.errno)
        return not_sent(n, "open", path, dirfd, e, e.errno == errno.ENXIO)
    trace.after("open", fd, fd)
    # The name may have been replaced between lstat and open.
    try:
        now = os.fstat(fd)
    except OSError as e:
        die(f"fstat {path}", e)
    if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
        os.close(fd)
        return say_req(n, f"{path}: replaced between lstat and open: refused")
    return fd


def open_traced(path, flags):
    trace.before("open", -1, obj=path)
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as e:
        trace.after("open", -1, -1, e.errno)
        die(f"open {path}", e)
    trace.after("open", fd, fd)
    return fd


def main(argv):
    count, n, keep_open, at_eof = 0, 0, True, False
    args = iter(argv[1:])
    rest = []
    usage = f"usage: {argv[0]} [-n COUNT] [--no-keep-open] [--] DIR"
    for arg in args:
        if rest or not arg.startswith("-"):
            rest.append(arg)
        elif arg == "-n":
            count = parse_long("-n", option_value(arg, args), 0, 1000000)
        elif arg == "--no-keep-open":
            keep_open = False
        elif arg == "--":           # a DIR that starts with '-'
            rest.extend(args)
            break
        else:                       # -h, --help, an unknown option
            fail(2, usage)
    if len(rest) != 1:
        fail(2, usage)
    folder = rest[0]
    if not folder:
        fail(2, "DIR is empty: give a directory's path")
    fifo = (folder.rstrip("/") or "/") + "/server"     # "priv/": priv/server, not priv//server
    if len(os.fsencode(fifo)) >= PATH_MAX:
        fail(2, f"DIR: longer than {PATH_MAX - 8} bytes")
    dirst = private_dir(folder)     # ours, 0700: nobody else can put a name in it
    try:
        dirfd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as e:
        die(f"open {folder}", e)

    # A client gone before its reply makes write() fail with EPIPE, for that
    # reply only: SIGPIPE stays ignored (Python's default), as in C.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, remove_and_die)
    try:
        os.mkfifo(fifo, 0o600)          # EEXIST: never reuse one
    except FileExistsError as e:
        fail(1, f"mkfifo {fifo}: {os.strerror(e.errno)} (left from an earlier run?)")
    except OSError as e:
        die(f"mkfifo {fifo}", e)
    made.append(fifo)
    undo_push(os.unlink, fifo)

    say(f"{progname()}: waiting for the first client on {fifo}")
    rfd = open_traced(fifo, os.O_RDONLY)
    try:
        ours = os.fstat(rfd)
    except OSError as e:
        die(f"fstat {fifo}", e)
    # Our own write end: while we hold it, read() never returns 0 when the
    # last client closes; it sleeps until the next client writes.
    if keep_open:
        open_traced(fifo, os.O_WRONLY)

    while count == 0 or n < count:
        req = read_request(n + 1, rfd, fifo)
        if req is None:                 # only without our write end
            if not at_eof:
                say(f"{progname()}: read {fifo}: 0, end of file: no client has it open;"
                    f" reading again")
            at_eof = True               # say it once, then spin
            continue
        at_eof = False
        n += 1
        request = None if req == -1 else take_request(n, req)
        if request is None:
            continue
        path, text = request
        fd = open_reply(n, path, folder, dirfd, dirst, ours)
        if fd == -1:
            continue
        try:
            frame.write(fd, f"answer {n}: {text} (from Python)".encode())
        except OSError as e:
            not_sent(n, "write", path, dirfd, e, e.errno == errno.EPIPE)
        try:
            os.close(fd)
        except OSError as e:
            die(f"close {path}", e)
    made.clear()
    try:
        os.unlink(fifo)
    except OSError as e:
        die(f"unlink {fifo}", e)
    close_stdout()
    say(f"{progname()}: served {n} {plural(n, 'request', 'requests')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
