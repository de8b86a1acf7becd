#!/usr/bin/env python3
"""hostile_shm.py - a hostile process that maps a lesson 08 segment: it
rewrites the header and the ring's fields (chosen values or at random, while
the other side runs), floods the ring past its semaphores, or stops for
ever in the middle of a record.

Usage: hostile_shm.py [--seed S] (--posix NAME | --sysv KEY) STEP...

Maps the POSIX segment NAME (/dev/shm/NAME) or attaches to the System V
segment KEY, as any process with the permission can, and runs the STEPs in
order (docs/hostile-peers.md has examples). The layout is shmseg.h's:

  field      offset  bytes        field      offset  bytes
  magic           0  4 ("IRNG")   slots          16  4     (a ring)
  version         4  4            slot_size      20  4
  size            8  4            head           24  4
  reserved       12  4            tail           28  4
  counter        16  8 (a counter)               32  slot 0, slot 1, ...

  set FIELD VALUE   write VALUE (a number; 4 characters for magic) into
                    FIELD, a name above or @OFFSET (a byte offset: 4 bytes)
  scramble N [F,..] N writes of a random value into a random field of the
                    list (default: every header field, and slots, slot_size,
                    head and tail of a ring), one after the other as fast as
                    it can (0: until killed); values in range and out of it,
                    0, 2^31 and 2^32-1 among them
  smash N           N random 4-byte values at random offsets anywhere in the
                    segment: frame lengths and payloads too (0: until killed)
  flood N EMPTY FULL   put N records into the ring (0: until killed), each
                    into slot head, head moved on, FULL posted, as fast as it
                    can and without ever waiting on EMPTY: more than the ring
                    holds, over records nobody has read yet
  stall EMPTY FULL  take a free slot (sem_wait EMPTY) and write half a record
                    into it: its length and the first half of its payload;
                    neither head nor FULL moves (follow with pause or kill)
  post SEM N        sem_post the POSIX semaphore SEM N times
  semset SEM VALUE [@OFFSET]  write VALUE (4 bytes) into the POSIX
                    semaphore SEM's file, /dev/shm/sem.NAME: at offset 0
                    (the default) glibc keeps the count, at @4 the number
                    of waiters, at @8 the futex flags it passes the kernel
  truncate SIZE     cut the POSIX segment's file to SIZE bytes (ftruncate):
                    a load or store past the new end gets SIGBUS
  semval KEY VALUE  set semaphore 0 of the System V set KEY to VALUE (semctl
                    SETVAL, 0 to 32767)
  hold              wait for SIGUSR1 (the kernel shows rt_sigtimedwait)
  pause             stop for ever: asleep in pause() until a signal ends it
  exit [STATUS]     exit now (default 0)
  kill              die of SIGKILL, as a crash would

--seed S makes every random choice the same from run to run (default 1);
which of the other side's steps a write lands between is up to the kernel.
Exit status: 0 when the steps are done, or at SIGTERM, which it answers
with how many writes scramble and smash made ("hostile_shm.py: 5210
writes"); 1 when a call fails (said on stderr); 2 for bad usage.
"""
import argparse
import ctypes
import mmap
import os
import random
import signal
import struct
import sys

PROG = "hostile_shm.py"
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python_peers"))
from ipclab import posix                                # noqa: E402
import words                                            # noqa: E402
from words import usage                                 # noqa: E402

FIELDS = {"magic": (0, 4), "version": (4, 4), "size": (8, 4), "reserved": (12, 4),
          "counter": (16, 8), "slots": (16, 4), "slot_size": (20, 4),
          "head": (24, 4), "tail": (28, 4)}
HEADER_FIELDS = ["magic", "version", "size", "reserved"]
RING_FIELDS = HEADER_FIELDS + ["slots", "slot_size", "head", "tail"]
U32 = struct.Struct("<I")
SLOTS_AT = 32


def say(text):
    sys.stderr.write(f"{PROG}: {text}\n")


def number(text, lo=0, hi=2**64 - 1):
    return words.number(text, lo, hi)


def map_posix(name):
    path = "/dev/shm/" + name.lstrip("/")
    fd = os.open(path, os.O_RDWR)
    try:
        return mmap.mmap(fd, os.fstat(fd).st_size)
    finally:
        os.close(fd)


def map_sysv(key):
    """shmget and shmat through ctypes; the size from /proc/sysvipc/shm."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    shmid = libc.shmget(key, 0, 0)
    if shmid == -1:
        raise OSError(ctypes.get_errno(), f"shmget key {key}")
    with open("/proc/sysvipc/shm") as f:
        sizes = {int(w[1]): int(w[3]) for w in (line.split() for line in f) if w[1].isdigit()}
    addr = libc.shmat(shmid, None, 0)
    if addr == ctypes.c_void_p(-1).value:
        raise OSError(ctypes.get_errno(), f"shmat key {key}")
    return memoryview((ctypes.c_char * sizes[shmid]).from_address(addr)).cast("B")


class Peer:
    def __init__(self, mem, rng, name):
        self.mem, self.rng, self.name = mem, rng, name
        self.writes = 0             # by scramble and smash
        self.ring = bytes(mem[0:4]) == b"IRNG"
        # What the segment said when we came: where the slots are.
        self.slots, self.slot_size = (max(1, U32.unpack_from(mem, 16)[0]),
                                      U32.unpack_from(mem, 20)[0]) if self.ring else (1, 0)

    def put(self, field, value):
        offset, width = FIELDS[field] if field in FIELDS else (number(field[1:]), 4)
        if offset + width > len(self.mem):
            usage(f"{field}: offset {offset} is past the segment's {len(self.mem)} bytes")
        if field == "magic" and not str(value).isdigit():
            self.mem[0:4] = str(value).encode().ljust(4, b"\0")[:4]
        else:
            n = number(str(value), 0, 2**(8 * width) - 1)
            self.mem[offset:offset + width] = n.to_bytes(width, "little")

    def random_value(self):
        r = self.rng
        return r.choice([r.randint(0, self.slots + 1), 0, 1, 2**31 - 1, 2**31, 2**32 - 1,
                         r.getrandbits(32), r.randint(0, 2 * self.slot_size + 64)])

    def scramble(self, count, fields):
        i = 0
        while count == 0 or i < count:
            offset = FIELDS[self.rng.choice(fields)][0]
            U32.pack_into(self.mem, offset, self.random_value())
            i += 1
            self.writes += 1

    def smash(self, count):
        i = 0
        while count == 0 or i < count:
            offset = self.rng.randrange(0, len(self.mem) - 3) & ~3
            U32.pack_into(self.mem, offset, self.random_value())
            i += 1
            self.writes += 1

    def slot_at(self):
        head = U32.unpack_from(self.mem, 24)[0] % self.slots
        return head, SLOTS_AT + head * self.slot_size

    def flood(self, count, full_name):
        full = posix.sem_open(full_name)
        i = 0
        while count == 0 or i < count:
            i += 1
            text = f"flood {i}".encode()[:max(0, self.slot_size - 4)]
            head, at = self.slot_at()
            self.mem[at:at + 4 + len(text)] = U32.pack(len(text)) + text
            U32.pack_into(self.mem, 24, (head + 1) % self.slots)
            posix.sem_post(full)

    def stall(self, empty_name):
        posix.sem_wait(posix.sem_open(empty_name))
        _, at = self.slot_at()
        payload = self.rng.randbytes(max(0, self.slot_size - 4))
        half = payload[:len(payload) // 2]
        self.mem[at:at + 4 + len(half)] = U32.pack(len(payload)) + half

    def run(self, name, args):
        if name == "set":
            self.put(args[0], args[1])
        elif name == "scramble":
            fields = args[1].split(",") if len(args) > 1 else (
                RING_FIELDS if self.ring else HEADER_FIELDS)
            for f in fields:
                if f not in FIELDS or FIELDS[f][1] != 4:
                    usage(f"scramble: '{f}' is not a 4-byte field")
            self.scramble(number(args[0]), fields)
        elif name == "smash":
            self.smash(number(args[0]))
        elif name == "flood":
            self.flood(number(args[0]), args[2])
        elif name == "stall":
            self.stall(args[0])
        elif name == "post":
            sem = posix.sem_open(args[0])
            for _ in range(number(args[1])):
                posix.sem_post(sem)
        elif name == "semset":
            offset = number(args[2][1:], 0, 28) if len(args) > 2 else 0
            fd = os.open("/dev/shm/sem." + args[0].lstrip("/"), os.O_WRONLY)
            os.pwrite(fd, U32.pack(number(args[1], 0, 2**32 - 1)), offset)
            os.close(fd)
        elif name == "truncate":
            if self.name is None:
                usage("truncate: a System V segment cannot be truncated")
            fd = os.open("/dev/shm/" + self.name.lstrip("/"), os.O_WRONLY)
            os.ftruncate(fd, number(args[0]))
            os.close(fd)
        elif name == "semval":
            libc = ctypes.CDLL(None, use_errno=True)
            semid = libc.semget(number(args[0], 1, 2**31 - 1), 0, 0)
            # semctl's fourth argument is a union semun: its int, in a long.
            if semid == -1 or libc.semctl(semid, 0, 16, ctypes.c_long(number(args[1], 0, 32767))) == -1:
                raise OSError(ctypes.get_errno(), "semctl SETVAL")   # 16: SETVAL
        elif name == "hold":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
            signal.sigwait({signal.SIGUSR1})
        elif name == "pause":
            while True:
                signal.pause()
        elif name == "exit":
            sys.exit(number(args[0], 0, 255) if args else 0)
        elif name == "kill":
            os.kill(os.getpid(), signal.SIGKILL)


# How many words each step takes: (required, optional).
ARITY = {"set": (2, 0), "scramble": (1, 1), "smash": (1, 0), "flood": (3, 0),
         "stall": (2, 0), "post": (2, 0), "semset": (2, 1), "semval": (2, 0), "truncate": (1, 0), "hold": (0, 0),
         "pause": (0, 0), "exit": (0, 1), "kill": (0, 0)}


def parse_steps(words):
    steps, i = [], 0
    while i < len(words):
        name = words[i]
        if name not in ARITY:
            usage(f"unknown step '{name}'")
        need, extra = ARITY[name]
        args = words[i + 1:i + 1 + need]
        if len(args) < need:
            usage(f"{name} needs {need} argument{'s' if need > 1 else ''}")
        for word in words[i + 1 + need:i + 1 + need + extra]:
            if word in ARITY:
                break
            args.append(word)
        steps.append((name, args))
        i += 1 + len(args)
    return steps


def main(argv):
    opts = argparse.ArgumentParser(prog=PROG, add_help=False)
    opts.add_argument("-h", "--help", action="store_true")
    opts.add_argument("--seed", type=int, default=1)
    opts.add_argument("--posix")
    opts.add_argument("--sysv")
    opts.add_argument("steps", nargs=argparse.REMAINDER)
    opts.error = usage
    opts = opts.parse_args(argv[1:])
    if opts.help:
        sys.stdout.write(__doc__)
        return 0
    if (opts.posix is None) == (opts.sysv is None):
        usage("name one segment: --posix NAME or --sysv KEY")
    if not opts.steps:
        usage("no STEP")
    steps = parse_steps(opts.steps)
    # Python would raise KeyboardInterrupt (a traceback) on SIGINT: die of it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    target = opts.posix or f"key {opts.sysv}"
    try:
        mem = map_posix(opts.posix) if opts.posix else map_sysv(number(opts.sysv, 1, 2**31 - 1))
    except OSError as e:
        say(f"{target}: {os.strerror(e.errno)}")
        return 1
    peer = Peer(mem, random.Random(opts.seed), opts.posix)
    # SIGTERM ends a "scramble 0" or "smash 0": say how many writes it made.
    signal.signal(signal.SIGTERM, lambda *_: (say(f"{peer.writes} writes"), os._exit(0)))
    for name, args in steps:
        try:
            peer.run(name, args)
        except OSError as e:
            say(f"{name} {' '.join(args)}: {os.strerror(e.errno)}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
