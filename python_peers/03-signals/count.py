#!/usr/bin/env python3
"""count.py - block signals, let them pile up, then take and count them.

Usage: count.py [--signal NAME]...
  --signal NAME  a signal to block and count (default: SIGUSR1 and
                 SIGRTMIN); up to 8

It blocks the signals, says so on stderr, and reads its standard input
until end of file (Ctrl-D): meanwhile send it signals (flood.py). Then it
takes every pending one with signal.sigtimedwait (timeout 0: it never
waits) and prints how many of each arrived, and for values sent with
sigqueue whether they came 1, 2, 3, ... in order.

What to watch: while it reads, /proc/PID/status shows the signals in
SigBlk and, once sent, in ShdPnd; SigQ counts what is queued for our user
against RLIMIT_SIGPENDING. 1000 SIGUSR1 arrive as one (a pending standard
signal is not queued twice); 1000 SIGRTMIN arrive 1000 times, each with
its value, in the order sent.
Mirror: demos/03-signals/count.c. Sender: flood.c/.py.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import signame, trace                     # noqa: E402
from ipclab.err import (close_stdout, die, fail, fd_object, option_value, out,  # noqa: E402
                        plural, progname, say)

SIGS_MAX = 8
SI_QUEUE = -1           # si_code of a signal sent with sigqueue (<asm-generic/siginfo.h>)


def main(argv):
    sigs = []
    # Python ignores SIGPIPE (a write raises BrokenPipeError instead) and
    # turns SIGINT into KeyboardInterrupt (a traceback on Ctrl-C, and none at
    # all while it sleeps in a C call such as sigwait): put back the kernel's
    # defaults so this program ends as the C one does. (SIGINT ignored from
    # the start, in a background job, stays ignored, as in C.)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    args = iter(argv[1:])
    for a in args:
        if a == "--signal" and len(sigs) < SIGS_MAX:
            name = option_value(a, args)
            sigs.append(signame.number(name))
            if sigs[-1] == 0:
                fail(2, f"--signal: '{name}' is no signal name "
                        "(SIGUSR1, SIGRTMIN, SIGRTMIN+3, ...)")
            if sigs[-1] in (signal.SIGKILL, signal.SIGSTOP):
                fail(2, f"--signal: {name} cannot be blocked")
        else:
            fail(2, f"usage: {argv[0]} [--signal NAME]... (at most {SIGS_MAX})")
    sigs = sigs or [signal.SIGUSR1, signal.SIGRTMIN]
    got = {s: 0 for s in sigs}
    nxt = {s: 1 for s in sigs}
    bad = {}
    # Blocked, a signal is not delivered: it stays pending until taken.
    signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    say(f"{progname()}: pid {os.getpid()} blocks {' '.join(signame.name(s) for s in sigs)}; "
        "end my input (Ctrl-D) to count them")

    try:
        while os.read(0, 512):
            pass
    except OSError as e:
        die(f"read {fd_object(0)}", e)

    while True:
        info = signal.sigtimedwait(sigs, 0)     # 0: take one if pending
        if info is None:
            break                               # none left
        sig = info.si_signo
        queued = info.si_code == SI_QUEUE
        # Python's struct_siginfo has no si_value; the kernel puts its int
        # where a SIGCHLD's si_status is (the same place in the union), and
        # Python reports that field.
        value = info.si_status if queued else None
        trace.signal_after("sigtimedwait", -1, sig, 0, sig, info.si_pid, value)
        got[sig] += 1
        if queued and value != nxt[sig] and sig not in bad:
            bad[sig] = (got[sig], value)
        nxt[sig] = value + 1 if queued else nxt[sig]

    for s in sigs:
        times = f"{got[s]} {plural(got[s], 'time', 'times')}"
        if s in bad:
            out(f"count: {signame.name(s)} arrived {times}, values out of order: "
                f"arrival {bad[s][0]} had value {bad[s][1]}")
        elif got[s] and nxt[s] > 1:
            out(f"count: {signame.name(s)} arrived {times}, values 1 to {nxt[s] - 1} in order")
        else:
            out(f"count: {signame.name(s)} arrived {times}")
    close_stdout()


if __name__ == "__main__":
    main(sys.argv)
