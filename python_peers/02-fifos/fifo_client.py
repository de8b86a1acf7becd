#!/usr/bin/env python3
"""fifo_client.py - send one request to fifo_server and print its answer,
which comes back on a reply FIFO of our own.

Usage: fifo_client.py [--] DIR TEXT      (-- : a DIR that starts with "-")
  DIR    the server's private directory (ours, mode 0700)
  TEXT   the request; with the reply path, at most 4092 bytes

The request is one frame: DIR/client-PID (DIR made absolute: the server
runs elsewhere), a NUL byte, TEXT.
What to watch: the reply FIFO is made (0600) and opened before the
request goes, so the server, which opens it with O_NONBLOCK, finds a
reader as long as we live. We hold a write end of it too: without one
it would read as end of file (no writer) until the server opens it.
After the request we keep our write end of DIR/server and sleep in
poll() on both: POLLIN on the reply FIFO when the answer comes, POLLERR
on DIR/server once no process has it open for reading: the server is
gone, seen at once, with no timeout. The request is at most PIPE_BUF
bytes: one write() the kernel never mixes with another client's.
DIR/server is looked at before open() and after, as fifo_node does: lstat
(only a FIFO of ours, 0600), O_NOFOLLOW, fstat (the same inode).
DIR/server is opened with O_NONBLOCK: with no server reading it (a FIFO
left by a killed server) that is ENXIO, said at once, not a wait for
ever in open(). A reply path the server would refuse (not printable
ASCII) is refused here first: the server could answer nobody.
Mirror: fifo_client.c.
"""
import errno
import os
import select
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import frame, trace                       # noqa: E402
from ipclab.rundir import fifo_refused, private_dir   # noqa: E402
from ipclab.err import (close_stdout, die, fail, out, say,  # noqa: E402
                        progname, undo_clear, undo_push)

# A request frame, its 4-byte header included, fits in PIPE_BUF: the kernel
# writes it whole, never mixed with the bytes of other clients writing to
# the same FIFO at once. A longer one could be split and interleaved.
REQUEST_MAX = select.PIPE_BUF - 4
PATH_MAX = 4096     # <limits.h>: a path with its NUL
made = []           # DIR/client-PID once made, for the signal handler


def remove_and_die(sig, _frame):
    """Ended by a signal, we remove our FIFO, then die of the signal as we
    would have."""
    for path in made:
        try:
            os.unlink(path)
        except OSError:
            pass
    signal.signal(sig, signal.SIG_DFL)
    os.kill(os.getpid(), sig)


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
    i = 2 if argv[1:2] == ["--"] else 1         # a DIR that starts with '-'
    if len(argv) - i != 2 or (i == 1 and argv[1].startswith("-")):  # -h, --help, any option
        fail(2, f"usage: {argv[0]} [--] DIR TEXT")
    folder, text = argv[i], os.fsencode(argv[i + 1])
    if not folder:
        fail(2, "DIR is empty: give a directory's path")
    server = (folder.rstrip("/") or "/") + "/server"   # "priv/": priv/server, not priv//server
    if len(os.fsencode(server)) >= PATH_MAX:
        fail(2, f"DIR: longer than {PATH_MAX - 16} bytes")
    private_dir(folder)             # ours, 0700: nobody else can put a name in it
    # The server looks a relative path up from its own working directory,
    # not ours: the reply path we send is absolute, DIR resolved. 7 digits:
    # pid_max is at most 2^22, so every name has the same length.
    try:
        absdir = os.path.realpath(folder, strict=True)
    except OSError as e:
        die(f"realpath {folder}", e)
    reply = f"{absdir}/client-{os.getpid():07d}"
    if len(os.fsencode(reply)) >= PATH_MAX:
        fail(2, f"DIR: longer than {PATH_MAX - 16} bytes")
    # The server refuses a reply path that is not printable ASCII, and can
    # answer nobody then: we would wait for ever. Refused here, first.
    if not all(32 <= c < 127 for c in os.fsencode(reply)):
        shown = "".join(chr(c) if 32 <= c < 127 else "." for c in os.fsencode(reply))
        fail(1, f"{shown}: a reply path that is not printable ASCII ('.' here): the server "
                "would refuse it and answer nobody")
    req = os.fsencode(reply) + b"\0" + text
    if len(req) > REQUEST_MAX:
        fail(2, f"request: {len(req)} bytes (reply path, NUL, TEXT) is longer than PIPE_BUF"
                f" less the header ({REQUEST_MAX}): it could interleave with other clients'")
    # lstat before anything is made: only a FIFO of ours, 0600, is opened.
    # Another user's, or a 0644 one, may be anybody's: open() would hand
    # them our request, or sleep for ever for a reader that never comes.
    try:
        st = os.lstat(server)
    except OSError as e:
        if e.errno == errno.ENOENT:
            fail(1, f"lstat {server}: {os.strerror(e.errno)} (start fifo_server first?)")
        die(f"lstat {server}", e)
    refused = fifo_refused(st)
    if refused:
        fail(1, f"{server}: {refused}: refused")

    # A server gone before our write: EPIPE, said, our FIFO removed
    # (SIGPIPE stays ignored, Python's default, as in C).
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, remove_and_die)
    try:
        os.mkfifo(reply, 0o600)
    except OSError as e:
        die(f"mkfifo {reply}", e)
    made.append(reply)
    undo_push(os.unlink, reply)
    # Our read end first (O_NONBLOCK: no writer yet), then our own write
    # end; then reads may sleep again.
    rfd = open_traced(reply, os.O_RDONLY | os.O_NONBLOCK)
    keep = open_traced(reply, os.O_WRONLY)
    try:
        os.set_blocking(rfd, True)              # O_NONBLOCK off
    except OSError as e:
        die(f"fcntl {reply}", e)

    # O_NONBLOCK: a FIFO nobody reads (a server killed, its FIFO left
    # behind) fails at once with ENXIO, where open() would sleep for ever.
    trace.before("open", -1, obj=server)
    try:
        sfd = os.open(server, os.O_WRONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as e:
        trace.after("open", -1, -1, e.errno)
        if e.errno == errno.ENXIO:
            fail(1, f"no server is reading {server}")
        die(f"open {server}", e)
    trace.after("open", sfd, sfd)
    # We keep this descriptor, O_NONBLOCK cleared: a second, blocking open()
    # would sleep for ever if the server went in between, and our write()
    # must wait for room in a full FIFO, not fail with EAGAIN.
    try:
        os.set_blocking(sfd, True)            # O_NONBLOCK off
    except OSError as e:
        die(f"fcntl {server}", e)
    say(f"{progname()}: sending to {server}")
    try:
        now = os.fstat(sfd)
    except OSError as e:
        die(f"fstat {server}", e)
    if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
        fail(1, f"{server}: replaced between lstat and open: refused")
    try:
        frame.write(sfd, req)
    except OSError as e:
        die(f"write {server}", e)

    # Our write end of DIR/server stays open: poll() reports POLLERR on a
    # FIFO's write end once no process has it open for reading. A server
    # that dies before it answers is seen at once, from the kernel (TLPI's
    # client, asleep in read() holding a writer of its own FIFO, waits for
    # ever then). An answer that has come wins over a server gone since.
    poller = select.poll()
    poller.register(rfd, select.POLLIN)
    poller.register(sfd, 0)
    trace.before("poll", rfd, obj=server)
    try:
        ready = dict(poller.poll())
    except OSError as e:
        trace.after("poll", rfd, -1, e.errno)
        die(f"poll {reply} and {server}", e)
    trace.after("poll", rfd, len(ready))
    if not ready.get(rfd, 0) & select.POLLIN and ready.get(sfd, 0) & select.POLLERR:
        fail(1, f"{server}: no reader left: the server is gone before answering")
    # The answer has begun: without our own writer, a server that dies in
    # the middle of it is end of file, not a wait for ever.
    try:
        os.close(sfd)
    except OSError as e:
        die(f"close {server}", e)
    try:
        os.close(keep)
    except OSError as e:
        die(f"close {reply}", e)
    try:
        answer = frame.read(rfd)
    except frame.FrameError as e:
        fail(1, f"answer from {reply}: {e}")
    if answer is None:
        fail(1, f"answer from {reply}: end of file")
    out("".join(chr(c) if 32 <= c < 127 else "." for c in answer))  # shown, not obeyed
    try:
        os.close(rfd)
    except OSError as e:
        die(f"close {reply}", e)
    made.clear()
    try:
        os.unlink(reply)
    except OSError as e:
        die(f"unlink {reply}", e)
    undo_clear()
    close_stdout()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
