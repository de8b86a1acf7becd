"""Error messages that name the call and the object.

Mirror image of demos/common/err.c:
    die(f"write {fd_object(fd)}", e)
    -> "pipe_writer.py: write pipe:[81234] (fd 1): Broken pipe"
"""
import errno
import os
import re
import signal
import sys
import time

_prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "ipclab"
STDOUT = 1
LINE_MAX = 4096             # PIPE_BUF: a message line is one write() of at most this
LINE_TAIL = 240             # a longer one keeps its message's last LINE_TAIL bytes
_STD_NAMES = ("stdin", "stdout", "stderr")
_std_closed = set()         # which of 0, 1, 2 were closed when we started


def _open_std_fds():
    """Run once, at import, before the program opens anything (C:
    set_progname). A program started with descriptor 1 closed (">&-")
    would get its first open() back as fd 1, and its output would go into
    a FIFO or a socket of the lesson. Put /dev/null there first, opened the
    wrong way round (write-only for 0, read-only for 1 and 2): a read of
    stdin or a write to stdout still fails with EBADF, as on a closed one,
    and fd_object() names it 'stdout'. (Python then has sys.stdout None.)"""
    for fd in range(3):
        try:
            os.fstat(fd)
            continue
        except OSError as e:
            if e.errno != errno.EBADF:
                continue
        try:
            got = os.open("/dev/null", os.O_WRONLY if fd == 0 else os.O_RDONLY)
        except OSError:
            got = -1
        if got != fd:               # no /dev/null: stop, rather than risk it
            os._exit(1)
        os.set_inheritable(fd, True)
        _std_closed.add(fd)


_open_std_fds()
_undo = []                  # (remover, arg): what to remove if we fail
GRACE_MS = 1000             # a child given up on has this long to end after SIGTERM


def progname():
    return _prog


def set_progname(name):
    """The program's name in messages from now on (C: set_progname, which
    also opens /dev/null for closed 0-2: done here at import)."""
    global _prog
    _prog = os.path.basename(name)


def fd_object(fd):
    """'pipe:[81234] (fd 4)': what the kernel says descriptor fd refers to."""
    try:
        target = os.readlink(f'/proc/self/fd/{fd}')
    except OSError:
        return f"fd {fd}"
    if fd in _std_closed and target == "/dev/null":     # _open_std_fds's
        return f"{_STD_NAMES[fd]} (fd {fd})"
    return f"{target} (fd {fd})"


def undo_push(remover, arg):
    """A program that fails while it is still creating its objects removes
    what it made in this run, and nothing else: right after each create
    succeeds, undo_push(shm_unlink, name) ('if we fail, call
    shm_unlink(name)'); once every object is made, undo_clear(). die() and
    fail() call the removers, newest first, before they exit."""
    _undo.append((remover, arg))


def undo_clear():
    """Every object is made: a later failure leaves them all in place."""
    _undo.clear()


# A SIGBUS or a SIGABRT cannot be caught with the signal module: its handler
# only notes the signal and returns; the faulting load runs again and
# faults again (SIGBUS), abort() raises the signal again (SIGABRT). So, as
# in err.c, a handler is installed with the C library's signal(): ctypes
# runs it at once, and all it does is write a message made in advance and
# _exit(1).
_on_signal = {}             # signal -> handler: kept, C holds pointers to them


def exit_on_signal(sig, name, why):
    """From now on, signal sig (its name: "SIGBUS") ends the program at once
    with 'prog: NAME: why' on stderr, status 1: for the signals a peer can
    bring on, SIGBUS (a shared file truncated under us) and SIGABRT (the C
    library giving up on a semaphore overwritten under us)."""
    import ctypes
    msg = f"{_prog}: {name}: {why}\n".encode()

    def handler(_):
        try:
            os.write(2, msg)
        finally:                    # never return (see above)
            os._exit(1)

    handler_type = ctypes.CFUNCTYPE(None, ctypes.c_int)
    _on_signal[sig] = handler_type(handler)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.signal.restype = ctypes.c_void_p
    libc.signal.argtypes = [ctypes.c_int, handler_type]
    if libc.signal(sig, _on_signal[sig]) == ctypes.c_void_p(-1).value:
        die(f"signal {name}", OSError(ctypes.get_errno(), ""))


# remove_on_ending_signals: a handler of the signal module would run only
# between two Python instructions, never while the program sleeps in a C
# call glibc restarts after the signal (sigwait for --hold, mq_receive). So,
# as exit_on_signal does, the handler is installed with the C library's
# signal(): ctypes runs it at once.
_ending = {"remove": None, "handlers": {}}     # handlers kept: C holds pointers to them


def _remove_and_die(sig):
    try:
        if _ending["remove"] is not None:
            _ending["remove"]()
    finally:
        _ending["default"](sig, None)   # SIG_DFL: then die of it, as we would have
        _ending["raise"](sig)


def remove_on_ending_signals(remove):
    """From now on SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE (a program
    that set it back to SIG_DFL: its stdout gone), SIGUSR1, SIGUSR2 and
    SIGALRM (a stray kill: their default action ends us too, signal(7))
    call remove(), then end the program as the signal would have (status
    128 + N): for a program that made an object a signal must not leave
    behind (a socket file, a queue). None: nothing to call. The first
    call installs the handlers; a signal ignored from the start (nohup, a
    background job) stays ignored (C: the same name in err.h)."""
    import ctypes
    _ending["remove"] = remove
    if _ending["handlers"]:
        return
    handler_type = ctypes.CFUNCTYPE(None, ctypes.c_int)
    libc = ctypes.CDLL(None, use_errno=True)
    c_signal = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_int, handler_type,
                                use_errno=True)(("signal", libc))
    _ending["default"] = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)(
        ("signal", libc))
    _ending["raise"] = libc["raise"]
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT,
                signal.SIGPIPE, signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM):
        if signal.getsignal(sig) == signal.SIG_IGN:     # ignored stays ignored
            continue
        _ending["handlers"][sig] = handler_type(_remove_and_die)
        if c_signal(sig, _ending["handlers"][sig]) == ctypes.c_void_p(-1).value:
            die(f"signal {sig.name}", OSError(ctypes.get_errno(), ""))


def plural(n, one, many):
    """one if n is 1, else many: f"read {n} {plural(n, 'frame', 'frames')}"."""
    return one if n == 1 else many


def how_it_ended(code):
    """What an exit code (Popen.returncode, os.waitstatus_to_exitcode) says:
    'exited with status 3', 'killed by signal 15 (Terminated)'."""
    if code >= 0:
        return f"exited with status {code}"
    return f"killed by signal {-code} ({signal.strsignal(-code)})"


def undo_child(pid, cmd):
    """The same for a child process this program started (cmd: its program,
    for the message): until undo_clear(), once the program has reaped it,
    die() and fail() end it (SIGTERM, and SIGCONT in case it is stopped;
    SIGKILL if it has not ended 1 s later), reap it and say so: 'prog:
    giving up on child 42 (cmd): sent it SIGTERM; child killed by signal 15
    (Terminated)'. A parent that gives up on its child never leaves it
    running with nobody to talk to, nor waits for it for ever."""
    def end_child(cmd):
        # SIGTERM first; a child that has not ended 1 s later (it ignores
        # SIGTERM, or catches it and goes on) gets SIGKILL, which nothing
        # can ignore.
        how = "sent it SIGTERM"
        try:
            os.kill(pid, signal.SIGTERM)
            os.kill(pid, signal.SIGCONT)
            for _ in range(GRACE_MS // 10):     # look every 10 ms
                ended, status = os.waitpid(pid, os.WNOHANG)
                if ended:
                    break
                time.sleep(0.01)
            else:
                how = "sent it SIGTERM, then SIGKILL when it had not ended 1 s later"
                os.kill(pid, signal.SIGKILL)
                _, status = os.waitpid(pid, 0)
        except OSError as e:
            say(f"{_prog}: ending child {pid} ({cmd}): {os.strerror(e.errno)}")
            raise
        say(f"{_prog}: giving up on child {pid} ({cmd}): {how}; child "
            f"{how_it_ended(os.waitstatus_to_exitcode(status))}")
    undo_push(end_child, cmd)


def _undo_all():
    """Remove, newest first, what this run created. Each entry leaves the
    list before its remover runs: one that fails (or dies) is never called
    again. Its error is ignored: the message already said what went wrong."""
    while _undo:
        remover, arg = _undo.pop()
        try:
            remover(arg)
        except Exception:           # OSError, or sysv_ipc's own errors
            pass


def _write_line(text):
    """Write one line to sys.stderr and flush it: one write() (see say). A
    message that cannot be written (stderr closed or full) is no reason to
    stop, as in C: ignored, and the program goes on to clean up and exits
    as it would have. A stderr that failed is dropped (sys.stderr = None):
    what is left in its buffer would make Python's own flush at exit fail
    again, and change the exit status to 120."""
    if sys.stderr is None:          # descriptor 2 was closed when we started
        return
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.stderr = None


def _encode(text):
    """The bytes sys.stderr would write for text (cut as bytes, as in C)."""
    return text.encode(*_encoding())


def _encoding():
    """sys.stderr's encoding and error handler (its defaults when None)."""
    return (getattr(sys.stderr, "encoding", None) or "utf-8",
            getattr(sys.stderr, "errors", None) or "backslashreplace")


def say(text):
    """Print one line on standard error in one write(), as C's fprintf does:
    print() writes the text and its newline apart when Python runs
    unbuffered (PYTHONUNBUFFERED), and another process writing to the same
    pipe or terminal (a parent, its child) could land in between. A failed
    write is ignored (see _write_line)."""
    _write_line(text + "\n")


def _say_cut(message, why):
    """'prog: message[: why]' and a newline, at most LINE_MAX bytes: a
    longer line loses the middle of message (its object: a long path),
    shown as '...': its start, its last LINE_TAIL bytes, the reason and the
    newline always show. The same bytes as err.c's say_line."""
    m = _encode(message)
    end = _encode(f": {why}\n" if why is not None else "\n")
    prefix = _encode(_prog)[:255] + b": "     # an absurd argv[0]: its start
    if len(prefix) + len(m) + len(end) <= LINE_MAX:
        _write_line((prefix + m + end).decode(*_encoding()))
        return
    room = LINE_MAX - (len(prefix) + len(end) + 3)
    tail = min(len(m), LINE_TAIL)
    if room < tail:
        tail = max(room, 0)
    head = room - tail if room > tail else 0
    # Cut between whole UTF-8 characters (never before a 10xxxxxx byte).
    while tail > 0 and m[len(m) - tail] & 0xC0 == 0x80:
        tail -= 1
    while head > 0 and m[head] & 0xC0 == 0x80:
        head -= 1
    _write_line((prefix + m[:head] + b"..." + m[len(m) - tail:] + end).decode(*_encoding()))


def die(message, error):
    """Print 'prog: message: strerror' for an OSError, undo, exit(1)."""
    _say_cut(message, os.strerror(error.errno))
    _undo_all()
    sys.exit(1)


def fail(status, message):
    """Print 'prog: message', undo, exit(status) (bad usage, bad data)."""
    _say_cut(message, None)
    _undo_all()
    sys.exit(status)


def option_value(option, args):
    """The value that follows option in the iterator args, or fail with
    status 2: 'prog: -n needs a value'."""
    value = next(args, None)
    if value is None:
        fail(2, f"{option} needs a value")
    return value


def parse_long(option, s, lo, hi):
    """Parse a whole decimal number in [lo, hi] (an optional sign, then
    digits only) or fail with status 2 naming the option."""
    # int() alone also takes " 12 ", "1_2" and other scripts' digits;
    # here and in err.c a number is an optional sign, then 0-9 only.
    if not re.fullmatch(r"[+-]?[0-9]+", s) or not lo <= int(s) <= hi:
        fail(2, f"{option}: '{s}' is not a number from {lo} to {hi}")
    return int(s)


def out(text):
    """Print one line on standard output and flush it at once, in one
    write() (see say). A failed write (a full disk, a closed descriptor) is
    an error like any other: 'prog: write /dev/full (fd 1): No space left on
    device', exit 1."""
    try:
        if sys.stdout is None:      # descriptor 1 was closed when we started
            raise OSError(errno.EBADF, os.strerror(errno.EBADF))
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except OSError as e:
        _lost_stdout()
        die(f"write {fd_object(STDOUT)}", e)


def close_stdout():
    """At the end: flush standard output, checked the same way (Python
    flushes it again at exit, but only says 'Exception ignored')."""
    if sys.stdout is None:          # never open, and nothing written to it
        return
    try:
        sys.stdout.flush()
    except OSError as e:
        _lost_stdout()
        die(f"write {fd_object(STDOUT)}", e)


def _lost_stdout():
    """Nothing more can go to standard output: drop what is left, so that
    Python's own flush at exit does not fail a second time."""
    sys.stdout = None
