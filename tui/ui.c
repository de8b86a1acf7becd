/* ui.c - the screen: the terminal, a frame's layout (title, the process
 * panes, the channels and the timeline from views.c, the narration area
 * from story.c, the keys) and the keys. It draws the model in R and never
 * changes it except through the keys (continue/step, signals, quit).
 * Terminal hygiene after htop's CRT.c: locale first, cbreak/noecho,
 * colours only when the terminal has them and NO_COLOR is unset, a clear
 * message below the minimum size, and the terminal restored on every exit
 * path, a crash included. */
#include <curses.h>     /* before ipclab.h: its drawing prototypes */

#include "ipclab.h"
#include "ui.h"

#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

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

/* The selection is a process by name: after r (a new run, new slots) the
 * same named process is selected again. Until the user picks one with
 * tab, it is the first live process in order of appearance. */
static char selected_name[64];
static int chosen;

static void follow_selection(void)
{
    int idx[MAX_PROCS], n = nprocs(idx);
    if (!chosen) {
        for (int k = 0; k < n; k++)
            if (!R.procs[idx[k]].exited) {
                selected = idx[k];
                return;
            }
        if (n && !R.procs[selected].used)
            selected = idx[0];
        return;
    }
    const struct proc *p = &R.procs[selected];
    if (p->used && !strcmp(p->name, selected_name))
        return;
    for (int i = 0; i < MAX_PROCS; i++)
        if (R.procs[i].used && !strcmp(R.procs[i].name, selected_name)) {
            selected = i;
            return;
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
        "  o       the selected process's whole output (a pane shows its end)",
        "  r       restart the scenario",
        "  Up/Down scroll what was said and checked (ok, FAILED)",
        "  PgUp/PgDn, Home/End  scroll the timeline (End: follow it again)",
        "  ? or h  this help (any key closes it)",
        "  q       quit (everything is cleaned up)",
        "",
        "States come from the kernel: /proc/PID/stat, syscall, wchan, fd.",
        "Timeline: --> sent  <-- received  x failed  || held  : state  ~ note",
        "Signals (/proc/PID/status): pending: the process's | a thread's;",
        "  queued: all its user's; then blocked, caught, ignored (no SIG)",
        "Press any key.", NULL };
    int h = 21, w = 74, y0 = (LINES - h) / 2, x0 = (COLS - w) / 2;
    for (int k = -1; k <= h; k++)           /* its rows whole: no bits of the screen */
        put(y0 + k, 0, COLS, A_NORMAL, "");
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
    if (outview_is_open()) {
        erase();
        outview_draw();
        refresh();
        return;
    }
    char done[96];              /* the seed: a run seen on screen can be replayed */
    snprintf(done, sizeof done, "finished: %d passed, %d failed (seed %lld)",
             R.expects - R.failed, R.failed, R.seed);
    char held[96] = "";         /* a process the user stopped holds the run */
    for (int i = 0; i < MAX_PROCS && !held[0]; i++)
        if (R.procs[i].used && !R.procs[i].exited && R.procs[i].user_stopped)
            snprintf(held, sizeof held, "%.40s stopped: s continues it", R.procs[i].name);
    const char *st = R.errored ? "error" : R.wait == W_DONE ? done
                   : held[0] ? held
                   : R.wait == W_PAUSE ? "paused: press space" : "running";

    follow_selection();
    erase();
    if (COLS < MIN_COLS || LINES < MIN_LINES) {
        /* In as many rows as it takes: the size it needs is never cut. */
        snprintf(buf, sizeof buf, "Enlarge the terminal to at least %dx%d (it is %dx%d). q quits.",
                 MIN_COLS, MIN_LINES, COLS, LINES);
        say_too_small(buf);
        return;
    }
    /* The title whole: the longest heading that fits (the lesson's folder,
     * then its number, then the title alone). */
    const char *heads[] = { " ipclab  %s  %s", " %s  %s", " %.2s  %s", " %.0s%s" };
    for (size_t h = R.lesson[0] ? 0 : 3; h < 4; h++) {
        snprintf(buf, sizeof buf, heads[h], R.lesson, R.title);
        if ((int)strlen(buf) <= COLS)       /* titles are ASCII, or cut below */
            break;
    }
    put(0, 0, COLS, look(C_TITLE, A_REVERSE) | A_BOLD, buf);
    int y = draw_procs(1, selected);        /* and the rule under them */
    y = draw_chans(y);
    /* The narration area: half of what is left under the channels (3 to
     * 10 lines), more when the current step's entries need it, leaving
     * the timeline its header and 2 rows. */
    int room = LINES - 2 - y, said = room / 2 < 3 ? 3 : room / 2 > 10 ? 10 : room / 2;
    int need = story_last_lines(COLS);
    need = need > 8 ? 8 : need;             /* a long step scrolls (Up) */
    if (need > said)
        said = need < room - 3 ? need : room - 3 > 3 ? room - 3 : 3;
    int rows = LINES - 2 - said - y;
    if (rows > 2)
        draw_timeline(y, rows);
    mvhline(LINES - 2 - said, 0, ACS_HLINE, COLS);
    static double stopped_at;                /* the clock stops when the run does */
    if (R.wait != W_DONE && !R.errored)
        stopped_at = 0;
    else if (stopped_at == 0)
        stopped_at = now();
    snprintf(buf, sizeof buf, " %.1fs  %s ", (stopped_at ? stopped_at : now()) - R.t0, st);   /* the run's clock, its state */
    put(LINES - 2 - said, 2, (int)strlen(buf), look(C_TITLE, A_REVERSE) | A_BOLD, buf);
    if (timeline_newer() > 0) {             /* scrolled back: the way back, right */
        char more[64];
        snprintf(more, sizeof more, " %lu newer: PgDn, End ", timeline_newer());
        /* Left of the narration's own mark when it is scrolled too. */
        char mark[48];
        int story = story_newer_mark(mark, sizeof mark);
        story += story > 0;
        if ((int)(strlen(buf) + strlen(more)) + 4 + story < COLS)
            put(LINES - 2 - said, COLS - (int)strlen(more) - 1 - story, (int)strlen(more), A_REVERSE, more);
    }
    story_draw(LINES - 1 - said, said, COLS, story_look);
    put(LINES - 1, 0, COLS, look(C_KEY, A_REVERSE),
        " space go/step  tab next  s stop  k kill  o output  Up/Dn said  ? help  q quit");
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
    if (outview_is_open()) {
        outview_key(ch);
        return;
    }
    switch (ch) {
    case ' ':
        if (R.wait == W_PAUSE) {
            R.go = 1;
            while (story_scrolled() > 0)    /* going on: show what comes next */
                story_scroll(+1);
        } else if (p->used && p->step_fd >= 0 && p->step_waiting && R.wait != W_STEP)
            proc_step_go(selected);
        break;
    case '\t':
        for (int k = 0; k < n; k++)
            if (idx[k] == selected) {
                selected = idx[(k + 1) % n];
                scopy(selected_name, sizeof selected_name, R.procs[selected].name);
                chosen = 1;
                return;
            }
        selected = n ? idx[0] : 0;
        scopy(selected_name, sizeof selected_name, R.procs[selected].name);
        chosen = n > 0;
        break;
    case 's':
        if (p->used && !p->exited) {
            int stop = !p->user_stopped && p->state != PS_STOPPED;
            if (proc_signal(selected, stop ? SIGSTOP : SIGCONT) == 0) {
                char said[160];
                p->user_stopped = stop;
                /* Said, as k is: the narration and the transcript show it. */
                snprintf(said, sizeof said, stop ? "(You stopped %s with s: SIGSTOP. s again "
                         "continues it: SIGCONT.)" : "(You continued %s with s: SIGCONT.)",
                         p->name);
                tlog("say %s", said);
                story_add(ST_SAY, said);
            }
        }
        break;
    case 'k':
        if (p->used && !p->exited && proc_signal(selected, SIGKILL) == 0) {
            char said[160];
            p->user_killed = 1;
            /* What the scenario says next was written for a run where it lives. */
            snprintf(said, sizeof said, "(You killed %s with k: from here on the scenario may "
                     "describe a run where it lives.)", p->name);
            tlog("say %s", said);
            story_add(ST_SAY, said);
        }
        break;
    case 'o':
        if (p->used)
            outview_open(selected);
        break;
    case 'r':
        R.restart = 1;
        break;
    case KEY_PPAGE:
        timeline_scroll(SCROLL_UP);
        break;
    case KEY_NPAGE:
        timeline_scroll(SCROLL_DOWN);
        break;
    case KEY_HOME:
        timeline_scroll(SCROLL_HOME);
        break;
    case KEY_END:
        timeline_scroll(SCROLL_END);
        break;
    case KEY_UP:
        story_scroll(-1);
        break;
    case KEY_DOWN:
        story_scroll(+1);
        break;
    case '?': case 'h':
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
        /* On the help or the output view, q closes it. */
        if ((ch == 'q' || ch == 'Q') && !help && !outview_is_open())
            return 1;
        /* Too small, nothing is shown: no key but q acts unseen. */
        if (ch != KEY_RESIZE && COLS >= MIN_COLS && LINES >= MIN_LINES)
            key(ch);
        if (R.restart)
            return 1;
    }
    draw();
    return 0;
}

/* The too-small screen's message, centred, wrapped between words in as
 * many rows as it takes: the size it needs is never cut. */
void say_too_small(const char *text)
{
    int w = COLS > 0 ? COLS : 1, rows = 0;
    size_t skip;
    for (const char *t = text; *t; rows++) {
        size_t k = wrap_cells(t, w, &skip);
        t += k + skip;
        if (k == 0 && skip == 0)
            break;
    }
    int y = (LINES - rows) / 2 < 0 ? 0 : (LINES - rows) / 2;
    for (const char *t = text; *t && y < LINES; y++) {
        size_t k = wrap_cells(t, w, &skip);
        mvprintw(y, 0, "%.*s", (int)k, t);
        t += k + skip;
        if (k == 0 && skip == 0)
            break;
    }
    refresh();
}
