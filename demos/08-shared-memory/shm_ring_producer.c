/* shm_ring_producer.c - send framed records through a ring in shared memory.
 *
 * Usage: shm_ring_producer [-n COUNT] [--create] [--slots N] [-s SIZE]
 *                          [--unlink] SEGMENT EMPTY FULL
 *   SEGMENT    the ring's POSIX name, /ipclab-RUN-ring
 *   EMPTY      POSIX named semaphore: how many slots are free
 *   FULL       POSIX named semaphore: how many slots hold a record
 *   -n COUNT   records to send (default 8)
 *   --create   create the ring (EMPTY = slots, FULL = 0), mode 0600
 *   --slots N  with --create: slots in the ring, 1 to 64 (default 4)
 *   -s SIZE    with --create: payload bytes a slot holds, 16 to 1024 (default 32)
 *   --unlink   remove the three names at the end
 *
 * What to watch: the producer takes a free slot (sem_wait EMPTY), writes a
 * frame into slot head, moves head on and announces it (sem_post FULL); the
 * consumer does the mirror image. With nobody consuming, EMPTY falls to 0
 * and the producer sleeps in sem_wait (a futex): the ring is full. Then head
 * has come round to tail, exactly as in an empty ring: only the semaphores
 * tell full from empty. head wraps from the last slot back to slot 0. The
 * consumer can write any byte of the segment at any time: slots and slot
 * size are copied once, checked (ring_open), and head is checked every time
 * it is read; a value out of range is bad data: the producer says so, stops.
 * Mirror: python_peers/08-shared-memory/shm_ring_producer.py.
 * Layout: shmseg.h; a slot holds a frame as on a pipe (frame.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "err.h"
#include "psem.h"
#include "shmseg.h"
#include "trace.h"

/* Write one frame (4-byte little-endian length, payload; len fits the
 * slot) into slot head, then move head on: after the last slot comes slot 0. */
static void put(const struct ring *r, const char *text, size_t len)
{
    unsigned char frame[4 + RING_RECORD_MAX];
    char what[32];
    uint32_t n = (uint32_t)len;
    uint32_t head = ring_index(r, "head");  /* read once, checked */

    frame[0] = n & 0xff, frame[1] = (n >> 8) & 0xff;
    frame[2] = (n >> 16) & 0xff, frame[3] = n >> 24;
    memcpy(frame + 4, text, len);
    snprintf(what, sizeof what, "slot %u", (unsigned)head);
    trace_before("shm_store", -1, what, 4 + len, frame, 4 + len);
    memcpy(r->seg->slot + (size_t)head * r->slot_size, frame, 4 + len);
    r->seg->head = (head + 1) % r->slots;
    trace_after("shm_store", -1, (long)(4 + len), 0, NULL, 0);
}

static void usage(const char *argv0) __attribute__((noreturn));
static void usage(const char *argv0)
{
    fail(2, "usage: %s [-n COUNT] [--create] [--slots N] [-s SIZE] [--unlink] "
            "SEGMENT EMPTY FULL", argv0);
}

int main(int argc, char *argv[])
{
    long count = 8, slots = 4, record = 32;
    int create = 0, unlink_at_end = 0, nnames = 0;
    const char *names[3];           /* SEGMENT EMPTY FULL */
    char text[64];
    struct ring r;

    set_progname(argv[0]);
    seg_catch_sigbus();             /* a segment truncated under us: say so */
    psem_catch_abort();             /* a semaphore overwritten under us: say so */
    /* Our report goes to stderr: a reader of it that has gone is no reason
     * to die before the names are removed. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            count = parse_long("-n", argv[++i], 0, 1000000000);
        else if (strcmp(argv[i], "--create") == 0)
            create = 1;
        else if (strcmp(argv[i], "--slots") == 0 && i + 1 < argc)
            slots = parse_long("--slots", argv[++i], 1, RING_SLOTS_MAX);
        else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
            record = parse_long("-s", argv[++i], RING_RECORD_MIN, RING_RECORD_MAX);
        else if (strcmp(argv[i], "--unlink") == 0)
            unlink_at_end = 1;
        else if (argv[i][0] != '-' && nnames < 3)
            names[nnames++] = argv[i];
        else
            usage(argv[0]);
    }
    if (nnames != 3)
        usage(argv[0]);

    ring_open(&r, names[0], create, slots, record);
    sem_t *empty = psem_open(names[1], create, (unsigned)slots);
    sem_t *full = psem_open(names[2], create, 0);
    undo_clear();                   /* all made: a later failure leaves them */
    size_t capacity = r.slot_size - 4;

    for (long i = 1; i <= count; i++) {
        int n = snprintf(text, sizeof text, "record %ld from C", i);
        psem_wait(empty, names[1]);    /* a free slot */
        put(&r, text, (size_t)n < capacity ? (size_t)n : capacity);
        psem_post(full, names[2]);     /* one more record */
    }

    if (unlink_at_end) {
        /* The names go; a consumer that has them open keeps going. */
        if (shm_unlink(names[0]) == -1)
            die("shm_unlink %s", names[0]);
        for (int i = 1; i < 3; i++)
            if (sem_unlink(names[i]) == -1)
                die("sem_unlink %s", names[i]);
    }
    psem_close(empty, names[1]);
    psem_close(full, names[2]);
    ring_close(&r);
    if (fprintf(stderr, "%s: sent %ld %s\n", progname(), count,
                plural(count, "record", "records")) < 0)
        return 1;                   /* stderr is gone: nowhere to say so */
    return 0;
}
