"""The run's private directory, and what is at a name.

Mirror image of demos/common/rundir.c.
"""
import os
import stat

from ipclab.err import die, fail


def private_dir(path):
    """Only our own 0700 directory keeps others from putting or replacing
    objects in it. lstat path and return what it found, or end the program
    unless it is a directory of ours that nobody else can enter: 'lstat DIR:
    No such file or directory', or 'DIR: not a private directory of ours (a
    directory, uid U, mode 0700)', status 1."""
    try:
        st = os.lstat(path)
    except OSError as e:
        die(f"lstat {path}", e)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077:
        fail(1, f"{path}: not a private directory of ours (a directory, "
                f"uid {os.geteuid()}, mode 0700)")
    return st


def file_kind(mode):
    """What is at a name, for a message: 'a regular file', 'a directory',
    'a symbolic link', 'a FIFO', 'a socket', 'a device'."""
    return ("a regular file" if stat.S_ISREG(mode) else "a directory" if stat.S_ISDIR(mode)
            else "a symbolic link" if stat.S_ISLNK(mode) else "a FIFO" if stat.S_ISFIFO(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "a device")
