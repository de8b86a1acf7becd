/* naive_worker.c - the common tutorial's worker, kept as it is written
 * there, to see where it breaks. Do not copy it: worker.c is the fix.
 *
 * Usage: naive_worker     (SIGUSR1: "got SIGUSR1"; SIGINT, SIGTERM: stop)
 *
 * What is wrong with it: signal() instead of sigaction (what it does
 * differs between systems); printf in the handler (not async-signal-safe:
 * see worker --handler print); and `running` is a plain int. Nothing in
 * the loop can change it as far as the compiler can see, so with
 * optimisation on (-O2, as the kit builds) it reads it once: the handler
 * sets it to 0 and the loop never looks again. SIGINT is caught (SigCgt),
 * "stopping" is printed, and the worker spins on at 100% CPU for ever.
 * volatile sig_atomic_t is the fix. Mirror: naive_worker.py (Python has no
 * such optimisation: it stops). Master: naive_master.py/.c.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int running = 1;

void handle(int sig)
{
    if (sig == SIGUSR1) {
        printf("Worker %d: got SIGUSR1\n", getpid());
    } else {
        printf("Worker %d: stopping\n", getpid());
        running = 0;
    }
}

int main(void)
{
    signal(SIGUSR1, handle);
    signal(SIGINT, handle);
    signal(SIGTERM, handle);
    printf("Worker %d started\n", getpid());
    while (running) {
        /* do some work */
    }
    printf("Worker %d done\n", getpid());
    return 0;
}
