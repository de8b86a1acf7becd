/* fifo_node.c - one of two programs that talk over two FIFOs, one each way.
 *
 * Usage: fifo_node [-n COUNT] [--make] [--open-order ORDER] [--] a|b DIR
 *   a|b                node a sends COUNT pings (-n: 1 to 1000000, default
 *                      3) and reads each reply; b answers until a goes (EOF)
 *   DIR                our private directory (mode 0700): DIR/a-to-b and
 *                      DIR/b-to-a are the FIFOs
 *   --make             make both FIFOs (0600), remove them once both nodes
 *                      have them open (or on a failure or a signal before):
 *                      start this node first
 *   --open-order ORDER same: both open a-to-b first, then b-to-a (the
 *                      default: cannot deadlock); read-first: each opens the
 *                      FIFO it reads first; write-first: the one it writes
 *                      first. Either of those two deadlocks.
 *
 *      node a                                    node b
 *      DIR/a-to-b (write) ---- "ping 1" ------> DIR/a-to-b (read)
 *      DIR/b-to-a (read)  <--- "pong: ping 1 .." DIR/b-to-a (write)
 *
 * What to watch: open() of a FIFO sleeps until the other end is opened too
 * (the kernel shows the node asleep in openat). With --open-order read-first
 * a waits for a writer on b-to-a while b waits for one on a-to-b: for ever.
 * Opening in the same order on both sides, as one takes locks, cannot
 * deadlock. A name is checked before open() and after: a file, a directory,
 * a link, another user's FIFO, one open to others, or one swapped in between
 * is refused, never written through. Messages are lesson 01's frames
 * (frame.h). Mirror: fifo_node.py.
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
#include "rundir.h"
#include "trace.h"

/* The pong is "pong: " PING " (from C)": this much longer than the ping. */
static const char before[] = "pong: ", after[] = " (from C)";
#define PONG_EXTRA (sizeof before - 1 + sizeof after - 1)
#define USAGE "usage: %s [-n COUNT] [--make] [--open-order same|read-first|write-first]" \
              " [--] a|b DIR"

/* The FIFOs this run made, for the signal handler: a FIFO outlives the
 * process that made it, so an ended node removes its own (unlink() is
 * async-signal-safe), then dies of the signal as it would have. */
static char made[2][PATH_MAX];
static volatile sig_atomic_t nmade;

static void remove_and_die(int sig)
{
    for (int i = 0; i < nmade; i++)
        unlink(made[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Open one FIFO, saying first what we wait for: open() of a FIFO returns
 * only once somebody has the other end open. lstat first: only a FIFO of
 * ours that nobody else can open is opened (a file, a directory, a link,
 * another user's FIFO or one open to others is never written through);
 * fstat after: the same FIFO, not one put at the name in between. */
static int open_fifo(const char *path, int flags)
{
    struct stat st, now;
    const char *why;

    if (lstat(path, &st) == -1) {
        if (errno == ENOENT && nmade == 0)      /* we did not make it: nobody has */
            fail(1, "lstat %s: %s (start the other node with --make first?)", path,
                 strerror(errno));
        die("lstat %s", path);
    }
    if ((why = fifo_refused(&st)) != NULL)      /* not a FIFO, not ours, not 0600 */
        fail(1, "%s: %s: refused", path, why);
    int acc = flags & O_ACCMODE;
    fprintf(stderr, "%s: opening %s for %s: waits for the other end\n", progname(), path,
            acc == O_RDONLY ? "reading" : acc == O_WRONLY ? "writing" : "reading and writing");
    trace_before("open", -1, path, 0, NULL, 0);
    int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC);
    trace_after("open", fd, fd, errno, NULL, 0);
    if (fd == -1)
        die("open %s", path);
    if (fstat(fd, &now) == -1)
        die("fstat %s", path);
    if (now.st_dev != st.st_dev || now.st_ino != st.st_ino)
        fail(1, "%s: replaced between lstat and open: refused", path);
    return fd;
}

int main(int argc, char *argv[])
{
    static char ping[FRAME_MAX], pong[FRAME_MAX];
    char a_to_b[PATH_MAX], b_to_a[PATH_MAX], why[160];
    long count = 3, sent = 0, got = 0, len;
    int make = 0, i, rfd, wfd;
    const char *order = "same";
    struct stat st;

    set_progname(argv[0]);
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-n") == 0)
            count = parse_long("-n", option_value(argc, argv, &i), 1, 1000000);
        else if (strcmp(argv[i], "--make") == 0)
            make = 1;
        else if (strcmp(argv[i], "--open-order") == 0)
            order = option_value(argc, argv, &i);
        else if (strcmp(argv[i], "--") == 0 && ++i)    /* the end of the options */
            break;
        else                        /* -h, --help, an unknown option */
            fail(2, USAGE, argv[0]);
    }
    if (argc - i != 2 || (strcmp(argv[i], "a") != 0 && strcmp(argv[i], "b") != 0) ||
        (strcmp(order, "same") && strcmp(order, "read-first") && strcmp(order, "write-first")))
        fail(2, USAGE, argv[0]);
    const char *role = argv[i], *dir = argv[i + 1];
    if (!dir[0])
        fail(2, "DIR is empty: give a directory's path");
    static char name[NAME_MAX + 3];     /* "fifo_node b": every line says which node */
    snprintf(name, sizeof name, "%s %s", progname(), role);
    set_progname(name);
    int is_a = role[0] == 'a';
    int dlen = (int)strlen(dir);        /* "priv/": priv/a-to-b, not priv//a-to-b */
    while (dlen > 1 && dir[dlen - 1] == '/')
        dlen--;
    if (snprintf(a_to_b, sizeof a_to_b, "%.*s/a-to-b", dlen, dir) >= (int)sizeof a_to_b ||
        snprintf(b_to_a, sizeof b_to_a, "%.*s/b-to-a", dlen, dir) >= (int)sizeof b_to_a)
        fail(2, "DIR: longer than %d bytes", PATH_MAX - 8);
    private_dir(dir, &st);          /* ours, 0700: nobody else can put a name in it */

    /* A peer that goes makes write() fail with EPIPE: we say so. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");
    if (make) {
        int sigs[] = { SIGINT, SIGTERM, SIGHUP };
        struct sigaction old;
        for (int s = 0; s < 3; s++) {
            if (sigaction(sigs[s], NULL, &old) == -1)
                die("sigaction %d", sigs[s]);
            if (old.sa_handler != SIG_IGN &&        /* ignored stays ignored */
                signal(sigs[s], remove_and_die) == SIG_ERR)
                die("signal %d", sigs[s]);
        }
        /* mkfifo fails with EEXIST on anything already there: never reuse
         * what this run did not make (the tutorial's "unless it exists"). */
        const char *paths[] = { a_to_b, b_to_a };
        for (int p = 0; p < 2; p++) {
            if (mkfifo(paths[p], 0600) == -1) {
                if (errno == EEXIST)    /* the same words as fifo_server's */
                    fail(1, "mkfifo %s: %s (left from an earlier run?)", paths[p],
                         strerror(errno));
                die("mkfifo %s", paths[p]);
            }
            undo_push(unlink, paths[p]);
            strcpy(made[p], paths[p]);
            nmade = p + 1;
        }
    }

    /* a writes a-to-b and reads b-to-a; b the other way round. The order:
     * "same" opens a-to-b first on both sides, so one node's first open
     * meets the other's first open. */
    const char *rpath = is_a ? b_to_a : a_to_b, *wpath = is_a ? a_to_b : b_to_a;
    int read_first = strcmp(order, "read-first") == 0 ||
                     (strcmp(order, "same") == 0 && !is_a);
    if (read_first) {
        rfd = open_fifo(rpath, O_RDONLY);
        wfd = open_fifo(wpath, O_WRONLY);
    } else {
        wfd = open_fifo(wpath, O_WRONLY);
        rfd = open_fifo(rpath, O_RDONLY);
    }
    /* Both nodes have both FIFOs open: the names are no longer needed. */
    if (make) {
        nmade = 0;
        for (int p = 0; p < 2; p++)
            if (unlink(made[p]) == -1)
                die("unlink %s", made[p]);
        undo_clear();
    }

    if (is_a) {
        for (sent = 0; sent < count; sent++) {
            int plen = snprintf(ping, sizeof ping, "ping %ld", sent + 1);
            if (frame_write(wfd, ping, (size_t)plen) == -1)
                die("write %s", fd_object(wfd));
            len = frame_read(rfd, pong, sizeof pong, why, sizeof why);
            if (len == FRAME_EOF)
                fail(1, "reply %ld from %s: end of file: node b is gone", sent + 1, rpath);
            if (len == FRAME_ERROR)
                fail(1, "reply %ld from %s: %s", sent + 1, rpath, why);
            for (long k = 0; k < len; k++)      /* a peer's bytes are shown, not obeyed */
                if (pong[k] < ' ' || pong[k] > '~')
                    pong[k] = '.';
            out("reply %ld: %.*s\n", ++got, (int)len, pong);
        }
        /* Our write end closed: b reads EOF, answers no more, and closes its own. */
        if (close(wfd) == -1)
            die("close %s", wpath);
        len = frame_read(rfd, pong, sizeof pong, why, sizeof why);
        if (len != FRAME_EOF)
            fail(1, "%s: %s after the last reply", rpath, len >= 0 ? "a reply to no ping" : why);
    } else {
        while ((len = frame_read(rfd, ping, sizeof ping, why, sizeof why)) >= 0) {
            /* A pong must fit in a frame: refuse a ping too long to answer whole. */
            if ((size_t)len > FRAME_MAX - PONG_EXTRA)
                fail(1, "ping %ld from %s: %ld bytes is too long to answer", got + 1,
                     rpath, len);
            memcpy(pong, before, sizeof before - 1);
            memcpy(pong + sizeof before - 1, ping, (size_t)len);
            memcpy(pong + sizeof before - 1 + len, after, sizeof after - 1);
            if (frame_write(wfd, pong, (size_t)len + PONG_EXTRA) == -1)
                die("write %s", fd_object(wfd));
            got++;
        }
        if (len == FRAME_ERROR)
            fail(1, "ping %ld from %s: %s", got + 1, rpath, why);
        if (close(wfd) == -1)       /* a reads EOF after our last pong */
            die("close %s", wpath);
    }
    close_stdout();
    if (is_a)
        fprintf(stderr, "%s: sent %ld %s, got %ld %s\n", progname(), sent,
                plural(sent, "ping", "pings"), got, plural(got, "reply", "replies"));
    else
        fprintf(stderr, "%s: answered %ld %s\n", progname(), got,
                plural(got, "ping", "pings"));
    return 0;
}
