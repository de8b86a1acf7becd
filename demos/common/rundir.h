/* rundir.h - the run's private directory, and what is at a name.
 * python_peers/ipclab/rundir.py is the mirror image. */
#ifndef IPCLAB_RUNDIR_H
#define IPCLAB_RUNDIR_H

#include <sys/stat.h>

/* Only our own 0700 directory keeps others from putting or replacing
 * objects in it. lstat dir into *st, and end the program unless it is a
 * directory of ours that nobody else can enter, saying what is wrong and
 * the way out, status 1: "lstat DIR: No such file or directory", "DIR: a
 * regular file, not a directory", "DIR: owner uid 0, not 1000 (us): not a
 * directory of ours (mktemp -d makes one)", "DIR: mode 0755, not 0700: not
 * a private directory of ours (mktemp -d makes one)". */
void private_dir(const char *dir, struct stat *st);

/* What is at a name, for a message: "a regular file", "a directory",
 * "a symbolic link", "a FIFO", "a socket", "a device". */
const char *file_kind(mode_t mode);

/* Why what lstat found at a FIFO's name (*st) is not to be opened: NULL
 * for a FIFO of ours, mode 0600, that nobody else can open; else, for a
 * message, "a regular file, not a FIFO" (file_kind's words), or only
 * what is wrong with a FIFO: "owner uid 65534, not 1000 (us): not a
 * private FIFO of ours", "mode 0644, not 0600: not a private FIFO of
 * ours", or both: "owner uid 65534, not 1000 (us); mode 0644, not 0600:
 * not a private FIFO of ours".
 * A static buffer. The caller still opens with O_NOFOLLOW and checks
 * with fstat that it opened that same FIFO (st_dev, st_ino). */
const char *fifo_refused(const struct stat *st);

#endif
