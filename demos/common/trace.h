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

/* Lesson 03, signals (docs/trace-protocol.md). Signals are named
 * ("SIGUSR1", "SIGRTMIN+3"), never numbered. TRACE_NO_VALUE: no sigval. */
#define TRACE_NO_VALUE (-2147483647L - 1)

/* Before kill(2), killpg or sigqueue (op): sig, to (kill's pid argument: a
 * pid, or -PGID), value (sigqueue's int; TRACE_NO_VALUE for none). In step
 * mode this waits for the observer's go, like trace_before. */
void trace_kill(const char *op, int sig, long to, long value);

/* After a call that takes a signal synchronously (sigwaitinfo,
 * sigtimedwait, read of a signalfd): as trace_after, plus the signal, who
 * sent it (si_pid; 0 = the kernel; -1 to leave it out) and its value
 * (TRACE_NO_VALUE for none). sig 0 leaves the signal out. */
void trace_signal_after(const char *op, int fd, long ret, int err,
                        int sig, long from, long value);

/* A note about a signal the main loop has acted on (never call it from a
 * handler: nothing here is async-signal-safe). from -1 leaves it out. */
void trace_signal_note(int sig, long from, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
