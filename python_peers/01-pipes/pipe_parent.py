#!/usr/bin/env python3
"""pipe_parent.py - talk to a child program over two pipes, one each way.

Usage: pipe_parent.py [-n COUNT] [--pipe-size BYTES] [--send-first] [--forget-close]
                      -- CHILD [ARG...]
  -n COUNT            pings to send, 1 to 1000 (default 3)
  --pipe-size BYTES   make both pipes hold BYTES, 4096 to 1048576 (F_SETPIPE_SZ;
                      the kernel rounds up to a power of two of 4 KiB pages)
  --send-first        send every ping before reading a reply (the deadlock)
  --forget-close      keep our copy of the up pipe's write end (the EOF bug)
  CHILD ARG...        the child command; it gets two more arguments: the
                      descriptor to read pings from and the one to answer on

     parent                              child
     down[1] ---- "ping 1" ---------->  down[0]  (RFD)
     up[0]   <--- "pong: ping 1 ..." -- up[1]    (WFD)

What to watch: the parent sends its pings while it reads the replies, then
closes its write end (so the child's read() returns 0) and reads the rest
until EOF, which comes only when every write end of the up pipe is closed:
the child's, when it exits, and the parent's own copy. With --forget-close
the parent keeps that copy: the child exits and stays a zombie (nobody
reaps it yet) while the parent sleeps in read() forever. With --send-first
and more replies than the up pipe holds, both sleep in write() forever.
Mirror: demos/01-pipes/pipe_parent.c. Child: pipe_child.c/.py.
"""
import fcntl
import os
import select
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import frame, trace                       # noqa: E402
from ipclab.err import (close_stdout, die, fail, fd_object, how_it_ended,  # noqa: E402
                        option_value, out, parse_long, plural, progname, say,
                        undo_child, undo_clear)


def start_child(cmd, rfd, wfd):
    """Run CMD RFD WFD with our two ends kept across exec."""
    # Popen reports a failed exec here, in the parent: its child sends errno
    # back through a close-on-exec pipe (pipe_parent.c does it by hand).
    # The trace descriptor goes along so the child is traced too.
    try:
        return subprocess.Popen(cmd + [str(rfd), str(wfd)],
                                pass_fds=(rfd, wfd) + trace.inherited_fds())
    except OSError as e:
        die(f"exec {cmd[0]}", e)


def read_reply(fd, n, sent):
    """Read reply n and print it, bytes other than printable ASCII as '.'.
    Returns False at EOF: no write end of the pipe is left open anywhere. A
    reply past the sent pings answers nothing: a child that floods us."""
    try:
        reply = frame.read(fd)
    except frame.FrameError as e:
        fail(1, f"reply {n} from {fd_object(fd)}: {e}")
    if reply is None:
        return False
    if n > sent:
        fail(1, f"reply {n} from {fd_object(fd)}: a reply to no ping: {sent} "
                f"{plural(sent, 'ping', 'pings')} sent")
    out(f"reply {n}: " + "".join(chr(b) if 32 <= b < 127 else "." for b in reply))
    return True


def main(argv):
    count, size, sent, got, forget, send_first = 3, 0, 0, 0, False, False
    # SIGPIPE stays ignored (Python's default, as pipe_parent.c sets it): a
    # child that closes its end early makes our next write fail with EPIPE,
    # and we say so and end the child, rather than die of SIGPIPE and leave
    # it behind. (Popen puts SIGPIPE back to its default in the child.)
    # SIGINT would be KeyboardInterrupt (a traceback on Ctrl-C): put back
    # the kernel's default, as in C. (SIGINT ignored from the start, in a
    # background job, stays ignored, as in C.)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    args = iter(argv[1:])
    arg = next(args, "--")
    while arg != "--":
        if arg == "-n":
            count = parse_long("-n", option_value(arg, args), 1, 1000)
        elif arg == "--pipe-size":
            size = parse_long("--pipe-size", option_value(arg, args), 4096, 1048576)
        elif arg == "--send-first":
            send_first = True
        elif arg == "--forget-close":
            forget = True
        else:
            break
        arg = next(args, "--")
    cmd = list(args)
    if arg != "--" or not cmd:
        fail(2, f"usage: {argv[0]} [-n COUNT] [--pipe-size BYTES] [--send-first] "
                "[--forget-close] -- CHILD [ARG...]")

    # os.pipe() ends are close-on-exec (pipe2(O_CLOEXEC)): no end leaks into
    # the program the child runs unless named in pass_fds. Were the other two
    # inherited, the child would hold a write end of the down pipe it reads
    # (its read() would never return 0) and we would lose EOF the same way.
    try:
        down_r, down_w = os.pipe()
    except OSError as e:
        die("pipe2 (down)", e)
    try:
        up_r, up_w = os.pipe()
    except OSError as e:
        die("pipe2 (up)", e)
    if size:                    # F_SETPIPE_SZ returns the size the kernel chose
        try:
            held = fcntl.fcntl(down_w, fcntl.F_SETPIPE_SZ, size)
        except OSError as e:
            die(f"fcntl F_SETPIPE_SZ {fd_object(down_w)}", e)
        try:
            fcntl.fcntl(up_w, fcntl.F_SETPIPE_SZ, size)
        except OSError as e:
            die(f"fcntl F_SETPIPE_SZ {fd_object(up_w)}", e)
        say(f"{progname()}: --pipe-size: each pipe holds {held} bytes")
    child = start_child(cmd, down_r, up_w)
    undo_child(child.pid, cmd[0])   # ours: if we fail, ended and reaped
    say(f"{progname()}: child {child.pid} reads fd {down_r}, answers on fd {up_w}")

    # The child has its own copies of its ends: close ours.
    for fd in (down_r,) if forget else (down_r, up_w):
        try:
            os.close(fd)
        except OSError as e:
            die(f"close {fd_object(fd)}", e)
    if forget:
        say(f"{progname()}: --forget-close: keeping {fd_object(up_w)}, the up "
            "pipe's write end: EOF will never come")

    # Read while we send. The replies fill the up pipe while we are still
    # sending, and a pipe may hold little: 64 KiB by default, 8 KiB for a
    # user past /proc/sys/fs/pipe-user-pages-soft. Were we to send every
    # ping first (--send-first), we could sleep in write() on a full down
    # pipe while the child sleeps in write() on a full up pipe, each waiting
    # for the other for ever. poll() says which end is ready: POLLOUT means
    # a free page, so a ping (at most PIPE_BUF bytes) goes in at once.
    poller = select.poll()
    poller.register(up_r, select.POLLIN)
    poller.register(down_w, select.POLLOUT)
    while sent < count:
        if send_first:
            ready = {down_w}                    # don't look, write
        else:
            try:                                # EINTR: Python retries (PEP 475)
                ready = {fd for fd, _ in poller.poll()}
            except OSError as e:
                die(f"poll {fd_object(up_r)}", e)
        if up_r in ready:
            if not read_reply(up_r, got + 1, sent):
                break           # EOF: the child is gone before our last ping
            got += 1
        if down_w in ready:     # room, or POLLERR: the write says why
            try:
                frame.write(down_w, f"ping {sent + 1}".encode())
            except OSError as e:
                die(f"write {fd_object(down_w)}", e)
            sent += 1
    # Our write end closed: after the last ping the child's read() returns 0.
    try:
        os.close(down_w)
    except OSError as e:
        die(f"close {fd_object(down_w)}", e)
    while read_reply(up_r, got + 1, sent):
        got += 1

    try:
        status = child.wait()
    except OSError as e:
        die(f"waitpid {child.pid}", e)
    undo_clear()                    # reaped: nothing left to end
    out(f"child {how_it_ended(status)}")
    close_stdout()
    say(f"{progname()}: sent {sent} {plural(sent, 'ping', 'pings')}, "
        f"got {got} {plural(got, 'reply', 'replies')}")
    return 0 if got == count and status == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
