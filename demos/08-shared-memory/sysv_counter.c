/* sysv_counter.c - add 1 to a counter in System V shared memory, COUNT times.
 *
 * Usage: sysv_counter [-n COUNT] [--create] [--unlink] [--sem KEY] [--undo] KEY
 *   KEY          the segment's System V key, a number (ipcs shows it in hex)
 *   -n COUNT     increments to make, 0 = only print the counter (default 100000)
 *   --create     create the segment (and the semaphore set, value 1), mode
 *                0600; the keys must not be in use yet
 *   --unlink     remove the segment (and the semaphore set) at the end, even
 *                when the report cannot be written (its reader has gone)
 *   --sem KEY    hold the System V semaphore KEY around each increment
 *   --undo       take and give it with SEM_UNDO: if this process dies while
 *                holding it, the kernel gives it back
 *
 * What to watch: the same lost update as shm_counter, and the same fix with
 * a System V semaphore (the waiter sleeps in semtimedop). Kill a counter
 * that holds the semaphore: without --undo the value stays 0 and the other
 * side waits for ever; with --undo the kernel adds back what the dead
 * process took. ipcs -m shows the segment's nattch, ipcs -s -i ID the value.
 * Mirror: python_peers/08-shared-memory/sysv_counter.py. Layout: shmseg.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#include "err.h"
#include "shmseg.h"
#include "trace.h"

/* The caller defines semctl's fourth argument (man 2 semctl). */
union semun { int val; struct semid_ds *buf; unsigned short *array; };

static char key_text[32], sem_text[32];   /* "key 4242": for messages */
static char shmid_text[16], semid_text[16];   /* ids this run made, for undo */

/* Removers for the undo list (err.h), which hands them text: an id. */
static int remove_shm(const char *id) { return shmctl(atoi(id), IPC_RMID, NULL); }
static int remove_sem(const char *id) { return semctl(atoi(id), 0, IPC_RMID); }

/* Get the segment's id, creating it (zero-filled) if asked, and attach. */
static struct counter_seg *open_segment(key_t key, int create, int *shmid)
{
    struct counter_seg *c;
    struct shmid_ds ds;

    /* Asking for 0600 (read and write) makes shmget check them now. */
    trace_before("shmget", -1, key_text, sizeof *c, NULL, 0);
    *shmid = create ? shmget(key, sizeof *c, IPC_CREAT | IPC_EXCL | 0600)
                    : shmget(key, 0, 0600);
    trace_after("shmget", -1, *shmid, errno, NULL, 0);
    if (*shmid == -1)
        die("shmget %s", key_text);
    if (create) {   /* ours: removed if we fail before all are made */
        snprintf(shmid_text, sizeof shmid_text, "%d", *shmid);
        undo_push(remove_shm, shmid_text);
    }
    /* An attacher asks the kernel how big the segment is before using it. */
    if (shmctl(*shmid, IPC_STAT, &ds) == -1)
        die("shmctl IPC_STAT %s", key_text);
    if (ds.shm_segsz < sizeof *c)
        fail(1, "%s: the segment is %zu %s, the counter layout needs %zu", key_text,
             (size_t)ds.shm_segsz, plural((long)ds.shm_segsz, "byte", "bytes"), sizeof *c);
    trace_before("shmat", -1, key_text, 0, NULL, 0);
    c = shmat(*shmid, NULL, 0);
    trace_after("shmat", -1, c == (void *)-1 ? -1 : 0, errno, NULL, 0);
    if (c == (void *)-1)
        die("shmat %s", key_text);
    if (create) {
        c->counter = 0;
        seg_init(&c->h, COUNTER_MAGIC, sizeof *c);
    } else {
        const char *why = seg_check(&c->h, ds.shm_segsz, COUNTER_MAGIC, sizeof *c);
        if (why != NULL)
            fail(1, "%s: %s", key_text, why);
    }
    return c;
}

/* A set of one semaphore. A new set's value is 0 until SETVAL: a second
 * process must not use it before (here: it is created before any counting). */
static int open_sem(key_t key, int create)
{
    trace_before("semget", -1, sem_text, 0, NULL, 0);
    int id = semget(key, 1, create ? IPC_CREAT | IPC_EXCL | 0600 : 0600);
    trace_after("semget", -1, id, errno, NULL, 0);
    if (id == -1)
        die("semget %s", sem_text);
    if (create) {   /* ours: removed if we fail before all are made */
        snprintf(semid_text, sizeof semid_text, "%d", id);
        undo_push(remove_sem, semid_text);
    }
    if (create && semctl(id, 0, SETVAL, (union semun){ .val = 1 }) == -1)
        die("semctl SETVAL %s", sem_text);
    return id;
}

/* semop of +1 or -1 on semaphore 0. With SEM_UNDO on both the -1 and the
 * +1, the kernel keeps this process's balance and undoes it at exit. */
static void sem_change(int semid, int delta, int undo)
{
    struct sembuf op = { .sem_num = 0, .sem_op = (short)delta,
                         .sem_flg = (short)(undo ? SEM_UNDO : 0) };
    int r;

    trace_before("semop", -1, sem_text, 0, NULL, 0);
    while ((r = semop(semid, &op, 1)) == -1 && errno == EINTR)
        ;                           /* a signal interrupted the wait: again */
    trace_after("semop", -1, r, errno, NULL, 0);
    if (r == -1)
        die("semop %+d %s", delta, sem_text);
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

static void usage(const char *argv0) __attribute__((noreturn));
static void usage(const char *argv0)
{
    fail(2, "usage: %s [-n COUNT] [--create] [--unlink] [--sem KEY] [--undo] KEY", argv0);
}

int main(int argc, char *argv[])
{
    long count = 100000, key = 0, sem_key = 0;
    int create = 0, unlink_at_end = 0, undo = 0, shmid, semid = -1;

    set_progname(argv[0]);
    /* stdout is only our report: a reader that has gone is a write error
     * (EPIPE) to report once the objects are removed, not a sudden death. */
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
            sem_key = parse_long("--sem", argv[++i], 1, 0x7fffffff);
        else if (strcmp(argv[i], "--undo") == 0)
            undo = 1;
        else if (argv[i][0] != '-' && key == 0)
            key = parse_long("KEY", argv[i], 1, 0x7fffffff);
        else
            usage(argv[0]);
    }
    if (key == 0)
        usage(argv[0]);
    snprintf(key_text, sizeof key_text, "key %ld", key);
    snprintf(sem_text, sizeof sem_text, "key %ld", sem_key);

    struct counter_seg *c = open_segment((key_t)key, create, &shmid);
    if (sem_key != 0)
        semid = open_sem((key_t)sem_key, create);
    undo_clear();                   /* all made: a later failure leaves them */

    for (long i = 0; i < count; i++) {
        if (semid != -1)
            sem_change(semid, -1, undo);
        increment(c);
        if (semid != -1)
            sem_change(semid, +1, undo);
    }
    uint64_t now = c->counter;

    if (unlink_at_end) {
        /* IPC_RMID frees the key now; the segment itself goes when the
         * last process detaches (ipcs shows it as "dest" until then). */
        trace_before("shmctl", -1, key_text, 0, NULL, 0);
        int r = shmctl(shmid, IPC_RMID, NULL);
        trace_after("shmctl", -1, r, errno, NULL, 0);
        if (r == -1)
            die("shmctl IPC_RMID %s", key_text);
        if (semid != -1) {
            trace_before("semctl", -1, sem_text, 0, NULL, 0);
            r = semctl(semid, 0, IPC_RMID);
            trace_after("semctl", -1, r, errno, NULL, 0);
            if (r == -1)
                die("semctl IPC_RMID %s", sem_text);
        }
    }
    if (shmdt(c) == -1)
        die("shmdt %s", key_text);
    out("%s: added %ld, counter now %llu\n", progname(), count, (unsigned long long)now);
    return 0;
}
