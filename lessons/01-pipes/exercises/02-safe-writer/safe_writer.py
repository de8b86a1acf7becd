#!/usr/bin/env python3
"""safe_writer.py - write frames to standard output; survive the reader leaving.

Exercise 01-pipes/02-safe-writer: the task is in README.md.

Usage: safe_writer.py [-n COUNT] [-s SIZE]
  -n COUNT   frames to write, 0 = until the reader goes away (default 5)
  -s SIZE    payload bytes per frame, 16 to 1048576 (default 32)

Try it:  python3 safe_writer.py -n 0 | head -c 100 >/dev/null
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "..", "python_peers"))
from ipclab import frame                                  # noqa: E402
from ipclab.err import fail, option_value, parse_long, plural, progname  # noqa: E402

STDOUT = 1


def main(argv):
    count, size = 5, 32
    args = iter(argv[1:])
    for arg in args:
        if arg == "-n":
            count = parse_long("-n", option_value(arg, args), 0, 1000000000)
        elif arg == "-s":
            size = parse_long("-s", option_value(arg, args), 16, frame.FRAME_MAX)
        else:
            fail(2, f"usage: {argv[0]} [-n COUNT] [-s SIZE]")

    sent = 0
    while count == 0 or sent < count:
        # The text says who sent it; the rest is padding up to SIZE.
        text = f"message {sent + 1} from Python".encode()[:size - 1]
        payload = text + b"." * (size - len(text))
        # TODO: the reader may close its end at any time, and then this
        # write fails. Nothing is wrong with this program when that happens,
        # so it must not end in a traceback: report it in one line,
        # "reader gone after K frames" (K = frames written whole), and exit
        # with status 1. Which exception is it? Run the "Try it" above.
        frame.write(STDOUT, payload)
        sent += 1
    print(f"{progname()}: wrote {sent} {plural(sent, 'frame', 'frames')} of {size} bytes",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
