"""'--hold': wait for the cue before starting (kill -USR1 PID).

Mirror image of demos/common/hold.c: a test or a scenario decides when a
reader reads or a writer writes.
"""
import signal

from ipclab import trace
from ipclab.err import die


def hold_until_sigusr1():
    """Block until SIGUSR1 arrives (the kernel shows rt_sigtimedwait)."""
    # sigwait needs the signal blocked first, or it would kill us.
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    except OSError as e:
        die("sigprocmask SIG_BLOCK SIGUSR1", e)
    trace.note("holding until SIGUSR1")
    # glibc's sigwait retries by itself when SIGSTOP and SIGCONT interrupt
    # it (EINTR), as in C.
    try:
        signal.sigwait({signal.SIGUSR1})
    except OSError as e:
        die("sigwait SIGUSR1", e)
