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

  set FIELD VALUE   write VALUE into FIELD, a name above or @OFFSET (a
                    byte offset: 4 bytes there); VALUE a number, or for
                    magic 4 ASCII characters ("IRNG")
  scramble N [F,..] N writes of a random value into a random field of the
                    list (4-byte fields only; default: every header field,
                    and slots, slot_size, head and tail of a ring), one
                    after the other as fast as it can (0: until killed);
                    values in range and out of it, 0, 2^31 and 2^32-1
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
                    a load or store past the new end gets SIGBUS; it only
                    cuts: SIZE is at most the segment's size
  semval KEY VALUE  set semaphore 0 of the System V set KEY to VALUE (semctl
                    SETVAL)
  hold              wait for SIGUSR1 (the kernel shows rt_sigtimedwait)
  pause             stop for ever: asleep in pause() until a signal ends it
  exit [STATUS]     exit now (default 0)
  kill              die of SIGKILL, as a crash would

Every word is checked before any step runs (exit status 2, one line; a
number is decimal, or 0x hexadecimal):
  NAME, EMPTY, FULL, SEM  a POSIX IPC name: "/", then 1 to 255 bytes (251
                    for a semaphore: its file is sem.NAME) with no "/";
                    the file in /dev/shm must be a regular file, never
                    reached through a symbolic link (an open that fails:
                    status 1)
  KEY               1 to 2147483647
  N                 0 to 2147483647 (post: each one a sem_post)
  VALUE             0 to 2^32-1 (counter: 2^64-1; semval: 0 to 32767)
  @OFFSET, FIELD    its bytes inside the segment (set), or the semaphore's
                    32 (semset: 0 to 28)
  SIZE              0 to the segment's size then
  STATUS            0 to 255;  --seed S: 0 to 4294967295
and so is each step against the segment as it is when the peer comes (and
as its own truncate steps leave it): a step it cannot take is bad usage
too (status 2, the segment's size and what the step needs); smash needs 4
bytes; flood and stall a ring (magic "IRNG", at least 1 slot of at least 4
bytes, every slot inside the segment). Nothing may follow a step that
never returns (exit, kill, pause; scramble 0, smash 0, flood 0).

--seed S makes every random choice the same from run to run (default 1);
which of the other side's steps a write lands between is up to the kernel.
scramble and smash say "hostile_shm.py: first write" once they have
written (a test waits for it before it lets the programs run).
Exit status: 0 when the steps are done, or at SIGTERM, which it answers
with how many writes scramble and smash made ("hostile_shm.py: 5210
writes"); 1 when a call fails (said on stderr: the call and the object);
2 for bad usage.
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
from words import (NAME_MAX, ended_by, fail, ipc_name,  # noqa: E402
                   looks_like_number, number, open_regular, plain, shown, usage)

FIELDS = {"magic": (0, 4), "version": (4, 4), "size": (8, 4), "reserved": (12, 4),
          "counter": (16, 8), "slots": (16, 4), "slot_size": (20, 4),
          "head": (24, 4), "tail": (28, 4)}
HEADER_FIELDS = ["magic", "version", "size", "reserved"]
RING_FIELDS = HEADER_FIELDS + ["slots", "slot_size", "head", "tail"]
FIELDS_4 = [f for f, (_, width) in FIELDS.items() if width == 4]
U32 = struct.Struct("<I")
SLOTS_AT = 32
COUNT_MAX = 2**31 - 1           # N; SEM_VALUE_MAX too: no more posts than that
KEY_MAX = 2**31 - 1
SEMVMX = 32767                  # a System V semaphore's largest value
SETVAL = 16                     # semctl's command
SEM_NAME_MAX = NAME_MAX - len("sem.")


def say(text):
    sys.stderr.write(f"{PROG}: {text}\n")


# ---- the command line: every word checked before anything is opened ----

# Each step's words; one in brackets is optional: taken when it passes its
# test in OPTIONAL, else it is the next step's.
STEPS = {"set": ["FIELD", "VALUE"], "scramble": ["N", "[F,...]"], "smash": ["N"],
         "flood": ["N", "EMPTY", "FULL"], "stall": ["EMPTY", "FULL"], "post": ["SEM", "N"],
         "semset": ["SEM", "VALUE", "[@OFFSET]"], "truncate": ["SIZE"],
         "semval": ["KEY", "VALUE"], "hold": [], "pause": [], "exit": ["[STATUS]"],
         "kill": []}
OPTIONAL = {"[F,...]": lambda w: w not in STEPS, "[@OFFSET]": lambda w: w.startswith("@"),
            "[STATUS]": looks_like_number}


def parse_steps(words):
    """The words as (name, values), each word checked as far as it
    can be without the segment (check_steps does the rest): else usage()."""
    steps, i = [], 0
    while i < len(words):
        name = words[i]
        if name not in STEPS:
            usage(f"unknown step {shown(name)}"
                  + (" (options go before the steps)" if name.startswith("-") else ""))
        i += 1
        taken = []
        for word in STEPS[name]:
            if word in OPTIONAL:
                if i < len(words) and OPTIONAL[word](words[i]):
                    taken.append(words[i])
                    i += 1
                break
            if i == len(words):
                usage(f"{name}: no {word} ({' '.join([name] + STEPS[name])})")
            taken.append(words[i])
            i += 1
        steps.append((name, values(name, taken)))
    ended_by(steps, never_returns)
    return steps


def values(name, w):
    """A step's words as values (numbers in their ranges, names checked)."""
    if name == "set":
        return field(w[0]) + (value(w[0], w[1]),)
    if name == "scramble":
        return number(w[0], 0, COUNT_MAX, "scramble N"), fields(w[1]) if len(w) > 1 else None
    if name == "smash":
        return (number(w[0], 0, COUNT_MAX, "smash N"),)
    if name == "flood":
        return (number(w[0], 0, COUNT_MAX, "flood N"), sem_name(w[1], "flood EMPTY"),
                sem_name(w[2], "flood FULL"))
    if name == "stall":
        return sem_name(w[0], "stall EMPTY"), sem_name(w[1], "stall FULL")
    if name == "post":
        return sem_name(w[0], "post SEM"), number(w[1], 0, COUNT_MAX, "post N")
    if name == "semset":
        at = number(w[2][1:], 0, posix.SEM_T_SIZE - 4, "semset @OFFSET") if len(w) > 2 else 0
        return sem_name(w[0], "semset SEM"), number(w[1], 0, 2**32 - 1, "semset VALUE"), at
    if name == "truncate":
        return (number(w[0], 0, 2**63 - 1, "truncate SIZE"),)
    if name == "semval":
        return number(w[0], 1, KEY_MAX, "semval KEY"), number(w[1], 0, SEMVMX, "semval VALUE")
    if name == "exit":
        return (number(w[0], 0, 255, "exit STATUS"),) if w else (0,)
    return ()


def field(word):
    """(label, offset, width) of a field's name or @OFFSET."""
    if word in FIELDS:
        return (word,) + FIELDS[word]
    if word.startswith("@"):
        return word, number(word[1:], 0, 2**32 - 1, "set @OFFSET"), 4
    usage(f"set: unknown field {shown(word)}: one of {', '.join(FIELDS)}, or @OFFSET")


def value(label, word):
    """VALUE as the field's bytes: a number, or magic's 4 characters."""
    width = FIELDS.get(label, (0, 4))[1]
    if label == "magic" and not looks_like_number(word):
        if not (word.isascii() and len(word) == 4):
            usage(f"set magic: {shown(word)} is not 4 ASCII characters (nor a number)")
        return word.encode()
    return number(word, 0, 2**(8 * width) - 1, f"set {label} VALUE").to_bytes(width, "little")


def fields(word):
    names = word.split(",")
    for f in names:
        if f not in FIELDS_4:
            usage(f"scramble: {shown(f)} is not a 4-byte field: one of {', '.join(FIELDS_4)}")
    return names


def sem_name(word, what):
    return ipc_name(word, what, SEM_NAME_MAX)


def never_returns(name, v):
    if name in ("exit", "kill"):
        return f"'{name}', which ends the peer"
    if name == "pause":
        return "'pause', which never returns"
    if name in ("scramble", "smash", "flood") and v[0] == 0:
        return f"'{name} 0', which goes on until the peer is killed"
    return None


# ---- the segment -------------------------------------------------------

class Segment:
    """The segment as the peer found it: its bytes (mem), its size, and the
    ring's slots and slot size then (the peer's copy, as a program's)."""

    def __init__(self, mem, size, name, fd=None):
        self.mem, self.size, self.name, self.fd = mem, size, name, fd
        self.ring = size >= SLOTS_AT and bytes(mem[0:4]) == b"IRNG"
        self.slots, self.slot_size = (U32.unpack_from(mem, 16)[0], U32.unpack_from(mem, 20)[0]) \
            if self.ring else (1, 0)

    def not_a_ring(self, size):
        """Why flood and stall cannot use it at this size, or None."""
        if self.size < 4:
            return "a ring starts with the magic 'IRNG'"
        if bytes(self.mem[0:4]) != b"IRNG":
            return f"its magic is {shown(bytes(self.mem[0:4]).decode('latin-1'))}, not 'IRNG'"
        if not self.ring:
            return f"a ring's header alone is {SLOTS_AT} bytes"
        if self.slots < 1 or self.slot_size < 4:
            return (f"it says {self.slots} slots of {self.slot_size} bytes: a ring has 1 "
                    f"or more, each of 4 bytes or more (a record's length)")
        end = SLOTS_AT + self.slots * self.slot_size
        if end > size:
            return f"its {self.slots} slots of {self.slot_size} bytes end at byte {end}"
        return None


def map_posix(name):
    """Open /dev/shm/NAME (a regular file, never through a symbolic link)
    and map it; fail() names the call that failed."""
    path = "/dev/shm/" + name[1:]
    try:
        fd = open_regular(path, os.O_RDWR)
    except OSError as e:
        fail(f"open {plain(path)}: {e.strerror}")
    size = os.fstat(fd).st_size
    if size == 0:               # mmap cannot map 0 bytes: nothing to map
        return Segment(b"", 0, name, fd)
    try:
        return Segment(mmap.mmap(fd, size), size, name, fd)
    except ValueError:          # cut between fstat and mmap
        fail(f"mmap {plain(path)}: the segment is now shorter than {size} bytes: "
             f"it was truncated under us")
    except OSError as e:
        fail(f"mmap {plain(path)}: {os.strerror(e.errno)}")


def map_sysv(key):
    """shmget and shmat through ctypes; the size from /proc/sysvipc/shm."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    shmid = libc.shmget(key, 0, 0)
    if shmid == -1:
        fail(f"shmget key {key}: {os.strerror(ctypes.get_errno())}")
    with open("/proc/sysvipc/shm") as f:
        sizes = {int(w[1]): int(w[3]) for w in (line.split() for line in f) if w[1].isdigit()}
    if shmid not in sizes:
        fail(f"shmget key {key}: segment {shmid} is gone from /proc/sysvipc/shm")
    addr = libc.shmat(shmid, None, 0)
    if addr == ctypes.c_void_p(-1).value:
        fail(f"shmat key {key}: {os.strerror(ctypes.get_errno())}")
    size = sizes[shmid]
    return Segment(memoryview((ctypes.c_char * size).from_address(addr)).cast("B"), size, None)


def check_steps(steps, seg):
    """Each step against the segment as it is now, and as the peer's own
    truncate steps leave it: a step that cannot apply is bad usage."""
    size = seg.size

    def past(what, offset, width):
        usage(f"{what}: bytes {offset} to {offset + width - 1} are past the end of the "
              f"{size}-byte segment")

    for name, v in steps:
        if name == "set":
            label, offset, width, _ = v
            if offset + width > size:
                past(f"set {label}", offset, width)
        elif name == "scramble":
            for f in v[1] or (RING_FIELDS if seg.ring else HEADER_FIELDS):
                offset, width = FIELDS[f]
                if offset + width > size:
                    past(f"scramble {f}" + ("" if v[1] else " (a field of the default list)"),
                         offset, width)
        elif name == "smash" and size < 4:
            usage(f"smash: the segment has {size} bytes: smash writes 4 at a time")
        elif name in ("flood", "stall"):
            why = seg.not_a_ring(size)
            if why:
                usage(f"{name}: {plain(seg.name or 'the segment')} ({size} bytes) "
                      f"is not a ring: {why}")
        elif name == "truncate":
            if seg.name is None:
                usage("truncate: a System V segment cannot be truncated")
            if v[0] > size:
                usage(f"truncate SIZE: {v[0]} is more than the segment's {size} bytes "
                      f"(truncate only cuts: 0 to {size})")
            size = v[0]


def open_sem_file(name):
    """The descriptor of /dev/shm/sem.NAME, a semaphore's file: a regular
    file of sizeof(sem_t) bytes or more, else fail()."""
    path = "/dev/shm/sem." + name[1:]
    try:
        fd = open_regular(path, os.O_RDWR)
    except OSError as e:
        fail(f"open {plain(path)}: {e.strerror}")
    size = os.fstat(fd).st_size
    if size < posix.SEM_T_SIZE:
        fail(f"open {plain(path)}: {size} bytes: a semaphore's file has {posix.SEM_T_SIZE}")
    return fd


def open_sems(steps):
    """Every semaphore the steps name, opened before any step runs: POSIX
    ones by sem_open (their file checked first), semset's by its file."""
    sems, files = {}, {}
    for name, v in steps:
        names = {"flood": v[1:3], "stall": v[0:2], "post": v[0:1], "semset": v[0:1]}.get(name, ())
        for sem in names:
            if sem not in files:
                files[sem] = open_sem_file(sem)
            if name != "semset" and sem not in sems:
                try:
                    sems[sem] = posix.sem_open(sem)
                except OSError as e:
                    fail(f"sem_open {plain(sem)}: {os.strerror(e.errno)}")
    return sems, files


# ---- the steps ---------------------------------------------------------

def call(what, fn, *args):
    """fn(*args); when it fails, fail() naming the call and the object."""
    try:
        return fn(*args)
    except OSError as e:
        fail(f"{what}: {os.strerror(e.errno)}")


class Peer:
    def __init__(self, seg, rng, sems, files):
        self.seg, self.mem, self.rng = seg, seg.mem, rng
        self.sems, self.files = sems, files
        self.writes = 0             # by scramble and smash

    def random_value(self):
        r, seg = self.rng, self.seg
        return r.choice([r.randint(0, seg.slots + 1), 0, 1, 2**31 - 1, 2**31, 2**32 - 1,
                         r.getrandbits(32), r.randint(0, 2 * seg.slot_size + 64)])

    def scramble(self, count, fields):
        i = 0
        while count == 0 or i < count:
            offset = FIELDS[self.rng.choice(fields)][0]
            U32.pack_into(self.mem, offset, self.random_value())
            i += 1
            self.wrote()

    def smash(self, count):
        i = 0
        while count == 0 or i < count:
            offset = self.rng.randrange(0, self.seg.size - 3) & ~3
            U32.pack_into(self.mem, offset, self.random_value())
            i += 1
            self.wrote()

    def wrote(self):
        """Count a write; say the first, so a test can wait for it."""
        self.writes += 1
        if self.writes == 1:
            say("first write")

    def slot_at(self):
        head = U32.unpack_from(self.mem, 24)[0] % self.seg.slots
        return head, SLOTS_AT + head * self.seg.slot_size

    def flood(self, count, full_name):
        full = self.sems[full_name]
        i = 0
        while count == 0 or i < count:
            i += 1
            text = f"flood {i}".encode()[:self.seg.slot_size - 4]
            head, at = self.slot_at()
            self.mem[at:at + 4 + len(text)] = U32.pack(len(text)) + text
            U32.pack_into(self.mem, 24, (head + 1) % self.seg.slots)
            call(f"sem_post {plain(full_name)}", posix.sem_post, full)

    def stall(self, empty_name):
        call(f"sem_wait {plain(empty_name)}", posix.sem_wait, self.sems[empty_name])
        _, at = self.slot_at()
        payload = self.rng.randbytes(self.seg.slot_size - 4)
        half = payload[:len(payload) // 2]
        self.mem[at:at + 4 + len(half)] = U32.pack(len(payload)) + half

    def run(self, name, v):
        if name == "set":
            _, offset, width, data = v
            self.mem[offset:offset + width] = data
        elif name == "scramble":
            self.scramble(v[0], v[1] or (RING_FIELDS if self.seg.ring else HEADER_FIELDS))
        elif name == "smash":
            self.smash(v[0])
        elif name == "flood":
            self.flood(v[0], v[2])
        elif name == "stall":
            self.stall(v[0])
        elif name == "post":
            for _ in range(v[1]):
                call(f"sem_post {plain(v[0])}", posix.sem_post, self.sems[v[0]])
        elif name == "semset":
            call(f"pwrite /dev/shm/sem.{plain(v[0][1:])}", os.pwrite, self.files[v[0]],
                 U32.pack(v[1]), v[2])
        elif name == "truncate":
            call(f"ftruncate /dev/shm/{plain(self.seg.name[1:])}", os.ftruncate,
                 self.seg.fd, v[0])
            self.seg.size = v[0]
        elif name == "semval":
            libc = ctypes.CDLL(None, use_errno=True)
            semid = libc.semget(v[0], 0, 0)
            if semid == -1:
                fail(f"semget key {v[0]}: {os.strerror(ctypes.get_errno())}")
            # semctl's fourth argument is a union semun: its int, in a long.
            if libc.semctl(semid, 0, SETVAL, ctypes.c_long(v[1])) == -1:
                fail(f"semctl SETVAL key {v[0]}: {os.strerror(ctypes.get_errno())}")
        elif name == "hold":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
            signal.sigwait({signal.SIGUSR1})
        elif name == "pause":
            while True:
                signal.pause()
        elif name == "exit":
            sys.exit(v[0])
        elif name == "kill":
            os.kill(os.getpid(), signal.SIGKILL)


def main(argv):
    opts = argparse.ArgumentParser(prog=PROG, add_help=False, allow_abbrev=False)
    opts.add_argument("-h", "--help", action="store_true")
    opts.add_argument("--seed", default="1")
    opts.add_argument("--posix")
    opts.add_argument("--sysv")
    opts.add_argument("steps", nargs=argparse.REMAINDER)
    opts.error = usage
    opts = opts.parse_args(argv[1:])
    if opts.help:
        sys.stdout.write(__doc__)
        return 0
    seed = number(opts.seed, 0, 2**32 - 1, "--seed")
    if (opts.posix is None) == (opts.sysv is None):
        usage("name one segment: --posix NAME or --sysv KEY")
    name = ipc_name(opts.posix, "--posix") if opts.posix is not None else None
    key = number(opts.sysv, 1, KEY_MAX, "--sysv KEY") if opts.sysv is not None else None
    if not opts.steps:
        usage("no STEP")
    steps = parse_steps(opts.steps)
    # Python would raise KeyboardInterrupt (a traceback) on SIGINT: die of it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    seg = map_posix(name) if name is not None else map_sysv(key)
    check_steps(steps, seg)
    peer = Peer(seg, random.Random(seed), *open_sems(steps))
    # SIGTERM ends a "scramble 0" or "smash 0": say how many writes it made.
    signal.signal(signal.SIGTERM, lambda *_: (say(f"{peer.writes} writes"), os._exit(0)))
    for name, v in steps:
        peer.run(name, v)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
