/* sized_receiver.c - exercise 06/01: take COUNT messages from a POSIX
 * message queue someone else made, and print each whole, with its
 * priority: the highest priority first, as the kernel hands them out.
 *
 * Usage: sized_receiver /NAME COUNT
 *
 * For each message, one line on stdout: "message K: priority P, N bytes:
 * TEXT" (bytes that are not printable ASCII as '.'); status 0 once COUNT
 * are taken. It neither makes nor removes the queue: its maker does. The
 * task is in README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pmq.h"

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    if (argc != 3)
        fail(2, "usage: %s /NAME COUNT", progname());
    const char *name = argv[1];
    pmq_check_name(name);       /* a bad name: refused before any call */
    long count = parse_long("COUNT", argv[2], 1, 1000000);

    mqd_t q = mq_open(name, O_RDONLY);
    if (q == (mqd_t)-1)
        die("mq_open %s", name);

    /* The queue's maker chose mq_msgsize: ask the kernel, and make the
     * buffer that big. mq_receive refuses (EMSGSIZE) any buffer smaller
     * than mq_msgsize, whatever the length of the message waiting. */
    struct mq_attr a;
    if (mq_getattr(q, &a) == -1)
        die("mq_getattr %s", name);
    size_t size = (size_t)a.mq_msgsize;
    static char *buf;           /* static: still reachable when die() exits */
    buf = malloc(size);
    if (buf == NULL)
        die("malloc %zu bytes", size);

    for (long got = 1; got <= count; got++) {
        unsigned prio;
        ssize_t n;
        do
            n = mq_receive(q, buf, size, &prio);
        while (n == -1 && errno == EINTR);
        if (n == -1)
            die("mq_receive %s", name);
        /* n bytes, no NUL of ours: print exactly those, shown not obeyed. */
        for (ssize_t b = 0; b < n; b++)
            buf[b] = buf[b] >= ' ' && buf[b] <= '~' ? buf[b] : '.';
        out("message %ld: priority %u, %zd %s: %.*s\n", got, prio, n,
            plural(n, "byte", "bytes"), (int)n, buf);
    }
    free(buf);
    if (mq_close(q) == -1)
        die("mq_close %s", name);
    close_stdout();
    return 0;
}
