#!/usr/bin/env python3
"""record_writer.py - write fixed-size records, no framing, one write() each.

Usage: record_writer.py [-s SIZE] [-n COUNT] [-t TAG] [--hold]
  -s SIZE    bytes per record, 1 to 1048576 (default PIPE_BUF, 4096)
  -n COUNT   records to write (default 10)
  -t TAG     the byte every record is made of (default P)
  --hold     wait for SIGUSR1 before writing (a writer that is late)

What to watch: run two writers into one pipe, this one and record_writer
(tag C), and read with record_reader. A write() of at most PIPE_BUF (4096)
bytes to a pipe is atomic: its bytes are never mixed with another writer's.
A larger one is not: when the pipe (64 KiB) fills, the writer sleeps in the
middle of its record and the other writer's bytes land next; record_reader
reports the torn records.
Mirror: demos/01-pipes/record_writer.c.
"""
import os
import select
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import trace                              # noqa: E402
from ipclab.hold import hold_until_sigusr1  # noqa: E402
from ipclab.err import (die, fail, fd_object, option_value, parse_long,  # noqa: E402
                        plural, progname, say)

STDOUT = 1
RECORD_MAX = 1024 * 1024


def main(argv):
    count, size, tag, do_hold = 10, select.PIPE_BUF, "P", False
    # Python ignores SIGPIPE (a write raises BrokenPipeError instead) and
    # turns SIGINT into KeyboardInterrupt (a traceback on Ctrl-C): put back
    # the kernel's defaults so this program behaves like the C one. (SIGINT
    # ignored from the start, in a background job, stays ignored, as in C.)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    args = iter(argv[1:])
    for arg in args:
        if arg == "-s":
            size = parse_long("-s", option_value(arg, args), 1, RECORD_MAX)
        elif arg == "-n":
            count = parse_long("-n", option_value(arg, args), 0, 1000000000)
        elif arg == "-t":
            tag = option_value(arg, args)
            if len(tag) != 1 or not " " < tag < "\x7f":
                fail(2, f"-t: '{tag}' is not one printable character")
        elif arg == "--hold":
            do_hold = True
        else:
            fail(2, f"usage: {argv[0]} [-s SIZE] [-n COUNT] [-t TAG] [--hold]")
    record = tag.encode() * size
    if do_hold:
        hold_until_sigusr1()

    for i in range(1, count + 1):
        trace.note(f"record {i}")
        # One write() per record. It returns early only if a signal
        # interrupts it after some bytes went in; then write the rest.
        view = memoryview(record)
        while view:
            trace.before("write", STDOUT, length=len(view), data=view)
            try:
                w = os.write(STDOUT, view)
            except OSError as e:       # EINTR is retried by Python (PEP 475)
                trace.after("write", STDOUT, -1, e.errno)
                die(f"write {fd_object(STDOUT)}", e)
            trace.after("write", STDOUT, w)
            view = view[w:]
    say(f"{progname()}: wrote {count} {plural(count, 'record', 'records')} of {size} "
        f"{plural(size, 'byte', 'bytes')} '{tag}'")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
