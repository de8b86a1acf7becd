/* naive_uds_server.c - the common tutorial's Unix domain socket server, kept
 * as it is written there, to see where it breaks. Do not copy it:
 * uds_server.c is the fix.
 *
 * Usage: naive_uds_server PATH   (prints "Received: TEXT" after every recv())
 *
 * What is wrong with it, each one shown in lesson 05:
 *   - unlink(PATH) before bind(), blindly, "in case an old one is there":
 *     a second server started while the first runs removes the first one's
 *     live socket file and binds its own at the name. Every new client goes
 *     to the second; the first sleeps in accept() for good, its name in
 *     ss -xl still, no file leading to it;
 *   - strncpy() into sun_path, the length never checked: a PATH longer than
 *     107 bytes is cut short without a word, and the socket is made at
 *     another name (which that unlink() never removes);
 *   - one recv() taken for one message: a stream keeps no boundaries, two
 *     sends queued when it reads come back merged; printed as a C string;
 *   - nothing checked; the socket file is never removed.
 * The kit changed two things: PATH is an argument (the tutorial's fixed
 * "/tmp/mysocket" would make runs side by side meet), and it prints the
 * readiness line "listening on PATH" (as the tutorial prints, what it was
 * given). buf has a 101st byte that stays '\0', so that printf stops inside
 * buf (the kit's sanitizer build would stop the program first).
 * Mirror: python_peers/05-unix-sockets/naive_uds_server.py.
 * Client: naive_uds_client.c/.py.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
    struct sockaddr_un addr;
    char buf[100 + 1] = { 0 };
    int fd, cl;

    if (argc < 2) {
        printf("usage: %s PATH\n", argv[0]);
        return 2;
    }
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    unlink(argv[1]);                            /* "in case it exists" */
    bind(fd, (struct sockaddr *)&addr, sizeof addr);
    listen(fd, 5);
    printf("listening on %s\n", argv[1]);
    fflush(stdout);
    while (1) {
        cl = accept(fd, NULL, NULL);
        while (recv(cl, buf, 100, 0) > 0) {     /* one recv taken for one message */
            printf("Received: %s\n", buf);
            fflush(stdout);
        }
        close(cl);
    }
}
