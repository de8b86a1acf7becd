#!/usr/bin/env python3
"""record_reader.py - read fixed-size records and report the torn ones.

Usage: record_reader.py [-s SIZE] [--hold]
  -s SIZE    bytes per record, 1 to 1048576 (default PIPE_BUF, 4096)
  --hold     wait for SIGUSR1 before reading (let the writers fill the pipe)

Each record_writer record is SIZE copies of one tag byte, so a record
whose bytes are not all the same holds pieces of two writers' records:
it is torn. The reader prints the first few torn records, e.g.
  record 7 torn: 'C' x 65536 then 'P' x 34464
and a summary "40 records, 12 torn" on stderr.
What to watch: records of at most PIPE_BUF (4096) bytes are never torn;
records larger than the pipe (64 KiB) from two writers are.
Mirror: demos/01-pipes/record_reader.c.
"""
import itertools
import os
import select
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import trace                              # noqa: E402
from ipclab.hold import hold_until_sigusr1  # noqa: E402
from ipclab.err import (close_stdout, die, fail, fd_object, option_value,  # noqa: E402
                        out, parse_long, plural, progname, say)

STDIN = 0
RECORD_MAX = 1024 * 1024
SHOW_TORN = 5     # torn records described one by one
SHOW_RUNS = 4     # runs of equal bytes described per record


def read_full(fd, n):
    """os.read() may return less than asked (a pipe hands over what it
    holds): loop until n bytes or EOF. Fewer than n bytes only at EOF."""
    got = bytearray()
    while len(got) < n:
        trace.before("read", fd, length=n - len(got))
        try:
            chunk = os.read(fd, n - len(got))
        except OSError as e:           # EINTR is retried by Python (PEP 475)
            trace.after("read", fd, -1, e.errno)
            die(f"read {fd_object(fd)}", e)
        trace.after("read", fd, len(chunk), data=chunk)
        if not chunk:
            break
        got += chunk
    return bytes(got)


def describe(nr, record):
    """Print "record N torn: 'C' x 65536 then 'P' x 34464" (runs of equal bytes)."""
    line = f"record {nr} torn:"
    for runs, (byte, group) in enumerate(itertools.groupby(record), 1):
        if runs > SHOW_RUNS:
            line += " then ..."
            break
        shown = f"'{chr(byte)}'" if 32 < byte < 127 else f"0x{byte:02x}"
        line += f"{' then' if runs > 1 else ''} {shown} x {sum(1 for _ in group)}"
    out(line)


def main(argv):
    size, records, torn, do_hold = select.PIPE_BUF, 0, 0, False
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
        elif arg == "--hold":
            do_hold = True
        else:
            fail(2, f"usage: {argv[0]} [-s SIZE] [--hold]")
    if do_hold:
        hold_until_sigusr1()

    while record := read_full(STDIN, size):
        if len(record) < size:
            fail(1, f"record {records + 1} from {fd_object(STDIN)} cut short by EOF: "
                    f"got {len(record)} of {size} bytes")
        records += 1
        # All bytes equal (each one equals the next), or torn?
        if record[:-1] != record[1:]:
            torn += 1
            trace.note(f"record {records} torn")
            if torn <= SHOW_TORN:
                describe(records, record)
    close_stdout()      # stdout that cannot be written is an error too
    say(f"{progname()}: {records} {plural(records, 'record', 'records')}, {torn} torn")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
