/* tcp.h - small helpers for lesson 04's TCP programs.
 * python_peers/ipclab/tcp.py is the mirror image. */
#ifndef IPCLAB_TCP_H
#define IPCLAB_TCP_H

#include <netinet/in.h>

/* "127.0.0.1:41234": an IPv4 address and port, as every message and the
 * readiness line ("listening on 127.0.0.1:41234") write it. Returns one of
 * two static buffers, used in turn: two calls may share one message. */
const char *addr_str(const struct sockaddr_in *a);

/* The address 127.0.0.1:port, for bind() and connect(). */
struct sockaddr_in loopback(int port);

#endif
