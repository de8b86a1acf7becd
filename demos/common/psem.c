/* psem.c - see psem.h. */
#include "psem.h"
#include "err.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>

sem_t *psem_open(const char *name, int create, unsigned value)
{
    trace_before("sem_open", -1, name, 0, NULL, 0);
    sem_t *s = create ? sem_open(name, O_CREAT | O_EXCL, 0600, value) : sem_open(name, 0);
    trace_after("sem_open", -1, s == SEM_FAILED ? -1 : 0, errno, NULL, 0);
    if (s == SEM_FAILED)
        die("sem_open %s", name);
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
