"""'--hold': wait for the cue before starting (kill -USR1 PID).

Mirror image of demos/common/hold.c: a test or a scenario decides when a
reader reads or a writer writes.
"""
import signal

from ipclab import trace


def hold_until_sigusr1():
    """Block until SIGUSR1 arrives (the kernel shows rt_sigtimedwait)."""
    # sigwait needs the signal blocked first, or it would kill us.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    trace.note("holding until SIGUSR1")
    signal.sigwait({signal.SIGUSR1})
