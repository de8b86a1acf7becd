"""'--hold': wait for the cue before starting (kill -USR1 PID).

Mirror image of demos/common/hold.c: a test or a scenario decides when a
reader reads or a writer writes.
"""
import signal

from ipclab import trace
from ipclab.err import die


def hold_arm():
    """Block SIGUSR1 now, for a program whose hold comes after a call that
    may sleep (connect() to a full accept queue): a cue sent before the
    hold stays pending until it, instead of killing (SIGUSR1's default).
    Dies naming the call on error (pthread_sigmask(3))."""
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    except OSError as e:
        die("sigprocmask SIG_BLOCK SIGUSR1", e)


def hold_until_sigusr1():
    """Block until SIGUSR1 arrives (the kernel shows rt_sigtimedwait)."""
    # sigwait needs the signal blocked first, or it would kill us.
    hold_arm()
    trace.note("holding until SIGUSR1")
    # glibc's sigwait retries by itself when SIGSTOP and SIGCONT interrupt
    # it (EINTR), as in C.
    try:
        signal.sigwait({signal.SIGUSR1})
    except OSError as e:
        die("sigwait SIGUSR1", e)
