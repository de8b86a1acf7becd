/* sockets.h - TCP sockets as the kernel sees them (sockdiag.c: netlink
 * sock_diag, what `ss` reads; sockets.c: the run's sockets, their owners,
 * the transcript and the screen; api_sockets.c: p:sockets(), tcp(port)). */
#ifndef IPCLAB_SOCKETS_H
#define IPCLAB_SOCKETS_H

#include <stddef.h>

#define MAX_SOCKS 48            /* the run's sockets kept (a dump keeps more) */
#define DIAG_MAX  1024          /* sockets of the machine read in one dump */

/* One TCP socket from an inet_diag_msg, its values checked. */
struct tcpsock {
    unsigned long long cookie;  /* the kernel's id of the socket: its identity here */
    int family;                 /* AF_INET or AF_INET6 */
    int state;                  /* TCP_ESTABLISHED (1) ... TCP_NEW_SYN_RECV (12) */
    unsigned char laddr[16], raddr[16];
    unsigned lport, rport;
    unsigned long ino;          /* 0: no file (TIME-WAIT, not accepted yet, orphaned) */
    unsigned long rq, wq;       /* LISTEN: accept queue and backlog; else Recv-Q, Send-Q */
};

/* sockdiag.c */
/* Parse len bytes of one recv() of a sock_diag dump with sequence number
 * seq into out (at most max, *n counts them; more are dropped and counted
 * in *n too). Returns 1 when the dump's end is there, 0 when more is to
 * come, -1 when anything is not what the kernel writes (a length that
 * does not fit, a message cut short, an unknown type or state, an error):
 * then the whole dump is to be dropped. Pure: no run, no system call. */
int sockdiag_parse(const unsigned char *buf, size_t len, unsigned seq,
                   struct tcpsock *out, int max, int *n);
/* Every TCP socket of the machine (IPv4, then with v6 IPv6) into out; how
 * many, or -1 when the dump could not be read whole. Opens its own netlink
 * socket only: never a descriptor on a socket it reports. */
int sockdiag_dump(struct tcpsock *out, int max, int v6);
/* One request (req, len bytes, its nlmsghdr first with its sequence number)
 * to NETLINK_SOCK_DIAG through a netlink socket of ipclab's own, each
 * recv() of the reply handed to each(), which returns 1 at the end, 0 for
 * more, -1 to drop it. 0 when read whole, else -1. Shared with unixdiag.c. */
int sockdiag_request(const void *req, size_t len,
                     int (*each)(const unsigned char *buf, size_t n, void *arg), void *arg);
const char *tcp_state_name(int state);      /* "ESTABLISHED", "TIME-WAIT"; "?" */
/* "127.0.0.1:41234", "[::1]:41234", "*:41234" (any address); peer: the
 * remote end ("*" for a listener's). */
void sock_endpoint(const struct tcpsock *s, int peer, char *buf, size_t len);

/* sockets.c */
struct proc;
void sockets_reset(void);                   /* a new run */
void sockets_sample(int settle);            /* settle 1: the sampler; 0: a query, told at once */
int sockets_count(void);                    /* shown now */
const struct tcpsock *socket_at(int k, int *owner, int *fd, int max, int *nown);
int socket_of(unsigned long ino);           /* index of the shown socket with that inode, or -1 */
int socket_peer(int k);                     /* the other end, when it is the run's too; -1 */
/* The shown socket p's call is on (its descriptor argument, or the first
 * TCP socket it polls), or -1; *fd: that descriptor; *others: how many
 * more it polls. */
int socket_of_call(const struct proc *p, int *fd, int *others);
int describe_socket_call(const struct proc *p, char *buf, size_t len);   /* 1 when p's call is on a TCP socket */
int socket_pane_line(const struct proc *p, char *buf, size_t len, int w);
int socket_rows(int avail);                 /* the rows draw_sockets takes in avail */
int draw_sockets(int y, int rows);
int socket_teaches(const char *line);       /* ipclab tour: a socket line worth telling */

#endif
