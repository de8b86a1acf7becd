/* pipe_child.c - answer every ping from the parent, until EOF.
 *
 * Usage: pipe_child RFD WFD      (pipe_parent appends the two numbers)
 *   RFD   the descriptor to read pings from (the down pipe's read end)
 *   WFD   the descriptor to answer on (the up pipe's write end)
 *
 * What to watch: the child reads until read() returns 0, which happens only
 * after the parent has closed its write end of the down pipe. When the child
 * exits, its WFD closes; the parent sees EOF only if it holds no copy of that
 * end itself (pipe_parent --forget-close).
 * Mirror: python_peers/01-pipes/pipe_child.py. Parent: pipe_parent.c/.py.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "trace.h"

/* The pong is "pong: " PING " (from C)": this much longer than the ping. */
static const char before[] = "pong: ", after[] = " (from C)";
#define PONG_EXTRA (sizeof before - 1 + sizeof after - 1)

int main(int argc, char *argv[])
{
    static char ping[FRAME_MAX], pong[FRAME_MAX];
    long answered = 0, len;
    char why[160];

    set_progname(argv[0]);
    if (argc != 3)
        fail(2, "usage: %s RFD WFD", argv[0]);
    int rfd = (int)parse_long("RFD", argv[1], 0, 1023);
    int wfd = (int)parse_long("WFD", argv[2], 0, 1023);
    /* Refuse descriptors we were not given before reading anything. */
    if (fcntl(rfd, F_GETFD) == -1)
        die("RFD fd %d", rfd);
    if (fcntl(wfd, F_GETFD) == -1)
        die("WFD fd %d", wfd);

    while ((len = frame_read(rfd, ping, sizeof ping, why, sizeof why)) >= 0) {
        /* A pong must fit in a frame (FRAME_MAX). Refuse a ping too long
         * to answer whole: an answer silently cut short is a wrong answer. */
        if ((size_t)len > FRAME_MAX - PONG_EXTRA)
            fail(1, "ping %ld from %s: %ld bytes is too long to answer: the pong would"
                 " be %zu bytes, over %d", answered + 1, fd_object(rfd), len,
                 (size_t)len + PONG_EXTRA, FRAME_MAX);
        /* memcpy, not "%s": a ping may hold any byte, '\0' included. */
        memcpy(pong, before, sizeof before - 1);
        memcpy(pong + sizeof before - 1, ping, (size_t)len);
        memcpy(pong + sizeof before - 1 + len, after, sizeof after - 1);
        trace_note("answer %ld", answered + 1);
        if (frame_write(wfd, pong, (size_t)len + PONG_EXTRA) == -1)
            die("write %s", fd_object(wfd));
        answered++;
    }
    if (len == FRAME_ERROR)
        fail(1, "ping %ld from %s: %s", answered + 1, fd_object(rfd), why);
    /* Our write end closed: if nobody else holds one, the parent sees EOF. */
    if (close(wfd) == -1)
        die("close %s", fd_object(wfd));
    fprintf(stderr, "%s: answered %ld %s\n", progname(), answered,
            plural(answered, "ping", "pings"));
    return 0;
}
