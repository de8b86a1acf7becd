/* count.c - block signals, let them pile up, then take and count them.
 *
 * Usage: count [--signal NAME]...
 *   --signal NAME  a signal to block and count (default: SIGUSR1 and
 *                  SIGRTMIN); up to 8
 *
 * It blocks the signals, says so on stderr, and reads its standard input
 * until end of file (Ctrl-D): meanwhile send it signals (flood.c). Then it
 * takes every pending one with sigtimedwait (timeout 0: it never waits)
 * and prints how many of each arrived, and for values sent with sigqueue
 * whether they came 1, 2, 3, ... in order.
 *
 * What to watch: while it reads, /proc/PID/status shows the signals in
 * SigBlk and, once sent, in ShdPnd; SigQ counts what is queued for our
 * user against RLIMIT_SIGPENDING. 1000 SIGUSR1 arrive as one (a pending
 * standard signal is not queued twice); 1000 SIGRTMIN arrive 1000 times,
 * each with its value, in the order sent.
 * Mirror: python_peers/03-signals/count.py. Sender: flood.c/.py.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "signame.h"
#include "trace.h"

#define SIGS_MAX 8

int main(int argc, char *argv[])
{
    int sigs[SIGS_MAX], nsigs = 0, i;
    long got[SIGS_MAX] = { 0 }, next[SIGS_MAX], bad_at[SIGS_MAX] = { 0 }, bad_value[SIGS_MAX];
    char buf[512], names[SIGS_MAX * 16] = "";
    sigset_t set;

    set_progname(argv[0]);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--signal") == 0 && nsigs < SIGS_MAX) {
            const char *name = option_value(argc, argv, &i);
            if ((sigs[nsigs++] = signal_number(name)) == 0)
                fail(2, "--signal: '%s' is no signal name (SIGUSR1, SIGRTMIN, SIGRTMIN+3, ...)",
                     name);
            if (sigs[nsigs - 1] == SIGKILL || sigs[nsigs - 1] == SIGSTOP)
                fail(2, "--signal: %s cannot be blocked", name);
        } else {
            fail(2, "usage: %s [--signal NAME]... (at most %d)", argv[0], SIGS_MAX);
        }
    }
    if (nsigs == 0) {
        sigs[nsigs++] = SIGUSR1;
        sigs[nsigs++] = SIGRTMIN;
    }
    sigemptyset(&set);
    for (i = 0; i < nsigs; i++) {
        sigaddset(&set, sigs[i]);
        next[i] = 1;
        strcat(strcat(names, " "), signal_name(sigs[i]));
    }
    /* Blocked, a signal is not delivered: it stays pending until taken. */
    if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
        die("sigprocmask SIG_BLOCK");
    fprintf(stderr, "%s: pid %ld blocks%s; end my input (Ctrl-D) to count them\n",
            progname(), (long)getpid(), names);

    ssize_t n;
    do
        n = read(0, buf, sizeof buf);
    while (n > 0 || (n == -1 && errno == EINTR));
    if (n == -1)
        die("read %s", fd_object(0));

    for (;;) {
        siginfo_t si;
        struct timespec zero = { 0, 0 };
        int sig = sigtimedwait(&set, &si, &zero);   /* 0: take one if pending */
        if (sig == -1 && errno == EAGAIN)
            break;                                  /* none left */
        if (sig == -1 && errno == EINTR)
            continue;
        int queued = sig > 0 && si.si_code == SI_QUEUE;
        trace_signal_after("sigtimedwait", -1, sig, errno, sig > 0 ? sig : 0,
                           sig > 0 ? (long)si.si_pid : -1,
                           queued ? (long)si.si_value.sival_int : TRACE_NO_VALUE);
        if (sig == -1)
            die("sigtimedwait");
        for (i = 0; sigs[i] != sig; i++)
            ;
        got[i]++;
        if (queued && si.si_value.sival_int != next[i] && !bad_at[i])
            bad_at[i] = got[i], bad_value[i] = si.si_value.sival_int;
        next[i] = queued ? si.si_value.sival_int + 1L : next[i];
    }
    for (i = 0; i < nsigs; i++) {
        if (got[i] > 0 && next[i] > 1 && !bad_at[i])
            out("count: %s arrived %ld %s, values 1 to %ld in order\n", signal_name(sigs[i]),
                got[i], plural(got[i], "time", "times"), next[i] - 1);
        else if (bad_at[i])
            out("count: %s arrived %ld %s, values out of order: arrival %ld had value %ld\n",
                signal_name(sigs[i]), got[i], plural(got[i], "time", "times"), bad_at[i],
                bad_value[i]);
        else
            out("count: %s arrived %ld %s\n", signal_name(sigs[i]), got[i],
                plural(got[i], "time", "times"));
    }
    close_stdout();
    return 0;
}
