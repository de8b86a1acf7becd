/* err.c - see err.h. */
#include "err.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "ipclab";

void set_progname(const char *argv0)
{
    const char *slash = strrchr(argv0, '/');
    prog = slash ? slash + 1 : argv0;
}

const char *progname(void)
{
    return prog;
}

const char *fd_object(int fd)
{
    static char out[160];
    char link[64], target[128];
    ssize_t n;
    int saved = errno;          /* callers pass us to die(), which prints errno */

    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, target, sizeof target - 1);
    if (n < 0)
        snprintf(out, sizeof out, "fd %d", fd);
    else
        snprintf(out, sizeof out, "%.*s (fd %d)", (int)n, target, fd);
    errno = saved;
    return out;
}

/* The undo list (err.h): what to remove (or end) if this run fails while
 * creating. Lesson 08's programs create at most 3 objects, lesson 01's
 * pipe_parent one child. */
#define UNDO_MAX 8
static struct {
    int (*remover)(const char *);
    const char *arg;
} undo[UNDO_MAX];
static int undo_count;

void undo_push(int (*remover)(const char *), const char *arg)
{
    if (undo_count == UNDO_MAX) {   /* a bug in the program, not bad input */
        (void)remover(arg);         /* not on the list: remove it here */
        fail(1, "undo_push %s: more than %d objects to undo", arg, UNDO_MAX);
    }
    undo[undo_count].remover = remover;
    undo[undo_count].arg = arg;
    undo_count++;
}

void undo_clear(void)
{
    undo_count = 0;
}

/* exit_on_signal's messages, made in advance, one a signal. */
#define ON_SIGNAL_MAX 4
static struct {
    int sig;
    char msg[240];
    size_t len;
} on_signal[ON_SIGNAL_MAX];
static volatile sig_atomic_t on_signals;

static void signal_exit(int sig)
{
    for (int i = 0; i < on_signals; i++)
        if (on_signal[i].sig == sig && write(STDERR_FILENO, on_signal[i].msg,
                                              on_signal[i].len) == -1)
            break;              /* nothing left to tell it to */
    _exit(1);
}

void exit_on_signal(int sig, const char *name, const char *why)
{
    struct sigaction sa = { .sa_handler = signal_exit };
    int i = on_signals;

    if (i == ON_SIGNAL_MAX)     /* a bug in the program, not bad input */
        fail(1, "exit_on_signal %s: more than %d signals", name, ON_SIGNAL_MAX);
    on_signal[i].sig = sig;
    snprintf(on_signal[i].msg, sizeof on_signal[i].msg, "%s: %s: %s\n", prog, name, why);
    on_signal[i].len = strlen(on_signal[i].msg);
    on_signals = i + 1;         /* complete before the handler can see it */
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) == -1)
        die("sigaction %s", name);
}

const char *plural(long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

const char *how_it_ended(int status)
{
    static char how[80];

    if (WIFEXITED(status))
        snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(status));
    else
        snprintf(how, sizeof how, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    return how;
}

/* The child undo_child() named, and its remover: end it, reap it, say so.
 * SIGTERM first; a child that has not ended 1 s later (it ignores SIGTERM,
 * or catches it and goes on) gets SIGKILL, which nothing can ignore: a
 * parent that gives up on its child never waits for it for ever. */
static pid_t child;
#define GRACE_MS 1000

static int end_child(const char *cmd)
{
    const char *how = "sent it SIGTERM";
    pid_t r = 0;
    int status;

    if (kill(child, SIGTERM) == -1 || kill(child, SIGCONT) == -1)
        r = -1;
    /* Look every 10 ms whether it has ended, for GRACE_MS at most. */
    for (int ms = 0; r == 0 && ms < GRACE_MS; ms += 10) {
        r = waitpid(child, &status, WNOHANG);
        if (r == 0)
            nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
    }
    if (r == 0) {
        how = "sent it SIGTERM, then SIGKILL when it had not ended 1 s later";
        r = kill(child, SIGKILL) == -1 ? -1 : waitpid(child, &status, 0);
    }
    if (r == -1) {
        fprintf(stderr, "%s: ending child %ld (%s): %s\n", prog, (long)child, cmd,
                strerror(errno));
        return -1;
    }
    fprintf(stderr, "%s: giving up on child %ld (%s): %s; child %s\n",
            prog, (long)child, cmd, how, how_it_ended(status));
    return 0;
}

void undo_child(pid_t pid, const char *cmd)
{
    child = pid;
    undo_push(end_child, cmd);
}

/* Remove, newest first, what this run created. Each entry leaves the list
 * before its remover runs: one that fails (or dies) is never called again.
 * Its error is ignored: the message already said what went wrong. */
static void undo_all(void)
{
    while (undo_count > 0) {
        undo_count--;
        (void)undo[undo_count].remover(undo[undo_count].arg);
    }
}

/* "prog: MESSAGE[: why]" and a newline on stderr in one write(): two
 * programs sharing a stderr (a parent and its child, a test's capture)
 * never interleave their lines. */
static void say_line(const char *fmt, va_list ap, const char *why)
{
    char line[1024];
    int n = snprintf(line, sizeof line, "%s: ", prog);
    n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    if (why)
        n += snprintf(line + n, sizeof line - (size_t)n, ": %s", why);
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    (void)!write(STDERR_FILENO, line, (size_t)n);
}

void die(const char *fmt, ...)
{
    int err = errno;
    va_list ap;

    va_start(ap, fmt);
    say_line(fmt, ap, strerror(err));
    va_end(ap);
    undo_all();
    exit(1);
}

void fail(int status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    say_line(fmt, ap, NULL);
    va_end(ap);
    undo_all();
    exit(status);
}

const char *option_value(int argc, char *argv[], int *i)
{
    if (*i + 1 >= argc)
        fail(2, "%s needs a value", argv[*i]);
    return argv[++*i];
}

long parse_long(const char *option, const char *s, long lo, long hi)
{
    const char *digits = s + (*s == '+' || *s == '-');
    char *end;
    long v;

    /* strtol alone takes " 12" too, and Python's int() " 12 " and "1_2":
     * here and in err.py a number is an optional sign, then digits only. */
    errno = 0;
    v = strtol(s, &end, 10);
    if (*digits < '0' || *digits > '9' || errno != 0 || *end != '\0' || v < lo || v > hi)
        fail(2, "%s: '%s' is not a number from %ld to %ld", option, s, lo, hi);
    return v;
}

void out(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintf(fmt, ap);
    va_end(ap);
    if (n < 0 || fflush(stdout) == EOF)
        die("write %s", fd_object(STDOUT_FILENO));
}

void close_stdout(void)
{
    char object[160];

    snprintf(object, sizeof object, "%s", fd_object(STDOUT_FILENO));
    if (fflush(stdout) == EOF)
        die("write %s", object);
    if (ferror(stdout))         /* a printf() that failed, not out() */
        fail(1, "write %s: an earlier write failed", object);
    /* EBADF: descriptor 1 was never open, and nothing was written to it. */
    if (fclose(stdout) == EOF && errno != EBADF)
        die("close %s", object);
}
