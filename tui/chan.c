/* chan.c - the channels a scenario makes or watches, and their levels as
 * the kernel reports them.
 *
 * Watching must not change what is watched: ipclab closes its own copies of
 * pipe ends once they are handed over, and afterwards never opens, attaches
 * or connects to an object the way a program would. Pipes, FIFOs, sockets
 * and POSIX queues are asked through a holder's descriptor, borrowed with
 * pidfd_getfd and closed at once; shared memory is read with pread of its
 * /dev/shm file (POSIX) or from the memory of a process that has it
 * attached (System V); semaphores from a pread copy (POSIX) or semctl
 * GETVAL; POSIX queues by mq_getattr and a pread of the queue's file
 * (bytes queued, mq_notify); System V queues from msgctl IPC_STAT. */
#include "ipclab.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <signal.h>
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

/* Is a channel of this run labelled so? */
static int label_used(const char *label)
{
    for (int i = 0; i < MAX_CHANS; i++)
        if (R.chans[i].used && strcmp(R.chans[i].label, label) == 0)
            return 1;
    return 0;
}

/* A free slot for a channel labelled LABEL; a label already shown gets a
 * number ("pipe", "pipe 2", "pipe 3"), so two channels never look alike. */
static int new_slot(enum ctype type, const char *label)
{
    char unique[sizeof R.chans[0].label];
    scopy(unique, sizeof unique, label);
    for (int n = 2; label_used(unique) && n <= MAX_CHANS; n++)
        snprintf(unique, sizeof unique, "%.*s %d", (int)sizeof unique - 5, label, n);
    label = unique;
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
        c->gone_level = c->gone_capacity = -1;
        c->shown_level = c->shown_value = -2;
        c->notify_pid = c->shown_notify = -1;
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

/* A FIFO in the run's directory: made now (0600), or, with make 0, the
 * name a program will make, watched from when it appears (holders.c). */
int chan_fifo(const char *label, int make, char *err, size_t errlen)
{
    int i = new_slot(CH_FIFO, label);
    struct chan *c = &R.chans[i];
    struct stat st;

    if (i < 0)
        return fail_chan(i, "mkfifo", err, errlen);
    snprintf(c->path, sizeof c->path, "%s/%.64s", R.dir, label);
    c->theirs = !make;
    if (!make)
        return i;
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
        snprintf(c->label, sizeof c->label, "key 0x%08x", (unsigned)(int)key);  /* a key_t */
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

/* Is the holder's descriptor fd (a /proc/PID/fd entry) this channel's
 * object? Pipes, FIFOs and sockets by inode; POSIX queues by name. */
static int is_object(const struct proc *p, const char *fd, ino_t ino, const char *name)
{
    char path[64], link[300];
    struct stat st;

    snprintf(path, sizeof path, "/proc/%ld/fd/%.16s", (long)p->pid, fd);
    if (name) {
        ssize_t n = readlink(path, link, sizeof link - 1);
        return n > 0 && (link[n] = '\0', strcmp(link, name) == 0);
    }
    return stat(path, &st) == 0 && st.st_ino == ino &&
           (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

/* Watching must not change what is watched: never open a pipe, FIFO or
 * queue the way a program does (an open of a FIFO releases a writer asleep
 * in open(); a new reader of a pipe hides SIGPIPE from its writer). Borrow
 * a holder's descriptor instead (pidfd_getfd(2): a duplicate, the same
 * permission as ptrace), ask, and close it at once. Returns the borrowed
 * descriptor, or -1 when no process of the run holds the object. The last
 * holder is tried first, so a sample costs a stat and a pidfd_getfd. */
static int borrow_from_holder(struct chan *c, ino_t ino, const char *name)
{
    char path[64], num[16];
    int last = c->holder_pid > 0 ? proc_index(c->holder_pid) : -1;

    snprintf(num, sizeof num, "%d", c->holder_fd);
    if (last >= 0 && !R.procs[last].exited && is_object(&R.procs[last], num, ino, name)) {
        int fd = pidfd_getfd(R.procs[last].pidfd, c->holder_fd, 0);
        if (fd >= 0)
            return fd;
    }
    for (int i = 0; i < MAX_PROCS; i++) {
        const struct proc *p = &R.procs[i];
        if (!p->used || p->exited || p->pidfd < 0)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/fd", (long)p->pid);
        DIR *d = opendir(path);
        struct dirent *e;
        int fd = -1;
        while (d && fd == -1 && (e = readdir(d)) != NULL)
            if (e->d_name[0] != '.' && is_object(p, e->d_name, ino, name) &&
                (fd = pidfd_getfd(p->pidfd, atoi(e->d_name), 0)) >= 0) {
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
    int fd = own >= 0 ? own : borrow_from_holder(c, c->ino, NULL);
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
               : borrow_from_holder(c, e == 0 ? c->ino : c->ino2, NULL);
        if (fd >= 0 && ioctl(fd, FIONREAD, &n) == 0) {
            total += n;
            got = 1;
        }
        if (fd >= 0 && fd != c->end[e])
            close(fd);
    }
    c->level = got ? total : -1;
}

/* A System V segment's first bytes, read from the memory of a process of
 * the run that has it attached (/proc/PID/maps names it /SYSV<key> with
 * the shmid as inode; /proc/PID/mem, the permission of ptrace). Attaching
 * it ourselves would change its nattch, which students read in ipcs.
 * Returns the bytes read, or 0 when no process has it attached. */
static size_t read_attached(int shmid, unsigned char *buf, size_t len)
{
    char path[64], line[512];

    for (int i = 0; i < MAX_PROCS; i++) {
        const struct proc *p = &R.procs[i];
        if (!p->used || p->exited)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/maps", (long)p->pid);
        FILE *f = fopen(path, "re");
        unsigned long start = 0, end, inode;
        int found = 0;
        while (f && !found && fgets(line, sizeof line, f))
            found = sscanf(line, "%lx-%lx %*s %*s %*s %lu", &start, &end, &inode) == 3 &&
                    inode == (unsigned long)shmid && strstr(line, "/SYSV") != NULL;
        if (f)
            fclose(f);
        if (!found)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/mem", (long)p->pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? pread(fd, buf, len, (off_t)start) : -1;
        if (fd >= 0)
            close(fd);
        if (n > 0)
            return (size_t)n;
    }
    return 0;
}

/* A POSIX segment: pread of its file in /dev/shm (no mapping, so a file
 * cut short is no SIGBUS). A System V one: its size from shmctl(IPC_STAT),
 * its bytes from a process that has it attached. */
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
    c->capacity = (long)ds.shm_segsz;
    size_t want = ds.shm_segsz < sizeof c->bytes ? ds.shm_segsz : sizeof c->bytes;
    c->nbytes = read_attached(id, c->bytes, want);
}

/* A POSIX semaphore is a sem_t in the file /dev/shm/sem.NAME: read a copy
 * with pread and ask sem_getvalue about the copy. sem_open would map the
 * file, and a file shorter than a sem_t would kill ipclab with SIGBUS. */
static void sample_sem(struct chan *c)
{
    c->value = -1;
    if (!c->sysv) {
        char path[320];
        struct stat st;
        sem_t copy;
        int v;
        snprintf(path, sizeof path, "/dev/shm/sem.%s", c->path[0] == '/' ? c->path + 1 : c->path);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return;
        if (fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof copy &&
            pread(fd, &copy, sizeof copy, 0) == (ssize_t)sizeof copy &&
            sem_getvalue(&copy, &v) == 0)
            c->value = v;
        close(fd);
        return;
    }
    int id = semget((key_t)c->key, 0, 0);
    if (id != -1) {
        int v = semctl(id, (int)c->index, GETVAL);
        c->value = v >= 0 ? v : -1;
    }
}

/* A message queue: how many messages wait, and its limits. POSIX: from a
 * holder's borrowed descriptor (an mqd_t is one); only when no process of
 * the run has it open (a queue left after its users exited) is it opened
 * read-only, which no user of a queue can see. System V: msgctl(IPC_STAT),
 * a kernel table. */
/* The queue last seen at c's name, after mq_unlink: a process of the run
 * may still hold it (its fd link reads "NAME (deleted)"): found by its
 * mqueue inode, borrowed, asked. gone_level stays -1 when none holds it. */
static void sample_gone_mq(struct chan *c)
{
    char path[64];
    struct stat st;
    struct mq_attr a;

    c->gone_level = c->gone_capacity = -1;
    c->gone_holder[0] = '\0';
    for (int i = 0; c->mq_ino && i < MAX_PROCS && c->gone_level < 0; i++) {
        const struct proc *p = &R.procs[i];
        if (!p->used || p->exited || p->pidfd < 0)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/fd", (long)p->pid);
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && c->gone_level < 0 && (e = readdir(d)) != NULL) {
            char fdpath[300];
            snprintf(fdpath, sizeof fdpath, "%s/%.16s", path, e->d_name);
            if (e->d_name[0] == '.' || stat(fdpath, &st) != 0 || st.st_ino != c->mq_ino ||
                st.st_dev != c->mq_dev)
                continue;
            int q = pidfd_getfd(p->pidfd, atoi(e->d_name), 0);
            if (q >= 0 && mq_getattr(q, &a) == 0) {
                c->gone_level = a.mq_curmsgs;
                c->gone_capacity = a.mq_maxmsg;
                snprintf(c->gone_holder, sizeof c->gone_holder, "%.32s fd %d", p->name,
                         atoi(e->d_name));
            }
            if (q >= 0)
                close(q);
        }
        if (d)
            closedir(d);
    }
}

/* QSIZE (the bytes of all its messages) and the mq_notify registration of
 * the queue open at q, as reading its file gives them (mq_overview(7):
 * "QSIZE:5 NOTIFY:0 SIGNO:0 NOTIFY_PID:0"). pread at offset 0: a queue's
 * read() takes no message, and pread leaves the file offset, which a
 * borrowed descriptor shares with its program, where it was. */
static void sample_mq_file(struct chan *c, mqd_t q)
{
    char buf[160];
    unsigned long qsize;
    int how, signo, pid;
    ssize_t n = pread(q, buf, sizeof buf - 1, 0);

    /* A sender's descriptor is write-only (EBADF): the queue's file is
     * opened again read-only from it, which no program can tell. */
    if (n == -1 && errno == EBADF) {
        char self[64];
        snprintf(self, sizeof self, "/proc/self/fd/%d", (int)q);
        int r = open(self, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (r >= 0) {
            n = pread(r, buf, sizeof buf - 1, 0);
            close(r);
        }
    }
    if (n <= 0)
        return;
    buf[n] = '\0';
    if (sscanf(buf, "QSIZE:%lu NOTIFY:%d SIGNO:%d NOTIFY_PID:%d", &qsize, &how, &signo,
               &pid) != 4 || pid < 0)
        return;
    c->qbytes = (long)qsize;
    c->notify_pid = pid;
    c->notify_how = how;
    c->notify_signo = signo;
}

void notify_text(const struct chan *c, char *buf, size_t len)
{
    char who[64], sig[24];

    if (c->notify_pid <= 0) {
        scopy(buf, len, c->notify_pid == 0 ? "none" : "");
        return;
    }
    int i = proc_index(c->notify_pid);
    if (i >= 0)
        snprintf(who, sizeof who, "%s (pid %ld)", R.procs[i].name, (long)c->notify_pid);
    else
        snprintf(who, sizeof who, "pid %ld (not of this run)", (long)c->notify_pid);
    snprintf(buf, len, "%s, %s", who,
             c->notify_how == SIGEV_THREAD ? "SIGEV_THREAD"
             : c->notify_how == SIGEV_NONE ? "SIGEV_NONE"
             : sig_name(c->notify_signo, sig, sizeof sig));
}

static void sample_mq(struct chan *c)
{
    c->level = c->capacity = c->qbytes = c->msgsize = -1;
    c->notify_pid = -1;
    if (!c->sysv) {
        struct mq_attr a;
        struct stat st;
        mqd_t q = borrow_from_holder(c, 0, c->path);
        /* Held by none of the run's processes (the tutorial's queue that
         * outlives both): mq_getattr needs a descriptor and nothing else
         * tells the count, so the one exception to borrowing: opened
         * read-only, O_NONBLOCK, never received from, never registered,
         * closed at once. It changes nothing a program of the run sees. */
        if (q == (mqd_t)-1)
            q = mq_open(c->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (q == (mqd_t)-1) {
            sample_gone_mq(c);
            return;
        }
        c->gone_level = -1;
        if (fstat(q, &st) == 0) {       /* which queue the name is now */
            c->mq_dev = st.st_dev;
            c->mq_ino = st.st_ino;
        }
        if (mq_getattr(q, &a) == 0) {
            c->level = a.mq_curmsgs;
            c->capacity = a.mq_maxmsg;
            c->msgsize = a.mq_msgsize;
        }
        sample_mq_file(c, q);
        close(q);
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
    case CH_FIFO: chan_holders(c); sample_pipe(c); break;  /* its row names them */
    case CH_PIPE: sample_pipe(c); break;    /* a pipe's holders: on request */
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
            unlink(c->path);                /* theirs too: it is in the run's directory */
        c->used = 0;
    }
}
