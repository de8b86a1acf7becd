/* fifo_server.c - a server on a well-known FIFO; each client gets its
 * answer on a reply FIFO of its own, named in its request.
 *
 * Usage: fifo_server [-n COUNT] [--no-keep-open] [--] DIR
 *   DIR             our private directory (mode 0700): the server makes
 *                   DIR/server (0600), clients make DIR/client-PID
 *   -n COUNT        end after COUNT requests, 0 = until a signal (default)
 *   --no-keep-open  the tutorial's way: do not hold a write end of our own
 *
 *   client  --[len][DIR/client-PID \0 TEXT]-->  DIR/server  --> server
 *   client  <--[len]["answer 1: TEXT (from C)"]-- DIR/client-PID <-- server
 *
 * What to watch: requests are at most PIPE_BUF bytes, so each arrives
 * whole, however many clients write at once; once its header is read, the
 * rest is queued (FIONREAD), or it was cut short: dropped, never waited
 * for (read_request). With --no-keep-open (no write
 * end of its own FIFO), once the last client has closed, read() returns 0
 * at once on every call: the loop spins at 100% CPU (running, never
 * asleep). A reply FIFO is checked before a byte goes to it (lstat; open
 * with O_NOFOLLOW and O_NONBLOCK: a client gone is ENXIO, not a wait for
 * ever; fstat: the same FIFO, ours, 0600, in DIR); a client gone before its
 * reply (ENXIO, EPIPE) costs that reply only. Mirror: fifo_server.py.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "rundir.h"
#include "trace.h"

/* A request frame, its 4-byte header included, fits in PIPE_BUF: one
 * write(), which the kernel never mixes with another writer's bytes. A
 * longer one could be split and interleaved with other clients' requests. */
#define REQUEST_MAX (PIPE_BUF - 4)

static char fifo[PATH_MAX];     /* DIR/server, for the signal handler */
static volatile sig_atomic_t made;

/* A FIFO outlives the process that made it: ended by a signal, the server
 * removes its own (unlink() is async-signal-safe), then dies of it. */
static void remove_and_die(int sig)
{
    if (made)
        unlink(fifo);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* "prog: request N: MESSAGE" on stderr, in one write(); returns -1. */
static int __attribute__((format(printf, 2, 3))) say_req(long n, const char *fmt, ...)
{
    char msg[PATH_MAX + 256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: request %ld: %s\n", progname(), n, msg);
    return -1;
}

/* A reply that cannot go (call failed with errno): a client gone before
 * reading it (ENXIO from open, EPIPE from write) costs that reply only:
 * its FIFO, checked to be ours in DIR, is removed. */
static int not_sent(long n, const char *call, const char *path, int dirfd, int gone)
{
    say_req(n, "%s %s: %s: %s", call, path, strerror(errno), gone ? "the client is gone"
            " before reading its reply; removed its FIFO" : "not answered");
    if (gone)
        unlinkat(dirfd, strrchr(path, '/') + 1, 0);
    return -1;
}

/* Read one request whole into req: its length, FRAME_EOF (no writer), or
 * FRAME_ERROR when it is dropped (said). A client writes its request, at most
 * PIPE_BUF bytes, with one write(): the kernel puts it in the FIFO whole or
 * not at all. So once we have its 4-byte header, all the rest of it is
 * queued: ask the kernel how much is (FIONREAD). Less than the header says
 * (or a length out of range, or no whole header) is a request cut short or
 * false: waiting for the rest would glue the next clients' requests onto it.
 * Drop exactly the bytes queued now instead: the rest of that write (and
 * any request written after it before we looked): what comes next starts
 * a new write(), so a new request. */
static long read_request(long n, int rfd, char *req)
{
    unsigned char h[4];
    long got, len = -1, k;
    int queued;

    trace_before("read", rfd, NULL, 4, NULL, 0);
    while ((got = read(rfd, h, 4)) == -1 && errno == EINTR)     /* one read(): what is there */
        ;
    trace_after("read", rfd, got, errno, h, got > 0 ? (size_t)got : 0);
    if (got == -1)
        die("read %s", fifo);
    if (got == 0)
        return FRAME_EOF;
    if (got == 4)
        len = (int32_t)(h[0] | h[1] << 8 | h[2] << 16 | (uint32_t)h[3] << 24);
    if (ioctl(rfd, FIONREAD, &queued) == -1)
        die("ioctl FIONREAD %s", fifo);
    if (queued > FRAME_MAX)     /* a pipe enlarged past 1 MiB: the rest comes next */
        queued = FRAME_MAX;
    int whole = len >= 0 && len <= REQUEST_MAX && queued >= len;
    if (whole)                  /* all there: read it; else drop what is */
        queued = (int)len;
    if ((k = frame_read_full(rfd, req, (size_t)queued)) == -1)
        die("read %s", fifo);
    if (whole && k == len)
        return len;
    queued = (int)k;            /* no read() waited: all these bytes were queued */
    for (k = 0; k < queued; k++)        /* shown, not obeyed */
        req[k] = req[k] >= ' ' && req[k] <= '~' ? req[k] : '.';
    char what[64];
    if (got < 4)
        snprintf(what, sizeof what, "%ld of 4 header bytes, cut short", got);
    else if (len < 0 || len > REQUEST_MAX)
        snprintf(what, sizeof what, "a length of %ld, not 0 to %d", len, REQUEST_MAX);
    else
        snprintf(what, sizeof what, "%d of its %ld bytes queued, cut short", queued, len);
    say_req(n, "%s: a request is one write() of at most PIPE_BUF (4096) bytes, queued whole;"
            " dropped the %d %s queued%s%.*s%s", what, queued, plural(queued, "byte", "bytes"),
            queued ? ": " : "", queued > 40 ? 40 : queued, req, queued > 40 ? "..." : "");
    return FRAME_ERROR;
}

/* A request is one frame: the reply path, a NUL, the text. Show it (the
 * text's bytes that are not printable ASCII as '.': shown, not obeyed) and
 * return where its text starts, or say why it is refused and return -1. */
static long take_request(long n, char *req, long len)
{
    char *nul = memchr(req, '\0', (size_t)len), *p = req;

    while (p < nul && *p >= ' ' && *p <= '~')   /* a path we can show */
        p++;
    if (len > REQUEST_MAX || nul == NULL || p < nul)   /* read_request drops the first */
        return say_req(n, "%ld bytes%s: refused", len, len > REQUEST_MAX ?
                       ", longer than PIPE_BUF less the header (4092)" : !nul ?
                       " with no NUL after a reply path" :
                       " with a reply path that is not printable ASCII");
    for (p = nul + 1; p < req + len; p++)
        if (*p < ' ' || *p > '~')
            *p = '.';
    out("request %ld: %s: %.*s\n", n, req[0] ? req : "''", /* an empty path shown as '' */
        (int)(req + len - nul - 1), nul + 1);
    return nul + 1 - req;
}

/* Open the reply FIFO a request names, for writing, or say why not and
 * return -1. Only a FIFO of ours, 0600, directly in DIR, is written to. */
static int open_reply(long n, char *path, const char *dir, int dirfd,
                      const struct stat *dirst, const struct stat *ours)
{
    char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : "";
    struct stat st, in, now;
    const char *why;

    if (slash)                  /* the directory part must be DIR itself */
        *slash = '\0';
    int in_dir = slash && stat(path[0] ? path : "/", &in) == 0 &&
                 in.st_dev == dirst->st_dev && in.st_ino == dirst->st_ino;
    if (slash)
        *slash = '/';
    if (!in_dir || !*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return say_req(n, "%s: not a name in %s: refused", path[0] ? path : "''", dir);
    /* lstat first: what is at the name, without following a link. */
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
        return say_req(n, "lstat %s: %s: refused", path, strerror(errno));
    if ((why = fifo_refused(&st)) != NULL)      /* not a FIFO, not ours, not 0600 */
        return say_req(n, "%s: %s: refused", path, why);
    if (st.st_dev == ours->st_dev && st.st_ino == ours->st_ino)
        return say_req(n, "%s: the server's own FIFO: refused", path);
    /* O_NONBLOCK: with no reader open() fails with ENXIO instead of waiting
     * for ever, and a full FIFO fails a write with EAGAIN. */
    trace_before("open", -1, path, 0, NULL, 0);
    int fd = openat(dirfd, name, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    trace_after("open", fd, fd, errno, NULL, 0);
    if (fd == -1)
        return not_sent(n, "open", path, dirfd, errno == ENXIO);
    /* The name may have been replaced between lstat and open. */
    if (fstat(fd, &now) == -1)
        die("fstat %s", path);
    if (now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
        close(fd);
        return say_req(n, "%s: replaced between lstat and open: refused", path);
    }
    return fd;
}

static int open_traced(const char *path, int flags)
{
    trace_before("open", -1, path, 0, NULL, 0);
    int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC);
    trace_after("open", fd, fd, errno, NULL, 0);
    if (fd == -1)
        die("open %s", path);
    return fd;
}

int main(int argc, char *argv[])
{
    static char req[FRAME_MAX], answer[FRAME_MAX];
    long count = 0, n = 0, len;
    int keep_open = 1, i, rfd, at_eof = 0;
    struct stat dirst, ours;

    set_progname(argv[0]);
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-n") == 0)
            count = parse_long("-n", option_value(argc, argv, &i), 0, 1000000);
        else if (strcmp(argv[i], "--no-keep-open") == 0)
            keep_open = 0;
        else if (strcmp(argv[i], "--") == 0 && ++i)    /* a DIR that starts with '-' */
            break;
        else                        /* -h, --help, an unknown option */
            fail(2, "usage: %s [-n COUNT] [--no-keep-open] [--] DIR", argv[0]);
    }
    if (argc - i != 1)
        fail(2, "usage: %s [-n COUNT] [--no-keep-open] [--] DIR", argv[0]);
    const char *dir = argv[i];
    if (!dir[0])
        fail(2, "DIR is empty: give a directory's path");
    int dlen = (int)strlen(dir);        /* "priv/": priv/server, not priv//server */
    while (dlen > 1 && dir[dlen - 1] == '/')
        dlen--;
    if (snprintf(fifo, sizeof fifo, "%.*s/server", dlen, dir) >= (int)sizeof fifo)
        fail(2, "DIR: longer than %d bytes", PATH_MAX - 8);
    private_dir(dir, &dirst);       /* ours, 0700: nobody else can put a name in it */
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dirfd == -1)
        die("open %s", dir);

    /* A client gone before its reply makes write() fail with EPIPE, for
     * that reply only: ignored, SIGPIPE would end the server. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");
    int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    for (int s = 0; s < 3; s++)
        if (signal(sigs[s], remove_and_die) == SIG_ERR)
            die("signal %d", sigs[s]);
    if (mkfifo(fifo, 0600) == -1) {     /* EEXIST: never reuse one */
        if (errno == EEXIST)
            fail(1, "mkfifo %s: %s (left from an earlier run?)", fifo, strerror(errno));
        die("mkfifo %s", fifo);
    }
    made = 1;
    undo_push(unlink, fifo);

    fprintf(stderr, "%s: waiting for the first client on %s\n", progname(), fifo);
    rfd = open_traced(fifo, O_RDONLY);
    if (fstat(rfd, &ours) == -1)
        die("fstat %s", fifo);
    /* Our own write end: while we hold it, read() never returns 0 when the
     * last client closes; it sleeps until the next client writes. */
    if (keep_open)
        open_traced(fifo, O_WRONLY);

    while (count == 0 || n < count) {
        len = read_request(n + 1, rfd, req);
        if (len == FRAME_EOF) {     /* only without our write end */
            if (!at_eof)
                fprintf(stderr, "%s: read %s: 0, end of file: no client has it open;"
                        " reading again\n", progname(), fifo);
            at_eof = 1;             /* say it once, then spin */
            continue;
        }
        at_eof = 0;
        n++;
        long text = len == FRAME_ERROR ? -1 : take_request(n, req, len);
        if (text == -1)
            continue;
        int fd = open_reply(n, req, dir, dirfd, &dirst, &ours);
        if (fd == -1)
            continue;
        int alen = snprintf(answer, sizeof answer, "answer %ld: %.*s (from C)", n,
                            (int)(len - text), req + text);
        if (frame_write(fd, answer, (size_t)alen) == -1)
            not_sent(n, "write", req, dirfd, errno == EPIPE);
        if (close(fd) == -1)
            die("close %s", req);
    }
    made = 0;
    if (unlink(fifo) == -1)
        die("unlink %s", fifo);
    close_stdout();
    fprintf(stderr, "%s: served %ld %s\n", progname(), n, plural(n, "request", "requests"));
    return 0;
}
