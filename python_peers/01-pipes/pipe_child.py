#!/usr/bin/env python3
"""pipe_child.py - answer every ping from the parent, until EOF.

Usage: pipe_child.py RFD WFD      (pipe_parent appends the two numbers)
  RFD   the descriptor to read pings from (the down pipe's read end)
  WFD   the descriptor to answer on (the up pipe's write end)

What to watch: the child reads until read() returns 0, which happens only
after the parent has closed its write end of the down pipe. When the child
exits, its WFD closes; the parent sees EOF only if it holds no copy of that
end itself (pipe_parent --forget-close).
Mirror: demos/01-pipes/pipe_child.c. Parent: pipe_parent.c/.py.
"""
import fcntl
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import frame, trace                       # noqa: E402
from ipclab.err import die, fail, fd_object, parse_long, plural, progname, say  # noqa: E402

# The pong is "pong: " PING " (from Python)": this much longer than the ping.
BEFORE, AFTER = b"pong: ", b" (from Python)"
PONG_EXTRA = len(BEFORE) + len(AFTER)


def main(argv):
    answered = 0
    # Python ignores SIGPIPE (a write raises BrokenPipeError instead) and
    # turns SIGINT into KeyboardInterrupt (a traceback on Ctrl-C): put back
    # the kernel's defaults so this program behaves like the C one. (SIGINT
    # ignored from the start, in a background job, stays ignored, as in C.)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    if len(argv) != 3:
        fail(2, f"usage: {argv[0]} RFD WFD")
    rfd = parse_long("RFD", argv[1], 0, 1023)
    wfd = parse_long("WFD", argv[2], 0, 1023)
    # Refuse descriptors we were not given before reading anything.
    for name, fd in (("RFD", rfd), ("WFD", wfd)):
        try:
            fcntl.fcntl(fd, fcntl.F_GETFD)
        except OSError as e:
            die(f"{name} fd {fd}", e)

    while True:
        try:
            ping = frame.read(rfd)
        except frame.FrameError as e:
            fail(1, f"ping {answered + 1} from {fd_object(rfd)}: {e}")
        if ping is None:
            break
        # A pong must fit in a frame (FRAME_MAX). Refuse a ping too long to
        # answer whole: an answer silently cut short is a wrong answer.
        if len(ping) > frame.FRAME_MAX - PONG_EXTRA:
            fail(1, f"ping {answered + 1} from {fd_object(rfd)}: {len(ping)} bytes is too "
                    f"long to answer: the pong would be {len(ping) + PONG_EXTRA} bytes, "
                    f"over {frame.FRAME_MAX}")
        pong = BEFORE + ping + AFTER
        trace.note(f"answer {answered + 1}")
        try:
            frame.write(wfd, pong)
        except OSError as e:
            die(f"write {fd_object(wfd)}", e)
        answered += 1
    # Our write end closed: if nobody else holds one, the parent sees EOF.
    try:
        os.close(wfd)
    except OSError as e:
        die(f"close {fd_object(wfd)}", e)
    say(f"{progname()}: answered {answered} {plural(answered, 'ping', 'pings')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
