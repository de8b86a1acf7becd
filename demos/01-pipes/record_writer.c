/* record_writer.c - write fixed-size records, no framing, one write() each.
 *
 * Usage: record_writer [-s SIZE] [-n COUNT] [-t TAG] [--hold]
 *   -s SIZE    bytes per record, 1 to 1048576 (default PIPE_BUF, 4096)
 *   -n COUNT   records to write (default 10)
 *   -t TAG     the byte every record is made of (default C)
 *   --hold     wait for SIGUSR1 before writing (a writer that is late)
 *
 * What to watch: run two writers into one pipe, this one and
 * record_writer.py (tag P), and read with record_reader. A write() of at most
 * PIPE_BUF (4096) bytes to a pipe is atomic: its bytes are never mixed with
 * another writer's. A larger one is not: when the pipe (64 KiB) fills, the
 * writer sleeps in the middle of its record and the other writer's bytes
 * land next; record_reader reports the torn records.
 * Mirror: python_peers/01-pipes/record_writer.py.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "hold.h"
#include "trace.h"

#define RECORD_MAX (1024 * 1024)

int main(int argc, char *argv[])
{
    long count = 10, size = PIPE_BUF;
    int do_hold = 0;
    char tag = 'C';
    static char record[RECORD_MAX];

    set_progname(argv[0]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-s") == 0)
            size = parse_long("-s", option_value(argc, argv, &i), 1, RECORD_MAX);
        else if (strcmp(argv[i], "-n") == 0)
            count = parse_long("-n", option_value(argc, argv, &i), 0, 1000000000);
        else if (strcmp(argv[i], "-t") == 0) {
            const char *t = option_value(argc, argv, &i);
            if (strlen(t) != 1 || t[0] <= ' ' || t[0] >= 127)
                fail(2, "-t: '%s' is not one printable character", t);
            tag = t[0];
        } else if (strcmp(argv[i], "--hold") == 0)
            do_hold = 1;
        else
            fail(2, "usage: %s [-s SIZE] [-n COUNT] [-t TAG] [--hold]", argv[0]);
    }
    memset(record, tag, (size_t)size);
    if (do_hold)
        hold_until_sigusr1();

    for (long i = 1; i <= count; i++) {
        trace_note("record %ld", i);
        /* One write() per record. It returns early only if a signal
         * interrupts it after some bytes went in; then write the rest. */
        for (long off = 0; off < size; ) {
            trace_before("write", STDOUT_FILENO, NULL, (size_t)(size - off),
                         record + off, (size_t)(size - off));
            ssize_t w = write(STDOUT_FILENO, record + off, (size_t)(size - off));
            trace_after("write", STDOUT_FILENO, (long)w, errno, NULL, 0);
            if (w == -1 && errno == EINTR)
                continue;
            if (w == -1)
                die("write %s", fd_object(STDOUT_FILENO));
            off += w;
        }
    }
    fprintf(stderr, "%s: wrote %ld %s of %ld %s '%c'\n", progname(), count,
            plural(count, "record", "records"), size, plural(size, "byte", "bytes"), tag);
    return 0;
}
