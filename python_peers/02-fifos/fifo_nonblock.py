#!/usr/bin/env python3
"""fifo_nonblock.py - open, read and write a FIFO with O_NONBLOCK, one
command at a time, and print what each call returns.

Usage: fifo_nonblock.py [--] PATH (commands on standard input, one a line)
  open-read     open(PATH, O_RDONLY | O_NONBLOCK)
  open-write    open(PATH, O_WRONLY | O_NONBLOCK)
  read          read() of up to 64 bytes
  write TEXT    write() of TEXT
  close         close() what is open
At the end of standard input it closes what is open and ends.

What to watch: with O_NONBLOCK nothing waits. open-write fails with ENXIO
while no reader has the FIFO open (a blocking open() would sleep instead);
open-read succeeds at once. A read returns 0, end of file, whenever no
writer has the FIFO open, before any writer came as well as after the
last one left; EAGAIN only while a writer has it open and nothing is in
it. A write with no reader left fails with EPIPE (SIGPIPE is ignored).
Run two of them on one FIFO, a reader and a writer, and type at both.
Mirror: demos/02-fifos/fifo_nonblock.c.
"""
import errno
import os
import signal
import stat
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import trace                                # noqa: E402
from ipclab.err import close_stdout, die, fail, fd_object, out, plural  # noqa: E402
from ipclab.rundir import file_kind                     # noqa: E402

CHUNK = 64      # bytes a read asks for
SHOWN = 40      # bytes of a line quoted in a message, then "..."
LINE = 1024     # as fgets' buffer in C: lines of up to 1022 bytes and '\n'


def result_or_die(cmd, path, e):
    """Print an error the lesson is about as a result, and go on: these are
    what O_NONBLOCK answers instead of waiting. Any other error ends us."""
    if e.errno == errno.ENXIO:
        name, why = "ENXIO", "no reader has the FIFO open"
    elif e.errno == errno.EAGAIN and cmd == "read":
        name, why = "EAGAIN", "a writer has it open, nothing to read yet"
    elif e.errno == errno.EAGAIN:
        name, why = "EAGAIN", "the FIFO is full"
    elif e.errno == errno.EPIPE:
        name, why = "EPIPE", "no reader has the FIFO open"
    elif e.errno == errno.EBADF:    # a read of a write end, or the reverse
        fail(1, f"{cmd} {path}: {os.strerror(e.errno)}: opened for "
                f"{'writing' if cmd == 'read' else 'reading'}")
    else:       # the call's name: "open", not the command's "open-read"
        die(f"{cmd.split('-')[0]} {path}", e)
    out(f"{cmd}: {name}: {os.strerror(e.errno)}: {why}")


def shown(data):
    """A peer's bytes are shown, not obeyed: anything unprintable as '.'."""
    return "".join(chr(c) if 32 <= c < 127 else "." for c in data)


def main(argv):
    n, fd = 0, -1
    # SIGINT would be KeyboardInterrupt (a traceback on Ctrl-C): put back
    # the kernel's default, as in C. SIGPIPE stays ignored (Python's
    # default): a reader that is gone makes write() fail with EPIPE: shown.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    i = 2 if argv[1:2] == ["--"] else 1         # a PATH that starts with '-'
    if len(argv) - i != 1 or (i == 1 and argv[1].startswith("-")):  # -h, --help, any option
        fail(2, f"usage: {argv[0]} [--] PATH   (commands on stdin: open-read, open-write, "
                "read, write TEXT, close)")
    path = argv[i]
    if not path:
        fail(2, "PATH is empty: give a FIFO's path")

    while True:
        try:
            if sys.stdin is None:       # descriptor 0 was closed when we started
                raise OSError(errno.EBADF, os.strerror(errno.EBADF))
            raw = sys.stdin.buffer.readline(LINE - 1)
        except OSError as e:
            die(f"read {fd_object(0)}", e)
        if not raw:
            break
        n += 1
        if not raw.endswith(b"\n") and len(raw) == LINE - 1:
            fail(2, f"line {n}: longer than {LINE - 2} bytes")
        line = raw.rstrip(b"\n").decode(errors="replace")
        # For messages: shown, not obeyed; cut short with "..." so that the
        # reason after it always shows.
        said = shown(raw.rstrip(b"\n")[:SHOWN]) + ("..." if len(raw.rstrip(b"\n")) > SHOWN
                                                   else "")
        is_open = line.startswith("open-")
        if is_open and fd != -1:
            fail(2, f"line {n}: {said}: already open (close first)")
        needs_fd = line in ("read", "close") or line.startswith("write ")
        if needs_fd and fd == -1:
            fail(2, f"line {n}: {said}: nothing is open")

        if line in ("open-read", "open-write"):
            flags = os.O_RDONLY if line == "open-read" else os.O_WRONLY
            trace.before("open", -1, obj=path)
            try:
                fd = os.open(path, flags | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
            except OSError as e:
                trace.after("open", -1, -1, e.errno)
                # O_NOFOLLOW: a link is ELOOP; a directory to write, EISDIR.
                if e.errno in (errno.ELOOP, errno.EISDIR):
                    try:
                        st = os.lstat(path)
                    except OSError:
                        st = None
                    if st and not stat.S_ISFIFO(st.st_mode):
                        fail(1, f"{path}: {file_kind(st.st_mode)}, not a FIFO: refused")
                result_or_die(line, path, e)
                continue
            trace.after("open", fd, fd)
            try:
                st = os.fstat(fd)
            except OSError as e:
                die(f"fstat {path}", e)
            if not stat.S_ISFIFO(st.st_mode):
                fail(1, f"{path}: {file_kind(st.st_mode)}, not a FIFO: refused")
            out(f"{line}: opened")
        elif line == "read":
            trace.before("read", fd, length=CHUNK)
            try:
                data = os.read(fd, CHUNK)
            except OSError as e:
                trace.after("read", fd, -1, e.errno)
                result_or_die("read", path, e)
                continue
            trace.after("read", fd, len(data), data=data)
            if not data:
                out("read: 0: end of file: no writer has the FIFO open")
            else:
                out(f"read: {len(data)} {plural(len(data), 'byte', 'bytes')}: "
                    f"{shown(data)}")
        elif line.startswith("write "):
            text = raw.rstrip(b"\n")[6:]
            trace.before("write", fd, length=len(text), data=text)
            try:
                w = os.write(fd, text)
            except OSError as e:
                trace.after("write", fd, -1, e.errno)
                result_or_die("write", path, e)
                continue
            trace.after("write", fd, w)
            out(f"write: {w} {plural(w, 'byte', 'bytes')}")
        elif line == "close":
            try:
                os.close(fd)
            except OSError as e:
                die(f"close {path}", e)
            fd = -1
            out("close: closed")
        elif line != "":
            fail(2, f"line {n}: unknown command '{said}' (open-read, open-write, "
                    "read, write TEXT, close)")
    if fd != -1:
        try:
            os.close(fd)
        except OSError as e:
            die(f"close {path}", e)
    close_stdout()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
