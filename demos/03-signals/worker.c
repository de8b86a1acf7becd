/* worker.c - a worker that does its work (lines on standard input) and
 * takes signals: SIGUSR1 notifies it, SIGINT or SIGTERM stops it.
 *
 * Usage: worker [--handler flag|print|selfpipe|signalfd] [--restart]
 *               [--lines N] [--pdeathsig] [--ready-fd FD]
 *   --handler flag      (default) the handler only sets a volatile
 *                       sig_atomic_t flag; the main loop acts on it
 *   --handler print     the handler calls printf itself (the mistake)
 *   --handler selfpipe  the handler writes a byte to a pipe of our own;
 *                       the main loop poll()s stdin and that pipe
 *   --handler signalfd  no handler: the signals stay blocked and the main
 *                       loop poll()s stdin and a signalfd, and read()s them
 *   --restart           SA_RESTART: a read() the signal interrupts goes on
 *   --lines N           first print N numbered lines (with printf, buffered)
 *   --pdeathsig         SIGTERM us when our parent dies (PR_SET_PDEATHSIG)
 *   --ready-fd FD       close FD once the signals are set up: a parent
 *                       reading the other end sees EOF when we are ready
 *
 * What to watch: without SA_RESTART a signal makes the read() on an empty
 * stdin fail with EINTR, and the loop acts on the flag at once; with
 * --restart the read() goes on and the flag waits for the next line. (One
 * window stays: a signal that comes after the loop looked at the flag and
 * before read() began waits for the next line too: pause_race.c shows it;
 * the self-pipe and signalfd close it.) A printf in a handler runs in the
 * middle of whatever the main flow was doing: with --lines and a full
 * stdout, both write the same stdio buffer, and lines come out twice. The
 * self-pipe and signalfd turn a signal into something poll() waits for.
 * Status 0 at end of input or on a stop (from then on the signals stay
 * blocked: a second Ctrl-C changes nothing); 1 if stdout is full or closed.
 * Mirror: python_peers/03-signals/worker.py. Master: master.c/.py.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "err.h"
#include "signame.h"
#include "trace.h"

/* What a handler may touch: volatile (the compiler must read it again on
 * every test, it changes behind the main flow's back) sig_atomic_t (written
 * in one go). Handlers call only async-signal-safe functions (signal-safety(7)). */
static volatile sig_atomic_t notified, notify_from, stop, stop_from;
static int self_pipe[2] = { -1, -1 };
static sigset_t set;        /* SIGUSR1, SIGINT, SIGTERM: ours */
enum { FLAG, PRINT, SELFPIPE, SIGNALFD };
static int how = FLAG;

static void on_signal(int sig, siginfo_t *info, void *ctx)
{
    int saved = errno;      /* write() below may change it under the main flow */

    (void)ctx;
    if (sig == SIGUSR1) {
        notified++;
        notify_from = info->si_pid;
    } else {
        stop = sig;
        stop_from = info->si_pid;
    }
    if (how == PRINT)       /* wrong: printf is not async-signal-safe */
        printf("worker %ld: notified by %s\n", (long)getpid(), signal_name(sig));
    if (how == SELFPIPE)    /* write() is safe; a full pipe: already woken */
        (void)!write(self_pipe[1], "x", 1);
    errno = saved;
}

/* We are ending (a stop, the end of input): from here on a signal changes
 * nothing, so it stays blocked and pending, and goes with us. A second
 * Ctrl-C or SIGTERM (a terminal's and the master's SIGINT both come) must
 * not make a handler cut our last write short (EINTR); in Python it would
 * kill us, status 130 instead of 0 (worker.py). */
static void stopping(void)
{
    if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
        die("sigprocmask SIG_BLOCK");
}

/* Tell what the handler recorded, from the main flow. */
static void act(long *seen)
{
    if (notified != *seen) {
        *seen = notified;
        trace_signal_note(SIGUSR1, notify_from, "handled SIGUSR1");
        out("worker %ld: notified by SIGUSR1 (%ld so far)\n", (long)getpid(), *seen);
    }
    if (stop) {
        stopping();
        trace_signal_note(stop, stop_from, "stopping");
        out("worker %ld: stopping on %s\n", (long)getpid(), signal_name(stop));
        close_stdout();
        exit(0);
    }
}

/* "worker PID: got: TEXT" for each line read; bytes that are not printable
 * ASCII shown as '.': a peer's bytes are shown, never obeyed. */
static void show_lines(char *buf, ssize_t n)
{
    char *line = buf;

    for (ssize_t k = 0; k < n; k++) {
        if (buf[k] == '\n' || k == n - 1) {
            int len = (int)(buf + k - line) + (buf[k] != '\n');
            for (int j = 0; j < len; j++)
                if (line[j] < ' ' || line[j] > '~')
                    line[j] = '.';
            out("worker %ld: got: %.*s\n", (long)getpid(), len, line);
            line = buf + k + 1;
        }
    }
}

int main(int argc, char *argv[])
{
    char buf[512];
    long lines = 0, seen = 0, ready = -1;
    int restart = 0, pdeathsig = 0, sfd = -1, i;
    const int sigs[] = { SIGUSR1, SIGINT, SIGTERM };

    set_progname(argv[0]);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--handler") == 0) {
            const char *h = option_value(argc, argv, &i);
            how = !strcmp(h, "flag") ? FLAG : !strcmp(h, "print") ? PRINT :
                  !strcmp(h, "selfpipe") ? SELFPIPE : !strcmp(h, "signalfd") ? SIGNALFD : -1;
            if (how == -1)
                fail(2, "--handler: '%s' is none of flag, print, selfpipe, signalfd%s", h,
                     strcmp(h, "wakeupfd") ? "" : " (wakeupfd is Python's: worker.py)");
        } else if (strcmp(argv[i], "--restart") == 0) {
            restart = 1;
        } else if (strcmp(argv[i], "--lines") == 0) {
            lines = parse_long("--lines", option_value(argc, argv, &i), 0, 10000000);
        } else if (strcmp(argv[i], "--pdeathsig") == 0) {
            pdeathsig = 1;
        } else if (strcmp(argv[i], "--ready-fd") == 0) {
            ready = parse_long("--ready-fd", option_value(argc, argv, &i), 3, 1023);
        } else {
            fail(2, "usage: %s [--handler flag|print|selfpipe|signalfd] [--restart]"
                 " [--lines N] [--pdeathsig] [--ready-fd FD]", argv[0]);
        }
    }

    if (pdeathsig) {
        pid_t parent = getppid();
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
            die("prctl PR_SET_PDEATHSIG SIGTERM");
        if (getppid() != parent)    /* it died before prctl: no signal will come */
            fail(1, "parent %ld gone before prctl PR_SET_PDEATHSIG", (long)parent);
    }
    sigemptyset(&set);
    for (i = 0; i < 3; i++)
        sigaddset(&set, sigs[i]);
    if (how == SIGNALFD) {
        /* Blocked, the signals wait as pending until we read them. */
        if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
            die("sigprocmask SIG_BLOCK");
        if ((sfd = signalfd(-1, &set, SFD_CLOEXEC)) == -1)
            die("signalfd");
    } else {
        if (how == SELFPIPE && pipe2(self_pipe, O_CLOEXEC | O_NONBLOCK) == -1)
            die("pipe2 (self-pipe)");
        struct sigaction sa = { .sa_sigaction = on_signal,
                                .sa_flags = SA_SIGINFO | (restart ? SA_RESTART : 0) };
        sa.sa_mask = set;   /* one handler at a time: they share the flags */
        for (i = 0; i < 3; i++)
            if (sigaction(sigs[i], &sa, NULL) == -1)
                die("sigaction %s", signal_name(sigs[i]));
    }
    if (ready != -1 && close((int)ready) == -1)
        die("close --ready-fd %ld", ready);

    /* The tutorial's printing: buffered by stdio, written when 4 KiB are full. */
    for (long n = 1; n <= lines; n++)
        if (printf("worker %ld: line %ld\n", (long)getpid(), n) < 0)
            die("write %s", fd_object(STDOUT_FILENO));  /* printf's write() */
    if (fflush(stdout) == EOF)
        die("write %s", fd_object(STDOUT_FILENO));
    act(&seen);

    for (;;) {
        if (how == SELFPIPE || how == SIGNALFD) {
            struct pollfd p[2] = { { .fd = 0, .events = POLLIN },
                                   { .fd = how == SELFPIPE ? self_pipe[0] : sfd,
                                     .events = POLLIN } };
            trace_before("poll", -1, NULL, 0, NULL, 0);
            int r = poll(p, 2, -1);         /* EINTR: a handler ran; act below */
            trace_after("poll", -1, r, errno, NULL, 0);
            if (r == -1 && errno != EINTR)
                die("poll");
            if (r > 0 && p[1].revents && how == SELFPIPE)
                while (read(self_pipe[0], buf, sizeof buf) > 0)
                    ;                       /* drain: the flags say what came */
            if (r > 0 && p[1].revents && how == SIGNALFD) {
                struct signalfd_siginfo si;
                ssize_t n = read(sfd, &si, sizeof si);
                trace_signal_after("read", sfd, (long)n, errno, n > 0 ? (int)si.ssi_signo : 0,
                                   n > 0 ? (long)si.ssi_pid : -1, TRACE_NO_VALUE);
                if (n != (ssize_t)sizeof si)
                    die("read %s", fd_object(sfd));
                if (si.ssi_signo == SIGUSR1)
                    notified++, notify_from = (sig_atomic_t)si.ssi_pid;
                else
                    stop = (sig_atomic_t)si.ssi_signo, stop_from = (sig_atomic_t)si.ssi_pid;
            }
            act(&seen);
            if (r <= 0 || !p[0].revents)
                continue;
        }
        trace_before("read", 0, NULL, sizeof buf - 1, NULL, 0);
        ssize_t n = read(0, buf, sizeof buf - 1);
        trace_after("read", 0, (long)n, errno, buf, n > 0 ? (size_t)n : 0);
        if (n == -1 && errno == EINTR)
            out("worker %ld: read stdin: %s (EINTR)\n", (long)getpid(), strerror(EINTR));
        else if (n == -1)
            die("read %s", fd_object(0));
        else if (n == 0)
            break;
        else
            show_lines(buf, n);
        act(&seen);
    }
    stopping();
    out("worker %ld: end of input\n", (long)getpid());
    close_stdout();
    return 0;
}
