/* pipe_reader.c - read framed messages from standard input (a pipe).
 *
 * Usage: pipe_reader [-n COUNT] [--hold] [-q]
 *   -n COUNT   stop after COUNT frames, 0 = read until EOF (default 0)
 *   --hold     wait for SIGUSR1 before reading (a reader that is late)
 *   -q         quiet: print only the summary
 *
 * What to watch: on an empty pipe the reader sleeps in read() until a
 * writer writes. read() returns 0 (EOF) only once every write end of the
 * pipe is closed. A reader that stops early (-n 1) leaves the writer with
 * nobody to read: its next write() raises SIGPIPE. A frame whose length is
 * out of range, or that EOF cuts short, is refused with the reason.
 * Mirror: python_peers/01-pipes/pipe_reader.py. Wire format: frame.h.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "hold.h"
#include "trace.h"

#define PREVIEW 40   /* payload characters shown per frame */

/* The payload's first PREVIEW bytes, anything unprintable shown as '.'. */
static const char *preview(const char *p, long len)
{
    static char out[PREVIEW + 1];
    long n = len < PREVIEW ? len : PREVIEW;

    for (long i = 0; i < n; i++)
        out[i] = p[i] >= ' ' && p[i] < 127 ? p[i] : '.';
    out[n] = '\0';
    return out;
}

int main(int argc, char *argv[])
{
    long count = 0, got = 0, len;
    int do_hold = 0, quiet = 0;
    static char payload[FRAME_MAX];
    char why[160];

    set_progname(argv[0]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0)
            count = parse_long("-n", option_value(argc, argv, &i), 0, 1000000000);
        else if (strcmp(argv[i], "--hold") == 0)
            do_hold = 1;
        else if (strcmp(argv[i], "-q") == 0)
            quiet = 1;
        else
            fail(2, "usage: %s [-n COUNT] [--hold] [-q]", argv[0]);
    }
    if (do_hold)
        hold_until_sigusr1();

    while (count == 0 || got < count) {
        len = frame_read(STDIN_FILENO, payload, sizeof payload, why, sizeof why);
        if (len == FRAME_EOF)
            break;          /* read() returned 0: no write end is left */
        if (len == FRAME_ERROR)
            fail(1, "frame %ld from %s: %s", got + 1, fd_object(STDIN_FILENO), why);
        got++;
        trace_note("frame %ld", got);
        if (!quiet)     /* one line per frame as it arrives (out() flushes it) */
            out("frame %ld: %ld %s: %s\n", got, len, plural(len, "byte", "bytes"),
                preview(payload, len));
    }
    close_stdout();     /* stdout that cannot be written is an error too */
    fprintf(stderr, "%s: read %ld %s\n", progname(), got, plural(got, "frame", "frames"));
    return 0;
}
