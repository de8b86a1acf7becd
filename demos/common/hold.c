/* hold.c - see hold.h. */
#include "hold.h"
#include "err.h"
#include "trace.h"

#include <signal.h>

void hold_until_sigusr1(void)
{
    sigset_t set;
    int sig;

    /* sigwait needs the signal blocked first, or it would kill us. */
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
        die("sigprocmask");
    trace_note("holding until SIGUSR1");
    if (sigwait(&set, &sig) != 0)
        die("sigwait");
}
