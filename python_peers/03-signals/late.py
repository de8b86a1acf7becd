#!/usr/bin/env python3
"""late.py - when does a handler run? Python: late, between bytecodes.

Usage: late.py

It installs a handler for SIGUSR1 that says "late PID: SIGUSR1's handler
runs" and notes the time (the trace's clock, CLOCK_MONOTONIC in
microseconds), then waits in signal.sigwait() for SIGUSR2. Send SIGUSR1,
then SIGUSR2.

What to watch: the kernel runs Python's own C-level handler at once; all
it does is note the signal. Python runs our handler later, in the main
thread, between two bytecodes: not while the main thread is inside one
long C call (here glibc's sigwait, which goes back to waiting after the
interruption). Its line comes only once SIGUSR2 has ended sigwait; in
late.c, the same calls, it comes at once. Mirror: demos/03-signals/late.c.
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import trace                              # noqa: E402
from ipclab.err import close_stdout, die, fail, out  # noqa: E402

ran_at = None


def now_us():
    """The trace's t= clock."""
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000


def on_usr1(sig, frame):
    global ran_at
    ran_at = now_us()
    out(f"late {os.getpid()}: SIGUSR1's handler runs")


def main(argv):
    # Python ignores SIGPIPE (a write raises BrokenPipeError instead) and
    # turns SIGINT into KeyboardInterrupt (a traceback on Ctrl-C, and none at
    # all while it sleeps in a C call such as sigwait): put back the kernel's
    # defaults so this program ends as the C one does. (SIGINT ignored from
    # the start, in a background job, stays ignored, as in C.)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    if len(argv) != 1:
        fail(2, f"usage: {argv[0]}")
    signal.signal(signal.SIGUSR1, on_usr1)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})    # sigwait takes it
    out(f"late {os.getpid()}: in sigwait for SIGUSR2; send SIGUSR1 first")

    trace.before("sigwait")
    try:
        sig = signal.sigwait({signal.SIGUSR2})  # EINTR is retried inside glibc
    except OSError as e:
        trace.signal_after("sigwait", -1, -1, e.errno)
        die("sigwait SIGUSR2", e)
    returned = now_us()     # our handler ran just before this line, on the way out
    trace.signal_after("sigwait", -1, sig, 0, sig)
    if ran_at is not None:
        trace.signal_note(signal.SIGUSR1, None, f"handler ran at t={ran_at}")
    out(f"late {os.getpid()}: sigwait returned SIGUSR2 at t={returned}; SIGUSR1's handler "
        + ("had run" if ran_at is not None else "has not run"))
    close_stdout()


if __name__ == "__main__":
    main(sys.argv)
