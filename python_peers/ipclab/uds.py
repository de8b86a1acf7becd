"""Small helpers for lesson 05's Unix domain socket programs.

Mirror image of demos/common/uds.c. The calls the lesson is about
(socket, bind, listen, connect, sendmsg, recvmsg) stay in the programs;
these only name things and check them.
"""
import os
import socket
import stat

from ipclab.err import die, fail, remove_on_ending_signals
from ipclab.rundir import file_kind, private_dir

TYPES = {"stream": socket.SOCK_STREAM, "dgram": socket.SOCK_DGRAM,
         "seqpacket": socket.SOCK_SEQPACKET}
SUN_PATH = 108      # sizeof(struct sockaddr_un) - sizeof(sa_family_t), <sys/un.h>


def sock_type(word):
    """'stream', 'dgram', 'seqpacket' -> socket.SOCK_STREAM, SOCK_DGRAM,
    SOCK_SEQPACKET; -1 for any other word."""
    return TYPES.get(word, -1)


def type_name(sock_type_):
    """The other way: socket.SOCK_DGRAM -> 'dgram'."""
    return next((w for w, t in TYPES.items() if t == sock_type_), "?")


def address(name):
    """The address for bind() and connect() for NAME, a path
    ('DIR/srv.sock') or '@name' for Linux's abstract namespace (a leading
    NUL, then the name, no file made). sun_path is 108 bytes: a path fits
    with its terminating NUL (107 bytes at most), an abstract name after
    its leading NUL (107 at most). Anything longer, or empty, is refused
    before any call, status 2, with the limit named. Never cut short: a
    shorter name is another socket."""
    abstract = name.startswith("@")
    b = os.fsencode(name[1:] if abstract else name)
    if not b:
        fail(2, "@: an abstract name needs a name after the '@'" if abstract
             else "the socket's path is empty")
    # Python's bind() would refuse it too, with a traceback; C's strncpy
    # would cut it short without a word (naive_uds_server.c).
    if len(b) >= SUN_PATH:
        fail(2, f"{name}: {'an abstract name' if abstract else 'a path'} of {len(b)} bytes "
                f"does not fit in sun_path ({SUN_PATH} bytes with its "
                f"{'leading' if abstract else 'terminating'} NUL: at most {SUN_PATH - 1})")
    # bytes that start with NUL: Python gives bind() exactly their length,
    # as C does: "@x" and "@x\0" would be two different names.
    return b"\0" + b if abstract else b


def check_dir(name, ours):
    """The directory a socket path is in ('.', for a bare name) must be
    private, else the program ends saying what is wrong (status 1). A
    server (ours) makes a file there: the directory must be ours and 0700
    (rundir's private_dir). A client only connects: the directory may be
    another user's (the server's), but nobody but its owner may enter it
    (no group or other bits). Nothing to check for an '@name'."""
    if name.startswith("@"):        # no file, no directory: anyone may connect
        return
    head, slash, _ = name.rpartition("/")
    folder = (head or "/") if slash else "."
    if ours:                        # we make the socket file: ours, 0700
        private_dir(folder)
        return
    try:
        st = os.lstat(folder)
    except OSError as e:
        die(f"lstat {folder}", e)
    if not stat.S_ISDIR(st.st_mode):
        fail(1, f"{folder}: {file_kind(st.st_mode)}, not a directory")
    if st.st_mode & 0o077:          # others could put a socket of theirs at the name
        fail(1, f"{folder}: mode {st.st_mode & 0o7777:04o}, not 0700: not a private directory")


_to_remove = [None]     # the socket file a signal removes: set once bind() made it
_made = [None]          # its (device, inode) then


def unlink_ours(path):
    """os.unlink(path) only while it is still the file we made (the device
    and inode remove_on_signal recorded): a file someone put at
    the name since (a server that took it over, anything else) is theirs.
    Returns 0 when removed or already gone, 1 when what is there is not
    ours (left in place); OSError when lstat or unlink failed."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return 0
    if (st.st_dev, st.st_ino) != _made[0]:
        return 1                    # another file now: not ours to remove
    os.unlink(path)
    return 0


def _remove_ours():
    path = _to_remove[0]
    if path is not None:
        try:
            unlink_ours(path)
        except OSError:
            pass                    # dying of the signal all the same


def remove_on_signal(path):
    """Called right after bind() made the socket file at path (or fd_sender
    made its file): from now on SIGINT, SIGTERM, SIGHUP and SIGPIPE remove
    it (unlink_ours), then end the program as the signal would have (status
    128 + N; err.remove_on_ending_signals). It records the file's device
    and inode: only that file is ever removed. None: nothing to remove any
    more (after the program's own unlink_ours at its end)."""
    _to_remove[0] = None
    if path is not None:
        try:
            st = os.lstat(path)
        except OSError as e:
            die(f"lstat {path}", e)
        _made[0] = (st.st_dev, st.st_ino)
        _to_remove[0] = os.fsencode(path)
    remove_on_ending_signals(_remove_ours)
