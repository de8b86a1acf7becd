/* unixdiag.c - the machine's Unix domain sockets, from the kernel's
 * sock_diag netlink interface (NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY with
 * a unix_diag_req: what `ss -x` reads). sock_diag(7).
 *
 * Watching never changes what is watched: the kernel's table is asked
 * through a netlink socket of ipclab's own (sockdiag_request, shared with
 * the TCP dump). Nothing connects to, opens or reads from a socket it
 * reports, and no descriptor on one is held: a listener's queue and a
 * socket's bytes are the kernel's, unchanged by watching.
 *
 * A reply is untrusted input like any other: every message's and every
 * attribute's length is checked before a field is read, fields are copied
 * out (memcpy: no unaligned reads), unknown attributes are skipped, and a
 * reply that is cut short, malformed, or interrupted (NLM_F_DUMP_INTR) is
 * dropped whole. The parser is pure, and fuzzed (tests/fuzz/fuzz_unixdiag.c). */
#include "sockets.h"
#include "unixsocks.h"

#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

const char *unix_type_name(int type)
{
    return type == SOCK_STREAM ? "stream" : type == SOCK_DGRAM ? "dgram" :
           type == SOCK_SEQPACKET ? "seqpacket" : "?";
}

/* The kernel keeps a Unix socket's state in TCP's numbers: a fresh or
 * disconnected socket is TCP_CLOSE, a connected one TCP_ESTABLISHED. A
 * datagram socket is connected when connect() gave it a peer (a default
 * destination): the kernel marks the socket it connected to
 * ESTABLISHED too, which has no peer for all that. */
const char *unix_state_name(const struct unixsock *s)
{
    if (s->type == SOCK_DGRAM)
        return s->has_peer ? "connected" : "unconnected";
    return s->state == 10 ? "LISTEN" : s->state == 1 ? "connected" : s->state == 7 ?
           "unconnected" : tcp_state_name(s->state);
}

size_t unix_name_text(const unsigned char *name, int namelen, char *buf, size_t len)
{
    size_t o = 0;
    int abstract = namelen > 0 && name[0] == '\0';
    if (len == 0)
        return 0;
    for (int k = 0; k < namelen && o + 1 < len; k++) {
        unsigned char c = name[k];
        if (c == '\0' && !abstract)
            break;                          /* a path ends at its NUL */
        buf[o++] = c == '\0' ? '@' : c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    buf[o] = '\0';
    return o;
}

static int cmp_ino(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return x < y ? -1 : x > y;
}

static int wanted(const unsigned long *want, int nwant, unsigned long ino)
{
    return ino != 0 && bsearch(&ino, want, (size_t)nwant, sizeof *want, cmp_ino) != NULL;
}

static uint32_t get32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The attributes of one socket's message (a, n bytes): into s, and *keep
 * when one of its waiting connections is wanted. 0, or -1. */
static int parse_attrs(const unsigned char *a, size_t n, struct unixsock *s,
                       const unsigned long *want, int nwant, int *keep)
{
    unsigned seen = 0;
    size_t at = 0;
    while (at < n) {
        unsigned short alen, type;
        if (n - at < 4)
            return -1;                      /* an attribute's header cut short */
        memcpy(&alen, a + at, 2);
        memcpy(&type, a + at + 2, 2);
        if (alen < 4 || alen > n - at)
            return -1;
        const unsigned char *p = a + at + 4;
        size_t plen = alen - 4u;
        if (type <= UNIX_DIAG_SHUTDOWN) {
            if (seen & 1u << type)
                return -1;                  /* the kernel gives each once */
            seen |= 1u << type;
        }
        switch (type) {
        case UNIX_DIAG_NAME:
            if (plen < 1 || plen > UNIX_NAME_MAX)
                return -1;
            memcpy(s->name, p, plen);
            s->namelen = (int)plen;
            break;
        case UNIX_DIAG_PEER:
            if (plen != 4)
                return -1;
            s->has_peer = 1;
            s->peer = get32(p);
            break;
        case UNIX_DIAG_ICONS:
            if (plen % 4 != 0)
                return -1;
            for (size_t k = 0; k < plen / 4; k++) {
                unsigned long ino = get32(p + 4 * k);
                if (k < UNIX_ICONS_KEEP)
                    s->icons[k] = ino;
                if (want && wanted(want, nwant, ino))
                    *keep = 1;
            }
            s->nicons = (int)(plen / 4);
            break;
        case UNIX_DIAG_RQLEN:
            if (plen != 8)
                return -1;
            s->has_rq = 1;
            s->rq = get32(p);
            s->wq = get32(p + 4);
            break;
        case UNIX_DIAG_SHUTDOWN:
            if (plen != 1)
                return -1;
            s->shutdown = p[0];
            break;
        default:                            /* VFS, MEMINFO, UID, newer ones: not asked */
            break;
        }
        size_t step = (alen + 3u) & ~3u;
        at += step > n - at ? n - at : step;
    }
    return 0;
}

int unixdiag_parse(const unsigned char *buf, size_t len, unsigned seq,
                   const unsigned long *want, int nwant,
                   struct unixsock *out, int max, int *n)
{
    size_t at = 0;

    while (at < len) {
        struct nlmsghdr h;
        struct unix_diag_msg m;
        struct unixsock s;
        if (len - at < sizeof h)
            return -1;                      /* a header cut short */
        memcpy(&h, buf + at, sizeof h);
        if (h.nlmsg_len < sizeof h || h.nlmsg_len > len - at || h.nlmsg_seq != seq ||
            (h.nlmsg_flags & NLM_F_DUMP_INTR))
            return -1;
        if (h.nlmsg_type == NLMSG_DONE)
            return 1;
        if (h.nlmsg_type != SOCK_DIAG_BY_FAMILY || h.nlmsg_len - sizeof h < sizeof m)
            return -1;                      /* NLMSG_ERROR, or not a socket */
        memcpy(&m, buf + at + NLMSG_HDRLEN, sizeof m);
        if (m.udiag_family != AF_UNIX || m.udiag_state < 1 || m.udiag_state > 12 ||
            (m.udiag_type != SOCK_STREAM && m.udiag_type != SOCK_DGRAM &&
             m.udiag_type != SOCK_SEQPACKET))
            return -1;
        memset(&s, 0, sizeof s);
        s.type = m.udiag_type;
        s.state = m.udiag_state;
        s.ino = m.udiag_ino;
        s.cookie = (unsigned long long)m.udiag_cookie[1] << 32 | m.udiag_cookie[0];
        s.shutdown = -1;
        int keep = want == NULL;
        size_t attrs = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof m);   /* 16 + 16: aligned already */
        if (parse_attrs(buf + at + attrs, h.nlmsg_len - attrs, &s, want, nwant, &keep) == -1)
            return -1;
        if (!keep)
            keep = wanted(want, nwant, s.ino) || (s.has_peer && wanted(want, nwant, s.peer));
        if (keep) {
            if (*n < max)
                out[*n] = s;
            if (*n < max + 1)
                (*n)++;
        }
        size_t step = NLMSG_ALIGN(h.nlmsg_len);
        if (step > len - at)                /* the last message, unpadded */
            step = len - at;
        at += step;
    }
    return 0;
}

struct unix_dump {
    unsigned seq;
    const unsigned long *want;
    int nwant;
    struct unixsock *out;
    int max, n;
};

static int unix_each(const unsigned char *buf, size_t len, void *arg)
{
    struct unix_dump *d = arg;
    return unixdiag_parse(buf, len, d->seq, d->want, d->nwant, d->out, d->max, &d->n);
}

int unixdiag_dump(const unsigned long *want, int nwant, struct unixsock *out, int max)
{
    static unsigned seq;
    struct {
        struct nlmsghdr h;
        struct unix_diag_req r;
    } req;
    static unsigned long sorted[UDIAG_MAX];
    if (nwant > UDIAG_MAX)
        nwant = UDIAG_MAX;
    memcpy(sorted, want, (size_t)nwant * sizeof *want);
    qsort(sorted, (size_t)nwant, sizeof *sorted, cmp_ino);
    struct unix_dump d = { ++seq, sorted, nwant, out, max, 0 };

    memset(&req, 0, sizeof req);
    req.h.nlmsg_len = sizeof req;
    req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.h.nlmsg_seq = d.seq;
    req.r.sdiag_family = AF_UNIX;
    req.r.udiag_states = ~0u;               /* every state */
    req.r.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_ICONS | UDIAG_SHOW_RQLEN;
    if (sockdiag_request(&req, sizeof req, unix_each, &d) == -1)
        return -1;
    return d.n > max ? max : d.n;
}
