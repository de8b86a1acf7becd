/* procfs.c - what the kernel says about one process, read from /proc:
 * stat (state letter after the last ')'), syscall (number and arguments,
 * or "running"), wchan, and the fd link of the call's descriptor argument.
 * A vanished process is reported, never an error (htop does the same). */
#include "ipclab.h"
#include "sockets.h"
#include "unixsocks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Names from <sys/syscall.h>: numbers differ per architecture. */
static const struct { long nr; const char *name; } calls[] = {
#define S(n) { SYS_##n, #n },
    S(read) S(write) S(readv) S(writev) S(pread64) S(pwrite64) S(openat)
    S(close) S(ppoll) S(pselect6) S(epoll_pwait) S(wait4) S(waitid)
    S(nanosleep) S(clock_nanosleep) S(rt_sigtimedwait) S(rt_sigsuspend)
    S(futex) S(accept) S(accept4) S(connect) S(recvfrom) S(sendto)
    S(recvmsg) S(sendmsg) S(mq_timedsend) S(mq_timedreceive) S(msgsnd)
    S(msgrcv) S(semop) S(semtimedop) S(flock) S(fcntl) S(execve)
    S(sched_yield) S(splice)
    /* Not blocking calls, but seen when a sample catches one (in D state:
     * a directory or file being read at start-up). */
    S(getdents64) S(newfstatat) S(statx) S(mmap) S(munmap) S(brk)
    S(unlinkat) S(bind) S(listen) S(socket) S(socketpair) S(shutdown)
    S(pipe2) S(dup3) S(kill) S(exit_group)
#ifdef SYS_pause
    S(pause) S(poll) S(select) S(epoll_wait) S(open)
#endif
#undef S
};

const char *syscall_name(long nr)
{
    static char other[32];

    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        if (calls[i].nr == nr)
            return calls[i].name;
    snprintf(other, sizeof other, "syscall %ld", nr);
    return other;
}

/* Calls whose first argument is a descriptor worth naming. */
static int first_arg_is_fd(const char *call)
{
    static const char *const fdcalls[] = {
        "read", "write", "readv", "writev", "pread64", "pwrite64", "accept",
        "accept4", "connect", "recvfrom", "sendto", "recvmsg", "sendmsg",
        "mq_timedsend", "mq_timedreceive", "flock", "fcntl", "splice", NULL
    };
    for (int i = 0; fdcalls[i]; i++)
        if (strcmp(call, fdcalls[i]) == 0)
            return 1;
    return 0;
}

const char *pstate_name(enum pstate s)
{
    static const char *const names[] = { "running", "busy-polling", "sleeping",
        "disk", "stopped", "zombie", "exited" };
    return names[s];
}

static ssize_t read_small(pid_t pid, const char *file, char *buf, size_t len)
{
    char path[64];
    int fd;
    ssize_t n;

    snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, file);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        return -1;
    n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

/* Asleep in poll() or ppoll(): the sockets among the descriptors it waits
 * on, from its pollfd array, read from its memory at the call's first
 * argument (/proc/PID/mem, the permission of ptrace; a read changes
 * nothing), in the array's order: up to max of them, descriptor in fd[k],
 * socket inode in ino[k] (the first 16 entries of the array are looked
 * at). Returns how many; *nfds how many descriptors it polls in all; -1
 * when the call or its array could not be read. poll(2). */
int procfs_polled_sockets(pid_t pid, int *fd, unsigned long *ino, int max, int *nfds)
{
    char sys[256], path[64], target[64];
    unsigned long addr, n;
    struct { int fd; short events, revents; } pfd[16];
    int f, got = 0;

    if (read_small(pid, "syscall", sys, sizeof sys) <= 0 ||
        sscanf(sys, "%*d %lx %lx", &addr, &n) != 2 || n == 0)
        return -1;
    size_t want = (n < 16 ? n : 16) * sizeof pfd[0];
    snprintf(path, sizeof path, "/proc/%ld/mem", (long)pid);
    if ((f = open(path, O_RDONLY | O_CLOEXEC)) == -1)
        return -1;
    ssize_t r = pread(f, pfd, want, (off_t)addr);
    close(f);
    if (r != (ssize_t)want)
        return -1;
    for (size_t k = 0; k < want / sizeof pfd[0] && got < max; k++) {
        if (pfd[k].fd < 0)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/fd/%d", (long)pid, pfd[k].fd);
        ssize_t len = readlink(path, target, sizeof target - 1);
        if (len <= 8 || strncmp(target, "socket:[", 8) != 0)
            continue;
        target[len] = '\0';
        fd[got] = pfd[k].fd;
        ino[got++] = strtoul(target + 8, NULL, 10);
    }
    *nfds = (int)n;
    return got;
}

/* How many times the process has had a CPU: the third field of
 * /proc/PID/schedstat (see the kernel's Documentation/scheduler/sched-stats);
 * 0 if it cannot be read. */
unsigned long long procfs_runs(pid_t pid)
{
    char buf[128];
    unsigned long long runs = 0;
    if (read_small(pid, "schedstat", buf, sizeof buf) <= 0 ||
        sscanf(buf, "%*s %*s %llu", &runs) != 1)
        return 0;
    return runs;
}

/* The flags of a /proc/PID/stat line (field 9, proc(5)), after its ')':
 * 1 when PF_EXITING (0x4, include/linux/sched.h) is among them. */
static int stat_exiting(const char *paren)
{
    unsigned long flags;
    return sscanf(paren + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) == 1 && (flags & 0x4) != 0;
}

/* Is it on its way out: PF_EXITING in /proc/PID/stat. Its descriptors are
 * closed, or being closed, and it may not be a zombie yet. */
int procfs_exiting(pid_t pid)
{
    char stat[1024];
    if (read_small(pid, "stat", stat, sizeof stat) <= 0)
        return 0;
    char *paren = strrchr(stat, ')');
    return paren != NULL && stat_exiting(paren);
}

/* Asleep in open() or openat(): which path, read from its memory at the
 * call's pathname argument (/proc/PID/mem, the permission of ptrace; a read
 * changes nothing), a relative one from its working directory or dirfd.
 * If that is a FIFO, the process waits for a partner: note the path, the
 * inode and the access mode (O_ACCMODE of the flags argument). */
static void note_fifo_open(struct proc *p, const char *call, const char *sys)
{
    unsigned long a[3];
    char path[sizeof p->fifo_path], base[64], full[sizeof p->fifo_path + 128];
    struct stat st;
    int at = strcmp(call, "openat") == 0;

    if (sscanf(sys, "%*d %lx %lx %lx", &a[0], &a[1], &a[2]) != 3)
        return;
    unsigned long addr = a[at], flags = a[at + 1];
    int dirfd = at ? (int)(long)a[0] : AT_FDCWD;
    snprintf(base, sizeof base, "/proc/%ld/mem", (long)p->pid);
    int fd = open(base, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        return;
    ssize_t n = pread(fd, path, sizeof path - 1, (off_t)addr);
    close(fd);
    if (n <= 0 || memchr(path, '\0', (size_t)n) == NULL)
        return;                             /* unreadable, or too long to show */
    if (path[0] == '/')
        snprintf(full, sizeof full, "%s", path);
    else if (dirfd == AT_FDCWD)
        snprintf(full, sizeof full, "/proc/%ld/cwd/%s", (long)p->pid, path);
    else
        snprintf(full, sizeof full, "/proc/%ld/fd/%d/%s", (long)p->pid, dirfd, path);
    if (stat(full, &st) == -1 || !S_ISFIFO(st.st_mode))     /* stat never opens */
        return;
    if (path[0] != '/') {                   /* shown whole: where it is */
        snprintf(base, sizeof base, dirfd == AT_FDCWD ? "/proc/%ld/cwd" : "/proc/%ld/fd/%d",
                 (long)p->pid, dirfd);
        char dir[sizeof p->fifo_path];
        ssize_t d = readlink(base, dir, sizeof dir - 1);
        if (d > 0 && (size_t)d + strlen(path) + 2 <= sizeof p->fifo_path) {
            dir[d] = '\0';
            snprintf(full, sizeof full, "%s/%s", dir, path);
        } else {
            snprintf(full, sizeof full, "%s", path);
        }
    }
    scopy(p->fifo_path, sizeof p->fifo_path, full);
    p->fifo_ino = st.st_ino;
    p->fifo_acc = (int)(flags & O_ACCMODE);
}

/* CPU time it has used, user plus system, in seconds: fields 14 and 15 of
 * /proc/PID/stat in clock ticks (proc(5)); -1 when it is gone. */
double procfs_cpu(pid_t pid)
{
    char stat[1024];
    unsigned long ut, st;
    if (read_small(pid, "stat", stat, sizeof stat) <= 0)
        return -1;
    char *paren = strrchr(stat, ')');
    if (paren == NULL || sscanf(paren + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                                &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Is it in open() or openat() now (/proc/PID/syscall's number)? What the
 * last sample saw may be stale: an open that has since returned. */
int procfs_in_open(pid_t pid)
{
    char sys[64];
    long nr;
    if (read_small(pid, "syscall", sys, sizeof sys) <= 0 || sscanf(sys, "%ld", &nr) != 1)
        return 0;
#ifdef SYS_open
    if (nr == SYS_open)
        return 1;
#endif
    return nr == SYS_openat;
}

/* Returns 0 when sampled, -1 when the process is gone. */
int procfs_sample(struct proc *p, double t)
{
    char stat[1024], sys[256], link[64];
    enum pstate st;
    char call[32] = "";
    int fd = -1;

    if (read_small(p->pid, "stat", stat, sizeof stat) <= 0)
        return -1;
    char *paren = strrchr(stat, ')');          /* the name may hold ')' */
    char *open = strchr(stat, '(');
    if (paren == NULL || paren[1] == '\0' || open == NULL || open > paren)
        return -1;
    /* Read first, then checked: a pid reused after the process was reaped
     * elsewhere is another process, whose /proc we must not describe. */
    if (!proc_alive(p))
        return -1;
    /* On its way out and not a zombie yet: what it shows now is exit's
     * own work, and its descriptors may be closed already, so its reader
     * may have read end of file. A state seen now would be told after
     * that read() = 0, and its exit after the state: nothing new is taken
     * from it (its exit is told when it is reaped or gone). Otherwise its
     * descriptors were open when this was read, after t: what is told of
     * this sample is keyed t (seen_t), before anything its exit causes. */
    p->exiting = paren[2] != 'Z' && paren[2] != 'X' && stat_exiting(paren);
    if (p->exiting)
        return 0;
    p->seen_t = t;
    char comm[sizeof p->comm];
    snprintf(comm, sizeof comm, "%.*s", (int)(paren - open - 1), open + 1);
    char unnamed[32];                       /* adopted mid-exec: no command line then */
    snprintf(unnamed, sizeof unnamed, "pid %ld", (long)p->pid);
    if ((p->comm[0] && strcmp(comm, p->comm) != 0) || strcmp(p->name, unnamed) == 0)
        proc_execed(p);                        /* it ran exec: a new program */
    scopy(p->comm, sizeof p->comm, comm);
    switch (paren[2]) {
    case 'R': st = PS_RUNNING; break;
    case 'S': case 'I': st = PS_SLEEPING; break;
    case 'D': st = PS_DISK; break;
    case 'T': case 't': st = PS_STOPPED; break;
    case 'Z': case 'X': st = PS_ZOMBIE; break;
    default: st = PS_RUNNING;
    }
    p->fifo_path[0] = '\0';
    p->fifo_ino = 0;
    if (st == PS_SLEEPING || st == PS_DISK || st == PS_STOPPED) {
        long nr;
        unsigned long arg0;
        if (read_small(p->pid, "syscall", sys, sizeof sys) > 0 &&
            sscanf(sys, "%ld %lx", &nr, &arg0) == 2 && nr >= 0) {
            snprintf(call, sizeof call, "%s", syscall_name(nr));
            if (first_arg_is_fd(call))
                fd = (int)arg0;
            if (st == PS_SLEEPING && (!strcmp(call, "openat") || !strcmp(call, "open")))
                note_fifo_open(p, call, sys);
        }
        if (read_small(p->pid, "wchan", p->wchan, sizeof p->wchan) < 0)
            p->wchan[0] = '\0';
    } else {
        p->wchan[0] = '\0';
    }
    /* Running inside a traced receive that never sleeps (MPI_Recv spins):
     * the kernel says R at every sample for 0.3 s, the trace says which
     * call. (A write that slept, then runs a moment to copy, is not.) */
    if (st != PS_RUNNING)
        p->running_t = 0;
    else if (p->running_t == 0)
        p->running_t = t;
    double since = p->open_t > p->running_t ? p->open_t : p->running_t;
    if (st == PS_RUNNING && p->open_call[0] != '\0' && p->running_t > 0 && t - since > 0.3) {
        st = PS_BUSY;
        snprintf(call, sizeof call, "%s", p->open_call);
    }
    if (st != p->state || strcmp(call, p->call) != 0) {
        p->since = t;
        p->pending = 0;
    } else if (fd != p->call_fd) {
        p->since = t;
    }
    /* Let go in step mode, it may fall asleep again in the same call on
     * the same descriptor (read() held on the step fd, then read() on fd
     * 0) with no sample between to see it run: the count of times it got
     * a CPU tells that it did. */
    if ((st == PS_SLEEPING || st == PS_DISK) && p->go_t > 0 && p->slept_t < p->go_t &&
        procfs_runs(p->pid) != p->go_runs)
        p->slept_t = t;
    p->state = st;
    scopy(p->call, sizeof p->call, call);
    p->call_fd = fd;
    p->object[0] = '\0';
    if (fd >= 0) {
        snprintf(link, sizeof link, "/proc/%ld/fd/%d", (long)p->pid, fd);
        ssize_t n = readlink(link, p->object, sizeof p->object - 1);
        p->object[n > 0 ? n : 0] = '\0';
    }
    return 0;
}

/* Its signals (sigmask.c): /proc/PID/status, and, when it has more than
 * one thread, each other thread's own pending signals from
 * /proc/PID/task/TID/status (the file of each thread, the same format).
 * 0 when read; -1 when it is gone or a file is not what the kernel
 * writes: then *s is left as it was. */
int procfs_signals(pid_t pid, struct sigstate *s)
{
    char buf[8192], path[64];
    struct sigstate got = *s, task;
    ssize_t n = read_small(pid, "status", buf, sizeof buf);

    if (n <= 0 || sig_parse_status(buf, (size_t)n, &got) == -1)
        return -1;
    if (got.threads > 1) {
        DIR *d;
        struct dirent *e;
        snprintf(path, sizeof path, "/proc/%ld/task", (long)pid);
        if ((d = opendir(path)) != NULL) {
            while ((e = readdir(d)) != NULL && got.nthread < SIG_THREADS) {
                char *end;
                long tid = strtol(e->d_name, &end, 10);
                if (*end || end == e->d_name || tid == (long)pid)
                    continue;
                snprintf(path, sizeof path, "task/%ld/status", tid);
                task = got;
                n = read_small(pid, path, buf, sizeof buf);
                if (n <= 0 || sig_parse_status(buf, (size_t)n, &task) == -1 || task.pending == 0)
                    continue;                   /* gone meanwhile, or nothing of its own */
                got.thread[got.nthread].tid = (pid_t)tid;
                got.thread[got.nthread++].pending = task.pending;
            }
            closedir(d);
        }
        /* In the order of their ids, as ps lists them. */
        for (int a = 1; a < got.nthread; a++)
            for (int b = a; b > 0 && got.thread[b].tid < got.thread[b - 1].tid; b--) {
                struct sigthread t = got.thread[b];
                got.thread[b] = got.thread[b - 1], got.thread[b - 1] = t;
            }
    }
    *s = got;
    return 0;
}

/* The children of pid, from /proc/PID/task/TID/children of each thread. */
int procfs_children(pid_t pid, pid_t *out, int max)
{
    char path[64], buf[1024];
    int n = 0;
    DIR *d;
    struct dirent *e;

    snprintf(path, sizeof path, "/proc/%ld/task", (long)pid);
    if ((d = opendir(path)) == NULL)
        return 0;
    while ((e = readdir(d)) != NULL && n < max) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "task/%.16s/children", e->d_name);
        if (read_small(pid, path, buf, sizeof buf) <= 0)
            continue;
        for (char *s = buf, *end; n < max; s = end) {
            long c = strtol(s, &end, 10);
            if (end == s)
                break;
            out[n++] = (pid_t)c;
        }
    }
    closedir(d);
    return n;
}

/* Held in step mode: its trace says it waits before a call, and the
 * kernel agrees: asleep in read() on its step descriptor. */
int proc_held(const struct proc *p)
{
    return !p->exited && p->step_waiting && p->step_fd >= 0 && p->step_event >= 0 &&
           p->state == PS_SLEEPING && strcmp(p->call, "read") == 0 && p->call_fd == STEP_FD;
}

/* What an open asks of a FIFO, as said on screen: a reader's open waits
 * for a writer, a writer's for a reader; O_RDWR never waits (fifo(7)). */
const char *fifo_access(int acc)
{
    return acc == O_RDONLY ? "to read: needs a writer" :
           acc == O_WRONLY ? "to write: needs a reader" : "to read and write";
}

/* Is its call's object the stdin pipe ipclab feeds it (stdin = "pipe",
 * proc:write)? Then it is ipclab's pipe, not the lesson's. */
int on_own_input(const struct proc *p)
{
    char ours[40];
    snprintf(ours, sizeof ours, "pipe:[%lu]", p->in_ino);
    return p->in_ino && strcmp(p->object, ours) == 0;
}

/* "sleeping in write(fd 1 -> pipe:[81234])", "exited: signal SIGPIPE",
 * "sleeping in openat: waiting for a partner on FIFO /run/a-to-b (to read:
 * needs a writer)". */
void describe_proc(const struct proc *p, char *buf, size_t len)
{
    if (p->exited)
        snprintf(buf, len, "exited: %s", p->status);
    else if (p->fifo_path[0])
        snprintf(buf, len, "%s in %s: waiting for a partner on FIFO %s (%s)",
                 pstate_name(p->state), p->call, p->fifo_path, fifo_access(p->fifo_acc));
    else if (describe_socket_call(p, buf, len))
        ;                                   /* a TCP socket, named (sockets.c) */
    else if (describe_unix_call(p, buf, len))
        ;                                   /* a Unix socket, named (unixsocks.c) */
    else if (p->call[0] && p->object[0])
        snprintf(buf, len, "%s in %s(fd %d -> %s%s)", pstate_name(p->state), p->call,
                 p->call_fd, p->object, on_own_input(p) ? ", its input from ipclab" : "");
    else if (p->call[0])
        snprintf(buf, len, "%s in %s", pstate_name(p->state), p->call);
    else
        snprintf(buf, len, "%s", pstate_name(p->state));
}
