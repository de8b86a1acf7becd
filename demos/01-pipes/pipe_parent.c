/* pipe_parent.c - talk to a child program over two pipes, one each way.
 *
 * Usage: pipe_parent [-n COUNT] [--forget-close] -- CHILD [ARG...]
 *   -n COUNT          pings to send, 1 to 1000 (default 3)
 *   --forget-close    keep our copy of the up pipe's write end (the bug)
 *   CHILD ARG...      the child command; it gets two more arguments: the
 *                     descriptor to read pings from and the one to answer on
 *
 *      parent                              child
 *      down[1] ---- "ping 1" ---------->  down[0]  (RFD)
 *      up[0]   <--- "pong: ping 1 ..." -- up[1]    (WFD)
 *
 * What to watch: the parent sends its pings, closes its write end (so the
 * child's read() returns 0), then reads replies until EOF, which comes only
 * when every write end of the up pipe is closed: the child's, when it exits,
 * and the parent's own copy. With --forget-close the parent keeps that copy:
 * the child exits and stays a zombie (nobody reaps it yet) while the parent
 * sleeps in read() forever.
 * Mirror: python_peers/01-pipes/pipe_parent.py. Child: pipe_child.c/.py.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "trace.h"

/* In the child after fork(): keep our two ends across exec, run CMD RFD WFD. */
static void start_child(char **cmd, int ncmd, int rfd, int wfd)
{
    char r[16], w[16];
    char **args = calloc((size_t)ncmd + 3, sizeof *args);

    if (args == NULL)
        die("calloc");
    /* pipe2(O_CLOEXEC) made every end close-on-exec; we clear the flag on
     * just the two ends the child uses. Were the other two inherited, the
     * child would hold a write end of the down pipe it reads (its read()
     * would never return 0) and the parent would lose EOF the same way. */
    if (fcntl(rfd, F_SETFD, 0) == -1)
        die("fcntl %s", fd_object(rfd));
    if (fcntl(wfd, F_SETFD, 0) == -1)
        die("fcntl %s", fd_object(wfd));
    snprintf(r, sizeof r, "%d", rfd);
    snprintf(w, sizeof w, "%d", wfd);
    memcpy(args, cmd, (size_t)ncmd * sizeof *args);
    args[ncmd] = r;
    args[ncmd + 1] = w;
    execvp(args[0], args);
    die("exec %s", args[0]);
}

int main(int argc, char *argv[])
{
    long count = 3, got = 0, len;
    int forget = 0, i, down[2], up[2], status;
    static char reply[FRAME_MAX];
    char ping[32], why[160];

    set_progname(argv[0]);
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            count = parse_long("-n", argv[++i], 1, 1000);
        else if (strcmp(argv[i], "--forget-close") == 0)
            forget = 1;
        else
            break;
    }
    if (i + 1 >= argc || strcmp(argv[i], "--") != 0)
        fail(2, "usage: %s [-n COUNT] [--forget-close] -- CHILD [ARG...]", argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* O_CLOEXEC: no end leaks into the program the child runs unless we
     * say so (see start_child). */
    if (pipe2(down, O_CLOEXEC) == -1)
        die("pipe2 (down)");
    if (pipe2(up, O_CLOEXEC) == -1)
        die("pipe2 (up)");
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0)
        start_child(argv + i + 1, argc - i - 1, down[0], up[1]);
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

    /* COUNT is at most 1000, so all replies fit in the up pipe while we
     * are still sending: the child never blocks on a full pipe. */
    for (long n = 1; n <= count; n++) {
        int plen = snprintf(ping, sizeof ping, "ping %ld", n);
        if (frame_write(down[1], ping, (size_t)plen) == -1)
            die("write %s", fd_object(down[1]));
    }
    /* Our write end closed: after the last ping the child's read() returns 0. */
    if (close(down[1]) == -1)
        die("close %s", fd_object(down[1]));

    while ((len = frame_read(up[0], reply, sizeof reply, why, sizeof why)) >= 0)
        printf("reply %ld: %.*s\n", ++got, (int)len, reply);
    if (len == FRAME_ERROR)
        fail(1, "reply %ld from %s: %s", got + 1, fd_object(up[0]), why);

    if (waitpid(pid, &status, 0) == -1)
        die("waitpid %ld", (long)pid);
    if (WIFEXITED(status))
        printf("child exited with status %d\n", WEXITSTATUS(status));
    else
        printf("child killed by signal %d (%s)\n", WTERMSIG(status),
               strsignal(WTERMSIG(status)));
    fprintf(stderr, "%s: sent %ld pings, got %ld replies\n", progname(), count, got);
    return got == count && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
