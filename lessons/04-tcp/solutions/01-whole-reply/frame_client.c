/* frame_client.c - send one framed request to a TCP server on 127.0.0.1,
 * print its framed reply.
 * Exercise 04-tcp/01-whole-reply: the task is in README.md.
 *
 * Usage: frame_client PORT TEXT     e.g.  frame_client 41234 hello
 *
 * PORT is the one in the server's readiness line ("listening on
 * 127.0.0.1:PORT"). The request is one frame of TEXT (frame_send: a 4-byte
 * little-endian length, then the bytes, in one sendmsg()); the reply is one
 * frame, at most REPLY_MAX bytes, printed on its own line (bytes that are
 * not printable ASCII as '.'). This version works when the reply arrives
 * whole, and only then. Fix the TODO; don't call frame_read() or
 * frame_read_full() from demos/common: writing that loop is the exercise.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"      /* frame_send, frame_get_length; the reading is done here */
#include "tcp.h"

#define REPLY_MAX 65536

static char reply[REPLY_MAX];

/* Receive n bytes into p, fewer only when the server closes the
 * connection first. Returns the bytes received.
 *
 * TODO: recv() returns what has arrived *now*, which may be less than n:
 * TCP is a byte stream, and a reply can arrive a byte at a time. Loop until
 * you have n bytes or recv() returns 0 (the server closed the connection:
 * it will return 0 again at once, for ever). A recv() interrupted by a
 * signal fails with EINTR: that is no error, try again. */
static size_t recv_full(int fd, char *p, size_t n, const char *server)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = recv(fd, p + got, n - got, 0);
        if (r == -1 && errno == EINTR)
            continue;
        if (r == -1)
            die("recv %s", server);
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return got;
}

int main(int argc, char *argv[])
{
    unsigned char hdr[4];

    set_progname(argv[0]);
    if (argc != 3)
        fail(2, "usage: %s PORT TEXT", argv[0]);
    long port = parse_long("PORT", argv[1], 1, 65535);
    size_t tlen = strlen(argv[2]);
    if (tlen > REPLY_MAX)
        fail(2, "TEXT: %zu bytes; at most %d", tlen, REPLY_MAX);

    struct sockaddr_in srv = loopback((int)port);
    char server[32];
    snprintf(server, sizeof server, "%s", addr_str(&srv));
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1)
        die("socket");
    if (connect(fd, (struct sockaddr *)&srv, sizeof srv) == -1)
        die("connect %s", server);
    if (frame_send(fd, argv[2], tlen, MSG_NOSIGNAL) == -1)
        die("send %s", server);

    size_t got = recv_full(fd, (char *)hdr, 4, server);
    if (got < 4)
        fail(1, "%s closed the connection after %zu of 4 header bytes", server, got);
    long len = frame_get_length(hdr);
    if (len < 0 || len > REPLY_MAX)     /* check it before we trust it */
        fail(1, "reply length %ld is out of range (0 to %d bytes)", len, REPLY_MAX);
    got = recv_full(fd, reply, (size_t)len, server);
    if (got < (size_t)len)
        fail(1, "%s closed the connection after %zu of %ld payload bytes", server, got, len);

    for (long i = 0; i < len; i++)      /* a peer's bytes are shown, never obeyed */
        reply[i] = reply[i] >= ' ' && reply[i] <= '~' ? reply[i] : '.';
    out("%.*s\n", (int)len, reply);
    if (close(fd) == -1)
        die("close %s", server);
    close_stdout();
    return 0;
}
