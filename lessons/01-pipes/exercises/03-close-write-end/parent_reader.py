#!/usr/bin/env python3
"""parent_reader.py - read what a child writes into a pipe, until EOF.

Exercise 01-pipes/03-close-write-end: the task is in README.md.

Usage: parent_reader.py [-n COUNT]
  -n COUNT   frames the child writes (default 3)

The parent makes a pipe and forks: the child writes COUNT frames into the
pipe and exits; the parent prints each frame until EOF, then reaps the
child. Try it (Ctrl-C stops it):  python3 parent_reader.py -n 2
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "..", "python_peers"))
from ipclab import frame                                  # noqa: E402
from ipclab.err import (close_stdout, fail, fd_object, option_value,  # noqa: E402
                        out, parse_long, plural, progname)


def child(w, count):
    """Write COUNT frames into w and exit; never returns."""
    # os._exit, not sys.exit: the child must not run the parent's cleanup
    # (flushing a copy of its buffered output, say).
    try:
        for i in range(1, count + 1):
            frame.write(w, f"message {i} from the child".encode())
    except OSError as e:
        print(f"{progname()}: child: write {fd_object(w)}: {os.strerror(e.errno)}",
              file=sys.stderr)
        os._exit(1)
    os._exit(0)


def main(argv):
    count = 3
    args = iter(argv[1:])
    for arg in args:
        if arg == "-n":
            count = parse_long("-n", option_value(arg, args), 0, 1000000)
        else:
            fail(2, f"usage: {argv[0]} [-n COUNT]")

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)           # the child only writes
        child(w, count)
    # TODO: this parent prints every frame, then never ends: run it and see.
    # read() returns EOF only when *every* write end of the pipe is closed.
    # Which process still holds one once the child has exited? (fork()
    # copied every descriptor.) Fix it here, before the reading starts.

    frames = 0
    while True:
        try:
            payload = frame.read(r)
        except frame.FrameError as e:
            fail(1, str(e))
        if payload is None:   # EOF: every write end is closed
            break
        frames += 1
        text = "".join(chr(b) if 32 <= b < 127 and b != 92 else f"\\x{b:02x}"
                       for b in payload)
        out(f"frame {frames}: {len(payload)} {plural(len(payload), 'byte', 'bytes')}: {text}")
    close_stdout()
    os.close(r)
    _, wstatus = os.waitpid(pid, 0)
    print(f"{progname()}: read {frames} {plural(frames, 'frame', 'frames')}; "
          f"child exited with status {os.waitstatus_to_exitcode(wstatus)}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
