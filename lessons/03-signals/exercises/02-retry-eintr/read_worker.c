/* read_worker.c - a worker that reads its work on standard input and
 * says at once when SIGUSR1 notifies it, even while it waits for work.
 * Exercise 03-signals/02-retry-eintr: the task is in README.md.
 *
 * Usage: read_worker
 *
 * For each read() of standard input it prints "worker PID: got: TEXT"
 * (the bytes read, a final newline left out, bytes that are not printable
 * shown as '.'); for each SIGUSR1, "worker PID: notified by SIGUSR1 (K so
 * far)"; at end of input "worker PID: end of input", status 0.
 * This version dies of the first SIGUSR1 that comes while it waits for
 * work. Fix the TODO.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

static volatile sig_atomic_t notified;

static void on_usr1(int sig)
{
    (void)sig;
    notified++;             /* only this: the main flow prints */
}

/* Say what the handler recorded since the last look, from the main flow. */
static void act(long *seen)
{
    while (*seen < notified) {
        ++*seen;
        out("worker %ld: notified by SIGUSR1 (%ld so far)\n", (long)getpid(), *seen);
    }
}

int main(int argc, char *argv[])
{
    char buf[512];
    long seen = 0;

    set_progname(argv[0]);
    if (argc != 1)
        fail(2, "usage: %s", argv[0]);
    /* No SA_RESTART: a read() the signal interrupts returns -1, EINTR, so
     * that the loop acts on the signal now, not after the next line. */
    struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = 0 };
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) == -1)
        die("sigaction SIGUSR1");

    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        /* TODO: without SA_RESTART, a SIGUSR1 that comes while read()
         * sleeps makes read() return -1 with errno EINTR once the handler
         * has run: not an error of the pipe, and no reason to stop. This
         * loop dies of it ("read ...: Interrupted system call", status 1).
         * Tell EINTR apart: say what the handler recorded, now, and read
         * again. (Keep the handler without SA_RESTART: README.md says why.) */
        if (n == -1)
            die("read %s", fd_object(0));
        if (n == 0)
            break;
        int len = (int)n - (buf[n - 1] == '\n');
        for (int i = 0; i < len; i++)       /* shown, never obeyed */
            if (buf[i] < ' ' || buf[i] > '~')
                buf[i] = '.';
        out("worker %ld: got: %.*s\n", (long)getpid(), len, buf);
        act(&seen);
    }
    act(&seen);
    out("worker %ld: end of input\n", (long)getpid());
    close_stdout();
    return 0;
}
