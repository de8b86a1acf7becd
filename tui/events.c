/* events.c - the trace lines of every program (docs/trace-protocol.md),
 * read from the one pipe they all write to, parsed into the timeline, and
 * used for what the kernel cannot tell: which traced call a process is in,
 * and whether it sits before a call waiting for its step. */
#include "ipclab.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRANSCRIPT_EVENTS_MAX 3000

static char pending[8192];
static size_t npending;
static unsigned long logged;

struct event *event_at(unsigned long n)
{
    return &R.events[n % MAX_EVENTS];
}

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

static void log_event(const struct event *e, const char *name)
{
    if (++logged == TRANSCRIPT_EVENTS_MAX)
        tlog("trace (further trace events are not shown)");
    if (logged >= TRANSCRIPT_EVENTS_MAX)
        return;
    if (e->ev == 'n')
        tlog("note %s %s", name, e->text);
    else if (e->ev == 'b' && e->step)
        tlog("step %s waits before %s(fd %d, %ld bytes)", name, e->op, e->fd, e->len);
    else if (e->ev == 'a' && e->ret < 0)
        tlog("trace %s %s(fd %d) = -1 %s", name, e->op, e->fd, e->err);
    else if (e->ev == 'a')
        tlog("trace %s %s(fd %d) = %ld%s%s%s", name, e->op, e->fd, e->ret,
             e->data[0] ? " \"" : "", e->data, e->data[0] ? "\"" : "");
}

/* A decimal field of a trace line, or bad when it is not one within
 * [lo, hi]: the line is a program's claim, checked like any input. */
static long number(const char *s, long lo, long hi, long bad)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return end == s || *end || errno || v < lo || v > hi ? bad : v;
}

static void parse_line(char *line)
{
    struct event e;
    char *save, *tok;

    memset(&e, 0, sizeof e);
    e.fd = -1;
    e.t = now();
    for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *v = strchr(tok, '=');
        if (v == NULL)
            continue;
        *v++ = '\0';
        size_t vlen = decode(v);
        if (!strcmp(tok, "pid")) e.pid = (pid_t)atol(v);
        else if (!strcmp(tok, "seq")) e.seq = strtoul(v, NULL, 10);
        else if (!strcmp(tok, "ev")) e.ev = v[0];
        else if (!strcmp(tok, "op")) scopy(e.op, sizeof e.op, v);
        else if (!strcmp(tok, "fd")) e.fd = (int)number(v, -1, 1 << 20, -1);
        else if (!strcmp(tok, "len")) e.len = number(v, 0, LONG_MAX, 0);
        else if (!strcmp(tok, "ret")) e.ret = number(v, -1, LONG_MAX, -1);
        else if (!strcmp(tok, "errno")) scopy(e.err, sizeof e.err, v);
        else if (!strcmp(tok, "obj")) scopy(e.obj, sizeof e.obj, v);
        else if (!strcmp(tok, "data")) printable(e.data, sizeof e.data, v, vlen);
        else if (!strcmp(tok, "text")) scopy(e.text, sizeof e.text, v);
        else if (!strcmp(tok, "step")) e.step = 1;
    }
    if (e.pid <= 0 || (e.ev != 'b' && e.ev != 'a' && e.ev != 'n'))
        return;                             /* not ours: ignore quietly */
    e.proc = proc_index(e.pid);
    if (e.proc < 0 && (e.proc = adopt_proc(e.pid, -1)) >= 0)   /* not sampled yet */
        tlog("follow %s pid %d [%s], by its trace", R.procs[e.proc].name, (int)e.pid,
             R.procs[e.proc].lang);
    if (e.proc < 0 || R.procs[e.proc].step_fd < 0)
        e.step = 0;                         /* only a process in step mode waits */
    unsigned long n = R.nevents++;
    *event_at(n) = e;
    if (e.proc >= 0) {
        struct proc *p = &R.procs[e.proc];
        p->nevents++;
        if (e.ev == 'b') {
            scopy(p->open_data, sizeof p->open_data, e.data);
            scopy(p->open_obj, sizeof p->open_obj, e.obj);
            scopy(p->open_call, sizeof p->open_call, e.op);
            p->open_t = e.t;
            if (e.step) {
                p->step_waiting = 1;
                p->step_event = (int)(n % MAX_EVENTS);
            }
        } else if (e.ev == 'a') {
            p->open_call[0] = '\0';
            if (!e.data[0] && e.ret > 0)    /* what a write sent */
                scopy(event_at(n)->data, sizeof e.data, p->open_data);
            scopy(e.data, sizeof e.data, event_at(n)->data);
        }
    }
    log_event(&e, e.proc >= 0 ? R.procs[e.proc].name : "?");
}

/* What the sampler saw (blocked, running again, exited) joins the timeline
 * as an 's' event, so blocked intervals show between the messages. */
void timeline_state(int proc, const char *text)
{
    struct event *e = event_at(R.nevents++);
    memset(e, 0, sizeof *e);
    e->t = now();
    e->proc = proc;
    e->pid = R.procs[proc].pid;
    e->ev = 's';
    e->fd = -1;
    scopy(e->text, sizeof e->text, text);
}

void events_drain(void)
{
    for (;;) {
        ssize_t n = read(R.trace_r, pending + npending, sizeof pending - 1 - npending);
        if (n <= 0)
            break;                          /* EAGAIN: all read for now */
        npending += (size_t)n;
        pending[npending] = '\0';
        char *start = pending, *nl;
        while ((nl = strchr(start, '\n')) != NULL) {
            *nl = '\0';
            parse_line(start);
            start = nl + 1;
        }
        npending -= (size_t)(start - pending);
        memmove(pending, start, npending);
        if (npending == sizeof pending - 1)  /* a line longer than any valid one */
            npending = 0;
    }
}
