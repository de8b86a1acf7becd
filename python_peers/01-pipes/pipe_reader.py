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
from ipclab.err import fail, fd_object, parse_long, progname  # noqa: E402

STDIN = 0
PREVIEW = 40   # payload characters shown per frame


def preview(payload):
    """The payload's first PREVIEW bytes, anything unprintable shown as '.'."""
    return "".join(chr(b) if 32 <= b < 127 else "." for b in payload[:PREVIEW])


def main(argv):
    count, got, do_hold, quiet = 0, 0, False, False
    # Python ignores SIGPIPE by default (write raises BrokenPipeError); put
    # back the kernel's default so this program behaves like the C one.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = iter(argv[1:])
    for arg in args:
        if arg == "-n":
            count = parse_long("-n", next(args, ""), 0, 1000000000)
        elif arg == "--hold":
            do_hold = True
        elif arg == "-q":
            quiet = True
        else:
            fail(2, f"usage: {argv[0]} [-n COUNT] [--hold] [-q]")
    # One line per frame as it arrives, even when stdout is a pipe.
    sys.stdout.reconfigure(line_buffering=True)
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
        if not quiet:
            print(f"frame {got}: {len(payload)} bytes: {preview(payload)}")
    print(f"{progname()}: read {got} frames", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
