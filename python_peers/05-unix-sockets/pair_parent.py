#!/usr/bin/env python3
"""pair_parent.py - talk to lesson 01's child program over one
socketpair() instead of two pipes.

Usage: pair_parent.py [-n COUNT] [--forget-close] -- CHILD [ARG...]
  -n COUNT        pings to send, 1 to 100 (default 3)
  --forget-close  keep our copy of the child's end (the EOF bug)
  CHILD ARG...    the child command: lesson 01's pipe_child (or
                  pipe_child.py), unchanged. It gets two more arguments,
                  "0 1": it reads pings on its fd 0 and answers on its
                  fd 1, both its end of the pair

     parent                                 child
     sv[0]  <== frames both ways ==>  sv[1] as fd 0 and fd 1

What to watch: a socketpair is the pipe's anonymous relative that goes
both ways: one pair instead of two pipes. We send every ping, then
shutdown(SHUT_WR): the child's read() returns 0 however many descriptors
of our end exist (shutdown acts on the socket, where a pipe's reader
waits for every write end to close). Then we read the replies until EOF,
which comes only once every descriptor of the child's end is closed: its
two, when it exits, and ours. With --forget-close we keep ours: the child
exits (a zombie: not reaped yet) and we sleep in read() for ever.
At most 100 pings: sent before any reply is read, they and the replies
fit in the socket's buffers (past that, lesson 01's --send-first deadlock).
Mirror: demos/05-unix-sockets/pair_parent.c.
"""
import os
import signal
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import frame, trace                       # noqa: E402
from ipclab.err import (close_stdout, die, fail, fd_object, how_it_ended,  # noqa: E402
                        option_value, out, parse_long, plural, progname, say,
                        undo_child, undo_clear)


def read_reply(fd, n, sent):
    """Read reply n and print it, bytes other than printable ASCII as '.'.
    Returns False at EOF: no descriptor of the child's end is open anywhere.
    A reply past the pings answers nothing: a child that floods us."""
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
    count, got, forget = 3, 0, False
    # As in C: Ctrl-C ends us with no traceback. (SIGPIPE stays ignored,
    # Python's default; our sends use MSG_NOSIGNAL anyway, and Popen puts
    # SIGPIPE back to its default in the child.)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    args = iter(argv[1:])
    arg = next(args, "--")
    while arg != "--":
        if arg == "-n":
            count = parse_long("-n", option_value(arg, args), 1, 100)
        elif arg == "--forget-close":
            forget = True
        else:
            break
        arg = next(args, "--")
    cmd = list(args)
    if arg != "--" or not cmd:
        fail(2, f"usage: {argv[0]} [-n COUNT] [--forget-close] -- CHILD [ARG...]")
    if not cmd[0]:
        fail(2, "CHILD is empty: name the child's program (lesson 01's pipe_child)")

    # socketpair()'s ends are close-on-exec (non-inheritable): neither
    # leaks into the child's program but as the two copies Popen makes for
    # it (stdin, stdout: dup2 clears the flag on a copy).
    try:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    except OSError as e:
        die("socketpair", e)
    # Popen reports a failed exec here, in the parent. The trace descriptor
    # goes along so the child is traced too.
    try:
        child = subprocess.Popen(cmd + ["0", "1"], stdin=theirs.fileno(), stdout=theirs.fileno(),
                                 pass_fds=trace.inherited_fds())
    except OSError as e:
        die(f"exec {cmd[0]}", e)
    undo_child(child.pid, cmd[0])   # ours: if we fail, ended and reaped
    say(f"{progname()}: child {child.pid} reads and answers on its fd 0 and fd 1, the pair's"
        " other end")

    if not forget:                  # the child has its own copies of its end
        try:
            theirs.close()
        except OSError as e:
            die(f"close {fd_object(theirs.fileno())}", e)
    else:
        say(f"{progname()}: --forget-close: keeping {fd_object(theirs.fileno())}, the child's "
            "end: EOF will never come")

    # MSG_NOSIGNAL: a child gone makes send fail with EPIPE, which we
    # report (and end it), instead of SIGPIPE killing us and leaving it.
    for k in range(1, count + 1):
        try:
            frame.send(ours, f"ping {k}".encode(), socket.MSG_NOSIGNAL)
        except OSError as e:
            die(f"send {fd_object(ours.fileno())}", e)
    # No more pings: the child's read() returns 0. We can still read.
    try:
        ours.shutdown(socket.SHUT_WR)
    except OSError as e:
        die(f"shutdown {fd_object(ours.fileno())}", e)
    say(f"{progname()}: sent {count} {plural(count, 'ping', 'pings')}, then shutdown(SHUT_WR): "
        "the child reads EOF")
    while read_reply(ours.fileno(), got + 1, count):
        got += 1

    try:
        status = child.wait()
    except OSError as e:
        die(f"waitpid {child.pid}", e)
    undo_clear()                    # reaped: nothing left to end
    out(f"child {how_it_ended(status)}")
    close_stdout()
    say(f"{progname()}: got {got} {plural(got, 'reply', 'replies')}")
    return 0 if got == count and status == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
