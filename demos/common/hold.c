/* hold.c - see hold.h. */
#include "hold.h"
#include "err.h"
#include "trace.h"

#include <errno.h>
#include <signal.h>

static void usr1_set(sigset_t *set)
{
    if (sigemptyset(set) == -1 || sigaddset(set, SIGUSR1) == -1)
        die("sigaddset SIGUSR1");
}

void hold_arm(void)
{
    sigset_t set;

    usr1_set(&set);
    if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
        die("sigprocmask SIG_BLOCK SIGUSR1");
}

void hold_until_sigusr1(void)
{
    sigset_t set;
    int sig, err;

    /* sigwait needs the signal blocked first, or it would kill us. */
    hold_arm();
    usr1_set(&set);
    trace_note("holding until SIGUSR1");
    /* sigwait returns its error number; it does not set errno. (glibc's
     * retries by itself when SIGSTOP and SIGCONT interrupt it: EINTR.) */
    err = sigwait(&set, &sig);
    if (err != 0) {
        errno = err;
        die("sigwait SIGUSR1");
    }
}
