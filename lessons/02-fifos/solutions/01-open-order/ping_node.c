/* ping_node.c - one of two nodes that talk over two FIFOs, one each way.
 * Reference solution of exercise 02-fifos/01-open-order (README.md there).
 *
 * Usage: ping_node [-n COUNT] a|b DIR
 *   a|b       node a sends COUNT pings and prints the reply to each; node b
 *             answers every ping until node a closes its end (EOF)
 *   DIR       the folder of the two FIFOs, made before either node starts:
 *             DIR/a-to-b (a writes, b reads), DIR/b-to-a (b writes, a reads)
 *   -n COUNT  pings node a sends, 1 to 1000 (default 3)
 *
 * open() of a FIFO sleeps until the other end is opened too. Both nodes
 * open DIR/a-to-b first, then DIR/b-to-a, as the kit's fifo_node does:
 * each node's first open meets the other's first open, so neither waits
 * for ever.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"

/* Open one FIFO, saying first what we wait for: open() of a FIFO returns
 * only once somebody has the other end open. Then make sure it is a FIFO
 * of ours that nobody else can open, before a byte goes through it. */
static int open_fifo(const char *role, const char *path, int flags)
{
    struct stat st;

    fprintf(stderr, "%s %s: opening %s for %s\n", progname(), role, path,
            flags == O_RDONLY ? "reading" :
            flags == O_WRONLY ? "writing" : "reading and writing");
    int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC);
    if (fd == -1)
        die("open %s", path);
    if (fstat(fd, &st) == -1)
        die("fstat %s", path);
    if (!S_ISFIFO(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0)
        fail(1, "%s: not a private FIFO of ours (a FIFO, uid %ld, mode 0600)", path,
             (long)geteuid());
    return fd;
}

int main(int argc, char *argv[])
{
    static char ping[64], pong[128];
    char a_to_b[PATH_MAX], b_to_a[PATH_MAX], why[160];
    long count = 3, got = 0, len;
    int i, rfd, wfd;

    set_progname(argv[0]);
    for (i = 1; i < argc && strcmp(argv[i], "-n") == 0; i++)
        count = parse_long("-n", option_value(argc, argv, &i), 1, 1000);
    if (argc - i != 2 || (strcmp(argv[i], "a") != 0 && strcmp(argv[i], "b") != 0))
        fail(2, "usage: %s [-n COUNT] a|b DIR", argv[0]);
    const char *role = argv[i], *dir = argv[i + 1];
    int is_a = role[0] == 'a';
    if (snprintf(a_to_b, sizeof a_to_b, "%s/a-to-b", dir) >= (int)sizeof a_to_b ||
        snprintf(b_to_a, sizeof b_to_a, "%s/b-to-a", dir) >= (int)sizeof b_to_a)
        fail(2, "DIR: longer than %d bytes", PATH_MAX - 8);
    /* A node that goes makes write() fail with EPIPE: we say so. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");

    /* Node a writes a-to-b and reads b-to-a; node b the other way round. */
    const char *rpath = is_a ? b_to_a : a_to_b, *wpath = is_a ? a_to_b : b_to_a;
    /* Both nodes open a-to-b first: node a's open for writing meets node
     * b's open for reading, and then their opens of b-to-a meet too. One
     * order on both sides, as with locks, and no node waits for an open
     * the other can only make after its own. */
    if (is_a) {
        wfd = open_fifo(role, wpath, O_WRONLY);
        rfd = open_fifo(role, rpath, O_RDONLY);
    } else {
        rfd = open_fifo(role, rpath, O_RDONLY);
        wfd = open_fifo(role, wpath, O_WRONLY);
    }

    if (is_a) {
        for (long sent = 1; sent <= count; sent++) {
            int plen = snprintf(ping, sizeof ping, "ping %ld", sent);
            if (frame_write(wfd, ping, (size_t)plen) == -1)
                die("write %s", wpath);
            len = frame_read(rfd, pong, sizeof pong, why, sizeof why);
            if (len == FRAME_EOF)
                fail(1, "reply %ld from %s: end of file: node b is gone", sent, rpath);
            if (len == FRAME_ERROR)
                fail(1, "reply %ld from %s: %s", sent, rpath, why);
            for (long k = 0; k < len; k++)      /* a peer's bytes are shown, not obeyed */
                if (pong[k] < ' ' || pong[k] > '~')
                    pong[k] = '.';
            out("reply %ld: %.*s\n", ++got, (int)len, pong);
        }
        /* Our write end closed: b reads EOF and closes its own; we read EOF. */
        if (close(wfd) == -1)
            die("close %s", wpath);
        len = frame_read(rfd, pong, sizeof pong, why, sizeof why);
        if (len != FRAME_EOF)
            fail(1, "%s: %s after the last reply", rpath, len >= 0 ? "a reply to no ping" : why);
        close_stdout();
        fprintf(stderr, "%s a: sent %ld %s, got %ld %s\n", progname(), count,
                plural(count, "ping", "pings"), got, plural(got, "reply", "replies"));
    } else {
        /* Until EOF: node a has closed a-to-b. */
        while ((len = frame_read(rfd, ping, sizeof ping, why, sizeof why)) >= 0) {
            int plen = snprintf(pong, sizeof pong, "pong: %.*s (from C)", (int)len, ping);
            if (frame_write(wfd, pong, (size_t)plen) == -1)
                die("write %s", wpath);
            got++;
        }
        if (len == FRAME_ERROR)
            fail(1, "ping %ld from %s: %s", got + 1, rpath, why);
        if (close(wfd) == -1)       /* node a reads EOF after our last pong */
            die("close %s", wpath);
        close_stdout();
        fprintf(stderr, "%s b: answered %ld %s\n", progname(), got, plural(got, "ping", "pings"));
    }
    return 0;
}
