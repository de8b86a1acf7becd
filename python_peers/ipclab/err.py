"""Error messages that name the call and the object.

Mirror image of demos/common/err.c:
    die(f"write {fd_object(fd)}", e)
    -> "pipe_writer.py: write pipe:[81234] (fd 1): Broken pipe"
"""
import os
import sys

_prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "ipclab"


def progname():
    return _prog


def fd_object(fd):
    """'pipe:[81234] (fd 4)': what the kernel says descriptor fd refers to."""
    try:
        return f"{os.readlink(f'/proc/self/fd/{fd}')} (fd {fd})"
    except OSError:
        return f"fd {fd}"


def die(message, error):
    """Print 'prog: message: strerror' for an OSError and exit(1)."""
    print(f"{_prog}: {message}: {os.strerror(error.errno)}", file=sys.stderr)
    sys.exit(1)


def fail(status, message):
    """Print 'prog: message' and exit(status) (bad usage, bad data)."""
    print(f"{_prog}: {message}", file=sys.stderr)
    sys.exit(status)


def parse_long(option, s, lo, hi):
    """Parse a whole decimal number in [lo, hi] or fail naming the option."""
    try:
        v = int(s, 10)
    except ValueError:
        v = None
    if v is None or not lo <= v <= hi:
        fail(2, f"{option}: '{s}' is not a number from {lo} to {hi}")
    return v
