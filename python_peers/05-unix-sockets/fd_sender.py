#!/usr/bin/env python3
"""fd_sender.py - pass open descriptors to another process over a Unix
stream socket (SCM_RIGHTS): a file we opened, and a pipe's read end.

Usage: fd_sender.py [--] PATH FILE
  PATH   fd_receiver's socket, as its readiness line names it
  FILE   a file to create, 0600 (O_EXCL: refused if anything is there), in
         the run's private directory; removed at the end, and on
         a signal that ends it (SIGINT, SIGTERM, SIGUSR1...)

  sender                                       receiver
  1 byte "F" + SCM_RIGHTS [FILE, pipe read end] --> two new descriptors
  writes FILE again; a line into the pipe, closes its write end
                                                reads the pipe to EOF, looks
                                                at the offset, writes FILE
  reads 1 byte "A" <--------------------------- answers

What to watch: a passed descriptor is not a number (the receiver's are
others) nor a name: it is a new descriptor for the same open file
description, as dup() would make, in another process. So there is one
file offset: our write after sending moves the receiver's, its write
moves ours. The pipe's read end we keep too: the pipe ends for the
receiver only once we close its write end.
Mirror: demos/05-unix-sockets/fd_sender.c. Receiver: fd_receiver.py.
"""
import errno
import os
import signal
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab.uds import address, check_dir, remove_on_signal  # noqa: E402
from ipclab.err import (close_stdout, die, fail, fd_object, out,  # noqa: E402
                        undo_clear, undo_push)

BEFORE = b"written by fd_sender before sending\n"
AFTER = b"written by fd_sender after sending\n"
LINE = b"a line through the pipe\n"


def write_text(fd, text, what):
    """os.write() all of text or die naming what: a short write to a file is
    a full disk, and we say so too (ENOSPC)."""
    try:
        if os.write(fd, text) < len(text):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    except OSError as e:
        die(f"write {what}", e)


def offset(fd, what):
    """Where the file's offset is now: lseek(fd, 0, SEEK_CUR) moves nothing."""
    try:
        return os.lseek(fd, 0, os.SEEK_CUR)
    except OSError as e:
        die(f"lseek {what}", e)


def main(argv):
    # A receiver gone makes our sendmsg() fail with EPIPE, which we report,
    # rather than SIGPIPE killing us: Python ignores SIGPIPE, and send_fds
    # takes no flags (C ignores it too). Ctrl-C: no traceback.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    args = argv[1:]
    if args[:1] == ["--"]:              # a PATH that starts with '-'
        args = args[1:]
    elif args[:1] and args[0].startswith("-"):
        args = []                       # -h, an unknown option: the usage
    if len(args) != 2:
        fail(2, f"usage: {argv[0]} [--] PATH FILE")
    path, file_name = args
    if not file_name:
        fail(2, "FILE is empty: name a new file for fd_sender to make")
    addr = address(path)                # too long: refused before any call
    check_dir(path, False)

    # O_EXCL: our own new file, never one someone put there; 0600.
    remove_on_signal(None)              # the handlers first; nothing to remove yet
    try:
        file = os.open(file_name, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                       | os.O_CLOEXEC, 0o600)
    except FileExistsError as e:
        fail(1, f"open {file_name}: {os.strerror(e.errno)}: fd_sender makes a new file of its"
             " own (O_EXCL): name one that is not there")
    except OSError as e:
        die(f"open {file_name}", e)
    undo_push(os.unlink, file_name)
    remove_on_signal(file_name)         # and on a signal that ends it
    write_text(file, BEFORE, file_name)
    try:
        pipe_r, pipe_w = os.pipe()
    except OSError as e:
        die("pipe2", e)
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    except OSError as e:
        die("socket", e)
    try:
        sock.connect(addr)
    except OSError as e:
        die(f"connect {path}", e)

    # The descriptors ride on a message of at least one byte: on a stream
    # socket, ancillary data never travels alone. (send_fds: one sendmsg()
    # with an SCM_RIGHTS control message, as in C.)
    try:
        socket.send_fds(sock, [b"F"], [file, pipe_r])
    except OSError as e:
        die(f"sendmsg {path}", e)
    out(f"sent {fd_object(file)} and {fd_object(pipe_r)} with SCM_RIGHTS")

    # Still ours too: what we do to them now, the receiver sees.
    write_text(file, AFTER, file_name)
    before = offset(file, file_name)
    out(f"wrote {len(AFTER)} bytes to the file after sending: offset {before}")
    write_text(pipe_w, LINE, fd_object(pipe_w))
    try:
        os.close(pipe_w)        # the last write end: the receiver's read() returns 0
    except OSError as e:
        die(f"close {fd_object(pipe_w)}", e)
    out("wrote a line to the pipe and closed its write end; waiting for the receiver's answer")

    try:
        answer = sock.recv(1)           # EINTR: Python retries (PEP 475)
    except OSError as e:
        die(f"read {path}", e)
    if not answer:
        fail(1, f"{path}: fd_receiver closed the connection without answering")
    if answer != b"A":              # a peer's byte: shown, never obeyed
        shown = chr(answer[0]) if 32 <= answer[0] < 127 else "."
        fail(1, f"{path}: the answer is '{shown}', not fd_receiver's 'A'")
    now = offset(file, file_name)   # only its write through our file moves it
    if now == before:
        fail(1, f"file offset still {now}: nothing wrote through the descriptor we sent")
    out(f"file offset now {now}: fd_receiver's write moved ours (one open file description)")
    for fd, what in ((pipe_r, fd_object(pipe_r)), (file, file_name)):
        try:
            os.close(fd)
        except OSError as e:
            die(f"close {what}", e)
    try:
        sock.close()
    except OSError as e:
        die(f"close {path}", e)
    remove_on_signal(None)
    try:
        os.unlink(file_name)
    except OSError as e:
        die(f"unlink {file_name}", e)
    undo_clear()
    close_stdout()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
