/* flood.c - send one process the same signal COUNT times.
 *
 * Usage: flood [-n COUNT] [--signal NAME] [--queue] PID
 *   -n COUNT       signals to send, 1 to 1000000 (default 1000)
 *   --signal NAME  SIGUSR1 (default), SIGRTMIN, SIGRTMIN+3, ... (by name:
 *                  a real-time signal's number depends on the C library)
 *   --queue        send with sigqueue(3), the value 1 to COUNT with each;
 *                  without it, kill(2)
 *
 * What to watch (count.c receives): a standard signal that is already
 * pending is dropped, so 1000 SIGUSR1 sent to a process that blocks it
 * arrive as one; a real-time signal is queued once per send, with its
 * value, up to the receiver's RLIMIT_SIGPENDING (ulimit -i): past it,
 * sigqueue fails with EAGAIN (kill() of a real-time signal fails the same).
 * Mirror: python_peers/03-signals/flood.py.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "err.h"
#include "signame.h"
#include "trace.h"

int main(int argc, char *argv[])
{
    long count = 1000, pid, n;
    int sig = SIGUSR1, queue = 0, i;

    set_progname(argv[0]);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0) {
            count = parse_long("-n", option_value(argc, argv, &i), 1, 1000000);
        } else if (strcmp(argv[i], "--signal") == 0) {
            const char *name = option_value(argc, argv, &i);
            if ((sig = signal_number(name)) == 0)
                fail(2, "--signal: '%s' is no signal name (SIGUSR1, SIGRTMIN, SIGRTMIN+3, ...)",
                     name);
        } else if (strcmp(argv[i], "--queue") == 0) {
            queue = 1;
        } else {
            break;
        }
    }
    if (i != argc - 1)              /* no PID, or more than one */
        fail(2, "usage: %s [-n COUNT] [--signal NAME] [--queue] PID", argv[0]);
    /* One process: 0 and negative pids would signal whole process groups. */
    pid = parse_long("PID", argv[i], 1, 4194304);

    for (n = 1; n <= count; n++) {
        int r;
        if (queue) {
            trace_kill("sigqueue", sig, pid, n);
            r = sigqueue((pid_t)pid, sig, (union sigval){ .sival_int = (int)n });
            trace_after("sigqueue", -1, r, errno, NULL, 0);
        } else {
            trace_kill("kill", sig, pid, TRACE_NO_VALUE);
            r = kill((pid_t)pid, sig);
            trace_after("kill", -1, r, errno, NULL, 0);
        }
        if (r == -1 && errno == EAGAIN)
            fail(1, "%s %s to %ld: %s: the receiver's user has as many signals queued as"
                 " its RLIMIT_SIGPENDING allows (sent %ld of %ld)", queue ? "sigqueue" : "kill",
                 signal_name(sig), pid, strerror(errno), n - 1, count);
        if (r == -1)
            die("%s %s to %ld", queue ? "sigqueue" : "kill", signal_name(sig), pid);
    }
    if (queue)
        out("flood: sent %s %ld %s to %ld with sigqueue, values 1 to %ld\n", signal_name(sig),
            count, plural(count, "time", "times"), pid, count);
    else
        out("flood: sent %s %ld %s to %ld with kill\n", signal_name(sig), count,
            plural(count, "time", "times"), pid);
    close_stdout();
    return 0;
}
