/* pause_race.c - wait for SIGUSR1: the flag-then-pause() race, and its fix.
 *
 * Usage: pause_race [--fix]
 *   --fix   block SIGUSR1 while testing the flag; wait with sigsuspend,
 *           which unblocks it and sleeps in one step
 *
 * It prints "pause_race PID: waiting for SIGUSR1", waits for the handler to
 * set its flag, then prints "pause_race PID: got SIGUSR1" and ends.
 *
 * What to watch: `while (!got) pause();` tests the flag, then sleeps. A
 * SIGUSR1 that comes after the test and before pause() runs the handler
 * there, and pause() then sleeps until the next signal: for ever, if that
 * was the only one. The window is a few instructions wide; in step mode
 * (IPCLAB_STEP_FD) the trace holds the program inside it, before pause(),
 * for as long as the observer likes. With --fix, SIGUSR1 is blocked from
 * before the test: sent in the window it waits, pending (ShdPnd in
 * /proc/PID/status), and sigsuspend takes it at once.
 * Mirror: python_peers/03-signals/pause_race.py.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "trace.h"

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
    (void)sig;
    got = 1;
}

int main(int argc, char *argv[])
{
    int fix = argc == 2 && strcmp(argv[1], "--fix") == 0;
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigset_t usr1, old;

    set_progname(argv[0]);
    if (argc > 2 || (argc == 2 && !fix))
        fail(2, "usage: %s [--fix]", argv[0]);
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) == -1)
        die("sigaction SIGUSR1");
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    /* The fix: from here on SIGUSR1 can only arrive inside sigsuspend. */
    if (fix && sigprocmask(SIG_BLOCK, &usr1, &old) == -1)
        die("sigprocmask SIG_BLOCK SIGUSR1");
    out("pause_race %ld: waiting for SIGUSR1\n", (long)getpid());

    while (!got) {
        if (!fix) {
            trace_before("pause", -1, NULL, 0, NULL, 0);   /* the window */
            int r = pause();                /* returns only after a handler ran */
            trace_after("pause", -1, r, errno, NULL, 0);
        } else {
            trace_before("sigsuspend", -1, NULL, 0, NULL, 0);
            int r = sigsuspend(&old);       /* unblock and sleep: one step */
            trace_after("sigsuspend", -1, r, errno, NULL, 0);
            if (r == -1 && errno != EINTR)
                die("sigsuspend");
        }
    }
    if (fix && sigprocmask(SIG_SETMASK, &old, NULL) == -1)
        die("sigprocmask SIG_SETMASK");
    trace_signal_note(SIGUSR1, -1, "handled SIGUSR1");
    out("pause_race %ld: got SIGUSR1\n", (long)getpid());
    close_stdout();
    return 0;
}
