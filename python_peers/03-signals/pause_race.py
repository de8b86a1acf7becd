#!/usr/bin/env python3
"""pause_race.py - wait for SIGUSR1: the flag-then-pause() race, and its fix.

Usage: pause_race.py [--fix]
  --fix   block SIGUSR1 before testing the flag; wait with signal.sigwait,
          which takes it from the pending set (no handler)

It prints "pause_race PID: waiting for SIGUSR1", waits for the handler to
set its flag, then prints "pause_race PID: got SIGUSR1" and ends.

What to watch: `while not got: signal.pause()` tests the flag, then
sleeps. A SIGUSR1 that comes after the test and before pause() runs the
handler there (Python runs it between two bytecodes), and pause() then
sleeps until the next signal: for ever, if that was the only one. In step
mode (IPCLAB_STEP_FD) the trace holds the program inside that window for as
long as the observer likes. With --fix, SIGUSR1 is blocked from before the
test: sent in the window it waits, pending (ShdPnd in /proc/PID/status),
and sigwait takes it at once. Mirror: demos/03-signals/pause_race.c.
"""
import errno
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import trace                              # noqa: E402
from ipclab.err import close_stdout, fail, out       # noqa: E402

got = False


def on_usr1(sig, frame):
    global got
    got = True


def main(argv):
    global got
    # Python ignores SIGPIPE (a write raises BrokenPipeError instead) and
    # turns SIGINT into KeyboardInterrupt (a traceback on Ctrl-C, and none at
    # all while it sleeps in a C call such as sigwait): put back the kernel's
    # defaults so this program ends as the C one does. (SIGINT ignored from
    # the start, in a background job, stays ignored, as in C.)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    fix = argv[1:] == ["--fix"]
    if argv[1:] and not fix:
        fail(2, f"usage: {argv[0]} [--fix]")
    signal.signal(signal.SIGUSR1, on_usr1)
    # The fix: from here on SIGUSR1 can only be taken by sigwait.
    if fix:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    out(f"pause_race {os.getpid()}: waiting for SIGUSR1")

    while not got:
        if not fix:
            trace.before("pause")                   # the window
            signal.pause()          # returns only after a handler ran
            trace.after("pause", ret=-1, err=errno.EINTR)   # as in C
        else:
            trace.before("sigwait")
            sig = signal.sigwait({signal.SIGUSR1})  # takes it: no handler runs
            trace.after("sigwait", ret=sig)
            got = True
    if fix:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
    trace.signal_note(signal.SIGUSR1, None, "handled SIGUSR1")
    out(f"pause_race {os.getpid()}: got SIGUSR1")
    close_stdout()


if __name__ == "__main__":
    main(sys.argv)
