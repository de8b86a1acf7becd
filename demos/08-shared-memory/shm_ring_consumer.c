/* shm_ring_consumer.c - receive framed records from a ring in shared memory.
 *
 * Usage: shm_ring_consumer [-n COUNT] [--create] [--slots N] [-s SIZE]
 *                          [--unlink] SEGMENT EMPTY FULL
 *   SEGMENT    the ring's POSIX name, /ipclab-RUN-ring
 *   EMPTY      POSIX named semaphore: how many slots are free
 *   FULL       POSIX named semaphore: how many slots hold a record
 *   -n COUNT   records to receive and print, one a line (default 8)
 *   --create   create the ring (EMPTY = slots, FULL = 0), mode 0600
 *   --slots N  with --create: slots in the ring, 1 to 64 (default 4)
 *   -s SIZE    with --create: payload bytes a slot holds, 16 to 1024 (default 32)
 *   --unlink   remove the three names at the end, even when the records
 *              cannot be written (their reader has gone)
 *
 * What to watch: the consumer waits for a record (sem_wait FULL), copies the
 * frame out of slot tail, moves tail on and gives the slot back (sem_post
 * EMPTY). With nothing produced, FULL is 0 and the consumer sleeps in
 * sem_wait (a futex): the ring is empty. The producer can write any byte of
 * the segment at any time: slots and slot size are copied once, checked
 * (ring_open), and tail and each frame's length are checked every time they
 * are read. A value out of range is bad data: the consumer says so and stops.
 * Mirror: python_peers/08-shared-memory/shm_ring_consumer.py.
 * Layout: shmseg.h; a slot holds a frame as on a pipe (frame.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"
#include "psem.h"
#include "shmseg.h"
#include "trace.h"

/* Copy the frame out of slot tail (*slot), then move tail on: after the
 * last slot comes slot 0. Returns the length the frame says its payload has. */
static long take(const struct ring *r, unsigned char *frame, uint32_t *slot)
{
    char what[32];
    uint32_t tail = ring_index(r, "tail");  /* read once, checked */

    snprintf(what, sizeof what, "slot %u", (unsigned)tail);
    trace_before("shm_load", -1, what, r->slot_size, NULL, 0);
    memcpy(frame, r->seg->slot + (size_t)tail * r->slot_size, r->slot_size);
    r->seg->tail = (tail + 1) % r->slots;
    trace_after("shm_load", -1, (long)r->slot_size, 0, frame, r->slot_size);
    *slot = tail;
    return (long)((uint32_t)frame[0] | (uint32_t)frame[1] << 8 |
                  (uint32_t)frame[2] << 16 | (uint32_t)frame[3] << 24);
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
    unsigned char frame[4 + RING_RECORD_MAX];
    struct ring r;
    int out_error = 0;              /* errno of a failed write to stdout */

    set_progname(argv[0]);
    seg_catch_sigbus();             /* a segment truncated under us: say so */
    psem_catch_abort();             /* a semaphore overwritten under us: say so */
    /* A reader of stdout that has gone is a write error (EPIPE) to report
     * once the names are removed, not a sudden death. */
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

    long i;
    for (i = 0; i < count && !out_error; i++) {
        uint32_t slot;
        psem_wait(full, names[2]);     /* a record */
        long len = take(&r, frame, &slot);
        psem_post(empty, names[1]);    /* a free slot */
        if (len > (long)r.slot_size - 4)    /* bad data: say so, stop */
            fail(1, "%s: slot %u: frame length %ld does not fit the %u-byte slot",
                 names[0], (unsigned)slot, len, (unsigned)r.slot_size);
        /* Shown, never obeyed: the peer may have written any byte (a NUL
         * would cut the line short, an escape would drive the terminal). */
        for (long k = 4; k < 4 + len; k++)
            if (frame[k] < ' ' || frame[k] > '~')
                frame[k] = '.';
        /* Flushed at once: a watcher sees each record as it comes. */
        if (printf("%.*s\n", (int)len, (const char *)frame + 4) < 0 || fflush(stdout) == EOF)
            out_error = errno;
    }

    if (unlink_at_end) {
        /* The names go; a producer that has them open keeps going. */
        if (shm_unlink(names[0]) == -1)
            die("shm_unlink %s", names[0]);
        for (int k = 1; k < 3; k++)
            if (sem_unlink(names[k]) == -1)
                die("sem_unlink %s", names[k]);
    }
    psem_close(empty, names[1]);
    psem_close(full, names[2]);
    ring_close(&r);
    if (out_error) {
        errno = out_error;
        die("write %s", fd_object(STDOUT_FILENO));
    }
    if (fprintf(stderr, "%s: received %ld %s\n", progname(), i,
                plural(i, "record", "records")) < 0)
        return 1;                   /* stderr is gone: nowhere to say so */
    return 0;
}
