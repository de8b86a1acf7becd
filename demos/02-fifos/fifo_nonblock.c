/* fifo_nonblock.c - open, read and write a FIFO with O_NONBLOCK, one
 * command at a time, and print what each call returns.
 *
 * Usage: fifo_nonblock [--] PATH (commands on standard input, one a line)
 *   open-read     open(PATH, O_RDONLY | O_NONBLOCK)
 *   open-write    open(PATH, O_WRONLY | O_NONBLOCK)
 *   read          read() of up to 64 bytes
 *   write TEXT    write() of TEXT
 *   close         close() what is open
 * At the end of standard input it closes what is open and ends.
 *
 * What to watch: with O_NONBLOCK nothing waits. open-write fails with ENXIO
 * while no reader has the FIFO open (a blocking open() would sleep instead);
 * open-read succeeds at once. A read returns 0, end of file, whenever no
 * writer has the FIFO open, before any writer came as well as after the
 * last one left; EAGAIN only while a writer has it open and nothing is in
 * it. A write with no reader left fails with EPIPE (SIGPIPE is ignored).
 * Run two of them on one FIFO, a reader and a writer, and type at both.
 * Mirror: python_peers/02-fifos/fifo_nonblock.py.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "rundir.h"
#include "trace.h"

#define CHUNK 64    /* bytes a read asks for */
#define SHOWN 40    /* bytes of a line quoted in a message, then "..." */

/* Print an error the lesson is about as a result, and go on: these are
 * what O_NONBLOCK answers instead of waiting. Any other error ends us. */
static void result_or_die(const char *cmd, const char *path)
{
    const char *name, *why;

    if (errno == ENXIO)
        name = "ENXIO", why = "no reader has the FIFO open";
    else if (errno == EAGAIN && strcmp(cmd, "read") == 0)
        name = "EAGAIN", why = "a writer has it open, nothing to read yet";
    else if (errno == EAGAIN)
        name = "EAGAIN", why = "the FIFO is full";
    else if (errno == EPIPE)
        name = "EPIPE", why = "no reader has the FIFO open";
    else if (errno == EBADF)    /* a read of a write end, or the reverse */
        fail(1, "%s %s: %s: opened for %s", cmd, path, strerror(errno),
             strcmp(cmd, "read") == 0 ? "writing" : "reading");
    else        /* the call's name: "open", not the command's "open-read" */
        die("%.*s %s", (int)strcspn(cmd, "-"), cmd, path);
    out("%s: %s: %s: %s\n", cmd, name, strerror(errno), why);
}

/* One line of standard input into line (cap bytes), without its '\n':
 * its length (a NUL byte is a byte like any other, and no command's), or
 * -1 at the end. A line of cap - 1 bytes with no '\n' is too long: -2. */
static long read_line(char *line, size_t cap)
{
    size_t len = 0;
    int ch = 0;

    while (len < cap - 1 && (ch = getc(stdin)) != EOF && ch != '\n')
        line[len++] = (char)ch;
    if (len == cap - 1)
        return -2;
    return len == 0 && ch == EOF ? -1 : (long)len;
}

int main(int argc, char *argv[])
{
    char line[1024], shown[SHOWN + 4], buf[CHUNK];
    long n = 0, len;
    int fd = -1;
    struct stat st;

    set_progname(argv[0]);
    int i = argc > 1 && strcmp(argv[1], "--") == 0 ? 2 : 1;    /* a PATH that starts with '-' */
    if (argc - i != 1 || (i == 1 && argv[1][0] == '-'))         /* -h, --help, any option */
        fail(2, "usage: %s [--] PATH   (commands on stdin: open-read, open-write, read,"
             " write TEXT, close)", argv[0]);
    const char *path = argv[i];
    if (!path[0])
        fail(2, "PATH is empty: give a FIFO's path");
    /* A reader that is gone makes write() fail with EPIPE: shown, not fatal. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");

    while ((len = read_line(line, sizeof line)) != -1) {
        n++;
        if (len == -2)
            fail(2, "line %ld: longer than %zu bytes", n, sizeof line - 2);
        /* For messages: shown, not obeyed; cut short with "..." so that the
         * reason after it always shows. */
        for (long i = 0; i < len && i < SHOWN; i++)
            shown[i] = line[i] >= ' ' && line[i] <= '~' ? line[i] : '.';
        strcpy(shown + (len < SHOWN ? len : SHOWN), len > SHOWN ? "..." : "");
#define IS(cmd) (len == sizeof cmd - 1 && memcmp(line, cmd, sizeof cmd - 1) == 0)
        int is_write = len >= 6 && memcmp(line, "write ", 6) == 0;
        int is_open = len >= 5 && memcmp(line, "open-", 5) == 0;
        if (is_open && fd != -1)
            fail(2, "line %ld: %s: already open (close first)", n, shown);
        if ((IS("read") || IS("close") || is_write) && fd == -1)
            fail(2, "line %ld: %s: nothing is open", n, shown);

        if (IS("open-read") || IS("open-write")) {
            int flags = line[5] == 'r' ? O_RDONLY : O_WRONLY;
            line[len] = '\0';
            trace_before("open", -1, path, 0, NULL, 0);
            fd = open(path, flags | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
            trace_after("open", fd, fd, errno, NULL, 0);
            /* O_NOFOLLOW: a link is ELOOP; a directory to write, EISDIR. */
            if (fd == -1 && (errno == ELOOP || errno == EISDIR) && lstat(path, &st) == 0 &&
                !S_ISFIFO(st.st_mode))
                fail(1, "%s: %s, not a FIFO: refused", path, file_kind(st.st_mode));
            if (fd == -1) {
                result_or_die(line, path);
                continue;
            }
            if (fstat(fd, &st) == -1)
                die("fstat %s", path);
            if (!S_ISFIFO(st.st_mode))
                fail(1, "%s: %s, not a FIFO: refused", path, file_kind(st.st_mode));
            out("%s: opened\n", line);
        } else if (IS("read")) {
            trace_before("read", fd, NULL, sizeof buf, NULL, 0);
            ssize_t r = read(fd, buf, sizeof buf);
            trace_after("read", fd, (long)r, errno, buf, r > 0 ? (size_t)r : 0);
            if (r == -1)
                result_or_die("read", path);
            else if (r == 0)
                out("read: 0: end of file: no writer has the FIFO open\n");
            else {
                for (ssize_t i = 0; i < r; i++)     /* shown, not obeyed */
                    if (buf[i] < ' ' || buf[i] > '~')
                        buf[i] = '.';
                out("read: %zd %s: %.*s\n", r, plural(r, "byte", "bytes"), (int)r, buf);
            }
        } else if (is_write) {      /* TEXT's bytes as they are, NULs included */
            trace_before("write", fd, NULL, (size_t)len - 6, line + 6, (size_t)len - 6);
            ssize_t w = write(fd, line + 6, (size_t)len - 6);
            trace_after("write", fd, (long)w, errno, NULL, 0);
            if (w == -1)
                result_or_die("write", path);
            else
                out("write: %zd %s\n", w, plural(w, "byte", "bytes"));
        } else if (IS("close")) {
            if (close(fd) == -1)
                die("close %s", path);
            fd = -1;
            out("close: closed\n");
        } else if (len != 0) {
            fail(2, "line %ld: unknown command '%s' (open-read, open-write, read,"
                 " write TEXT, close)", n, shown);
        }
    }
    if (ferror(stdin))
        die("read %s", fd_object(STDIN_FILENO));
    if (fd != -1 && close(fd) == -1)
        die("close %s", path);
    close_stdout();
    return 0;
}
