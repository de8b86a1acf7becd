/* naive_master.c - the common tutorial's master, kept as it is written
 * there, to see where it breaks. Do not copy it: master.c is the fix.
 *
 * Usage: naive_master WORKER [ARG...]   (the tutorial has ./worker fixed)
 *
 * It starts ten workers, gives them a second to start, pokes each with
 * SIGUSR1, and on Ctrl-C (SIGINT) forwards SIGINT to each and exits.
 *
 * What is wrong with it: a second is a guess: a worker not yet at its
 * signal() when SIGUSR1 comes is killed by it (the default action). Nobody
 * waits for the workers: one that ends while the master runs stays a
 * zombie (state Z) until the master is gone; on Ctrl-C the master exits
 * without waiting, so workers that do not stop (naive_worker.c: they never
 * do) run on as orphans, and nothing says how any of them ended. Killed
 * with SIGKILL, the master forwards nothing at all. No call is checked.
 * Mirror: python_peers/03-signals/naive_master.py.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

pid_t workers[10];

void forward(int sig)
{
    (void)sig;
    for (int i = 0; i < 10; i++)
        kill(workers[i], SIGINT);
    exit(0);
}

int main(int argc, char *argv[])
{
    (void)argc;
    for (int i = 0; i < 10; i++) {
        workers[i] = fork();
        if (workers[i] == 0) {
            execvp(argv[1], argv + 1);
            exit(1);
        }
    }
    sleep(1);   /* give them time to start */
    for (int i = 0; i < 10; i++)
        kill(workers[i], SIGUSR1);
    signal(SIGINT, forward);
    while (1)
        sleep(1);
}
