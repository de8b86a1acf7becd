/* notify_worker.c - a worker that prints its work and takes signals:
 * SIGUSR1 notifies it, SIGTERM stops it.
 * Exercise 03-signals/01-handler-flag: the task is in README.md.
 *
 * Usage: notify_worker [--lines N]
 *   --lines N   first print N numbered lines (printf, buffered by stdio)
 *
 * It prints "worker PID: line K" for K = 1..N, then waits for signals:
 * each SIGUSR1 prints "worker PID: notified by SIGUSR1 (K so far)";
 * SIGTERM prints "worker PID: stopping on SIGTERM" and ends, status 0.
 * This version prints its notices from the SIGUSR1 handler. Fix the TODOs.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

/* Written by the handlers, read by the main flow: volatile (read again on
 * every test) sig_atomic_t (written in one go). */
static volatile sig_atomic_t stop;
/* TODO 1: a plain long, yet the SIGUSR1 handler writes it and the main
 * flow reads it: the compiler may keep the main flow's copy in a register
 * and never see the handler's change, and a write may take two steps that
 * a signal can come between. What the handler shares with the main flow
 * needs the type stop has. */
static long notified;

static void on_signal(int sig)
{
    if (sig == SIGUSR1) {
        /* TODO 2: printf is not async-signal-safe (signal-safety(7)): this
         * handler may run while the main flow is inside its own printf,
         * half way through writing out stdio's buffer, and both then use
         * that one buffer (run it with --lines 10000 into a pipe nobody
         * reads yet, send SIGUSR1, then read: lines come out twice). Only
         * record here that SIGUSR1 came, the way SIGTERM's stop does, and
         * let the main flow print the notice. */
        notified++;
        printf("worker %ld: notified by SIGUSR1 (%ld so far)\n", (long)getpid(), notified);
        fflush(stdout);
    } else {
        stop = 1;
    }
}

/* Say what the handlers recorded since the last look, from the main flow. */
static void act(long *seen)
{
    /* TODO 3: print here, one line each, the notices that came since the
     * last look ("worker PID: notified by SIGUSR1 (K so far)"); *seen is
     * how many were printed already. */
    (void)seen;
    if (stop) {
        out("worker %ld: stopping on SIGTERM\n", (long)getpid());
        close_stdout();
        exit(0);
    }
}

int main(int argc, char *argv[])
{
    long lines = 0, seen = 0;
    sigset_t both, old;

    set_progname(argv[0]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--lines") == 0)
            lines = parse_long("--lines", option_value(argc, argv, &i), 0, 10000000);
        else
            fail(2, "usage: %s [--lines N]", argv[0]);
    }

    sigemptyset(&both);
    sigaddset(&both, SIGUSR1);
    sigaddset(&both, SIGTERM);
    /* SA_RESTART: a write() a signal interrupts goes on, so printf never
     * fails with EINTR. sa_mask: one handler at a time. */
    struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
    sa.sa_mask = both;
    if (sigaction(SIGUSR1, &sa, NULL) == -1)
        die("sigaction SIGUSR1");
    if (sigaction(SIGTERM, &sa, NULL) == -1)
        die("sigaction SIGTERM");

    /* The work: buffered by stdio, written out 4 KiB at a time. A signal
     * may come in the middle of any printf; we act on it after the line. */
    for (long n = 1; n <= lines; n++) {
        if (printf("worker %ld: line %ld\n", (long)getpid(), n) < 0)
            die("printf");
        act(&seen);
    }
    if (fflush(stdout) == EOF)
        die("fflush");

    /* Then wait for signals. Blocked between the test of the flags and the
     * wait, so none comes in between unseen; sigsuspend unblocks them and
     * sleeps in one step, and returns once a handler has run. */
    if (sigprocmask(SIG_BLOCK, &both, &old) == -1)
        die("sigprocmask SIG_BLOCK");
    for (;;) {
        act(&seen);
        sigsuspend(&old);       /* always -1, EINTR: a handler ran */
    }
}
