/* late.c - when does a handler run? C: at once, whatever the program is in.
 *
 * Usage: late
 *
 * It installs a handler for SIGUSR1 that says "late PID: SIGUSR1's handler
 * runs" and notes the time (the trace's clock, CLOCK_MONOTONIC in
 * microseconds), then waits in sigwait() for SIGUSR2. Send SIGUSR1, then
 * SIGUSR2.
 *
 * What to watch: in C the kernel runs the handler as soon as SIGUSR1
 * arrives, in the middle of sigwait (the C library's sigwait then goes back
 * to waiting): its line comes at once. Python's mirror, late.py, makes the
 * same calls, and its handler's line comes only once SIGUSR2 has ended
 * sigwait, a C function: Python runs handlers between bytecodes, in the
 * main thread. Mirror: python_peers/03-signals/late.py.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "trace.h"

static volatile sig_atomic_t ran;
static volatile long long ran_at;   /* read by main only once ran is set */
static char says[64];               /* made before the handler is installed */
static int says_len;

static long long now_us(void)       /* the trace's t= clock */
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);     /* async-signal-safe */
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void on_usr1(int sig)
{
    (void)sig;
    ran_at = now_us();
    ran = 1;
    (void)!write(1, says, (size_t)says_len);    /* write is safe; printf is not */
}

int main(int argc, char *argv[])
{
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigset_t usr2;
    int sig, err;

    set_progname(argv[0]);
    if (argc != 1)
        fail(2, "usage: %s", argv[0]);
    says_len = snprintf(says, sizeof says, "late %ld: SIGUSR1's handler runs\n",
                        (long)getpid());
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) == -1)
        die("sigaction SIGUSR1");
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    if (sigprocmask(SIG_BLOCK, &usr2, NULL) == -1)     /* sigwait takes it */
        die("sigprocmask SIG_BLOCK SIGUSR2");
    out("late %ld: in sigwait for SIGUSR2; send SIGUSR1 first\n", (long)getpid());

    trace_before("sigwait", -1, NULL, 0, NULL, 0);
    err = sigwait(&usr2, &sig);     /* returns the error; EINTR is retried inside */
    long long returned = now_us();
    trace_signal_after("sigwait", -1, err ? -1 : sig, err, err ? 0 : sig, -1, TRACE_NO_VALUE);
    if (err != 0) {
        errno = err;
        die("sigwait SIGUSR2");
    }
    if (ran)
        trace_signal_note(SIGUSR1, -1, "handler ran at t=%lld", ran_at);
    out("late %ld: sigwait returned SIGUSR2 at t=%lld; SIGUSR1's handler %s\n", (long)getpid(),
        returned, ran ? "had run" : "has not run");
    close_stdout();
    return 0;
}
