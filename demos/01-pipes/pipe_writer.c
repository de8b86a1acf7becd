/* pipe_writer.c - write framed messages to standard output (a pipe).
 *
 * Usage: pipe_writer [-n COUNT] [-s SIZE] [--hold] [--ignore-sigpipe]
 *   -n COUNT           frames to write, 0 = until the pipe breaks (default 5)
 *   -s SIZE            payload bytes per frame, 16 to 1048576 (default 32): up to
 *                      4092 a frame (SIZE + 4) goes out in one write() of at most
 *                      PIPE_BUF bytes, whole whoever else writes to the pipe
 *   --hold             wait for SIGUSR1 before writing (a writer that is late)
 *   --ignore-sigpipe   get EPIPE from write() instead of dying of SIGPIPE
 *
 * What to watch: with nobody reading, the writer fills the pipe (64 KiB,
 * 16 pages) and sleeps in write(); when the reader exits, the next write()
 * kills the writer with SIGPIPE, or fails with EPIPE if SIGPIPE is ignored.
 * Mirror: python_peers/01-pipes/pipe_writer.py. Wire format: frame.h.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "hold.h"
#include "trace.h"

int main(int argc, char *argv[])
{
    long count = 5, size = 32;
    int do_hold = 0, ignore = 0;
    static char payload[FRAME_MAX];

    set_progname(argv[0]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0)
            count = parse_long("-n", option_value(argc, argv, &i), 0, 1000000000);
        else if (strcmp(argv[i], "-s") == 0)
            size = parse_long("-s", option_value(argc, argv, &i), 16, FRAME_MAX);
        else if (strcmp(argv[i], "--hold") == 0)
            do_hold = 1;
        else if (strcmp(argv[i], "--ignore-sigpipe") == 0)
            ignore = 1;
        else
            fail(2, "usage: %s [-n COUNT] [-s SIZE] [--hold] [--ignore-sigpipe]", argv[0]);
    }
    if (ignore && signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");
    if (do_hold)
        hold_until_sigusr1();

    for (long i = 1; count == 0 || i <= count; i++) {
        /* The text says who sent it; the rest is padding up to SIZE. */
        memset(payload, '.', (size_t)size);
        int n = snprintf(payload, (size_t)size, "message %ld from C", i);
        payload[n < size ? n : size - 1] = '.';   /* snprintf's NUL */
        trace_note("frame %ld", i);
        if (frame_write(STDOUT_FILENO, payload, (size_t)size) == -1)
            die("write %s", fd_object(STDOUT_FILENO));
    }
    fprintf(stderr, "%s: wrote %ld %s of %ld bytes\n", progname(), count,
            plural(count, "frame", "frames"), size);
    return 0;
}
