/* views.c - what the screen shows of the model: a pane per process (who,
 * its state from the kernel, the call and the object, its last output),
 * the watched channels (levels, queue depths, a segment's named fields)
 * and the run's sockets; the timeline is timeline.c's. Drawing only: ui.c
 * owns the terminal, the layout and the keys. */
#include <curses.h>     /* before ipclab.h: its drawing prototypes */

#include "ipclab.h"
#include "ui.h"
#include "sockets.h"
#include "unixsocks.h"

#include <fcntl.h>
#include <string.h>

/* Colour when there is colour; a monochrome attribute otherwise. */
attr_t look(int pair, attr_t mono)
{
    return R.color ? COLOR_PAIR(pair) : mono;
}

static attr_t state_look(const struct proc *p)
{
    if (p->exited && (!strcmp(p->status, "exit 0") || !strncmp(p->status, "reaped", 6)))
        return A_DIM;                       /* ended well: dimmed, not red */
    if (p->exited || p->state == PS_ZOMBIE) return look(C_DEAD, A_DIM);
    if (proc_held(p)) return look(C_STOP, A_BOLD);
    if (p->state == PS_STOPPED) return look(C_STOP, A_UNDERLINE);
    if (p->state == PS_SLEEPING || p->state == PS_DISK) return look(C_SLEEP, A_BOLD);
    return look(C_RUN, A_NORMAL);
}

/* Print at most w columns of s at (y, x), padding with spaces. */
/* Print s at (y, x) in w display cells, padded with spaces: what the
 * terminal must not obey shown as '?' (clean_text), never a character
 * split, and "..." at the end when it does not fit whole. */
void put(int y, int x, int w, attr_t a, const char *s)
{
    char t[1024];
    int used;
    if (w <= 0)
        return;
    scopy(t, sizeof t, s);
    clean_text(t, 0);
    size_t n = fit_cells(t, w, &used);
    if (t[n] != '\0' && w > 3)             /* cut: say so */
        n = fit_cells(t, w - 3, &used);
    attron(a);
    mvprintw(y, x, "%.*s%s%*s", (int)n, t, t[n] ? (w > 3 ? "..." : "") : "",
             w - used - (t[n] && w > 3 ? 3 : 0), "");
    attroff(a);
}

/* The processes to show, in the order they appeared (slots are taken in
 * that order): an exited one stays in its place, dimmed, with its status. */
int nprocs(int *idx)
{
    int n = 0;
    for (int i = 0; i < MAX_PROCS; i++)
        if (R.procs[i].used)
            idx[n++] = i;
    return n;
}

/* At most max of them: when they do not all fit, the exited go first,
 * those that ended earliest first (the latest to end is what the scenario
 * is about), the live keep their places. */
static int fit_procs(int *idx, int n, int max)
{
    while (n > max) {
        int drop = -1;
        for (int k = 0; k < n; k++)
            if (R.procs[idx[k]].exited &&
                (drop < 0 || R.procs[idx[k]].exit_seq < R.procs[idx[drop]].exit_seq))
                drop = k;
        if (drop < 0)
            break;
        memmove(idx + drop, idx + drop + 1, (size_t)(n - drop - 1) * sizeof *idx);
        n--;
    }
    return n > max ? max : n;
}

static void last_line(const struct proc *p, char *out, size_t len)
{
    size_t end = p->out_len, start;
    while (end > 0 && (p->out[end - 1] == '\n' || p->out[end - 1] == '\r'))
        end--;
    start = end;
    while (start > 0 && p->out[start - 1] != '\n')
        start--;
    size_t n = end - start < len - 1 ? end - start : len - 1;
    memcpy(out, p->out + start, n);
    out[n] = '\0';
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)out[k] < ' ')
            out[k] = out[k] ? ' ' : '?';    /* a NUL it printed is seen */
}

/* PREFIX then PATH, in w columns: the path whole when it fits, else from
 * its last '/' (".../server": the end that names it), never cut at its end. */
static void fit_path(char *buf, size_t len, int w, const char *prefix, const char *path)
{
    const char *name = path[0] == '/' ? strrchr(path, '/') : NULL;
    snprintf(buf, len, "%s%s", prefix, path);
    if ((int)strlen(buf) > w && name && name != path)
        snprintf(buf, len, "%s...%s", prefix, name);
}

/* Its signal lines (sigmask.c: what is pending, then the masks), none
 * when it has nothing beyond its runtime's own; returns how many. The
 * masks alone (a program that catches SIGTERM to clean up) only in a
 * scenario about signals (scenario { signals = true }): elsewhere they
 * would take a row of the timeline from every pane for nothing; what is
 * pending or blocked always shows. */
static int sig_lines(const struct proc *p, char *l0, char *l1, size_t len)
{
    char a[256], b[256];
    int n = 0;
    if (!p->sig_read || p->exited)
        return 0;
    sig_describe(&p->sig, p->comm, 1, 0, a, sizeof a);
    sig_describe(&p->sig, p->comm, 1, 1, b, sizeof b);
    if (!R.show_signals && !a[0] && strncmp(b, "blocked ", 8))
        b[0] = '\0';
    if (a[0])
        snprintf(n++ ? l1 : l0, len, "   %s", a);
    if (b[0])
        snprintf(n++ ? l1 : l0, len, "   %s", b);
    return n;
}

/* Four lines: who; its state, for how long, in which call; on which
 * object; what it printed last. With signals pending, blocked, caught or
 * ignored (beyond its runtime's own), one or two lines of them before the
 * last: sig rows in all (every pane of a row the same height). Many panes
 * get three lines (h 3 + sig): what it printed takes the object's line
 * when it has none (an exited process, one running). */
static void draw_pane(int i, int y, int x, int w, int h, int sig, int selected)
{
    const struct proc *p = &R.procs[i];
    char buf[512], out[256];

    const char *lang = strcmp(p->name, p->lang) ? p->lang : "";   /* "C", not "C  C" */
    snprintf(buf, sizeof buf, " %s  %s%spid %d%s", p->name, lang, lang[0] ? "  " : "",
             (int)p->pid, p->spawned ? "" : "  (child)");
    if ((int)strlen(buf) > w)               /* the pid whole, before "(child)" */
        snprintf(buf, sizeof buf, " %s  %s%spid %d", p->name, lang, lang[0] ? "  " : "",
                 (int)p->pid);
    put(y, x, w, (i == selected ? look(C_SEL, A_REVERSE) : A_BOLD), buf);
    int held = proc_held(p);               /* the trace's word, checked in /proc */
    if (p->exited)
        snprintf(buf, sizeof buf, " EXITED: %s", p->status);
    else if (held)
        snprintf(buf, sizeof buf, " HELD %.1fs before %s",   /* since it arrived */
                 now() - R.events[p->step_event].t, R.events[p->step_event].op);
    else if (p->call[0])
        snprintf(buf, sizeof buf, " %s %.1fs in %s", pstate_name(p->state),
                 now() - p->since, p->call);
    else
        snprintf(buf, sizeof buf, " %s %.1fs", pstate_name(p->state), now() - p->since);
    put(y + 1, x, w, state_look(p), buf);
    const char *obj = held ? R.events[p->step_event].obj : "";
    if (held && obj[0]) {                   /* the object whole, then why it waits */
        snprintf(buf, sizeof buf, "   on %s; in read(fd %d) for the go", obj, p->call_fd);
        if ((int)strlen(buf) > w)
            snprintf(buf, sizeof buf, "   on %s", obj);
    } else if (held)
        snprintf(buf, sizeof buf, "   step mode: read(fd %d) for the go", p->call_fd);
    else if (!p->exited && p->fifo_path[0]) {
        char pre[64];
        snprintf(pre, sizeof pre, "   waits for %s: FIFO ", p->fifo_acc == O_RDONLY ? "a writer" :
                 p->fifo_acc == O_WRONLY ? "a reader" : "nobody");
        fit_path(buf, sizeof buf, w, pre, p->fifo_path);
    } else if (!p->exited && socket_pane_line(p, buf, sizeof buf, w)) {
        ;                                   /* a TCP socket (sockets.c) */
    } else if (!p->exited && unix_pane_line(p, buf, sizeof buf, w)) {
        ;                                   /* a Unix socket (unixview.c) */
    } else if (!p->exited && p->object[0]) {
        char pre[32], obj[80];
        snprintf(pre, sizeof pre, "   fd %d -> ", p->call_fd);
        if (on_own_input(p)) {                          /* its stdin, fed by ipclab */
            snprintf(obj, sizeof obj, "%s, from ipclab", p->object);
            fit_path(buf, sizeof buf, w, pre, obj);
        } else
            fit_path(buf, sizeof buf, w, pre, p->object);
    } else if (!p->exited && p->call[0] && p->open_call[0]) { /* the trace says which */
        char pre[48];
        snprintf(pre, sizeof pre, "   in %s ", p->open_call);
        fit_path(buf, sizeof buf, w, pre, p->open_obj);
    } else
        buf[0] = '\0';
    /* Many panes (three lines each): the output line takes the third line
     * when no object does, rather than being dropped. */
    int out_y = h >= 4 + sig ? y + 3 + sig : buf[0] == '\0' ? y + 2 : -1;
    put(y + 2, x, w, A_NORMAL, buf);
    char sl[2][256];
    int ns = sig_lines(p, sl[0], sl[1], sizeof sl[0]);
    for (int k = 0; k < sig; k++)
        put(y + 3 + k, x, w, A_NORMAL, k < ns ? sl[k] : "");
    last_line(p, out, sizeof out);
    /* Too long: its end, where a line's result is ("counter now 4"), from
     * a word's start. */
    const char *tail = out;
    if ((int)strlen(out) > w - 3) {
        const char *cut = out + strlen(out) - (w - 7);
        for (tail = cut; *tail && *tail != ' '; tail++)
            ;
        if (*tail == '\0')
            tail = cut;                     /* one long word: its last bytes */
    }
    snprintf(buf, sizeof buf, tail == out ? " > %s" : " > ...%s", tail);
    if (out_y >= 0)
        put(out_y, x, w, A_DIM, buf);
}

/* The rows draw_chans takes. */
int chan_rows(void)
{
    int n = 0;
    for (int i = 0; i < MAX_CHANS; i++) {
        const struct chan *c = &R.chans[i];
        if (c->used && c->watched)
            n += (c->type == CH_SHM && c->capacity >= 0) || c->type == CH_FIFO ? 2 : 1;
    }
    return n + socket_rows(2) + unix_rows(2);   /* a header and a socket, at least */
}

int draw_procs(int y, int selected)
{
    int idx[MAX_PROCS], n = nprocs(idx);
    int cols = COLS >= 120 && n > 2 ? 3 : n > 1 ? 2 : 1;
    int w = COLS / cols, h = n > 2 * cols ? 3 : 4;   /* many: output or object line */
    /* Signal lines: a row of panes takes as many as its pane that needs
     * most (live ones only); room is counted for the most any needs. */
    int sig = 0, need[MAX_PROCS];
    char l0[256], l1[256];
    for (int k = 0; k < n; k++) {
        need[idx[k]] = sig_lines(&R.procs[idx[k]], l0, l1, sizeof l0);
        sig = need[idx[k]] > sig ? need[idx[k]] : sig;
    }
    /* Leave room for the rest: the rule, the channels, a timeline of 4
     * rows, the status rule, 3 rows of narration, the keys. */
    int rows = (LINES - y - 1 - chan_rows() - 4 - 1 - 3 - 1) / (h + sig);
    if (rows < 1)
        rows = 1;

    int all = n, orig[MAX_PROCS];
    memcpy(orig, idx, (size_t)n * sizeof *idx);
    n = fit_procs(idx, n, rows * cols);
    for (int r = 0; r * cols < n; r++) {
        int rs = 0;
        for (int k = r * cols; k < n && k < (r + 1) * cols; k++)
            rs = need[idx[k]] > rs ? need[idx[k]] : rs;
        for (int k = r * cols; k < n && k < (r + 1) * cols; k++)
            draw_pane(idx[k], y, (k % cols) * w, w - 1, h + rs, rs, selected);
        y += h + rs;
    }
    mvhline(y, 0, ACS_HLINE, COLS);
    if (all > n) {                          /* say so: none vanishes unseen */
        int gone = 0, live = 0;
        const char *first = "";
        for (int k = 0; k < all; k++) {
            int shown = 0;
            for (int j = 0; j < n && !shown; j++)
                shown = idx[j] == orig[k];
            if (shown)
                continue;
            if (R.procs[orig[k]].exited)
                gone++;
            else if (live++ == 0)
                first = R.procs[orig[k]].name;
        }
        char more[160], ex[40] = "";
        if (gone)
            snprintf(ex, sizeof ex, "%d exited process%s", gone, gone == 1 ? "" : "es");
        if (live == 1)                      /* a live one by name: it is still there */
            snprintf(more, sizeof more, " %s not shown (no room)%s%s ", first,
                     gone ? ", nor " : "", ex);
        else if (live > 1)
            snprintf(more, sizeof more, " %d running processes not shown (no room)%s%s ", live,
                     gone ? ", nor " : "", ex);
        else
            snprintf(more, sizeof more, " %s not shown ", ex);
        put(y, 2, (int)strlen(more) < COLS - 4 ? (int)strlen(more) : COLS - 4, A_DIM, more);
    }
    return y + 1;
}

static void draw_bar(int y, int x, int w, long level, long cap)
{
    int fill = cap > 0 ? (int)((double)level / (double)cap * w + 0.5) : 0;
    move(y, x);
    addch('[');
    attron(look(C_BAR, A_REVERSE));
    for (int k = 0; k < w; k++)
        addch(k < fill ? (R.color ? ACS_CKBOARD : '#') : ' ');
    attroff(look(C_BAR, A_REVERSE));
    addch(']');
}

#define LABEL_W 22     /* a channel's name, before its bar */

/* A FIFO's second row: who holds each end, who waits in open(), and its
 * path (whole when it fits, else from its last '/'). */
static void draw_fifo_ends(int y, const struct chan *c)
{
    char who[200], buf[512];
    holders_text(c, who, sizeof who);
    if (c->nholders + c->nopeners == 0)    /* said on the first row */
        who[0] = '\0';
    char pre[256];
    snprintf(pre, sizeof pre, "   %s%s", who, who[0] ? " | " : "");
    fit_path(buf, sizeof buf, COLS, pre, c->path);
    put(y, 0, COLS, A_NORMAL, buf);
}

int draw_chans(int y)
{
    char buf[512];

    for (int i = 0; i < MAX_CHANS; i++) {
        struct chan *c = &R.chans[i];
        if (!c->used || !c->watched)
            continue;
        if (c->type == CH_MQ) {
            put(y, 0, LABEL_W, A_BOLD, c->label);
            if (c->level < 0 && c->gone_level >= 0) {    /* unlinked, still open */
                snprintf(buf, sizeof buf, " (unlinked; %ld/%ld msgs, open in %s)", c->gone_level,
                         c->gone_capacity, c->gone_holder);
                put(y++, LABEL_W, COLS - LABEL_W, A_NORMAL, buf);
            } else if (c->level < 0) {
                put(y++, LABEL_W, COLS - LABEL_W, A_NORMAL, " (no such queue)");
            } else if (c->sysv) {
                draw_bar(y, LABEL_W, COLS - LABEL_W - 32, c->qbytes, c->capacity);
                snprintf(buf, sizeof buf, " %ld msgs %ld/%ld bytes", c->level, c->qbytes, c->capacity);
                put(y++, COLS - 30, 30, A_NORMAL, buf);
            } else {
                /* Registered with mq_notify: who, in place of the size
                 * limit ("1/10 msgs 5 B; registered: receiver"; a process
                 * not of the run by its pid), the bar
                 * narrower; QSIZE, the bytes queued, either way. */
                int tw = 30;
                if (c->notify_pid > 0) {
                    int i = proc_index(c->notify_pid);
                    char who[32];
                    snprintf(who, sizeof who, "pid %ld", (long)c->notify_pid);
                    snprintf(buf, sizeof buf, " %ld/%ld msgs %ld B; registered: %.20s", c->level,
                             c->capacity, c->qbytes, i >= 0 ? R.procs[i].name : who);
                    tw = (int)strlen(buf) > 30 ? (int)strlen(buf) : 30;
                } else if (c->qbytes >= 0) {
                    snprintf(buf, sizeof buf, " %ld/%ld msgs %ld B (max %ld B)", c->level,
                             c->capacity, c->qbytes, c->msgsize);
                } else {
                    snprintf(buf, sizeof buf, " %ld/%ld msgs (max %ld B)", c->level, c->capacity,
                             c->msgsize);
                }
                if ((int)strlen(buf) > tw)
                    tw = (int)strlen(buf);
                draw_bar(y, LABEL_W, COLS - LABEL_W - tw - 2, c->level, c->capacity);
                put(y++, COLS - tw, tw, A_NORMAL, buf);
            }
        } else if (c->type == CH_SEM) {
            if (c->value < 0)
                snprintf(buf, sizeof buf, " semaphore %s: no such semaphore", c->label);
            else
                snprintf(buf, sizeof buf, " semaphore %s: value %ld", c->label, c->value);
            put(y++, 0, COLS, A_NORMAL, buf);
        } else if (c->type == CH_SHM) {
            int o = snprintf(buf, sizeof buf, " shm %s:", c->label);
            if (c->capacity < 0) {          /* gone: one line (chan_rows) */
                snprintf(buf + o, sizeof buf - (size_t)o, " no such segment");
                put(y++, 0, COLS, A_NORMAL, buf);
                continue;
            }
            for (size_t k = 0; k < c->nbytes && k < 16 && o < (int)sizeof buf - 4; k++)
                o += snprintf(buf + o, sizeof buf - (size_t)o, " %02x", c->bytes[k]);
            put(y++, 0, COLS, A_NORMAL, buf);
            o = snprintf(buf, sizeof buf, "   ");
            if (c->nbytes == 0 && c->sysv)     /* ipclab never attaches */
                snprintf(buf, sizeof buf, "   %ld bytes; no process has it attached, so "
                         "its bytes are not shown", c->capacity);
            for (int f = 0; f < c->nview && o < (int)sizeof buf - 40; f++) {
                long long v;
                if (decode_value(c, c->view[f].type, c->view[f].off, &v) == 0)
                    o += snprintf(buf + o, sizeof buf - (size_t)o, "%s=%lld  ", c->view[f].name, v);
            }
            put(y++, 0, COLS, A_BOLD, buf);
        } else {
            snprintf(buf, sizeof buf, " %s", c->label);
            put(y, 0, LABEL_W, A_BOLD, buf);
            if (c->level >= 0 && c->capacity > 0) {
                draw_bar(y, LABEL_W, COLS - LABEL_W - 28, c->level, c->capacity);
                snprintf(buf, sizeof buf, " %ld/%ld bytes %3ld%%", c->level, c->capacity,
                         c->level * 100 / c->capacity);
            } else {
                snprintf(buf, sizeof buf, " %s", c->level >= 0 ? "" : c->type == CH_FIFO ?
                         "(nobody has it open: no level to read)" : "(nobody holds it)");
                if (c->level >= 0)
                    snprintf(buf, sizeof buf, " %ld bytes queued", c->level);
            }
            put(y++, c->level >= 0 && c->capacity > 0 ? COLS - 26 : LABEL_W,
                c->level >= 0 && c->capacity > 0 ? 26 : COLS - LABEL_W, A_NORMAL, buf);
            if (c->type == CH_FIFO)
                draw_fifo_ends(y++, c);
        }
    }
    /* TCP sockets (sockets.c), then Unix sockets (unixview.c): what the
     * timeline (its header and 2 rows), the rule, the narration (what the
     * current step said, 3 to 6 lines) and the keys leave; the Unix rows
     * leave the TCP ones a header and a row. */
    int said = story_last_lines(COLS);
    said = said < 3 ? 3 : said > 6 ? 6 : said;
    int avail = LINES - y - 5 - said, unix = unix_rows(avail - socket_rows(2));
    y = draw_sockets(y, socket_rows(avail - unix));
    return draw_unix(y, unix);
}
