#!/usr/bin/env python3
"""shm_ring_consumer.py - receive framed records from a ring in shared memory.

Usage: shm_ring_consumer.py [-n COUNT] [--create] [--slots N] [-s SIZE]
                            [--unlink] SEGMENT EMPTY FULL
  SEGMENT    the ring's POSIX name, /ipclab-RUN-ring
  EMPTY      POSIX named semaphore: how many slots are free
  FULL       POSIX named semaphore: how many slots hold a record
  -n COUNT   records to receive and print, one a line (default 8)
  --create   create the ring (EMPTY = slots, FULL = 0), mode 0600
  --slots N  with --create: slots in the ring, 1 to 64 (default 4)
  -s SIZE    with --create: payload bytes a slot holds, 16 to 1024 (default 32)
  --unlink   remove the three names at the end, even when the records
             cannot be written (their reader has gone)

What to watch: the consumer waits for a record (sem_wait FULL), copies the
frame out of slot tail, moves tail on and gives the slot back (sem_post
EMPTY). With nothing produced, FULL is 0 and the consumer sleeps in
sem_wait (a futex): the ring is empty. The producer can write any byte of
the segment at any time: slots and slot size are copied once, checked
(ring_open), and tail and each frame's length are checked every time they
are read. A value out of range is bad data: the consumer says so and stops.
Mirror: demos/08-shared-memory/shm_ring_consumer.c.
Layout: ipclab/shmseg.py; a slot holds a frame as on a pipe (ipclab/frame.py).
"""
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import posix, shmseg, trace                 # noqa: E402
from ipclab.err import (die, fail, fd_object, parse_long, plural, progname,  # noqa: E402
                        undo_clear)
from ipclab.psem import (catch_abort, psem_close, psem_open, psem_post,  # noqa: E402
                         psem_wait)
from ipclab.shmseg import RING_HEADER, TAIL_AT, U32  # noqa: E402


def take(ring):
    """Copy the frame out of slot tail, then move tail on: after the last
    slot comes slot 0. Returns the slot and the frame's bytes."""
    tail = shmseg.ring_index(ring, "tail")  # read once, checked
    trace.before("shm_load", obj=f"slot {tail}", length=ring.slot_size)
    at = RING_HEADER + tail * ring.slot_size
    data = ring.mem[at:at + ring.slot_size]
    U32.pack_into(ring.mem, TAIL_AT, (tail + 1) % ring.slots)
    trace.after("shm_load", ret=ring.slot_size, data=data)
    return tail, data


def usage(argv0):
    fail(2, f"usage: {argv0} [-n COUNT] [--create] [--slots N] [-s SIZE] [--unlink] "
            "SEGMENT EMPTY FULL")


def main(argv):
    count, slots, record = 8, 4, 32
    create = unlink_at_end = False
    names = []                      # SEGMENT EMPTY FULL
    out_error = None                # a failed write to stdout
    shmseg.catch_sigbus()           # a segment truncated under us: say so
    catch_abort()                   # a semaphore overwritten under us: say so
    # Ctrl-C ends it at once, as it ends the C mirror: no traceback.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    # A reader of stdout that has gone is a write error (EPIPE) to report
    # once the names are removed. (Python ignores SIGPIPE.)
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

    i = 0
    while i < count and out_error is None:
        psem_wait(full, names[2])     # a record
        slot, data = take(ring)
        psem_post(empty, names[1])    # a free slot
        (length,) = U32.unpack_from(data)
        if length > ring.slot_size - 4:     # bad data: say so, stop
            fail(1, f"{names[0]}: slot {slot}: frame length {length} does not fit "
                    f"the {ring.slot_size}-byte slot")
        # Shown, never obeyed: the peer may have written any byte (a NUL
        # would cut C's line short, an escape would drive the terminal).
        text = bytes(b if 32 <= b < 127 else ord(".") for b in data[4:4 + length])
        # Written at once, to descriptor 1 itself (sys.stdout is None when
        # the program was started with it closed): a watcher sees each
        # record as it comes.
        line = text + b"\n"
        try:
            while line:
                line = line[os.write(1, line):]
        except OSError as e:
            out_error = e
        i += 1

    if unlink_at_end:
        # The names go; a producer that has them open keeps going.
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
    if out_error is not None:
        die(f"write {fd_object(1)}", out_error)
    try:
        os.write(2, f"{progname()}: received {i} {plural(i, 'record', 'records')}\n".encode())
    except OSError:
        return 1                    # stderr is gone: nowhere to say so
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
