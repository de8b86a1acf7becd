#!/usr/bin/env python3
"""log_server.py - print the messages clients write into a FIFO, one client
after another, for as long as it runs.

Exercise 02-fifos/02-eof-spin: the task is in README.md.

Usage: log_server.py [-n COUNT] FIFO
  FIFO       a FIFO of ours, mode 0600, made before (mkfifo -m 600 FIFO)
  -n COUNT   end after COUNT messages, 0 = until a signal (default)

A client opens FIFO for writing, writes frames (lesson 01's wire format)
and closes it; the server prints each one as "message N: TEXT".
A client, from the top of the kit:  build/bin/pipe_writer -n 2 >FIFO
"""
import os
import signal
import stat
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "..", "python_peers"))
from ipclab import frame                                  # noqa: E402
from ipclab.err import (close_stdout, die, fail, option_value, out,  # noqa: E402
                        parse_long, plural, progname, say)


def main(argv):
    count, n, at_eof = 0, 0, False
    # Ctrl-C ends the server as it ends a C program, without a traceback.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    args = iter(argv[1:])
    rest = []
    for arg in args:
        if arg == "-n":
            count = parse_long("-n", option_value(arg, args), 0, 1000000)
        elif arg.startswith("-") or rest:
            fail(2, f"usage: {argv[0]} [-n COUNT] FIFO")
        else:
            rest.append(arg)
    if len(rest) != 1:
        fail(2, f"usage: {argv[0]} [-n COUNT] FIFO")
    fifo = rest[0]

    # Sleeps until the first client opens the FIFO for writing.
    say(f"{progname()}: waiting for the first client on {fifo}")
    try:
        rfd = os.open(fifo, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        st = os.fstat(rfd)
    except OSError as e:
        die(f"open {fifo}", e)
    if not stat.S_ISFIFO(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077:
        fail(1, f"{fifo}: not a private FIFO of ours (a FIFO, uid {os.geteuid()}, mode 0600)")
    # TODO: once the last client has closed, read() returns 0 (EOF) at
    # once, on every call: no process has the FIFO open for writing. The
    # loop below then spins at 100% CPU until the next client comes (run
    # it and watch top). Make the server sleep in read() between clients
    # instead (README.md says the ways that work, and which the kit uses).

    while count == 0 or n < count:
        try:
            payload = frame.read(rfd)
        except frame.FrameError as e:   # the stream is out of step for good
            fail(1, f"message {n + 1} from {fifo}: {e}")
        if payload is None:             # EOF: no client has the FIFO open
            if not at_eof:
                say(f"{progname()}: read {fifo}: 0, end of file: no client has it open;"
                    f" reading again")
            at_eof = True
            continue
        at_eof = False
        n += 1
        text = "".join(chr(c) if 32 <= c < 127 else "." for c in payload)  # shown, not obeyed
        out(f"message {n}: {text}")
    close_stdout()
    say(f"{progname()}: logged {n} {plural(n, 'message', 'messages')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
