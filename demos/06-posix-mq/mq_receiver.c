/* mq_receiver.c - take messages from a POSIX message queue: the highest
 * priority first, first in first out within one priority.
 *
 * Usage: mq_receiver [--create] [--maxmsg N] [--msgsize N] [--keep] [--unlink]
 *                    [-n COUNT] [--nonblock] [--timeout SECONDS] [--buf-size N]
 *                    [--hold] [--] /NAME
 *   /NAME          the queue: '/' then 1 to 255 bytes, no other '/'
 *   --create       make it, 0600 whatever the umask, failing if it exists
 *                  (O_EXCL), with room for --maxmsg N messages (10) of up to
 *                  --msgsize N bytes (8192). It is ours: removed at the end,
 *                  on an error and on a signal that ends it, unless --keep
 *   --unlink       remove it the same way, though another program made it
 *   -n COUNT       end after COUNT messages; 0, the default: until a signal
 *   --nonblock     O_NONBLOCK: an empty queue fails at once (EAGAIN)
 *   --timeout S    mq_timedreceive: wait S seconds at most (ETIMEDOUT)
 *   --buf-size N   receive into N bytes; by default the queue's mq_msgsize,
 *                  from mq_getattr: a smaller buffer fails (EMSGSIZE)
 *   --hold         once the queue is open, wait for SIGUSR1 before receiving
 *
 * Its first line on stdout, "created /NAME: mode 0600, room for 10 messages
 * of up to 8192 bytes, 0 queued" ("opened" for a queue that was there), is
 * the readiness line a sender waits for, never a sleep. Then, for each
 * message, "message K: priority P, N bytes: TEXT", its bytes that are not
 * printable ASCII as '.' (shown, never obeyed). What to watch: messages
 * queued before it reads come out by priority, not in the order sent; on an
 * empty queue it sleeps in the kernel (/proc/PID/syscall: mq_timedreceive,
 * which glibc's mq_receive calls). Mirror:
 * python_peers/06-posix-mq/mq_receiver.py. Sender: mq_sender.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "hold.h"
#include "pmq.h"
#include "trace.h"

#define USAGE "usage: %s [--create] [--maxmsg N] [--msgsize N] [--keep] [--unlink]" \
              " [-n COUNT] [--nonblock] [--timeout SECONDS] [--buf-size N] [--hold] [--] /NAME"

int main(int argc, char *argv[])
{
    long maxmsg = 0, msgsize = 0, count = 0, timeout = -1, bufsize = 0, got = 0;
    int create = 0, keep = 0, unlink_it = 0, nonblock = 0, hold = 0, i;

    set_progname(argv[0]);
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--create") == 0)
            create = 1;
        else if (strcmp(argv[i], "--maxmsg") == 0)
            maxmsg = parse_long("--maxmsg", option_value(argc, argv, &i), 1, PMQ_HARD_MSGMAX);
        else if (strcmp(argv[i], "--msgsize") == 0)
            msgsize = parse_long("--msgsize", option_value(argc, argv, &i), 1,
                                 PMQ_HARD_MSGSIZEMAX);
        else if (strcmp(argv[i], "--keep") == 0)
            keep = 1;
        else if (strcmp(argv[i], "--unlink") == 0)
            unlink_it = 1;
        else if (strcmp(argv[i], "-n") == 0)
            count = parse_long("-n", option_value(argc, argv, &i), 0, 1000000);
        else if (strcmp(argv[i], "--nonblock") == 0)
            nonblock = 1;
        else if (strcmp(argv[i], "--timeout") == 0)
            timeout = parse_long("--timeout", option_value(argc, argv, &i), 0, 86400);
        else if (strcmp(argv[i], "--buf-size") == 0)
            bufsize = parse_long("--buf-size", option_value(argc, argv, &i), 1,
                                 PMQ_HARD_MSGSIZEMAX);
        else if (strcmp(argv[i], "--hold") == 0)
            hold = 1;
        else if (strcmp(argv[i], "--") == 0 && ++i)
            break;
        else
            fail(2, USAGE, argv[0]);
    }
    if (argc - i != 1)
        fail(2, USAGE, argv[0]);
    if (keep && (!create || unlink_it))
        fail(2, "--keep keeps a queue we create: it needs --create, and no --unlink");
    if ((maxmsg || msgsize) && !create)     /* mq_open would ignore them without a word */
        fail(2, "--maxmsg and --msgsize size a queue we create: they need --create"
             " (a queue opened keeps its own sizes)");
    maxmsg = maxmsg ? maxmsg : 10;
    msgsize = msgsize ? msgsize : 8192;
    if (nonblock && timeout >= 0)
        fail(2, "--nonblock or --timeout, not both");
    const char *name = argv[i];
    pmq_check_name(name);       /* a bad name: refused before any call */
    int ours = (create && !keep) || unlink_it;
    const char *call = timeout >= 0 ? "mq_timedreceive" : "mq_receive";

    if (ours)
        pmq_remove_on_signal(-1, NULL);     /* the handlers first; nothing to remove yet */
    /* --create: O_CREAT | O_EXCL, a new queue or none (mode and sizes
     * count only then); otherwise the queue that has the name. */
    int flags = O_RDONLY | (nonblock ? O_NONBLOCK : 0) | (create ? O_CREAT | O_EXCL : 0);
    struct mq_attr want = { .mq_maxmsg = maxmsg, .mq_msgsize = msgsize };
    mode_t old = umask(0177);   /* a queue we make is 0600, whatever our umask */
    mqd_t q = mq_open(name, flags, 0600, &want);
    int err = errno;
    umask(old);
    if (q == (mqd_t)-1)
        fail(1, "mq_open %s: %s%s", name, strerror(err),
             pmq_open_refused(err, flags, maxmsg, msgsize));
    if (ours) {                 /* removed on every way out from here, while it is ours */
        pmq_remove_on_signal(q, name);
        undo_push(pmq_unlink_ours, name);
    }
    struct mq_attr a;         /* what the queue is, as the kernel says (mq_getattr) */
    pmq_describe(q, name, create, &a);
    if (hold) {
        fprintf(stderr, "%s: waiting for SIGUSR1 before receiving (kill -USR1 %ld)\n",
                progname(), (long)getpid());
        hold_until_sigusr1();
    }

    /* The buffer must hold the longest message the queue takes: mq_msgsize,
     * not the longest we expect. A smaller one fails every receive, even
     * of a message that would fit, and the message stays queued. */
    long size = bufsize ? bufsize : a.mq_msgsize;
    static char *buf;           /* static: still reachable when fail() exits */
    buf = malloc((size_t)size);
    if (buf == NULL)
        die("malloc %ld bytes", size);
    while (count == 0 || got < count) {
        struct timespec when = { 0, 0 };
        unsigned prio;
        ssize_t n;
        if (timeout >= 0 && clock_gettime(CLOCK_REALTIME, &when) == -1)
            die("clock_gettime CLOCK_REALTIME");
        when.tv_sec += timeout;         /* a deadline, not a delay: kept on EINTR */
        trace_before(call, q, name, (size_t)size, NULL, 0);     /* for ipclab's timeline */
        do {
            if (timeout >= 0)
                n = mq_timedreceive(q, buf, (size_t)size, &prio, &when);
            else
                n = mq_receive(q, buf, (size_t)size, &prio);
        } while (n == -1 && errno == EINTR);
        trace_after(call, q, (long)n, errno, buf, n > 0 ? (size_t)n : 0);
        if (n == -1 && errno == EAGAIN)
            fail(1, "%s %s: %s: the queue is empty (O_NONBLOCK: not waiting), after %ld %s",
                 call, name, strerror(errno), got, plural(got, "message", "messages"));
        if (n == -1 && errno == ETIMEDOUT)
            fail(1, "%s %s: %s: the queue stayed empty for %ld s, after %ld %s", call, name,
                 strerror(errno), timeout, got, plural(got, "message", "messages"));
        if (n == -1 && errno == EMSGSIZE)
            fail(1, "%s %s: %s: a buffer of %ld bytes is smaller than the queue's mq_msgsize"
                 " (%ld): size it from mq_getattr (the message stays queued)", call, name,
                 strerror(errno), size, a.mq_msgsize);
        if (n == -1)
            die("%s %s", call, name);
        got++;
        for (ssize_t b = 0; b < n; b++)
            buf[b] = buf[b] >= ' ' && buf[b] <= '~' ? buf[b] : '.';
        out("message %ld: priority %u, %zd %s: %.*s\n", got, prio, n,
            plural(n, "byte", "bytes"), (int)n, buf);
    }
    free(buf);
    int gone = 0;
    if (ours) {                 /* mq_unlink, if the name is still our queue's */
        pmq_remove_on_signal(-1, NULL);
        if ((gone = pmq_unlink_ours(name)) == -1)
            die("mq_unlink %s", name);
        undo_clear();
    }
    if (mq_close(q) == -1)
        die("mq_close %s", name);
    close_stdout();
    fprintf(stderr, "%s: received %ld %s; %s %s\n", progname(), got,
            plural(got, "message", "messages"), name,
            ours ? pmq_unlinked(gone) : keep ? "kept (--keep)" : "left for others");
    return 0;
}
