/* signals.c - ipclab is never a hostage: q, Ctrl-C (SIGINT), SIGTERM,
 * SIGHUP and Ctrl-\ (SIGQUIT) end any run within a second, with the
 * terminal restored and nothing left behind, whatever the scenario does.
 *
 * Three layers, each for what the one before cannot reach:
 *   1. The handlers only write the signal to a self-pipe (the loop reads
 *      it, tlog()s and cleans up) and record the request.
 *   2. While Lua runs (a scenario step, a wait_until predicate, loading the
 *      file), the loop cannot look at the pipe: the handler also sets a Lua
 *      hook that fires at the next instruction and raises an error no
 *      pcall catches (sandbox.c), as lua.c's laction does.
 *   3. A hook cannot fire inside one long C call (string.rep, string.find)
 *      or while loading blocks in read(): a watchdog (SIGALRM, 10 times a
 *      second) ends the process if Lua has not let go GRACE_MS after the
 *      request, or WALL_S seconds + GRACE_MS after entering Lua. It uses
 *      only async-signal-safe calls: restore the terminal, say why, let
 *      the janitor clean up (janitor.c), _exit. While Lua is stuck it also
 *      looks for q on the terminal, since the loop reads no keys then.
 */
#include "ipclab.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define WALL_S   5              /* seconds in Lua without waiting: an error */
#define GRACE_MS 500            /* after a stop request or the wall limit */

static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t stop_sig;      /* the first stop signal, or QUIT_KEY */
static volatile sig_atomic_t stop_ms;       /* when it came */
static volatile sig_atomic_t in_lua;        /* the loop is inside Lua */
static volatile sig_atomic_t lua_ms;        /* since when */
static volatile sig_atomic_t wall_hit;
static struct timespec base;

/* Milliseconds since ipclab started: fits a sig_atomic_t for 24 days. */
static sig_atomic_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (sig_atomic_t)((ts.tv_sec - base.tv_sec) * 1000 +
                          (ts.tv_nsec - base.tv_nsec) / 1000000);
}

/* The transcript's time column, "%7.3f", without stdio. */
static void say_time(int fd)
{
    char buf[32], *p = buf + sizeof buf;
    long ms = (long)((now() - R.t0) * 1000);
    *--p = ' ';
    for (int d = 0; d < 3; d++, ms /= 10)
        *--p = (char)('0' + ms % 10);
    *--p = '.';
    do
        *--p = (char)('0' + ms % 10);
    while ((ms /= 10) > 0);
    while (p > buf + sizeof buf - 8)
        *--p = ' ';
    (void)!write(fd, p, (size_t)(buf + sizeof buf - p));
}

static void put(int fd, const char *s)
{
    (void)!write(fd, s, strlen(s));
}

/* The last resort, from a signal handler: only async-signal-safe calls.
 * Says why on stderr (and ends a headless transcript), lets the janitor
 * clean up, and exits as the run would have: 128+N for signal N, the
 * status of q for q, 2 for a scenario that could not be stopped. */
static void hard_exit(const char *why)
{
    int fd = R.headless ? STDOUT_FILENO : STDERR_FILENO;

    ui_emergency_restore();
    if (R.headless && !R.tour)
        say_time(fd);
    put(fd, R.tour ? "      ERROR " : R.headless ? "error " : "ipclab: ");
    put(fd, sandbox_last_where());
    if (stop_sig == QUIT_KEY) {
        put(fd, "quit (q), but ");
    } else if (stop_sig) {
        put(fd, "interrupted by SIG");
        put(fd, sigabbrev_np(stop_sig));
        put(fd, ", but ");
    }
    put(fd, why);
    put(fd, "; stopped at once: its processes and objects are removed\n");
    if (R.tour) {                           /* as tour_line tells it */
        put(fd, stop_sig ? "      = interrupted\n" : "      = scenario error\n");
    } else if (R.headless) {
        say_time(fd);
        put(fd, stop_sig ? "end: interrupted\n" : "end: scenario error\n");
    }
    janitor_now();
    _exit(stop_sig == QUIT_KEY ? (R.failed ? 1 : 0) : stop_sig ? 128 + stop_sig : 2);
}

static void request_stop(int sig)
{
    unsigned char s = (unsigned char)sig;
    (void)!write(sig_pipe[1], &s, 1);
    if (!stop_sig) {
        stop_ms = ms_now();
        stop_sig = sig;
    }
    if (in_lua)
        runner_interrupt();
}

static void on_stop(int sig)
{
    int saved = errno;
    request_stop(sig);
    errno = saved;
}

static void on_child(int sig)
{
    unsigned char s = (unsigned char)sig;
    int saved = errno;
    (void)!write(sig_pipe[1], &s, 1);
    errno = saved;
}

/* q typed while Lua is stuck: a stop, like a signal. */
static void peek_keys(void)
{
    struct pollfd in = { STDIN_FILENO, POLLIN, 0 };
    char c;
    while (poll(&in, 1, 0) == 1 && (in.revents & POLLIN) &&
           read(STDIN_FILENO, &c, 1) == 1)
        if (c == 'q' || c == 'Q')
            request_stop(QUIT_KEY);
}

static void on_alarm(int sig)
{
    int saved = errno;
    (void)sig;
    if (in_lua) {
        sig_atomic_t t = ms_now();
        if (t - lua_ms > 200 && ui_is_up())
            peek_keys();
        if (!wall_hit && t - lua_ms > WALL_S * 1000) {
            wall_hit = 1;
            runner_interrupt();
        }
        if (stop_sig && t - stop_ms > GRACE_MS)
            hard_exit("the scenario did not stop within half a second (a long call "
                      "such as string.find, or a file that blocks while loading)");
        if (wall_hit && t - lua_ms > WALL_S * 1000 + GRACE_MS)
            hard_exit("the scenario ran more than 5 s without waiting and did not stop "
                      "(a long call such as string.find, or errors caught again and again)");
    }
    errno = saved;
}

/* Install the handlers and the watchdog; returns the pipe the loop polls. */
int signals_start(void)
{
    struct sigaction sa;
    static const int stops[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
    struct itimerval tick = { { 0, 100000 }, { 0, 100000 } };

    clock_gettime(CLOCK_MONOTONIC, &base);
    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) == -1)
        return -1;
    memset(&sa, 0, sizeof sa);
    sigfillset(&sa.sa_mask);                /* handlers never interrupt each other */
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = on_stop;
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
        if (sigaction(stops[i], &sa, NULL) == -1)
            return -1;
    sa.sa_handler = on_child;
    if (sigaction(SIGCHLD, &sa, NULL) == -1)
        return -1;
    sa.sa_handler = on_alarm;
    if (sigaction(SIGALRM, &sa, NULL) == -1 ||
        signal(SIGPIPE, SIG_IGN) == SIG_ERR ||   /* children get it back (spawn.c) */
        setitimer(ITIMER_REAL, &tick, NULL) == -1)
        return -1;
    return sig_pipe[0];
}

int signals_fd(void)
{
    return sig_pipe[0];
}

/* The first stop signal that arrived (QUIT_KEY for q), or 0. */
int stop_requested(void)
{
    return stop_sig;
}

/* What arrived on the self-pipe, one per call, or 0 when nothing. */
int signals_next(void)
{
    unsigned char s;
    return read(sig_pipe[0], &s, 1) == 1 ? s : 0;
}

/* Around every entry into Lua. */
void lua_enter(void)
{
    lua_ms = ms_now();
    wall_hit = 0;
    in_lua = 1;
    if (stop_sig)                           /* it came before we got here */
        runner_interrupt();
}

void lua_leave(void)
{
    in_lua = 0;
}

/* Was Lua stopped by the wall-clock limit? For its error message. */
int lua_wall_hit(void)
{
    return wall_hit;
}
