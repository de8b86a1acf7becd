"""POSIX named semaphores, traced, with messages that name them.

Mirror image of demos/common/psem.c: sem_open/sem_wait/sem_post (through
ipclab.posix, ctypes) plus the trace events and the error handling every
lesson program needs.
"""
import os
import signal

from ipclab import posix, trace
from ipclab.err import die, exit_on_signal, fail, plural, undo_push


def _check_size(name):
    """glibc keeps a named semaphore in the file /dev/shm/sem.NAME and maps
    it. A file shorter than a sem_t (32 bytes on 64-bit glibc) would be
    mapped anyway, and the first sem_wait would die of SIGBUS: look at its
    size before sem_open. (A missing file is sem_open's to report.)"""
    path = "/dev/shm/sem." + name.lstrip("/")   # glibc drops the leading slashes
    try:
        size = os.stat(path).st_size
    except OSError:
        return
    if size < posix.SEM_T_SIZE:
        fail(1, f"sem_open {name}: {path} is {size} {plural(size, 'byte', 'bytes')}, "
                f"too short to be a semaphore ({posix.SEM_T_SIZE})")


def psem_open(name, create, value):
    """Open the semaphore NAME, or create it (0600, failing if it exists)
    with its first value. An existing one whose file (/dev/shm/sem.NAME) is
    too short to be a semaphore is refused before it is mapped."""
    if not create:
        _check_size(name)
    trace.before("sem_open", obj=name)
    try:
        if create:
            sem = posix.sem_open(name, os.O_CREAT | os.O_EXCL, 0o600, value)
        else:
            sem = posix.sem_open(name)
    except OSError as e:
        trace.after("sem_open", ret=-1, err=e.errno)
        die(f"sem_open {name}", e)
    trace.after("sem_open", ret=0)
    if create:                      # ours: removed if we fail before all are made
        undo_push(posix.sem_unlink, name)
    return sem


def _call(op, call, sem, name):
    trace.before(op, obj=name)
    try:
        call(sem)                   # posix.py retries after a signal itself
    except OSError as e:
        trace.after(op, ret=-1, err=e.errno)
        die(f"{op} {name}", e)
    trace.after(op, ret=0)


def psem_wait(sem, name):
    """sem_wait: take one, or sleep until there is one (a futex wait)."""
    _call("sem_wait", posix.sem_wait, sem, name)


def psem_post(sem, name):
    """sem_post: give one back, waking a waiter."""
    _call("sem_post", posix.sem_post, sem, name)


def catch_abort():
    """From now on, a SIGABRT ends the program with a message saying so,
    status 1: glibc aborts in sem_wait or sem_post ("The futex facility
    returned an unexpected error code.") when another process has
    overwritten the semaphore's file in /dev/shm with words the kernel
    refuses."""
    exit_on_signal(signal.SIGABRT, "SIGABRT", "the C library gave up on a semaphore "
                   "(its words are above): its file in /dev/shm was overwritten under us")


def psem_close(sem, name):
    """sem_close: unmap it from this process; it lives on until sem_unlink."""
    try:
        posix.sem_close(sem)
    except OSError as e:
        die(f"sem_close {name}", e)
