/* holders.c - who holds a pipe or FIFO, and who waits to open a FIFO, as the
 * kernel shows it: each process's /proc/PID/fd entries (stat: the inode) and
 * /proc/PID/fdinfo/N ("flags:", octal; O_ACCMODE says read or write end),
 * and the processes procfs.c saw asleep in open() of it. Nothing is opened:
 * an open of a FIFO would itself be a partner and release a waiting open().
 * fifo(7), proc(5) (/proc/PID/fdinfo). */
#include "ipclab.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* O_ACCMODE of descriptor fd of pid, from its fdinfo; -1 when gone. */
static int fd_access(pid_t pid, const char *fd)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/fdinfo/%.16s", (long)pid, fd);
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f == -1)
        return -1;
    ssize_t n = read(f, buf, sizeof buf - 1);
    close(f);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *flags = strstr(buf, "flags:");
    return flags ? (int)(strtol(flags + 6, NULL, 8) & O_ACCMODE) : -1;
}

/* A FIFO the programs make (fifo(name, { make = false })): its inode once
 * the name is a FIFO. A name removed later keeps the last inode: the
 * processes that opened it still hold that FIFO. */
static void follow_name(struct chan *c)
{
    struct stat st;
    if (c->type == CH_FIFO && c->theirs && lstat(c->path, &st) == 0 && S_ISFIFO(st.st_mode))
        c->ino = st.st_ino;
}

void chan_holders(struct chan *c)
{
    char path[64];
    struct stat st;

    c->nholders = c->nopeners = c->more = 0;
    follow_name(c);
    if (c->ino == 0)
        return;
    for (int i = 0; i < MAX_PROCS; i++) {
        const struct proc *p = &R.procs[i];
        if (!p->used || p->exited)
            continue;
        /* Seen asleep in open() of it at the last sample, and still there. */
        if (p->fifo_path[0] && p->fifo_ino == c->ino && c->nopeners < MAX_HOLDERS &&
            procfs_in_open(p->pid))
            c->openers[c->nopeners++] = (struct holder){ i, -1, p->fifo_acc };
        snprintf(path, sizeof path, "/proc/%ld/fd", (long)p->pid);
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            char fdpath[64];
            if (e->d_name[0] == '.')
                continue;
            snprintf(fdpath, sizeof fdpath, "%s/%.16s", path, e->d_name);
            if (stat(fdpath, &st) == -1 || st.st_ino != c->ino || !S_ISFIFO(st.st_mode))
                continue;
            int acc = fd_access(p->pid, e->d_name);
            if (acc >= 0 && c->nholders == MAX_HOLDERS)
                c->more++;                  /* counted, said as "and N more" */
            else if (acc >= 0)
                c->holders[c->nholders++] = (struct holder){ i, atoi(e->d_name), acc };
            if (acc >= 0 && c->nholders == 1) {     /* the one to borrow from next */
                c->holder_pid = p->pid;
                c->holder_fd = atoi(e->d_name);
            }
        }
        if (d)
            closedir(d);
    }
}

/* "read end: b fd 3; write end: a fd 4, a fd 6; opening: b (to read)", or
 * "nobody has it open". In the order of the processes, then descriptors. */
void holders_text(const struct chan *c, char *buf, size_t len)
{
    static const char *const ends[] = { "read end", "write end", "read-write" };
    size_t n = 0;

    buf[0] = '\0';
    for (int acc = 0; acc < 3; acc++) {
        int first = 1;
        for (int h = 0; h < c->nholders && n < len; h++) {
            if (c->holders[h].acc != acc)
                continue;
            const char *sep = !first ? ", " : n ? "; " : "";
            n += (size_t)snprintf(buf + n, len - n, "%s%s%s%s fd %d", sep,
                                  first ? ends[acc] : "", first ? ": " : "",
                                  R.procs[c->holders[h].proc].name, c->holders[h].fd);
            first = 0;
        }
    }
    for (int h = 0; h < c->nopeners && n < len; h++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s (%s)", h ? ", " : n ? "; opening: " : "opening: ",
                              R.procs[c->openers[h].proc].name,
                              c->openers[h].acc == O_RDONLY ? "to read" :
                              c->openers[h].acc == O_WRONLY ? "to write" : "read-write");
    if (c->more > 0 && n < len)
        n += (size_t)snprintf(buf + n, len - n, "; and %d more descriptor%s", c->more,
                              c->more == 1 ? "" : "s");
    if (n == 0)
        snprintf(buf, len, "nobody has it open");
}
