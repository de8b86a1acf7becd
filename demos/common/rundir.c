/* rundir.c - see rundir.h. */
#include "rundir.h"

#include <unistd.h>

#include "err.h"

void private_dir(const char *dir, struct stat *st)
{
    if (lstat(dir, st) == -1)
        die("lstat %s", dir);
    if (!S_ISDIR(st->st_mode) || st->st_uid != geteuid() || (st->st_mode & 077) != 0)
        fail(1, "%s: not a private directory of ours (a directory, uid %ld, mode 0700)",
             dir, (long)geteuid());
}

const char *file_kind(mode_t mode)
{
    return S_ISREG(mode) ? "a regular file" : S_ISDIR(mode) ? "a directory" :
           S_ISLNK(mode) ? "a symbolic link" : S_ISFIFO(mode) ? "a FIFO" :
           S_ISSOCK(mode) ? "a socket" : "a device";
}
