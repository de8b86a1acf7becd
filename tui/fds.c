/* fds.c - the descriptors of the run's processes, as the kernel shows
 * them: /proc/PID/fd of each live followed process, read with readdir and
 * readlink only (nothing is opened), once a sample and again when a
 * scenario asks. The TCP and Unix socket views take their holders from it
 * (socket:[INODE] links).
 *
 * A descriptor passed from another process (SCM_RIGHTS over a Unix
 * socket, or pidfd_getfd) is told: when a descriptor appears in a process
 * whose table was read before, it is not a copy of one it already had, and
 * kcmp(2) KCMP_FILE says it is the same open file description as a
 * descriptor another followed process already held, the transcript says
 *   fd receiver: fd 5 -> /run/x/data.txt, the same open file as sender's fd 4 (kcmp)
 * Cheap: only new descriptors, only against descriptors of followed
 * processes whose link reads the same, and a kcmp a pair. kcmp needs
 * ptrace read access to both processes, which ipclab has over its own
 * children; refused, nothing is told. A process's first table (just
 * spawned, forked, adopted) is the start of its story, not news. */
#include "ipclab.h"
#include "unixsocks.h"

#include <dirent.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FD_MAX 512

static struct fdent cur[FD_MAX], prev[FD_MAX];
static int ncur, nprev;
static int from[MAX_PROCS + 1];         /* prev's entries of process i: from[i] to from[i + 1] */
static pid_t read_pid[MAX_PROCS];       /* whose table the last read holds (0: none) */
static pid_t was[MAX_PROCS];            /* and the read before it */
static unsigned run_gen = ~0u;

static int same_file(pid_t a, pid_t b, int fa, int fb)
{
    return syscall(SYS_kcmp, a, b, KCMP_FILE, fa, fb) == 0;
}

/* Process i's descriptors into cur, from ncur on. 0, or -1 when its
 * folder could not be read (gone, or not ours to read). */
static int read_table(int i)
{
    const struct proc *p = &R.procs[i];
    char path[64], link[80];
    snprintf(path, sizeof path, "/proc/%ld/fd", (long)p->pid);
    DIR *d = opendir(path);
    if (d == NULL)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && ncur < FD_MAX) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        if (*end || end == e->d_name || fd < 0 || fd > 1 << 30)
            continue;
        struct fdent *f = &cur[ncur];
        snprintf(link, sizeof link, "%s/%ld", path, fd);
        ssize_t len = readlink(link, f->target, sizeof f->target - 1);
        if (len <= 0)
            continue;                       /* closed meanwhile */
        f->target[len] = '\0';
        f->proc = i;
        f->fd = (int)fd;
        f->sock = 0;
        if (strncmp(f->target, "socket:[", 8) == 0) {
            unsigned long ino = strtoul(f->target + 8, &end, 10);
            if (strcmp(end, "]") == 0)
                f->sock = ino;
        }
        ncur++;
    }
    closedir(d);
    return 0;
}

static int in_prev(const struct fdent *f)
{
    for (int k = from[f->proc]; k < from[f->proc + 1]; k++)
        if (prev[k].fd == f->fd && !strcmp(prev[k].target, f->target))
            return 1;
    return 0;
}

/* A descriptor new in its process: told when it is the same open file as
 * one another process held already, and no copy of one of its own. Held
 * already: at the read before, or in that process's first table (a sender
 * that opened and sent between two samples, as fd_sender does: its table
 * is first read with the file open). Two descriptors new at once in two
 * processes read before (the sender's table read between its exec and its
 * open): which one passed it is not known, and the line says no more than
 * that they are one open file; it is told once, in the process that came
 * first. */
static void tell_if_passed(const struct fdent *f)
{
    pid_t me = R.procs[f->proc].pid;
    char who[200] = "", row[160];
    size_t o = 0;
    int found = 0, first = -1;
    for (int k = from[f->proc]; k < from[f->proc + 1]; k++)   /* dup(), dup2(): its own */
        if (prev[k].fd != f->fd &&
            !strcmp(prev[k].target, f->target) && same_file(me, me, f->fd, prev[k].fd))
            return;
    for (int k = 0; k < ncur && found < 4; k++) {
        const struct fdent *g = &cur[k];
        int before = in_prev(g) || was[g->proc] != R.procs[g->proc].pid;
        if (g->proc == f->proc || strcmp(g->target, f->target) != 0 ||
            (!before && g->proc < f->proc) ||
            !same_file(me, R.procs[g->proc].pid, f->fd, g->fd))
            continue;
        if (o < sizeof who)
            o += (size_t)snprintf(who + o, sizeof who - o, "%s%s's fd %d", found ? " and " : "",
                                  R.procs[g->proc].name, g->fd);
        if (found++ == 0)
            first = k;
    }
    if (!found)
        return;
    tlog("fd %s: fd %d -> %s, the same open file as %s (kcmp)", R.procs[f->proc].name,
         f->fd, f->target, who);
    /* On screen, its row in the receiver's lane: "fd 5 is sender's fd 3 (data.txt)". */
    const char *base = strrchr(f->target, '/');
    snprintf(row, sizeof row, "fd %d is %s's fd %d (%s)", f->fd, R.procs[cur[first].proc].name,
             cur[first].fd, base && base[1] ? base + 1 : f->target);
    timeline_now(f->proc, row);
}

void fds_read(void)
{
    if (run_gen != R.gen) {
        run_gen = R.gen;
        ncur = 0;
        memset(read_pid, 0, sizeof read_pid);
    }
    memcpy(prev, cur, (size_t)ncur * sizeof *cur);
    nprev = ncur;
    for (int i = 0, k = 0; i <= MAX_PROCS; i++) {   /* read in process order */
        while (k < nprev && prev[k].proc < i)
            k++;
        from[i] = k;
    }
    ncur = 0;
    memcpy(was, read_pid, sizeof was);
    for (int i = 0; i < MAX_PROCS; i++) {
        const struct proc *p = &R.procs[i];
        read_pid[i] = 0;
        if (p->used && !p->exited && read_table(i) == 0)
            read_pid[i] = p->pid;
    }
    for (int k = 0; k < ncur; k++) {
        const struct fdent *f = &cur[k];
        if (was[f->proc] == R.procs[f->proc].pid && !in_prev(f))
            tell_if_passed(f);
    }
}

const struct fdent *fds_table(int *n)
{
    if (run_gen != R.gen)
        fds_read();
    *n = ncur;
    return cur;
}

int fds_same(int i, int fd, const char *target, int *who, int *whofd, int max)
{
    int n = 0;
    for (int k = 0; k < ncur && n < max; k++) {
        const struct fdent *g = &cur[k];
        if (g->proc != i && !strcmp(g->target, target) &&
            same_file(R.procs[i].pid, R.procs[g->proc].pid, fd, g->fd))
            who[n] = g->proc, whofd[n++] = g->fd;
    }
    return n;
}
