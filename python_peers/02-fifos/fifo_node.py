#!/usr/bin/env python3
"""fifo_node.py - one of two programs that talk over two FIFOs, one each way.

Usage: fifo_node.py [-n COUNT] [--make] [--open-order ORDER] [--] a|b DIR
  a|b                node a sends COUNT pings (-n: 1 to 1000000, default
                     3) and reads each reply; b answers until a goes (EOF)
  DIR                our private directory (mode 0700): DIR/a-to-b and
                     DIR/b-to-a are the FIFOs
  --make             make both FIFOs (0600), remove them once both nodes
                     have them open (or on a failure or a signal before):
                     start this node first
  --open-order ORDER same: both open a-to-b first, then b-to-a (the
                     default: cannot deadlock); read-first: each opens the
                     FIFO it reads first; write-first: the one it writes
                     first. Either of those two deadlocks.

     node a                                    node b
     DIR/a-to-b (write) ---- "ping 1" ------> DIR/a-to-b (read)
     DIR/b-to-a (read)  <--- "pong: ping 1 .." DIR/b-to-a (write)

What to watch: open() of a FIFO sleeps until the other end is opened too
(the kernel shows the node asleep in openat). With --open-order read-first
a waits for a writer on b-to-a while b waits for one on a-to-b: for ever.
Opening in the same order on both sides, as one takes locks, cannot
deadlock. A name is checked before open() and after: a file, a directory,
a link, another user's FIFO, one open to others, or one swapped in between
is refused, never written through. Messages are lesson 01's frames
(ipclab/frame.py). Mirror: fifo_node.c.
"""
import errno
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import frame, trace                       # noqa: E402
from ipclab.rundir import fifo_refused, private_dir   # noqa: E402
from ipclab.err import (close_stdout, die, fail, fd_object, option_value,  # noqa: E402
                        out, parse_long, plural, progname, say, set_progname, undo_clear,
                        undo_push)

# The pong is "pong: " PING " (from Python)": this much longer than the ping.
BEFORE, AFTER = b"pong: ", b" (from Python)"
PONG_EXTRA = len(BEFORE) + len(AFTER)
PATH_MAX = 4096     # <limits.h>: a path with its NUL
USAGE = "[-n COUNT] [--make] [--open-order same|read-first|write-first] [--] a|b DIR"
made = []       # the FIFOs this run made, for the signal handler


def remove_and_die(sig, _frame):
    """A FIFO outlives the process that made it: an ended node removes its
    own, then dies of the signal as it would have."""
    for path in made:
        try:
            os.unlink(path)
        except OSError:
            pass
    signal.signal(sig, signal.SIG_DFL)
    os.kill(os.getpid(), sig)


def open_fifo(path, flags):
    """Open one FIFO, saying first what we wait for: open() of a FIFO returns
    only once somebody has the other end open. lstat first: only a FIFO of
    ours that nobody else can open is opened (a file, a directory, a link,
    another user's FIFO or one open to others is never written through);
    fstat after: the same FIFO, not one put at the name in between."""
    try:
        st = os.lstat(path)
    except OSError as e:
        if e.errno == errno.ENOENT and not made:    # we did not make it: nobody has
            fail(1, f"lstat {path}: {os.strerror(e.errno)} (start the other node with "
                    "--make first?)")
        die(f"lstat {path}", e)
    why = fifo_refused(st)              # not a FIFO, not ours, not 0600
    if why:
        fail(1, f"{path}: {why}: refused")
    acc = flags & os.O_ACCMODE
    how = ("reading" if acc == os.O_RDONLY else "writing" if acc == os.O_WRONLY
           else "reading and writing")
    say(f"{progname()}: opening {path} for {how}: waits for the other end")
    trace.before("open", -1, obj=path)
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as e:
        trace.after("open", -1, -1, e.errno)
        die(f"open {path}", e)
    trace.after("open", fd, fd)
    try:
        now = os.fstat(fd)
    except OSError as e:
        die(f"fstat {path}", e)
    if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
        fail(1, f"{path}: replaced between lstat and open: refused")
    return fd


def main(argv):
    count, sent, got, make, order = 3, 0, 0, False, "same"
    # SIGINT would be KeyboardInterrupt (a traceback on Ctrl-C): put back
    # the kernel's default, as in C. SIGPIPE stays ignored (Python's
    # default): a peer that goes makes write() fail with EPIPE: we say so.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    args = iter(argv[1:])
    rest = []
    for arg in args:
        if rest or not arg.startswith("-"):
            rest.append(arg)
        elif arg == "-n":
            count = parse_long("-n", option_value(arg, args), 1, 1000000)
        elif arg == "--make":
            make = True
        elif arg == "--open-order":
            order = option_value(arg, args)
        elif arg == "--":           # the end of the options
            rest.extend(args)
            break
        else:                       # -h, --help, an unknown option
            fail(2, f"usage: {argv[0]} {USAGE}")
    if (len(rest) != 2 or rest[0] not in ("a", "b")
            or order not in ("same", "read-first", "write-first")):
        fail(2, f"usage: {argv[0]} {USAGE}")
    role, folder = rest
    if not folder:
        fail(2, "DIR is empty: give a directory's path")
    set_progname(f"{progname()} {role}")    # "fifo_node.py b": every line says which node
    is_a = role == "a"
    base = folder.rstrip("/") or "/"        # "priv/": priv/a-to-b, not priv//a-to-b
    a_to_b, b_to_a = f"{base}/a-to-b", f"{base}/b-to-a"
    if len(os.fsencode(b_to_a)) >= PATH_MAX:
        fail(2, f"DIR: longer than {PATH_MAX - 8} bytes")
    private_dir(folder)             # ours, 0700: nobody else can put a name in it

    if make:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(sig) != signal.SIG_IGN:     # ignored stays ignored
                signal.signal(sig, remove_and_die)
        # mkfifo fails with EEXIST on anything already there: never reuse
        # what this run did not make (the tutorial's "unless it exists").
        for path in (a_to_b, b_to_a):
            try:
                os.mkfifo(path, 0o600)
            except FileExistsError as e:    # the same words as fifo_server's
                fail(1, f"mkfifo {path}: {os.strerror(e.errno)} (left from an earlier run?)")
            except OSError as e:
                die(f"mkfifo {path}", e)
            undo_push(os.unlink, path)
            made.append(path)

    # a writes a-to-b and reads b-to-a; b the other way round. The order:
    # "same" opens a-to-b first on both sides, so one node's first open
    # meets the other's first open.
    rpath, wpath = (b_to_a, a_to_b) if is_a else (a_to_b, b_to_a)
    read_first = order == "read-first" or (order == "same" and not is_a)
    if read_first:
        rfd = open_fifo(rpath, os.O_RDONLY)
        wfd = open_fifo(wpath, os.O_WRONLY)
    else:
        wfd = open_fifo(wpath, os.O_WRONLY)
        rfd = open_fifo(rpath, os.O_RDONLY)
    # Both nodes have both FIFOs open: the names are no longer needed.
    if make:
        paths = list(made)
        made.clear()
        for path in paths:
            try:
                os.unlink(path)
            except OSError as e:
                die(f"unlink {path}", e)
        undo_clear()

    if is_a:
        for sent in range(count):
            try:
                frame.write(wfd, f"ping {sent + 1}".encode())
            except OSError as e:
                die(f"write {fd_object(wfd)}", e)
            try:
                pong = frame.read(rfd)
            except frame.FrameError as e:
                fail(1, f"reply {sent + 1} from {rpath}: {e}")
            if pong is None:
                fail(1, f"reply {sent + 1} from {rpath}: end of file: node b is gone")
            got += 1        # a peer's bytes are shown, not obeyed
            out(f"reply {got}: " + "".join(chr(c) if 32 <= c < 127 else "." for c in pong))
        sent = count
        # Our write end closed: b reads EOF, answers no more, and closes its own.
        try:
            os.close(wfd)
        except OSError as e:
            die(f"close {wpath}", e)
        try:
            extra = frame.read(rfd)
        except frame.FrameError as e:
            fail(1, f"{rpath}: {e} after the last reply")
        if extra is not None:
            fail(1, f"{rpath}: a reply to no ping after the last reply")
    else:
        while True:
            try:
                ping = frame.read(rfd)
            except frame.FrameError as e:
                fail(1, f"ping {got + 1} from {rpath}: {e}")
            if ping is None:
                break
            # A pong must fit in a frame: refuse a ping too long to answer whole.
            if len(ping) > frame.FRAME_MAX - PONG_EXTRA:
                fail(1, f"ping {got + 1} from {rpath}: {len(ping)} bytes is too long "
                        f"to answer")
            try:
                frame.write(wfd, BEFORE + ping + AFTER)
            except OSError as e:
                die(f"write {fd_object(wfd)}", e)
            got += 1
        try:
            os.close(wfd)           # a reads EOF after our last pong
        except OSError as e:
            die(f"close {wpath}", e)
    close_stdout()
    if is_a:
        say(f"{progname()}: sent {sent} {plural(sent, 'ping', 'pings')}, "
            f"got {got} {plural(got, 'reply', 'replies')}")
    else:
        say(f"{progname()}: answered {got} {plural(got, 'ping', 'pings')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
