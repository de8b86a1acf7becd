/* tcp_server.c - a TCP server on 127.0.0.1 that answers framed requests.
 *
 * Usage: tcp_server [--port P] [--backlog N] [--one-at-a-time] [-n COUNT]
 *                   [--no-reuseaddr] [--no-read] [--hold]
 *   --port P         bind 127.0.0.1:P; 0 (the default): the kernel picks a free port
 *   --backlog N      listen()'s backlog: connections the kernel completes and
 *                    queues until accept() takes them (default 16)
 *   --one-at-a-time  accept() one client, serve it to its end, then the next;
 *                    the default serves every client at once with poll()
 *   -n COUNT         end after COUNT clients have gone (0, the default: never)
 *   --no-reuseaddr   no SO_REUSEADDR: bind() fails (EADDRINUSE) while a
 *                    connection of an earlier server on the port is in TIME_WAIT
 *   --no-read        accept clients, never read them (nor see them go): their
 *                    requests fill the buffers
 *   --hold           after bind(), wait for SIGUSR1 before listen(): meanwhile
 *                    the port is ours but a connect() to it is refused
 *
 * Its first line on stdout, once listen() has returned, is
 * "listening on 127.0.0.1:PORT": the readiness signal a client waits for
 * (never a sleep). Then "request K from 127.0.0.1:C: TEXT" for each
 * request; the answer is the frame "reply K: TEXT (from C)", K counted per
 * client. Requests are lesson 01's frames, at most 65536 bytes of payload.
 * What to watch: poll() sleeps until some socket is ready, and each ready
 * client gets one recv() of what it has sent: a client that stops half-way
 * through a frame (or never reads its replies) keeps its own bytes waiting,
 * nobody else. A reply that does not fit in the socket's buffer waits for
 * POLLOUT. Mirror: python_peers/04-tcp/tcp_server.py.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "hold.h"
#include "tcp.h"

#define MAX_CLIENTS 64
#define REQUEST_MAX 65536

static struct client {
    int fd;                         /* -1: a free slot */
    char name[32];                  /* 127.0.0.1:PORT, the client's end */
    long k;                         /* requests answered */
    size_t have, need;              /* bytes of the frame read so far, bytes in it */
    size_t out_len, out_off;        /* a reply not sent whole yet */
    unsigned char in[4 + REQUEST_MAX], out[4 + REQUEST_MAX + 64];
} cl[MAX_CLIENTS];
static long ended;

/* Say why a client is done with ("client 127.0.0.1:C: ..."), close it. */
static void __attribute__((format(printf, 2, 3))) gone(struct client *c, const char *fmt, ...)
{
    char why[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: client %s: %s\n", progname(), c->name, why);
    if (close(c->fd) == -1)
        die("close %s", c->name);
    c->fd = -1;
    ended++;
}

/* A whole request is in c->in: show it (its bytes that are not printable
 * ASCII as '.': shown, never obeyed) and put the reply frame in c->out. */
static void answer(struct client *c)
{
    unsigned char *text = c->in + 4;
    int len = (int)(c->need - 4);

    for (int i = 0; i < len; i++)
        text[i] = text[i] >= ' ' && text[i] <= '~' ? text[i] : '.';
    c->k++;
    out("request %ld from %s: %.*s\n", c->k, c->name, len, text);
    int n = snprintf((char *)c->out + 4, sizeof c->out - 4, "reply %ld: %.*s (from C)",
                     c->k, len, text);
    frame_put_header(c->out, (size_t)n);
    c->out_len = 4 + (size_t)n;
    c->out_off = 0;
    c->have = 0;
    c->need = 4;
}

/* Send what is left of c's reply, as much as the socket takes now. */
static void flush(struct client *c)
{
    ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

    if (w == -1 && (errno == EAGAIN || errno == EINTR))
        return;                     /* full: poll() says when there is room */
    if (w == -1)
        return gone(c, "send %s: %s", c->name, strerror(errno));
    c->out_off += (size_t)w;
    if (c->out_off == c->out_len)
        c->out_len = 0;
}

/* One recv() of what c has sent, at most the rest of its frame: never
 * waits for the rest (the socket is non-blocking). */
static void take(struct client *c)
{
    ssize_t r = recv(c->fd, c->in + c->have, c->need - c->have, 0);

    if (r == -1 && (errno == EAGAIN || errno == EINTR))
        return;
    if (r == -1)
        return gone(c, "recv %s: %s", c->name, strerror(errno));
    if (r == 0 && c->have == 0)
        return gone(c, "closed the connection (recv 0) after %ld %s", c->k,
                    plural(c->k, "request", "requests"));
    if (r == 0)
        return gone(c, "frame cut short by EOF: got %zu of %zu %s bytes",
                    c->have < 4 ? c->have : c->have - 4, c->have < 4 ? 4 : c->need - 4,
                    c->have < 4 ? "header" : "payload");
    c->have += (size_t)r;
    if (c->have == 4 && c->need == 4) {     /* the header: check it before we trust it */
        long len = frame_get_length(c->in);
        if (len < 0 || len > FRAME_MAX)
            return gone(c, "frame length %ld is out of range (0 to %d bytes)", len, FRAME_MAX);
        if (len > REQUEST_MAX)
            return gone(c, "frame length %ld does not fit the %d-byte buffer", len, REQUEST_MAX);
        c->need = 4 + (size_t)len;
    }
    if (c->have == c->need) {
        answer(c);
        flush(c);
    }
}

static void add_client(struct client *c, int fd, const struct sockaddr_in *a, int no_read)
{
    c->fd = fd;
    snprintf(c->name, sizeof c->name, "%s", addr_str(a));
    c->k = 0;
    c->have = c->out_len = 0;
    c->need = 4;
    fprintf(stderr, "%s: client %s: connected%s\n", progname(), c->name,
            no_read ? "; not reading it (--no-read)" : "");
}

int main(int argc, char *argv[])
{
    long port = 0, backlog = 16, count = 0;
    int reuse = 1, one_at_a_time = 0, no_read = 0, hold = 0, i;

    set_progname(argv[0]);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0)
            port = parse_long("--port", option_value(argc, argv, &i), 0, 65535);
        else if (strcmp(argv[i], "--backlog") == 0)
            backlog = parse_long("--backlog", option_value(argc, argv, &i), 0, 4096);
        else if (strcmp(argv[i], "-n") == 0)
            count = parse_long("-n", option_value(argc, argv, &i), 0, 1000000);
        else if (strcmp(argv[i], "--one-at-a-time") == 0)
            one_at_a_time = 1;
        else if (strcmp(argv[i], "--no-reuseaddr") == 0)
            reuse = 0;
        else if (strcmp(argv[i], "--no-read") == 0)
            no_read = 1;
        else if (strcmp(argv[i], "--hold") == 0)
            hold = 1;
        else
            fail(2, "usage: %s [--port P] [--backlog N] [--one-at-a-time] [-n COUNT]"
                 " [--no-reuseaddr] [--no-read] [--hold]", argv[0]);
    }
    if (one_at_a_time && no_read)
        fail(2, "--no-read works with the poll() loop, not --one-at-a-time");

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd == -1)
        die("socket");
    /* Without it, bind() refuses a port that a connection of an earlier
     * server still holds in TIME_WAIT (60 s after it closed first). */
    int on = 1;
    if (reuse && setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
        die("setsockopt SO_REUSEADDR");
    struct sockaddr_in me = loopback((int)port);
    if (bind(lfd, (struct sockaddr *)&me, sizeof me) == -1)
        die("bind %s", addr_str(&me));
    socklen_t mlen = sizeof me;
    if (getsockname(lfd, (struct sockaddr *)&me, &mlen) == -1)     /* the port it chose */
        die("getsockname");
    if (hold) {
        fprintf(stderr, "%s: bound to %s, not listening yet: waiting for SIGUSR1 (kill -USR1 %ld)\n",
                progname(), addr_str(&me), (long)getpid());
        hold_until_sigusr1();
    }
    if (listen(lfd, (int)backlog) == -1)
        die("listen %s", addr_str(&me));
    out("listening on %s\n", addr_str(&me));    /* ready: connect() now succeeds */

    for (i = 0; i < MAX_CLIENTS; i++)
        cl[i].fd = -1;
    while (count == 0 || ended < count) {
        struct sockaddr_in a;
        socklen_t alen = sizeof a;
        if (one_at_a_time) {        /* sleeps in accept() until a client comes */
            int fd = accept4(lfd, (struct sockaddr *)&a, &alen, SOCK_CLOEXEC);
            if (fd == -1 && (errno == ECONNABORTED || errno == EINTR))
                continue;
            if (fd == -1)
                die("accept %s", addr_str(&me));
            add_client(&cl[0], fd, &a, 0);
            while (cl[0].fd != -1) {    /* blocking: read() sleeps on an empty socket */
                char why[160];
                long len = frame_read(cl[0].fd, cl[0].in + 4, REQUEST_MAX, why, sizeof why);
                if (len == FRAME_EOF)
                    gone(&cl[0], "closed the connection (recv 0) after %ld %s", cl[0].k,
                         plural(cl[0].k, "request", "requests"));
                else if (len == FRAME_ERROR)
                    gone(&cl[0], "%s", why);
                else {
                    cl[0].need = 4 + (size_t)len;
                    answer(&cl[0]);
                    if (frame_send(cl[0].fd, cl[0].out + 4, cl[0].out_len - 4, MSG_NOSIGNAL) == -1)
                        gone(&cl[0], "send %s: %s", cl[0].name, strerror(errno));
                }
            }
            continue;
        }
        /* poll() over the listening socket (while a slot is free) and every
         * client: POLLIN to read its requests, POLLOUT while a reply waits. */
        struct pollfd pfd[1 + MAX_CLIENTS];
        int who[1 + MAX_CLIENTS], n = 1, busy = 0;
        for (i = 0; i < MAX_CLIENTS; i++)
            if (cl[i].fd != -1) {
                busy++;
                if (no_read)        /* never polled, never read */
                    continue;
                pfd[n] = (struct pollfd){ .fd = cl[i].fd, .events = cl[i].out_len ? POLLOUT : POLLIN };
                who[n++] = i;
            }
        pfd[0] = (struct pollfd){ .fd = busy < MAX_CLIENTS ? lfd : -1, .events = POLLIN };
        if (poll(pfd, (nfds_t)n, -1) == -1) {
            if (errno == EINTR)
                continue;
            die("poll %s and %d %s", addr_str(&me), busy, plural(busy, "client", "clients"));
        }
        if (pfd[0].revents & POLLIN) {
            int fd = accept4(lfd, (struct sockaddr *)&a, &alen, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd == -1 && errno != ECONNABORTED && errno != EAGAIN && errno != EINTR)
                die("accept %s", addr_str(&me));
            for (i = 0; fd != -1 && cl[i].fd != -1; i++)
                ;
            if (fd != -1)
                add_client(&cl[i], fd, &a, no_read);
        }
        for (int j = 1; j < n; j++) {
            struct client *c = &cl[who[j]];
            if (!pfd[j].revents || c->fd == -1)
                continue;
            if (c->out_len)
                flush(c);
            else
                take(c);
        }
    }
    close_stdout();
    fprintf(stderr, "%s: served %ld %s\n", progname(), ended, plural(ended, "client", "clients"));
    return 0;
}
