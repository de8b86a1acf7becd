#!/usr/bin/env python3
"""pipe_writer.py - write framed messages to standard output (a pipe).

Usage: pipe_writer.py [-n COUNT] [-s SIZE] [--hold] [--ignore-sigpipe]
  -n COUNT           frames to write, 0 = until the pipe breaks (default 5)
  -s SIZE            payload bytes per frame, 16 to 1048576 (default 32): up to
                     4092 a frame (SIZE + 4) goes out in one write() of at most
                     PIPE_BUF bytes, whole whoever else writes to the pipe
  --hold             wait for SIGUSR1 before writing (a writer that is late)
  --ignore-sigpipe   get EPIPE from write() instead of dying of SIGPIPE

What to watch: with nobody reading, the writer fills the pipe (64 KiB,
16 pages) and sleeps in write(); when the reader exits, the next write()
kills the writer with SIGPIPE, or fails with EPIPE if SIGPIPE is ignored.
Mirror: demos/01-pipes/pipe_writer.c. Wire format: ipclab/frame.py.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import frame, trace                       # noqa: E402
from ipclab.hold import hold_until_sigusr1  # noqa: E402
from ipclab.err import (die, fail, fd_object, option_value, parse_long,  # noqa: E402
                        plural, progname, say)

STDOUT = 1


def main(argv):
    count, size, do_hold, ignore = 5, 32, False, False
    # Python ignores SIGPIPE (a write raises BrokenPipeError instead) and
    # turns SIGINT into KeyboardInterrupt (a traceback on Ctrl-C): put back
    # the kernel's defaults so this program behaves like the C one. (SIGINT
    # ignored from the start, in a background job, stays ignored, as in C.)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    args = iter(argv[1:])
    for arg in args:
        if arg == "-n":
            count = parse_long("-n", option_value(arg, args), 0, 1000000000)
        elif arg == "-s":
            size = parse_long("-s", option_value(arg, args), 16, frame.FRAME_MAX)
        elif arg == "--hold":
            do_hold = True
        elif arg == "--ignore-sigpipe":
            ignore = True
        else:
            fail(2, f"usage: {argv[0]} [-n COUNT] [-s SIZE] [--hold] [--ignore-sigpipe]")
    if ignore:
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    if do_hold:
        hold_until_sigusr1()

    i = 1
    while count == 0 or i <= count:
        # The text says who sent it; the rest is padding up to SIZE.
        text = f"message {i} from Python".encode()[:size - 1]
        payload = text + b"." * (size - len(text))
        trace.note(f"frame {i}")
        try:
            frame.write(STDOUT, payload)
        except OSError as e:
            die(f"write {fd_object(STDOUT)}", e)
        i += 1
    say(f"{progname()}: wrote {count} {plural(count, 'frame', 'frames')} of {size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
