#!/usr/bin/env python3
"""pipe_reader.py - read framed messages from standard input (a pipe).

Usage: pipe_reader.py [-n COUNT] [--hold] [-q]
  -n COUNT   stop after COUNT frames, 0 = read until EOF (default 0)
  --hold     wait for SIGUSR1 before reading (a reader that is late)
  -q         quiet: print only the summary

What to watch: on an empty pipe the reader sleeps in read() until a
writer writes. read() returns 0 (EOF) only once every write end of the
pipe is closed. A reader that stops early (-n 1) leaves the writer with
nobody to read: its next write() raises SIGPIPE. A frame whose length is
out of range, or that EOF cuts short, is refused with the reason.
Mirror: demos/01-pipes/pipe_reader.c. Wire format: ipclab/frame.py.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import frame, trace                       # noqa: E402
from ipclab.hold import hold_until_sigusr1  # noqa: E402
from ipclab.err import (close_stdout, fail, fd_object, option_value,  # noqa: E402
                        out, parse_long, plural, progname, say)

STDIN = 0
PREVIEW = 40   # payload characters shown per frame


def preview(payload):
    """The payload's first PREVIEW bytes, anything unprintable shown as '.'."""
    return "".join(chr(b) if 32 <= b < 127 else "." for b in payload[:PREVIEW])


def main(argv):
    count, got, do_hold, quiet = 0, 0, False, False
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
        elif arg == "--hold":
            do_hold = True
        elif arg == "-q":
            quiet = True
        else:
            fail(2, f"usage: {argv[0]} [-n COUNT] [--hold] [-q]")
    if do_hold:
        hold_until_sigusr1()

    while count == 0 or got < count:
        try:
            payload = frame.read(STDIN)
        except frame.FrameError as e:
            fail(1, f"frame {got + 1} from {fd_object(STDIN)}: {e}")
        if payload is None:
            break           # read() returned 0: no write end is left
        got += 1
        trace.note(f"frame {got}")
        if not quiet:   # one line per frame as it arrives (out() flushes it)
            out(f"frame {got}: {len(payload)} {plural(len(payload), 'byte', 'bytes')}: "
                f"{preview(payload)}")
    close_stdout()      # stdout that cannot be written is an error too
    say(f"{progname()}: read {got} {plural(got, 'frame', 'frames')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
