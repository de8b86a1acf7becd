/* psem.c - see psem.h. */
#include "psem.h"
#include "err.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>

/* glibc keeps a named semaphore in the file /dev/shm/sem.NAME and maps it.
 * A file shorter than a sem_t (32 bytes on 64-bit glibc) would be mapped
 * anyway, and the first sem_wait would die of SIGBUS: look at its size
 * before sem_open. (A missing file is sem_open's to report.) */
static void check_size(const char *name)
{
    char path[PATH_MAX];
    struct stat st;
    const char *base = name;

    while (*base == '/')            /* glibc drops the leading slashes */
        base++;
    snprintf(path, sizeof path, "/dev/shm/sem.%s", base);
    if (stat(path, &st) == 0 && st.st_size < (off_t)sizeof(sem_t))
        fail(1, "sem_open %s: %s is %lld %s, too short to be a semaphore (%zu)", name,
             path, (long long)st.st_size, plural(st.st_size, "byte", "bytes"), sizeof(sem_t));
}

sem_t *psem_open(const char *name, int create, unsigned value)
{
    if (!create)
        check_size(name);
    trace_before("sem_open", -1, name, 0, NULL, 0);
    sem_t *s = create ? sem_open(name, O_CREAT | O_EXCL, 0600, value) : sem_open(name, 0);
    trace_after("sem_open", -1, s == SEM_FAILED ? -1 : 0, errno, NULL, 0);
    if (s == SEM_FAILED)
        die("sem_open %s", name);
    if (create)     /* ours: removed if we fail before all are made */
        undo_push(sem_unlink, name);
    return s;
}

void psem_wait(sem_t *s, const char *name)
{
    int r;

    trace_before("sem_wait", -1, name, 0, NULL, 0);
    while ((r = sem_wait(s)) == -1 && errno == EINTR)
        ;                           /* a signal interrupted the wait: again */
    trace_after("sem_wait", -1, r, errno, NULL, 0);
    if (r == -1)
        die("sem_wait %s", name);
}

void psem_post(sem_t *s, const char *name)
{
    trace_before("sem_post", -1, name, 0, NULL, 0);
    int r = sem_post(s);
    trace_after("sem_post", -1, r, errno, NULL, 0);
    if (r == -1)
        die("sem_post %s", name);
}

void psem_close(sem_t *s, const char *name)
{
    if (sem_close(s) == -1)
        die("sem_close %s", name);
}

void psem_catch_abort(void)
{
    exit_on_signal(SIGABRT, "SIGABRT", "the C library gave up on a semaphore (its words "
                   "are above): its file in /dev/shm was overwritten under us");
}
