/* psem.h - POSIX named semaphores, traced, with messages that name them.
 * The calls are sem_open/sem_wait/sem_post (sem_overview(7)); this adds
 * the trace events and the error handling every lesson program needs.
 * python_peers/ipclab/psem.py is the mirror image. */
#ifndef IPCLAB_PSEM_H
#define IPCLAB_PSEM_H

#include <semaphore.h>

/* Open the semaphore NAME, or create it (0600, failing if it exists) with
 * its first value. An existing one whose file (/dev/shm/sem.NAME) is too
 * short to be a semaphore is refused before it is mapped. */
sem_t *psem_open(const char *name, int create, unsigned value);

/* sem_wait: take one, or sleep until there is one (the kernel shows a
 * futex wait). Retries when a signal interrupts the wait. */
void psem_wait(sem_t *s, const char *name);

/* sem_post: give one back, waking a waiter. */
void psem_post(sem_t *s, const char *name);

/* sem_close: unmap it from this process; it lives on until sem_unlink. */
void psem_close(sem_t *s, const char *name);

/* From now on, a SIGABRT ends the program with a message saying so, status
 * 1: glibc aborts in sem_wait or sem_post ("The futex facility returned an
 * unexpected error code.") when another process has overwritten the
 * semaphore's file in /dev/shm with words the kernel refuses. */
void psem_catch_abort(void);

#endif
