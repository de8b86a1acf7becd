/* sockets.c - the run's TCP sockets as the kernel sees them: state, ends,
 * Recv-Q and Send-Q (a listener's accept queue and backlog), from
 * sock_diag (sockdiag.c), and who holds each: the socket:[INODE] links of
 * /proc/PID/fd of the run's processes, read with readlink only, as
 * holders.c does for FIFOs. Nothing is opened, connected to or read:
 * watching changes no queue and adds no descriptor to any socket.
 *
 * Shown: every TCP socket a process of the run holds, and the sockets no
 * process holds that are the run's: a connection whose two ends a socket
 * of the run had (TIME-WAIT after a close, one orphaned in FIN-WAIT-2), or
 * one whose own end is a run's listener's address:port (in its accept
 * queue, not accepted yet). Another program's TIME-WAIT from a port a
 * client of the run uses now (the kernel reuses an ephemeral port towards
 * another peer) is not the run's. Each is told in the transcript when it appears,
 * changes (state, queues, who holds it) or goes, once that has held two
 * samples (at once when a scenario asks); on screen, a row each under the
 * channels, and a blocked call on one names it (describe_socket_call). */
#include <curses.h>     /* before ipclab.h: its drawing prototypes */

#include "ipclab.h"
#include "sockets.h"
#include "ui.h"
#include "unixsocks.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_OWN 4
#define MAX_EPS 256
#define MAX_FDS 256

struct shown {
    struct tcpsock s;
    int owner[MAX_OWN], fd[MAX_OWN], nown, more;
    int absent;                     /* samples it has been missing */
    char seen[200], told[200];
};
/* A connection a socket of the run had (its two ends), or a listener's end
 * (listener: rport 0). */
struct endpoint {
    int family, listener;
    unsigned char addr[16], raddr[16];
    unsigned port, rport;
};
struct fdsock { unsigned long ino; int proc, fd; };

static struct shown socks[MAX_SOCKS];
static int nsocks;
static struct endpoint eps[MAX_EPS];    /* the connections and listeners the run had */
static int neps;
static unsigned run_gen = ~0u;
static struct tcpsock diag[DIAG_MAX];

void sockets_reset(void)
{
    nsocks = neps = 0;
    run_gen = R.gen;
}

/* The socket:[INODE] descriptors of the run's live processes, from their
 * descriptor tables as fds.c read them last (readlink: no open). */
static int socket_fds(struct fdsock *f, int max)
{
    int n = 0, all;
    const struct fdent *t = fds_table(&all);
    for (int k = 0; k < all && n < max; k++)
        if (t[k].sock)
            f[n++] = (struct fdsock){ t[k].sock, t[k].proc, t[k].fd };
    return n;
}

static int any_addr(const struct endpoint *e)
{
    static const unsigned char zero[16];
    return memcmp(e->addr, zero, e->family == AF_INET ? 4 : 16) == 0;
}

/* Whether socket s, held by no process, is the run's: its two ends those
 * of a connection a socket of the run had, or its own end a run's
 * listener's (exact: 1 asks for the very same record, for add_endpoint). */
static int is_endpoint(const struct tcpsock *s, int exact)
{
    size_t alen = s->family == AF_INET ? 4 : 16;
    int listener = s->state == 10;
    for (int k = 0; k < neps; k++) {
        const struct endpoint *e = &eps[k];
        if (e->family != s->family || e->port != s->lport || s->lport == 0)
            continue;
        if (exact ? e->listener == listener && (listener ||
                    (e->rport == s->rport && memcmp(e->raddr, s->raddr, alen) == 0)) &&
                    memcmp(e->addr, s->laddr, alen) == 0
                  : e->listener ? any_addr(e) || memcmp(e->addr, s->laddr, alen) == 0
                                : e->rport == s->rport && memcmp(e->addr, s->laddr, alen) == 0 &&
                                  memcmp(e->raddr, s->raddr, alen) == 0)
            return 1;
    }
    return 0;
}

static void add_endpoint(const struct tcpsock *s)
{
    if (s->lport == 0 || is_endpoint(s, 1) || neps == MAX_EPS)
        return;
    struct endpoint *e = &eps[neps++];
    e->family = s->family;
    e->listener = s->state == 10;
    memcpy(e->addr, s->laddr, sizeof e->addr);
    memcpy(e->raddr, s->raddr, sizeof e->raddr);
    e->port = s->lport;
    e->rport = e->listener ? 0 : s->rport;
}

/* A connection in a listener's accept queue: no file yet, and a listener
 * of the run on its local port. */
static int not_accepted(const struct tcpsock *s)
{
    if (s->ino != 0 || (s->state != 1 && s->state != 3 && s->state != 8 && s->state != 12))
        return 0;
    for (int k = 0; k < nsocks; k++)
        if (socks[k].s.state == 10 && socks[k].s.lport == s->lport && !socks[k].absent &&
            socks[k].s.family == s->family)
            return 1;
    return 0;
}

/* "TCP 127.0.0.1:41234 LISTEN, accept queue 2 of 5: server fd 3". */
static void sock_text(const struct shown *x, char *buf, size_t len)
{
    char l[64], p[64], who[120] = "";
    size_t n = 0;
    sock_endpoint(&x->s, 0, l, sizeof l);
    sock_endpoint(&x->s, 1, p, sizeof p);
    for (int k = 0; k < x->nown && n < sizeof who; k++)
        n += (size_t)snprintf(who + n, sizeof who - n, "%s%s fd %d", k ? ", " : "",
                              R.procs[x->owner[k]].name, x->fd[k]);
    if (x->more && n < sizeof who)
        snprintf(who + n, sizeof who - n, " and %d more", x->more);
    if (!x->nown)
        snprintf(who, sizeof who, "%s", not_accepted(&x->s) ? "no process yet: in the accept queue"
                 : "no process holds it");
    const char *st = tcp_state_name(x->s.state);
    if (x->s.state == 10)
        snprintf(buf, len, "TCP %s LISTEN, accept queue %lu of %lu: %s", l, x->s.rq, x->s.wq, who);
    else if (x->s.state == 6)
        snprintf(buf, len, "TCP %s -> %s TIME-WAIT: %s", l, p, who);
    else
        snprintf(buf, len, "TCP %s -> %s %s, Recv-Q %lu, Send-Q %lu: %s", l, p, st,
                 x->s.rq, x->s.wq, who);
}

static void tell(struct shown *x, int settle)
{
    char now_text[sizeof x->seen];
    sock_text(x, now_text, sizeof now_text);
    if (settle && strcmp(now_text, x->seen) != 0) {
        scopy(x->seen, sizeof x->seen, now_text);
        return;
    }
    scopy(x->seen, sizeof x->seen, now_text);
    if (strcmp(now_text, x->told) != 0) {
        scopy(x->told, sizeof x->told, now_text);
        tlog("socket %s", now_text);
    }
}

static struct shown *find(unsigned long long cookie)
{
    for (int k = 0; k < nsocks; k++)
        if (socks[k].s.cookie == cookie)
            return &socks[k];
    return NULL;
}

/* One pass: the run's descriptors, the kernel's table, what changed. */
void sockets_sample(int settle)
{
    static struct fdsock fds[MAX_FDS];
    if (run_gen != R.gen)
        sockets_reset();
    if (!settle)
        fds_read();                         /* a query: the descriptors as they are now */
    static unsigned long long held_last;
    static unsigned ticks;
    int nfds = socket_fds(fds, MAX_FDS), n = 0;
    /* The kernel walks its whole TCP tables for a dump: the sampler asks
     * 5 times a second, and at once when the run's sockets change (a
     * descriptor more or less) or a scenario asks; IPv6 only once the run
     * has an IPv6 socket or a new socket might be one. */
    unsigned long long held = (unsigned long long)nfds;
    for (int f = 0; f < nfds; f++)
        held = held * 1000003u + fds[f].ino * 31u + (unsigned)fds[f].fd;
    int changed = held != held_last, v6 = changed;
    for (int k = 0; k < neps && !v6; k++)
        v6 = eps[k].family == AF_INET6;
    held_last = held;
    if (settle && !changed && ++ticks % (SAMPLE_HZ / 5) != 0)
        return;
    if (nfds > 0 || neps > 0 || nsocks > 0)
        n = sockdiag_dump(diag, DIAG_MAX, v6);
    if (n < 0)
        return;                             /* not read whole: keep what was shown */
    for (int k = 0; k < nsocks; k++)
        socks[k].absent++;
    /* Held by the run first (their ends join the run's), then the rest. */
    for (int pass = 0; pass < 2; pass++)
        for (int d = 0; d < n; d++) {
            const struct tcpsock *s = &diag[d];
            int own[MAX_OWN], ofd[MAX_OWN], nown = 0, more = 0;
            for (int f = 0; f < nfds && s->ino; f++)
                if (fds[f].ino == s->ino) {
                    if (nown < MAX_OWN)
                        own[nown] = fds[f].proc, ofd[nown++] = fds[f].fd;
                    else
                        more++;
                }
            /* No process holds it: the run's when its two ends are a
             * connection the run had, or its own end a run's listener's;
             * a connection to a listener outside the run, not accepted
             * yet there, is that listener's. */
            if (pass == 0 ? nown == 0 : nown > 0 || s->ino != 0 || !is_endpoint(s, 0))
                continue;
            if (nown && s->state != 6)
                add_endpoint(s);
            struct shown *x = find(s->cookie);
            if (x == NULL && nsocks == MAX_SOCKS)
                continue;
            if (x == NULL) {
                x = &socks[nsocks++];
                memset(x, 0, sizeof *x);
            }
            x->s = *s;
            x->absent = 0;
            x->nown = nown, x->more = more;
            memcpy(x->owner, own, sizeof own);
            memcpy(x->fd, ofd, sizeof ofd);
        }
    for (int k = 0; k < nsocks; k++) {
        struct shown *x = &socks[k];
        if (x->absent == 0) {
            tell(x, settle);
            continue;
        }
        if (x->absent < 2 && settle)
            continue;
        char l[64], p[64];
        sock_endpoint(&x->s, 0, l, sizeof l);
        sock_endpoint(&x->s, 1, p, sizeof p);
        if (x->told[0])
            tlog("socket TCP %s%s%s gone", l, x->s.state == 10 ? "" : " -> ",
                 x->s.state == 10 ? " LISTEN" : p);
        memmove(x, x + 1, (size_t)(nsocks - k - 1) * sizeof *x);
        nsocks--, k--;
    }
}

int sockets_count(void)
{
    return nsocks;
}

/* Socket k as shown now (NULL when it is missing from the last dump). */
const struct tcpsock *socket_at(int k, int *owner, int *fd, int max, int *nown)
{
    if (k < 0 || k >= nsocks || socks[k].absent)
        return NULL;
    *nown = socks[k].nown < max ? socks[k].nown : max;
    for (int j = 0; j < *nown; j++)
        owner[j] = socks[k].owner[j], fd[j] = socks[k].fd[j];
    return &socks[k].s;
}

int socket_of(unsigned long ino)
{
    for (int k = 0; k < nsocks && ino; k++)
        if (socks[k].s.ino == ino && !socks[k].absent)
            return k;
    return -1;
}

/* The other end of a connection, when it is one of the run's too. */
int socket_peer(int k)
{
    const struct tcpsock *s = &socks[k].s;
    for (int j = 0; j < nsocks && s->state != 10; j++) {
        const struct tcpsock *o = &socks[j].s;
        if (j != k && !socks[j].absent && o->family == s->family && o->lport == s->rport &&
            o->rport == s->lport && o->state != 10 &&
            !memcmp(o->laddr, s->raddr, sizeof o->laddr) && !memcmp(o->raddr, s->laddr, sizeof o->raddr))
            return j;
    }
    return -1;
}

/* Asleep in poll() or ppoll(): the first shown TCP socket among the
 * descriptors it waits on (procfs_polled_sockets), its fd in *fd;
 * *others: how many more it waits on. -1: none. */
static int poll_socket(const struct proc *p, int *fd, int *others)
{
    int fds[16], nfds, n = 0;
    unsigned long ino[16];
    n = procfs_polled_sockets(p->pid, fds, ino, 16, &nfds);
    for (int k = 0; k < n; k++) {
        int found = socket_of(ino[k]);
        if (found >= 0) {
            *fd = fds[k];
            *others = nfds - 1;
            return found;
        }
    }
    return -1;
}

/* The shown socket a process's call is on (its descriptor argument's
 * socket:[INODE], or a socket it polls), or -1; *fd its descriptor. */
int socket_of_call(const struct proc *p, int *fd, int *others)
{
    *others = 0;
    *fd = p->call_fd;
    if (p->exited || !p->call[0] || (p->state != PS_SLEEPING && p->state != PS_STOPPED &&
                                     p->state != PS_DISK))
        return -1;
    if (!strcmp(p->call, "poll") || !strcmp(p->call, "ppoll"))
        return poll_socket(p, fd, others);
    if (strncmp(p->object, "socket:[", 8) != 0)
        return -1;
    return socket_of(strtoul(p->object + 8, NULL, 10));
}

static int sends(const char *call)
{
    return !strcmp(call, "write") || !strcmp(call, "writev") || !strncmp(call, "send", 4);
}

/* "sleeping in accept(fd 3) on TCP 127.0.0.1:41234 (LISTEN, 2 waiting in
 * its accept queue of 5)", "sleeping in sendto(fd 3) on TCP A -> B
 * (ESTABLISHED): Send-Q 2626560; the peer's Recv-Q 1183280 (server fd 4)". */
int describe_socket_call(const struct proc *p, char *buf, size_t len)
{
    int fd, others;
    int k = socket_of_call(p, &fd, &others);
    if (k < 0)
        return 0;
    const struct tcpsock *s = &socks[k].s;
    char l[64], r[64], peer[160] = "", more[48] = "";
    tell(&socks[k], 0);                     /* the transcript has the socket first */
    sock_endpoint(s, 0, l, sizeof l);
    sock_endpoint(s, 1, r, sizeof r);
    if (others > 0)
        snprintf(more, sizeof more, " and %d more descriptor%s", others, others == 1 ? "" : "s");
    int n = snprintf(buf, len, "%s in %s(fd %d%s) on TCP %s", pstate_name(p->state), p->call,
                     fd, more, l);
    if ((size_t)n >= len)
        return 1;
    if (s->state == 10) {
        snprintf(buf + n, len - (size_t)n, " (LISTEN, %lu waiting in its accept queue of %lu)",
                 s->rq, s->wq);
        return 1;
    }
    int j = socket_peer(k);
    if (j >= 0 && socks[j].nown)
        snprintf(peer, sizeof peer, "; the peer's Recv-Q %lu (%s fd %d)", socks[j].s.rq,
                 R.procs[socks[j].owner[0]].name, socks[j].fd[0]);
    else if (j >= 0)
        snprintf(peer, sizeof peer, "; the peer's Recv-Q %lu", socks[j].s.rq);
    if (sends(p->call))
        snprintf(buf + n, len - (size_t)n, " -> %s (%s): Send-Q %lu%s", r,
                 tcp_state_name(s->state), s->wq, peer);
    else
        snprintf(buf + n, len - (size_t)n, " -> %s (%s): Recv-Q %lu, Send-Q %lu", r,
                 tcp_state_name(s->state), s->rq, s->wq);
    return 1;
}

/* A pane's third line for a call on a TCP socket, in w columns: the
 * longest form that fits ("   fd 3: TCP 127.0.0.1:41234 LISTEN, 2 of 5
 * waiting" ... "   fd 3 TCP :41234 LISTEN 2/5"). 0 when not on one. */
int socket_pane_line(const struct proc *p, char *buf, size_t len, int w)
{
    int fd, others;
    int k = socket_of_call(p, &fd, &others);
    if (k < 0)
        return 0;
    const struct tcpsock *s = &socks[k].s;
    char l[64], r[64], c[3][160];
    const char *st = tcp_state_name(s->state);
    sock_endpoint(s, 0, l, sizeof l);
    sock_endpoint(s, 1, r, sizeof r);
    if (s->state == 10) {
        snprintf(c[0], sizeof c[0], "   fd %d: TCP %s LISTEN, %lu of %lu waiting", fd, l,
                 s->rq, s->wq);
        snprintf(c[1], sizeof c[1], "   fd %d: TCP :%u LISTEN, %lu of %lu waiting", fd,
                 s->lport, s->rq, s->wq);
        snprintf(c[2], sizeof c[2], "   fd %d TCP :%u LISTEN %lu/%lu", fd, s->lport,
                 s->rq, s->wq);
    } else {
        unsigned long q = sends(p->call) ? s->wq : s->rq;
        const char *qn = sends(p->call) ? "Send-Q" : "Recv-Q";
        snprintf(c[0], sizeof c[0], "   fd %d: TCP %s -> %s %s, %s %lu", fd, l, r, st,
                 qn, q);
        snprintf(c[1], sizeof c[1], "   fd %d: TCP :%u->:%u %s %lu", fd, s->lport,
                 s->rport, qn, q);
        snprintf(c[2], sizeof c[2], "   fd %d TCP :%u %s %lu", fd, s->lport, qn, q);
    }
    int pick = 0;
    while (pick < 2 && (int)strlen(c[pick]) > w)
        pick++;
    scopy(buf, len, c[pick]);
    return 1;
}

/* On screen: not the connections waiting in a listener's queue (its row
 * counts them). */
static int on_screen(const struct shown *x)
{
    return !x->absent && !not_accepted(&x->s);
}

/* The rows the sockets area takes, at most avail: a header and a row a
 * socket; none without sockets, none when fewer than 2 rows are left. */
int socket_rows(int avail)
{
    int want = 0;
    for (int k = 0; k < nsocks; k++)
        want += on_screen(&socks[k]);
    want = want ? want + 1 : 0;
    return want < avail ? want : avail >= 2 ? avail : 0;
}

int draw_sockets(int y, int rows)
{
    char buf[256], who[128];
    int shown = 0, all = 0;
    if (rows < 2)
        return y;
    for (int k = 0; k < nsocks; k++)
        all += on_screen(&socks[k]);
    /* The header says how many do not fit: no row is spent on it. */
    snprintf(buf, sizeof buf, " %-16s%-16s%-12s%7s %7s  %-8s", "TCP local", "peer", "state",
             "Recv-Q", "Send-Q", "held by");
    /* When they do not fit, the oldest connections give way (listeners
     * stay): what the scenario just made is what it talks about. */
    int skip = all > rows - 1 ? all - (rows - 1) : 0;
    if (skip)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " +%d older", skip);
    put(y++, 0, COLS, A_UNDERLINE, buf);
    for (int k = 0; k < nsocks && shown < rows - 1; k++) {
        const struct shown *x = &socks[k];
        if (!on_screen(x) || (skip > 0 && x->s.state != 10 && skip--))
            continue;
        char l[64], r[64];
        sock_endpoint(&x->s, 0, l, sizeof l);
        sock_endpoint(&x->s, 1, r, sizeof r);
        put(y, 0, 17, A_NORMAL, " ");
        put(y, 1, 16, A_NORMAL, l);
        put(y, 17, 16, A_NORMAL, r);
        put(y, 33, 12, x->s.state == 10 || x->s.state == 1 ? A_NORMAL : A_BOLD,
            tcp_state_name(x->s.state));
        if (x->s.state == 10)               /* ss's Recv-Q and Send-Q of a listener */
            snprintf(buf, sizeof buf, "%7lu of %-5lu", x->s.rq, x->s.wq);
        else if (x->s.state == 6)
            snprintf(buf, sizeof buf, "%7s %7s", "-", "-");
        else
            snprintf(buf, sizeof buf, "%7lu %7lu", x->s.rq, x->s.wq);
        put(y, 45, 17, A_NORMAL, buf);
        size_t n = 0;
        who[0] = '\0';
        for (int j = 0; j < x->nown && n < sizeof who; j++)
            n += (size_t)snprintf(who + n, sizeof who - n, "%s%s fd %d", j ? ", " : "",
                                  R.procs[x->owner[j]].name, x->fd[j]);
        if (!x->nown)
            snprintf(who, sizeof who, "(no process)");
        put(y++, 62, COLS - 62, x->nown ? A_NORMAL : A_DIM, who);
        shown++;
    }
    return y;
}

/* ipclab tour: is this transcript line's socket news for a reader (the
 * text after "socket ")? A socket's first line and each change of its TCP
 * state; of a listener, each change of its accept queue. Recv-Q and
 * Send-Q changes alone are the screen's detail. */
int socket_teaches(const char *v)
{
    static char keys[32][96], states[32][16];
    static int nkeys;
    char key[96], state[16];
    unsigned long q, most;
    const char *arrow = strstr(v, " -> "), *sp;
    if (strncmp(v, "TCP ", 4) != 0 || strstr(v, " gone"))
        return 0;
    sp = strchr(v + 4, ' ');                /* after the local end */
    if (arrow && arrow == sp)
        sp = strchr(arrow + 4, ' ');        /* after the peer */
    if (sp == NULL || (size_t)(sp - v) >= sizeof key)
        return 0;
    snprintf(key, sizeof key, "%.*s", (int)(sp - v), v);
    snprintf(state, sizeof state, "%.*s", (int)strcspn(sp + 1, ",: "), sp + 1);
    const char *acc = strstr(v, " accept queue ");
    if (acc && sscanf(acc, " accept queue %lu of %lu", &q, &most) == 2)
        snprintf(state, sizeof state, "%lu", q);   /* a listener: its queue is the news */
    for (int k = 0; k < nkeys; k++)
        if (!strcmp(keys[k], key)) {
            if (!strcmp(states[k], state))
                return 0;
            scopy(states[k], sizeof states[k], state);
            return 1;
        }
    if (nkeys < 32) {
        scopy(keys[nkeys], sizeof keys[nkeys], key);
        scopy(states[nkeys++], sizeof states[0], state);
    }
    return 1;
}
