/* err.c - see err.h. */
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "ipclab";

/* Which of descriptors 0, 1, 2 we found closed at start (set_progname). */
static const char *const std_name[3] = { "stdin", "stdout", "stderr" };
static int std_closed[3];

void set_progname(const char *argv0)
{
    const char *slash = strrchr(argv0, '/');
    prog = slash ? slash + 1 : argv0;
    /* A program started with descriptor 1 closed (">&-") would get its
     * first open() back as fd 1, and its output would go into a FIFO or a
     * socket of the lesson. Put /dev/null there first, opened the wrong
     * way round (write-only for 0, read-only for 1 and 2): a read of stdin
     * or a write to stdout still fails with EBADF, as on a closed one, and
     * fd_object() names it "stdout". Lowest free descriptor first: each
     * open() lands on the one we found closed. */
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int got = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
        if (got != fd)          /* no /dev/null: stop, rather than risk it */
            _exit(1);
        std_closed[fd] = 1;
    }
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
    if (fd >= 0 && fd < 3 && std_closed[fd] && n == 9 && memcmp(target, "/dev/null", 9) == 0)
        snprintf(out, sizeof out, "%s (fd %d)", std_name[fd], fd);   /* set_progname's */
    else if (n < 0)
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

static void (*volatile ending_remove)(void);

static void remove_and_die(int sig)
{
    int saved = errno;
    void (*remove)(void) = ending_remove;

    if (remove != NULL)
        remove();
    errno = saved;
    signal(sig, SIG_DFL);       /* then die of it, as we would have */
    raise(sig);
}

void remove_on_ending_signals(void (*remove)(void))
{
    /* Every signal whose default action ends a program and that a person or
     * a stray kill sends (signal(7)); PIPE: our stdout gone. Not the faults
     * (SEGV, BUS...): a handler must not run on after one of those. */
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE,
                                SIGUSR1, SIGUSR2, SIGALRM };
    static const char *const names[] = { "SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT",
                                         "SIGPIPE", "SIGUSR1", "SIGUSR2", "SIGALRM" };
    static int installed;
    struct sigaction old;

    ending_remove = remove;
    for (size_t s = 0; !installed && s < sizeof sigs / sizeof sigs[0]; s++) {
        if (sigaction(sigs[s], NULL, &old) == -1)
            die("sigaction %s", names[s]);
        if (old.sa_handler != SIG_IGN &&        /* ignored stays ignored */
            signal(sigs[s], remove_and_die) == SIG_ERR)
            die("signal %s", names[s]);
    }
    installed = 1;
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

/* "prog: MESSAGE[: why]" and a newline on stderr in one write() of at
 * most PIPE_BUF bytes, which the kernel never mixes with another writer's:
 * two programs sharing a stderr (a parent and its child, a test's capture)
 * never interleave their lines. A longer line loses the middle of MESSAGE
 * (its object: a long path), shown as "...": its start, its last
 * LINE_TAIL bytes, the reason and the newline always show. err.py cuts
 * the same bytes. A write that fails (stderr closed or full) is ignored:
 * the program goes on to clean up and exits as it would have. */
#define LINE_MAX_BYTES 4096     /* PIPE_BUF */
#define LINE_TAIL 240

static void say_line(const char *fmt, va_list ap, const char *why)
{
    char line[LINE_MAX_BYTES], fallback[LINE_MAX_BYTES], end[256], *msg;
    va_list again;

    va_copy(again, ap);
    if (vasprintf(&msg, fmt, ap) < 0) {         /* no memory: the start only */
        vsnprintf(fallback, sizeof fallback, fmt, again);
        msg = NULL;
    }
    va_end(again);
    const char *m = msg ? msg : fallback;
    snprintf(end, sizeof end, "%s%s\n", why ? ": " : "", why ? why : "");
    size_t mlen = strlen(m), elen = strlen(end), plen = strlen(prog), head = mlen, tail = 0;
    if (plen > 255)                             /* an absurd argv[0]: its start */
        plen = 255;
    if (plen + 2 + mlen + elen > LINE_MAX_BYTES) {
        long room = LINE_MAX_BYTES - (long)(plen + 2 + elen + 3);  /* for MESSAGE */
        tail = mlen < LINE_TAIL ? mlen : LINE_TAIL;
        if (room < (long)tail)
            tail = room > 0 ? (size_t)room : 0;
        head = room > (long)tail ? (size_t)room - tail : 0;
        /* Cut between whole UTF-8 characters (never before a 10xxxxxx byte). */
        while (tail > 0 && ((unsigned char)m[mlen - tail] & 0xC0) == 0x80)
            tail--;
        while (head > 0 && ((unsigned char)m[head] & 0xC0) == 0x80)
            head--;
    }
    size_t n = 0;                               /* prog ": " head ["..." tail] end */
#define PUT(s, len) (memcpy(line + n, (s), (len)), n += (len))
    PUT(prog, plen);
    PUT(": ", 2);
    PUT(m, head);
    if (head < mlen) {
        PUT("...", 3);
        PUT(m + mlen - tail, tail);
    }
    PUT(end, elen);
#undef PUT
    free(msg);
    (void)!write(STDERR_FILENO, line, n);
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
