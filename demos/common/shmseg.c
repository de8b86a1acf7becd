/* shmseg.c - see shmseg.h. */
#include "shmseg.h"
#include "err.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void seg_init(struct seg_header *h, const char *magic, size_t size)
{
    h->version = SEG_VERSION;
    h->size = (uint32_t)size;
    h->reserved = 0;
    memcpy(h->magic, magic, 4);
}

/* The magic as text, non-printable bytes as \xHH: "IRNG", "\x00\x00\x00\x00". */
static const char *show_magic(const char *m)
{
    static char out[20];
    size_t o = 0;

    for (int i = 0; i < 4; i++) {
        unsigned char c = (unsigned char)m[i];
        if (c > ' ' && c < 127)
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, sizeof out - o, "\\x%02x", c);
    }
    out[o] = '\0';
    return out;
}

const char *seg_check(const struct seg_header *h, size_t mapped,
                      const char *magic, size_t need)
{
    static char why[160];
    const char *kind = strcmp(magic, COUNTER_MAGIC) == 0 ? "counter" : "ring";

    /* The size first: a header field read from a mapping shorter than the
     * header is a read past its end (SIGBUS, or another object's bytes). */
    if (need < sizeof *h)
        need = sizeof *h;
    if (mapped < need) {
        snprintf(why, sizeof why, "the segment is %zu %s, the %s layout needs %zu",
                 mapped, plural((long)mapped, "byte", "bytes"), kind, need);
        return why;
    }
    /* Each field read once: the peer may change them while we look. */
    const volatile struct seg_header *v = h;
    char m[4] = { v->magic[0], v->magic[1], v->magic[2], v->magic[3] };
    uint32_t version = v->version, size = v->size;

    if (memcmp(m, magic, 4) != 0)
        snprintf(why, sizeof why, "not a %s segment: its magic is \"%s\", expected \"%s\"",
                 kind, show_magic(m), magic);
    else if (version != SEG_VERSION)
        snprintf(why, sizeof why, "layout version %u, this program knows version %d",
                 (unsigned)version, SEG_VERSION);
    else if (size < need || size > mapped)
        snprintf(why, sizeof why, "the header says %u %s, the segment has %zu",
                 (unsigned)size, plural(size, "byte", "bytes"), mapped);
    else
        return NULL;
    return why;
}

void ring_open(struct ring *r, const char *name, int create, long slots, long record)
{
    size_t size = sizeof(struct ring_seg) + (size_t)slots * (4 + (size_t)record);
    struct ring_seg *seg;
    struct stat st;
    int fd;

    /* The same steps as shm_counter.c: open (or create) the name, give a
     * new segment its size, map it, close the descriptor. */
    trace_before("shm_open", -1, name, 0, NULL, 0);
    fd = shm_open(name, create ? O_RDWR | O_CREAT | O_EXCL : O_RDWR, 0600);
    trace_after("shm_open", fd, fd, errno, NULL, 0);
    if (fd == -1)
        die("shm_open %s", name);
    if (create)     /* ours: removed if we fail before all are made */
        undo_push(shm_unlink, name);
    if (create && ftruncate(fd, (off_t)size) == -1)
        die("ftruncate %s", name);
    if (!create) {
        if (fstat(fd, &st) == -1)
            die("fstat %s", name);
        size = (size_t)st.st_size;
        if (size < sizeof *seg)     /* bytes past the file's end: SIGBUS */
            fail(1, "%s: the segment is %zu %s, the ring layout needs %zu",
                 name, size, plural((long)size, "byte", "bytes"), sizeof *seg);
    }
    trace_before("mmap", fd, name, size, NULL, 0);
    seg = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    trace_after("mmap", fd, seg == MAP_FAILED ? -1 : 0, errno, NULL, 0);
    if (seg == MAP_FAILED)
        die("mmap %s", name);
    if (close(fd) == -1)            /* the mapping keeps the segment */
        die("close %s", name);
    r->seg = seg, r->size = size, r->name = name;

    if (create) {
        /* Fill in everything, the header's magic last: an attacher that
         * checks the magic sees a whole ring or none. */
        seg->slots = r->slots = (uint32_t)slots;
        seg->slot_size = r->slot_size = (uint32_t)(4 + record);
        seg->head = seg->tail = 0;
        seg_init(&seg->h, RING_MAGIC, size);
        return;
    }
    const char *why = ring_check(seg, size, &r->slots, &r->slot_size);
    if (why != NULL)
        fail(1, "%s: %s", name, why);
}

const char *ring_check(const struct ring_seg *seg, size_t mapped,
                       uint32_t *slots, uint32_t *slot_size)
{
    static char why[200];
    const char *bad = seg_check(&seg->h, mapped, RING_MAGIC, sizeof *seg);

    if (bad != NULL)
        return bad;
    /* Copy, then check the copies: what is checked is what is used. */
    uint32_t n = seg->slots, each = seg->slot_size, total = seg->h.size;
    uint32_t head = seg->head, tail = seg->tail;
    if (n < 1 || n > RING_SLOTS_MAX ||
        each < 4 + RING_RECORD_MIN || each > 4 + RING_RECORD_MAX ||
        total != sizeof *seg + (size_t)n * each || total > mapped ||
        head >= n || tail >= n) {
        snprintf(why, sizeof why, "a broken ring header: %u %s of %u %s, head %u, "
                 "tail %u, in %u %s", (unsigned)n, plural(n, "slot", "slots"),
                 (unsigned)each, plural(each, "byte", "bytes"), (unsigned)head,
                 (unsigned)tail, (unsigned)total, plural(total, "byte", "bytes"));
        return why;
    }
    *slots = n, *slot_size = each;
    return NULL;
}

const char *ring_index_check(const struct ring *r, const char *field, uint32_t *i)
{
    static char why[120];
    volatile uint32_t *at = strcmp(field, "head") == 0 ? &r->seg->head : &r->seg->tail;

    *i = *at;                       /* one load: the peer may store any time */
    if (*i < r->slots)
        return NULL;
    snprintf(why, sizeof why, "a broken ring header: %s is %u, the ring has %u %s",
             field, (unsigned)*i, (unsigned)r->slots, plural(r->slots, "slot", "slots"));
    return why;
}

uint32_t ring_index(const struct ring *r, const char *field)
{
    uint32_t i;
    const char *why = ring_index_check(r, field, &i);

    if (why != NULL)
        fail(1, "%s: %s", r->name, why);
    return i;
}

void ring_close(struct ring *r)
{
    if (munmap(r->seg, r->size) == -1)
        die("munmap %s", r->name);
}

void seg_catch_sigbus(void)
{
    exit_on_signal(SIGBUS, "SIGBUS", "a shared mapping has lost its bytes: the segment "
                   "(or a semaphore's file in /dev/shm) was truncated under us");
}
