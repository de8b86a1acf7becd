/* pmq.c - see pmq.h. */
#include "pmq.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

void pmq_check_name(const char *name)
{
    size_t len = strlen(name);
    const char *rest = name + 1;

    /* glibc refuses a name without its leading '/' (EINVAL); the kernel
     * refuses another '/', "." and ".." (EACCES), an empty name (ENOENT)
     * and more than NAME_MAX bytes after the '/' (ENAMETOOLONG): four
     * errors for one rule, said once, before any call. */
    if (name[0] != '/' || len < 2 || len - 1 > NAME_MAX || strchr(rest, '/') != NULL ||
        strcmp(rest, ".") == 0 || strcmp(rest, "..") == 0)
        fail(2, "'%s': not a queue name: a queue name is '/' then 1 to %d bytes"
             " (NAME_MAX), no other '/', not '.' or '..'", name, NAME_MAX);
}

/* A number from /proc/sys/fs/mqueue/FILE, or -1 if it cannot be read. */
static long mqueue_limit(const char *file)
{
    char path[64];
    long v = -1;

    snprintf(path, sizeof path, "/proc/sys/fs/mqueue/%s", file);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld", &v) != 1)
        v = -1;
    fclose(f);
    return v;
}

const char *pmq_open_refused(int err, int flags, long maxmsg, long msgsize)
{
    static char why[400];
    struct rlimit rl;

    why[0] = '\0';
    if (err == EEXIST)
        return ": a queue has that name already: another program's, or one left behind"
               " (mq_sender --unlink with its name removes one)";
    if (err == ENOENT)
        return ": no queue has that name (--create makes one)";
    if (err == EACCES) {
        snprintf(why, sizeof why, ": the queue's mode does not let uid %ld open it for %s"
                 " (a queue another user made?)", (long)geteuid(),
                 (flags & O_ACCMODE) == O_RDONLY ? "reading" : "writing");
        return why;
    }
    /* EMFILE ("Too many open files") has two causes: no descriptor free,
     * or, making a queue, the bytes this user's queues take, past
     * RLIMIT_MSGQUEUE. */
    if (err == EMFILE) {
        int probe = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);
        if (probe == -1 && errno == EMFILE)
            return ": no descriptor free (RLIMIT_NOFILE, ulimit -n)";
        if (probe != -1)
            close(probe);
        if (maxmsg <= 0) {      /* the default sizes (mq_open with no attr) */
            maxmsg = mqueue_limit("msg_default");
            msgsize = mqueue_limit("msgsize_default");
        }
        if ((flags & O_CREAT) && getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 &&
            rl.rlim_cur != RLIM_INFINITY)
            snprintf(why, sizeof why, ": over RLIMIT_MSGQUEUE (ulimit -q), %ld bytes for all"
                     " of this user's queues: this one takes %ld x %ld bytes and the kernel's"
                     " overhead for each message", (long)rl.rlim_cur, maxmsg, msgsize);
        return why;
    }
    /* Over a /proc limit: EINVAL, unless the process has CAP_SYS_RESOURCE
     * (then only the hard limits of pmq.h hold). */
    long msg_max = mqueue_limit("msg_max"), msgsize_max = mqueue_limit("msgsize_max");
    if (err == EINVAL && (flags & O_CREAT) && msg_max >= 0 && maxmsg > msg_max)
        snprintf(why, sizeof why, ": --maxmsg %ld is over /proc/sys/fs/mqueue/msg_max (%ld)",
                 maxmsg, msg_max);
    else if (err == EINVAL && (flags & O_CREAT) && msgsize_max >= 0 && msgsize > msgsize_max)
        snprintf(why, sizeof why,
                 ": --msgsize %ld is over /proc/sys/fs/mqueue/msgsize_max (%ld)",
                 msgsize, msgsize_max);
    return why;
}

/* The queue a signal removes, set once it is ours, and which queue that
 * is: its device and inode (a queue descriptor is a file descriptor). */
static const char *volatile to_remove;
static dev_t made_dev;
static ino_t made_ino;

/* mq_open, fstat, mq_close and mq_unlink: each one system call in glibc
 * (mq_unlink and mq_open are not on POSIX's async-signal-safe list, but
 * glibc's only check the name first): safe in a signal handler. */
int pmq_unlink_ours(const char *name)
{
    struct stat st;
    mqd_t o = mq_open(name, O_RDONLY | O_NONBLOCK);
    if (o == (mqd_t)-1 && errno == EACCES)      /* a queue we may only write to */
        o = mq_open(name, O_WRONLY | O_NONBLOCK);
    if (o == (mqd_t)-1)
        return errno == ENOENT ? 2 : errno == EACCES ? 1 : -1;
    int r = fstat(o, &st), err = errno;
    mq_close(o);                /* a descriptor of ours for a moment: nothing read */
    if (r == -1) {
        errno = err;
        return -1;
    }
    if (st.st_dev != made_dev || st.st_ino != made_ino)
        return 1;               /* another queue has the name now: not ours */
    if (mq_unlink(name) == -1)
        return errno == ENOENT ? 2 : -1;
    return 0;
}

const char *pmq_unlinked(int r)
{
    return r == 0 ? "removed"
         : r == 1 ? "left in place: another queue has the name now (not the one we made)"
         : "removed already (by another program)";
}

/* What a signal removes: our queue, if the name is still its. */
static void remove_queue(void)
{
    const char *name = to_remove;

    if (name != NULL)
        pmq_unlink_ours(name);
}

void pmq_remove_on_signal(mqd_t q, const char *name)
{
    struct stat st;

    to_remove = NULL;           /* the identity first, then the name */
    if (name != NULL) {
        if (fstat(q, &st) == -1)
            die("fstat %s", name);
        made_dev = st.st_dev;
        made_ino = st.st_ino;
    }
    to_remove = name;
    remove_on_ending_signals(remove_queue);
}

const char *pmq_si_code(int code)
{
    static char num[16];

    switch (code) {
    case SI_MESGQ: return "SI_MESGQ";
    case SI_USER: return "SI_USER";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_TKILL: return "SI_TKILL";
    }
    snprintf(num, sizeof num, "%d", code);
    return num;
}

void pmq_describe(mqd_t q, const char *name, int created, struct mq_attr *a)
{
    struct stat st;

    if (mq_getattr(q, a) == -1)
        die("mq_getattr %s", name);
    if (fstat(q, &st) == -1)
        die("fstat %s", name);
    /* A queue of another user's (one that took the name first?) says so. */
    char owner[64] = "";
    if (st.st_uid != geteuid())
        snprintf(owner, sizeof owner, ", owner uid %ld, not %ld (us)", (long)st.st_uid,
                 (long)geteuid());
    out("%s %s: mode %04o%s, room for %ld %s of up to %ld %s, %ld queued\n",
        created ? "created" : "opened", name, (unsigned)st.st_mode & 07777, owner, a->mq_maxmsg,
        plural(a->mq_maxmsg, "message", "messages"), a->mq_msgsize,
        plural(a->mq_msgsize, "byte", "bytes"), a->mq_curmsgs);
}
