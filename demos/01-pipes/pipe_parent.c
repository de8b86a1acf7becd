/* pipe_parent.c - talk to a child program over two pipes, one each way.
 *
 * Usage: pipe_parent [-n COUNT] [--pipe-size BYTES] [--send-first] [--forget-close]
 *                    -- CHILD [ARG...]
 *   -n COUNT            pings to send, 1 to 1000 (default 3)
 *   --pipe-size BYTES   make both pipes hold BYTES, 4096 to 1048576 (F_SETPIPE_SZ;
 *                       the kernel rounds up to a power of two of 4 KiB pages)
 *   --send-first        send every ping before reading a reply (the deadlock)
 *   --forget-close      keep our copy of the up pipe's write end (the EOF bug)
 *   CHILD ARG...        the child command; it gets two more arguments: the
 *                       descriptor to read pings from and the one to answer on
 *
 *      parent                              child
 *      down[1] ---- "ping 1" ---------->  down[0]  (RFD)
 *      up[0]   <--- "pong: ping 1 ..." -- up[1]    (WFD)
 *
 * What to watch: the parent sends its pings while it reads the replies, then
 * closes its write end (so the child's read() returns 0) and reads the rest
 * until EOF, which comes only when every write end of the up pipe is closed:
 * the child's, when it exits, and the parent's own copy. With --forget-close
 * the parent keeps that copy: the child exits and stays a zombie (nobody
 * reaps it yet) while the parent sleeps in read() forever. With --send-first
 * and more replies than the up pipe holds, both sleep in write() forever.
 * Mirror: python_peers/01-pipes/pipe_parent.py. Child: pipe_child.c/.py.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "trace.h"

/* In the child after fork(): run CMD ARG... RFD WFD. A failure goes back to
 * the parent as errno on report, a close-on-exec pipe: an exec that works
 * closes it unseen, and the parent reads EOF instead. */
static void start_child(char **cmd, int ncmd, int rfd, int wfd, int report)
{
    char r[16], w[16];
    char **args = calloc((size_t)ncmd + 3, sizeof *args);

    /* SIGPIPE back to its default: an ignored signal stays ignored across exec. */
    if (args != NULL && signal(SIGPIPE, SIG_DFL) != SIG_ERR) {
        snprintf(r, sizeof r, "%d", rfd);
        snprintf(w, sizeof w, "%d", wfd);
        memcpy(args, cmd, (size_t)ncmd * sizeof *args);
        args[ncmd] = r;
        args[ncmd + 1] = w;
        execvp(args[0], args);
    }
    int err = errno;
    if (write(report, &err, sizeof err) != (ssize_t)sizeof err)
        _exit(126);             /* cannot even tell: the parent sees status 126 */
    _exit(127);                 /* _exit: the parent's stdio buffers are not ours */
}

/* In the parent after fork(): did the child's exec work? EOF on report
 * (once our write end is closed) says it did; else the child sent its
 * errno, and we report it, as Python's subprocess does. */
static void check_exec(int report[2], pid_t pid, const char *cmd)
{
    int err, status;
    ssize_t r;

    if (close(report[1]) == -1)
        die("close %s", fd_object(report[1]));
    do
        r = read(report[0], &err, sizeof err);
    while (r == -1 && errno == EINTR);
    if (r == -1)
        die("read %s", fd_object(report[0]));
    if (r == (ssize_t)sizeof err) {
        if (waitpid(pid, &status, 0) == -1)     /* it has exited: reap it */
            die("waitpid %ld", (long)pid);
        undo_clear();                           /* reaped: nothing to end */
        errno = err;
        die("exec %s", cmd);
    }
    if (close(report[0]) == -1)
        die("close %s", fd_object(report[0]));
}

/* Read reply n and print it, bytes other than printable ASCII as '.'.
 * Returns 0 at EOF: no write end of the pipe is left open anywhere. A
 * reply past the sent pings answers nothing: a child that floods us. */
static int read_reply(int fd, long n, long sent)
{
    static char reply[FRAME_MAX];
    char why[160];
    long len = frame_read(fd, reply, sizeof reply, why, sizeof why);

    if (len == FRAME_EOF)
        return 0;
    if (len == FRAME_ERROR)
        fail(1, "reply %ld from %s: %s", n, fd_object(fd), why);
    if (n > sent)
        fail(1, "reply %ld from %s: a reply to no ping: %ld %s sent", n, fd_object(fd),
             sent, plural(sent, "ping", "pings"));
    for (long i = 0; i < len; i++)
        if (reply[i] < ' ' || reply[i] > '~')
            reply[i] = '.';
    out("reply %ld: %.*s\n", n, (int)len, reply);
    return 1;
}

int main(int argc, char *argv[])
{
    long count = 3, size = 0, sent = 0, got = 0;
    int forget = 0, send_first = 0, i, down[2], up[2], report[2], status;
    char ping[32];

    set_progname(argv[0]);
    /* A child that closes its end early makes our next write fail with
     * EPIPE: we say so and end the child, rather than die of SIGPIPE and
     * leave it behind. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "-n") == 0)
            count = parse_long("-n", option_value(argc, argv, &i), 1, 1000);
        else if (strcmp(argv[i], "--pipe-size") == 0)
            size = parse_long("--pipe-size", option_value(argc, argv, &i), 4096, 1048576);
        else if (strcmp(argv[i], "--send-first") == 0)
            send_first = 1;
        else if (strcmp(argv[i], "--forget-close") == 0)
            forget = 1;
        else
            break;
    }
    if (i + 1 >= argc || strcmp(argv[i], "--") != 0)
        fail(2, "usage: %s [-n COUNT] [--pipe-size BYTES] [--send-first] [--forget-close]"
             " -- CHILD [ARG...]", argv[0]);

    /* O_CLOEXEC: no end leaks into the program the child runs unless we
     * say so: we clear the flag on just the two ends the child keeps (our
     * own copies of them we close right after fork). Were the other two
     * inherited, the child would hold a write end of the down pipe it reads
     * (its read() would never return 0) and we would lose EOF the same way. */
    if (pipe2(down, O_CLOEXEC) == -1)
        die("pipe2 (down)");
    if (pipe2(up, O_CLOEXEC) == -1)
        die("pipe2 (up)");
    if (size != 0) {            /* F_SETPIPE_SZ returns the size the kernel chose */
        int held = fcntl(down[1], F_SETPIPE_SZ, (int)size);
        if (held == -1)
            die("fcntl F_SETPIPE_SZ %s", fd_object(down[1]));
        if (fcntl(up[1], F_SETPIPE_SZ, (int)size) == -1)
            die("fcntl F_SETPIPE_SZ %s", fd_object(up[1]));
        fprintf(stderr, "%s: --pipe-size: each pipe holds %d bytes\n", progname(), held);
    }
    if (fcntl(down[0], F_SETFD, 0) == -1)
        die("fcntl %s", fd_object(down[0]));
    if (fcntl(up[1], F_SETFD, 0) == -1)
        die("fcntl %s", fd_object(up[1]));

    if (pipe2(report, O_CLOEXEC) == -1)
        die("pipe2 (report)");
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0)
        start_child(argv + i + 1, argc - i - 1, down[0], up[1], report[1]);
    undo_child(pid, argv[i + 1]);   /* ours: if we fail, ended and reaped */
    check_exec(report, pid, argv[i + 1]);
    fprintf(stderr, "%s: child %ld reads fd %d, answers on fd %d\n",
            progname(), (long)pid, down[0], up[1]);

    /* The child has its own copies of its ends: close ours. */
    if (close(down[0]) == -1)
        die("close %s", fd_object(down[0]));
    if (!forget) {
        if (close(up[1]) == -1)
            die("close %s", fd_object(up[1]));
    } else {
        fprintf(stderr, "%s: --forget-close: keeping %s, the up pipe's write end:"
                " EOF will never come\n", progname(), fd_object(up[1]));
    }

    /* Read while we send. The replies fill the up pipe while we are still
     * sending, and a pipe may hold little: 64 KiB by default, 8 KiB for a
     * user past /proc/sys/fs/pipe-user-pages-soft. Were we to send every
     * ping first (--send-first), we could sleep in write() on a full down
     * pipe while the child sleeps in write() on a full up pipe, each waiting
     * for the other for ever. poll() says which end is ready: POLLOUT means
     * a free page, so a ping (at most PIPE_BUF bytes) goes in at once. */
    while (sent < count) {
        struct pollfd pfd[2] = { { .fd = up[0], .events = POLLIN },
                                 { .fd = down[1], .events = POLLOUT } };
        if (send_first) {
            pfd[1].revents = POLLOUT;           /* don't look, write */
        } else if (poll(pfd, 2, -1) == -1) {
            if (errno == EINTR)
                continue;
            die("poll %s", fd_object(up[0]));
        }
        if (pfd[0].revents != 0) {
            if (!read_reply(up[0], got + 1, sent))
                break;          /* EOF: the child is gone before our last ping */
            got++;
        }
        if (pfd[1].revents != 0) {  /* room, or POLLERR: the write says why */
            int plen = snprintf(ping, sizeof ping, "ping %ld", sent + 1);
            if (frame_write(down[1], ping, (size_t)plen) == -1)
                die("write %s", fd_object(down[1]));
            sent++;
        }
    }
    /* Our write end closed: after the last ping the child's read() returns 0. */
    if (close(down[1]) == -1)
        die("close %s", fd_object(down[1]));
    while (read_reply(up[0], got + 1, sent))
        got++;

    if (waitpid(pid, &status, 0) == -1)
        die("waitpid %ld", (long)pid);
    undo_clear();                   /* reaped: nothing left to end */
    out("child %s\n", how_it_ended(status));
    close_stdout();
    fprintf(stderr, "%s: sent %ld %s, got %ld %s\n", progname(), sent,
            plural(sent, "ping", "pings"), got, plural(got, "reply", "replies"));
    return got == count && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
