/* err.c - see err.h. */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *prog = "ipclab";

void set_progname(const char *argv0)
{
    const char *slash = strrchr(argv0, '/');
    prog = slash ? slash + 1 : argv0;
}

const char *progname(void)
{
    return prog;
}

const char *fd_object(int fd)
{
    static char out[160];
    char link[64], target[128];
    ssize_t n;
    int saved = errno;          /* callers pass us to die(), which prints errno */

    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, target, sizeof target - 1);
    if (n < 0)
        snprintf(out, sizeof out, "fd %d", fd);
    else
        snprintf(out, sizeof out, "%.*s (fd %d)", (int)n, target, fd);
    errno = saved;
    return out;
}

void die(const char *fmt, ...)
{
    int err = errno;
    va_list ap;

    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": %s\n", strerror(err));
    exit(1);
}

void fail(int status, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(status);
}

long parse_long(const char *option, const char *s, long lo, long hi)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        fail(2, "%s: '%s' is not a number from %ld to %ld", option, s, lo, hi);
    return v;
}
