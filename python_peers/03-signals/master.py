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
  WORKER ARG...  the worker command (worker.c or worker.py); it gets
                 --ready-fd 3 and closes descriptor 3 once its handlers
                 are in place

What to watch: a signal sent before the worker has its handler kills it
(SIGUSR1's default action), so we notify only once every worker has
closed its end of the ready pipe (EOF). SIGINT, SIGTERM and SIGCHLD stay
blocked and are taken one at a time with signal.sigwaitinfo: no handler,
no race. SIGINT or SIGTERM is forwarded to every worker still running.
Standard signals coalesce: two workers ending together may make one
SIGCHLD, so each one reaps every child that has ended (waitpid WNOHANG).
Status 0 once all are reaped. Mirror: demos/03-signals/master.c.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import signame, trace                     # noqa: E402
from ipclab.err import (close_stdout, die, fail, how_it_ended, option_value,  # noqa: E402
                        out, parse_long)

WORKERS_MAX = 64
FIXES = ("none", "pdeathsig", "pipe", "pgroup")
USAGE = ("usage: {} [--workers N] [--notify] [--orphan-fix none|pdeathsig|pipe|pgroup]"
         " -- WORKER [ARG...]")


def main(argv):
    n, notify, fix = 3, False, "none"
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
    cmd += ["--ready-fd", "3"] + (["--pdeathsig"] if fix == "pdeathsig" else [])

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

    pids = []
    for _ in range(n):
        try:
            pid = os.fork()
        except OSError as e:
            die("fork", e)
        if pid == 0:            # the worker: our mask is inherited; not wanted
            try:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
                os.dup2(ready[1], 3)
                if inp:
                    os.dup2(inp[0], 0)
                os.execvp(cmd[0], cmd)
            except OSError as e:
                os.write(2, f"master.py: exec {cmd[0]}: {os.strerror(e.errno)}\n".encode())
            os._exit(127)
        pids.append(pid)
    os.close(ready[1])
    os.read(ready[0], 1)        # EOF: every worker has closed its copy
    os.close(ready[0])
    if inp:
        os.close(inp[0])        # keep inp[1]: never written, closed by our death
    out(f"master: {n} workers ready" + (", in our process group" if fix == "pgroup" else ""))

    for pid in pids if notify else ():
        trace.kill("kill", signal.SIGUSR1, pid)
        try:
            os.kill(pid, signal.SIGUSR1)
        except OSError as e:
            trace.after("kill", -1, -1, e.errno)
            die(f"kill SIGUSR1 {pid}", e)
        trace.after("kill", -1, 0)

    running, forwarded = n, False
    while running > 0:
        trace.before("sigwaitinfo")
        info = signal.sigwaitinfo(sigs)
        sig = info.si_signo
        trace.signal_after("sigwaitinfo", -1, sig, 0, sig, info.si_pid)
        if sig != signal.SIGCHLD and not forwarded:   # once: a second Ctrl-C changes nothing
            forwarded = True
            out(f"master: {signame.name(sig)}: stopping the workers")
            for pid in pids:
                if pid == 0:
                    continue    # reaped already: its pid may be someone else's
                trace.kill("kill", sig, pid)
                try:
                    os.kill(pid, sig)
                except OSError as e:
                    trace.after("kill", -1, -1, e.errno)
                    die(f"kill {signame.name(sig)} {pid}", e)
                trace.after("kill", -1, 0)
        # Reap every worker that has ended: one SIGCHLD may stand for several.
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            pids = [0 if p == pid else p for p in pids]
            running -= 1
            out(f"master: worker {pid} {how_it_ended(os.waitstatus_to_exitcode(status))}")
    out(f"master: all {n} workers reaped")
    close_stdout()


if __name__ == "__main__":
    main(sys.argv)
