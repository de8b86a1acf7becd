/* traceline.c - the bytes programs write to the trace pipe, made into
 * events (docs/trace-protocol.md): the stream cut into lines, and one line
 * parsed into a struct event. Pure parsing, nothing else: no run, no
 * screen, no clock, no system call. So a fuzz target (tests/fuzz/) can run
 * it on any bytes; events.c does what an event means for the run. */
#include "ipclab.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Percent-decoding, in place; returns the length (data may hold NULs). */
static size_t decode(char *s)
{
    char *start = s, *o = s;
    for (; *s; s++) {
        if (s[0] == '%' && s[1] && s[2]) {
            char hex[3] = { s[1], s[2], 0 };
            *o++ = (char)strtol(hex, NULL, 16);
            s += 2;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return (size_t)(o - start);
}

/* Data for people: printable bytes, others as '.'. */
static void printable(char *dst, size_t len, const char *src, size_t n)
{
    size_t i = 0;
    for (; i < n && i + 1 < len; i++)
        dst[i] = src[i] >= ' ' && src[i] < 127 ? src[i] : '.';
    dst[i] = '\0';
}

/* A decimal field of a trace line, or bad when it is not one within
 * [lo, hi]: the line is a program's claim, checked like any input. Digits
 * only, after an optional '-': strtol alone also takes "+4", " 4", "\t4". */
static long number(const char *s, long lo, long hi, long bad)
{
    char *end;
    const char *d = s[0] == '-' ? s + 1 : s;
    if (*d < '0' || *d > '9')
        return bad;
    errno = 0;
    long v = strtol(s, &end, 10);
    return *end || errno || v < lo || v > hi ? bad : v;
}

/* pid_max can be at most 2^22 (PID_MAX_LIMIT, proc(5)). */
#define PID_MAX_LIMIT (1L << 22)

/* A field that was a number in range (not LONG_MIN) is kept, and said
 * so in has; one that was not leaves the event as it was. */
static void set_if(long *field, int *has, int bit, long v)
{
    if (v == LONG_MIN)
        return;
    *field = v;
    *has |= bit;
}

int trace_parse(char *line, struct event *e)
{
    char *save, *tok;

    memset(e, 0, sizeof *e);
    e->fd = -1;
    for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *v = strchr(tok, '=');
        if (v == NULL)
            continue;
        *v++ = '\0';
        size_t vlen = decode(v);
        if (!strcmp(tok, "pid")) e->pid = (pid_t)number(v, 1, PID_MAX_LIMIT, 0);
        else if (!strcmp(tok, "seq")) e->seq = (unsigned long)number(v, 0, LONG_MAX, 0);
        else if (!strcmp(tok, "t")) e->tt = number(v, 0, LONG_MAX, 0);
        else if (!strcmp(tok, "ev")) e->ev = v[0];
        else if (!strcmp(tok, "op")) scopy(e->op, sizeof e->op, v);
        else if (!strcmp(tok, "fd")) e->fd = (int)number(v, -1, 1 << 20, -1);
        else if (!strcmp(tok, "len")) e->len = number(v, 0, LONG_MAX, 0);
        else if (!strcmp(tok, "ret")) e->ret = number(v, -1, LONG_MAX, -1);
        else if (!strcmp(tok, "errno")) scopy(e->err, sizeof e->err, v);
        else if (!strcmp(tok, "obj")) scopy(e->obj, sizeof e->obj, v);
        else if (!strcmp(tok, "data")) printable(e->data, sizeof e->data, v, vlen);
        else if (!strcmp(tok, "text")) scopy(e->text, sizeof e->text, v);
        else if (!strcmp(tok, "step")) e->step = 1;
        else if (!strcmp(tok, "sig")) e->sig = sig_number(v);   /* a name, never a number */
        else if (!strcmp(tok, "to")) set_if(&e->to, &e->has, EV_TO,
                                            number(v, -PID_MAX_LIMIT, PID_MAX_LIMIT, LONG_MIN));
        else if (!strcmp(tok, "from")) set_if(&e->from, &e->has, EV_FROM,
                                              number(v, 0, PID_MAX_LIMIT, LONG_MIN));
        else if (!strcmp(tok, "value")) set_if(&e->value, &e->has, EV_VALUE,
                                               number(v, INT_MIN, INT_MAX, LONG_MIN));
    }
    return e->pid > 0 && (e->ev == 'b' || e->ev == 'a' || e->ev == 'n');
}

size_t lines_room(struct lines *b, char **at)
{
    *at = b->buf + b->n;
    return sizeof b->buf - 1 - b->n;
}

void lines_added(struct lines *b, size_t n,
                 void (*each)(char *line, size_t len, void *arg), void *arg)
{
    size_t start = 0, end = b->n + n;
    char *nl;

    /* memchr, not strchr: a program may write any byte, NUL included, and
     * a NUL must not hide the newline after it (and with it every line of
     * every program after it, until the buffer fills). */
    while ((nl = memchr(b->buf + start, '\n', end - start)) != NULL) {
        size_t len = (size_t)(nl - (b->buf + start));
        *nl = '\0';
        if (b->skipping)
            b->skipping = 0;                /* the end of a line too long: dropped */
        else
            each(b->buf + start, len, arg);
        start += len + 1;
    }
    b->n = end - start;
    memmove(b->buf, b->buf + start, b->n);
    /* A line longer than any valid one: dropped whole, up to its newline;
     * its tail never becomes a line of its own. */
    if (b->n == sizeof b->buf - 1) {
        b->n = 0;
        b->skipping = 1;
    }
}
