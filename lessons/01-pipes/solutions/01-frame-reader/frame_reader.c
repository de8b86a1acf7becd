/* frame_reader.c - read frames from standard input and print each one.
 * Reference solution of exercise 01-pipes/01-frame-reader (README.md there).
 *
 * Usage: frame_reader < FRAMES        e.g.  build/bin/pipe_writer -n 3 | frame_reader
 *
 * A frame is a 4-byte little-endian signed length n, then n bytes of
 * payload, 0 <= n <= FRAME_MAX (1 MiB). A pipe is a stream of bytes: one
 * read() may return part of a frame, so every read loops until it has what
 * it asked for or the stream ends.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"      /* FRAME_MAX; the reading is done here, by hand */

static unsigned char payload[FRAME_MAX];

/* Print "frame N: LEN bytes: PAYLOAD", other bytes than printable ASCII
 * as \xNN, so any payload prints as one line. */
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

/* Read n bytes into p, looping over short reads; fewer only at EOF.
 * Returns the bytes read. */
static size_t read_full(int fd, unsigned char *p, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r == -1 && errno == EINTR)      /* a signal, not an error: again */
            continue;
        if (r == -1)
            die("read %s", fd_object(fd));
        if (r == 0)                         /* EOF: the writer is gone */
            break;
        got += (size_t)r;
    }
    return got;
}

int main(int argc, char *argv[])
{
    unsigned char hdr[4];
    long frames = 0;

    set_progname(argv[0]);
    if (argc != 1)
        fail(2, "usage: %s < FRAMES", argv[0]);

    for (;;) {
        size_t got = read_full(STDIN_FILENO, hdr, 4);
        if (got == 0)                       /* EOF between frames: a clean end */
            break;
        if (got < 4)
            fail(1, "frame cut short by EOF: got %zu of 4 header bytes", got);

        /* Little-endian whatever the CPU: the byte order is the format's. */
        int32_t len = (int32_t)((uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 |
                                (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24);
        /* Checked before it is used: a bad length must not become a read
         * past the end of payload[]. */
        if (len < 0 || len > FRAME_MAX)
            fail(1, "frame length %ld is out of range (0 to %d bytes)",
                 (long)len, FRAME_MAX);

        got = read_full(STDIN_FILENO, payload, (size_t)len);
        if (got < (size_t)len)
            fail(1, "frame cut short by EOF: got %zu of %ld payload bytes",
                 got, (long)len);
        print_frame(++frames, payload, got);
    }
    close_stdout();         /* a write to stdout that failed is an error too */
    fprintf(stderr, "%s: read %ld %s\n", progname(), frames, plural(frames, "frame", "frames"));
    return 0;
}
