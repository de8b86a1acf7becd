#!/usr/bin/env python3
"""flood.py - send one process the same signal COUNT times.

Usage: flood.py [-n COUNT] [--signal NAME] [--queue] PID
  -n COUNT       signals to send, 1 to 1000000 (default 1000)
  --signal NAME  SIGUSR1 (default), SIGRTMIN, SIGRTMIN+3, ... (by name:
                 a real-time signal's number depends on the C library)
  --queue        send with sigqueue(3) (the kit's ctypes module: Python's
                 os module has no sigqueue), the value 1 to COUNT with
                 each; without it, os.kill

What to watch (count.py receives): a standard signal that is already
pending is dropped, so 1000 SIGUSR1 sent to a process that blocks it
arrive as one; a real-time signal is queued once per send, with its value,
up to the receiver's RLIMIT_SIGPENDING (ulimit -i): past it, sigqueue fails
with EAGAIN. Mirror: demos/03-signals/flood.c.
"""
import errno
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import posix, signame, trace              # noqa: E402
from ipclab.err import (close_stdout, die, fail, option_value, out,  # noqa: E402
                        parse_long, plural)


def main(argv):
    # Python ignores SIGPIPE (a write raises BrokenPipeError instead) and
    # turns SIGINT into KeyboardInterrupt (a traceback on Ctrl-C, and none at
    # all while it sleeps in a C call such as sigwait): put back the kernel's
    # defaults so this program ends as the C one does. (SIGINT ignored from
    # the start, in a background job, stays ignored, as in C.)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    count, sig, queue, pid = 1000, signame.number("SIGUSR1"), False, None
    it = iter(argv[1:])
    for a in it:
        if a == "-n":
            count = parse_long(a, option_value(a, it), 1, 1000000)
        elif a == "--signal":
            name = option_value(a, it)
            sig = signame.number(name)
            if sig == 0:
                fail(2, f"--signal: '{name}' is no signal name "
                        "(SIGUSR1, SIGRTMIN, SIGRTMIN+3, ...)")
        elif a == "--queue":
            queue = True
        else:
            pid = a
            break
    if pid is None or next(it, None) is not None:   # no PID, or more than one
        fail(2, f"usage: {argv[0]} [-n COUNT] [--signal NAME] [--queue] PID")
    # One process: 0 and negative pids would signal whole process groups.
    pid = parse_long("PID", pid, 1, 4194304)

    call, name = ("sigqueue" if queue else "kill"), signame.name(sig)
    for n in range(1, count + 1):
        try:
            if queue:
                trace.kill("sigqueue", sig, pid, n)
                posix.sigqueue(pid, sig, n)
            else:
                trace.kill("kill", sig, pid)
                os.kill(pid, sig)
        except OSError as e:
            trace.after(call, -1, -1, e.errno)
            if e.errno == errno.EAGAIN:
                fail(1, f"{call} {name} to {pid}: {os.strerror(e.errno)}: the receiver's user "
                        "has as many signals queued as its RLIMIT_SIGPENDING allows "
                        f"(sent {n - 1} of {count})")
            die(f"{call} {name} to {pid}", e)
        trace.after(call, -1, 0)
    times = plural(count, "time", "times")
    if queue:
        out(f"flood: sent {name} {count} {times} to {pid} with sigqueue, values 1 to {count}")
    else:
        out(f"flood: sent {name} {count} {times} to {pid} with kill")
    close_stdout()


if __name__ == "__main__":
    main(sys.argv)
