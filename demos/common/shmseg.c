/* shmseg.c - see shmseg.h. */
#include "shmseg.h"
#include "err.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
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

    if (mapped < need)
        snprintf(why, sizeof why, "the segment is %zu bytes, the %s layout needs %zu",
                 mapped, kind, need);
    else if (memcmp(h->magic, magic, 4) != 0)
        snprintf(why, sizeof why, "not a %s segment: its magic is \"%s\", expected \"%s\"",
                 kind, show_magic(h->magic), magic);
    else if (h->version != SEG_VERSION)
        snprintf(why, sizeof why, "layout version %u, this program knows version %d",
                 (unsigned)h->version, SEG_VERSION);
    else if (h->size < need || h->size > mapped)
        snprintf(why, sizeof why, "the header says %u bytes, the segment has %zu",
                 (unsigned)h->size, mapped);
    else
        return NULL;
    return why;
}

struct ring_seg *ring_open(const char *name, int create, long slots, long record)
{
    size_t size = sizeof(struct ring_seg) + (size_t)slots * (4 + (size_t)record);
    struct ring_seg *r;
    struct stat st;
    int fd;

    /* The same steps as shm_counter.c: open (or create) the name, give a
     * new segment its size, map it, close the descriptor. */
    trace_before("shm_open", -1, name, 0, NULL, 0);
    fd = shm_open(name, create ? O_RDWR | O_CREAT | O_EXCL : O_RDWR, 0600);
    trace_after("shm_open", fd, fd, errno, NULL, 0);
    if (fd == -1)
        die("shm_open %s", name);
    if (create && ftruncate(fd, (off_t)size) == -1)
        die("ftruncate %s", name);
    if (!create) {
        if (fstat(fd, &st) == -1)
            die("fstat %s", name);
        size = (size_t)st.st_size;
        if (size < sizeof *r)       /* mmap of 0 bytes would fail: say why */
            fail(1, "%s: the segment is %zu bytes, the ring layout needs %zu",
                 name, size, sizeof *r);
    }
    trace_before("mmap", fd, name, size, NULL, 0);
    r = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    trace_after("mmap", fd, r == MAP_FAILED ? -1 : 0, errno, NULL, 0);
    if (r == MAP_FAILED)
        die("mmap %s", name);
    close(fd);                      /* the mapping keeps the segment */

    if (create) {
        /* Fill in everything, the header's magic last: an attacher that
         * checks the magic sees a whole ring or none. */
        r->slots = (uint32_t)slots;
        r->slot_size = (uint32_t)(4 + record);
        r->head = r->tail = 0;
        seg_init(&r->h, RING_MAGIC, size);
        return r;
    }
    const char *why = seg_check(&r->h, size, RING_MAGIC, sizeof *r);
    if (why != NULL)
        fail(1, "%s: %s", name, why);
    if (r->slots < 1 || r->slots > RING_SLOTS_MAX ||
        r->slot_size < 4 + RING_RECORD_MIN || r->slot_size > 4 + RING_RECORD_MAX ||
        r->h.size != sizeof *r + (size_t)r->slots * r->slot_size ||
        r->head >= r->slots || r->tail >= r->slots)
        fail(1, "%s: a broken ring header: %u slots of %u bytes, head %u, tail %u, in %u bytes",
             name, (unsigned)r->slots, (unsigned)r->slot_size, (unsigned)r->head,
             (unsigned)r->tail, (unsigned)r->h.size);
    return r;
}
