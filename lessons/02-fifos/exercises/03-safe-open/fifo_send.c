/* fifo_send.c - send each TEXT as a frame into a FIFO a server reads,
 * but only through a FIFO of our own that nobody else can open.
 * Exercise 02-fifos/03-safe-open: the task is in README.md.
 *
 * Usage: fifo_send PATH TEXT...
 *   PATH   the server's FIFO: ours, mode 0600 (mkfifo -m 600 PATH)
 *   TEXT   one frame each (lesson 01's wire format), at most 4092 bytes
 *
 * This version opens whatever is at PATH and writes to it: a regular
 * file, a link, a FIFO somebody else reads. Fix the TODOs.
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

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    if (argc < 3)
        fail(2, "usage: %s PATH TEXT...", argv[0]);
    const char *path = argv[1];
    for (int i = 2; i < argc; i++)          /* one write() each: never torn */
        if (strlen(argv[i]) > PIPE_BUF - 4)
            fail(2, "TEXT %d: %zu bytes, more than %d", i - 1, strlen(argv[i]),
                 PIPE_BUF - 4);
    /* The server gone, write() fails with EPIPE: we say so. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");

    /* TODO 1: before anything goes out, look at what is at PATH without
     * following a link, and refuse (status 1, naming PATH and what is
     * there) anything but a FIFO of ours, mode 0600. A regular file or a
     * link at that name would get our bytes; a FIFO of another user's,
     * or one others may open, hands them to whoever reads it. */

    /* Sleeps until the server has the FIFO open for reading.
     * TODO 2: the name may be replaced by a link between your check and
     * this open(): refuse to follow one here, and make sure what you
     * opened is what you checked. */
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd == -1)
        die("open %s", path);

    for (int i = 2; i < argc; i++)
        if (frame_write(fd, argv[i], strlen(argv[i])) == -1)
            die("write %s", path);
    if (close(fd) == -1)
        die("close %s", path);
    fprintf(stderr, "%s: sent %d %s to %s\n", progname(), argc - 2,
            plural(argc - 2, "frame", "frames"), path);
    return 0;
}
