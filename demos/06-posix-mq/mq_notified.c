/* mq_notified.c - take messages from a POSIX message queue when the kernel
 * says one came (mq_notify), instead of asleep in mq_receive.
 *
 * Usage: mq_notified [--create] [--thread] [--forget] [-n COUNT] [--hold] [--] /NAME
 *   /NAME          the queue: '/' then 1 to 255 bytes, no other '/'
 *   --create       make it, 0600, failing if it exists (O_EXCL), with the
 *                  kernel's default sizes; removed at the end, on an error
 *                  and on a signal that ends it (INT, TERM, HUP, USR1...)
 *   --thread       SIGEV_THREAD: glibc calls a function of ours in a new
 *                  thread; by default SIGEV_SIGNAL: the kernel sends SIGUSR2
 *   --forget       the classic bug: never register again after a notification
 *   -n COUNT       end after COUNT messages; 0, the default: until a signal
 *   --hold         once registered, wait for SIGUSR1 before taking anything
 *
 * Its first line says what the queue is (as mq_receiver's); its second,
 * "registered: mq_notify ...", is its readiness line. A registration fires
 * once, when a message comes to an EMPTY queue that no mq_receive waits on,
 * and is gone. So, at each "notified K: ...", it registers again FIRST, then
 * takes every message (O_NONBLOCK, until EAGAIN): one that comes between
 * the two is taken by this drain or notified anew, never missed. What to
 * watch: with --forget, a message sent after the first drain stays queued,
 * and the program waits for ever (rt_sigtimedwait). One process at a time
 * may be registered (EBUSY); the queue's file in the mqueue file system
 * names it (NOTIFY_PID). Mirror (no --thread):
 * python_peers/06-posix-mq/mq_notified.py. Sender: mq_sender.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "hold.h"
#include "pmq.h"
#include "trace.h"

#define USAGE "usage: %s [--create] [--thread] [--forget] [-n COUNT] [--hold] [--] /NAME"

/* SIGEV_THREAD: glibc runs this in a thread it starts for the notification;
 * it hands over to the main thread, which does the work in order. */
static void on_notify(union sigval v)
{
    sem_post(v.sival_ptr);      /* async-signal-safe, and cannot fail here */
}

static void register_for(mqd_t q, const char *name, const struct sigevent *ev)
{
    if (mq_notify(q, ev) == 0)
        return;
    if (errno == EBUSY)
        fail(1, "mq_notify %s: %s: another process is registered for this queue"
             " (one at a time)", name, strerror(errno));
    die("mq_notify %s", name);
}

int main(int argc, char *argv[])
{
    long count = 0, got = 0, notes = 0;
    int create = 0, thread = 0, forget = 0, hold = 0, i;

    set_progname(argv[0]);
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--create") == 0)
            create = 1;
        else if (strcmp(argv[i], "--thread") == 0)
            thread = 1;
        else if (strcmp(argv[i], "--forget") == 0)
            forget = 1;
        else if (strcmp(argv[i], "-n") == 0)
            count = parse_long("-n", option_value(argc, argv, &i), 0, 1000000);
        else if (strcmp(argv[i], "--hold") == 0)
            hold = 1;
        else if (strcmp(argv[i], "--") == 0 && ++i)
            break;
        else
            fail(2, USAGE, argv[0]);
    }
    if (argc - i != 1)
        fail(2, USAGE, argv[0]);
    const char *name = argv[i];
    pmq_check_name(name);       /* a bad name: refused before any call */
    if (create)
        pmq_remove_on_signal(-1, NULL);     /* the handlers first; nothing to remove yet */
    /* O_NONBLOCK: a drain ends at EAGAIN; we never sleep in mq_receive (the
     * kernel would hand it each message, and notify nobody). */
    int flags = O_RDONLY | O_NONBLOCK | (create ? O_CREAT | O_EXCL : 0);
    mode_t old = umask(0177);   /* a queue we make is 0600, whatever our umask */
    mqd_t q = mq_open(name, flags, 0600, NULL);     /* NULL: the default sizes */
    int err = errno;
    umask(old);
    if (q == (mqd_t)-1)
        fail(1, "mq_open %s: %s%s", name, strerror(err), pmq_open_refused(err, flags, 0, 0));
    if (create) {               /* removed on every way out from here, while it is ours */
        pmq_remove_on_signal(q, name);
        undo_push(pmq_unlink_ours, name);
    }
    struct mq_attr a;         /* what the queue is, as the kernel says (mq_getattr) */
    pmq_describe(q, name, create, &a);

    static sem_t notified;      /* --thread: posted by on_notify, waited for by main */
    struct sigevent ev = { 0 };
    sigset_t usr2;
    const char *how = thread ? "SIGEV_THREAD" : "SIGEV_SIGNAL SIGUSR2";
    if (sigemptyset(&usr2) == -1 || sigaddset(&usr2, SIGUSR2) == -1)
        die("sigaddset SIGUSR2");
    if (thread) {
        if (sem_init(&notified, 0, 0) == -1)
            die("sem_init");
        ev.sigev_notify = SIGEV_THREAD;
        ev.sigev_notify_function = on_notify;
        ev.sigev_value.sival_ptr = &notified;   /* what on_notify gets */
    } else {
        /* Blocked before we register: a notification that comes before we
         * wait stays pending, instead of killing us (SIGUSR2's default). */
        if (sigprocmask(SIG_BLOCK, &usr2, NULL) == -1)
            die("sigprocmask SIG_BLOCK SIGUSR2");
        ev.sigev_notify = SIGEV_SIGNAL;
        ev.sigev_signo = SIGUSR2;
    }
    register_for(q, name, &ev);
    out("registered: mq_notify %s\n", how);
    if (hold) {
        fprintf(stderr, "%s: waiting for SIGUSR1 before receiving (kill -USR1 %ld)\n",
                progname(), (long)getpid());
        hold_until_sigusr1();
    }

    static char *buf;           /* static: still reachable when fail() exits */
    buf = malloc((size_t)a.mq_msgsize);
    if (buf == NULL)
        die("malloc %ld bytes", a.mq_msgsize);
    /* Registered, then drained: messages queued before we registered never
     * fire a notification (the queue was not empty), so take them now. */
    for (;;) {
        unsigned prio;
        while (count == 0 || got < count) {
            trace_before("mq_receive", q, name, (size_t)a.mq_msgsize, NULL, 0);     /* ipclab */
            ssize_t n = mq_receive(q, buf, (size_t)a.mq_msgsize, &prio);
            trace_after("mq_receive", q, (long)n, errno, buf, n > 0 ? (size_t)n : 0);
            if (n == -1)
                break;          /* EAGAIN: drained; anything else: said below */
            got++;
            for (ssize_t b = 0; b < n; b++)
                buf[b] = buf[b] >= ' ' && buf[b] <= '~' ? buf[b] : '.';
            out("message %ld: priority %u, %zd %s: %.*s\n", got, prio, n,
                plural(n, "byte", "bytes"), (int)n, buf);
        }
        if (count != 0 && got >= count)
            break;
        if (errno != EAGAIN)
            die("mq_receive %s", name);
        out("empty (EAGAIN): waiting for notification %ld\n", notes + 1);
        if (thread) {
            while (sem_wait(&notified) == -1)
                if (errno != EINTR)
                    die("sem_wait");
            out("notified %ld: SIGEV_THREAD, in a thread glibc started\n", notes + 1);
        } else {
            siginfo_t si;
            int lost = 0;
            for (;;) {
                trace_before("sigwaitinfo", -1, NULL, 0, NULL, 0);
                int sig = sigwaitinfo(&usr2, &si);
                trace_signal_after("sigwaitinfo", -1, sig, errno, sig > 0 ? sig : 0,
                                   sig > 0 ? (long)si.si_pid : -1, TRACE_NO_VALUE);
                if (sig == -1) {
                    if (errno == EINTR)
                        continue;
                    die("sigwaitinfo SIGUSR2");
                }
                if (si.si_code == SI_MESGQ)
                    break;
                /* Anyone may kill -USR2 us: only SI_MESGQ comes from the queue. */
                fprintf(stderr, "%s: SIGUSR2 from pid %ld (si_code %s) is not a notification:"
                        " ignored\n", progname(), (long)si.si_pid, pmq_si_code(si.si_code));
                /* But a standard signal is pending at most once: the queue's
                 * SIGUSR2, sent while that one was pending, merged into it.
                 * Registering again tells: EBUSY, we still are. */
                if (!forget && (lost = mq_notify(q, &ev) == 0))
                    break;
                if (!forget && errno != EBUSY)
                    die("mq_notify %s", name);
            }
            if (lost) {         /* registered again already: drain */
                out("notified %ld: merged into the stray SIGUSR2 (a standard signal is pending"
                    " at most once): registered again: mq_notify %s\n", ++notes, how);
                continue;
            }
            out("notified %ld: SIGUSR2, si_code %s, sent by pid %ld\n", notes + 1,
                pmq_si_code(si.si_code), (long)si.si_pid);
        }
        notes++;
        if (forget) {
            out("not registered again (--forget)\n");
            continue;
        }
        /* Again BEFORE draining: the registration is gone since it fired. */
        register_for(q, name, &ev);
        out("registered again: mq_notify %s\n", how);
    }
    free(buf);
    /* mq_close would end the registration too; said here, it is seen. */
    if (mq_notify(q, NULL) == -1)
        die("mq_notify %s NULL", name);
    int gone = 0;
    if (create) {               /* mq_unlink, if the name is still our queue's */
        pmq_remove_on_signal(-1, NULL);
        if ((gone = pmq_unlink_ours(name)) == -1)
            die("mq_unlink %s", name);
        undo_clear();
    }
    if (mq_close(q) == -1)
        die("mq_close %s", name);
    close_stdout();
    fprintf(stderr, "%s: %ld %s, received %ld %s; %s %s\n", progname(), notes,
            plural(notes, "notification", "notifications"), got,
            plural(got, "message", "messages"), name,
            create ? pmq_unlinked(gone) : "left for others");
    return 0;
}
