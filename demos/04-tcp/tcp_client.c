/* tcp_client.c - connect to tcp_server on 127.0.0.1, send framed requests,
 * print the replies.
 *
 * Usage: tcp_client [options] PORT [TEXT...]      (or --port PORT)
 *   TEXT...        one request each, sent one after the other; then the
 *                  replies are read, in order. With no TEXT: wait until the
 *                  server closes the connection
 *   --shutdown     after the requests, shutdown(SHUT_WR): "no more
 *                  requests"; the server still answers; read until it closes
 *   --wait-close   after the replies, read until the server closes (recv 0),
 *                  then close: the server closes first (its port keeps the
 *                  TIME-WAIT), whatever the scheduler does
 *   --reset        once a reply has arrived, close() without reading it:
 *                  unread data makes the kernel send a reset (RST)
 *   --no-nosignal  send without MSG_NOSIGNAL: a send on a connection the
 *                  server has closed kills us with SIGPIPE instead of EPIPE
 *   --flood SIZE   send frames of SIZE bytes, never reading, until a send
 *                  fails (with tcp_server --no-read: the buffers fill)
 *   --hold         after connect(), wait for SIGUSR1 before sending
 *
 * PORT is the one in the server's first line, "listening on 127.0.0.1:PORT":
 * start the client after that line, never after a sleep. Before it, the
 * connect() is refused (ECONNREFUSED). What to watch: TCP is a byte stream;
 * frame_read loops until a whole frame is in, however recv() splits it.
 * Mirror: python_peers/04-tcp/tcp_client.py.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "hold.h"
#include "tcp.h"

int main(int argc, char *argv[])
{
    static char reply[FRAME_MAX];
    long port = -1, flood = -1;
    int shut = 0, waitclose = 0, reset = 0, nosignal = MSG_NOSIGNAL, hold = 0, i;
    const char *usage = "usage: %s [--shutdown] [--wait-close] [--reset] [--no-nosignal]"
                        " [--flood SIZE] [--hold] PORT [TEXT...]";

    set_progname(argv[0]);
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--port") == 0)
            port = parse_long("--port", option_value(argc, argv, &i), 1, 65535);
        else if (strcmp(argv[i], "--flood") == 0)
            flood = parse_long("--flood", option_value(argc, argv, &i), 0, FRAME_MAX);
        else if (strcmp(argv[i], "--shutdown") == 0)
            shut = 1;
        else if (strcmp(argv[i], "--wait-close") == 0)
            waitclose = 1;
        else if (strcmp(argv[i], "--reset") == 0)
            reset = 1;
        else if (strcmp(argv[i], "--no-nosignal") == 0)
            nosignal = 0;
        else if (strcmp(argv[i], "--hold") == 0)
            hold = 1;
        else
            fail(2, usage, argv[0]);
    }
    if (port == -1 && i < argc)
        port = parse_long("PORT", argv[i++], 1, 65535);
    if (port == -1)
        fail(2, usage, argv[0]);
    int ntext = argc - i;
    char **text = argv + i;
    if (flood != -1 && (ntext > 0 || shut || waitclose || reset))
        fail(2, "--flood sends its own frames: no TEXT, --shutdown, --wait-close or --reset");
    if (reset && waitclose)
        fail(2, "--reset closes with the reply unread: no --wait-close with it");
    if ((shut || reset) && ntext == 0)
        fail(2, "--shutdown and --reset need a TEXT to send first");
    for (int t = 0; t < ntext; t++)
        if (strlen(text[t]) > 65536)
            fail(2, "TEXT %d: %zu bytes; tcp_server takes at most 65536", t + 1, strlen(text[t]));

    if (hold)       /* connect() may sleep (a full accept queue): a cue then waits */
        hold_arm();
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1)
        die("socket");
    struct sockaddr_in srv = loopback((int)port), me;
    socklen_t mlen = sizeof me;
    if (connect(fd, (struct sockaddr *)&srv, sizeof srv) == -1)
        die("connect %s", addr_str(&srv));      /* ECONNREFUSED: nobody listening there */
    if (getsockname(fd, (struct sockaddr *)&me, &mlen) == -1)
        die("getsockname");
    fprintf(stderr, "%s: connected from %s to %s\n", progname(), addr_str(&me), addr_str(&srv));
    if (hold)
        hold_until_sigusr1();

    if (flood != -1) {              /* never reads: sleeps in send once both buffers are full */
        long sent = 0;
        memset(reply, 'x', (size_t)flood);      /* reply's buffer: unused otherwise */
        for (;;) {
            if (frame_send(fd, reply, (size_t)flood, nosignal) == -1)
                fail(1, "send %s: %s (after %ld %s of %ld bytes)", addr_str(&srv),
                     strerror(errno), sent, plural(sent, "frame", "frames"), flood);
            sent++;
        }
    }
    /* MSG_NOSIGNAL: a send on a connection the server has closed fails
     * with EPIPE, which we report, instead of raising SIGPIPE, which kills. */
    for (int t = 0; t < ntext; t++)
        if (frame_send(fd, text[t], strlen(text[t]), nosignal) == -1)
            die("send %s", addr_str(&srv));
    if (shut) {                     /* our FIN: the server's recv() returns 0 */
        if (shutdown(fd, SHUT_WR) == -1)
            die("shutdown %s", addr_str(&srv));
        fprintf(stderr, "%s: shutdown(SHUT_WR): no more requests; reading the replies\n",
                progname());
    }
    if (reset) {                    /* wait for the reply, then close with it unread */
        struct pollfd p = { .fd = fd, .events = POLLIN };
        while (poll(&p, 1, -1) == -1)
            if (errno != EINTR)
                die("poll %s", addr_str(&srv));
        fprintf(stderr, "%s: closing with the reply unread: the kernel sends a reset (RST)\n",
                progname());
        if (close(fd) == -1)
            die("close %s", addr_str(&srv));
        return 0;
    }

    for (int t = 0; t < ntext; t++) {
        char why[160];
        long len = frame_read(fd, reply, sizeof reply, why, sizeof why);
        if (len == FRAME_EOF)
            fail(1, "%s closed the connection after %d of %d replies", addr_str(&srv), t, ntext);
        if (len == FRAME_ERROR)
            fail(1, "reply from %s: %s", addr_str(&srv), why);
        for (long k = 0; k < len; k++)      /* a peer's bytes are shown, never obeyed */
            reply[k] = reply[k] >= ' ' && reply[k] <= '~' ? reply[k] : '.';
        out("%.*s\n", (int)len, reply);
    }
    if (shut || waitclose || ntext == 0) {  /* the server closes its end: recv() returns 0 */
        char extra;
        ssize_t r = recv(fd, &extra, 1, 0);
        if (r == -1)
            die("recv %s", addr_str(&srv));
        if (r > 0)
            fail(1, "%s sent more than the replies to our requests", addr_str(&srv));
        fprintf(stderr, "%s: %s closed the connection (recv 0)\n", progname(), addr_str(&srv));
    }
    if (close(fd) == -1)
        die("close %s", addr_str(&srv));
    close_stdout();
    return 0;
}
