/* chan.c - the channels a scenario makes or watches, and their levels as
 * the kernel reports them.
 *
 * Watching must not change what is watched: ipclab closes its own copies of
 * pipe ends once they are handed over, and afterwards measures a pipe
 * through a holder's /proc/PID/fd/N, opened read-only and non-blocking,
 * asked (FIONREAD, F_GETPIPE_SZ) and closed at once. Shared memory is read
 * with pread or a read-only attach; semaphores with sem_getvalue/GETVAL. */
#include "ipclab.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/msg.h>
#include <sys/pidfd.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int new_slot(enum ctype type, const char *label)
{
    for (int i = 0; i < MAX_CHANS; i++) {
        struct chan *c = &R.chans[i];
        if (c->used)
            continue;
        memset(c, 0, sizeof *c);
        c->used = 1;
        c->type = type;
        scopy(c->label, sizeof c->label, label);
        c->end[0] = c->end[1] = -1;
        c->level = c->capacity = c->value = -1;
        c->shown_level = c->shown_value = -2;
        return i;
    }
    return -1;
}

static int fail_chan(int i, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", what, i < 0 ? "too many channels" : strerror(errno));
    if (i >= 0)
        R.chans[i].used = 0;
    return -1;
}

static void note_inode(struct chan *c)
{
    struct stat st;
    if (fstat(c->end[0], &st) == 0)
        c->ino = st.st_ino;
}

int chan_pipe(const char *label, char *err, size_t errlen)
{
    int i = new_slot(CH_PIPE, label);
    /* Close-on-exec: a child must get only the ends it is handed. */
    if (i < 0 || pipe2(R.chans[i].end, O_CLOEXEC) == -1)
        return fail_chan(i, "pipe", err, errlen);
    note_inode(&R.chans[i]);
    return i;
}

int chan_fifo(const char *label, char *err, size_t errlen)
{
    int i = new_slot(CH_FIFO, label);
    struct chan *c = &R.chans[i];
    struct stat st;

    if (i < 0)
        return fail_chan(i, "mkfifo", err, errlen);
    snprintf(c->path, sizeof c->path, "%s/%.64s", R.dir, label);
    if (mkfifo(c->path, 0600) == -1 || stat(c->path, &st) == -1) {
        char what[320];
        snprintf(what, sizeof what, "mkfifo %s", c->path);
        return fail_chan(i, what, err, errlen);
    }
    c->ino = st.st_ino;
    return i;
}

int chan_socketpair(const char *label, int socktype, char *err, size_t errlen)
{
    int i = new_slot(CH_SOCKPAIR, label);
    if (i < 0 || socketpair(AF_UNIX, socktype | SOCK_CLOEXEC, 0, R.chans[i].end) == -1)
        return fail_chan(i, "socketpair", err, errlen);
    struct stat st;
    note_inode(&R.chans[i]);
    if (fstat(R.chans[i].end[1], &st) == 0)
        R.chans[i].ino2 = st.st_ino;
    return i;
}

/* Shared memory or a semaphore the programs create: only watched. */
int chan_ipc(enum ctype type, const char *name, long key, long index)
{
    int i = new_slot(type, name ? name : "sysv");
    if (i < 0)
        return -1;
    struct chan *c = &R.chans[i];
    if (name)
        scopy(c->path, sizeof c->path, name);
    c->sysv = name == NULL;
    c->key = key;
    c->index = index;
    if (c->sysv)
        snprintf(c->label, sizeof c->label, "key 0x%lx", key);
    return i;
}

void chan_close_handed(void)
{
    for (int i = 0; i < MAX_CHANS; i++)
        for (int e = 0; e < 2; e++) {
            struct chan *c = &R.chans[i];
            if (c->used && c->handed[e] && c->end[e] >= 0) {
                close(c->end[e]);
                c->end[e] = -1;
            }
        }
}

/* A socket cannot be opened through /proc: borrow the holder's descriptor
 * (pidfd_getfd, the same permission as ptrace), to ask and close at once. */
static int borrow(pid_t pid, int fd)
{
    int pidfd = pidfd_open(pid, 0);
    if (pidfd == -1)
        return -1;
    int mine = pidfd_getfd(pidfd, fd, 0);
    close(pidfd);
    return mine;
}

/* Open /proc/PID/fd/FD if it still is this inode, else -1. */
static int open_if_same(ino_t ino, pid_t pid, const char *fd, int flags)
{
    char path[300];
    struct stat st;

    snprintf(path, sizeof path, "/proc/%ld/fd/%.16s", (long)pid, fd);
    if (stat(path, &st) != 0 || st.st_ino != ino)
        return -1;
    if (S_ISSOCK(st.st_mode))
        return borrow(pid, atoi(fd));
    return S_ISFIFO(st.st_mode) ? open(path, flags | O_CLOEXEC) : -1;
}

/* A process of ours holding the inode: opens /proc/PID/fd/N, or -1.
 * The last holder is tried first, so a sample costs a stat and an open. */
static int open_via_holder(struct chan *c, ino_t ino, int flags)
{
    char path[64], num[16];
    int fd;

    snprintf(num, sizeof num, "%d", c->holder_fd);
    if (c->holder_pid > 0 && (fd = open_if_same(ino, c->holder_pid, num, flags)) >= 0)
        return fd;
    for (int i = 0; i < MAX_PROCS; i++) {
        const struct proc *p = &R.procs[i];
        if (!p->used || p->exited)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/fd", (long)p->pid);
        DIR *d = opendir(path);
        struct dirent *e;
        fd = -1;
        while (d && fd == -1 && (e = readdir(d)) != NULL)
            if (e->d_name[0] != '.' && (fd = open_if_same(ino, p->pid, e->d_name, flags)) >= 0) {
                c->holder_pid = p->pid;
                c->holder_fd = atoi(e->d_name);
            }
        if (d)
            closedir(d);
        if (fd >= 0)
            return fd;
    }
    c->holder_pid = 0;
    return -1;
}

static void sample_pipe(struct chan *c)
{
    int own = c->end[0] >= 0 ? c->end[0] : c->end[1];
    int fd = own >= 0 ? own : open_via_holder(c, c->ino, O_RDONLY | O_NONBLOCK);
    int n;

    c->level = c->capacity = -1;
    if (fd < 0)
        return;
    if (ioctl(fd, FIONREAD, &n) == 0)
        c->level = n;
    c->capacity = fcntl(fd, F_GETPIPE_SZ);
    if (fd != own)
        close(fd);
}

/* Bytes waiting to be read at either end: SIOCINQ (= FIONREAD). */
static void sample_sockpair(struct chan *c)
{
    int n, total = 0, got = 0;

    for (int e = 0; e < 2; e++) {
        int fd = c->end[e] >= 0 ? c->end[e]
               : open_via_holder(c, e == 0 ? c->ino : c->ino2, 0);
        if (fd >= 0 && ioctl(fd, FIONREAD, &n) == 0) {
            total += n;
            got = 1;
        }
        if (fd >= 0 && fd != c->end[e])
            close(fd);
    }
    c->level = got ? total : -1;
}

static void sample_shm(struct chan *c)
{
    c->nbytes = 0;
    c->capacity = -1;
    if (!c->sysv) {
        char path[320];
        struct stat st;
        snprintf(path, sizeof path, "/dev/shm/%s", c->path[0] == '/' ? c->path + 1 : c->path);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return;
        ssize_t n = pread(fd, c->bytes, sizeof c->bytes, 0);
        if (fstat(fd, &st) == 0)
            c->capacity = st.st_size;
        close(fd);
        c->nbytes = n > 0 ? (size_t)n : 0;
        return;
    }
    int id = shmget((key_t)c->key, 0, 0);
    struct shmid_ds ds;
    if (id == -1 || shmctl(id, IPC_STAT, &ds) == -1)
        return;
    void *m = shmat(id, NULL, SHM_RDONLY);
    if (m == (void *)-1)
        return;
    c->capacity = (long)ds.shm_segsz;
    c->nbytes = ds.shm_segsz < sizeof c->bytes ? ds.shm_segsz : sizeof c->bytes;
    memcpy(c->bytes, m, c->nbytes);
    shmdt(m);
}

static void sample_sem(struct chan *c)
{
    c->value = -1;
    if (!c->sysv) {
        sem_t *s = sem_open(c->path, 0);
        int v;
        if (s == SEM_FAILED)
            return;
        if (sem_getvalue(s, &v) == 0)
            c->value = v;
        sem_close(s);
        return;
    }
    int id = semget((key_t)c->key, 0, 0);
    if (id != -1) {
        int v = semctl(id, (int)c->index, GETVAL);
        c->value = v >= 0 ? v : -1;
    }
}

/* A message queue: how many messages wait, and its limits. Opening a
 * POSIX queue to ask changes nothing for its users (unlike a pipe end). */
static void sample_mq(struct chan *c)
{
    c->level = c->capacity = c->qbytes = c->msgsize = -1;
    if (!c->sysv) {
        struct mq_attr a;
        mqd_t q = mq_open(c->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (q == (mqd_t)-1)
            return;
        if (mq_getattr(q, &a) == 0) {
            c->level = a.mq_curmsgs;
            c->capacity = a.mq_maxmsg;
            c->msgsize = a.mq_msgsize;
        }
        mq_close(q);
        return;
    }
    struct msqid_ds ds;
    int id = msgget((key_t)c->key, 0);
    if (id != -1 && msgctl(id, IPC_STAT, &ds) == 0) {
        c->level = (long)ds.msg_qnum;
        c->qbytes = (long)ds.__msg_cbytes;
        c->capacity = (long)ds.msg_qbytes;   /* System V limits bytes, not messages */
    }
}

void chan_sample(struct chan *c)
{
    switch (c->type) {
    case CH_PIPE: case CH_FIFO: sample_pipe(c); break;
    case CH_SOCKPAIR: sample_sockpair(c); break;
    case CH_SHM: sample_shm(c); break;
    case CH_SEM: sample_sem(c); break;
    case CH_MQ: sample_mq(c); break;
    }
}

/* The end of a run: close what ipclab holds; the FIFOs go with the run's
 * directory, named objects through the registry (janitor.c). */
void chan_cleanup_all(void)
{
    for (int i = 0; i < MAX_CHANS; i++) {
        struct chan *c = &R.chans[i];
        for (int e = 0; e < 2; e++)
            if (c->used && c->end[e] >= 0)
                close(c->end[e]);
        if (c->used && c->type == CH_FIFO)
            unlink(c->path);
        c->used = 0;
    }
}
