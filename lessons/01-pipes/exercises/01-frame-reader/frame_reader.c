/* frame_reader.c - read frames from standard input and print each one.
 * Exercise 01-pipes/01-frame-reader: the task is in README.md.
 *
 * Usage: frame_reader < FRAMES        e.g.  build/bin/pipe_writer -n 3 | frame_reader
 *
 * A frame is a 4-byte little-endian signed length n, then n bytes of
 * payload, 0 <= n <= FRAME_MAX (1 MiB). This version works when each frame
 * arrives whole, and only then. Fix the four TODOs; don't call frame_read()
 * from demos/common: writing it is the exercise.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"      /* FRAME_MAX; the reading is done here, by hand */

static unsigned char payload[FRAME_MAX];

/* Print "frame N: LEN bytes: PAYLOAD", other bytes than printable ASCII
 * as \xNN, so any payload prints as one line. (Done: nothing to change.) */
static void print_frame(long n, const unsigned char *p, size_t len)
{
    printf("frame %ld: %zu %s: ", n, len, plural((long)len, "byte", "bytes"));
    for (size_t i = 0; i < len; i++) {
        if (p[i] >= ' ' && p[i] < 127 && p[i] != '\\')
            putchar(p[i]);
        else
            printf("\\x%02x", p[i]);
    }
    putchar('\n');
}

/* Read n bytes into p, fewer only at EOF. Returns the bytes read.
 *
 * TODO 1: read() returns what the pipe holds *now*, which may be less than
 * n: a frame can arrive in pieces. Loop until you have n bytes or read()
 * returns 0 (EOF). A read() interrupted by a signal fails with EINTR: that
 * is not an error, just try again. */
static size_t read_full(int fd, unsigned char *p, size_t n)
{
    ssize_t r = read(fd, p, n);
    if (r == -1)
        die("read %s", fd_object(fd));
    return (size_t)r;
}

int main(int argc, char *argv[])
{
    unsigned char hdr[4] = { 0 };
    long frames = 0;

    set_progname(argv[0]);
    if (argc != 1)
        fail(2, "usage: %s < FRAMES", argv[0]);

    for (;;) {
        size_t got = read_full(STDIN_FILENO, hdr, 4);
        if (got == 0)                       /* EOF between frames: a clean end */
            break;
        /* TODO 2: 1 to 3 bytes then EOF is a frame cut short: say so
         * (see README.md for the message) and exit with status 1. */

        /* Little-endian whatever the CPU: the byte order is the format's. */
        int32_t len = (int32_t)((uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 |
                                (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24);
        /* TODO 3: refuse a length below 0 or above FRAME_MAX, naming the
         * length and the limit, exit status 1. Unchecked, a length from the
         * wire decides how far read() writes into payload[]. */

        got = read_full(STDIN_FILENO, payload, (size_t)len);
        /* TODO 4: fewer than len bytes here means EOF cut the payload
         * short: say so and exit with status 1. */
        print_frame(++frames, payload, got);
    }
    close_stdout();         /* a write to stdout that failed is an error too */
    fprintf(stderr, "%s: read %ld %s\n", progname(), frames, plural(frames, "frame", "frames"));
    return 0;
}
