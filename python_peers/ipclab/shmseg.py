"""The layouts of lesson 08's shared-memory segments.

Mirror image of demos/common/shmseg.c; the table of offsets is in
demos/common/shmseg.h. Every segment starts with a 16-byte header the creator
writes and every attacher checks: magic ("ICNT" counter, "IRNG" ring),
version, size of the whole layout, reserved. The counter is a u64 at 16; a
ring has slots, slot_size, head and tail (u32) at 16, 20, 24, 28 and its
slots from 32. All little-endian.

Python has no shm_open(): a POSIX shared-memory object is a file in the
tmpfs /dev/shm, and glibc's shm_open() is open() of /dev/shm/NAME. shm_open
and shm_unlink below do the same. (multiprocessing.shared_memory would do it
too, but in Python 3.11 its resource tracker unlinks, at exit, even a
segment this process only attached to: see lessons/08-shared-memory.)
"""
import errno
import mmap
import os
import signal
import struct

from ipclab import trace
from ipclab.err import die, exit_on_signal, fail, plural, undo_push

SEG_VERSION = 1
COUNTER_MAGIC = b"ICNT"
RING_MAGIC = b"IRNG"
RING_SLOTS_MAX = 64        # --slots: 1 to 64
RING_RECORD_MIN = 16       # -s: bytes of payload a slot holds
RING_RECORD_MAX = 1024

HEADER = struct.Struct("<4sIII")       # magic, version, size, reserved
U32 = struct.Struct("<I")
U64 = struct.Struct("<Q")
COUNTER_AT, COUNTER_SIZE = 16, 24      # the counter: a u64 after the header
RING = struct.Struct("<IIII")          # slots, slot_size, head, tail
SLOTS_AT, SLOT_SIZE_AT, HEAD_AT, TAIL_AT = 16, 20, 24, 28
RING_HEADER = 32                       # slot 0 starts here


# glibc (2.34 and later) makes the path in a buffer of sizeof "/dev/shm/"
# + 4 + NAME_MAX bytes (room for sem_open's "sem." too): 269 with its NUL.
_SHM_PATH_BUF = len("/dev/shm/") + 1 + 4 + 255


def _shm_path(name):
    """The file glibc's shm_open and shm_unlink use for name: /dev/shm/ and
    the name without its leading slashes. None where glibc refuses the name
    before any system call: nothing left, a '/' inside, or a path that does
    not fit its buffer (a name over 259 bytes). A name of 256 to 259 bytes
    gets to open(), which refuses it (ENAMETOOLONG: NAME_MAX is 255)."""
    base = os.fsencode(name).lstrip(b"/")
    path = b"/dev/shm/" + base
    if not base or b"/" in base or len(path) + 1 > _SHM_PATH_BUF:
        return None
    return path


def shm_open(name, flags, mode=0o600):
    """shm_open(3) as glibc does it: open /dev/shm/NAME; a name glibc
    refuses, or a directory, is EINVAL."""
    path = _shm_path(name)
    if path is None:
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL), name)
    try:
        return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except IsADirectoryError:
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL), name) from None


def shm_unlink(name):
    """shm_unlink(3) as glibc does it: remove /dev/shm/NAME (mappings stay
    valid); a name glibc refuses is ENOENT, EPERM (another user's file in
    the sticky /dev/shm) is EACCES."""
    path = _shm_path(name)
    if path is None:
        raise OSError(errno.ENOENT, os.strerror(errno.ENOENT), name)
    try:
        os.unlink(path)
    except PermissionError as e:
        raise OSError(errno.EACCES, os.strerror(errno.EACCES), name) from e


def shrunk(fd, name, size):
    """Why mmap.mmap(fd, size) raised ValueError: the file is shorter than
    size now, someone truncated it since we looked. (C's mmap maps it
    anyway; its first load past the end gets SIGBUS.)"""
    try:
        now = os.fstat(fd).st_size
    except OSError:
        now = "fewer"
    return (f"mmap {name}: the segment is {now} bytes, not {size}: it was truncated "
            "under us")


def init(mem, magic, size):
    """Write a header for a layout of size bytes, the magic last."""
    HEADER.pack_into(mem, 0, bytes(4), SEG_VERSION, size, 0)
    mem[0:4] = magic


def _show_magic(m):
    """The magic as text, non-printable bytes as \\xHH: "IRNG", "\\x00..."."""
    return "".join(chr(c) if 32 < c < 127 else f"\\x{c:02x}" for c in m)


def check(mem, mapped, magic, need):
    """Is mem (mapped bytes, any size) a segment of this magic and at least
    need bytes (and at least a header)? None if so, else why not. No byte
    past mapped is read."""
    kind = "counter" if magic == COUNTER_MAGIC else "ring"
    # The size first: a header read from fewer bytes than a header fails.
    need = max(need, HEADER.size)
    if mapped < need:
        return (f"the segment is {mapped} {plural(mapped, 'byte', 'bytes')}, "
                f"the {kind} layout needs {need}")
    got, version, size, _ = HEADER.unpack_from(mem, 0)
    if got != magic:
        return (f'not a {kind} segment: its magic is "{_show_magic(got)}", '
                f'expected "{magic.decode()}"')
    if version != SEG_VERSION:
        return f"layout version {version}, this program knows version {SEG_VERSION}"
    if size < need or size > mapped:
        return (f"the header says {size} {plural(size, 'byte', 'bytes')}, "
                f"the segment has {mapped}")
    return None


class Ring:
    """What a program keeps of a ring once it has checked the header. The
    peer can write the segment at any time, header included: so slots and
    slot_size, which never change, are copied here once, after the check,
    and never read from the segment again; head and tail, which do change,
    are read with ring_index(), which checks them every time."""

    def __init__(self, mem, slots, slot_size, name):
        self.mem = mem              # the mapping
        self.slots, self.slot_size = slots, slot_size   # copies, checked
        self.name = name            # for messages


def ring_open(name, create, slots=0, record=0):
    """Create (slots, record: payload bytes per slot) or attach to the POSIX
    ring segment name: shm_open, ftruncate, mmap, header. Returns a Ring;
    exits with a message naming the call and the object on any failure."""
    size = RING_HEADER + slots * (4 + record)
    # The same steps as shm_counter.py: open (or create) the name, give a
    # new segment its size, map it, close the descriptor.
    trace.before("shm_open", obj=name)
    try:
        fd = shm_open(name, os.O_RDWR | (os.O_CREAT | os.O_EXCL if create else 0))
    except OSError as e:
        trace.after("shm_open", -1, -1, e.errno)
        die(f"shm_open {name}", e)
    trace.after("shm_open", fd, fd)
    if create:                      # ours: removed if we fail before all are made
        undo_push(shm_unlink, name)
    try:
        if create:
            os.ftruncate(fd, size)
        else:
            size = os.fstat(fd).st_size
    except OSError as e:
        die(f"{'ftruncate' if create else 'fstat'} {name}", e)
    if size < RING_HEADER:          # bytes past the file's end: SIGBUS
        fail(1, f"{name}: the segment is {size} {plural(size, 'byte', 'bytes')}, "
                f"the ring layout needs {RING_HEADER}")
    trace.before("mmap", fd, obj=name, length=size)
    try:
        mem = mmap.mmap(fd, size)
    except OSError as e:
        trace.after("mmap", fd, -1, e.errno)
        die(f"mmap {name}", e)
    except ValueError:
        trace.after("mmap", fd, -1, errno.EINVAL)
        fail(1, shrunk(fd, name, size))
    trace.after("mmap", fd, 0)
    try:
        os.close(fd)                # the mapping keeps the segment (and
    except OSError as e:            # Python's mmap keeps a dup of fd)
        die(f"close {name}", e)

    if create:
        # Fill in everything, the header's magic last: an attacher that
        # checks the magic sees a whole ring or none.
        RING.pack_into(mem, SLOTS_AT, slots, 4 + record, 0, 0)
        init(mem, RING_MAGIC, size)
        return Ring(mem, slots, 4 + record, name)
    why, slots, slot_size = ring_check(mem, size)
    if why is not None:
        fail(1, f"{name}: {why}")
    return Ring(mem, slots, slot_size, name)


def ring_check(mem, mapped):
    """Is mem (mapped bytes) a whole ring: a ring header (check), 1 to
    RING_SLOTS_MAX slots of 4 + RING_RECORD_MIN to 4 + RING_RECORD_MAX bytes
    each, a size that is the header and the slots and fits the mapping, head
    and tail slot numbers? Returns (None, slots, slot_size) if so, with the
    slots and slot size (bytes) as read and checked; else (why not, None,
    None). It only reads: tests/fuzz/fuzz_python.py runs it on any bytes."""
    why = check(mem, mapped, RING_MAGIC, RING_HEADER)
    if why is not None:
        return why, None, None
    # Copy, then check the copies: what is checked is what is used.
    slots, slot_size, head, tail = RING.unpack_from(mem, SLOTS_AT)
    total = HEADER.unpack_from(mem, 0)[2]
    if (not 1 <= slots <= RING_SLOTS_MAX
            or not 4 + RING_RECORD_MIN <= slot_size <= 4 + RING_RECORD_MAX
            or total != RING_HEADER + slots * slot_size or total > mapped
            or head >= slots or tail >= slots):
        return (f"a broken ring header: {slots} {plural(slots, 'slot', 'slots')} "
                f"of {slot_size} {plural(slot_size, 'byte', 'bytes')}, head {head}, "
                f"tail {tail}, in {total} {plural(total, 'byte', 'bytes')}"), None, None
    return None, slots, slot_size


def ring_index_check(ring, field):
    """Read head or tail (field: "head" or "tail") from the segment, once.
    Returns (i, None) if it is a slot number (below ring.slots), else
    (i, why not: "a broken ring header: ...")."""
    (i,) = U32.unpack_from(ring.mem, HEAD_AT if field == "head" else TAIL_AT)
    if i < ring.slots:
        return i, None
    return i, (f"a broken ring header: {field} is {i}, "
               f"the ring has {ring.slots} {plural(ring.slots, 'slot', 'slots')}")


def ring_index(ring, field):
    """Read head or tail (field: "head" or "tail") from the segment, once,
    and return it if it is a slot number; exit with "a broken ring header"
    if it is not (ring_index_check)."""
    i, why = ring_index_check(ring, field)
    if why is not None:
        fail(1, f"{ring.name}: {why}")
    return i


def ring_close(ring):
    """munmap the ring."""
    ring.mem.close()


def catch_sigbus():
    """From now on, a SIGBUS (a load or store in a mapping whose file was
    truncated under us) ends the program with a message saying so, status 1."""
    exit_on_signal(signal.SIGBUS, "SIGBUS", "a shared mapping has lost its bytes: the "
                   "segment (or a semaphore's file in /dev/shm) was truncated under us")
