/* naive_server.c - the common tutorial's TCP server, kept as it is written
 * there, to see where it breaks. Do not copy it: tcp_server.c is the fix.
 *
 * Usage: naive_server      (prints "Received: TEXT" after every recv())
 *
 * What is wrong with it, each one shown in lesson 04:
 *   - one recv(conn, buf, 50, 0) taken for one message, its result never
 *     looked at. TCP is a byte stream: two sends that are queued when it
 *     reads come back from one recv(), and printf("%s") stops at the
 *     first '\0' (a C client's second message is lost without a word); a
 *     message of over 50 bytes comes back in pieces;
 *   - buf is never cleared, and nothing marks where the bytes received
 *     end: a piece shorter than the one before prints with the old one's
 *     tail after it (garbage after a missing '\0');
 *   - once the client has gone, recv() returns 0 at once, every time: the
 *     loop spins at 100% CPU, printing its last line again and again;
 *   - nothing checked; one client, then nothing.
 * The kit changed two things: it binds 127.0.0.1 port 0 (the tutorial:
 * every interface, port 8888, which another run may hold) and prints the
 * readiness line "listening on 127.0.0.1:PORT"; and buf has a 51st byte
 * that stays '\0', so that printf stops inside buf (the kit's sanitizer
 * build would stop the program first).
 * Mirror: python_peers/04-tcp/naive_server.py. Client: naive_client.c/.py.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    struct sockaddr_in address = { .sin_family = AF_INET };
    socklen_t addrlen = sizeof address;
    char buf[50 + 1] = { 0 };

    int server_fd = socket(AF_INET, SOCK_STREAM, 0);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);   /* the tutorial: INADDR_ANY */
    address.sin_port = htons(0);                        /* the tutorial: 8888 */
    bind(server_fd, (struct sockaddr *)&address, sizeof address);
    listen(server_fd, 3);
    getsockname(server_fd, (struct sockaddr *)&address, &addrlen);
    printf("listening on 127.0.0.1:%d\n", ntohs(address.sin_port));
    fflush(stdout);
    int conn = accept(server_fd, NULL, NULL);
    while (1) {
        recv(conn, buf, 50, 0);                 /* one recv taken for one message */
        printf("Received: %s\n", buf);
        fflush(stdout);
    }
}
