#!/usr/bin/env python3
"""pipe_parent.py - talk to a child program over two pipes, one each way.

Usage: pipe_parent.py [-n COUNT] [--forget-close] -- CHILD [ARG...]
  -n COUNT          pings to send, 1 to 1000 (default 3)
  --forget-close    keep our copy of the up pipe's write end (the bug)
  CHILD ARG...      the child command; it gets two more arguments: the
                    descriptor to read pings from and the one to answer on

     parent                              child
     down[1] ---- "ping 1" ---------->  down[0]  (RFD)
     up[0]   <--- "pong: ping 1 ..." -- up[1]    (WFD)

What to watch: the parent sends its pings, closes its write end (so the
child's read() returns 0), then reads replies until EOF, which comes only
when every write end of the up pipe is closed: the child's, when it exits,
and the parent's own copy. With --forget-close the parent keeps that copy:
the child exits and stays a zombie (nobody reaps it yet) while the parent
sleeps in read() forever.
Mirror: demos/01-pipes/pipe_parent.c. Child: pipe_child.c/.py.
"""
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import frame, trace                       # noqa: E402
from ipclab.err import die, fail, fd_object, parse_long, progname  # noqa: E402


def start_child(cmd, rfd, wfd):
    """Run CMD RFD WFD with our two ends kept across exec."""
    # os.pipe() made every end non-inheritable (close-on-exec); pass_fds
    # hands the child just the two ends it uses. Were the other two
    # inherited, the child would hold a write end of the down pipe it reads
    # (its read() would never return 0) and the parent would lose EOF the
    # same way. The trace descriptor goes along so the child is traced too.
    try:
        return subprocess.Popen(cmd + [str(rfd), str(wfd)],
                                pass_fds=(rfd, wfd) + trace.inherited_fds())
    except OSError as e:
        die(f"exec {cmd[0]}", e)


def main(argv):
    count, forget, got = 3, False, 0
    # Python ignores SIGPIPE by default (write raises BrokenPipeError); put
    # back the kernel's default so this program behaves like the C one.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    usage = f"usage: {argv[0]} [-n COUNT] [--forget-close] -- CHILD [ARG...]"
    i = 1
    while i < len(argv) and argv[i] != "--":
        if argv[i] == "-n" and i + 1 < len(argv):
            i += 1
            count = parse_long("-n", argv[i], 1, 1000)
        elif argv[i] == "--forget-close":
            forget = True
        else:
            break
        i += 1
    if i + 1 >= len(argv) or argv[i] != "--":
        fail(2, usage)
    sys.stdout.reconfigure(line_buffering=True)

    try:
        down_r, down_w = os.pipe()
        up_r, up_w = os.pipe()
    except OSError as e:
        die("pipe", e)
    child = start_child(argv[i + 1:], down_r, up_w)
    print(f"{progname()}: child {child.pid} reads fd {down_r}, answers on fd {up_w}",
          file=sys.stderr)

    # The child has its own copies of its ends: close ours.
    try:
        os.close(down_r)
        if not forget:
            os.close(up_w)
    except OSError as e:
        die("close", e)
    if forget:
        print(f"{progname()}: --forget-close: keeping {fd_object(up_w)}, the up "
              "pipe's write end: EOF will never come", file=sys.stderr)

    # COUNT is at most 1000, so all replies fit in the up pipe while we
    # are still sending: the child never blocks on a full pipe.
    for n in range(1, count + 1):
        try:
            frame.write(down_w, f"ping {n}".encode())
        except OSError as e:
            die(f"write {fd_object(down_w)}", e)
    # Our write end closed: after the last ping the child's read() returns 0.
    try:
        os.close(down_w)
    except OSError as e:
        die(f"close {fd_object(down_w)}", e)

    while True:
        try:
            reply = frame.read(up_r)
        except frame.FrameError as e:
            fail(1, f"reply {got + 1} from {fd_object(up_r)}: {e}")
        if reply is None:
            break
        got += 1
        print(f"reply {got}: {reply.decode(errors='replace')}")

    try:
        status = child.wait()
    except OSError as e:
        die(f"waitpid {child.pid}", e)
    if status >= 0:
        print(f"child exited with status {status}")
    else:
        print(f"child killed by signal {-status} ({signal.strsignal(-status)})")
    print(f"{progname()}: sent {count} pings, got {got} replies", file=sys.stderr)
    return 0 if got == count and status == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
