/* rundir.c - see rundir.h. */
#include "rundir.h"

#include <stdio.h>
#include <unistd.h>

#include "err.h"

void private_dir(const char *dir, struct stat *st)
{
    if (lstat(dir, st) == -1)
        die("lstat %s", dir);
    if (!S_ISDIR(st->st_mode))
        fail(1, "%s: %s, not a directory", dir, file_kind(st->st_mode));
    /* (The way out said too: a learner who tried /tmp or ~ needs one.) */
    if (st->st_uid != geteuid())
        fail(1, "%s: owner uid %ld, not %ld (us): not a directory of ours (mktemp -d makes one)",
             dir, (long)st->st_uid, (long)geteuid());
    if ((st->st_mode & 077) != 0)
        fail(1, "%s: mode %04o, not 0700: not a private directory of ours (mktemp -d makes one)",
             dir, (unsigned)st->st_mode & 07777);
}

const char *file_kind(mode_t mode)
{
    return S_ISREG(mode) ? "a regular file" : S_ISDIR(mode) ? "a directory" :
           S_ISLNK(mode) ? "a symbolic link" : S_ISFIFO(mode) ? "a FIFO" :
           S_ISSOCK(mode) ? "a socket" : "a device";
}

const char *fifo_refused(const struct stat *st)
{
    static char why[160];

    if (!S_ISFIFO(st->st_mode))
        snprintf(why, sizeof why, "%s, not a FIFO", file_kind(st->st_mode));
    else if (st->st_uid != geteuid() || (st->st_mode & 07777) != 0600) {
        char owner[64] = "", mode[32] = "";     /* only what is wrong: one, or both */
        if (st->st_uid != geteuid())
            snprintf(owner, sizeof owner, "owner uid %ld, not %ld (us)", (long)st->st_uid,
                     (long)geteuid());
        if ((st->st_mode & 07777) != 0600)
            snprintf(mode, sizeof mode, "mode %04o, not 0600", (unsigned)st->st_mode & 07777);
        snprintf(why, sizeof why, "%s%s%s: not a private FIFO of ours", owner,
                 owner[0] && mode[0] ? "; " : "", mode);
    } else
        return NULL;
    return why;
}
