"""Small helpers for lesson 06's POSIX message queue programs.

Mirror image of demos/common/pmq.c. The calls the lesson is about
(mq_open, mq_send, mq_receive, mq_getattr, mq_notify, mq_unlink, through
ipclab.posix) stay in the programs; these only check a name, explain a
refusal, remove a queue on a signal and name a signal's si_code.
"""
import errno
import fcntl
import os
import resource

from ipclab import posix
from ipclab.err import die, fail, out, plural, remove_on_ending_signals

# The kernel's hard limits (include/linux/ipc_namespace.h): no process,
# however privileged, makes a queue with more messages (HARD_MSGMAX) or
# longer messages (HARD_MSGSIZEMAX). The options refuse more before any
# call; below them the kernel decides, by /proc/sys/fs/mqueue.
HARD_MSGMAX = 65536
HARD_MSGSIZEMAX = 16 * 1024 * 1024
NAME_MAX = 255


def check_name(name):
    """A queue name is '/', then 1 to 255 bytes (NAME_MAX), none of them
    '/', and not '.' or '..': the kernel keeps queues as files of one
    folder (mq_overview(7)). Anything else is refused before any call,
    status 2, saying the rule."""
    # glibc refuses a name without its leading '/' (EINVAL); the kernel
    # refuses another '/', '.' and '..' (EACCES), an empty name (ENOENT)
    # and more than NAME_MAX bytes after the '/' (ENAMETOOLONG): four
    # errors for one rule, said once, before any call.
    rest = os.fsencode(name)[1:]
    if (not name.startswith("/") or not 1 <= len(rest) <= NAME_MAX or b"/" in rest
            or rest in (b".", b"..")):
        fail(2, f"'{name}': not a queue name: a queue name is '/' then 1 to {NAME_MAX} bytes"
                " (NAME_MAX), no other '/', not '.' or '..'")


def _mqueue_limit(file):
    """A number from /proc/sys/fs/mqueue/FILE, or -1 if it cannot be read."""
    try:
        with open(f"/proc/sys/fs/mqueue/{file}") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return -1


def open_refused(err, flags, maxmsg=0, msgsize=0):
    """Why mq_open(name, flags, ...) failed with err, in words, or '' when
    there is nothing to add to strerror: EEXIST (O_CREAT | O_EXCL) "a
    queue has that name already"; ENOENT "no queue has that name"; EACCES,
    the queue's mode refuses this user that way (reading or writing, by
    flags); with O_CREAT, of a queue of maxmsg messages of msgsize bytes
    (0: the default sizes, /proc/sys/fs/mqueue/msg_default and
    msgsize_default): EINVAL, the /proc/sys/fs/mqueue limit it is over;
    EMFILE, RLIMIT_MSGQUEUE, the bytes all of a user's queues may take (or
    RLIMIT_NOFILE, when no descriptor is free). '' or starting with ': '.
    mq_open(3) lists the errors."""
    if err == errno.EEXIST:
        return (": a queue has that name already: another program's, or one left behind"
                " (mq_sender --unlink with its name removes one)")
    if err == errno.ENOENT:
        return ": no queue has that name (--create makes one)"
    if err == errno.EACCES:
        how = "reading" if flags & os.O_ACCMODE == os.O_RDONLY else "writing"
        return (f": the queue's mode does not let uid {os.geteuid()} open it for {how}"
                " (a queue another user made?)")
    # EMFILE ("Too many open files") has two causes: no descriptor free,
    # or, making a queue, the bytes this user's queues take, past
    # RLIMIT_MSGQUEUE.
    if err == errno.EMFILE:
        try:
            os.close(fcntl.fcntl(2, fcntl.F_DUPFD_CLOEXEC, 0))
        except OSError as e:
            if e.errno == errno.EMFILE:
                return ": no descriptor free (RLIMIT_NOFILE, ulimit -n)"
        if maxmsg <= 0:             # the default sizes (mq_open with no attr)
            maxmsg, msgsize = _mqueue_limit("msg_default"), _mqueue_limit("msgsize_default")
        soft, _ = resource.getrlimit(resource.RLIMIT_MSGQUEUE)
        if flags & os.O_CREAT and soft != resource.RLIM_INFINITY:
            return (f": over RLIMIT_MSGQUEUE (ulimit -q), {soft} bytes for all of this user's"
                    f" queues: this one takes {maxmsg} x {msgsize} bytes and the kernel's"
                    " overhead for each message")
        return ""
    # Over a /proc limit: EINVAL, unless the process has CAP_SYS_RESOURCE
    # (then only the hard limits above hold).
    msg_max, msgsize_max = _mqueue_limit("msg_max"), _mqueue_limit("msgsize_max")
    if err == errno.EINVAL and flags & os.O_CREAT and 0 <= msg_max < maxmsg:
        return f": --maxmsg {maxmsg} is over /proc/sys/fs/mqueue/msg_max ({msg_max})"
    if err == errno.EINVAL and flags & os.O_CREAT and 0 <= msgsize_max < msgsize:
        return f": --msgsize {msgsize} is over /proc/sys/fs/mqueue/msgsize_max ({msgsize_max})"
    return ""


# The queue a signal removes, set once it is ours, and which queue that is:
# its device and inode (a queue descriptor is a file descriptor).
_ours = {"name": None, "dev": None, "ino": None}


def unlink_ours(name):
    """mq_unlink(name), only if the name still names the queue
    remove_on_signal recorded (the same device and inode: the name is
    opened read-only, or else write-only, O_NONBLOCK, for a moment: nothing
    is read; a process's mq_notify registration ends with any descriptor it
    closes, so call it once unregistered). Returns 0: removed; 1: another
    queue has the name now (made since ours was removed), left in place;
    2: no queue has the name, removed already by another program. OSError
    when a call fails. For undo_push (C: the same name in pmq.h)."""
    try:
        o = posix.mq_open(name, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as e:
        if e.errno != errno.EACCES:             # a queue we may only write to?
            if e.errno == errno.ENOENT:
                return 2
            raise
        try:
            o = posix.mq_open(name, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e2:
            if e2.errno in (errno.ENOENT, errno.EACCES):
                return 2 if e2.errno == errno.ENOENT else 1
            raise
    try:
        st = os.fstat(o)
    finally:
        posix.mq_close(o)       # a descriptor of ours for a moment: nothing read
    if (st.st_dev, st.st_ino) != (_ours["dev"], _ours["ino"]):
        return 1                # another queue has the name now: not ours
    try:
        posix.mq_unlink(name)
    except OSError as e:
        if e.errno == errno.ENOENT:
            return 2
        raise
    return 0


def unlinked(r):
    """What unlink_ours's r did, for the last line: "removed", "left in
    place: another queue has the name now (...)", "removed already (...)"."""
    return ("removed" if r == 0
            else "left in place: another queue has the name now (not the one we made)" if r == 1
            else "removed already (by another program)")


def _remove_queue():
    # What a signal removes: our queue, if the name is still its.
    if _ours["name"] is not None:
        try:
            unlink_ours(_ours["name"])
        except OSError:
            pass                # dying of the signal all the same


def remove_on_signal(q, name):
    """From now on a signal that ends the program
    (err.remove_on_ending_signals: SIGINT, SIGTERM, SIGHUP, SIGUSR1...)
    removes the queue q, named name, as unlink_ours does: only while the
    name is still that queue's. Then the program ends as the signal would
    have (status 128 + N). None (q unused): nothing to remove any more
    (before the program's own removal at its end, or a queue it keeps)."""
    _ours["name"] = None        # the identity first, then the name
    if name is not None:
        try:
            st = os.fstat(q)
        except OSError as e:
            die(f"fstat {name}", e)
        _ours["dev"], _ours["ino"] = st.st_dev, st.st_ino
    _ours["name"] = name
    remove_on_ending_signals(_remove_queue)


_SI_CODES = {-3: "SI_MESGQ", 0: "SI_USER", -1: "SI_QUEUE", -6: "SI_TKILL"}


def si_code(code):
    """The name of a siginfo's si_code, for a message: "SI_MESGQ" (what the
    kernel sends for a queue's notification), "SI_USER" (kill), "SI_QUEUE"
    (sigqueue), "SI_TKILL" (tgkill), else the number."""
    return _SI_CODES.get(code, str(code))


def describe(q, name, created):
    """Every lesson-06 program's first line, what the queue is, as the
    kernel says: "created /NAME: mode 0600, room for 10 messages of up to
    8192 bytes, 0 queued" ("opened" unless created; after the mode,
    "owner uid 1000, not 0 (us)" when another user owns it): the sizes from
    mq_getattr (returned, for the caller), the mode from fstat (on Linux a
    queue descriptor is a file descriptor). A call that fails ends the
    program (C: pmq_describe)."""
    try:
        a = posix.mq_getattr(q)
    except OSError as e:
        die(f"mq_getattr {name}", e)
    try:
        st = os.fstat(q)
    except OSError as e:
        die(f"fstat {name}", e)
    # A queue of another user's (one that took the name first?) says so.
    owner = (f", owner uid {st.st_uid}, not {os.geteuid()} (us)"
             if st.st_uid != os.geteuid() else "")
    out(f"{'created' if created else 'opened'} {name}: mode {st.st_mode & 0o7777:04o}{owner},"
        f" room for {a.maxmsg} {plural(a.maxmsg, 'message', 'messages')} of up to {a.msgsize}"
        f" {plural(a.msgsize, 'byte', 'bytes')},"
        f" {a.curmsgs} queued")
    return a
