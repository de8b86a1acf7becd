/* nagle.c - Nagle's algorithm and a request-reply of small writes, timed.
 *
 * Usage: nagle [-n COUNT] [--nodelay]
 *   -n COUNT    exchanges (default 20)
 *   --nodelay   set TCP_NODELAY on the client's socket
 *
 * One process, both ends of one connection on 127.0.0.1 (port 0). Each
 * exchange: the client sends a request as two small writes, the 4-byte
 * header, then the payload; the server end reads the whole frame, answers
 * with one write; the client reads the answer. Prints what getsockopt says
 * of TCP_NODELAY, then the time per exchange: a figure for this machine,
 * never a promise.
 * What to watch: with Nagle's algorithm (the default) the payload waits
 * in the kernel until the header is acknowledged, and the server end
 * delays that acknowledgement, hoping to send it with its answer, which
 * needs the payload: each exchange waits for the delayed-ACK timer (tens
 * of ms on Linux). TCP_NODELAY sends each write at once. Better still: one
 * write a request (frame_send's sendmsg). Mirror: python_peers/04-tcp/nagle.py.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "tcp.h"

static void write_all(int fd, const void *p, size_t n, const char *what)
{
    if (send(fd, p, n, MSG_NOSIGNAL) != (ssize_t)n)     /* blocking: all of it, or an error */
        die("send %s", what);
}

int main(int argc, char *argv[])
{
    static char buf[FRAME_MAX];
    long count = 20;
    int nodelay = 0, i;

    set_progname(argv[0]);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0)
            count = parse_long("-n", option_value(argc, argv, &i), 1, 100000);
        else if (strcmp(argv[i], "--nodelay") == 0)
            nodelay = 1;
        else
            fail(2, "usage: %s [-n COUNT] [--nodelay]", argv[0]);
    }
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd == -1 || cfd == -1)
        die("socket");
    struct sockaddr_in a = loopback(0);
    socklen_t alen = sizeof a;
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) == -1)
        die("bind %s", addr_str(&a));
    if (getsockname(lfd, (struct sockaddr *)&a, &alen) == -1)
        die("getsockname");
    if (listen(lfd, 1) == -1)
        die("listen %s", addr_str(&a));
    if (connect(cfd, (struct sockaddr *)&a, sizeof a) == -1)   /* the kernel completes it */
        die("connect %s", addr_str(&a));
    int sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (sfd == -1)
        die("accept %s", addr_str(&a));
    if (setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay) == -1)
        die("setsockopt TCP_NODELAY");
    int on;
    socklen_t olen = sizeof on;
    if (getsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &on, &olen) == -1)
        die("getsockopt TCP_NODELAY");
    out("TCP_NODELAY: %d (getsockopt on the client's socket)\n", on);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long k = 0; k < count; k++) {
        char why[160];
        unsigned char hdr[4];
        frame_put_header(hdr, 4);
        write_all(cfd, hdr, 4, "request header");       /* two small writes... */
        write_all(cfd, "ping", 4, "request payload");
        if (frame_read(sfd, buf, sizeof buf, why, sizeof why) != 4)    /* the server end */
            fail(1, "request %ld: %s", k + 1, why);
        if (frame_send(sfd, "pong", 4, MSG_NOSIGNAL) == -1)            /* one write */
            die("send reply");
        if (frame_read(cfd, buf, sizeof buf, why, sizeof why) != 4)
            fail(1, "reply %ld: %s", k + 1, why);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = ((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    out("%ld exchanges, two small writes each: %.3f ms per exchange (this machine, this run)\n",
        count, ms / (double)count);
    if (close(cfd) == -1 || close(sfd) == -1 || close(lfd) == -1)
        die("close");
    close_stdout();
    return 0;
}
