/* safe_server.c - exercise 05/01: a Unix stream server that takes its
 * socket's name safely. It serves one client: reads what it sends to the
 * end, says how many bytes, removes its socket file and ends.
 *
 * Usage: safe_server PATH   (PATH in a private 0700 directory of yours)
 *
 * Its first line on stdout is "listening on PATH" once a client can
 * connect. The task is in README.md.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "err.h"
#include "rundir.h"
#include "uds.h"

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    if (argc != 2 || argv[1][0] == '-' || argv[1][0] == '@')
        fail(2, "usage: %s PATH", progname());
    const char *path = argv[1];
    struct sockaddr_un a;
    socklen_t alen = uds_addr(path, &a);
    uds_check_dir(path, 1);

    int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (srv == -1)
        die("socket");
    /* TODO: this unlink() removes whatever is at PATH before bind(), "in
     * case an old socket file is there". It also removes a live server's
     * socket file (that server keeps running, unreachable: every new client
     * comes to us) and any file at all that happens to have the name. Call
     * bind() first; only when it fails with EADDRINUSE look at what is
     * there: remove it only when it is a socket and a connect() to it is
     * refused (ECONNREFUSED: nobody listens), then bind again. A live
     * server, or a file that is not a socket: say so, status 1, remove
     * nothing. */
    unlink(path);
    if (bind(srv, (struct sockaddr *)&a, alen) == -1)
        die("bind %s", path);
    if (listen(srv, 16) == -1) {
        unlink(path);
        die("listen %s", path);
    }
    printf("listening on %s\n", path);
    fflush(stdout);

    int c = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
    if (c == -1) {
        unlink(path);
        die("accept %s", path);
    }
    char buf[4096];
    long total = 0;
    ssize_t n;
    while ((n = read(c, buf, sizeof buf)) != 0) {
        if (n == -1) {
            if (errno == EINTR)
                continue;
            unlink(path);
            die("read %s", path);
        }
        total += n;
    }
    printf("a client sent %ld bytes\n", total);
    close(c);
    close(srv);
    if (unlink(path) == -1)
        die("unlink %s", path);
    return 0;
}
