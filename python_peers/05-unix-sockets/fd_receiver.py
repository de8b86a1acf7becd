#!/usr/bin/env python3
"""fd_receiver.py - receive open descriptors over a Unix stream socket
(SCM_RIGHTS) from fd_sender: a file and a pipe's read end.

Usage: fd_receiver.py [--max-fds N] [--hold] [--] PATH|@NAME
  PATH         the socket file to make (0600) in a private 0700 directory of ours;
               @NAME: a name in the abstract namespace, no file
  --max-fds N  room for N descriptors (1 to 8, default 2): for fewer than
               are sent the kernel closes the rest and says so (MSG_CTRUNC)
  --hold       with the descriptors received, wait for SIGUSR1 before
               answering: meanwhile both processes hold them

Its first line on stdout is "listening on PATH", the readiness line. It
accepts one connection (from our own uid only: SO_PEERCRED), takes one
byte and its descriptors (recvmsg), prints what each is (fstat), reads
the pipe to its end, shows the file's offset and lines, writes a line of
its own, answers one byte ("A").
What to watch: the descriptors arrive under new numbers, for the sender's
own open file descriptions: the file's offset is where the sender's last
write left it, and our write moves the sender's (it prints it). ls -l
/proc/PID/fd of both shows the same file; kcmp(2) KCMP_FILE says it is the
same open file, not just the same inode. A control buffer too small for
them, MSG_CTRUNC, is an error: the kernel closed what did not fit.
Mirror: demos/05-unix-sockets/fd_receiver.c. Sender: fd_sender.py.
"""
import errno
import os
import signal
import socket
import stat
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab.hold import hold_until_sigusr1               # noqa: E402
from ipclab.rundir import file_kind                      # noqa: E402
from ipclab.uds import address, check_dir, remove_on_signal, unlink_ours  # noqa: E402
from ipclab.err import (close_stdout, die, fail, fd_object, option_value,  # noqa: E402
                        out, parse_long, plural, progname, say, undo_clear, undo_push)

MAX_FDS = 8
TEXT_MAX = 4096
MINE = b"written by fd_receiver\n"
USAGE = "usage: {} [--max-fds N] [--hold] [--] PATH|@NAME"


def offset(fd):
    """Where the file's offset is now: lseek(fd, 0, SEEK_CUR) moves nothing."""
    try:
        return os.lseek(fd, 0, os.SEEK_CUR)
    except OSError as e:
        die(f"lseek {fd_object(fd)}", e)


def show(prefix, text):
    """Show text line by line after prefix, bytes that are not printable
    ASCII as '.': a peer's bytes are shown, never obeyed."""
    for line in text.split(b"\n"):
        if line:
            out(prefix + "".join(chr(b) if 32 <= b < 127 else "." for b in line))


def main(argv):
    max_fds, hold = 2, False
    # As in C: SIGPIPE kills (our stdout gone; the answer uses MSG_NOSIGNAL),
    # Ctrl-C before the socket exists ends us with no traceback.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    args = iter(argv[1:])
    rest = []
    for arg in args:
        if rest or not arg.startswith("-"):
            rest.append(arg)
        elif arg == "--max-fds":
            max_fds = parse_long("--max-fds", option_value(arg, args), 1, MAX_FDS)
        elif arg == "--hold":
            hold = True
        elif arg == "--":           # a PATH that starts with '-'
            rest = list(args)
        else:
            fail(2, USAGE.format(argv[0]))
    if len(rest) != 1:
        fail(2, USAGE.format(argv[0]))
    path = rest[0]
    addr = address(path)            # too long: refused before any call
    check_dir(path, True)

    remove_on_signal(None)
    try:
        lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    except OSError as e:
        die("socket", e)
    old = os.umask(0o177)           # the socket file 0600
    try:
        lsock.bind(addr)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:     # it removes nothing: uds_server shows how
            fail(1, f"bind {path}: {os.strerror(e.errno)}: fd_receiver removes nothing at its name: "
                    "name a new one")
        die(f"bind {path}", e)
    finally:
        os.umask(old)
    if not path.startswith("@"):
        remove_on_signal(path)
        undo_push(unlink_ours, path)
    try:
        lsock.listen(1)
    except OSError as e:
        die(f"listen {path}", e)
    out(f"listening on {path}")
    try:
        conn, _ = lsock.accept()
    except OSError as e:
        die(f"accept {path}", e)
    # Who connected, from the kernel (an abstract name has no permissions).
    try:
        pid, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                          struct.calcsize("3i")))
    except OSError as e:
        die(f"getsockopt SO_PEERCRED {path}", e)
    if uid != os.geteuid():
        fail(1, f"{path}: sender pid {pid}: uid {uid} is not ours ({os.geteuid()}): refused")

    # Room for max_fds descriptors exactly: recv_fds asks CMSG_LEN, as
    # the C program does. It passes no MSG_CMSG_CLOEXEC (it takes no
    # flags): we make them non-inheritable ourselves, as C's are.
    try:
        data, fds, flags, _ = socket.recv_fds(conn, 1, max_fds)
        for fd in fds:
            os.set_inheritable(fd, False)
    except OSError as e:
        die(f"recvmsg {path}", e)
    fds = fds[:MAX_FDS]                 # never more than we made room for
    if flags & socket.MSG_CTRUNC:
        fail(1, f"recvmsg {path}: MSG_CTRUNC: room for {max_fds} "
                f"{plural(max_fds, 'descriptor', 'descriptors')}, more were sent: the kernel "
                f"closed the rest ({len(fds)} received)")
    if not data:
        fail(1, f"{path}: the sender closed the connection before sending anything")
    out(f"received {len(data)} {plural(len(data), 'byte', 'bytes')} and {len(fds)} "
        f"{plural(len(fds), 'descriptor', 'descriptors')}")
    modes = []
    for fd in fds:
        try:
            st = os.fstat(fd)
        except OSError as e:
            die(f"fstat fd {fd}", e)
        modes.append(st.st_mode)
        out(f"fd {fd}: {file_kind(st.st_mode)}, inode {st.st_ino}")
    if data != b"F":                # a peer's byte: shown, never obeyed
        shown = chr(data[0]) if 32 <= data[0] < 127 else "."
        fail(1, f"{path}: the byte sent is '{shown}', not fd_sender's 'F': refused")
    if len(fds) != 2 or not stat.S_ISREG(modes[0]) or not stat.S_ISFIFO(modes[1]):
        fail(1, f"{path}: expected a regular file and a FIFO (a pipe's read end): refused")
    file, pipe_r = fds

    # The pipe ends when the sender closes its write end.
    text = b""
    while len(text) < TEXT_MAX:
        try:
            chunk = os.read(pipe_r, TEXT_MAX - len(text))   # EINTR: retried
        except OSError as e:
            die(f"read {fd_object(pipe_r)}", e)
        if not chunk:
            break
        text += chunk
    if len(text) == TEXT_MAX:
        fail(1, f"read {fd_object(pipe_r)}: more than {TEXT_MAX} bytes: refused")
    show("pipe: ", text)
    # Nobody told us an offset: it is the sender's, shared.
    out(f"file offset {offset(file)}: where fd_sender's last write left it")
    try:
        text = os.pread(file, TEXT_MAX, 0)      # pread: the offset stays
    except OSError as e:
        die(f"pread {fd_object(file)}", e)
    show("file: ", text)
    try:
        w = os.write(file, MINE)
        if w < len(MINE):           # a short write to a file: the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    except OSError as e:
        die(f"write {fd_object(file)}", e)
    out(f"wrote {w} bytes to the file: offset now {offset(file)}")

    if hold:
        say(f"{progname()}: holding the descriptors: "
            f"waiting for SIGUSR1 (kill -USR1 {os.getpid()})")
        hold_until_sigusr1()
    try:
        conn.send(b"A", socket.MSG_NOSIGNAL)
    except OSError as e:
        die(f"send {path}", e)
    for fd in fds:
        try:
            os.close(fd)
        except OSError as e:
            die(f"close fd {fd}", e)
    try:
        conn.close()
        lsock.close()
    except OSError as e:
        die(f"close {path}", e)
    if not path.startswith("@"):    # ours only: a file put there since is left
        try:
            gone = unlink_ours(path)
        except OSError as e:
            remove_on_signal(None)
            undo_clear()
            die(f"unlink {path}", e)
        remove_on_signal(None)
        undo_clear()
        if gone == 1:
            say(f"{progname()}: {path}: not the socket we made any more: left in place")
    close_stdout()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
