/* timeline.c - the timeline: the latest events, one row each, in the
 * lane of the process they are about; PgUp/PgDn/Home/End scroll it. What a
 * row says comes from the trace (a call, its bytes) or from the kernel (a
 * state, its signals); drawing only, as views.c. */
#include <curses.h>     /* before ipclab.h: its drawing prototypes */

#include "ipclab.h"
#include "ui.h"
#include "sockets.h"

#include <fcntl.h>
#include <string.h>

/* The timeline's view: the event it ends at (its number + 1), or 0 to
 * follow the newest. Scrolled back, new events do not move it. */
static unsigned long tl_end;
static int tl_rows = 10;

/* A call that moves bytes returns how many; the others 0 for done (or an
 * id: shmget, semget). */
static int moves_bytes(const char *op)
{
    return !strcmp(op, "read") || !strcmp(op, "write") || strstr(op, "send") ||
           strstr(op, "recv") || strstr(op, "receive") || strstr(op, "load") ||
           strstr(op, "store") || strstr(op, "msgsnd") || strstr(op, "msgrcv");
}

/* A traced call's row: "write 20 --> data", "<-- read 20 data", "<-- read
 * 0: end of file", "<-- sem_wait ok", "sem_post ok -->", "x write EPIPE". */
static void describe_call(const struct event *e, char *buf, size_t len)
{
    const char *op = e->op;
    int out = op_sends(op);
    char ret[32], sig[24], whom[96], val[24] = "";
    /* Signals: "kill USR1 --> receiver", "sigqueue RTMIN 17 --> receiver",
     * "x sigqueue RTMIN EAGAIN", "<-- sigwaitinfo RTMIN 17 from sender". */
    if (e->sig) {
        sig_name(e->sig, sig, sizeof sig);
        if (e->has & EV_VALUE)
            snprintf(val, sizeof val, " %ld", e->value);
        if (e->ret < 0)
            snprintf(buf, len, "x %s %s %s", op, sig + 3, e->err);
        else if (op_signals(op)) {
            int i = e->has & EV_TO && e->to > 0 ? proc_index((pid_t)e->to) : -1;
            if (i >= 0)
                scopy(whom, sizeof whom, R.procs[i].name);
            else if (e->has & EV_TO)
                who_target(e->to, whom, sizeof whom);
            else
                scopy(whom, sizeof whom, "?");
            snprintf(buf, len, "%s %s%s --> %s", op, sig + 3, val, whom);
        } else {
            int i = e->has & EV_FROM && e->from > 0 ? proc_index((pid_t)e->from) : -1;
            if (i >= 0)
                scopy(whom, sizeof whom, R.procs[i].name);
            else
                who_pid(e->from, whom, sizeof whom);
            snprintf(buf, len, "<-- %s %s%s%s%s", op, sig + 3, val, e->has & EV_FROM ? " from " : "",
                     e->has & EV_FROM ? whom : "");
        }
        return;
    }
    if (e->ret < 0) {
        snprintf(buf, len, "x %s %s", op, e->err);
        return;
    }
    if (moves_bytes(op) || e->ret != 0)
        snprintf(ret, sizeof ret, "%ld", e->ret);
    else
        snprintf(ret, sizeof ret, "ok");
    if (!strcmp(op, "read") && e->ret == 0)
        snprintf(buf, len, "<-- read 0: end of file");
    else if (out)
        snprintf(buf, len, "%s %s --> %s", op, ret, e->data);
    else
        snprintf(buf, len, "<-- %s %s %s", op, ret, e->data);
}

/* Does an event of a process of ours get a row? A before only when it is
 * held in step mode, or when it sends a signal (EV_SENT: the signal is
 * pending from within the call); then its after only when it failed. */
static int own_row(const struct event *e)
{
    /* Signal masks alone (a handler to clean up): only in a scenario about
     * signals, as in the panes (sig_lines); pending or blocked always. */
    if (e->ev == 'g' && !R.show_signals && !strstr(e->text, "pending") &&
        !strstr(e->text, "blocked"))
        return 0;
    if (e->ev == 'b')
        return e->step || (e->has & EV_SENT);
    return !(e->ev == 'a' && (e->has & EV_SENT) && e->ret >= 0);
}

/* Does the timeline give event k a row? (Events of no process of ours
 * never; see own_row.) */
static int has_row(unsigned long k)
{
    const struct event *e = event_at(k);
    return e->proc >= 0 && e->proc < MAX_PROCS && R.procs[e->proc].used && own_row(e);
}

/* PgUp/PgDn: a page older or newer; Home: the oldest kept; End: follow.
 * A page is as many events as rows, counting only events that get one. */
/* Scrolled back: how many events are newer than the view (0: following). */
unsigned long timeline_newer(void)
{
    return tl_end && tl_end < R.nevents ? R.nevents - tl_end : 0;
}

void timeline_scroll(enum scroll how)
{
    unsigned long oldest = R.nevents > MAX_EVENTS ? R.nevents - MAX_EVENTS : 0;
    unsigned long end = tl_end ? tl_end : R.nevents, k;
    int page = tl_rows, got = 0;
    if (how == SCROLL_END) {
        tl_end = 0;
        return;
    }
    if (how == SCROLL_UP) {
        /* The new view ends where this one begins (its oldest row), when
         * a whole page lies before that; else it is the first page. */
        for (k = end; k > oldest && got < page; k--)
            got += has_row(k - 1);
        end = k;
        for (got = 0; k > oldest && got < page; k--)
            got += has_row(k - 1);
        if (got == page) {
            tl_end = end;
            return;
        }
        how = SCROLL_HOME;
    }
    if (how == SCROLL_HOME)                 /* a page from the oldest */
        end = oldest;
    for (k = end, got = 0; k < R.nevents && got < page; k++)
        got += has_row(k);
    tl_end = k >= R.nevents ? 0 : k;
}

/* ": shared pending USR1; blocked USR1": the transcript's words with
 * "SIG" left out of each name, as the panes say them. */
static void brief_names(char *buf, size_t len, const char *text)
{
    size_t o = (size_t)snprintf(buf, len, ": ");
    for (const char *t = text; *t && o + 1 < len; t++) {
        /* (SIG32 stays whole: a letter must follow.) */
        if ((t == text || t[-1] == ' ') && !strncmp(t, "SIG", 3) && t[3] >= 'A' && t[3] <= 'Z')
            t += 3;
        buf[o++] = *t;
    }
    buf[o] = '\0';
}

void draw_timeline(int y, int rows)
{
    int idx[MAX_PROCS], n = nprocs(idx), most = (COLS - 14) / 16;
    char buf[256];

    if (n == 0)
        return;
    most = most < 4 ? 4 : most > 8 ? 8 : most;
    int lanes = n;
    if (n > most) {
        /* More processes than lanes: those with the latest events in view
         * (a scenario's later part is never hidden), in order of appearance. */
        int pick[MAX_PROCS] = { 0 }, got = 0;
        unsigned long e0 = tl_end ? tl_end : R.nevents;
        for (unsigned long k = e0; k > 0 && got < most && R.nevents - k < MAX_EVENTS; k--) {
            const struct event *e = event_at(k - 1);
            if (e->proc >= 0 && e->proc < MAX_PROCS && !pick[e->proc] && R.procs[e->proc].used)
                pick[e->proc] = 1, got++;
        }
        lanes = 0;
        for (int k = 0; k < n; k++)
            if (pick[idx[k]])
                idx[lanes++] = idx[k];
        if (lanes == 0)                     /* no events yet: the first ones */
            lanes = most;
    }
    int lw = (COLS - 14) / lanes;

    for (int k = 0; k < lanes; k++)
        put(y, 14 + k * lw, lw - 1, A_UNDERLINE, R.procs[idx[k]].name);
    put(y, 0, 14, A_UNDERLINE, "     #  time");
    tl_rows = rows - 1 > 1 ? rows - 1 : 1;
    if (tl_end > R.nevents)
        tl_end = 0;                         /* a restart */
    else if (tl_end && R.nevents - tl_end + (unsigned long)tl_rows >= MAX_EVENTS)
        tl_end = R.nevents - MAX_EVENTS + (unsigned long)tl_rows + 1;   /* the oldest kept */

    unsigned long shown = 0, k = tl_end ? tl_end : R.nevents;
    int row = y + rows - 1;
    while (k > 0 && row > y && R.nevents - k < MAX_EVENTS) {
        const struct event *e = event_at(--k);
        int lane = -1;
        for (int l = 0; l < lanes; l++)
            if (idx[l] == e->proc)
                lane = l;
        if (lane < 0 || !own_row(e))        /* befores only when held or sending a signal */
            continue;
        int room = COLS - 14 - lane * lw;
        if (e->ev == 'n' && e->sig && e->has & EV_FROM) {
            char whom[96];
            int from = e->from > 0 ? proc_index((pid_t)e->from) : -1;
            if (from >= 0)
                scopy(whom, sizeof whom, R.procs[from].name);
            else
                who_pid(e->from, whom, sizeof whom);
            snprintf(buf, sizeof buf, "~ %s (from %s)", e->text, whom);
        } else if (e->ev == 'n')
            snprintf(buf, sizeof buf, "~ %s", e->text);
        else if (e->ev == 'g')              /* its signals, from the kernel */
            brief_names(buf, sizeof buf, e->text[0] ? e->text : "nothing pending or blocked");
        else if (e->ev == 's') {            /* held: ipclab's pipe, not the lesson's */
            snprintf(buf, sizeof buf, ": %s", e->step ? "held in step mode" : e->text);
            /* Narrow: the call and descriptor without the object (the
             * pane names it), rather than a cut. */
            char *obj = strstr(buf, " -> "), *tcp = strstr(buf, ") on TCP ");
            if (tcp == NULL)
                tcp = strstr(buf, ") on Unix ");
            if ((int)strlen(buf) > room && tcp)     /* the socket's row names it */
                tcp[1] = '\0';
            else if ((int)strlen(buf) > room && obj && strchr(obj, ')'))
                memmove(obj, strrchr(obj, ')'), strlen(strrchr(obj, ')')) + 1);
        }
        else if (e->ev == 'b' && !e->step)  /* a signal sent: "kill USR1 --> w" */
            describe_call(e, buf, sizeof buf);
        else if (e->ev == 'b' && e->sig && op_signals(e->op)) {   /* held before a kill */
            describe_call(e, buf, sizeof buf);
            char held[256];
            snprintf(held, sizeof held, "|| before %s", buf);
            scopy(buf, sizeof buf, held);
        } else if (e->ev == 'b')
            snprintf(buf, sizeof buf, "|| before %s", e->op);
        else
            describe_call(e, buf, sizeof buf);
        move(row, 0);
        clrtoeol();
        if (k + 1 < 1000000)                /* a spinning loop makes millions: */
            mvprintw(row, 0, "%6lu %6.2f", k + 1, e->t - R.t0);
        else                                /* their last digits tell rows apart */
            mvprintw(row, 0, "~%05lu %6.2f", (k + 1) % 100000, e->t - R.t0);
        /* One event a row: its text may run on over the lanes to its
         * right, empty on this row, rather than be cut at its own. */
        put(row, 14 + lane * lw, room, e->ev == 's' || e->ev == 'g' ? look(C_SLEEP, A_DIM) : A_NORMAL,
            buf);
        row--;
        shown++;
    }
    for (; row > y; row--) {
        move(row, 0);
        clrtoeol();
    }
}
