/* ui.c - the screen: one pane per process, the channel view, the timeline,
 * the narration line and the keys. It draws the model in R and never
 * changes it except through the keys (continue/step, signals, quit).
 * Terminal hygiene after htop's CRT.c: locale first, cbreak/noecho,
 * colours only when the terminal has them and NO_COLOR is unset, a clear
 * message below the minimum size, and the terminal restored on every exit
 * path, a crash included. */
#include <curses.h>     /* before ipclab.h: its drawing prototypes */

#include "ipclab.h"

#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define MIN_COLS 80
#define MIN_LINES 24

enum { C_TITLE = 1, C_RUN, C_SLEEP, C_STOP, C_DEAD, C_BAR, C_KEY, C_SEL };

static volatile sig_atomic_t up;
static int selected, help;
static SCREEN *scr;
static struct termios saved_tio;

/* From a signal handler: the terminal as it was, with write() and
 * tcsetattr() only (async-signal-safe); curses is not touched. */
void ui_emergency_restore(void)
{
    static const char reset[] = "\033[0m\033[?1049l\033[?25h\r\n";
    if (!up)
        return;
    up = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
    (void)!write(STDOUT_FILENO, reset, sizeof reset - 1);
    janitor_screen(0);
}

int ui_is_up(void)
{
    return up;
}

int ui_saved_modes(struct termios *out)
{
    if (!up)
        return -1;
    *out = saved_tio;
    return 0;
}

static void on_crash(int sig)
{
    static const char msg[] = "ipclab crashed; the terminal is restored. Its "
        "processes die with it and its janitor removes its objects.\r\n";
    ui_emergency_restore();
    (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void restore_at_exit(void)
{
    if (up)
        ui_stop();
}

int ui_start(void)
{
    static int once;

    if (up)
        return 0;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO) || !getenv("TERM"))
        return -1;
    tcgetattr(STDIN_FILENO, &saved_tio);
    setlocale(LC_ALL, "");
    if ((scr = newterm(NULL, stdout, stdin)) == NULL)
        return -1;
    up = 1;
    janitor_screen(1);
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    if (R.color && has_colors()) {
        start_color();
        use_default_colors();
        init_pair(C_TITLE, COLOR_WHITE, COLOR_BLUE);
        init_pair(C_RUN, COLOR_GREEN, -1);
        init_pair(C_SLEEP, COLOR_YELLOW, -1);
        init_pair(C_STOP, COLOR_MAGENTA, -1);
        init_pair(C_DEAD, COLOR_RED, -1);
        init_pair(C_BAR, COLOR_CYAN, -1);
        init_pair(C_KEY, COLOR_BLACK, COLOR_CYAN);
        init_pair(C_SEL, COLOR_BLACK, COLOR_YELLOW);
    } else {
        R.color = 0;
    }
    if (!once) {
        once = 1;
        atexit(restore_at_exit);
        int crash[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
        for (size_t i = 0; i < sizeof crash / sizeof crash[0]; i++)
            signal(crash[i], on_crash);
    }
    return 0;
}

void ui_stop(void)
{
    if (!up)
        return;
    endwin();
    delscreen(scr);
    up = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
    janitor_screen(0);
}

/* Colour when there is colour; a monochrome attribute otherwise. */
static attr_t look(int pair, attr_t mono)
{
    return R.color ? COLOR_PAIR(pair) : mono;
}

static attr_t state_look(const struct proc *p)
{
    if (p->exited || p->state == PS_ZOMBIE) return look(C_DEAD, A_DIM);
    if (proc_held(p)) return look(C_STOP, A_BOLD);
    if (p->state == PS_STOPPED) return look(C_STOP, A_UNDERLINE);
    if (p->state == PS_SLEEPING || p->state == PS_DISK) return look(C_SLEEP, A_BOLD);
    return look(C_RUN, A_NORMAL);
}

/* Print at most w columns of s at (y, x), padding with spaces. */
static void put(int y, int x, int w, attr_t a, const char *s)
{
    if (w <= 0)
        return;
    attron(a);
    mvprintw(y, x, "%-*.*s", w, w, s);
    attroff(a);
}

/* The processes to show: the live ones first, then those that ended. */
static int nprocs(int *idx)
{
    int n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < MAX_PROCS; i++)
            if (R.procs[i].used && R.procs[i].exited == pass)
                idx[n++] = i;
    return n;
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
            out[k] = ' ';
}

/* Four lines: who; its state, for how long, in which call; on which
 * object; what it printed last. */
static void draw_pane(int i, int y, int x, int w)
{
    const struct proc *p = &R.procs[i];
    char buf[512], out[256];

    snprintf(buf, sizeof buf, " %s  %s  pid %d%s", p->name, p->lang, (int)p->pid,
             p->spawned ? "" : "  (child)");
    put(y, x, w, (i == selected ? look(C_SEL, A_REVERSE) : A_BOLD), buf);
    int held = proc_held(p);               /* the trace's word, checked in /proc */
    if (p->exited)
        snprintf(buf, sizeof buf, " EXITED: %s", p->status);
    else if (held)
        snprintf(buf, sizeof buf, " HELD %.1fs before %s%s%s",   /* since it arrived */
                 now() - R.events[p->step_event].t, R.events[p->step_event].op,
                 R.events[p->step_event].obj[0] ? " " : "", R.events[p->step_event].obj);
    else if (p->call[0])
        snprintf(buf, sizeof buf, " %s %.1fs in %s", pstate_name(p->state),
                 now() - p->since, p->call);
    else
        snprintf(buf, sizeof buf, " %s %.1fs", pstate_name(p->state), now() - p->since);
    put(y + 1, x, w, state_look(p), buf);
    if (held)
        snprintf(buf, sizeof buf, "   step mode: read(fd %d) for the go", p->call_fd);
    else if (!p->exited && p->object[0])
        snprintf(buf, sizeof buf, "   fd %d -> %s", p->call_fd, p->object);
    else if (!p->exited && p->call[0] && p->open_call[0])   /* the trace says which */
        snprintf(buf, sizeof buf, "   in %s %s", p->open_call, p->open_obj);
    else
        buf[0] = '\0';
    put(y + 2, x, w, A_NORMAL, buf);
    last_line(p, out, sizeof out);
    snprintf(buf, sizeof buf, " > %s", out);
    put(y + 3, x, w, A_DIM, buf);
}

static int draw_procs(int y)
{
    int idx[MAX_PROCS], n = nprocs(idx);
    int cols = COLS >= 120 && n > 2 ? 3 : n > 1 ? 2 : 1;
    int w = COLS / cols, h = n > 2 * cols ? 3 : 4;   /* many: drop the output line */
    int rows = (LINES - 12) / h;                      /* leave room for the rest */

    if (n > rows * cols)
        n = rows * cols;                              /* live ones came first */
    for (int k = 0; k < n; k++)
        draw_pane(idx[k], y + (k / cols) * h, (k % cols) * w, w - 1);
    return y + ((n + cols - 1) / cols) * h;
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

static int draw_chans(int y)
{
    char buf[512];

    for (int i = 0; i < MAX_CHANS; i++) {
        struct chan *c = &R.chans[i];
        if (!c->used || !c->watched)
            continue;
        if (c->type == CH_MQ) {
            put(y, 0, LABEL_W, A_BOLD, c->label);
            if (c->level < 0) {
                put(y++, LABEL_W, COLS - LABEL_W, A_NORMAL, " (no such queue)");
            } else if (c->sysv) {
                draw_bar(y, LABEL_W, COLS - LABEL_W - 32, c->qbytes, c->capacity);
                snprintf(buf, sizeof buf, " %ld msgs %ld/%ld bytes", c->level, c->qbytes, c->capacity);
                put(y++, COLS - 30, 30, A_NORMAL, buf);
            } else {
                draw_bar(y, LABEL_W, COLS - LABEL_W - 32, c->level, c->capacity);
                snprintf(buf, sizeof buf, " %ld/%ld msgs (max %ld B)", c->level, c->capacity, c->msgsize);
                put(y++, COLS - 30, 30, A_NORMAL, buf);
            }
        } else if (c->type == CH_SEM) {
            if (c->value < 0)
                snprintf(buf, sizeof buf, " semaphore %s: value unknown (no such semaphore, or "
                         "not a semaphore)", c->label);
            else
                snprintf(buf, sizeof buf, " semaphore %s: value %ld", c->label, c->value);
            put(y++, 0, COLS, A_NORMAL, buf);
        } else if (c->type == CH_SHM) {
            int o = snprintf(buf, sizeof buf, " shm %s:", c->label);
            for (size_t k = 0; k < c->nbytes && k < 16 && o < (int)sizeof buf - 4; k++)
                o += snprintf(buf + o, sizeof buf - (size_t)o, " %02x", c->bytes[k]);
            put(y++, 0, COLS, A_NORMAL, buf);
            o = snprintf(buf, sizeof buf, "   ");
            if (c->capacity < 0)
                snprintf(buf, sizeof buf, "   (no such segment)");
            else if (c->nbytes == 0 && c->sysv)     /* ipclab never attaches */
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
                snprintf(buf, sizeof buf, " %s", c->level >= 0 ? "" : "(nobody holds it)");
                if (c->level >= 0)
                    snprintf(buf, sizeof buf, " %ld bytes queued", c->level);
            }
            put(y++, c->level >= 0 && c->capacity > 0 ? COLS - 26 : LABEL_W,
                c->level >= 0 && c->capacity > 0 ? 26 : COLS - LABEL_W, A_NORMAL, buf);
        }
    }
    return y;
}

/* The timeline: the latest events, one row each, in the process's lane. */
static void draw_timeline(int y, int rows)
{
    int idx[MAX_PROCS], n = nprocs(idx), lanes = n > 4 ? 4 : n;
    char buf[256];

    if (n == 0)
        return;
    int lw = (COLS - 13) / lanes;

    for (int k = 0; k < lanes; k++)
        put(y, 13 + k * lw, lw - 1, A_UNDERLINE, R.procs[idx[k]].name);
    put(y, 0, 13, A_UNDERLINE, "    #  time");
    unsigned long shown = 0, k = R.nevents;
    int row = y + rows - 1;
    while (k > 0 && row > y && R.nevents - k < MAX_EVENTS) {
        const struct event *e = event_at(--k);
        int lane = -1;
        for (int l = 0; l < lanes; l++)
            if (idx[l] == e->proc)
                lane = l;
        if (lane < 0 || (e->ev == 'b' && !e->step))   /* befores only when held */
            continue;
        if (e->ev == 'n')
            snprintf(buf, sizeof buf, "~ %s", e->text);
        else if (e->ev == 's')
            snprintf(buf, sizeof buf, ": %s", e->text);
        else if (e->ev == 'b')
            snprintf(buf, sizeof buf, "|| held before %s", e->op);
        else if (e->ret < 0)
            snprintf(buf, sizeof buf, "x %s %s", e->op, e->err);
        else if (!strcmp(e->op, "write") || strstr(e->op, "send") || strstr(e->op, "store") || strstr(e->op, "post"))
            snprintf(buf, sizeof buf, "%s %ld --> %s", e->op, e->ret, e->data);
        else
            snprintf(buf, sizeof buf, "<-- %s %ld %s", e->op, e->ret, e->data);
        move(row, 0);
        clrtoeol();
        mvprintw(row, 0, "%5lu %6.2f", k + 1, e->t - R.t0);
        put(row, 13 + lane * lw, lw - 1, e->ev == 's' ? look(C_SLEEP, A_DIM) : A_NORMAL, buf);
        row--;
        shown++;
    }
    for (; row > y; row--) {
        move(row, 0);
        clrtoeol();
    }
}

static void draw_help(void)
{
    static const char *const lines[] = {
        "ipclab keys",
        "",
        "  space   continue after a pause; step the selected process",
        "  tab     select the next process",
        "  s       stop / continue the selected process (SIGSTOP/SIGCONT)",
        "  k       kill the selected process (SIGKILL)",
        "  r       restart the scenario",
        "  Up/Down scroll what was said and checked (ok, FAILED)",
        "  ?       this help",
        "  q       quit (everything is cleaned up)",
        "",
        "States come from the kernel: /proc/PID/stat, syscall, wchan, fd.",
        "Press any key.", NULL };
    int h = 15, w = 72, y0 = (LINES - h) / 2, x0 = (COLS - w) / 2;
    for (int k = 0; k < h; k++)
        put(y0 + k, x0, w, A_REVERSE, "");
    for (int k = 0; lines[k]; k++)
        put(y0 + 1 + k, x0 + 2, w - 4, A_REVERSE | (k == 0 ? A_BOLD : 0), lines[k]);
}

/* The narration area's looks: each kind its colour, and its word (ok,
 * FAILED) for NO_COLOR. */
static attr_t story_look(enum story_kind k)
{
    switch (k) {
    case ST_OK: return look(C_RUN, A_NORMAL);
    case ST_FAILED: case ST_ERROR: return look(C_DEAD, A_NORMAL) | A_BOLD;
    case ST_END: return (R.failed ? look(C_DEAD, A_NORMAL) : look(C_RUN, A_NORMAL)) | A_BOLD;
    default: return A_BOLD;
    }
}

static void draw(void)
{
    char buf[600];
    char done[96];              /* the seed: a run seen on screen can be replayed */
    snprintf(done, sizeof done, "finished: %d passed, %d failed (seed %lld)",
             R.expects - R.failed, R.failed, R.seed);
    const char *st = R.errored ? "error" : R.wait == W_DONE ? done
                   : R.wait == W_PAUSE ? "paused: press space" : "running";

    erase();
    if (COLS < MIN_COLS || LINES < MIN_LINES) {
        snprintf(buf, sizeof buf, "Enlarge the terminal to at least %dx%d (it is %dx%d).",
                 MIN_COLS, MIN_LINES, COLS, LINES);
        mvprintw(LINES / 2, 0, "%.*s", COLS, buf);
        mvprintw(LINES / 2 + 1, 0, "%.*s", COLS, "q quits.");
        refresh();
        return;
    }
    char right[96];
    snprintf(right, sizeof right, "  %s  %5.1fs ", st, now() - R.t0);
    int rw = (int)strlen(right);
    snprintf(buf, sizeof buf, " ipclab  %s%s%s", R.lesson, R.lesson[0] ? "  " : "", R.title);
    put(0, 0, COLS - rw, look(C_TITLE, A_REVERSE) | A_BOLD, buf);
    put(0, COLS - rw, rw, look(C_TITLE, A_REVERSE) | A_BOLD, right);
    int y = draw_procs(1);
    mvhline(y++, 0, ACS_HLINE, COLS);
    y = draw_chans(y);
    int said = LINES >= 40 ? 6 : 3;         /* the narration area's lines */
    int rows = LINES - 2 - said - y;
    if (rows > 2)
        draw_timeline(y, rows);
    mvhline(LINES - 2 - said, 0, ACS_HLINE, COLS);
    story_draw(LINES - 1 - said, said, COLS, story_look);
    put(LINES - 1, 0, COLS, look(C_KEY, A_REVERSE),
        " space go/step  tab next  s stop  k kill  r restart  Up/Dn said  ? help  q quit");
    if (help)
        draw_help();
    refresh();
}

static void key(int ch)
{
    int idx[MAX_PROCS], n = nprocs(idx);
    struct proc *p = &R.procs[selected];

    if (help) {
        help = 0;
        return;
    }
    switch (ch) {
    case ' ':
        if (R.wait == W_PAUSE)
            R.go = 1;
        else if (p->used && p->step_fd >= 0 && p->step_waiting && R.wait != W_STEP)
            proc_step_go(selected);
        break;
    case '\t':
        for (int k = 0; k < n; k++)
            if (idx[k] == selected) {
                selected = idx[(k + 1) % n];
                return;
            }
        selected = n ? idx[0] : 0;
        break;
    case 's':
        if (p->used && !p->exited)
            proc_signal(selected, p->state == PS_STOPPED ? SIGCONT : SIGSTOP);
        break;
    case 'k':
        if (p->used && !p->exited)
            proc_signal(selected, SIGKILL);
        break;
    case 'r':
        R.restart = 1;
        break;
    case KEY_UP:
        story_scroll(-1);
        break;
    case KEY_DOWN:
        story_scroll(+1);
        break;
    case '?':
        help = 1;
        break;
    }
}

/* While the scenario file loads (it may block: a FIFO): say so. */
void ui_loading(const char *path)
{
    char buf[600];
    if (!up)
        return;
    erase();
    snprintf(buf, sizeof buf, " ipclab  loading %s ...", path);
    put(0, 0, COLS, look(C_TITLE, A_REVERSE) | A_BOLD, buf);
    put(LINES - 1, 0, COLS, look(C_KEY, A_REVERSE), " q quit");
    refresh();
}

/* Draw, then handle what was typed. Returns 1 to end the run. */
int ui_frame(void)
{
    int ch;

    while ((ch = getch()) != ERR) {
        if (ch == 'q' || ch == 'Q')
            return 1;
        if (ch != KEY_RESIZE)
            key(ch);
        if (R.restart)
            return 1;
    }
    draw();
    return 0;
}
