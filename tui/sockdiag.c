/* sockdiag.c - every TCP socket of the machine, from the kernel's
 * sock_diag netlink interface (NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY with
 * an inet_diag_req_v2: what `ss -tan` reads). sock_diag(7).
 *
 * Watching never changes what is watched: this asks the kernel's tables
 * through a netlink socket of ipclab's own. It never opens, connects to or
 * reads from a socket it reports, and holds no descriptor on one.
 *
 * sockdiag_request (one request, its reply received whole) is shared with
 * the Unix sockets' dump (unixdiag.c).
 *
 * A reply is untrusted input like any other: every length is checked
 * before a field is read, fields are copied out (memcpy: no unaligned
 * reads), and a reply that is cut short, malformed, or interrupted
 * (NLM_F_DUMP_INTR: the table changed during the dump) is dropped whole.
 * The parser is pure, and fuzzed (tests/fuzz/fuzz_sockdiag.c). */
#include "sockets.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* include/net/tcp_states.h: the numbers are the kernel's ABI (ss prints
 * the same names). */
const char *tcp_state_name(int state)
{
    static const char *const names[] = { "?", "ESTABLISHED", "SYN-SENT", "SYN-RECV",
        "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSE", "CLOSE-WAIT", "LAST-ACK",
        "LISTEN", "CLOSING", "NEW-SYN-RECV" };
    return state >= 1 && state <= 12 ? names[state] : names[0];
}

void sock_endpoint(const struct tcpsock *s, int peer, char *buf, size_t len)
{
    static const unsigned char zero[16];
    const unsigned char *a = peer ? s->raddr : s->laddr;
    unsigned port = peer ? s->rport : s->lport;
    char host[INET6_ADDRSTRLEN];
    size_t alen = s->family == AF_INET ? 4 : 16;

    if (memcmp(a, zero, alen) == 0 && (peer || s->state == 10)) {
        if (peer && port == 0)
            snprintf(buf, len, "*");
        else
            snprintf(buf, len, "*:%u", port);
        return;
    }
    if (inet_ntop(s->family, a, host, sizeof host) == NULL)
        snprintf(host, sizeof host, "?");
    snprintf(buf, len, s->family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, port);
}

int sockdiag_parse(const unsigned char *buf, size_t len, unsigned seq,
                   struct tcpsock *out, int max, int *n)
{
    size_t at = 0;

    while (at < len) {
        struct nlmsghdr h;
        struct inet_diag_msg m;
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
        if ((m.idiag_family != AF_INET && m.idiag_family != AF_INET6) ||
            m.idiag_state < 1 || m.idiag_state > 12)
            return -1;
        if (*n < max) {
            struct tcpsock *s = &out[*n];
            memset(s, 0, sizeof *s);
            s->family = m.idiag_family;
            s->state = m.idiag_state;
            memcpy(s->laddr, m.id.idiag_src, sizeof s->laddr);
            memcpy(s->raddr, m.id.idiag_dst, sizeof s->raddr);
            s->lport = ntohs(m.id.idiag_sport);
            s->rport = ntohs(m.id.idiag_dport);
            s->cookie = (unsigned long long)m.id.idiag_cookie[1] << 32 | m.id.idiag_cookie[0];
            s->ino = m.idiag_inode;
            s->rq = m.idiag_rqueue;
            s->wq = m.idiag_wqueue;
        }
        if (*n < max + 1)
            (*n)++;
        size_t step = NLMSG_ALIGN(h.nlmsg_len);
        if (step > len - at)                /* the last message, unpadded */
            step = len - at;
        at += step;
    }
    return 0;
}

/* One request to the kernel's sock_diag (a netlink socket of ipclab's own,
 * NETLINK_SOCK_DIAG) and its whole reply: req (len bytes, its nlmsghdr
 * first, its sequence number set) is sent, and each recv() of the reply is
 * handed to each(buf, n, arg), which returns 1 at the reply's end, 0 when
 * more is to come, -1 when it is to be dropped. 0 when the reply was read
 * whole, -1 when it was not (cut short, not from the kernel, a timeout,
 * refused by each). Shared by the TCP dump (inet_diag) and the Unix one
 * (unixdiag.c): never a descriptor on a socket it reports. */
int sockdiag_request(const void *req, size_t len,
                     int (*each)(const unsigned char *buf, size_t n, void *arg), void *arg)
{
    static unsigned char buf[32768] __attribute__((aligned(8)));
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    struct timeval tv = { 0, 500000 };      /* never stuck: the loop must go on */
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    int got = -1;

    if (fd == -1)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (sendto(fd, req, len, 0, (struct sockaddr *)&kernel, sizeof kernel) == (ssize_t)len) {
        for (;;) {
            struct iovec iov = { buf, sizeof buf };
            struct sockaddr_nl from;
            struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof from,
                                  .msg_iov = &iov, .msg_iovlen = 1 };
            ssize_t r = recvmsg(fd, &msg, 0);
            if (r <= 0 || (msg.msg_flags & MSG_TRUNC) || from.nl_pid != 0)
                break;                      /* cut short, or not from the kernel */
            int end = each(buf, (size_t)r, arg);
            if (end != 0) {
                got = end == 1 ? 0 : -1;
                break;
            }
        }
    }
    close(fd);
    return got;
}

struct tcp_dump { unsigned seq; struct tcpsock *out; int max, *n; };

static int tcp_each(const unsigned char *buf, size_t len, void *arg)
{
    struct tcp_dump *d = arg;
    return sockdiag_parse(buf, len, d->seq, d->out, d->max, d->n);
}

/* One family's dump into out from *n on. 0, or -1. */
static int dump_family(int family, unsigned seq, struct tcpsock *out, int max, int *n)
{
    struct {
        struct nlmsghdr h;
        struct inet_diag_req_v2 r;
    } req;
    struct tcp_dump d = { seq, out, max, n };

    memset(&req, 0, sizeof req);
    req.h.nlmsg_len = sizeof req;
    req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.h.nlmsg_seq = seq;
    req.r.sdiag_family = (unsigned char)family;
    req.r.sdiag_protocol = IPPROTO_TCP;
    req.r.idiag_states = ~0u;               /* every state, TIME-WAIT too */
    return sockdiag_request(&req, sizeof req, tcp_each, &d);
}

int sockdiag_dump(struct tcpsock *out, int max, int v6)
{
    static unsigned seq;
    int n = 0;

    if (dump_family(AF_INET, ++seq, out, max, &n) == -1 ||
        (v6 && dump_family(AF_INET6, ++seq, out, max, &n) == -1))
        return -1;
    return n > max ? max : n;
}
