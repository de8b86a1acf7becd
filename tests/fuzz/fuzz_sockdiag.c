/* fuzz_sockdiag.c - ipclab's reading of a sock_diag netlink reply
 * (tui/sockdiag.c: sockdiag_parse) on any bytes.
 *
 * Input: the bytes of one recv() from a NETLINK_SOCK_DIAG socket after a
 * dump request with sequence number 1: netlink headers, each followed by
 * an inet_diag_msg, possibly NLMSG_DONE. Parsed as given, and again after
 * every 8-byte boundary (the same reply cut short).
 * Properties: the result is what the documented rules give, computed here
 * from the raw bytes at their offsets (linux/netlink.h, inet_diag.h): -1
 * when a header does not fit, its length is under 16 or past the end, its
 * sequence is not 1, it has NLM_F_DUMP_INTR, its type is neither
 * NLMSG_DONE (3) nor SOCK_DIAG_BY_FAMILY (20), a socket's payload is under
 * 72 bytes, its family is not AF_INET/AF_INET6 or its state not 1-12; 1 at
 * NLMSG_DONE; else 0. The count is the sockets before that (capped at the
 * array's size + 1), each read from its own bytes: family, state, ports
 * (network order), addresses, cookie, Recv-Q, Send-Q, inode. The array
 * (malloc'd at exactly its size) is never written past. What is said of
 * each (sock_endpoint, tcp_state_name) ends within its buffer.
 */
#include "fuzz.h"
#include "sockets.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SEQ 1
#define MAX 4

static unsigned get32(const uint8_t *p) { unsigned v; memcpy(&v, p, 4); return v; }
static unsigned get16(const uint8_t *p) { unsigned short v; memcpy(&v, p, 2); return v; }

/* The rules, on raw offsets: the result, the sockets counted, and the
 * offset of each socket's message (the first MAX). */
static int reference(const uint8_t *d, size_t len, int *count, size_t *at_of)
{
    size_t at = 0;
    *count = 0;
    while (at < len) {
        if (len - at < 16)
            return -1;
        unsigned l = get32(d + at), type = get16(d + at + 4), flags = get16(d + at + 6);
        if (l < 16 || l > len - at || get32(d + at + 8) != SEQ || (flags & 0x10))
            return -1;
        if (type == 3)
            return 1;
        if (type != 20 || l - 16 < 72)
            return -1;
        unsigned fam = d[at + 16], st = d[at + 17];
        if ((fam != AF_INET && fam != AF_INET6) || st < 1 || st > 12)
            return -1;
        if (*count < MAX)
            at_of[*count] = at;
        if (*count < MAX + 1)
            (*count)++;
        size_t step = (l + 3u) & ~3u;
        at += step > len - at ? len - at : step;
    }
    return 0;
}

static void check(const uint8_t *d, size_t len)
{
    struct tcpsock *out = malloc(MAX * sizeof *out);
    size_t at_of[MAX];
    int n = 0, want_n;
    int got = sockdiag_parse(d, len, SEQ, out, MAX, &n);
    int want = reference(d, len, &want_n, at_of);

    fuzz_require(got == want, "the result is not what the rules give");
    if (got != -1) {
        fuzz_require(n == want_n, "a count not that of the sockets read");
        for (int k = 0; k < n && k < MAX; k++) {
            const uint8_t *m = d + at_of[k] + 16;       /* the inet_diag_msg */
            const struct tcpsock *s = &out[k];
            fuzz_require(s->family == m[0] && s->state == m[1], "family or state read wrong");
            fuzz_require(s->lport == (unsigned)(m[4] << 8 | m[5]) &&
                         s->rport == (unsigned)(m[6] << 8 | m[7]), "a port read wrong");
            fuzz_require(!memcmp(s->laddr, m + 8, 16) && !memcmp(s->raddr, m + 24, 16),
                         "an address read wrong");
            fuzz_require(s->cookie == ((unsigned long long)get32(m + 48) << 32 | get32(m + 44)),
                         "the cookie read wrong");
            fuzz_require(s->rq == get32(m + 56) && s->wq == get32(m + 60) &&
                         s->ino == get32(m + 68), "a queue or the inode read wrong");
            for (int peer = 0; peer < 2; peer++) {
                char buf[64], small[6];
                memset(buf, 'x', sizeof buf);
                sock_endpoint(s, peer, buf, sizeof buf);
                fuzz_require((memchr(buf, 0, sizeof buf) && strchr(buf, 0x3a) != NULL) ||
                             !strcmp(buf, "*"), "an endpoint said wrong");
                memset(small, 'x', sizeof small);
                sock_endpoint(s, peer, small, sizeof small);
                fuzz_require(memchr(small, '\0', sizeof small) != NULL, "an endpoint past its buffer");
            }
            fuzz_require(strcmp(tcp_state_name(s->state), "?") != 0, "a state without a name");
        }
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    check(copy, size);
    free(copy);
    for (size_t cut = 8; cut < size; cut += 8) {    /* the same reply, cut short */
        uint8_t *part = malloc(cut);
        memcpy(part, data, cut);
        check(part, cut);
        free(part);
    }
    fuzz_require(tcp_state_name(0)[0] == '?' && tcp_state_name(13)[0] == '?' &&
                 tcp_state_name(-1)[0] == '?', "a name for a state that is none");
    return 0;
}
