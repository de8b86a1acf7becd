/* trace.c - see trace.h and docs/trace-protocol.md. */
#include "trace.h"
#include "signame.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TRACE_LINE_MAX 512   /* <= PIPE_BUF, so each line is one atomic write */
_Static_assert(TRACE_LINE_MAX <= PIPE_BUF, "a trace line must be one atomic write");
#define TRACE_PREVIEW  32    /* bytes of data shown in an event */

static int trace_fd = -1;
static int step_fd = -1;
static int initialised;
static unsigned long seq;

static int env_fd(const char *name)
{
    const char *s = getenv(name);
    char *end;
    long fd;

    if (s == NULL || *s == '\0')
        return -1;
    fd = strtol(s, &end, 10);
    if (*end != '\0' || fd < 0 || fd > 1023 || fcntl((int)fd, F_GETFD) == -1) {
        fprintf(stderr, "trace: ignoring %s=%s: not an open descriptor\n", name, s);
        return -1;
    }
    return (int)fd;
}

void trace_init(void)
{
    if (initialised)
        return;
    initialised = 1;
    trace_fd = env_fd("IPCLAB_TRACE_FD");
    step_fd = env_fd("IPCLAB_STEP_FD");
    /* Step mode is for this process only: a child we start must not eat
     * the observer's go bytes. The trace descriptor is inherited on purpose. */
    if (step_fd != -1 &&
        (fcntl(step_fd, F_SETFD, FD_CLOEXEC) == -1 || unsetenv("IPCLAB_STEP_FD") == -1)) {
        fprintf(stderr, "trace: ignoring IPCLAB_STEP_FD=%d: %s\n", step_fd, strerror(errno));
        step_fd = -1;
    }
}

/* In a child made by fork() without exec: step mode is its parent's, so
 * the child stops stepping (it must not eat its parent's go bytes). */
static void drop_step_in_child(void)
{
    if (step_fd != -1) {
        (void)close(step_fd);   /* a failed close changes nothing: we stop stepping */
        step_fd = -1;
    }
}

/* Before main (a GCC/Clang constructor): the environment is read at once,
 * so that a program which starts children before its first traced call
 * (a master forking workers) hands them neither the step descriptor nor
 * IPCLAB_STEP_FD; and each fork() drops step mode in the child. */
__attribute__((constructor)) static void trace_init_early(void)
{
    trace_init();
    (void)pthread_atfork(NULL, NULL, drop_step_in_child);   /* fails only without memory */
}

/* Percent-encode s into out so that a value never holds a space or newline. */
static size_t encode(char *out, size_t cap, const void *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = s;
    size_t o = 0;

    for (size_t i = 0; i < n && o + 4 < cap; i++) {
        if (p[i] > ' ' && p[i] < 127 && p[i] != '%') {
            out[o++] = (char)p[i];
        } else {
            out[o++] = '%';
            out[o++] = hex[p[i] >> 4];
            out[o++] = hex[p[i] & 15];
        }
    }
    out[o] = '\0';
    return o;
}

/* Write one line: the common fields, then what the caller formatted. */
static void emit(const char *ev, const char *rest)
{
    char line[TRACE_LINE_MAX];
    struct timespec ts;
    int n;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
        return;                 /* never on Linux; a trace never stops the program */
    n = snprintf(line, sizeof line, "v=1 seq=%lu t=%lld pid=%ld ev=%s %s",
                 ++seq, (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000,
                 (long)getpid(), ev, rest);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line - 1)
        n = sizeof line - 2;
    line[n++] = '\n';
    /* A failed trace write must never change the program's behaviour. */
    while (write(trace_fd, line, (size_t)n) == -1 && errno == EINTR)
        ;
}

static void wait_for_go(void)
{
    char go;
    ssize_t r;

    do
        r = read(step_fd, &go, 1);
    while (r == -1 && errno == EINTR);
    if (r != 1) {               /* observer gone: run freely from now on */
        (void)close(step_fd);   /* a failed close changes nothing: we stop stepping */
        step_fd = -1;
    }
}

static void fields(char *out, size_t cap, const char *op, int fd,
                   const char *obj, const void *data, size_t datalen)
{
    char enc[3 * TRACE_PREVIEW + 4];
    size_t o = (size_t)snprintf(out, cap, "op=%s", op);

    if (fd >= 0 && o < cap)
        o += (size_t)snprintf(out + o, cap - o, " fd=%d", fd);
    if (obj != NULL && o < cap) {
        encode(enc, sizeof enc, obj, strlen(obj));
        o += (size_t)snprintf(out + o, cap - o, " obj=%s", enc);
    }
    if (data != NULL && o < cap) {
        encode(enc, sizeof enc, data, datalen < TRACE_PREVIEW ? datalen : TRACE_PREVIEW);
        snprintf(out + o, cap - o, " data=%s", enc);
    }
}

void trace_before(const char *op, int fd, const char *obj, size_t len,
                  const void *data, size_t datalen)
{
    char rest[320], f[256];
    int saved = errno;

    trace_init();
    if (trace_fd != -1) {
        fields(f, sizeof f, op, fd, obj, data, datalen);
        snprintf(rest, sizeof rest, "%s len=%zu%s", f, len,
                 step_fd != -1 ? " step=wait" : "");
        emit("before", rest);
    }
    if (step_fd != -1)
        wait_for_go();
    errno = saved;
}

void trace_after(const char *op, int fd, long ret, int err,
                 const void *data, size_t datalen)
{
    char rest[320], f[256];
    int saved = errno;

    trace_init();
    if (trace_fd != -1) {
        fields(f, sizeof f, op, fd, NULL, ret > 0 ? data : NULL,
               ret > 0 && (size_t)ret < datalen ? (size_t)ret : datalen);
        if (ret < 0)
            snprintf(rest, sizeof rest, "%s ret=%ld errno=%s", f, ret,
                     strerrorname_np(err) ? strerrorname_np(err) : "?");
        else
            snprintf(rest, sizeof rest, "%s ret=%ld", f, ret);
        emit("after", rest);
    }
    errno = saved;
}

void trace_note(const char *fmt, ...)
{
    char text[256], rest[TRACE_LINE_MAX - 96];
    va_list ap;
    int saved = errno;

    trace_init();
    if (trace_fd != -1) {
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
        memcpy(rest, "text=", 5);
        encode(rest + 5, sizeof rest - 5, text, strlen(text));
        emit("note", rest);
    }
    errno = saved;
}

/* Lesson 03: " sig=SIGUSR1 from=P value=V" (each only when given). */
static void signal_fields(char *out, size_t cap, int sig, long from, long value)
{
    size_t o = 0;

    out[0] = '\0';
    if (sig > 0)
        o += (size_t)snprintf(out + o, cap - o, " sig=%s", signal_name(sig));
    if (from >= 0 && o < cap)
        o += (size_t)snprintf(out + o, cap - o, " from=%ld", from);
    if (value != TRACE_NO_VALUE && o < cap)
        snprintf(out + o, cap - o, " value=%ld", value);
}

void trace_kill(const char *op, int sig, long to, long value)
{
    char rest[320], v[32] = "";
    int saved = errno;

    trace_init();
    if (trace_fd != -1) {
        if (value != TRACE_NO_VALUE)
            snprintf(v, sizeof v, " value=%ld", value);
        snprintf(rest, sizeof rest, "op=%s sig=%s to=%ld%s%s", op, signal_name(sig),
                 to, v, step_fd != -1 ? " step=wait" : "");
        emit("before", rest);
    }
    if (step_fd != -1)
        wait_for_go();
    errno = saved;
}

void trace_signal_after(const char *op, int fd, long ret, int err,
                        int sig, long from, long value)
{
    char rest[400], f[256], s[96];
    int saved = errno;

    trace_init();
    if (trace_fd != -1) {
        fields(f, sizeof f, op, fd, NULL, NULL, 0);
        signal_fields(s, sizeof s, sig, from, value);
        if (ret < 0)
            snprintf(rest, sizeof rest, "%s ret=%ld errno=%s%s", f, ret,
                     strerrorname_np(err) ? strerrorname_np(err) : "?", s);
        else
            snprintf(rest, sizeof rest, "%s ret=%ld%s", f, ret, s);
        emit("after", rest);
    }
    errno = saved;
}

void trace_signal_note(int sig, long from, const char *fmt, ...)
{
    char text[256], s[96], rest[TRACE_LINE_MAX - 96];
    va_list ap;
    int saved = errno;

    trace_init();
    if (trace_fd != -1) {
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
        signal_fields(s, sizeof s, sig, from, TRACE_NO_VALUE);
        size_t o = (size_t)snprintf(rest, sizeof rest, "%s%stext=", s + (s[0] == ' '),
                                    s[0] ? " " : "");
        encode(rest + o, sizeof rest - o, text, strlen(text));
        emit("note", rest);
    }
    errno = saved;
}
