/* tcp.c - see tcp.h. */
#include "tcp.h"

#include <arpa/inet.h>
#include <stdio.h>

const char *addr_str(const struct sockaddr_in *a)
{
    static char buf[2][INET_ADDRSTRLEN + 8];
    static int turn;
    char ip[INET_ADDRSTRLEN];

    turn = !turn;
    if (inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip) == NULL)
        snprintf(ip, sizeof ip, "?");
    snprintf(buf[turn], sizeof buf[turn], "%s:%u", ip, (unsigned)ntohs(a->sin_port));
    return buf[turn];
}

struct sockaddr_in loopback(int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);     /* 127.0.0.1: never every interface */
    return a;
}
