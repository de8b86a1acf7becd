/* master.c - start N workers, notify them, stop them on Ctrl-C, reap them.
 *
 * Usage: master [--workers N] [--notify] [--orphan-fix none|pdeathsig|pipe|pgroup]
 *               -- WORKER [ARG...]
 *   --workers N    workers to start, 1 to 64 (default 3)
 *   --notify       send each worker SIGUSR1 once all are ready
 *   --orphan-fix   what ends the workers when we are killed (SIGKILL):
 *                  none (default: they run on, orphans), pdeathsig (each
 *                  worker asks the kernel for SIGTERM when we die: their
 *                  --pdeathsig), pipe (their stdin is a pipe only we write
 *                  to: our death is their end of input), pgroup (we lead a
 *                  process group of our own, which they join: kill -- -PGID)
 *   WORKER ARG...  the worker command (worker.c or worker.py); we append
 *                  --ready-fd 3 (and --pdeathsig with that fix): it must
 *                  close descriptor 3 once its handlers are in place
 *
 * What to watch: a signal sent before the worker has its handler kills it
 * (SIGUSR1's default action), so we notify only once every worker has
 * closed its end of the ready pipe (EOF). SIGINT, SIGTERM and SIGCHLD stay
 * blocked and are taken one at a time with sigwaitinfo: no handler, no
 * race. SIGINT or SIGTERM is forwarded to every worker still running; a
 * second one sends them SIGKILL (one ignores it, or takes too long), so
 * nobody needs to SIGKILL us, which would leave them orphans. Standard
 * signals coalesce: two workers ending together may make one SIGCHLD, so
 * each one reaps every child that has ended (waitpid WNOHANG). Status 0
 * once all are reaped. A worker that cannot be started (exec fails), or
 * any error of ours, ends the others and reaps them first: status 1.
 * Mirror: python_peers/03-signals/master.py.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "signame.h"
#include "trace.h"

#define WORKERS_MAX 64
#define GRACE_MS 1000

static pid_t pids[WORKERS_MAX];     /* 0: reaped */
static long started;

/* If we fail once workers run, die() and fail() call this first (the undo
 * list, err.h): we end them and reap them, as undo_child does for lesson
 * 01's one child: SIGTERM (and SIGCONT, in case one is stopped), SIGKILL
 * for those still there 1 s later. A master that gives up leaves no orphans. */
static int end_workers(const char *cmd)
{
    long left = 0, i;
    int ms = 0, status;

    for (i = 0; i < started; i++)
        if (pids[i] != 0 && kill(pids[i], SIGTERM) == 0 && kill(pids[i], SIGCONT) == 0)
            left++;
    while (left > 0) {
        if (ms == GRACE_MS) {       /* it ignores SIGTERM, or goes on */
            for (i = 0; i < started; i++)
                if (pids[i] != 0)
                    kill(pids[i], SIGKILL);
            ms++;
        }
        pid_t pid = waitpid(-1, &status, ms > GRACE_MS ? 0 : WNOHANG);
        if (pid == -1)
            return -1;
        if (pid == 0) {             /* look again in 10 ms */
            nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
            ms += 10;
            continue;
        }
        for (i = 0; i < started; i++)
            if (pids[i] == pid)
                pids[i] = 0, left--;
        fprintf(stderr, "%s: giving up on worker %ld (%s): sent it SIGTERM%s; worker %s\n",
                progname(), (long)pid, cmd, ms > GRACE_MS ? ", then SIGKILL when it had not"
                " ended 1 s later" : "", how_it_ended(status));
    }
    return 0;
}

int main(int argc, char *argv[])
{
    long n = 3, failed = 0;
    int notify = 0, fix = 0, i, ready[2], input[2] = { -1, -1 };
    const char *fixes[] = { "none", "pdeathsig", "pipe", "pgroup" };
    sigset_t set, old;

    set_progname(argv[0]);
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--workers") == 0) {
            n = parse_long("--workers", option_value(argc, argv, &i), 1, WORKERS_MAX);
        } else if (strcmp(argv[i], "--notify") == 0) {
            notify = 1;
        } else if (strcmp(argv[i], "--orphan-fix") == 0) {
            const char *f = option_value(argc, argv, &i);
            for (fix = 3; fix >= 0 && strcmp(f, fixes[fix]) != 0; fix--)
                ;
            if (fix < 0)
                fail(2, "--orphan-fix: '%s' is none of none, pdeathsig, pipe, pgroup", f);
        } else {
            break;
        }
    }
    if (i + 1 >= argc || strcmp(argv[i], "--") != 0)
        fail(2, "usage: %s [--workers N] [--notify] [--orphan-fix none|pdeathsig|pipe|pgroup]"
             " -- WORKER [ARG...] (run as WORKER [ARG...] --ready-fd 3)", argv[0]);
    char **cmd = argv + i + 1;
    int ncmd = argc - i - 1;
    char **args = calloc((size_t)ncmd + 4, sizeof *args);
    if (args == NULL)
        die("calloc");
    memcpy(args, cmd, (size_t)ncmd * sizeof *args);
    args[ncmd] = "--ready-fd";
    args[ncmd + 1] = "3";
    args[ncmd + 2] = fix == 1 ? "--pdeathsig" : NULL;

    /* Blocked from now on: taken only by sigwaitinfo below. A worker that
     * ends before we wait leaves its SIGCHLD pending, not lost. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &set, &old) == -1)
        die("sigprocmask SIG_BLOCK");
    /* A write to a stdout nobody reads any more fails (EPIPE) rather than
     * kill us: we say so, and end and reap the workers (end_workers). */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");
    if (fix == 3 && setpgid(0, 0) == -1)
        die("setpgid");
    if (pipe2(ready, O_CLOEXEC) == -1)
        die("pipe2 (ready)");
    if (fix == 2 && pipe2(input, O_CLOEXEC) == -1)
        die("pipe2 (input)");

    undo_push(end_workers, cmd[0]);     /* until all are reaped */
    for (i = 0; i < n; i++) {
        pids[i] = fork();
        if (pids[i] == -1)
            die("fork");
        if (pids[i] == 0) {     /* the worker: our mask and ignored SIGPIPE: not wanted */
            if (sigprocmask(SIG_SETMASK, &old, NULL) == -1 || signal(SIGPIPE, SIG_DFL) == SIG_ERR
                || dup2(ready[1], 3) == -1 || (ready[1] == 3 && fcntl(3, F_SETFD, 0) == -1) ||
                (input[0] != -1 && dup2(input[0], 0) == -1))
                fprintf(stderr, "%s: setting up a worker: %s\n", progname(), strerror(errno));
            else if (execvp(args[0], args) == -1)
                fprintf(stderr, "%s: exec %s: %s\n", progname(), args[0], strerror(errno));
            (void)!write(ready[1], "x", 1);     /* one byte: one worker not started */
            _exit(127);
        }
        started = i + 1;
    }
    free(args);
    if (close(ready[1]) == -1)
        die("close %s", fd_object(ready[1]));
    char c;                     /* EOF: every worker has closed its copy */
    ssize_t r;
    while ((r = read(ready[0], &c, 1)) == 1 || (r == -1 && errno == EINTR))
        failed += r == 1;
    if (r == -1)
        die("read %s", fd_object(ready[0]));
    close(ready[0]);
    if (failed > 0)
        fail(1, "%ld of %ld %s did not start: giving up", failed, n,
             plural(n, "worker", "workers"));
    if (input[0] != -1)
        close(input[0]);        /* keep input[1]: never written, closed by our death */
    out("master: %ld %s ready%s\n", n, plural(n, "worker", "workers"),
        fix == 3 ? ", in our process group" : "");

    for (i = 0; notify && i < n; i++) {
        trace_kill("kill", SIGUSR1, pids[i], TRACE_NO_VALUE);
        int r = kill(pids[i], SIGUSR1);
        trace_after("kill", -1, r, errno, NULL, 0);
        if (r == -1)
            die("kill SIGUSR1 %ld", (long)pids[i]);
    }

    long running = n, stops = 0;
    while (running > 0) {
        siginfo_t si;
        trace_before("sigwaitinfo", -1, NULL, 0, NULL, 0);
        int sig = sigwaitinfo(&set, &si);
        trace_signal_after("sigwaitinfo", -1, sig, errno, sig > 0 ? sig : 0,
                           sig > 0 ? (long)si.si_pid : -1, TRACE_NO_VALUE);
        if (sig == -1 && errno == EINTR)
            continue;
        if (sig == -1)
            die("sigwaitinfo");
        if (sig != SIGCHLD && stops++ < 2) {    /* the first forwarded, the second SIGKILL */
            int to = stops == 1 ? sig : SIGKILL;
            out(stops == 1 ? "master: %s: stopping the %s\n" : "master: %s again: killing the %s"
                " (SIGKILL)\n", signal_name(sig), plural(running, "worker", "workers"));
            for (i = 0; i < n; i++) {
                if (pids[i] == 0)
                    continue;       /* reaped already: its pid may be someone else's */
                trace_kill("kill", to, pids[i], TRACE_NO_VALUE);
                int r = kill(pids[i], to);
                trace_after("kill", -1, r, errno, NULL, 0);
                if (r == -1)
                    die("kill %s %ld", signal_name(to), (long)pids[i]);
            }
        }
        /* Reap every worker that has ended: one SIGCHLD may stand for several. */
        for (;;) {
            int status;
            pid_t pid = waitpid(-1, &status, WNOHANG);
            if (pid == 0 || (pid == -1 && errno == ECHILD))
                break;
            if (pid == -1)
                die("waitpid");
            for (i = 0; i < n; i++)
                if (pids[i] == pid)
                    pids[i] = 0;
            running--;
            out("master: worker %ld %s\n", (long)pid, how_it_ended(status));
        }
    }
    undo_clear();               /* all reaped: none left to end */
    out("master: %s %ld %s reaped\n", plural(n, "the", "all"), n, plural(n, "worker", "workers"));
    close_stdout();
    return 0;
}
