/* shm_counter.c - add 1 to a counter in POSIX shared memory, COUNT times.
 *
 * Usage: shm_counter [-n COUNT] [--create] [--unlink] [--sem NAME] SEGMENT
 *   SEGMENT      the segment's POSIX name, /ipclab-RUN-counter
 *   -n COUNT     increments to make, 0 = only print the counter (default 100000)
 *   --create     create the segment (and the semaphore, value 1), mode 0600;
 *                the names must not exist yet
 *   --unlink     remove the segment's (and the semaphore's) name at the end,
 *                even when the report cannot be written (its reader has gone)
 *   --sem NAME   hold the POSIX named semaphore NAME around each increment
 *
 * What to watch: an increment is a load, an add and a store. Two counters
 * without --sem lose updates: both load n, both store n+1. In step mode a
 * scenario forces C load, Python load, C store, Python store: one update is
 * lost every time. With --sem the second side waits in sem_wait (a futex)
 * until the first has stored and posted: the count is exact. The segment
 * is a file in /dev/shm; it outlives the programs until --unlink.
 * Mirror: python_peers/08-shared-memory/shm_counter.py. Layout: shmseg.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "psem.h"
#include "shmseg.h"
#include "trace.h"

/* Map the counter's bytes; then the descriptor is no longer needed. */
static struct counter_seg *map_segment(int fd, const char *name)
{
    struct counter_seg *c;

    trace_before("mmap", fd, name, sizeof *c, NULL, 0);
    c = mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    trace_after("mmap", fd, c == MAP_FAILED ? -1 : 0, errno, NULL, 0);
    if (c == MAP_FAILED)
        die("mmap %s", name);
    if (close(fd) == -1)            /* the mapping keeps the segment */
        die("close %s", name);
    return c;
}

/* Create the segment: a new name, then its size, then the mapping. */
static struct counter_seg *create_segment(const char *name)
{
    struct counter_seg *c;

    trace_before("shm_open", -1, name, 0, NULL, 0);
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    trace_after("shm_open", fd, fd, errno, NULL, 0);
    if (fd == -1)
        die("shm_open %s", name);
    undo_push(shm_unlink, name);    /* ours: removed if we fail before all are made */
    /* A new segment is 0 bytes long: give it the layout's size first. */
    if (ftruncate(fd, sizeof *c) == -1)
        die("ftruncate %s", name);
    c = map_segment(fd, name);
    c->counter = 0;
    seg_init(&c->h, COUNTER_MAGIC, sizeof *c);
    return c;
}

/* Attach to an existing segment, and check it is a counter before use. */
static struct counter_seg *attach_segment(const char *name)
{
    struct counter_seg *c;
    struct stat st;

    trace_before("shm_open", -1, name, 0, NULL, 0);
    int fd = shm_open(name, O_RDWR, 0);
    trace_after("shm_open", fd, fd, errno, NULL, 0);
    if (fd == -1)
        die("shm_open %s", name);
    if (fstat(fd, &st) == -1)
        die("fstat %s", name);
    /* Too short: the bytes past its end are not there (SIGBUS). */
    if ((size_t)st.st_size < sizeof *c)
        fail(1, "%s: the segment is %lld %s, the counter layout needs %zu", name,
             (long long)st.st_size, plural(st.st_size, "byte", "bytes"), sizeof *c);
    c = map_segment(fd, name);
    const char *why = seg_check(&c->h, (size_t)st.st_size, COUNTER_MAGIC, sizeof *c);
    if (why != NULL)
        fail(1, "%s: %s", name, why);
    return c;
}

/* One increment: a load and a store, traced so that step mode can hold
 * the program between them. */
static void increment(struct counter_seg *c)
{
    uint64_t v;

    trace_before("shm_load", -1, "counter", 8, NULL, 0);
    v = c->counter;
    trace_after("shm_load", -1, 8, 0, &v, 8);
    v = v + 1;                      /* the other side may store meanwhile */
    trace_before("shm_store", -1, "counter", 8, &v, 8);
    c->counter = v;
    trace_after("shm_store", -1, 8, 0, NULL, 0);
}

/* shm_unlink or sem_unlink: remove a name. */
static void remove_name(const char *op, int (*call)(const char *), const char *name)
{
    trace_before(op, -1, name, 0, NULL, 0);
    int r = call(name);
    trace_after(op, -1, r, errno, NULL, 0);
    if (r == -1)
        die("%s %s", op, name);
}

static void usage(const char *argv0) __attribute__((noreturn));
static void usage(const char *argv0)
{
    fail(2, "usage: %s [-n COUNT] [--create] [--unlink] [--sem NAME] SEGMENT", argv0);
}

int main(int argc, char *argv[])
{
    long count = 100000;
    int create = 0, unlink_at_end = 0;
    const char *name = NULL, *sem_name = NULL;
    sem_t *sem = NULL;

    set_progname(argv[0]);
    seg_catch_sigbus();             /* a segment truncated under us: say so */
    psem_catch_abort();             /* a semaphore overwritten under us: say so */
    /* stdout is only our report: a reader that has gone is a write error
     * (EPIPE) to report once the names are removed, not a sudden death. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            count = parse_long("-n", argv[++i], 0, 1000000000);
        else if (strcmp(argv[i], "--create") == 0)
            create = 1;
        else if (strcmp(argv[i], "--unlink") == 0)
            unlink_at_end = 1;
        else if (strcmp(argv[i], "--sem") == 0 && i + 1 < argc)
            sem_name = argv[++i];
        else if (argv[i][0] != '-' && name == NULL)
            name = argv[i];
        else
            usage(argv[0]);
    }
    if (name == NULL)
        usage(argv[0]);

    struct counter_seg *c = create ? create_segment(name) : attach_segment(name);
    if (sem_name != NULL)
        sem = psem_open(sem_name, create, 1);   /* 1: unlocked */
    undo_clear();                   /* all made: a later failure leaves them */

    for (long i = 0; i < count; i++) {
        if (sem != NULL)
            psem_wait(sem, sem_name);
        increment(c);
        if (sem != NULL)
            psem_post(sem, sem_name);
    }
    uint64_t now = c->counter;

    if (unlink_at_end) {
        /* Only the names go: a process that still has the segment mapped
         * (or the semaphore open) keeps using it. */
        remove_name("shm_unlink", shm_unlink, name);
        if (sem_name != NULL)
            remove_name("sem_unlink", sem_unlink, sem_name);
    }
    if (sem != NULL)
        psem_close(sem, sem_name);
    if (munmap(c, sizeof *c) == -1)
        die("munmap %s", name);
    out("%s: added %ld, counter now %llu\n", progname(), count, (unsigned long long)now);
    return 0;
}
