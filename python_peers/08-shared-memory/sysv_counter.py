#!/usr/bin/env python3
"""sysv_counter.py - add 1 to a counter in System V shared memory, COUNT times.

Usage: sysv_counter.py [-n COUNT] [--create] [--unlink] [--sem KEY] [--undo] KEY
  KEY          the segment's System V key, a number (ipcs shows it in hex)
  -n COUNT     increments to make, 0 = only print the counter (default 100000)
  --create     create the segment (and the semaphore set, value 1), mode
               0600; the keys must not be in use yet
  --unlink     remove the segment (and the semaphore set) at the end, even
               when the report cannot be written (its reader has gone)
  --sem KEY    hold the System V semaphore KEY around each increment
  --undo       take and give it with SEM_UNDO: if this process dies while
               holding it, the kernel gives it back

What to watch: the same lost update as shm_counter, and the same fix with
a System V semaphore (the waiter sleeps in semtimedop). Kill a counter
that holds the semaphore: without --undo the value stays 0 and the other
side waits for ever; with --undo the kernel adds back what the dead
process took. ipcs -m shows the segment's nattch, ipcs -s -i ID the value.
Mirror: demos/08-shared-memory/sysv_counter.c. Layout: ipclab/shmseg.py.
The calls go through sysv_ipc (Debian's python3-sysv-ipc): SharedMemory()
is shmget and shmat in one; its exceptions carry no errno (sysv_errno).
"""
import errno
import os
import signal
import sys

import sysv_ipc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import shmseg, trace                        # noqa: E402
from ipclab.err import (die, fail, out, parse_long, plural, progname,  # noqa: E402
                        undo_clear, undo_push)
from ipclab.shmseg import COUNTER_AT, COUNTER_MAGIC, COUNTER_SIZE, U64  # noqa: E402


def sysv_errno(e, missing):
    """The errno the C call gets where sysv_ipc raised e: its exceptions
    carry none, only a class and words. missing is the errno of "no such
    object" for this call: ENOENT from shmget or semget, EINVAL from a call
    on an id that was removed before it. None if e tells nothing of it."""
    text = str(e)
    if isinstance(e, ValueError):   # semop past the largest value, 32767
        return errno.ERANGE
    if isinstance(e, sysv_ipc.PermissionsError):
        return errno.EPERM if "remove" in text or "change" in text else errno.EACCES
    if isinstance(e, sysv_ipc.ExistentialError):
        if "was removed" in text:
            return errno.EIDRM      # removed while this process waited
        return errno.EEXIST if "already exists" in text else missing
    return None


def sysv_fail(op, message, e, missing):
    """After call op failed: trace it and die, saying what the C mirror
    says (in sysv_ipc's own words when no errno can be told)."""
    code = sysv_errno(e, missing)
    if op is not None:              # None: a call the C mirror does not trace
        trace.after(op, ret=-1, err=code or 0)
    if code is None:
        fail(1, f"{message}: {e}")
    die(message, OSError(code, ""))


def open_segment(key, create):
    """Get the segment, creating it if asked, and attach."""
    # Asking for 0600 (read and write) makes shmget check them now.
    trace.before("shmget", obj=f"key {key}", length=COUNTER_SIZE)
    try:
        if create:
            shm = sysv_ipc.SharedMemory(key, sysv_ipc.IPC_CREX, 0o600, COUNTER_SIZE)
        else:
            shm = sysv_ipc.SharedMemory(key, 0, 0o600)
    except sysv_ipc.Error as e:
        sysv_fail("shmget", f"shmget key {key}", e, errno.ENOENT)
    trace.after("shmget", ret=shm.id)
    if create:                      # ours: removed if we fail before all are made
        undo_push(sysv_ipc.remove_shared_memory, shm.id)
    # An attacher asks the kernel how big the segment is before using it.
    if shm.size < COUNTER_SIZE:
        fail(1, f"key {key}: the segment is {shm.size} {plural(shm.size, 'byte', 'bytes')}, "
                f"the counter layout needs {COUNTER_SIZE}")
    mem = memoryview(shm)           # the attached bytes themselves
    if create:
        U64.pack_into(mem, COUNTER_AT, 0)
        shmseg.init(mem, COUNTER_MAGIC, COUNTER_SIZE)
    else:
        why = shmseg.check(mem, shm.size, COUNTER_MAGIC, COUNTER_SIZE)
        if why is not None:
            fail(1, f"key {key}: {why}")
    return shm, mem


def open_sem(key, create):
    """A set of one semaphore. A new set's value is 0 until SETVAL (sysv_ipc
    sets it): a second process must not use it before (here: it is created
    before any counting)."""
    trace.before("semget", obj=f"key {key}")
    try:
        if create:
            sem = sysv_ipc.Semaphore(key, sysv_ipc.IPC_CREX, 0o600, 1)
        else:
            sem = sysv_ipc.Semaphore(key, 0, 0o600)
    except sysv_ipc.Error as e:
        sysv_fail("semget", f"semget key {key}", e, errno.ENOENT)
    trace.after("semget", ret=sem.id)
    if create:                      # ours: removed if we fail before all are made
        undo_push(sysv_ipc.remove_semaphore, sem.id)
    return sem


def interrupted(e):
    """sysv_ipc reports EINTR (a signal interrupted the wait, or a SIGSTOP
    and SIGCONT did) as a plain sysv_ipc.Error with these words."""
    return type(e) is sysv_ipc.Error and str(e) == "Signaled while waiting"


def sem_change(sem, delta):
    """semop of +1 or -1 on semaphore 0. With SEM_UNDO (sem.undo) on both
    the -1 and the +1, the kernel keeps this process's balance and undoes
    it at exit."""
    trace.before("semop", obj=f"key {sem.key}")
    while True:
        try:
            if delta < 0:
                sem.acquire()
            else:
                sem.release()
            break
        except (sysv_ipc.Error, ValueError) as e:   # ValueError: ERANGE
            if interrupted(e):
                continue            # a signal interrupted the wait: again
            sysv_fail("semop", f"semop {delta:+d} key {sem.key}", e, errno.EINVAL)
    trace.after("semop", ret=0)


def increment(mem):
    """One increment: a load and a store, traced so that step mode can hold
    the program between them."""
    trace.before("shm_load", obj="counter", length=8)
    (v,) = U64.unpack_from(mem, COUNTER_AT)
    trace.after("shm_load", ret=8, data=U64.pack(v))
    v = v + 1                       # the other side may store meanwhile
    trace.before("shm_store", obj="counter", length=8, data=U64.pack(v))
    U64.pack_into(mem, COUNTER_AT, v)
    trace.after("shm_store", ret=8)


def usage(argv0):
    fail(2, f"usage: {argv0} [-n COUNT] [--create] [--unlink] [--sem KEY] [--undo] KEY")


def main(argv):
    count, key, sem_key = 100000, 0, 0
    create = unlink_at_end = undo = False
    sem = None
    # Ctrl-C ends it at once, as it ends the C mirror: no traceback.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    # stdout is only our report: a reader that has gone is a write error
    # (EPIPE) to report once the objects are removed. (Python ignores SIGPIPE.)
    args = iter(argv[1:])
    for arg in args:
        if arg == "-n" and (value := next(args, None)) is not None:
            count = parse_long("-n", value, 0, 1000000000)
        elif arg == "--create":
            create = True
        elif arg == "--unlink":
            unlink_at_end = True
        elif arg == "--sem" and (value := next(args, None)) is not None:
            sem_key = parse_long("--sem", value, 1, 0x7fffffff)
        elif arg == "--undo":
            undo = True
        elif not arg.startswith("-") and key == 0:
            key = parse_long("KEY", arg, 1, 0x7fffffff)
        else:
            usage(argv[0])
    if key == 0:
        usage(argv[0])

    shm, mem = open_segment(key, create)
    if sem_key != 0:
        sem = open_sem(sem_key, create)
        sem.undo = undo
    undo_clear()                    # all made: a later failure leaves them

    for _ in range(count):
        if sem is not None:
            sem_change(sem, -1)
        increment(mem)
        if sem is not None:
            sem_change(sem, +1)
    (now,) = U64.unpack_from(mem, COUNTER_AT)

    if unlink_at_end:
        # IPC_RMID frees the key now; the segment itself goes when the
        # last process detaches (ipcs shows it as "dest" until then).
        for op, obj in (("shmctl", shm), ("semctl", sem)):
            if obj is None:
                continue
            trace.before(op, obj=f"key {obj.key}")
            try:
                obj.remove()
            except sysv_ipc.Error as e:
                sysv_fail(op, f"{op} IPC_RMID key {obj.key}", e, errno.EINVAL)
            trace.after(op, ret=0)
    mem.release()                   # no view may outlive the attachment
    try:
        shm.detach()
    except sysv_ipc.Error as e:
        sysv_fail(None, f"shmdt key {key}", e, errno.EINVAL)
    out(f"{progname()}: added {count}, counter now {now}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
