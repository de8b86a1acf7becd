#!/usr/bin/env python3
"""master.py - start N workers, notify them, stop them on Ctrl-C, reap them.

Usage: master.py [--workers N] [--notify] [--orphan-fix none|pdeathsig|pipe|pgroup]
                 -- WORKER [ARG...]
  --workers N    workers to start, 1 to 64 (default 3)
  --notify       send each worker SIGUSR1 once all are ready
  --orphan-fix   what ends the workers when we are killed (SIGKILL):
                 none (default: they run on, orphans), pdeathsig (each
                 worker asks the kernel for SIGTERM when we die: their
                 --pdeathsig), pipe (their stdin is a pipe only we write
                 to: our death is their end of input), pgroup (we lead a
                 process group of our own, which they join: kill -- -PGID)
  WORKER ARG...  the worker command (worker.c or worker.py); we append
                 --ready-fd 3 (and --pdeathsig with that fix): it must
                 close descriptor 3 once its handlers are in place

What to watch: a signal sent before the worker has its handler kills it
(SIGUSR1's default action), so we notify only once every worker has
closed its end of the ready pipe (EOF). SIGINT, SIGTERM and SIGCHLD stay
blocked and are taken one at a time with signal.sigwaitinfo: no handler,
no race. SIGINT or SIGTERM is forwarded to every worker still running; a
second one sends them SIGKILL (one ignores it, or takes too long), so
nobody needs to SIGKILL us, which would leave them orphans. Standard
signals coalesce: two workers ending together may make one SIGCHLD, so
each one reaps every child that has ended (waitpid WNOHANG). Status 0 once
all are reaped. A worker that cannot be started (exec fails), or any error
of ours, ends the others and reaps them first: status 1.
Mirror: demos/03-signals/master.c.
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import signame, trace                     # noqa: E402
from ipclab.err import (GRACE_MS, close_stdout, die, fail, fd_object,  # noqa: E402
                        how_it_ended, option_value, out, parse_long, plural, progname, say,
                        undo_clear, undo_push)

WORKERS_MAX = 64
FIXES = ("none", "pdeathsig", "pipe", "pgroup")
USAGE = ("usage: {} [--workers N] [--notify] [--orphan-fix none|pdeathsig|pipe|pgroup]"
         " -- WORKER [ARG...] (run as WORKER [ARG...] --ready-fd 3)")
pids = []               # 0: reaped


def end_workers(cmd):
    """If we fail once workers run, die() and fail() call this first (the
    undo list, err.py): we end them and reap them, as undo_child does for
    lesson 01's one child: SIGTERM (and SIGCONT, in case one is stopped),
    SIGKILL for those still there 1 s later. A master that gives up leaves
    no orphans."""
    left, ms = 0, 0
    for pid in pids:
        if pid:
            os.kill(pid, signal.SIGTERM)
            os.kill(pid, signal.SIGCONT)
            left += 1
    while left > 0:
        if ms == GRACE_MS:          # it ignores SIGTERM, or goes on
            for pid in pids:
                if pid:
                    os.kill(pid, signal.SIGKILL)
            ms += 1
        pid, status = os.waitpid(-1, 0 if ms > GRACE_MS else os.WNOHANG)
        if pid == 0:                # look again in 10 ms
            time.sleep(0.01)
            ms += 10
            continue
        left -= pids.count(pid)
        pids[:] = [0 if p == pid else p for p in pids]
        say(f"{progname()}: giving up on worker {pid} ({cmd}): sent it SIGTERM"
            + (", then SIGKILL when it had not ended 1 s later" if ms > GRACE_MS else "")
            + f"; worker {how_it_ended(os.waitstatus_to_exitcode(status))}")


def main(argv):
    n, notify, fix = 3, False, "none"
    # SIGINT would be KeyboardInterrupt (a traceback on Ctrl-C) until we
    # block it: the kernel's default, as in C. (Ignored from the start, in a
    # background job, it stays ignored, as in C.)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    args = iter(argv[1:])
    cmd = None
    for a in args:
        if a == "--workers":
            n = parse_long(a, option_value(a, args), 1, WORKERS_MAX)
        elif a == "--notify":
            notify = True
        elif a == "--orphan-fix":
            fix = option_value(a, args)
            if fix not in FIXES:
                fail(2, f"--orphan-fix: '{fix}' is none of none, pdeathsig, pipe, pgroup")
        elif a == "--":
            cmd = list(args)
        else:
            break
    if not cmd:
        fail(2, USAGE.format(argv[0]))
    args = cmd + ["--ready-fd", "3"] + (["--pdeathsig"] if fix == "pdeathsig" else [])

    # Blocked from now on: taken only by sigwaitinfo below. A worker that
    # ends before we wait leaves its SIGCHLD pending, not lost.
    sigs = {signal.SIGINT, signal.SIGTERM, signal.SIGCHLD}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        if fix == "pgroup":
            os.setpgid(0, 0)
    except OSError as e:
        die("setpgid", e)
    try:
        ready = os.pipe()       # not inheritable: only the dup2 copies are
        inp = os.pipe() if fix == "pipe" else None
    except OSError as e:
        die("pipe", e)

    undo_push(end_workers, cmd[0])      # until all are reaped
    for _ in range(n):
        try:
            pid = os.fork()
        except OSError as e:
            die("fork", e)
        if pid == 0:            # the worker: our mask and ignored signals: not wanted
            what = "setting up a worker"
            try:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
                # Python ignores SIGPIPE and SIGXFSZ (and so does an exec'd
                # program, unless put back): the kernel's defaults, as C's.
                signal.signal(signal.SIGPIPE, signal.SIG_DFL)
                signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
                os.dup2(ready[1], 3)
                if inp:
                    os.dup2(inp[0], 0)
                what = f"exec {args[0]}"
                os.execvp(args[0], args)
            except OSError as e:
                os.write(2, f"{progname()}: {what}: {os.strerror(e.errno)}\n".encode())
            os.write(ready[1], b"x")        # one byte: one worker not started
            os._exit(127)
        pids.append(pid)
    os.close(ready[1])
    failed = 0                  # EOF: every worker has closed its copy
    try:
        while os.read(ready[0], 1):
            failed += 1
    except OSError as e:
        die(f"read {fd_object(ready[0])}", e)
    os.close(ready[0])
    if failed:
        fail(1, f"{failed} of {n} {plural(n, 'worker', 'workers')} did not start: giving up")
    if inp:
        os.close(inp[0])        # keep inp[1]: never written, closed by our death
    out(f"master: {n} {plural(n, 'worker', 'workers')} ready"
        + (", in our process group" if fix == "pgroup" else ""))

    for pid in pids if notify else ():
        trace.kill("kill", signal.SIGUSR1, pid)
        try:
            os.kill(pid, signal.SIGUSR1)
        except OSError as e:
            trace.after("kill", -1, -1, e.errno)
            die(f"kill SIGUSR1 {pid}", e)
        trace.after("kill", -1, 0)

    running, stops = n, 0
    while running > 0:
        trace.before("sigwaitinfo")
        info = signal.sigwaitinfo(sigs)
        sig = info.si_signo
        trace.signal_after("sigwaitinfo", -1, sig, 0, sig, info.si_pid)
        if sig != signal.SIGCHLD and stops < 2:   # the first forwarded, the second SIGKILL
            stops += 1
            to = sig if stops == 1 else signal.SIGKILL
            workers = plural(running, "worker", "workers")
            out(f"master: {signame.name(sig)}: stopping the {workers}" if stops == 1 else
                f"master: {signame.name(sig)} again: killing the {workers} (SIGKILL)")
            for pid in pids:
                if pid == 0:
                    continue    # reaped already: its pid may be someone else's
                trace.kill("kill", to, pid)
                try:
                    os.kill(pid, to)
                except OSError as e:
                    trace.after("kill", -1, -1, e.errno)
                    die(f"kill {signame.name(to)} {pid}", e)
                trace.after("kill", -1, 0)
        # Reap every worker that has ended: one SIGCHLD may stand for several.
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            pids[:] = [0 if p == pid else p for p in pids]
            running -= 1
            out(f"master: worker {pid} {how_it_ended(os.waitstatus_to_exitcode(status))}")
    undo_clear()                # all reaped: none left to end
    out(f"master: {plural(n, 'the', 'all')} {n} {plural(n, 'worker', 'workers')} reaped")
    close_stdout()


if __name__ == "__main__":
    main(sys.argv)
