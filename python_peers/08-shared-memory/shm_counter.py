#!/usr/bin/env python3
"""shm_counter.py - add 1 to a counter in POSIX shared memory, COUNT times.

Usage: shm_counter.py [-n COUNT] [--create] [--unlink] [--sem NAME] SEGMENT
  SEGMENT      the segment's POSIX name, /ipclab-RUN-counter
  -n COUNT     increments to make, 0 = only print the counter (default 100000)
  --create     create the segment (and the semaphore, value 1), mode 0600;
               the names must not exist yet
  --unlink     remove the segment's (and the semaphore's) name at the end,
               even when the report cannot be written (its reader has gone)
  --sem NAME   hold the POSIX named semaphore NAME around each increment

What to watch: an increment is a load, an add and a store. Two counters
without --sem lose updates: both load n, both store n+1. In step mode a
scenario forces C load, Python load, C store, Python store: one update is
lost every time. With --sem the second side waits in sem_wait (a futex)
until the first has stored and posted: the count is exact. The segment
is a file in /dev/shm; it outlives the programs until --unlink.
Mirror: demos/08-shared-memory/shm_counter.c. Layout: ipclab/shmseg.py.
Not multiprocessing.shared_memory: in Python 3.11 its resource tracker
would unlink, when this program exits, a segment it only attached to.
"""
import errno
import mmap
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import posix, shmseg, trace                 # noqa: E402
from ipclab.err import (die, fail, out, parse_long, plural, progname,  # noqa: E402
                        undo_clear, undo_push)
from ipclab.psem import (catch_abort, psem_close, psem_open, psem_post,  # noqa: E402
                         psem_wait)
from ipclab.shmseg import COUNTER_AT, COUNTER_MAGIC, COUNTER_SIZE, U64  # noqa: E402


def create_segment(name):
    """Create the segment: a new name, then its size, then the mapping."""
    trace.before("shm_open", obj=name)
    try:
        fd = shmseg.shm_open(name, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        trace.after("shm_open", -1, -1, e.errno)
        die(f"shm_open {name}", e)
    trace.after("shm_open", fd, fd)
    undo_push(shmseg.shm_unlink, name)  # ours: removed if we fail before all are made
    # A new segment is 0 bytes long: give it the layout's size first.
    try:
        os.ftruncate(fd, COUNTER_SIZE)
    except OSError as e:
        die(f"ftruncate {name}", e)
    mem = map_segment(fd, name)
    U64.pack_into(mem, COUNTER_AT, 0)
    shmseg.init(mem, COUNTER_MAGIC, COUNTER_SIZE)
    return mem


def attach_segment(name):
    """Attach to an existing segment, and check it is a counter before use."""
    trace.before("shm_open", obj=name)
    try:
        fd = shmseg.shm_open(name, os.O_RDWR, 0)
    except OSError as e:
        trace.after("shm_open", -1, -1, e.errno)
        die(f"shm_open {name}", e)
    trace.after("shm_open", fd, fd)
    try:
        size = os.fstat(fd).st_size
    except OSError as e:
        die(f"fstat {name}", e)
    # Too short: the bytes past its end are not there (SIGBUS).
    if size < COUNTER_SIZE:
        fail(1, f"{name}: the segment is {size} {plural(size, 'byte', 'bytes')}, "
                f"the counter layout needs {COUNTER_SIZE}")
    mem = map_segment(fd, name)
    why = shmseg.check(mem, size, COUNTER_MAGIC, COUNTER_SIZE)
    if why is not None:
        fail(1, f"{name}: {why}")
    return mem


def map_segment(fd, name):
    """Map the counter's bytes; then the descriptor is no longer needed."""
    trace.before("mmap", fd, obj=name, length=COUNTER_SIZE)
    try:
        mem = mmap.mmap(fd, COUNTER_SIZE)
    except OSError as e:
        trace.after("mmap", fd, -1, e.errno)
        die(f"mmap {name}", e)
    except ValueError:              # shorter than that now: truncated under us
        trace.after("mmap", fd, -1, errno.EINVAL)
        fail(1, shmseg.shrunk(fd, name, COUNTER_SIZE))
    trace.after("mmap", fd, 0)
    try:
        os.close(fd)                # the mapping keeps the segment
    except OSError as e:
        die(f"close {name}", e)
    return mem


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


def remove(op, call, name):
    """shm_unlink or sem_unlink: remove a name."""
    trace.before(op, obj=name)
    try:
        call(name)
    except OSError as e:
        trace.after(op, ret=-1, err=e.errno)
        die(f"{op} {name}", e)
    trace.after(op, ret=0)


def usage(argv0):
    fail(2, f"usage: {argv0} [-n COUNT] [--create] [--unlink] [--sem NAME] SEGMENT")


def main(argv):
    count, create, unlink_at_end = 100000, False, False
    name = sem_name = sem = None
    shmseg.catch_sigbus()           # a segment truncated under us: say so
    catch_abort()                   # a semaphore overwritten under us: say so
    # Ctrl-C ends it at once, as it ends the C mirror: no traceback.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    # stdout is only our report: a reader that has gone is a write error
    # (EPIPE) to report once the names are removed. (Python ignores SIGPIPE.)
    args = iter(argv[1:])
    for arg in args:
        if arg == "-n" and (value := next(args, None)) is not None:
            count = parse_long("-n", value, 0, 1000000000)
        elif arg == "--create":
            create = True
        elif arg == "--unlink":
            unlink_at_end = True
        elif arg == "--sem" and (value := next(args, None)) is not None:
            sem_name = value
        elif not arg.startswith("-") and name is None:
            name = arg
        else:
            usage(argv[0])
    if name is None:
        usage(argv[0])

    mem = create_segment(name) if create else attach_segment(name)
    if sem_name is not None:
        sem = psem_open(sem_name, create, 1)   # 1: unlocked
    undo_clear()                    # all made: a later failure leaves them

    for _ in range(count):
        if sem is not None:
            psem_wait(sem, sem_name)
        increment(mem)
        if sem is not None:
            psem_post(sem, sem_name)
    (now,) = U64.unpack_from(mem, COUNTER_AT)

    if unlink_at_end:
        # Only the names go: a process that still has the segment mapped
        # (or the semaphore open) keeps using it.
        remove("shm_unlink", shmseg.shm_unlink, name)
        if sem_name is not None:
            remove("sem_unlink", posix.sem_unlink, sem_name)
    if sem is not None:
        psem_close(sem, sem_name)
    mem.close()
    out(f"{progname()}: added {count}, counter now {now}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
