/* unixsocks.c - the run's Unix domain sockets as the kernel sees them:
 * type, state, name, peer, queues, a listener's waiting connections, from
 * unix_diag (unixdiag.c), and who holds each: the socket:[INODE] links of
 * /proc/PID/fd of the run's processes (fds.c, readlink only). Nothing is
 * opened, connected to or read: watching adds no connection to a
 * listener's queue and no descriptor to any socket.
 *
 * Shown: every Unix socket a process of the run holds, told in the
 * transcript when it appears, changes (state, peer, queues, holders) or
 * goes, once the change has held two samples (at once when a scenario
 * asks). The dump also keeps what names them: each one's peer (resolved
 * by inode to the process and descriptor that hold it) and the listener
 * whose queue holds a connection not accepted yet. A blocked call on one
 * is named with it (describe_unix_call); the screen's rows are
 * unixview.c's. */
#include "ipclab.h"
#include "unixsocks.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_USOCKS 48
#define MAX_OWN 4

struct ushown {
    struct unixsock s;
    int owner[MAX_OWN], fd[MAX_OWN], nown, more;
    int absent;                     /* samples it has been missing */
    char seen[256], told[256];
};

static struct ushown us[MAX_USOCKS];
static int nus;
static struct unixsock diag[UDIAG_MAX];     /* the last dump: the run's and what names them */
static int ndiag;
static unsigned run_gen = ~0u;

const struct unixsock *unix_known(unsigned long ino)
{
    for (int k = 0; k < ndiag && ino; k++)
        if (diag[k].ino == ino)
            return &diag[k];
    return NULL;
}

const struct unixsock *unix_at_dump(int d)
{
    return d >= 0 && d < ndiag ? &diag[d] : NULL;
}

/* A listener whose queue holds the connection of the socket ino (its
 * UNIX_DIAG_ICONS: the connecting sockets' inodes), or -1. */
int unix_queued_at(unsigned long ino)
{
    for (int k = 0; k < ndiag && ino; k++)
        for (int j = 0; j < diag[k].nicons && j < UNIX_ICONS_KEEP; j++)
            if (diag[k].state == 10 && diag[k].icons[j] == ino)
                return k;
    return -1;
}

/* A connection not accepted yet: in a listener's queue, or (the listener
 * outside what the dump kept) a peer with no socket of its own and
 * nothing shut down, as a connection waiting to be accepted has. */
int unix_waiting(const struct unixsock *s)
{
    return s->type != SOCK_DGRAM && s->state == 1 && s->has_peer &&
           (unix_queued_at(s->ino) >= 0 || (s->peer == 0 && s->shutdown <= 0));
}

static int same_name(const struct unixsock *a, const struct unixsock *b)
{
    return a->namelen > 0 && a->namelen == b->namelen && !memcmp(a->name, b->name, (size_t)a->namelen);
}

/* An accepted socket: connected, named as a listener of the dump is
 * (the kernel gives it its listener's name). */
static int accepted(const struct unixsock *s)
{
    for (int k = 0; k < ndiag && s->state == 1 && s->type != SOCK_DGRAM; k++)
        if (diag[k].state == 10 && same_name(&diag[k], s))
            return 1;
    return 0;
}

/* "/run/x/srv.sock", "@name", or "socket:[INO]" when unnamed. */
static void ident(const struct unixsock *s, char *buf, size_t len)
{
    if (unix_name_text(s->name, s->namelen, buf, len) == 0)
        snprintf(buf, len, "socket:[%lu]", s->ino);
}

/* Who holds socket ino: "server fd 4" (the first), "server fd 4 and 1
 * more"; "" when no process of the run does. */
static void holder_of(unsigned long ino, char *buf, size_t len)
{
    int all, found = 0;
    const struct fdent *t = fds_table(&all);
    buf[0] = '\0';
    for (int k = 0; k < all && ino; k++)
        if (t[k].sock == ino && found++ == 0)
            snprintf(buf, len, "%s fd %d", R.procs[t[k].proc].name, t[k].fd);
    if (found > 1) {
        size_t o = strlen(buf);
        snprintf(buf + o, len - o, " and %d more", found - 1);
    }
}

/* What a socket is connected to, in words: "connected to server fd 4
 * (/run/x/srv.sock)", "connected, not accepted yet (in the queue of
 * /run/x/srv.sock)", "connected, its peer closed", "unconnected",
 * "LISTEN". brief: the screen's "-> server fd 4". */
static void peer_words(const struct unixsock *s, char *buf, size_t len, int brief)
{
    char who[96], name[UNIX_NAME_MAX + 8];
    const struct unixsock *p = unix_known(s->peer);
    int q = unix_queued_at(s->ino);
    if (s->state == 10 || !s->has_peer) {
        snprintf(buf, len, "%s", brief ? "" : unix_state_name(s));
        return;
    }
    if (q >= 0) {                           /* its connection waits in a listener's queue */
        ident(&diag[q], name, sizeof name);
        const char *base = strrchr(name, '/');
        snprintf(buf, len, brief ? "-> %s" : "connected, not accepted yet (in the queue of %s)",
                 brief && base ? base + 1 : name);
        return;
    }
    if (unix_waiting(s)) {
        snprintf(buf, len, "%s", brief ? "-> (a listener)" : "connected, not accepted yet");
        return;
    }
    if (s->peer == 0) {
        snprintf(buf, len, "%s", brief ? "-> (closed)" : "connected, its peer closed");
        return;
    }
    holder_of(s->peer, who, sizeof who);
    name[0] = '\0';
    if (p)
        unix_name_text(p->name, p->namelen, name, sizeof name);
    if (brief)
        snprintf(buf, len, "-> %s", who[0] ? who : name[0] ? name : "(outside the run)");
    else if (who[0] && name[0])
        snprintf(buf, len, "connected to %s (%s)", who, name);
    else if (who[0])
        snprintf(buf, len, "connected to %s", who);
    else if (name[0])
        snprintf(buf, len, "connected to %s, held by no process of the run", name);
    else
        snprintf(buf, len, "connected to socket:[%lu], held by no process of the run", s->peer);
}

/* "next datagram 12 bytes", "no datagram waiting", "Recv-Q 5, Send-Q 768". */
static void queue_words(const struct unixsock *s, char *buf, size_t len)
{
    if (!s->has_rq)
        buf[0] = '\0';
    else if (s->type == SOCK_DGRAM && s->rq)
        snprintf(buf, len, ", next datagram %lu bytes, Send-Q %lu", s->rq, s->wq);
    else if (s->type == SOCK_DGRAM)
        snprintf(buf, len, ", no datagram waiting, Send-Q %lu", s->wq);
    else
        snprintf(buf, len, ", Recv-Q %lu, Send-Q %lu", s->rq, s->wq);
}

/* "Unix stream /run/x/srv.sock LISTEN, 1 waiting of 16 to be accepted:
 * server fd 3", "Unix stream socket:[81234] connected to server fd 4
 * (/run/x/srv.sock), Recv-Q 0, Send-Q 0: client fd 3". */
static void unix_text(const struct ushown *x, char *buf, size_t len)
{
    char me[UNIX_NAME_MAX + 24], peer[200], q[96], who[160] = "";
    size_t n = 0;
    const struct unixsock *s = &x->s;
    ident(s, me, sizeof me);
    if (accepted(s))
        scopy(me + strlen(me), sizeof me - strlen(me), " (accepted)");
    for (int k = 0; k < x->nown && n < sizeof who; k++)
        n += (size_t)snprintf(who + n, sizeof who - n, "%s%s fd %d", k ? ", " : "",
                              R.procs[x->owner[k]].name, x->fd[k]);
    if (x->more && n < sizeof who)
        snprintf(who + n, sizeof who - n, " and %d more", x->more);
    if (!x->nown)
        snprintf(who, sizeof who, "no process of the run holds it");
    if (s->state == 10) {
        snprintf(buf, len, "Unix %s %s LISTEN, %lu waiting of %lu to be accepted: %s",
                 unix_type_name(s->type), me, s->rq, s->wq, who);
        return;
    }
    peer_words(s, peer, sizeof peer, 0);
    queue_words(s, q, sizeof q);
    snprintf(buf, len, "Unix %s %s %s%s: %s", unix_type_name(s->type), me, peer, q, who);
}

static void tell(struct ushown *x, int settle)
{
    char now_text[sizeof x->seen];
    unix_text(x, now_text, sizeof now_text);
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

static struct ushown *find(unsigned long ino)
{
    for (int k = 0; k < nus; k++)
        if (us[k].s.ino == ino)
            return &us[k];
    return NULL;
}

/* One pass: the run's descriptors (fds.c), the kernel's table, what
 * changed. The kernel walks all its Unix sockets for a dump: the sampler
 * asks 5 times a second while the run has one, at once when the run's
 * socket descriptors change or a call on a socket is about to be told,
 * and when a scenario asks. */
void unix_sample(int settle)
{
    static unsigned long want[UDIAG_MAX];
    static unsigned long long held_last;
    static unsigned ticks;
    int all, nwant = 0;
    if (run_gen != R.gen) {
        run_gen = R.gen;
        nus = ndiag = 0;
    }
    if (!settle)
        fds_read();
    const struct fdent *t = fds_table(&all);
    unsigned long long held = 0;
    for (int k = 0; k < all && nwant < UDIAG_MAX; k++)
        if (t[k].sock) {
            want[nwant++] = t[k].sock;
            held = held * 1000003u + t[k].sock * 31u + (unsigned)t[k].fd * 7u + (unsigned)t[k].proc;
        }
    for (int k = 0; k < nus && nwant < UDIAG_MAX; k++)
        want[nwant++] = us[k].s.ino;        /* still shown: kept while it lives */
    int changed = held != held_last;
    held_last = held;
    for (int i = 0; i < MAX_PROCS && settle && !changed; i++) {
        const struct proc *p = &R.procs[i];     /* a call about to be told: named afresh */
        changed = p->used && !p->exited && !strncmp(p->object, "socket:[", 8) &&
                  (p->state != p->shown_state || strcmp(p->call, p->shown_call) != 0);
    }
    /* Nothing new and no Unix socket shown (a run of TCP sockets only):
     * the last dump found none among them, and none has come since. */
    if (settle && !changed && (nus == 0 || ++ticks % (SAMPLE_HZ / 5) != 0))
        return;
    if (nwant == 0) {
        ndiag = 0;
        return;
    }
    int n = unixdiag_dump(want, nwant, diag, UDIAG_MAX);
    if (n < 0)
        return;                             /* not read whole: keep what was shown */
    ndiag = n;
    for (int k = 0; k < nus; k++)
        us[k].absent++;
    for (int d = 0; d < ndiag; d++) {
        int own[MAX_OWN], ofd[MAX_OWN], nown = 0, more = 0;
        for (int k = 0; k < all; k++)
            if (t[k].sock == diag[d].ino) {
                if (nown < MAX_OWN)
                    own[nown] = t[k].proc, ofd[nown++] = t[k].fd;
                else
                    more++;
            }
        struct ushown *x = find(diag[d].ino);
        if ((x == NULL && nown == 0) || (x == NULL && nus == MAX_USOCKS))
            continue;                       /* a peer or a listener that names one */
        if (x == NULL) {
            x = &us[nus++];
            memset(x, 0, sizeof *x);
        }
        x->s = diag[d];
        x->absent = 0;
        x->nown = nown, x->more = more;
        memcpy(x->owner, own, sizeof own);
        memcpy(x->fd, ofd, sizeof ofd);
    }
    for (int k = 0; k < nus; k++) {
        struct ushown *x = &us[k];
        if (x->absent == 0) {
            tell(x, settle);
            continue;
        }
        if (x->absent < 2 && settle)
            continue;
        char me[UNIX_NAME_MAX + 24];
        ident(&x->s, me, sizeof me);
        if (x->told[0])
            tlog("socket Unix %s %s%s gone", unix_type_name(x->s.type), me,
                 x->s.state == 10 ? " LISTEN" : accepted(&x->s) ? " (accepted)" : "");
        memmove(x, x + 1, (size_t)(nus - k - 1) * sizeof *x);
        nus--, k--;
    }
}

int unix_count(void)
{
    return nus;
}

const struct unixsock *unix_at(int k, int *owner, int *fd, int max, int *nown)
{
    if (k < 0 || k >= nus || us[k].absent)
        return NULL;
    *nown = us[k].nown < max ? us[k].nown : max;
    for (int j = 0; j < *nown; j++)
        owner[j] = us[k].owner[j], fd[j] = us[k].fd[j];
    return &us[k].s;
}

int unix_of(unsigned long ino)
{
    for (int k = 0; k < nus && ino; k++)
        if (us[k].s.ino == ino && !us[k].absent)
            return k;
    return -1;
}

int unix_of_call(const struct proc *p, int *fd, int *others)
{
    *fd = p->call_fd;
    *others = 0;
    if (p->exited || !p->call[0] ||
        (p->state != PS_SLEEPING && p->state != PS_STOPPED && p->state != PS_DISK))
        return -1;
    if (!strcmp(p->call, "poll") || !strcmp(p->call, "ppoll")) {  /* the first Unix socket it polls */
        int fds[16], nfds, n = 0;
        unsigned long ino[16];
        n = procfs_polled_sockets(p->pid, fds, ino, 16, &nfds);
        for (int k = 0; k < n; k++)
            if (unix_of(ino[k]) >= 0) {
                *fd = fds[k];
                *others = nfds - 1;
                return unix_of(ino[k]);
            }
        return -1;
    }
    if (strncmp(p->object, "socket:[", 8) != 0)
        return -1;
    return unix_of(strtoul(p->object + 8, NULL, 10));
}

/* The Unix address a call names (connect's second argument, sendto's
 * fifth), read from the process's memory as procfs.c reads a FIFO's path
 * (/proc/PID/mem: a read changes nothing): its name as shown, or "". */
static void call_address(const struct proc *p, char *buf, size_t len)
{
    char path[64], sys[256];
    unsigned long a[6];
    unsigned char sa[2 + UNIX_NAME_MAX];
    int f, at = !strcmp(p->call, "connect") ? 1 : !strcmp(p->call, "sendto") ? 4 : -1;
    buf[0] = '\0';
    if (at < 0)
        return;
    snprintf(path, sizeof path, "/proc/%ld/syscall", (long)p->pid);
    if ((f = open(path, O_RDONLY | O_CLOEXEC)) == -1)
        return;
    ssize_t n = read(f, sys, sizeof sys - 1);
    close(f);
    if (n <= 0)
        return;
    sys[n] = '\0';
    if (sscanf(sys, "%*d %lx %lx %lx %lx %lx %lx", &a[0], &a[1], &a[2], &a[3], &a[4], &a[5]) != 6 ||
        a[at] == 0 || a[at + 1] <= 2 || a[at + 1] > sizeof sa)
        return;
    snprintf(path, sizeof path, "/proc/%ld/mem", (long)p->pid);
    if ((f = open(path, O_RDONLY | O_CLOEXEC)) == -1)
        return;
    n = pread(f, sa, a[at + 1], (off_t)a[at]);
    close(f);
    unsigned short family;
    memcpy(&family, sa, sizeof family);
    if (n == (ssize_t)a[at + 1] && family == AF_UNIX)
        unix_name_text(sa + 2, (int)n - 2, buf, len);
}

static int sends(const char *call)
{
    return !strcmp(call, "write") || !strcmp(call, "writev") || !strncmp(call, "send", 4);
}

/* "sleeping in accept4(fd 3) on Unix stream /run/x/srv.sock (LISTEN, 1
 * waiting of 16 to be accepted)", "sleeping in recvfrom(fd 4) on Unix
 * stream /run/x/srv.sock (accepted) connected to client fd 3: Recv-Q 0",
 * "sleeping in connect(fd 3) on Unix stream socket:[81234] unconnected,
 * to /run/x/srv.sock (LISTEN, 17 waiting of 16 to be accepted)". */
int describe_unix_call(const struct proc *p, char *buf, size_t len)
{
    int fd, others;
    int k = unix_of_call(p, &fd, &others);
    if (k < 0)
        return 0;
    const struct unixsock *s = &us[k].s;
    char me[UNIX_NAME_MAX + 24], peer[200], to[UNIX_NAME_MAX + 8], more[200] = "", also[48] = "";
    tell(&us[k], 0);                        /* the transcript has the socket first */
    ident(s, me, sizeof me);
    if (accepted(s))
        scopy(me + strlen(me), sizeof me - strlen(me), " (accepted)");
    if (others > 0)
        snprintf(also, sizeof also, " and %d more descriptor%s", others, others == 1 ? "" : "s");
    int n = snprintf(buf, len, "%s in %s(fd %d%s) on Unix %s %s", pstate_name(p->state), p->call,
                     fd, also, unix_type_name(s->type), me);
    if ((size_t)n >= len)
        return 1;
    if (s->state == 10) {
        snprintf(buf + n, len - (size_t)n, " (LISTEN, %lu waiting of %lu to be accepted)",
                 s->rq, s->wq);
        return 1;
    }
    peer_words(s, peer, sizeof peer, 0);
    call_address(p, to, sizeof to);
    for (int j = 0; to[0] && j < ndiag; j++) {
        char name[UNIX_NAME_MAX + 8];
        unix_name_text(diag[j].name, diag[j].namelen, name, sizeof name);
        if (diag[j].state == 10 && !strcmp(name, to))
            snprintf(more, sizeof more, ", to %s (LISTEN, %lu waiting of %lu to be accepted)",
                     to, diag[j].rq, diag[j].wq);
        else if (diag[j].state != 10 && diag[j].type == SOCK_DGRAM && !strcmp(name, to))
            snprintf(more, sizeof more, ", to %s (%s)", to, diag[j].rq ?
                     "its next datagram waiting" : "no datagram waiting");
    }
    if (to[0] && !more[0])
        snprintf(more, sizeof more, ", to %s", to);
    const struct unixsock *o = s->has_peer ? unix_known(s->peer) : NULL;
    if (!strcmp(p->call, "connect"))
        snprintf(buf + n, len - (size_t)n, " %s%s", peer, more);
    else if (sends(p->call) && s->has_rq && o && o->has_rq)
        snprintf(buf + n, len - (size_t)n, " %s%s: Send-Q %lu; the peer's %s %lu", peer, more,
                 s->wq, o->type == SOCK_DGRAM ? "next datagram" : "Recv-Q", o->rq);
    else if (s->has_rq && s->type == SOCK_DGRAM && !sends(p->call))
        snprintf(buf + n, len - (size_t)n, " %s%s: %s", peer, more, s->rq ?
                 "a datagram waiting" : "no datagram waiting");
    else if (s->has_rq)
        snprintf(buf + n, len - (size_t)n, " %s%s: Recv-Q %lu, Send-Q %lu", peer, more,
                 s->rq, s->wq);
    else
        snprintf(buf + n, len - (size_t)n, " %s%s", peer, more);
    return 1;
}

/* The screen's words for socket k (unixview.c): its name or, connected,
 * its peer ("-> server fd 4"); its state ("not accepted", "peer closed"). */
void unix_row_words(int k, char *name, size_t nlen, char *state, size_t slen)
{
    const struct unixsock *s = &us[k].s;
    char me[UNIX_NAME_MAX + 24];
    ident(s, me, sizeof me);
    const char *base = s->namelen && s->name[0] ? strrchr(me, '/') : NULL;
    scopy(state, slen, unix_state_name(s));
    if (s->state == 10 || !s->has_peer) {
        scopy(name, nlen, base ? base + 1 : me);
        return;
    }
    peer_words(s, name, nlen, 1);
    if (unix_waiting(s))
        scopy(state, slen, "not accepted");
    else if (s->peer == 0)
        scopy(state, slen, "peer closed");
}

/* ipclab tour: is this transcript line's Unix socket news (the text
 * after "socket ")? Its first line, and each change of its state or peer
 * (of a listener, of how many wait); not of its queues alone. */
int unix_teaches(const char *v)
{
    static char keys[32][160], states[32][160];
    static int nkeys;
    char key[160], state[160];
    const char *sp = v;
    if (strncmp(v, "Unix ", 5) != 0 || strstr(v, " gone"))
        return 0;
    for (int k = 0; k < 3 && sp; k++)       /* "Unix stream NAME" */
        sp = strchr(sp + 1, ' ');
    if (sp == NULL)
        return 0;
    if (!strncmp(sp, " (accepted)", 11))
        sp += 11;
    snprintf(key, sizeof key, "%.*s", (int)(sp - v), v);
    size_t cut = strcspn(sp, ":");
    const char *q = strstr(sp, ", Recv-Q ");
    if (!q)
        q = strstr(sp, ", next datagram ");
    if (!q)
        q = strstr(sp, ", no datagram ");
    if (q && (size_t)(q - sp) < cut)
        cut = (size_t)(q - sp);
    snprintf(state, sizeof state, "%.*s", (int)cut, sp);
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
