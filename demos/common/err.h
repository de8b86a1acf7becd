/* err.h - error messages that name the call and the object.
 *   die("write %s", fd_object(fd))  ->  "pipe_writer: write pipe:[81234] (fd 1): Broken pipe"
 * python_peers/ipclab/err.py is the mirror image. */
#ifndef IPCLAB_ERR_H
#define IPCLAB_ERR_H

/* The program's name in messages; set once from argv[0] by set_progname. */
void set_progname(const char *argv0);
const char *progname(void);

/* "pipe:[81234] (fd 4)": what the kernel says descriptor fd refers to.
 * Returns a static buffer, overwritten by the next call. */
const char *fd_object(int fd);

/* Print "prog: <message>: <strerror(errno)>" and exit(1). */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Print "prog: <message>" and exit(status) (bad usage, bad data). */
void fail(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* Parse a whole decimal number in [lo, hi] or fail naming the option. */
long parse_long(const char *option, const char *s, long lo, long hi);

#endif
