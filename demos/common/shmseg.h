/* shmseg.h - the layouts of lesson 08's shared-memory segments.
 *
 * A segment is just bytes: nothing tells a program that attaches whether
 * they are what it expects. So every segment starts with a 16-byte header
 * the creator writes and every attacher checks:
 *
 *   offset  size  field
 *        0     4  magic     "ICNT" for a counter, "IRNG" for a ring
 *        4     4  version   SEG_VERSION
 *        8     4  size      bytes of the whole layout, header included
 *       12     4  reserved  0
 *
 * counter (24 bytes):  16  8  counter   the shared count
 * ring (32 + slots * slot_size bytes):
 *                      16  4  slots     number of slots
 *                      20  4  slot_size bytes per slot: a frame (frame.h)
 *                      24  4  head      the slot the producer fills next
 *                      28  4  tail      the slot the consumer empties next
 *                      32     slot 0, slot 1, ...
 *
 * Numbers are in the machine's byte order, little-endian on x86 and ARM;
 * python_peers/ipclab/shmseg.py is the mirror image (struct '<').
 */
#ifndef IPCLAB_SHMSEG_H
#define IPCLAB_SHMSEG_H

#include <stddef.h>
#include <stdint.h>

#define SEG_VERSION     1
#define COUNTER_MAGIC   "ICNT"
#define RING_MAGIC      "IRNG"
#define RING_SLOTS_MAX  64      /* --slots: 1 to 64 */
#define RING_RECORD_MIN 16      /* -s: bytes of payload a slot holds */
#define RING_RECORD_MAX 1024

struct seg_header {
    char magic[4];
    uint32_t version;
    uint32_t size;
    uint32_t reserved;
};

/* volatile: every access in the program is a real load or store of the
 * shared bytes, never a copy kept in a register. It makes nothing atomic. */
struct counter_seg {
    struct seg_header h;
    volatile uint64_t counter;
};

struct ring_seg {
    struct seg_header h;
    volatile uint32_t slots, slot_size, head, tail;
    unsigned char slot[];       /* slots * slot_size bytes */
};

/* What a program keeps of a ring once it has checked the header. The peer
 * can write the segment at any time, header included: so slots and slot
 * size, which never change, are copied here once, after the check, and
 * never read from the segment again; head and tail, which do change, are
 * read with ring_index(), which checks them every time. */
struct ring {
    struct ring_seg *seg;       /* the mapping */
    size_t size;                /* bytes mapped */
    uint32_t slots, slot_size;  /* copies, checked */
    const char *name;           /* for messages */
};

/* Write a header for a layout of size bytes. */
void seg_init(struct seg_header *h, const char *magic, size_t size);

/* Is the mapping at h (mapped bytes long, any size) a segment of this
 * magic that is at least need bytes (and at least a header)? NULL if so,
 * else why not (a static buffer). No byte past mapped is read. */
const char *seg_check(const struct seg_header *h, size_t mapped,
                      const char *magic, size_t need);

/* Create (slots, record: payload bytes per slot) or attach to the POSIX
 * ring segment name: shm_open, ftruncate, mmap, header; fills in *r. Exits
 * with a message naming the call and the object on any failure. */
void ring_open(struct ring *r, const char *name, int create, long slots, long record);

/* Is the mapping at seg (mapped bytes long) a whole ring: a ring header
 * (seg_check), 1 to RING_SLOTS_MAX slots of 4 + RING_RECORD_MIN to
 * 4 + RING_RECORD_MAX bytes each, a size that is the header and the slots
 * and fits the mapping, head and tail slot numbers? NULL if so, with the
 * slots and slot size (bytes) as read and checked in *slots, *slot_size;
 * else why not (a static buffer), and *slots, *slot_size untouched. It only
 * reads: a fuzz target runs it on any bytes (tests/fuzz/). */
const char *ring_check(const struct ring_seg *seg, size_t mapped,
                       uint32_t *slots, uint32_t *slot_size);

/* Read head or tail (field: "head" or "tail") from the segment, once, into
 * *i. NULL if it is a slot number (below r->slots), else why not (a static
 * buffer: "a broken ring header: ..."). */
const char *ring_index_check(const struct ring *r, const char *field, uint32_t *i);

/* Read head or tail (field: "head" or "tail") from the segment, once, and
 * return it if it is a slot number; exit with "a broken ring header" if
 * it is not (ring_index_check). */
uint32_t ring_index(const struct ring *r, const char *field);

/* munmap the ring (the size mapped, not what the header says now). */
void ring_close(struct ring *r);

/* From now on, a SIGBUS (a load or store in a mapping whose file was
 * truncated under us) ends the program with a message saying so, status 1. */
void seg_catch_sigbus(void);

#endif
