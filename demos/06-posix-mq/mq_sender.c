/* mq_sender.c - put messages with priorities on a POSIX message queue.
 *
 * Usage: mq_sender [--create] [--maxmsg N] [--msgsize N] [--keep] [--unlink]
 *                  [--nonblock] [--timeout SECONDS] [--hold] [--] /NAME [PRIO:]TEXT...
 *   /NAME          the queue: '/' then 1 to 255 bytes, no other '/'
 *   PRIO:TEXT      one message: the bytes of TEXT, with priority PRIO (0 to
 *                  32767, MQ_PRIO_MAX - 1; the highest is received first).
 *                  A TEXT with no PRIO: before it has priority 0, the lowest
 *                  (a TEXT that starts with digits and ':' needs one: 0:12:30;
 *                  -1:... is refused, not sent as text)
 *   --create       make it, 0600 whatever the umask, failing if it exists
 *                  (O_EXCL), with room for --maxmsg N messages (10) of up to
 *                  --msgsize N bytes (8192). It is ours: removed at the end,
 *                  on an error and on a signal that ends it, unless --keep
 *                  (a receiver that has it open by then still reads it all)
 *   --unlink       remove it the same way, though another program made it
 *                  (with no TEXT: only that, a leftover queue removed by hand)
 *   --nonblock     O_NONBLOCK: a full queue fails at once (EAGAIN)
 *   --timeout S    mq_timedsend: wait S seconds at most for room (ETIMEDOUT)
 *   --hold         once the queue is open, wait for SIGUSR1 before sending
 *
 * Its first line on stdout says what the queue is ("created /NAME: ..." or
 * "opened /NAME: ...", as mq_receiver does); then "sent K: priority P, N
 * bytes" once mq_send has returned for message K. What to watch: on a full
 * queue (mq_maxmsg messages) mq_send sleeps in the kernel (/proc/PID/syscall:
 * mq_timedsend, which glibc's mq_send calls) until a receiver takes one; a
 * message longer than mq_msgsize is refused (EMSGSIZE).
 * Mirror: python_peers/06-posix-mq/mq_sender.py. Receiver: mq_receiver.c.
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
              " [--nonblock] [--timeout SECONDS] [--hold] [--] /NAME [PRIO:]TEXT..."

int main(int argc, char *argv[])
{
    long maxmsg = 0, msgsize = 0, timeout = -1, sent = 0;
    long prio_max = sysconf(_SC_MQ_PRIO_MAX);     /* 32768 on Linux */
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
        else if (strcmp(argv[i], "--nonblock") == 0)
            nonblock = 1;
        else if (strcmp(argv[i], "--timeout") == 0)
            timeout = parse_long("--timeout", option_value(argc, argv, &i), 0, 86400);
        else if (strcmp(argv[i], "--hold") == 0)
            hold = 1;
        else if (strcmp(argv[i], "--") == 0 && ++i)
            break;
        else
            fail(2, USAGE, argv[0]);
    }
    if (argc - i < 2 - unlink_it)       /* --unlink with no message: remove it, that is all */
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
    const char *name = argv[i++];
    pmq_check_name(name);       /* a bad name: refused before any call */
    int ntext = argc - i;
    char **arg = argv + i;
    /* Each message's priority and text, checked before the queue is touched:
     * "2:B" is B with priority 2; "A" (no digits and ':' first) is A with 0. */
    static unsigned *prio;      /* static: still reachable when fail() exits */
    static const char **text;
    prio = calloc((size_t)ntext + 1, sizeof *prio);
    text = calloc((size_t)ntext + 1, sizeof *text);
    if (prio == NULL || text == NULL)
        die("calloc %d messages", ntext);
    for (int t = 0; t < ntext; t++) {
        size_t sign = arg[t][0] == '-';         /* "-1:B": a priority, refused */
        size_t digits = sign + strspn(arg[t] + sign, "0123456789");
        text[t] = arg[t];
        if (digits == sign || arg[t][digits] != ':')
            continue;
        errno = 0;
        long p = strtol(arg[t], NULL, 10);
        if (errno != 0 || p < 0 || p >= prio_max)
            fail(2, "message %d: priority %.*s is not from 0 to %ld (MQ_PRIO_MAX - 1)", t + 1,
                 (int)digits, arg[t], prio_max - 1);
        prio[t] = (unsigned)p;
        text[t] = arg[t] + digits + 1;
    }
    int ours = (create && !keep) || unlink_it;
    const char *call = timeout >= 0 ? "mq_timedsend" : "mq_send";

    if (ours)
        pmq_remove_on_signal(-1, NULL);     /* the handlers first; nothing to remove yet */
    /* --create: O_CREAT | O_EXCL, a new queue or none (mode and sizes
     * count only then); otherwise the queue that has the name. */
    int flags = O_WRONLY | (nonblock ? O_NONBLOCK : 0) | (create ? O_CREAT | O_EXCL : 0);
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
        fprintf(stderr, "%s: waiting for SIGUSR1 before sending (kill -USR1 %ld)\n",
                progname(), (long)getpid());
        hold_until_sigusr1();
    }

    for (int t = 0; t < ntext; t++) {
        size_t len = strlen(text[t]);
        struct timespec when = { 0, 0 };
        int r;
        if (timeout >= 0 && clock_gettime(CLOCK_REALTIME, &when) == -1)
            die("clock_gettime CLOCK_REALTIME");
        when.tv_sec += timeout;         /* a deadline, not a delay: kept on EINTR */
        trace_before(call, q, name, len, text[t], len);     /* for ipclab's timeline */
        do {
            if (timeout >= 0)
                r = mq_timedsend(q, text[t], len, prio[t], &when);
            else
                r = mq_send(q, text[t], len, prio[t]);
        } while (r == -1 && errno == EINTR);
        trace_after(call, q, r == -1 ? -1 : (long)len, errno, NULL, 0);
        if (r == -1 && errno == EAGAIN)
            fail(1, "%s %s: %s: the queue is full (mq_maxmsg %ld; O_NONBLOCK: not waiting),"
                 " after %ld %s", call, name, strerror(errno), a.mq_maxmsg, sent,
                 plural(sent, "message", "messages"));
        if (r == -1 && errno == ETIMEDOUT)
            fail(1, "%s %s: %s: the queue stayed full (mq_maxmsg %ld) for %ld s, after %ld %s",
                 call, name, strerror(errno), a.mq_maxmsg, timeout, sent,
                 plural(sent, "message", "messages"));
        if (r == -1 && errno == EMSGSIZE)
            fail(1, "%s %s: %s: message %d is %zu bytes, over the queue's mq_msgsize (%ld),"
                 " after %ld %s", call, name, strerror(errno), t + 1, len, a.mq_msgsize, sent,
                 plural(sent, "message", "messages"));
        if (r == -1)
            die("%s %s", call, name);
        sent++;
        out("sent %d: priority %u, %zu %s\n", t + 1, prio[t], len,
            plural((long)len, "byte", "bytes"));
    }
    free(prio);
    free(text);
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
    fprintf(stderr, "%s: sent %ld %s; %s %s\n", progname(), sent,
            plural(sent, "message", "messages"), name,
            ours ? pmq_unlinked(gone) : keep ? "kept (--keep)" : "left for others");
    return 0;
}
