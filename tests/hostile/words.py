"""words.py - what the hostile peers share: their own command line is
untrusted input, checked in full before any step runs.

A peer breaks rules on purpose toward the lesson programs; what it is told
to do, it checks like any program of the kit:

  usage(why)                  bad usage: one line on stderr naming the
                              program and the problem, exit status 2; it
                              comes before any step runs: nothing changed
  fail(why)                   a call that fails (why names the call and the
                              object): one line, exit status 1
  number(text, lo, hi, what)  an integer from lo to hi (0x10 is 16);
                              looks_like_number(text): one, in range or not
  ipc_name(text, what, most)  a POSIX IPC name: "/" and 1 to most bytes
                              with no "/" (shm_open(3), sem_open(3))
  open_regular(path, flags)   open a file in /dev/shm, never through a
                              symbolic link, and only a regular file
  ended_by(steps, ends)       nothing after a step that never returns
  shown(text), plain(text)    a word of the command line in a message:
                              quoted and cut, or as it is when printable
                              (it may hold a newline or an escape)
"""
import errno
import os
import stat
import sys

NAME_MAX = 255              # bytes in a file name (Linux)


def prog():
    return os.path.basename(sys.argv[0])


def usage(why):
    """Bad usage: say why on one line, exit 2."""
    sys.stderr.write(f"{prog()}: {why} (see {prog()} --help)\n")
    sys.exit(2)


def fail(why):
    """A call failed (why names the call and the object): one line, exit 1."""
    sys.stderr.write(f"{prog()}: {why}\n")
    sys.exit(1)


def shown(text, most=40):
    """text quoted for a message: one line, printable, at most `most`
    characters of it (a word of the command line may hold anything)."""
    if text is None:
        return "nothing"
    if not isinstance(text, str):
        text = str(text)
    cut = text[:most]
    quoted = repr(cut) if not cut.isprintable() or "'" in cut else f"'{cut}'"
    return quoted + ("..." if len(text) > most else "")


def plain(text):
    """text as it is when it is printable (an object's name in a message),
    else shown(text)."""
    return text if text.isprintable() and len(text) <= 300 else shown(text, 300)


def _said(what, why):
    return f"{what}: {why}" if what else why


def number(text, lo, hi, what=None):
    """int(text, 0) (so 0x10 is 16) from lo to hi, else usage(); what names
    the argument in the message ("frames: N")."""
    try:
        n = int(text, 0)
    except (TypeError, ValueError):
        usage(_said(what, f"{shown(text)} is not a number"))
    if not lo <= n <= hi:
        usage(_said(what, f"{n if abs(n) < 10**40 else shown(text)} is not from {lo} to {hi}"))
    return n


def looks_like_number(word):
    """Whether number() would read word (in range or not)."""
    try:
        int(word, 0)
        return True
    except ValueError:
        return False


def ipc_name(text, what, most=NAME_MAX):
    """A POSIX IPC name as shm_open(3) and sem_open(3) take it: a leading
    "/", then 1 to `most` bytes with no "/" and no NUL (the file
    /dev/shm/NAME, or /dev/shm/sem.NAME: 251 bytes). Else usage()."""
    why = None
    if text is None or text == "":
        why = "an empty name"
    elif not text.startswith("/"):
        why = "it does not start with '/'"
    elif "/" in text[1:]:
        why = "a '/' after the first"
    elif "\0" in text:
        why = "a NUL in it"
    elif text[1:] in ("", ".", ".."):
        why = "no name after the '/'" if text == "/" else f"'{text[1:]}' names a folder"
    elif len(os.fsencode(text[1:])) > most:
        why = f"{len(os.fsencode(text[1:]))} bytes after the '/', more than {most}"
    if why:
        usage(f"{what}: {shown(text)} is not a POSIX IPC name ('/' and 1 to {most} "
              f"bytes with no '/'): {why}")
    return text


def open_regular(path, flags):
    """os.open(path) with O_NOFOLLOW (a symbolic link is refused, ELOOP)
    and O_NONBLOCK (a FIFO does not hold us); the descriptor only if it is
    a regular file. OSError otherwise, its strerror the reason."""
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise OSError(e.errno, "a symbolic link: refused", path) from None
        raise
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise OSError(errno.EINVAL, kind, path)
    os.set_blocking(fd, True)
    return fd


def ended_by(steps, ends):
    """steps: (name, args) in order; ends(name, args): why that step never
    returns ("'pause', which never returns"), or None. A step after one
    that never returns would never run: usage()."""
    for (name, args), (after, _) in zip(steps, steps[1:]):
        why = ends(name, args)
        if why:
            usage(f"'{after}' would never run: it comes after {why}")
