/* fuzz_unixdiag.c - ipclab's reading of a unix_diag netlink reply
 * (tui/unixdiag.c: unixdiag_parse) on any bytes.
 *
 * Input: the bytes of one recv() from a NETLINK_SOCK_DIAG socket after a
 * Unix dump request with sequence number 1: netlink headers, each followed
 * by a unix_diag_msg and its attributes, possibly NLMSG_DONE. Parsed as
 * given and again cut short (after every 8 bytes of the first 512, then
 * every 64),
 * each time keeping every socket (want NULL) and keeping only those a set
 * of inodes selects (every other socket's own inode).
 * Properties: the result is what the documented rules give, computed here
 * from the raw bytes at their offsets (linux/netlink.h, unix_diag.h): -1
 * when a header does not fit, its length is under 16 or past the end, its
 * sequence is not 1, it has NLM_F_DUMP_INTR, its type is neither
 * NLMSG_DONE (3) nor SOCK_DIAG_BY_FAMILY (20), a socket's payload is under
 * 16 bytes, its family is not AF_UNIX, its type not 1, 2 or 5, its state
 * not 1-12; when an attribute's header does not fit or its length is under
 * 4 or past its message; when NAME is not 1-108 bytes, PEER not 4, ICONS
 * not a multiple of 4, RQLEN not 8, SHUTDOWN not 1, or an attribute of
 * type 0-6 comes twice; 1 at NLMSG_DONE; else 0. The sockets kept are
 * those selected (their inode, their peer's or a waiting connection's in
 * the set), counted up to the array's size + 1, each read from its own
 * bytes: type, state, inode, cookie, name, peer, queues, waiting
 * connections (the first 16, all counted), shutdown. The array (malloc'd
 * at exactly its size) is never written past. A name said ends within its
 * buffer, holds only printable ASCII, and an abstract one starts with @.
 */
#include "fuzz.h"
#include "unixsocks.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SEQ 1
#define MAX 4
#define REF_MAX 512

static unsigned get32(const uint8_t *p) { unsigned v; memcpy(&v, p, 4); return v; }
static unsigned get16(const uint8_t *p) { unsigned short v; memcpy(&v, p, 2); return v; }

/* One socket as the rules read it. */
struct ref {
    size_t at;                      /* its message's offset */
    unsigned ino, peer, rq, wq;
    int has_peer, has_rq, namelen, nicons, shutdown;
    size_t name_at, icons_at;
};

static int cmp_ino(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return x < y ? -1 : x > y;
}

/* In the sorted set (bsearch: a listener may list a thousand waiting). */
static int in_set(const unsigned long *set, int n, unsigned long ino)
{
    return ino != 0 && bsearch(&ino, set, (size_t)n, sizeof *set, cmp_ino) != NULL;
}

/* The rules, on raw offsets: the result, and every socket before the end
 * or the first refusal (*count of them, the first REF_MAX in r). */
static int reference(const uint8_t *d, size_t len, struct ref *r, int *count)
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
        if (type != 20 || l - 16 < 16)
            return -1;
        unsigned fam = d[at + 16], st = d[at + 17 + 1], ty = d[at + 17];
        if (fam != AF_UNIX || st < 1 || st > 12 || (ty != 1 && ty != 2 && ty != 5))
            return -1;
        struct ref s = { .at = at, .ino = get32(d + at + 20), .shutdown = -1 };
        unsigned seen = 0;
        size_t a = at + 32, end = at + l;
        while (a < end) {
            if (end - a < 4)
                return -1;
            unsigned alen = get16(d + a), atype = get16(d + a + 2), plen = alen - 4;
            if (alen < 4 || alen > end - a)
                return -1;
            if (atype <= 6) {
                if (seen & 1u << atype)
                    return -1;
                seen |= 1u << atype;
            }
            if ((atype == 0 && (plen < 1 || plen > 108)) || (atype == 2 && plen != 4) ||
                (atype == 3 && plen % 4) || (atype == 4 && plen != 8) || (atype == 6 && plen != 1))
                return -1;
            if (atype == 0)
                s.namelen = (int)plen, s.name_at = a + 4;
            if (atype == 2)
                s.has_peer = 1, s.peer = get32(d + a + 4);
            if (atype == 3)
                s.nicons = (int)(plen / 4), s.icons_at = a + 4;
            if (atype == 4)
                s.has_rq = 1, s.rq = get32(d + a + 4), s.wq = get32(d + a + 8);
            if (atype == 6)
                s.shutdown = d[a + 4];
            size_t step = (alen + 3u) & ~3u;
            a += step > end - a ? end - a : step;
        }
        if (*count < REF_MAX)
            r[*count] = s;
        (*count)++;
        size_t step = (l + 3u) & ~3u;
        at += step > len - at ? len - at : step;
    }
    return 0;
}

static int selected(const uint8_t *d, const struct ref *s, const unsigned long *set, int n)
{
    if (set == NULL || in_set(set, n, s->ino) || (s->has_peer && in_set(set, n, s->peer)))
        return 1;
    for (int k = 0; k < s->nicons; k++)
        if (in_set(set, n, get32(d + s->icons_at + 4 * (size_t)k)))
            return 1;
    return 0;
}

static void check_name(const struct unixsock *s)
{
    char buf[UNIX_NAME_MAX + 2], small[5];
    memset(buf, 'x', sizeof buf);
    size_t n = unix_name_text(s->name, s->namelen, buf, sizeof buf);
    fuzz_require(memchr(buf, 0, sizeof buf) != NULL && strlen(buf) == n, "a name past its buffer");
    for (size_t k = 0; k < n; k++)
        fuzz_require(buf[k] >= 0x20 && buf[k] < 0x7f, "a name said with a byte not printable");
    fuzz_require(s->namelen == 0 || s->name[0] != 0 || buf[0] == '@', "an abstract name without @");
    memset(small, 'x', sizeof small);
    n = unix_name_text(s->name, s->namelen, small, sizeof small);
    fuzz_require(memchr(small, 0, sizeof small) != NULL && n < sizeof small, "a name past a small buffer");
    fuzz_require(unix_name_text(s->name, s->namelen, small, 0) == 0, "a name written to no buffer");
    fuzz_require(unix_type_name(s->type)[0] != '?' && unix_state_name(s) != NULL, "a type without a name");
}

static void check(const uint8_t *d, size_t len, const struct ref *r, int want_res, int all,
                  const unsigned long *set, int nset)
{
    struct unixsock *out = malloc(MAX * sizeof *out);
    int n = 0, want_n = 0, got = unixdiag_parse(d, len, SEQ, set, nset, out, MAX, &n);

    fuzz_require(got == want_res, "the result is not what the rules give");
    if (got == -1) {
        free(out);
        return;
    }
    for (int k = 0, kept = 0; k < all && k < REF_MAX; k++) {
        const struct ref *x = &r[k];
        if (!selected(d, x, set, nset))
            continue;
        if (want_n < MAX + 1)
            want_n++;
        if (kept >= MAX)
            continue;
        const struct unixsock *s = &out[kept++];
        const uint8_t *m = d + x->at + 16;
        fuzz_require(s->type == m[1] && s->state == m[2] && s->ino == x->ino, "type, state or inode read wrong");
        fuzz_require(s->cookie == ((unsigned long long)get32(m + 12) << 32 | get32(m + 8)), "the cookie read wrong");
        fuzz_require(s->namelen == x->namelen &&
                     (x->namelen == 0 || !memcmp(s->name, d + x->name_at, (size_t)x->namelen)), "the name read wrong");
        fuzz_require(s->has_peer == x->has_peer && (!x->has_peer || s->peer == x->peer), "the peer read wrong");
        fuzz_require(s->has_rq == x->has_rq && (!x->has_rq || (s->rq == x->rq && s->wq == x->wq)),
                     "a queue read wrong");
        fuzz_require(s->nicons == x->nicons && s->shutdown == x->shutdown, "icons or shutdown read wrong");
        for (int j = 0; j < x->nicons && j < UNIX_ICONS_KEEP; j++)
            fuzz_require(s->icons[j] == get32(d + x->icons_at + 4 * (size_t)j), "a waiting connection read wrong");
        check_name(s);
    }
    fuzz_require(n == want_n, "a count not that of the sockets selected");
    free(out);
}

static void check_both(const uint8_t *d, size_t len)
{
    static struct ref r[REF_MAX];
    static unsigned long set[REF_MAX];
    int all, nset = 0;
    int want = reference(d, len, r, &all);
    check(d, len, r, want, all, NULL, 0);
    for (int k = 0; k < all && k < REF_MAX; k += 2)   /* every other socket's own inode */
        set[nset++] = r[k].ino;
    qsort(set, (size_t)nset, sizeof *set, cmp_ino);
    check(d, len, r, want, all, set, nset);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    check_both(copy, size);
    free(copy);
    /* The same reply cut short: at every 8 bytes of its first 512, then
     * every 64 (a cut deeper in is the same rules again, and every cut is
     * a parse of the whole: the fuzzer's own shortening covers the rest). */
    for (size_t cut = 8; cut < size; cut += cut < 512 ? 8 : 64) {
        uint8_t *part = malloc(cut);
        memcpy(part, data, cut);
        check_both(part, cut);
        free(part);
    }
    return 0;
}
