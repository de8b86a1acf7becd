#!/usr/bin/env python3
"""ring_consumer.py - take framed records out of a ring in shared memory.

Reference solution of exercise 08-shared-memory/02-ring-wraparound.

Usage: ring_consumer.py [-n COUNT] SEGMENT EMPTY FULL
  SEGMENT    a ring made by shm_ring_producer --create (POSIX name)
  EMPTY      POSIX named semaphore: how many slots are free
  FULL       POSIX named semaphore: how many slots hold a record
  -n COUNT   records to take and print, one a line (default 8)

Try it from the top of the kit, after make (README.md has more):
  build/bin/shm_ring_producer --create --unlink --slots 4 -n 10 \\
      /ipclab-me-ring /ipclab-me-empty /ipclab-me-full &
  python3 lessons/08-shared-memory/exercises/02-ring-wraparound/ring_consumer.py \\
      -n 10 /ipclab-me-ring /ipclab-me-empty /ipclab-me-full
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "..", "python_peers"))
from ipclab import posix, shmseg, trace                   # noqa: E402
from ipclab.err import die, fail, parse_long              # noqa: E402
from ipclab.shmseg import RING_HEADER, TAIL_AT, U32      # noqa: E402


def take(ring):
    """Copy the frame out of slot tail and move tail on to the next slot.

    ring.slots and ring.slot_size say how many slots there are and how big
    each is: ring_open copied them from the ring's header once, after
    checking it. tail, in shared memory, is the next slot to empty; the
    producer can write there too, so shmseg.ring_index reads it and checks
    that it is a slot number, every time."""
    tail = shmseg.ring_index(ring, "tail")
    trace.before("shm_load", obj=f"slot {tail}", length=ring.slot_size)
    at = RING_HEADER + tail * ring.slot_size
    data = ring.mem[at:at + ring.slot_size]
    # After the last slot comes slot 0 again: that is what makes it a ring.
    U32.pack_into(ring.mem, TAIL_AT, (tail + 1) % ring.slots)
    trace.after("shm_load", ret=ring.slot_size, data=data)
    return data


def sem_call(op, call, sem, name):
    """sem_wait (take one, or sleep until there is one) or sem_post (give one)."""
    trace.before(op, obj=name)
    try:
        call(sem)
    except OSError as e:
        trace.after(op, ret=-1, err=e.errno)
        die(f"{op} {name}", e)
    trace.after(op, ret=0)


def main(argv):
    count, names = 8, []
    args = iter(argv[1:])
    for arg in args:
        if arg == "-n" and (value := next(args, None)) is not None:
            count = parse_long("-n", value, 0, 1000000000)
        elif not arg.startswith("-") and len(names) < 3:
            names.append(arg)
        else:
            fail(2, f"usage: {argv[0]} [-n COUNT] SEGMENT EMPTY FULL")
    if len(names) != 3:
        fail(2, f"usage: {argv[0]} [-n COUNT] SEGMENT EMPTY FULL")

    ring = shmseg.ring_open(names[0], False)
    try:
        empty, full = posix.sem_open(names[1]), posix.sem_open(names[2])
    except OSError as e:
        die(f"sem_open {e.filename}", e)
    slot_size = ring.slot_size

    for _ in range(count):
        sem_call("sem_wait", posix.sem_wait, full, names[2])     # a record
        data = take(ring)
        sem_call("sem_post", posix.sem_post, empty, names[1])    # a free slot
        (length,) = U32.unpack_from(data)
        if length > slot_size - 4:
            fail(1, f"{names[0]}: frame length {length} does not fit the "
                    f"{slot_size}-byte slot")
        sys.stdout.buffer.write(data[4:4 + length] + b"\n")
        sys.stdout.flush()
    for sem, name in ((empty, names[1]), (full, names[2])):
        try:
            posix.sem_close(sem)
        except OSError as e:
            die(f"sem_close {name}", e)
    shmseg.ring_close(ring)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
