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
    if (bind(srv, (struct sockaddr *)&a, alen) == -1) {
        if (errno != EADDRINUSE)
            die("bind %s", path);
        /* Something is at the name. Remove it only when it is a socket
         * nobody listens on: a connect() to it is refused. */
        struct stat st;
        if (lstat(path, &st) == -1)
            die("lstat %s", path);
        if (!S_ISSOCK(st.st_mode))
            fail(1, "bind %s: %s: %s, not a socket: not removing it", path,
                 strerror(EADDRINUSE), file_kind(st.st_mode));
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (probe == -1)
            die("socket");
        int r = connect(probe, (struct sockaddr *)&a, alen), err = errno;
        close(probe);
        if (r == 0)
            fail(1, "bind %s: %s: a server is there (connect succeeded): not removing it",
                 path, strerror(EADDRINUSE));
        if (err != ECONNREFUSED)
            fail(1, "bind %s: %s: connect: %s: not removing it", path,
                 strerror(EADDRINUSE), strerror(err));
        fprintf(stderr, "%s: %s: a stale socket (connect: %s): removed it\n", progname(),
                path, strerror(err));
        if (unlink(path) == -1)
            die("unlink %s", path);
        if (bind(srv, (struct sockaddr *)&a, alen) == -1)
            die("bind %s", path);
    }
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
