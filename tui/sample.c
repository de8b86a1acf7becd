/* sample.c - one pass of watching, SAMPLE_HZ times a second: read output
 * and trace lines, reap, adopt new descendants (a parent's child, mpirun's
 * ranks), sample every process and watched channel from the kernel, and
 * tell the transcript what changed and stayed changed for two samples (so
 * a process that flickers between running and sleeping does not flood it). */
#include "ipclab.h"
#include "sockets.h"
#include "unixsocks.h"

#include <string.h>

static void adopt_descendants(void)
{
    pid_t kids[32];

    for (int i = 0; i < MAX_PROCS; i++) {
        if (!R.procs[i].used || R.procs[i].exited || R.procs[i].nofollow)
            continue;
        int n = procfs_children(R.procs[i].pid, kids, 32);
        for (int k = 0; k < n; k++)
            if (proc_index(kids[k]) < 0) {
                int j = adopt_proc(kids[k], i);
                if (j >= 0)
                    tlog("follow %s pid %d [%s], child of %s", R.procs[j].name,
                         (int)kids[k], R.procs[j].lang, R.procs[i].name);
            }
    }
}

/* text without its "; queued N/LIMIT" (SigQ counts every process of the
 * user: another process's signals change it). */
static void without_queued(char *text)
{
    char *q = strstr(text, "; queued ");
    if (q)
        *q = '\0';
}

/* Process i's signals (sigmask.c), told in the transcript and the
 * timeline once a change has held for two samples: a signal caught at
 * once was never worth a line, one left pending is. A change of the
 * queued count alone is not told by the sampler: it counts the signals
 * of every process of the user. */
static void sample_signals(int i)
{
    struct proc *p = &R.procs[i];
    char text[sizeof p->sig_seen];
    if (procfs_signals(p->pid, &p->sig) == -1)
        return;                             /* gone, or not the kernel's words: nothing changes */
    p->sig_read = 1;
    sig_describe(&p->sig, p->comm, 0, 0, text, sizeof text);
    without_queued(text);
    if (strcmp(text, p->sig_seen) != 0) {
        scopy(p->sig_seen, sizeof p->sig_seen, text);
        return;
    }
    note_signals(i, 0);
}

/* Process i's signals as read last, into the transcript and timeline at
 * once, unless they say so already: from the sampler once settled (query
 * 0: the queued count left out of the comparison), from a scenario's
 * query (signals, pending) at once, the count too. */
void note_signals(int i, int query)
{
    struct proc *p = &R.procs[i];
    char text[sizeof p->sig_told], masks[sizeof p->sig_told], told[sizeof p->sig_told];
    if (!p->sig_read || p->exited || p->exiting)
        return;
    sig_describe(&p->sig, p->comm, 0, 0, text, sizeof text);
    scopy(masks, sizeof masks, text);
    without_queued(masks);
    scopy(told, sizeof told, p->sig_told);
    if (!query)
        without_queued(told);
    scopy(p->sig_seen, sizeof p->sig_seen, masks);
    if (strcmp(query ? text : masks, told) == 0)
        return;
    /* Back to its runtime's own from handlers and ignored signals only:
     * not told (Python drops its handlers as it exits: a line for every
     * program that ends). From something pending or blocked: told. */
    int quiet = !text[0] && !strstr(p->sig_told, "pending") && !strstr(p->sig_told, "blocked");
    scopy(p->sig_told, sizeof p->sig_told, text);
    if (!quiet)
        timeline_signals(i, text);
}

static void sample_procs(double t)
{
    for (int i = 0; i < MAX_PROCS; i++) {
        struct proc *p = &R.procs[i];
        if (!p->used || p->exited)
            continue;
        if (procfs_sample(p, t) == -1) {
            if (!p->spawned)                /* not ours to reap: just gone */
                proc_gone(p);
            continue;
        }
        if (p->exiting)                     /* nothing new: its exit comes */
            continue;
        sample_signals(i);
        if (p->state == p->shown_state && strcmp(p->call, p->shown_call) == 0 &&
            proc_held(p) == p->shown_held)
            continue;
        if (++p->pending < 2)
            continue;
        note_state(i);
    }
}

/* Process i's state as sampled last, into the transcript and the timeline,
 * unless it is what they show already. The sampler calls it once a change
 * has held for two samples; a scenario's query (state, blocked_in) at
 * once, so a check is never told before what it saw. */
void note_state(int i)
{
    struct proc *p = &R.procs[i];
    char what[256];
    /* Held in step mode is told too when the trace's step line came after
     * the sample that saw it asleep in read() on its step pipe. */
    int held = proc_held(p);
    if (p->exited || p->exiting || (p->state == p->shown_state && strcmp(p->call, p->shown_call) == 0 &&
                      held == p->shown_held))
        return;
    p->shown_held = held;
    p->shown_state = p->state;
    scopy(p->shown_call, sizeof p->shown_call, p->call);
    describe_proc(p, what, sizeof what);
    timeline_state(i, what, held);          /* told with the lines, in order */
}

/* The value a channel is told by: a semaphore's value, a segment's first
 * field, the level of the rest. */
static long chan_shown(const struct chan *c)
{
    long shown = c->type == CH_SEM ? c->value : c->level;
    if (c->type == CH_SHM) {
        long long v = -1;
        if (c->nview > 0 && decode_value(c, c->view[0].type, c->view[0].off, &v) == 0)
            shown = (long)v;
    }
    return shown;
}

/* Who holds a FIFO, into the transcript once it has held for two samples
 * (settle), or at once for a scenario's query (holders). */
void note_holders(struct chan *c, int settle)
{
    char now[sizeof c->seen_holders];
    holders_text(c, now, sizeof now);
    if (strcmp(now, c->seen_holders) != 0 && settle) {
        scopy(c->seen_holders, sizeof c->seen_holders, now);
        return;
    }
    scopy(c->seen_holders, sizeof c->seen_holders, now);
    if (strcmp(now, c->told_holders) != 0) {
        scopy(c->told_holders, sizeof c->told_holders, now);
        tlog("channel %s: %s", c->label, now);
    }
}

static void sample_chans(void)
{
    for (int i = 0; i < MAX_CHANS; i++) {
        struct chan *c = &R.chans[i];
        if (!c->used || !c->watched)
            continue;
        chan_sample(c);
        if (c->type == CH_FIFO)
            note_holders(c, 1);
        note_notify(c);
        long shown = chan_shown(c);
        long *last = c->type == CH_SEM ? &c->shown_value : &c->shown_level;
        long before = c->prev;
        c->prev = shown;
        if (shown == *last || shown != before)  /* changed, or not yet settled */
            continue;
        note_chan(c);
    }
}

/* A POSIX queue's mq_notify registration, into the transcript when it
 * changes: "channel jobs: mq_notify: receiver (pid 123), SIGUSR2", then
 * "channel jobs: mq_notify: none" once the notification is sent (which
 * ends the registration) or it is removed. */
void note_notify(struct chan *c)
{
    char who[96];

    if (c->type != CH_MQ || c->sysv || c->notify_pid < 0 || c->notify_pid == c->shown_notify)
        return;
    pid_t was = c->shown_notify;
    c->shown_notify = c->notify_pid;
    if (was == -1 && c->notify_pid == 0)        /* nobody from the start: nothing to tell */
        return;
    notify_text(c, who, sizeof who);
    tlog("channel %s: mq_notify: %s", c->label, who);
}

/* Channel c as sampled last, into the transcript, unless it is what it
 * shows already: from the sampler once a value has held for two samples,
 * from a scenario's query (level, value) at once. */
void note_chan(struct chan *c)
{
    note_notify(c);
    long shown = chan_shown(c);
    long *last = c->type == CH_SEM ? &c->shown_value : &c->shown_level;
    if (shown == *last)
        return;
    long was = *last;
    *last = c->prev = shown;
    /* A queue that was there and is gone by its name (mq_unlink): said,
     * as its row says it, not left to be guessed. */
    if (shown < 0 && was >= 0 && c->type == CH_MQ && c->gone_level >= 0)
        tlog("channel %s: unlinked, its queue still open in %s: %ld/%ld messages", c->label,
             c->gone_holder, c->gone_level, c->gone_capacity);
    else if (shown < 0 && was >= 0 && c->type == CH_MQ)
        tlog("channel %s: no such queue", c->label);
    if (shown >= 0) {
        if (c->type == CH_SEM)
            tlog("channel %s value %ld", c->label, shown);
        else if (c->type == CH_MQ && c->sysv)
            tlog("channel %s %ld messages, %ld/%ld bytes", c->label, shown, c->qbytes, c->capacity);
        else if (c->type == CH_MQ)
            tlog("channel %s %ld/%ld messages", c->label, shown, c->capacity);
        else if (c->type == CH_SHM && c->nview > 0)
            tlog("channel %s %s = %ld", c->label, c->view[0].name, shown);
        else if (c->capacity > 0)
            tlog("channel %s %ld/%ld bytes", c->label, c->level, c->capacity);
        else
            tlog("channel %s %ld bytes", c->label, c->level);
    }
}

void sample_all(void)
{
    double t = now();

    read_outputs();
    write_inputs();
    events_settle();
    reap_children();
    adopt_descendants();
    fds_read();                             /* the descriptors: the sockets' holders */
    sockets_sample(1);                      /* before the processes: a call on one names it */
    unix_sample(1);
    sample_procs(t);
    sample_chans();
}
