#!/usr/bin/env python3
"""shm_ring_producer.py - send framed records through a ring in shared memory.

Usage: shm_ring_producer.py [-n COUNT] [--create] [--slots N] [-s SIZE]
                            [--unlink] SEGMENT EMPTY FULL
  SEGMENT    the ring's POSIX name, /ipclab-RUN-ring
  EMPTY      POSIX named semaphore: how many slots are free
  FULL       POSIX named semaphore: how many slots hold a record
  -n COUNT   records to send (default 8)
  --create   create the ring (EMPTY = slots, FULL = 0), mode 0600
  --slots N  with --create: slots in the ring, 1 to 64 (default 4)
  -s SIZE    with --create: payload bytes a slot holds, 16 to 1024 (default 32)
  --unlink   remove the three names at the end

What to watch: the producer takes a free slot (sem_wait EMPTY), writes a
frame into slot head, moves head on and announces it (sem_post FULL); the
consumer does the mirror image. With nobody consuming, EMPTY falls to 0
and the producer sleeps in sem_wait (a futex): the ring is full. Then head
has come round to tail, exactly as in an empty ring: only the semaphores
tell full from empty. head wraps from the last slot back to slot 0. The
consumer can write any byte of the segment at any time: slots and slot
size are copied once, checked (ring_open), and head is checked every time
it is read; a value out of range is bad data: the producer says so, stops.
Mirror: demos/08-shared-memory/shm_ring_producer.c.
Layout: ipclab/shmseg.py; a slot holds a frame as on a pipe (ipclab/frame.py).
"""
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import posix, shmseg, trace                 # noqa: E402
from ipclab.err import die, fail, parse_long, plural, progname, undo_clear  # noqa: E402
from ipclab.psem import (catch_abort, psem_close, psem_open, psem_post,  # noqa: E402
                         psem_wait)
from ipclab.shmseg import HEAD_AT, RING_HEADER, U32  # noqa: E402


def put(ring, text):
    """Write one frame (4-byte little-endian length, payload; text fits the
    slot) into slot head, then move head on: after the last slot comes slot 0."""
    head = shmseg.ring_index(ring, "head")  # read once, checked
    data = U32.pack(len(text)) + text
    trace.before("shm_store", obj=f"slot {head}", length=len(data), data=data)
    at = RING_HEADER + head * ring.slot_size
    ring.mem[at:at + len(data)] = data
    U32.pack_into(ring.mem, HEAD_AT, (head + 1) % ring.slots)
    trace.after("shm_store", ret=len(data))


def usage(argv0):
    fail(2, f"usage: {argv0} [-n COUNT] [--create] [--slots N] [-s SIZE] [--unlink] "
            "SEGMENT EMPTY FULL")


def main(argv):
    count, slots, record = 8, 4, 32
    create = unlink_at_end = False
    names = []                      # SEGMENT EMPTY FULL
    shmseg.catch_sigbus()           # a segment truncated under us: say so
    catch_abort()                   # a semaphore overwritten under us: say so
    # Ctrl-C ends it at once, as it ends the C mirror: no traceback.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    # Our report goes to stderr: a reader of it that has gone is no reason
    # to stop before the names are removed. (Python ignores SIGPIPE.)
    args = iter(argv[1:])
    for arg in args:
        if arg == "-n" and (value := next(args, None)) is not None:
            count = parse_long("-n", value, 0, 1000000000)
        elif arg == "--create":
            create = True
        elif arg == "--slots" and (value := next(args, None)) is not None:
            slots = parse_long("--slots", value, 1, shmseg.RING_SLOTS_MAX)
        elif arg == "-s" and (value := next(args, None)) is not None:
            record = parse_long("-s", value, shmseg.RING_RECORD_MIN,
                                shmseg.RING_RECORD_MAX)
        elif arg == "--unlink":
            unlink_at_end = True
        elif not arg.startswith("-") and len(names) < 3:
            names.append(arg)
        else:
            usage(argv[0])
    if len(names) != 3:
        usage(argv[0])

    ring = shmseg.ring_open(names[0], create, slots, record)
    empty = psem_open(names[1], create, slots)
    full = psem_open(names[2], create, 0)
    undo_clear()                    # all made: a later failure leaves them
    capacity = ring.slot_size - 4

    for i in range(1, count + 1):
        text = f"record {i} from Python".encode()
        psem_wait(empty, names[1])   # a free slot
        put(ring, text[:capacity])
        psem_post(full, names[2])    # one more record

    if unlink_at_end:
        # The names go; a consumer that has them open keeps going.
        try:
            shmseg.shm_unlink(names[0])
        except OSError as e:
            die(f"shm_unlink {names[0]}", e)
        for name in names[1:]:
            try:
                posix.sem_unlink(name)
            except OSError as e:
                die(f"sem_unlink {name}", e)
    psem_close(empty, names[1])
    psem_close(full, names[2])
    shmseg.ring_close(ring)
    try:
        os.write(2, f"{progname()}: sent {count} {plural(count, 'record', 'records')}\n"
                 .encode())
    except OSError:
        return 1                    # stderr is gone: nowhere to say so
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
