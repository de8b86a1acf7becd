"""The run's private directory, and what is at a name.

Mirror image of demos/common/rundir.c.
"""
import os
import stat

from ipclab.err import die, fail


def private_dir(path):
    """Only our own 0700 directory keeps others from putting or replacing
    objects in it. lstat path and return what it found, or end the program
    unless it is a directory of ours that nobody else can enter, saying what
    is wrong, and the way out, status 1: 'lstat DIR: No such file or
    directory', 'DIR: a regular file, not a directory', 'DIR: owner uid 0,
    not 1000 (us): not a directory of ours (mktemp -d makes one)', 'DIR: mode
    0755, not 0700: not a private directory of ours (mktemp -d makes one)'."""
    try:
        st = os.lstat(path)
    except OSError as e:
        die(f"lstat {path}", e)
    if not stat.S_ISDIR(st.st_mode):
        fail(1, f"{path}: {file_kind(st.st_mode)}, not a directory")
    if st.st_uid != os.geteuid():
        fail(1, f"{path}: owner uid {st.st_uid}, not {os.geteuid()} (us): not a directory "
                f"of ours (mktemp -d makes one)")
    if st.st_mode & 0o077:
        fail(1, f"{path}: mode {st.st_mode & 0o7777:04o}, not 0700: not a private "
                f"directory of ours (mktemp -d makes one)")
    return st


def file_kind(mode):
    """What is at a name, for a message: 'a regular file', 'a directory',
    'a symbolic link', 'a FIFO', 'a socket', 'a device'."""
    return ("a regular file" if stat.S_ISREG(mode) else "a directory" if stat.S_ISDIR(mode)
            else "a symbolic link" if stat.S_ISLNK(mode) else "a FIFO" if stat.S_ISFIFO(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "a device")


def fifo_refused(st):
    """Why what lstat found at a FIFO's name (st) is not to be opened: None
    for a FIFO of ours, mode 0600, that nobody else can open; else, for a
    message, 'a regular file, not a FIFO' (file_kind's words), or only
    what is wrong with a FIFO: 'owner uid 65534, not 1000 (us): not a
    private FIFO of ours', 'mode 0644, not 0600: not a private FIFO of
    ours', or both: 'owner uid 65534, not 1000 (us); mode 0644, not 0600:
    not a private FIFO of ours'.
    The caller still opens with O_NOFOLLOW and checks with fstat that it
    opened that same FIFO (st_dev, st_ino)."""
    if not stat.S_ISFIFO(st.st_mode):
        return f"{file_kind(st.st_mode)}, not a FIFO"
    wrong = []          # only what is wrong: its owner, its mode, or both
    if st.st_uid != os.geteuid():
        wrong.append(f"owner uid {st.st_uid}, not {os.geteuid()} (us)")
    if st.st_mode & 0o7777 != 0o600:
        wrong.append(f"mode {st.st_mode & 0o7777:04o}, not 0600")
    return "; ".join(wrong) + ": not a private FIFO of ours" if wrong else None
