/* restart_server.c - a TCP server on 127.0.0.1 that answers each client's
 * one request, then closes the connection itself.
 * Exercise 04-tcp/03-restart-at-once: the task is in README.md.
 *
 * Usage: restart_server [--port P] [-n COUNT]
 *   --port P    bind 127.0.0.1:P; 0 (the default): the kernel picks a free port
 *   -n COUNT    end after COUNT clients (default 1)
 *
 * Its first line on stdout, once listen() has returned, is "listening on
 * 127.0.0.1:PORT". Each client, one at a time: one request frame (lesson
 * 01's wire format), answered with the frame "echo: TEXT", then the server
 * closes the connection first, so the kernel keeps the connection in
 * TIME-WAIT on the server's port for a while. A server started again at
 * once on the same port (--port P) must still be able to bind it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "tcp.h"

static char text[65536], reply[65536 + 16];

int main(int argc, char *argv[])
{
    long port = 0, count = 1, served = 0;

    set_progname(argv[0]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0)
            port = parse_long("--port", option_value(argc, argv, &i), 0, 65535);
        else if (strcmp(argv[i], "-n") == 0)
            count = parse_long("-n", option_value(argc, argv, &i), 1, 1000000);
        else
            fail(2, "usage: %s [--port P] [-n COUNT]", argv[0]);
    }

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd == -1)
        die("socket");
    /* TODO: a server that closed its connections first leaves them in
     * TIME-WAIT on its port (about a minute), and until they are gone
     * bind() to that port fails: EADDRINUSE, "Address already in use".
     * Ask the kernel to let this socket bind the port all the same. */
    int on = 1;
    if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
        die("setsockopt SO_REUSEADDR");
    struct sockaddr_in me = loopback((int)port);
    if (bind(lfd, (struct sockaddr *)&me, sizeof me) == -1)
        die("bind %s", addr_str(&me));
    socklen_t mlen = sizeof me;
    if (getsockname(lfd, (struct sockaddr *)&me, &mlen) == -1)     /* the port it got */
        die("getsockname");
    if (listen(lfd, 16) == -1)
        die("listen %s", addr_str(&me));
    out("listening on %s\n", addr_str(&me));    /* ready: connect() now succeeds */

    while (served < count) {
        struct sockaddr_in a;
        socklen_t alen = sizeof a;
        int fd = accept4(lfd, (struct sockaddr *)&a, &alen, SOCK_CLOEXEC);
        if (fd == -1 && (errno == ECONNABORTED || errno == EINTR))
            continue;
        if (fd == -1)
            die("accept %s", addr_str(&me));
        char why[160];
        long len = frame_read(fd, text, sizeof text, why, sizeof why);
        if (len >= 0) {
            for (long k = 0; k < len; k++)      /* shown, never obeyed */
                text[k] = text[k] >= ' ' && text[k] <= '~' ? text[k] : '.';
            int n = snprintf(reply, sizeof reply, "echo: %.*s", (int)len, text);
            if (frame_send(fd, reply, (size_t)n, MSG_NOSIGNAL) == -1)
                fprintf(stderr, "%s: send %s: %s\n", progname(), addr_str(&a), strerror(errno));
        } else {
            fprintf(stderr, "%s: client %s: %s\n", progname(), addr_str(&a),
                    len == FRAME_EOF ? "closed the connection before a request" : why);
        }
        if (close(fd) == -1)                    /* we close first: TIME-WAIT is ours */
            die("close %s", addr_str(&a));
        served++;
    }
    close_stdout();
    fprintf(stderr, "%s: served %ld %s\n", progname(), served, plural(served, "client", "clients"));
    return 0;
}
