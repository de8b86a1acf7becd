/* naive_uds_client.c - the common tutorial's Unix domain socket client,
 * kept as it is written there, to see where it breaks. Do not copy it:
 * uds_client.c is the fix.
 *
 * Usage: naive_uds_client PATH MESSAGE...
 *   each MESSAGE goes with one send(): its bytes, nothing that says
 *   where it ends
 *
 * What is wrong with it: strncpy() into sun_path, the length never checked
 * (a PATH over 107 bytes is cut short without a word: it connects to
 * another name, where the naive server made its socket too); no framing
 * (naive_uds_server.c says what that does); send()'s result never looked
 * at. The kit changed one thing: PATH is an argument (the tutorial's:
 * "/tmp/mysocket").
 * Mirror: python_peers/05-unix-sockets/naive_uds_client.py.
 * Server: naive_uds_server.c/.py.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
    struct sockaddr_un addr;
    int fd, i;

    if (argc < 3) {
        printf("usage: %s PATH MESSAGE...\n", argv[0]);
        return 2;
    }
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == -1) {
        perror("connect error");
        exit(-1);
    }
    for (i = 2; i < argc; i++)
        send(fd, argv[i], strlen(argv[i]), 0);
    close(fd);
    return 0;
}
