/* pair_parent.c - talk to lesson 01's child program over one socketpair()
 * instead of two pipes.
 *
 * Usage: pair_parent [-n COUNT] [--forget-close] -- CHILD [ARG...]
 *   -n COUNT        pings to send, 1 to 100 (default 3)
 *   --forget-close  keep our copy of the child's end (the EOF bug)
 *   CHILD ARG...    the child command: lesson 01's pipe_child (or
 *                   pipe_child.py), unchanged. It gets two more arguments,
 *                   "0 1": it reads pings on its fd 0 and answers on its
 *                   fd 1, both its end of the pair
 *
 *      parent                                 child
 *      sv[0]  <== frames both ways ==>  sv[1] as fd 0 and fd 1
 *
 * What to watch: a socketpair is the pipe's anonymous relative that goes
 * both ways: one pair instead of two pipes. We send every ping, then
 * shutdown(SHUT_WR): the child's read() returns 0 however many descriptors
 * of our end exist (shutdown acts on the socket, where a pipe's reader
 * waits for every write end to close). Then we read the replies until EOF,
 * which comes only once every descriptor of the child's end is closed: its
 * two, when it exits, and ours. With --forget-close we keep ours: the child
 * exits (a zombie: not reaped yet) and we sleep in read() for ever.
 * At most 100 pings: sent before any reply is read, they and the replies
 * fit in the socket's buffers (past that, lesson 01's --send-first deadlock).
 * Mirror: python_peers/05-unix-sockets/pair_parent.py.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"

extern char **environ;

/* Read reply n and print it, bytes other than printable ASCII as '.'.
 * Returns 0 at EOF: no descriptor of the child's end is open anywhere. A
 * reply past the pings answers nothing: a child that floods us. */
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
    long count = 3, got = 0;
    int forget = 0, i, sv[2], err, status;
    char ping[32];

    set_progname(argv[0]);
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "-n") == 0)
            count = parse_long("-n", option_value(argc, argv, &i), 1, 100);
        else if (strcmp(argv[i], "--forget-close") == 0)
            forget = 1;
        else
            break;
    }
    if (i + 1 >= argc || strcmp(argv[i], "--") != 0)
        fail(2, "usage: %s [-n COUNT] [--forget-close] -- CHILD [ARG...]", argv[0]);
    if (argv[i + 1][0] == '\0')
        fail(2, "CHILD is empty: name the child's program (lesson 01's pipe_child)");
    int ncmd = argc - i - 1;
    char **args = calloc((size_t)ncmd + 3, sizeof *args);
    if (args == NULL)
        die("calloc");
    memcpy(args, argv + i + 1, (size_t)ncmd * sizeof *args);
    args[ncmd] = "0";           /* pipe_child RFD WFD: both its end of the pair */
    args[ncmd + 1] = "1";

    /* SOCK_CLOEXEC: neither end leaks into the child's program but as the
     * two copies we make for it (dup2 clears the flag on a copy). */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
        die("socketpair");
    posix_spawn_file_actions_t fa;
    pid_t pid;
    if ((err = posix_spawn_file_actions_init(&fa)) != 0 ||
        (err = posix_spawn_file_actions_adddup2(&fa, sv[1], 0)) != 0 ||
        (err = posix_spawn_file_actions_adddup2(&fa, sv[1], 1)) != 0) {
        errno = err;            /* the posix_spawn functions return it */
        die("posix_spawn_file_actions");
    }
    /* glibc's posix_spawnp reports a failed exec here, as its result. */
    if ((err = posix_spawnp(&pid, args[0], &fa, NULL, args, environ)) != 0) {
        errno = err;
        die("exec %s", args[0]);
    }
    posix_spawn_file_actions_destroy(&fa);
    undo_child(pid, args[0]);   /* ours: if we fail, ended and reaped */
    fprintf(stderr, "%s: child %ld reads and answers on its fd 0 and fd 1, the pair's"
            " other end\n", progname(), (long)pid);

    if (!forget) {              /* the child has its own copies of its end */
        if (close(sv[1]) == -1)
            die("close %s", fd_object(sv[1]));
    } else {
        fprintf(stderr, "%s: --forget-close: keeping %s, the child's end: EOF will never"
                " come\n", progname(), fd_object(sv[1]));
    }

    /* MSG_NOSIGNAL: a child gone makes send fail with EPIPE, which we
     * report (and end it), instead of SIGPIPE killing us and leaving it. */
    for (long k = 1; k <= count; k++) {
        int len = snprintf(ping, sizeof ping, "ping %ld", k);
        if (frame_send(sv[0], ping, (size_t)len, MSG_NOSIGNAL) == -1)
            die("send %s", fd_object(sv[0]));
    }
    /* No more pings: the child's read() returns 0. We can still read. */
    if (shutdown(sv[0], SHUT_WR) == -1)
        die("shutdown %s", fd_object(sv[0]));
    fprintf(stderr, "%s: sent %ld %s, then shutdown(SHUT_WR): the child reads EOF\n",
            progname(), count, plural(count, "ping", "pings"));
    while (read_reply(sv[0], got + 1, count))
        got++;

    if (waitpid(pid, &status, 0) == -1)
        die("waitpid %ld", (long)pid);
    undo_clear();               /* reaped: nothing left to end */
    out("child %s\n", how_it_ended(status));
    close_stdout();
    fprintf(stderr, "%s: got %ld %s\n", progname(), got, plural(got, "reply", "replies"));
    free(args);
    return got == count && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
