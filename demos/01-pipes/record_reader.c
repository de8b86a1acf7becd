/* record_reader.c - read fixed-size records and report the torn ones.
 *
 * Usage: record_reader [-s SIZE] [--hold]
 *   -s SIZE    bytes per record, 1 to 1048576 (default PIPE_BUF, 4096)
 *   --hold     wait for SIGUSR1 before reading (let the writers fill the pipe)
 *
 * Each record_writer record is SIZE copies of one tag byte, so a record
 * whose bytes are not all the same holds pieces of two writers' records:
 * it is torn. The reader prints the first few torn records, e.g.
 *   record 7 torn: 'C' x 65536 then 'P' x 34464
 * and a summary "40 records, 12 torn" on stderr.
 * What to watch: records of at most PIPE_BUF (4096) bytes are never torn;
 * records larger than the pipe (64 KiB) from two writers are.
 * Mirror: python_peers/01-pipes/record_reader.py.
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
#define SHOW_TORN  5     /* torn records described one by one */
#define SHOW_RUNS  4     /* runs of equal bytes described per record */

/* read() may return less than asked (a pipe hands over what it holds):
 * loop until n bytes or EOF. Returns the bytes read, < n only at EOF. */
static long read_full(int fd, unsigned char *p, long n)
{
    long got = 0;

    while (got < n) {
        trace_before("read", fd, NULL, (size_t)(n - got), NULL, 0);
        ssize_t r = read(fd, p + got, (size_t)(n - got));
        trace_after("read", fd, (long)r, errno, p + got, r > 0 ? (size_t)r : 0);
        if (r == -1 && errno == EINTR)
            continue;
        if (r == -1)
            die("read %s", fd_object(fd));
        if (r == 0)
            break;
        got += r;
    }
    return got;
}

/* Print "record N torn: 'C' x 65536 then 'P' x 34464" (runs of equal bytes). */
static void describe(long nr, const unsigned char *p, long size)
{
    long start = 0, runs = 0;

    out("record %ld torn:", nr);
    for (long i = 1; i <= size; i++) {
        if (i < size && p[i] == p[start])
            continue;
        if (++runs > SHOW_RUNS) {
            out(" then ...");
            break;
        }
        if (p[start] > ' ' && p[start] < 127)
            out("%s '%c' x %ld", runs > 1 ? " then" : "", p[start], i - start);
        else
            out("%s 0x%02x x %ld", runs > 1 ? " then" : "", p[start], i - start);
        start = i;
    }
    out("\n");
}

int main(int argc, char *argv[])
{
    long size = PIPE_BUF, records = 0, torn = 0, got;
    int do_hold = 0;
    static unsigned char record[RECORD_MAX];

    set_progname(argv[0]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-s") == 0)
            size = parse_long("-s", option_value(argc, argv, &i), 1, RECORD_MAX);
        else if (strcmp(argv[i], "--hold") == 0)
            do_hold = 1;
        else
            fail(2, "usage: %s [-s SIZE] [--hold]", argv[0]);
    }
    if (do_hold)
        hold_until_sigusr1();

    while ((got = read_full(STDIN_FILENO, record, size)) > 0) {
        if (got < size)
            fail(1, "record %ld from %s cut short by EOF: got %ld of %ld bytes",
                 records + 1, fd_object(STDIN_FILENO), got, size);
        records++;
        /* All bytes equal (each one equals the next), or torn? */
        if (memcmp(record, record + 1, (size_t)size - 1) != 0) {
            torn++;
            trace_note("record %ld torn", records);
            if (torn <= SHOW_TORN)
                describe(records, record, size);
        }
    }
    close_stdout();     /* stdout that cannot be written is an error too */
    fprintf(stderr, "%s: %ld %s, %ld torn\n", progname(), records,
            plural(records, "record", "records"), torn);
    return 0;
}
