/* events.c - the trace lines of every program (docs/trace-protocol.md),
 * read from the one pipe they all write to, parsed into the timeline, and
 * used for what the kernel cannot tell: which traced call a process is in,
 * and whether it sits before a call waiting for its step. */
#include "ipclab.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRANSCRIPT_EVENTS_MAX 3000

static struct lines pending;     /* the start of a line not yet whole */
static unsigned long logged;

struct event *event_at(unsigned long n)
{
    return &R.events[n % MAX_EVENTS];
}

/* "receiver pid 1234", "pid 1234" (not one of ours), "the kernel" (0). */
void who_pid(long pid, char *buf, size_t len)
{
    int i = pid > 0 && pid <= INT_MAX ? proc_index((pid_t)pid) : -1;
    if (pid == 0)
        snprintf(buf, len, "the kernel");
    else if (i >= 0)
        snprintf(buf, len, "%s pid %ld", R.procs[i].name, pid);
    else
        snprintf(buf, len, "pid %ld", pid);
}

/* kill(2)'s target: a process, a group (-PGID), its own group (0), or
 * every process it may signal (-1). */
void who_target(long to, char *buf, size_t len)
{
    if (to > 0) {
        who_pid(to, buf, len);
    } else if (to == 0) {
        snprintf(buf, len, "its own process group");
    } else if (to == -1) {
        snprintf(buf, len, "every process it may signal");
    } else {                                /* a group: named after its leader if ours */
        int i = proc_index((pid_t)-to);
        snprintf(buf, len, "process group %ld%s%s%s", -to, i >= 0 ? " (" : "",
                 i >= 0 ? R.procs[i].name : "", i >= 0 ? "'s)" : "");
    }
}

/* A traced call that sends a signal (its line has sig=, to=). */
int op_signals(const char *op)
{
    return !strcmp(op, "kill") || !strcmp(op, "sigqueue") || !strcmp(op, "killpg") ||
           !strcmp(op, "tgkill");
}

/* "(receiver pid 1234, SIGUSR1)", "(receiver pid 1234, SIGRTMIN, value 17)";
 * a receipt's ": SIGRTMIN from sender pid 1233, value 17". */
static void signal_words(const struct event *e, char *buf, size_t len)
{
    char name[24], whom[96];
    sig_name(e->sig, name, sizeof name);
    if (op_signals(e->op)) {
        who_target(e->to, whom, sizeof whom);
        if (e->has & EV_VALUE)
            snprintf(buf, len, "(%s, %s, value %ld)", e->has & EV_TO ? whom : "?", name, e->value);
        else
            snprintf(buf, len, "(%s, %s)", e->has & EV_TO ? whom : "?", name);
        return;
    }
    who_pid(e->from, whom, sizeof whom);
    int o = snprintf(buf, len, "%s", name);
    if (e->has & EV_FROM)
        o += snprintf(buf + o, len - (size_t)o, " from %s", whom);
    if (e->has & EV_VALUE)
        snprintf(buf + o, len - (size_t)o, "%svalue %ld", e->has & EV_FROM ? ", " : " ", e->value);
}

static void log_event(const struct event *e, const char *name)
{
    char sig[200] = "";
    if (e->ev == 's') {                     /* what the sampler saw: always told */
        tlog("state %s %s%s", name, e->text, e->step ? " (held in step mode)" : "");
        return;
    }
    if (e->ev == 'g') {                     /* its signals, as the kernel shows them */
        tlog("signals %s %s", name, e->text[0] ? e->text : "nothing pending or blocked");
        return;
    }
    if (++logged == TRANSCRIPT_EVENTS_MAX)
        tlog("trace (further trace events are not shown)");
    if (logged >= TRANSCRIPT_EVENTS_MAX)
        return;
    if (e->sig)
        signal_words(e, sig, sizeof sig);
    if (e->ev == 'n' && e->sig)
        tlog("note %s %s (%s)", name, e->text, sig);
    else if (e->ev == 'n')
        tlog("note %s %s", name, e->text);
    else if (e->ev == 'b' && e->step && e->sig && op_signals(e->op))
        tlog("step %s waits before %s%s", name, e->op, sig);
    else if (e->ev == 'b' && e->step)
        tlog("step %s waits before %s(fd %d, %ld bytes)", name, e->op, e->fd, e->len);
    else if (e->ev == 'a' && e->sig && op_signals(e->op))
        tlog("trace %s %s%s = %ld%s%s", name, e->op, sig, e->ret, e->ret < 0 ? " " : "",
             e->ret < 0 ? e->err : "");
    else if (e->ev == 'a' && e->ret < 0)
        tlog("trace %s %s(fd %d) = -1 %s", name, e->op, e->fd, e->err);
    else if (e->ev == 'a' && e->sig && e->fd >= 0)
        tlog("trace %s %s(fd %d) = %ld: %s", name, e->op, e->fd, e->ret, sig);
    else if (e->ev == 'a' && e->sig)
        tlog("trace %s %s = %ld: %s", name, e->op, e->ret, sig);
    else if (e->ev == 'a')
        tlog("trace %s %s(fd %d) = %ld%s%s%s", name, e->op, e->fd, e->ret,
             e->data[0] ? " \"" : "", e->data, e->data[0] ? "\"" : "");
}

static void tell_event(struct event *ev);

/* Does a traced call of this name hand something on (write, send, store,
 * post, msgsnd; kill, sigqueue: a signal is pending from within the
 * call)? The timeline draws it --> and orders it at its before. */
int op_sends(const char *op)
{
    return op_signals(op) || !strcmp(op, "write") || strstr(op, "send") || strstr(op, "store") ||
           strstr(op, "post") || strstr(op, "msgsnd");
}

/* The lines of one read of the pipe, parsed, before they are told. */
static struct event *batch;
static size_t nbatch, batch_cap;

static void batch_add(const struct event *e)
{
    if (nbatch == batch_cap) {
        size_t cap = batch_cap ? 2 * batch_cap : 256;
        struct event *grown = realloc(batch, cap * sizeof *batch);
        if (grown == NULL) {                /* no room: told at once */
            struct event copy = *e;
            tell_event(&copy);
            return;
        }
        batch = grown, batch_cap = cap;
    }
    batch[nbatch++] = *e;
}

/* One line from the trace pipe (traceline.c parses it), into the batch. */
static void take_line(char *line, size_t len, void *arg)
{
    struct event e;

    (void)len, (void)arg;
    if (!trace_parse(line, &e))
        return;                             /* not ours: ignore quietly */
    e.t = now();
    e.proc = proc_index(e.pid);
    if (e.proc < 0 && (e.proc = adopt_proc(e.pid, -1)) >= 0)   /* not sampled yet */
        tlog("follow %s pid %d [%s], by its trace", R.procs[e.proc].name, (int)e.pid,
             R.procs[e.proc].lang);
    else if (e.proc < 0 && kill(e.pid, 0) == -1 && errno == ESRCH &&
             (e.proc = adopt_ghost(e.pid)) >= 0)
        tlog("follow pid %d by its trace: it had ended before ipclab could see it", (int)e.pid);
    if (e.proc < 0 || R.procs[e.proc].step_fd < 0)
        e.step = 0;                         /* only a process in step mode waits */
    /* When it took effect: a send's bytes are there for a reader from
     * within the call, so from its before; the rest at their own t.
     * Never earlier than the process's last event (its own order stays). */
    e.key = e.tt;
    if (e.proc >= 0) {
        struct proc *p = &R.procs[e.proc];
        int out = op_sends(e.op);
        if (e.ev == 'b')
            p->before_tt = e.tt;
        else if (e.ev == 'a' && out && p->before_tt > 0 && p->before_tt <= e.tt)
            e.key = p->before_tt;
        if (e.key < p->last_key)
            e.key = p->last_key;
        p->last_key = e.key;
    }
    batch_add(&e);
}

/* One event joins the timeline and the transcript, and says which traced
 * call its process is in. */
static void tell_event(struct event *ev)
{
    struct event e = *ev;
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
            p->open_sig = e.sig;            /* the after line of a kill names none */
            p->open_to = e.to;
            p->open_value = e.value;
            /* A signal is pending from within the call, and the after line
             * may come after what the receiver shows (ipclab wakes for
             * the before line and may look before the after is written):
             * the timeline's row is the before, unless it is held. */
            if (e.sig && op_signals(e.op) && !e.step)
                event_at(n)->has |= EV_SENT;
            p->open_has = event_at(n)->has;
            if (e.step) {
                p->step_waiting = 1;
                p->step_event = (int)(n % MAX_EVENTS);
            }
        } else if (e.ev == 'a') {
            p->open_call[0] = '\0';
            if (e.sig == 0 && op_signals(e.op) && p->open_sig) {
                e.sig = p->open_sig;
                e.to = p->open_to;
                e.value = p->open_value;
                e.has |= p->open_has & (EV_TO | EV_VALUE | EV_SENT);
                *event_at(n) = e;
            }
            p->open_sig = 0;
            if (!e.data[0] && e.ret > 0)    /* what a write sent */
                scopy(event_at(n)->data, sizeof e.data, p->open_data);
            scopy(e.data, sizeof e.data, event_at(n)->data);
        }
    }
    log_event(&e, e.proc >= 0 ? R.procs[e.proc].name : "?");
}

/* The key of what was read of process proc: the time of the sample it
 * came from (CLOCK_MONOTONIC, in microseconds, as the programs' t=), taken
 * before the reading. Not the time it is told: a writer sampled running,
 * then exiting, closing its pipe, would be told after its reader's read()
 * = 0, and its exit after that (procfs_sample). */
static long long seen_key(int proc)
{
    double t = R.procs[proc].seen_t;
    return (long long)((t > 0 ? t : now()) * 1e6);
}

/* What the sampler saw (blocked, running again), as an 's' event: into
 * the batch with the lines, at the time it was seen, so it is told after
 * the calls that came before it (held: in step mode). */
void timeline_state(int proc, const char *text, int held)
{
    struct event e;
    memset(&e, 0, sizeof e);
    e.t = now();
    e.key = seen_key(proc);
    e.proc = proc;
    e.pid = R.procs[proc].pid;
    e.ev = 's';
    e.fd = -1;
    e.step = held;
    scopy(e.text, sizeof e.text, text);
    batch_add(&e);
}

/* Its signals as the sampler saw them (sample.c), as a 'g' event told in
 * order with the lines: after the kill that made one pending. */
void timeline_signals(int proc, const char *text)
{
    struct event e;
    memset(&e, 0, sizeof e);
    e.t = now();
    e.key = seen_key(proc);
    e.proc = proc;
    e.pid = R.procs[proc].pid;
    e.ev = 'g';
    e.fd = -1;
    scopy(e.text, sizeof e.text, text);
    if (strlen(text) >= sizeof e.text)      /* cut: say so */
        memcpy(e.text + sizeof e.text - 4, "...", 4);
    batch_add(&e);
}

/* An exit, into the timeline now (events_tell tells it in its place). */
void timeline_now(int proc, const char *text)
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

/* Is the exit of a process descended from i still to be told? A follower
 * its parent has reaped, and ipclab has not seen gone yet, is marked gone
 * now (its pidfd says so): i, reaped a moment ago (reap_exiting, before
 * any sample), waited for it, so its exit comes first. */
static int child_pending(int i)
{
    for (int j = 0; j < MAX_PROCS; j++) {
        struct proc *p = &R.procs[j];
        if (!p->used || j == i || (p->exited && !p->exit_pending))
            continue;
        int d = 0, below = 0;
        for (int a = p->parent; a >= 0 && a < MAX_PROCS && d <= MAX_PROCS; a = R.procs[a].parent, d++)
            if (a == i)
                below = 1;
        if (!below)
            continue;
        if (!p->exited && !p->spawned && !proc_alive(p))
            proc_gone(p);                   /* reaped by its parent */
        if (p->exit_pending)
            return 1;
    }
    return 0;
}

/* The pending exits of processes with no line left to tell (last < 0, not
 * held), the deepest first, none before a child of its own. */
static void exits_without_lines(const long *last, const int *held)
{
    for (int depth = MAX_PROCS; depth >= 0; depth--)
        for (int i = 0; i < MAX_PROCS; i++) {
            int d = 0;
            for (int a = R.procs[i].parent; a >= 0 && a < MAX_PROCS && d <= MAX_PROCS; a = R.procs[a].parent)
                d++;
            if (R.procs[i].exit_pending && last[i] < 0 && !held[i] && d == depth && !child_pending(i))
                tell_exit(i);
        }
}

/* Lines are held this long after they came before they are told: the
 * line of a write can reach the pipe after the line of the read it fed
 * (each process writes its own line after its call), and the order told
 * is the order the calls took effect (key). */
#define HOLD_S 0.02

/* Read what the pipe holds, then tell it in order, with each exit reaped
 * (exit_pending) in its place: right after the process's own last line
 * here, or before them all when it has none here. A pipe keeps the order
 * of its writes, but an exit is seen by waitpid, not in the pipe: a
 * writer's exit comes before the reader's read() = 0 it caused (even when
 * the reader got there before the writer was a zombie: reap_exiting).
 * hold: tell only the lines that came HOLD_S ago or more (and none after
 * a line held), so a line that comes late still takes its place. */
static void events_tell(int hold)
{
    for (;;) {
        char *room;
        size_t cap = lines_room(&pending, &room);
        ssize_t n = read(R.trace_r, room, cap);
        if (n <= 0)
            break;                          /* EAGAIN: all read for now */
        lines_added(&pending, (size_t)n, take_line, NULL);
    }
    /* End of file came to a reader here: a writer whose exit closed the
     * pipe may not be a zombie yet. Its exit comes first. */
    for (size_t k = 0; k < nbatch; k++)
        if (batch[k].ev == 'a' && batch[k].ret == 0 &&
            (!strcmp(batch[k].op, "read") || !strncmp(batch[k].op, "recv", 4))) {
            for (int i = 0; i < MAX_PROCS; i++)
                reap_exiting(i);
            break;
        }
    /* The programs' lines in the order they took effect (stable: the
     * pipe's order among equals). */
    for (size_t a = 1; a < nbatch; a++)
        for (size_t b = a; b > 0 && batch[b].key < batch[b - 1].key; b--) {
            struct event t = batch[b];
            batch[b] = batch[b - 1], batch[b - 1] = t;
        }
    size_t ntell = nbatch;
    if (hold) {
        double old = now() - HOLD_S;
        for (ntell = 0; ntell < nbatch && batch[ntell].t <= old; ntell++)
            ;
    }
    long last[MAX_PROCS];
    int held[MAX_PROCS] = { 0 };
    for (int i = 0; i < MAX_PROCS; i++)
        last[i] = -1;
    for (size_t k = 0; k < nbatch; k++)
        if (batch[k].proc >= 0 && batch[k].proc < MAX_PROCS) {
            if (k < ntell)
                last[batch[k].proc] = (long)k;
            else
                held[batch[k].proc] = 1;    /* its exit waits for them */
        }
    /* Exits with no line here first, a child before its parent (a parent
     * waits for its child): the deepest first; a parent never before a
     * child whose exit waits (its lines held). */
    exits_without_lines(last, held);
    for (size_t k = 0; k < ntell; k++) {
        int i = batch[k].proc;
        tell_event(&batch[k]);
        if (i >= 0 && i < MAX_PROCS && R.procs[i].exit_pending && last[i] == (long)k && !held[i] &&
            !child_pending(i))
            tell_exit(i);
    }
    /* A parent held back for its child above: its turn now. */
    for (int i = 0; i < MAX_PROCS; i++)
        last[i] = -1;
    exits_without_lines(last, held);
    if (ntell > 0 && nbatch > ntell)      /* (batch is NULL until a line comes) */
        memmove(batch, batch + ntell, (nbatch - ntell) * sizeof *batch);
    nbatch -= ntell;
}

/* Everything the pipe holds, told now (a scenario's query, the run's end). */
void events_drain(void)
{
    events_tell(0);
}

/* What has settled (the sampler). */
void events_settle(void)
{
    events_tell(1);
}

/* When the next line held may be told, or 0 when none is held: the loop
 * wakes then, not at the next sample. */
double events_next(void)
{
    double first = 0;
    for (size_t k = 0; k < nbatch; k++)
        if (first == 0 || batch[k].t < first)
            first = batch[k].t;
    return first > 0 ? first + HOLD_S : 0;
}
