"""Tell an observer (ipclab) what this program does.

Mirror image of demos/common/trace.c; the format is in
docs/trace-protocol.md. One event before each IPC call and one after it,
plus free-form notes, written as text lines to the descriptor named by
IPCLAB_TRACE_FD. With IPCLAB_STEP_FD set, the program also waits before
each traced call until the observer writes one byte ("step mode").
Without these variables every function here does nothing.
"""
import errno as _errno
import os
import select
import sys
import time

LINE_MAX = 512   # <= PIPE_BUF, so each line is one atomic write
assert LINE_MAX <= select.PIPE_BUF
PREVIEW = 32     # bytes of data shown in an event

_trace_fd = -1
_step_fd = -1
_initialised = False
_seq = 0


def _warn(text):
    """A warning on stderr, as C's fprintf: one that cannot be written
    (stderr closed or full) is dropped, never a reason to stop."""
    try:
        if sys.stderr is not None:
            sys.stderr.write(text)
            sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _env_fd(name):
    value = os.environ.get(name, "")
    if not value:
        return -1
    try:
        fd = int(value)
        os.fstat(fd)
    except (ValueError, OSError):
        _warn(f"trace: ignoring {name}={value}: not an open descriptor\n")
        return -1
    return fd


def init():
    """Read the environment; called by the other functions on first use."""
    global _initialised, _trace_fd, _step_fd
    if _initialised:
        return
    _initialised = True
    _trace_fd = _env_fd("IPCLAB_TRACE_FD")
    _step_fd = _env_fd("IPCLAB_STEP_FD")
    # Step mode is for this process only: a child we start must not eat the
    # observer's go bytes. The trace descriptor is inherited on purpose.
    if _step_fd != -1:
        try:
            os.set_inheritable(_step_fd, False)
        except OSError as e:
            _warn(f"trace: ignoring IPCLAB_STEP_FD={_step_fd}: "
                  f"{os.strerror(e.errno)}\n")
            _step_fd = -1
        del os.environ["IPCLAB_STEP_FD"]


def _drop_step_in_child():
    """In a child made by os.fork(): step mode is its parent's; it stops."""
    global _step_fd
    if _step_fd != -1:
        try:
            os.close(_step_fd)
        except OSError:             # changes nothing: we stop stepping
            pass
        _step_fd = -1


def inherited_fds():
    """Descriptors a child should keep (subprocess's pass_fds) to be traced."""
    init()
    return (_trace_fd,) if _trace_fd != -1 else ()


def _encode(data):
    """Percent-encode so that a value never holds a space or newline."""
    if isinstance(data, str):
        data = data.encode()
    return "".join(chr(b) if 32 < b < 127 and b != 0x25 else f"%{b:02X}"
                   for b in data)


def _emit(ev, rest):
    global _seq
    _seq += 1
    t = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    line = f"v=1 seq={_seq} t={t} pid={os.getpid()} ev={ev} {rest}"
    line = line.encode()[:LINE_MAX - 1] + b"\n"
    try:
        os.write(_trace_fd, line)   # a failed trace write changes nothing
    except OSError:
        pass


def _wait_for_go():
    global _step_fd
    try:
        go = os.read(_step_fd, 1)
    except OSError:
        go = b""
    if len(go) != 1:                # observer gone: run freely from now on
        try:
            os.close(_step_fd)
        except OSError:             # changes nothing: we stop stepping
            pass
        _step_fd = -1


def _fields(op, fd, obj, data):
    out = f"op={op}"
    if fd is not None and fd >= 0:
        out += f" fd={fd}"
    if obj is not None:
        out += f" obj={_encode(obj)}"
    if data is not None:
        out += f" data={_encode(bytes(data[:PREVIEW]))}"
    return out


def before(op, fd=-1, obj=None, length=0, data=None):
    """Before a call: mirror of trace_before(). Waits for go in step mode."""
    init()
    if _trace_fd != -1:
        step = " step=wait" if _step_fd != -1 else ""
        _emit("before", f"{_fields(op, fd, obj, data)} len={length}{step}")
    if _step_fd != -1:
        _wait_for_go()


def after(op, fd=-1, ret=0, err=0, data=None):
    """After a call: ret is what it returned (-1 on failure), err the errno."""
    init()
    if _trace_fd == -1:
        return
    rest = _fields(op, fd, None, data if ret > 0 else None) + f" ret={ret}"
    if ret < 0:
        rest += f" errno={_errno.errorcode.get(err, '?')}"
    _emit("after", rest)


def note(text):
    """A free-form note for what the kernel cannot know."""
    init()
    if _trace_fd != -1:
        _emit("note", f"text={_encode(text[:255])}")


# ---- lesson 03: signals, by name ("SIGUSR1", "SIGRTMIN+3") ---------------

def _signal_fields(sig, sender, value):
    from ipclab import signame
    out = f" sig={signame.name(sig)}" if sig else ""
    if sender is not None and sender >= 0:
        out += f" from={sender}"
    if value is not None:
        out += f" value={value}"
    return out


def kill(op, sig, to, value=None):
    """Before kill(2), killpg or sigqueue (op): mirror of trace_kill().
    to is kill's pid argument (-PGID for a group). Waits for go in step mode."""
    init()
    if _trace_fd != -1:
        v = f" value={value}" if value is not None else ""
        step = " step=wait" if _step_fd != -1 else ""
        from ipclab import signame
        _emit("before", f"op={op} sig={signame.name(sig)} to={to}{v}{step}")
    if _step_fd != -1:
        _wait_for_go()


def signal_after(op, fd=-1, ret=0, err=0, sig=0, sender=None, value=None):
    """After a call that takes a signal synchronously (sigwaitinfo, read of
    a signalfd): mirror of trace_signal_after(); sender is si_pid."""
    init()
    if _trace_fd == -1:
        return
    rest = _fields(op, fd, None, None) + f" ret={ret}"
    if ret < 0:
        rest += f" errno={_errno.errorcode.get(err, '?')}"
    _emit("after", rest + _signal_fields(sig, sender, value))


def signal_note(sig, sender, text):
    """A note about a signal the main loop has acted on: mirror of
    trace_signal_note(); sender None (or -1) leaves from= out."""
    init()
    if _trace_fd != -1:
        fields = _signal_fields(sig, sender, None)
        _emit("note", f"{fields[1:]}{' ' if fields else ''}text={_encode(text[:255])}")


# At import, before the program starts anything: a child started before the
# first traced call must get neither the step descriptor nor IPCLAB_STEP_FD
# (a master forking its workers), and os.fork() drops step mode in the child.
init()
os.register_at_fork(after_in_child=_drop_step_in_child)
