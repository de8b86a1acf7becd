#!/usr/bin/env python3
"""reaping_master.py - start N workers, then reap each one as it ends and
say how it ended.

Exercise 03-signals/03-reap-all: the task is in README.md.

Usage: reaping_master.py [--workers N] -- WORKER [ARG...]
  --workers N    workers to start, 1 to 64 (default 3)
  WORKER ARG...  the command each worker runs

It prints "master: N workers started", then one line a worker as it ends
("master: worker PID exited with status 3", "... killed by signal 9
(Killed)"), then "master: all N workers reaped", status 0. SIGCHLD stays
blocked and is taken with signal.sigwaitinfo. This version reaps one worker
a SIGCHLD. Fix the TODO.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "..", "python_peers"))
from ipclab.err import (close_stdout, die, fail, how_it_ended, option_value,  # noqa: E402
                        out, parse_long)

USAGE = "usage: {} [--workers N] -- WORKER [ARG...]"


def main(argv):
    n = 3
    args = iter(argv[1:])
    cmd = None
    for a in args:
        if a == "--workers":
            n = parse_long(a, option_value(a, args), 1, 64)
        elif a == "--":
            cmd = list(args)
        else:
            break
    if not cmd:
        fail(2, USAGE.format(argv[0]))

    # Blocked from now on, taken only by sigwaitinfo below: a worker that
    # ends before we wait leaves its SIGCHLD pending, not lost.
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
    for _ in range(n):
        try:
            pid = os.fork()
        except OSError as e:
            die("fork", e)
        if pid == 0:            # the worker: our mask is inherited; not wanted
            try:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
                # Python ignores SIGPIPE and SIGXFSZ, and an ignored signal
                # stays ignored across exec: the kernel's defaults, as a C
                # program's workers get them.
                signal.signal(signal.SIGPIPE, signal.SIG_DFL)
                signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
                os.execvp(cmd[0], cmd)
            except OSError as e:
                os.write(2, f"reaping_master.py: exec {cmd[0]}: {os.strerror(e.errno)}\n".encode())
            os._exit(127)
    out(f"master: {n} workers started")

    running = n
    while running > 0:
        signal.sigwaitinfo({signal.SIGCHLD})
        # TODO: standard signals coalesce: workers that end while SIGCHLD
        # is pending already add nothing (one bit in the kernel's pending
        # mask). Two that end together make one SIGCHLD, this reaps one of
        # them, and the other stays a zombie until a later worker ends, or
        # for ever: the loop then waits for a SIGCHLD that never comes.
        # Reap every worker that has ended, each time, without waiting for
        # those that still run.
        pid, status = os.wait()
        running -= 1
        out(f"master: worker {pid} {how_it_ended(os.waitstatus_to_exitcode(status))}")
    out(f"master: all {n} workers reaped")
    close_stdout()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
