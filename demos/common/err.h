/* err.h - error messages that name the call and the object.
 *   die("write %s", fd_object(fd))  ->  "pipe_writer: write pipe:[81234] (fd 1): Broken pipe"
 * python_peers/ipclab/err.py is the mirror image. */
#ifndef IPCLAB_ERR_H
#define IPCLAB_ERR_H

#include <sys/types.h>

/* The program's name in messages; set once from argv[0] by set_progname,
 * which every program calls first. It also makes sure descriptors 0, 1
 * and 2 are open before the program opens anything: one found closed gets
 * /dev/null, opened so that using it still fails with EBADF (write-only
 * for 0, read-only for 1 and 2), and messages name it "stdout (fd 1)".
 * Else the program's first open() would come back as fd 1 and its output
 * would go into a FIFO or a socket of the lesson. */
void set_progname(const char *argv0);
const char *progname(void);

/* "pipe:[81234] (fd 4)": what the kernel says descriptor fd refers to.
 * Returns a static buffer, overwritten by the next call. */
const char *fd_object(int fd);

/* A program that fails while it is still creating its objects removes
 * what it made in this run, and nothing else: right after each create
 * succeeds, undo_push(shm_unlink, name) ("if we fail, call
 * shm_unlink(name)"); once every object is made, undo_clear(). arg is kept,
 * not copied: it must live as long as the program (argv, a static buffer).
 * die() and fail() call the removers, newest first, before they exit. */
void undo_push(int (*remover)(const char *), const char *arg);
void undo_clear(void);

/* The same for a child process this program started (cmd: its program, for
 * the message): until undo_clear(), once the program has reaped it, die()
 * and fail() end it (SIGTERM, and SIGCONT in case it is stopped; SIGKILL if
 * it has not ended 1 s later), reap it and say so: "prog: giving up on
 * child 42 (cmd): sent it SIGTERM; child killed by signal 15 (Terminated)".
 * A parent that gives up on its child never leaves it running with nobody
 * to talk to, nor waits for it for ever. One child at a time. */
void undo_child(pid_t pid, const char *cmd);

/* From now on, signal sig (its name: "SIGBUS") ends the program at once
 * with "prog: NAME: why" on stderr, status 1: for the signals a peer can
 * bring on, SIGBUS (a shared file truncated under us) and SIGABRT (the C
 * library giving up on a semaphore overwritten under us). The message is
 * made now: a handler may only write() and _exit() (signal-safety(7)). */
void exit_on_signal(int sig, const char *name, const char *why);

/* From now on SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE (our stdout gone),
 * SIGUSR1, SIGUSR2 and SIGALRM (a stray kill: their default action ends
 * us too, signal(7)) call remove(), then end the program as the signal
 * would have (status 128 + N): for a program that made an object a signal
 * must not leave behind (a socket file, a queue). remove() runs in a
 * signal handler: only
 * async-signal-safe calls (signal-safety(7)), errno kept. The first call
 * installs the handlers; a signal ignored from the start (nohup, a
 * background job) stays ignored. */
void remove_on_ending_signals(void (*remove)(void));

/* one if n is 1, else many: "read %ld %s", n, plural(n, "frame", "frames"). */
const char *plural(long n, const char *one, const char *many);

/* What a wait status says: "exited with status 3", "killed by signal 15
 * (Terminated)". Returns a static buffer. */
const char *how_it_ended(int status);

/* Print "prog: <message>: <strerror(errno)>", undo, exit(1). A line is
 * at most 4096 bytes (PIPE_BUF): a longer message loses its middle, shown
 * as "...", never its reason or its newline. A message that cannot be
 * written (stderr closed or full) is no reason to stop: the undo still
 * runs. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Print "prog: <message>", undo, exit(status) (bad usage, bad data). */
void fail(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* The value that follows option argv[*i] (moving *i on to it), or fail
 * with status 2: "prog: -n needs a value". */
const char *option_value(int argc, char *argv[], int *i);

/* Parse a whole decimal number in [lo, hi] (an optional sign, then digits
 * only) or fail with status 2 naming the option. */
long parse_long(const char *option, const char *s, long lo, long hi);

/* Print to standard output and flush at once, printf style. A failed
 * write (a full disk, a closed descriptor) is an error like any other:
 * "prog: write /dev/full (fd 1): No space left on device", exit 1. */
void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* At the end of main: close standard output, checked the same way (like
 * gnulib's close_stdout). Nothing printed to a closed descriptor 1 is no
 * error: nothing was lost. */
void close_stdout(void);

#endif
