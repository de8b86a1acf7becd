/* fifo_client.c - send one request to fifo_server and print its answer,
 * which comes back on a reply FIFO of our own.
 *
 * Usage: fifo_client [--] DIR TEXT      (-- : a DIR that starts with "-")
 *   DIR    the server's private directory (ours, mode 0700)
 *   TEXT   the request; with the reply path, at most 4092 bytes
 *
 * The request is one frame: DIR/client-PID (DIR made absolute: the server
 * runs elsewhere), a NUL byte, TEXT.
 * What to watch: the reply FIFO is made (0600) and opened before the
 * request goes, so the server, which opens it with O_NONBLOCK, finds a
 * reader as long as we live. We hold a write end of it too: without one
 * it would read as end of file (no writer) until the server opens it.
 * After the request we keep our write end of DIR/server and sleep in
 * poll() on both: POLLIN on the reply FIFO when the answer comes, POLLERR
 * on DIR/server once no process has it open for reading: the server is
 * gone, seen at once, with no timeout. The request is at most PIPE_BUF
 * bytes: one write() the kernel never mixes with another client's.
 * DIR/server is looked at before open() and after, as fifo_node does: lstat
 * (only a FIFO of ours, 0600), O_NOFOLLOW, fstat (the same inode).
 * DIR/server is opened with O_NONBLOCK: with no server reading it (a FIFO
 * left by a killed server) that is ENXIO, said at once, not a wait for
 * ever in open(). A reply path the server would refuse (not printable
 * ASCII) is refused here first: the server could answer nobody.
 * Mirror: fifo_client.py.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "rundir.h"
#include "trace.h"

/* A request frame, its 4-byte header included, fits in PIPE_BUF: the kernel
 * writes it whole, never mixed with the bytes of other clients writing to
 * the same FIFO at once. A longer one could be split and interleaved. */
#define REQUEST_MAX (PIPE_BUF - 4)

static char reply[PATH_MAX];    /* DIR/client-PID, for the signal handler */
static volatile sig_atomic_t made;

/* Ended by a signal, we remove our FIFO (unlink() is async-signal-safe),
 * then die of the signal as we would have. */
static void remove_and_die(int sig)
{
    if (made)
        unlink(reply);
    signal(sig, SIG_DFL);
    raise(sig);
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
    char server[PATH_MAX], absdir[PATH_MAX], why[160];
    const char *refused;
    struct stat st, now;

    set_progname(argv[0]);
    int i = argc > 1 && strcmp(argv[1], "--") == 0 ? 2 : 1;    /* a DIR that starts with '-' */
    if (argc - i != 2 || (i == 1 && argv[1][0] == '-'))         /* -h, --help, any option */
        fail(2, "usage: %s [--] DIR TEXT", argv[0]);
    const char *dir = argv[i], *text = argv[i + 1];
    if (!dir[0])
        fail(2, "DIR is empty: give a directory's path");
    int dlen = (int)strlen(dir);        /* "priv/": priv/server, not priv//server */
    while (dlen > 1 && dir[dlen - 1] == '/')
        dlen--;
    if (snprintf(server, sizeof server, "%.*s/server", dlen, dir) >= (int)sizeof server)
        fail(2, "DIR: longer than %d bytes", PATH_MAX - 16);
    private_dir(dir, &st);          /* ours, 0700: nobody else can put a name in it */
    /* The server looks a relative path up from its own working directory,
     * not ours: the reply path we send is absolute, DIR resolved. 7 digits:
     * pid_max is at most 2^22, so every name has the same length. */
    if (realpath(dir, absdir) == NULL)
        die("realpath %s", dir);
    if (snprintf(reply, sizeof reply, "%s/client-%07ld", absdir, (long)getpid())
        >= (int)sizeof reply)
        fail(2, "DIR: longer than %d bytes", PATH_MAX - 16);
    /* The server refuses a reply path that is not printable ASCII, and can
     * answer nobody then: we would wait for ever. Refused here, first. */
    for (char *p = reply; *p; p++)
        if (*p < ' ' || *p > '~') {
            for (p = reply; *p; p++)    /* shown, '.' for what is not printable */
                *p = *p >= ' ' && *p <= '~' ? *p : '.';
            fail(1, "%s: a reply path that is not printable ASCII ('.' here): the server"
                 " would refuse it and answer nobody", reply);
        }
    size_t len = strlen(reply) + 1 + strlen(text);
    if (len > REQUEST_MAX)
        fail(2, "request: %zu bytes (reply path, NUL, TEXT) is longer than PIPE_BUF"
             " less the header (%d): it could interleave with other clients'", len,
             REQUEST_MAX);
    /* lstat before anything is made: only a FIFO of ours, 0600, is opened.
     * Another user's, or a 0644 one, may be anybody's: open() would hand
     * them our request, or sleep for ever for a reader that never comes. */
    if (lstat(server, &st) == -1) {
        if (errno == ENOENT)
            fail(1, "lstat %s: %s (start fifo_server first?)", server, strerror(errno));
        die("lstat %s", server);
    }
    if ((refused = fifo_refused(&st)) != NULL)
        fail(1, "%s: %s: refused", server, refused);

    int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    for (int s = 0; s < 3; s++)
        if (signal(sigs[s], remove_and_die) == SIG_ERR)
            die("signal %d", sigs[s]);
    /* A server gone before our write: EPIPE, said, our FIFO removed. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");
    if (mkfifo(reply, 0600) == -1)
        die("mkfifo %s", reply);
    made = 1;
    undo_push(unlink, reply);
    /* Our read end first (O_NONBLOCK: no writer yet), then our own write
     * end; then reads may sleep again. */
    int rfd = open_traced(reply, O_RDONLY | O_NONBLOCK);
    int keep = open_traced(reply, O_WRONLY);
    if (fcntl(rfd, F_SETFL, 0) == -1)           /* O_NONBLOCK off */
        die("fcntl %s", reply);

    /* O_NONBLOCK: a FIFO nobody reads (a server killed, its FIFO left
     * behind) fails at once with ENXIO, where open() would sleep for ever. */
    trace_before("open", -1, server, 0, NULL, 0);
    int sfd = open(server, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    trace_after("open", sfd, sfd, errno, NULL, 0);
    if (sfd == -1 && errno == ENXIO)
        fail(1, "no server is reading %s", server);
    if (sfd == -1)
        die("open %s", server);
    /* We keep this descriptor, O_NONBLOCK cleared: a second, blocking open()
     * would sleep for ever if the server went in between, and our write()
     * must wait for room in a full FIFO, not fail with EAGAIN. */
    if (fcntl(sfd, F_SETFL, 0) == -1)
        die("fcntl %s", server);
    fprintf(stderr, "%s: sending to %s\n", progname(), server);
    if (fstat(sfd, &now) == -1)
        die("fstat %s", server);
    if (now.st_dev != st.st_dev || now.st_ino != st.st_ino)
        fail(1, "%s: replaced between lstat and open: refused", server);
    memcpy(req, reply, strlen(reply) + 1);
    memcpy(req + strlen(reply) + 1, text, strlen(text));
    if (frame_write(sfd, req, len) == -1)
        die("write %s", server);

    /* Our write end of DIR/server stays open: poll() reports POLLERR on a
     * FIFO's write end once no process has it open for reading. A server
     * that dies before it answers is seen at once, from the kernel (TLPI's
     * client, asleep in read() holding a writer of its own FIFO, waits for
     * ever then). An answer that has come wins over a server gone since. */
    struct pollfd pfd[2] = { { .fd = rfd, .events = POLLIN }, { .fd = sfd, .events = 0 } };
    trace_before("poll", rfd, server, 0, NULL, 0);
    int ready = poll(pfd, 2, -1);
    trace_after("poll", rfd, ready, errno, NULL, 0);
    if (ready == -1)
        die("poll %s and %s", reply, server);
    if (!(pfd[0].revents & POLLIN) && (pfd[1].revents & POLLERR))
        fail(1, "%s: no reader left: the server is gone before answering", server);
    /* The answer has begun: without our own writer, a server that dies in
     * the middle of it is end of file, not a wait for ever. */
    if (close(sfd) == -1)
        die("close %s", server);
    if (close(keep) == -1)
        die("close %s", reply);
    long alen = frame_read(rfd, answer, sizeof answer, why, sizeof why);
    if (alen == FRAME_EOF || alen == FRAME_ERROR)
        fail(1, "answer from %s: %s", reply, alen == FRAME_EOF ? "end of file" : why);
    for (long k = 0; k < alen; k++)     /* a peer's bytes are shown, not obeyed */
        if (answer[k] < ' ' || answer[k] > '~')
            answer[k] = '.';
    out("%.*s\n", (int)alen, answer);
    if (close(rfd) == -1)
        die("close %s", reply);
    made = 0;
    if (unlink(reply) == -1)
        die("unlink %s", reply);
    undo_clear();
    close_stdout();
    return 0;
}
