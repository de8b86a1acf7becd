/* rundir.h - the run's private directory, and what is at a name.
 * python_peers/ipclab/rundir.py is the mirror image. */
#ifndef IPCLAB_RUNDIR_H
#define IPCLAB_RUNDIR_H

#include <sys/stat.h>

/* Only our own 0700 directory keeps others from putting or replacing
 * objects in it. lstat dir into *st, and end the program unless it is a
 * directory of ours that nobody else can enter, saying what is wrong,
 * status 1: "lstat DIR: No such file or directory", "DIR: a regular file,
 * not a directory", "DIR: owner uid 0, not 1000 (us)", "DIR: mode 0755,
 * not 0700: not a private directory of ours". */
void private_dir(const char *dir, struct stat *st);

/* What is at a name, for a message: "a regular file", "a directory",
 * "a symbolic link", "a FIFO", "a socket", "a device". */
const char *file_kind(mode_t mode);

#endif
