/* watch.c - `ipclab watch LESSON/EXERCISE`: grade the learner's file, show
 * each check (ok, or FAILED and why), and grade again every time the file
 * is saved: inotify on the exercise's folder (inotify(7)), so an editor
 * that writes a new file and renames it over the old one is seen too.
 * Keys: h the hint, r grade again, n the next exercise once this one
 * passes (never on its own), s the solution once it passes, q leave.
 * Grading is scripts/grade -v in a process group of its own; a new save,
 * r or q ends a grading still running (SIGTERM to the group, SIGKILL a
 * second later). */
#include <curses.h>     /* before ipclab.h */

#include "ipclab.h"
#include "lessons.h"
#include "ui.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define OUT_MAX 65536

static struct {
    int li, ei;                 /* the exercise watched */
    pid_t pid;                  /* the grading running, or 0 */
    int out;                    /* its output, or -1 */
    char text[OUT_MAX];         /* what it printed (the start, when more) */
    size_t len;
    int cut;                    /* it printed more than OUT_MAX: drained, not kept */
    char shown[OUT_MAX];        /* the hint or the solution */
    int passed, graded;         /* the last grading's verdict */
    double saved_at;            /* a save not graded yet (0: none) */
    double started;             /* when the grading running started */
    int view;                   /* 0 checks, 1 hint, 2 solution */
    int top, vtop;              /* first line shown: of the checks, of the view */
    char tmp[96];               /* the grading's TMPDIR, removed after it */
    char tmpdir[64];            /* the TMPDIR ipclab was given (or /tmp) */
} W;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(path) == -1 ? 0 : 0;
}

/* A grading's temporary files (bats' run folders), gone with it, even when
 * it was ended before its own clean-up ran. */
static void drop_tmp(void)
{
    if (W.tmp[0])
        nftw(W.tmp, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    W.tmp[0] = '\0';
}

static const struct exercise *ex(void)
{
    return &lesson_at(W.li)->ex[W.ei];
}

static void stop_grading(void)
{
    if (W.pid <= 0)
        return;
    kill(-W.pid, SIGTERM);
    for (int k = 0; k < 100 && waitpid(W.pid, NULL, WNOHANG) == 0; k++)
        usleep(10000);
    kill(-W.pid, SIGKILL);                  /* what ignored SIGTERM */
    waitpid(W.pid, NULL, 0);
    W.pid = 0;
    if (W.out >= 0)
        close(W.out);
    W.out = -1;
    drop_tmp();
}

/* scripts/grade L/E -v, its output into W.text. */
static void start_grading(void)
{
    const struct lesson *l = lesson_at(W.li);
    char script[PATH_MAX + 32], which[160];
    int p[2];
    stop_grading();
    W.len = 0;
    W.cut = 0;
    W.text[0] = '\0';
    W.top = 0;
    W.graded = 0;
    W.saved_at = 0;
    W.started = now();
    snprintf(W.tmp, sizeof W.tmp, "%s/ipclab-watch.XXXXXX", W.tmpdir);
    if (mkdtemp(W.tmp) == NULL)
        W.tmp[0] = '\0';
    else
        setenv("TMPDIR", W.tmp, 1);         /* bats' run folders in there */
    snprintf(script, sizeof script, "%s/scripts/grade", R.root);
    snprintf(which, sizeof which, "%s/%s", l->dir, ex()->dir);
    if (pipe2(p, O_CLOEXEC) == -1)
        return;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawnattr_init(&at);
    posix_spawnattr_setpgroup(&at, 0);      /* its own group: ended whole */
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    char *argv[] = { script, which, "-v", NULL };
    setenv("NO_COLOR", "1", 1);             /* plain words: the screen colours them */
    int err = posix_spawn(&W.pid, script, &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(p[1]);
    if (err != 0) {
        W.pid = 0;
        close(p[0]);
        W.len = (size_t)snprintf(W.text, sizeof W.text, "%s: %s\n", script, strerror(err));
        W.graded = 1;
        return;
    }
    W.out = p[0];
    fcntl(W.out, F_SETFL, O_NONBLOCK);
}

/* Everything the pipe holds: kept while there is room, drained after (a
 * grading that prints a lot must never stall on a full pipe). */
static void drain(void)
{
    char skip[4096];
    ssize_t n;
    while (W.out >= 0) {
        size_t room = sizeof W.text - 1 - W.len;
        n = room ? read(W.out, W.text + W.len, room) : read(W.out, skip, sizeof skip);
        if (n <= 0)
            break;
        if (room)
            W.len += (size_t)n;
        else
            W.cut = 1;
    }
    W.text[W.len] = '\0';
}

/* What the grading printed so far; its verdict when it is over. */
static void read_grading(void)
{
    ssize_t n;
    drain();
    int ws, over = 0, st = 0;
    pid_t w;
    /* ipclab is a subreaper: a grading's orphans come back to it. */
    while ((w = waitpid(-1, &ws, WNOHANG)) > 0)
        if (w == W.pid)
            over = 1, st = ws;
    ws = st;
    if (W.pid > 0 && over) {
        drain();
        if (W.cut) {                        /* say so where it ends */
            static const char m[] = "\n(it printed more than is kept here: the rest is cut)\n";
            size_t at = W.len > sizeof m ? W.len - sizeof m : 0;
            memcpy(W.text + at, m, sizeof m);
            W.len = at + sizeof m - 1;
        }
        close(W.out);
        W.out = -1;
        W.pid = 0;
        W.graded = 1;
        W.passed = WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
        drop_tmp();
    }
    (void)n;
}

/* A file of the kit into W.shown (the hint, the solution): the last
 * grading stays as it was, for when the view closes. */
static void show_file(const char *sub, int view)
{
    char path[PATH_MAX + 200];
    const struct lesson *l = lesson_at(W.li);
    snprintf(path, sizeof path, "%s/lessons/%s/%s", R.root, l->dir, sub);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    size_t len = 0;
    while (fd != -1 && (n = read(fd, W.shown + len, sizeof W.shown - 1 - len)) > 0)
        len += (size_t)n;
    if (fd == -1)
        len = (size_t)snprintf(W.shown, sizeof W.shown, "%s: %s\n", path, strerror(errno));
    else
        close(fd);
    W.shown[len] = '\0';
    W.view = view;
    W.vtop = 0;
}

/* One line of the text (n bytes at s) at row y, long lines wrapped at
 * display cells with the rest indented under their start; with draw 0 it
 * only counts. Returns the rows it takes (drawn down to the screen's last
 * text row). */
static int text_line(const char *s, size_t n, int y, int draw)
{
    char buf[512];
    /* A learner's program wrote some of it: shown, never obeyed. */
    snprintf(buf, sizeof buf, "%.*s", (int)(n < sizeof buf - 1 ? n : sizeof buf - 1), s);
    for (char *c = buf; *c; c++)
        *c = *c == '\t' ? ' ' : *c;
    clean_text(buf, 0);
    int failed = draw && W.view == 0 && !strncmp(buf, "       - ", 9);
    int indent = (int)strspn(buf, " ") + 2, w = COLS, at = 0, rows = 0;
    size_t skip;
    if (failed) attron(A_BOLD);
    for (const char *t = buf; *t; at = indent, w = COLS - indent) {
        size_t k = wrap_cells(t, w > 10 ? w : 10, &skip);
        if (draw && y + rows < LINES - 1)
            mvprintw(y + rows, at, "%.*s", (int)k, t);
        rows++;
        t += k + skip;
        if (k == 0 && skip == 0)
            break;
    }
    if (!buf[0])
        rows++;
    if (failed) attroff(A_BOLD);
    return rows;
}

/* The last top line worth scrolling to: from it the rest of the text, as
 * wrapped on screen, just fills the rows below the header (a line further
 * shows nothing new). */
static int last_top(const char *text)
{
    int lines = 0, avail = LINES - 5;
    for (const char *s = text; *s; lines++)
        s += strcspn(s, "\n") + (s[strcspn(s, "\n")] == '\n');
    int *rows = calloc((size_t)lines + 1, sizeof *rows), i = 0;
    if (!rows)
        return lines;
    for (const char *s = text; *s; i++) {
        size_t n = strcspn(s, "\n");
        rows[i] = text_line(s, n, 0, 0);
        s += n + (s[n] == '\n');
    }
    int top = lines, below = 0;
    while (top > 0 && below + rows[top - 1] <= avail)
        below += rows[--top];
    free(rows);
    return top;
}

static void draw(void)
{
    const struct lesson *l = lesson_at(W.li);
    const struct exercise *x = ex();
    char buf[512], grading[120];
    erase();
    /* A check waits for what the kernel shows; one that never comes, or a
     * program that loops, is given up on within seconds: say it runs. */
    snprintf(grading, sizeof grading, "grading... %.0f s (a save grades again from the start)",
             now() - W.started);
    /* "02/01" says which exercise: its title without "Exercise 01 · ". */
    const char *title = x->title, *dot = strstr(title, " \xc2\xb7 ");
    if (strncmp(title, "Exercise ", 9) == 0 && dot)
        title = dot + 4;
    snprintf(buf, sizeof buf, " ipclab watch  %.2s/%.2s  %s", l->dir, x->dir, title);
    put(0, 0, COLS, A_REVERSE | A_BOLD, buf);   /* cut at a character, with "..." */
    snprintf(buf, sizeof buf, " edit lessons/%s/exercises/%s/%s", l->dir, x->dir, x->edit);
    mvprintw(1, 0, "%.*s", COLS, buf);
    const char *state = W.view == 1 ? "the hint (Up/Down scroll, any other key but q goes back)"
                      : W.view == 2 ? "the reference solution (Up/Down scroll, other keys go back)"
                      : W.pid > 0 ? grading : !W.graded ? "" : W.passed
                      ? "PASSED: n goes on to the next exercise, s shows the solution"
                      : "FAILED: fix what it says and save: each save is graded";
    attron(W.view == 0 && W.graded ? (W.passed ? A_BOLD : A_BOLD | A_REVERSE) : A_BOLD);
    mvprintw(2, 0, " %.*s", COLS - 1, state);
    attroff(A_BOLD | A_REVERSE);
    /* The text from its line W.top (text_line wraps long lines). */
    int y = 4, line = 0, top = W.view ? W.vtop : W.top;
    for (const char *s = W.view ? W.shown : W.text; *s && y < LINES - 1; line++) {
        size_t n = strcspn(s, "\n");
        if (line >= top)
            y += text_line(s, n, y, 1);
        s += n + (s[n] == '\n');
    }
    attron(A_REVERSE);
    mvprintw(LINES - 1, 0, "%-*.*s", COLS, COLS, W.passed && W.graded ?
             " n next  s solution  h hint  r grade again  Up/Down scroll  q leave" :
             " h hint  r grade again  Up/Down scroll  q leave  (n and s open once it passes)");
    attroff(A_REVERSE);
    refresh();
}

/* The next exercise in the steps' order, across lessons; 0 when none. */
static int next_exercise(void)
{
    int seen = 0;
    for (int i = 0; i < lesson_count(); i++) {
        const struct lesson *l = lesson_at(i);
        for (int k = 0; k < l->nsteps; k++) {
            if (l->steps[k].kind != STEP_EXERCISE)
                continue;
            if (seen) {
                W.li = i, W.ei = l->steps[k].index;
                return 1;
            }
            seen = i == W.li && l->steps[k].index == W.ei;
        }
    }
    return 0;
}

static int watch_folder(int fd)
{
    char dir[PATH_MAX + 200];
    const struct lesson *l = lesson_at(W.li);
    snprintf(dir, sizeof dir, "%s/lessons/%s/exercises/%s", R.root, l->dir, ex()->dir);
    return inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE |
                                      IN_DELETE | IN_MOVED_FROM);
}

/* Was the learner's file written, renamed into place, deleted or renamed
 * away (then the grading says it is missing, not the last verdict)? */
static int file_saved(int fd)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;
    int saved = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *e = (const struct inotify_event *)p;
            if (e->len && !strcmp(e->name, ex()->edit) && !(e->mask & IN_CREATE))
                saved = 1;
            p += sizeof *e + e->len;
        }
    return saved;
}

/* Returns 0 when the user left with q, 128 + N for a stop signal, 3 when
 * it could not start. */
int watch_exercise(const char *brief)
{
    int sig_fd = signals_fd(), was_up = ui_is_up();
    char why[600];
    if (find_exercise(brief, &W.li, &W.ei, why, sizeof why) == -1) {
        complain("watch %s", why);
        return 3;
    }
    if (!ex()->edit[0]) {
        complain("watch %s: its steps line names no file to edit", brief);
        return 3;
    }
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC), wd = in == -1 ? -1 : watch_folder(in);
    if (wd == -1) {
        complain("watch %s: inotify: %s", brief, strerror(errno));
        return 3;
    }
    if (ui_start() == -1) {
        const struct lesson *l = lesson_at(W.li);
        complain("watch %s: needs a terminal; without one: make grade LESSON=%.2s/%.2s", brief,
                 l->dir, ex()->dir);
        return 3;
    }
    W.out = -1;
    const char *given = getenv("TMPDIR");
    scopy(W.tmpdir, sizeof W.tmpdir, given && *given == '/' && strlen(given) < sizeof W.tmpdir
                                     ? given : "/tmp");
    start_grading();
    int status = 0;
    for (;;) {
        read_grading();
        draw();
        struct pollfd fds[4] = { { STDIN_FILENO, POLLIN, 0 }, { in, POLLIN, 0 },
                                 { sig_fd, POLLIN, 0 }, { W.out, POLLIN, 0 } };
        poll(fds, W.out >= 0 ? 4 : 3, 100);
        while (signals_next())
            ;
        if (stop_requested()) {
            status = 128 + stop_requested();
            break;
        }
        if (file_saved(in))
            W.saved_at = now();
        /* A save settles for 0.2 s (an editor may write more than once). */
        if (W.saved_at && now() - W.saved_at > 0.2 && W.view == 0)
            start_grading();
        int ch = getch();
        if (ch == ERR)
            continue;
        if (ch == 'q' || ch == 'Q')
            break;
        int *top = W.view ? &W.vtop : &W.top;
        int last = last_top(W.view ? W.shown : W.text);
        if (ch == KEY_UP || ch == KEY_PPAGE || ch == KEY_HOME) {
            *top = ch == KEY_HOME ? 0 : *top - (ch == KEY_UP ? 1 : LINES - 6);
            *top = *top < 0 ? 0 : *top;
        } else if (ch == KEY_DOWN || ch == KEY_NPAGE || ch == KEY_END) {
            *top = ch == KEY_END ? last : *top + (ch == KEY_DOWN ? 1 : LINES - 6);
            *top = *top > last ? (last > 0 ? last : 0) : *top;
        } else if (W.view != 0) {           /* back to the checks, as they were */
            W.view = 0;
        } else if (ch == 'h') {
            char sub[160];
            snprintf(sub, sizeof sub, "exercises/%s/HINT.md", ex()->dir);
            show_file(sub, 1);
        } else if (ch == 'r') {
            start_grading();
        } else if (ch == 's' && W.graded && W.passed) {
            char sub[200];
            snprintf(sub, sizeof sub, "solutions/%s/%s", ex()->dir, ex()->edit);
            show_file(sub, 2);
        } else if (ch == 'n' && W.graded && W.passed) {
            if (!next_exercise()) {
                W.len = (size_t)snprintf(W.text, sizeof W.text, "This was the last exercise: "
                                         "all of them are behind you. q leaves.\n");
                continue;
            }
            inotify_rm_watch(in, wd);
            wd = watch_folder(in);
            W.passed = 0;
            start_grading();
        }
    }
    stop_grading();
    close(in);
    if (!was_up)                            /* from the menu: it stays */
        ui_stop();
    return status;
}
