/* naive_client.c - the common tutorial's TCP client, kept as it is written
 * there, to see where it breaks. Do not copy it: tcp_client.c is the fix.
 *
 * Usage: naive_client [--nul] PORT MESSAGE...
 *   each MESSAGE goes with one send(): its bytes, and with --nul its '\0'
 *   too (tutorials do either), nothing that says where it ends
 *
 * What is wrong with it: no framing (naive_server.c says what that does);
 * send()'s result never looked at. The kit changed one thing: PORT comes
 * from the server's readiness line (the tutorial: 8888).
 * Mirror: python_peers/04-tcp/naive_client.py. Server: naive_server.c/.py.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
    struct sockaddr_in serv_addr = { .sin_family = AF_INET };
    int nul = argc > 1 && strcmp(argv[1], "--nul") == 0;

    if (argc < 2 + nul) {
        printf("usage: %s [--nul] PORT MESSAGE...\n", argv[0]);
        return 2;
    }
    int sock = socket(AF_INET, SOCK_STREAM, 0);
    serv_addr.sin_port = htons(atoi(argv[1 + nul]));
    inet_pton(AF_INET, "127.0.0.1", &serv_addr.sin_addr);
    if (connect(sock, (struct sockaddr *)&serv_addr, sizeof serv_addr) < 0) {
        printf("\nConnection Failed \n");
        return -1;
    }
    for (int i = 2 + nul; i < argc; i++)
        send(sock, argv[i], strlen(argv[i]) + nul, 0);
    close(sock);
    return 0;
}
