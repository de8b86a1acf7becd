"""POSIX named semaphores and message queues, through ctypes.

Debian 12's Python has no posix_ipc module, so the lesson peers call glibc's
functions directly. Each function here is the C call of the same name, with
the same arguments in the same order, minus the pointers:

    import os, signal, time
    from ipclab import posix

    sem = posix.sem_open("/ipclab-42-lock", os.O_CREAT | os.O_EXCL, 0o600, 1)
    posix.sem_wait(sem)                        # value 1 -> 0: we hold it
    posix.sem_post(sem)                        # value 0 -> 1
    posix.sem_getvalue(sem)                    # 1
    posix.sem_trywait(sem)                     # OSError(EAGAIN) if it is 0
    posix.sem_timedwait(sem, time.time() + 2)  # OSError(ETIMEDOUT) after 2 s
    posix.sem_close(sem)
    posix.sem_unlink("/ipclab-42-lock")

    mq = posix.mq_open("/ipclab-42-jobs", os.O_CREAT | os.O_RDWR, 0o600,
                       maxmsg=10, msgsize=64)
    posix.mq_send(mq, b"job 1", 5)             # priority 5
    posix.mq_getattr(mq)   # MqAttr(flags=0, maxmsg=10, msgsize=64, curmsgs=1)
    posix.mq_receive(mq)                       # (b'job 1', 5)
    posix.mq_timedreceive(mq, time.time() + 2) # OSError(ETIMEDOUT): empty
    posix.mq_notify(mq, posix.SIGEV_SIGNAL, signal.SIGUSR2)  # once, when it fills
    posix.mq_notify(mq, None)                  # no more notification
    posix.mq_close(mq)
    posix.mq_unlink("/ipclab-42-jobs")

- A semaphore is the sem_t * address (an int), a queue its mqd_t (a
  descriptor number). Both name the same kernel objects a C program opens
  with the same name: /dev/shm/sem.NAME for a semaphore, a queue in mqueue.
- A failed call raises OSError with the call's errno, like the os module:
  OSError(ENOENT) from sem_open of a name that does not exist.
- A call interrupted by a signal (EINTR) is retried, as Python does for its
  own calls (PEP 475); a signal handler that raises (Ctrl-C) still stops it.
- Timeouts are absolute CLOCK_REALTIME times in seconds, time.time() + n,
  like the C calls' struct timespec: a retry after EINTR keeps the deadline.
"""
import collections
import ctypes
import errno
import os

__all__ = ["SEM_T_SIZE", "sem_open", "sem_wait", "sem_trywait", "sem_timedwait",
           "sem_post", "sem_getvalue", "sem_close", "sem_unlink",
           "mq_open", "mq_send", "mq_timedsend", "mq_receive",
           "mq_timedreceive", "mq_getattr", "mq_notify", "mq_close", "mq_unlink",
           "MqAttr", "SIGEV_SIGNAL", "SIGEV_NONE", "SI_MESGQ", "SIGEVENT_SIZE",
           "sigqueue", "prctl_set_pdeathsig"]

_libc = ctypes.CDLL("libc.so.6", use_errno=True)
# glibc 2.34 and later has everything in libc; older ones keep mq_* in librt.
_librt = _libc if hasattr(_libc, "mq_open") else ctypes.CDLL("librt.so.1",
                                                             use_errno=True)

_c_long, _c_int, _c_uint, _c_size = (ctypes.c_long, ctypes.c_int,
                                     ctypes.c_uint, ctypes.c_size_t)

# sizeof(sem_t) in glibc: 32 bytes on 64-bit machines, 16 on 32-bit ones
# (<bits/semaphore.h>). A named semaphore's file is that long.
SEM_T_SIZE = 4 * ctypes.sizeof(ctypes.c_long)


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _MqAttr(ctypes.Structure):
    # struct mq_attr: four longs, then four reserved ones.
    _fields_ = [("mq_flags", _c_long), ("mq_maxmsg", _c_long),
                ("mq_msgsize", _c_long), ("mq_curmsgs", _c_long),
                ("reserved", _c_long * 4)]


MqAttr = collections.namedtuple("MqAttr", "flags maxmsg msgsize curmsgs")


def _fn(lib, name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype, f.argtypes = restype, list(argtypes)
    return f


_p, _ts = ctypes.c_void_p, ctypes.POINTER(_Timespec)
# sem_open and mq_open are variadic; their optional arguments are always
# passed here (integers only, which every ABI passes the same way).
_sem_open = _fn(_libc, "sem_open", _p, ctypes.c_char_p, _c_int, _c_uint, _c_uint)
_sem_wait = _fn(_libc, "sem_wait", _c_int, _p)
_sem_trywait = _fn(_libc, "sem_trywait", _c_int, _p)
_sem_timedwait = _fn(_libc, "sem_timedwait", _c_int, _p, _ts)
_sem_post = _fn(_libc, "sem_post", _c_int, _p)
_sem_getvalue = _fn(_libc, "sem_getvalue", _c_int, _p, ctypes.POINTER(_c_int))
_sem_close = _fn(_libc, "sem_close", _c_int, _p)
_sem_unlink = _fn(_libc, "sem_unlink", _c_int, ctypes.c_char_p)
_mq_open = _fn(_librt, "mq_open", _c_int, ctypes.c_char_p, _c_int, _c_uint,
               ctypes.POINTER(_MqAttr))
_mq_send = _fn(_librt, "mq_send", _c_int, _c_int, ctypes.c_char_p, _c_size, _c_uint)
_mq_timedsend = _fn(_librt, "mq_timedsend", _c_int, _c_int, ctypes.c_char_p,
                    _c_size, _c_uint, _ts)
_mq_receive = _fn(_librt, "mq_receive", ctypes.c_ssize_t, _c_int,
                   ctypes.c_char_p, _c_size, ctypes.POINTER(_c_uint))
_mq_timedreceive = _fn(_librt, "mq_timedreceive", ctypes.c_ssize_t, _c_int,
                       ctypes.c_char_p, _c_size, ctypes.POINTER(_c_uint), _ts)
_mq_getattr = _fn(_librt, "mq_getattr", _c_int, _c_int, ctypes.POINTER(_MqAttr))
_mq_close = _fn(_librt, "mq_close", _c_int, _c_int)
_mq_unlink = _fn(_librt, "mq_unlink", _c_int, ctypes.c_char_p)


class _Sigval(ctypes.Union):
    # union sigval: an int or a pointer; passed by value, as C does.
    _fields_ = [("sival_int", _c_int), ("sival_ptr", ctypes.c_void_p)]


_sigqueue = _fn(_libc, "sigqueue", _c_int, _c_int, _c_int, _Sigval)

# struct sigevent (<bits/types/sigevent_t.h>): 64 bytes on every glibc
# machine (__SIGEV_MAX_SIZE): sigev_value (the union sigval: 8 bytes on
# 64-bit machines), sigev_signo and sigev_notify (ints), then a union: the
# thread id (SIGEV_THREAD_ID), SIGEV_THREAD's function and attributes
# pointers, or padding to the 64 bytes. Only SIGEV_SIGNAL and SIGEV_NONE
# are offered here: SIGEV_THREAD would have glibc call a Python function
# from a thread of its own.
SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD = 0, 1, 2
SI_MESGQ = -3           # si_code of a queue's notification signal (<bits/siginfo-consts.h>)
SIGEVENT_SIZE = 64
_SIGEV_PAD = (SIGEVENT_SIZE - ctypes.sizeof(_Sigval) - 2 * ctypes.sizeof(_c_int)) // 4


class _SigevThread(ctypes.Structure):
    _fields_ = [("function", ctypes.c_void_p), ("attribute", ctypes.c_void_p)]


class _SigevUn(ctypes.Union):
    _fields_ = [("_pad", _c_int * _SIGEV_PAD), ("_tid", _c_int),
                ("_sigev_thread", _SigevThread)]


class _Sigevent(ctypes.Structure):
    _fields_ = [("sigev_value", _Sigval), ("sigev_signo", _c_int),
                ("sigev_notify", _c_int), ("_sigev_un", _SigevUn)]


assert ctypes.sizeof(_Sigevent) == SIGEVENT_SIZE, "struct sigevent is not glibc's"
_mq_notify = _fn(_librt, "mq_notify", _c_int, _c_int, ctypes.POINTER(_Sigevent))
# prctl is variadic; its four optional arguments are unsigned longs.
_prctl = _fn(_libc, "prctl", _c_int, _c_int, ctypes.c_ulong, ctypes.c_ulong,
             ctypes.c_ulong, ctypes.c_ulong)
PR_SET_PDEATHSIG = 1


def _call(func, *args, failed=-1, name=None):
    """Call func, retry on EINTR, raise OSError(errno) when it fails."""
    while True:
        r = func(*args)
        if r != failed:
            return r
        e = ctypes.get_errno()
        if e != errno.EINTR:
            raise OSError(e, os.strerror(e), name)


def _deadline(t):
    """An absolute time in seconds (time.time() + n) as a struct timespec."""
    sec = int(t)
    return ctypes.byref(_Timespec(sec, int((t - sec) * 1e9)))


# ---- named semaphores ---------------------------------------------------

def sem_open(name, oflag=0, mode=0o600, value=0):
    """Open (oflag 0) or create (os.O_CREAT, os.O_EXCL) a named semaphore."""
    return _call(_sem_open, os.fsencode(name), oflag, mode, value,
                 failed=None, name=name)


def sem_wait(sem):
    """Take one: wait while the value is 0, then decrement it."""
    _call(_sem_wait, sem)


def sem_trywait(sem):
    """Take one without waiting: OSError(EAGAIN) while the value is 0."""
    _call(_sem_trywait, sem)


def sem_timedwait(sem, deadline):
    """Take one, waiting until deadline (time.time() + n): OSError(ETIMEDOUT)."""
    _call(_sem_timedwait, sem, _deadline(deadline))


def sem_post(sem):
    """Give one back: increment the value, wake one waiter."""
    _call(_sem_post, sem)


def sem_getvalue(sem):
    """The value now (0 while someone waits: Linux never reports waiters)."""
    v = _c_int()
    _call(_sem_getvalue, sem, ctypes.byref(v))
    return v.value


def sem_close(sem):
    """Unmap the semaphore from this process; it lives on until unlinked."""
    _call(_sem_close, sem)


def sem_unlink(name):
    """Remove the name; processes that have it open keep using it."""
    _call(_sem_unlink, os.fsencode(name), name=name)


# ---- message queues -----------------------------------------------------

def mq_open(name, oflag, mode=0o600, maxmsg=None, msgsize=None):
    """Open or create a queue; maxmsg and msgsize (both or neither) size a new one."""
    attr = None
    if maxmsg is not None or msgsize is not None:
        attr = ctypes.byref(_MqAttr(0, maxmsg or 0, msgsize or 0, 0))
    return _call(_mq_open, os.fsencode(name), oflag, mode, attr, name=name)


def mq_send(mqd, data, prio=0):
    """Queue data with priority prio; waits while the queue is full."""
    _call(_mq_send, mqd, bytes(data), len(data), prio)


def mq_timedsend(mqd, data, prio, deadline):
    """mq_send that gives up at deadline (time.time() + n): OSError(ETIMEDOUT)."""
    _call(_mq_timedsend, mqd, bytes(data), len(data), prio, _deadline(deadline))


def mq_receive(mqd, bufsize=None):
    """The oldest message of the highest priority, as (data, prio).

    The buffer must hold mq_msgsize bytes (EMSGSIZE otherwise): by default
    it is sized from mq_getattr."""
    return _receive(mqd, bufsize, None)


def mq_timedreceive(mqd, deadline, bufsize=None):
    """mq_receive that gives up at deadline (time.time() + n): OSError(ETIMEDOUT)."""
    return _receive(mqd, bufsize, deadline)


def _receive(mqd, bufsize, deadline):
    if bufsize is None:
        bufsize = mq_getattr(mqd).msgsize
    buf, prio = ctypes.create_string_buffer(bufsize), _c_uint()
    if deadline is None:
        n = _call(_mq_receive, mqd, buf, bufsize, ctypes.byref(prio))
    else:
        n = _call(_mq_timedreceive, mqd, buf, bufsize, ctypes.byref(prio),
                  _deadline(deadline))
    return buf.raw[:n], prio.value


def mq_getattr(mqd):
    """MqAttr(flags, maxmsg, msgsize, curmsgs): curmsgs is the queue's level."""
    a = _MqAttr()
    _call(_mq_getattr, mqd, ctypes.byref(a))
    return MqAttr(a.mq_flags, a.mq_maxmsg, a.mq_msgsize, a.mq_curmsgs)


def mq_notify(mqd, notify, signo=0, value=0):
    """Register this process for the queue's next notification (it fires
    once, when a message comes to the empty queue): notify SIGEV_SIGNAL
    sends signal signo, with value in si_value; SIGEV_NONE registers and
    sends nothing. notify None (a NULL sigevent) ends our registration.
    OSError(EBUSY) when another process is registered."""
    if notify is None:
        ev = None
    elif notify in (SIGEV_SIGNAL, SIGEV_NONE):
        ev = ctypes.byref(_Sigevent(_Sigval(sival_int=value), signo, notify))
    else:
        raise ValueError(f"mq_notify: sigev_notify {notify}: only SIGEV_SIGNAL and SIGEV_NONE")
    _call(_mq_notify, mqd, ev)


def mq_close(mqd):
    """Close this process's descriptor; the queue lives on until unlinked."""
    _call(_mq_close, mqd)


def mq_unlink(name):
    """Remove the name; processes that have it open keep using it."""
    _call(_mq_unlink, os.fsencode(name), name=name)


# ---- signals (lesson 03) ------------------------------------------------

def sigqueue(pid, sig, value):
    """Send signal sig to pid with an int value, as C's sigqueue(3): a
    real-time signal is queued once per call and the receiver gets value in
    si_value (sigwaitinfo's siginfo.si_value.sival_int). OSError(EAGAIN)
    when the receiver's user has RLIMIT_SIGPENDING signals queued already;
    the message names the call, the signal and the pid."""
    r = _sigqueue(pid, sig, _Sigval(sival_int=value))
    if r == -1:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), f"sigqueue {sig} to {pid}")


def prctl_set_pdeathsig(sig):
    """prctl(PR_SET_PDEATHSIG, sig): the kernel sends us sig when the thread
    that made us (our parent) ends. Cleared by fork, kept across exec."""
    _call(_prctl, PR_SET_PDEATHSIG, sig, 0, 0, 0, name="prctl PR_SET_PDEATHSIG")
