/* trace.h - tell an observer (ipclab) what this program does.
 *
 * One event before each IPC call and one after it, plus free-form notes,
 * written as text lines to the descriptor named by IPCLAB_TRACE_FD.
 * With IPCLAB_STEP_FD set, the program also waits before each traced call
 * until the observer writes one byte to that descriptor ("step mode").
 * Without these variables every function here does nothing, so the
 * programs behave exactly as standalone programs.
 * The wire format is in docs/trace-protocol.md; python_peers/ipclab/trace.py
 * is the mirror image of this module.
 */
#ifndef IPCLAB_TRACE_H
#define IPCLAB_TRACE_H

#include <stddef.h>
#include <sys/types.h>

/* Read the environment; called by the other functions on first use. */
void trace_init(void);

/* Before a call: op is the call ("write"), fd the descriptor or -1, obj a
 * name the kernel cannot tell (a queue name) or NULL, len the bytes asked
 * for, data/datalen a preview of what is sent (may be NULL). In step mode
 * this waits for the observer's go. */
void trace_before(const char *op, int fd, const char *obj, size_t len,
                  const void *data, size_t datalen);

/* After a call: ret is what it returned, err the errno when it failed,
 * data/datalen a preview of what was received. errno is left unchanged. */
void trace_after(const char *op, int fd, long ret, int err,
                 const void *data, size_t datalen);

/* A free-form note, printf style, for what the kernel cannot know
 * ("sent frame 3 of 10"). */
void trace_note(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif
