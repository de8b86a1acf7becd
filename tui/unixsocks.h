/* unixsocks.h - Unix domain sockets as the kernel sees them (unixdiag.c:
 * netlink sock_diag's unix_diag, what `ss -x` reads; unixsocks.c: the
 * run's Unix sockets, who holds each, the transcript and the screen;
 * fds.c: the run's descriptors, and one passed from another process;
 * api_unix.c: unix(name), rundir(), p:fds()). */
#ifndef IPCLAB_UNIXSOCKS_H
#define IPCLAB_UNIXSOCKS_H

#include <stddef.h>

#define UNIX_ICONS_KEEP 16      /* a listener's waiting connections kept (all are counted) */
#define UNIX_NAME_MAX   108     /* sizeof sun_path */
#define UDIAG_MAX       256     /* sockets kept from one dump (those the caller wants) */

/* One Unix socket from a unix_diag_msg and its attributes, checked. */
struct unixsock {
    unsigned long ino;          /* its inode: socket:[INO] in /proc/PID/fd */
    unsigned long long cookie;
    int type;                   /* SOCK_STREAM (1), SOCK_DGRAM (2) or SOCK_SEQPACKET (5) */
    int state;                  /* 1 connected (TCP_ESTABLISHED), 7 unconnected (TCP_CLOSE),
                                   10 LISTEN; any 1-12 is taken */
    unsigned char name[UNIX_NAME_MAX];  /* UNIX_DIAG_NAME: sun_path's bytes as bound; an
                                   abstract name starts with a NUL; an accepted
                                   socket has its listener's */
    int namelen;                /* 0: unnamed */
    int has_peer;               /* UNIX_DIAG_PEER came: connected (peer 0: the peer closed) */
    unsigned long peer;         /* the peer's inode */
    int has_rq;                 /* UNIX_DIAG_RQLEN came */
    unsigned long rq, wq;       /* LISTEN: connections waiting to be accepted, and the
                                   backlog; else the bytes to read (dgram: the next
                                   datagram's only) and the memory (not bytes) of
                                   what it sent that its peer has not read yet */
    int nicons;                 /* UNIX_DIAG_ICONS: a listener's waiting connections */
    unsigned long icons[UNIX_ICONS_KEEP];   /* the first: each the connecting socket's inode */
    int shutdown;               /* UNIX_DIAG_SHUTDOWN: 1 no more reads, 2 no more writes;
                                   -1 when not given */
};

/* unixdiag.c */
/* Parse len bytes of one recv() of a unix_diag dump with sequence number
 * seq. A socket is kept in out (at most max, *n counts them; more are
 * dropped and counted in *n too, up to max + 1) when want is NULL, or when
 * its inode, its peer's or one of its waiting connections' is among the
 * nwant inodes of want (sorted, ascending). Returns 1 at the dump's end
 * (NLMSG_DONE), 0 when more is to come, -1 when anything is not what the
 * kernel writes (a length that does not fit, a message or an attribute cut
 * short, a family, type or state out of range, a known attribute of the
 * wrong size or twice, an error): then the whole dump is to be dropped.
 * Pure: no run, no system call. */
int unixdiag_parse(const unsigned char *buf, size_t len, unsigned seq,
                   const unsigned long *want, int nwant,
                   struct unixsock *out, int max, int *n);
/* The machine's Unix sockets that want selects (as unixdiag_parse) into
 * out; how many, or -1 when the dump could not be read whole. Through a
 * netlink socket of ipclab's own: never a descriptor on a socket. */
int unixdiag_dump(const unsigned long *want, int nwant, struct unixsock *out, int max);
const char *unix_type_name(int type);       /* "stream", "dgram", "seqpacket"; "?" */
/* "LISTEN", "connected", "unconnected" (a datagram socket: by its peer). */
const char *unix_state_name(const struct unixsock *s);
/* Its name as shown: "/run/x/srv.sock"; abstract "@name" (each NUL as @);
 * a byte that is not printable ASCII as '?'; "" when unnamed. Its length. */
size_t unix_name_text(const unsigned char *name, int namelen, char *buf, size_t len);

/* fds.c: every live followed process's descriptors, read at each sample
 * (readdir and readlink of /proc/PID/fd: nothing opened). */
#define FD_TARGET 128
struct fdent { int proc, fd; unsigned long sock; char target[FD_TARGET]; };
void fds_read(void);                        /* read now; tell the descriptors passed */
const struct fdent *fds_table(int *n);      /* as read last */
/* Descriptors of other processes that are the same open file as process
 * i's fd (kcmp KCMP_FILE), into who/whofd (at most max): how many. */
int fds_same(int i, int fd, const char *target, int *who, int *whofd, int max);

/* unixsocks.c */
struct proc;
void unix_sample(int settle);               /* settle 1: the sampler; 0: a query, told at once */
int unix_count(void);
/* Socket k as shown now (NULL when it is missing from the last dump),
 * its holders (at most max). */
const struct unixsock *unix_at(int k, int *owner, int *fd, int max, int *nown);
int unix_of(unsigned long ino);             /* the shown socket with that inode, or -1 */
const struct unixsock *unix_known(unsigned long ino);  /* any of the last dump's: NULL */
int unix_queued_at(unsigned long ino);      /* a listener whose queue holds ino, or -1 */
int unix_waiting(const struct unixsock *s); /* a connection not accepted yet */
const struct unixsock *unix_at_dump(int d); /* the last dump's socket d */
int unix_of_call(const struct proc *p, int *fd, int *others);  /* its call on one (poll: the first polled; *others the rest), or -1 */
int describe_unix_call(const struct proc *p, char *buf, size_t len);
/* The screen's words for shown socket k: its name or, connected, its
 * peer ("-> server fd 4"); its state ("LISTEN", "not accepted"). */
void unix_row_words(int k, char *name, size_t nlen, char *state, size_t slen);
int unix_teaches(const char *line);         /* ipclab tour: a Unix socket line worth telling */

/* unixview.c: the screen. */
int unix_pane_line(const struct proc *p, char *buf, size_t len, int w);
int unix_rows(int avail);                   /* the rows draw_unix takes in avail */
int draw_unix(int y, int rows);

#endif
