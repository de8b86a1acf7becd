/* menu.c - the lesson menu on screen (`ipclab`): the lessons on the left,
 * the chosen one's summary and steps on the right (lessons.c reads them). */
#include "ipclab.h"
#include "lessons.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

/* Wrap text into width w (display cells) starting at row y, each line in
 * attribute a; returns the next row. */
static int wrap(int y, int x, int w, int maxy, const char *text, attr_t a)
{
    const char *s = text;
    size_t skip;
    attron(a);
    while (*s && y < maxy) {
        size_t n = wrap_cells(s, w, &skip);
        mvprintw(y++, x, "%.*s", (int)n, s);
        s += n + skip;
    }
    attroff(a);
    return y;
}

/* How many lines text takes wrapped into w cells. */
static int lines_of(const char *text, int w)
{
    int n = 0;
    size_t skip;
    for (const char *s = text; *s; n++)
        s += wrap_cells(s, w, &skip) + skip;
    return n;
}

/* Display cells of s (its characters: UTF-8 "·" is one). */
static int cells(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Step k of lesson li as the menu shows it: a scenario's title, or an
 * exercise's mark and title ("[done] Exercise 01 · ..."). */
static void step_label(int li, int k, char *out, size_t len)
{
    const struct lesson *l = lesson_at(li);
    int s = l->steps[k].index;
    if (l->steps[k].kind == STEP_SCENARIO) {
        snprintf(out, len, "%s", l->stitle[s][0] ? l->stitle[s] : l->scen[s]);
    } else {
        char mark[32];
        const char *t = l->ex[s].title;
        exercise_mark(li, s, mark, sizeof mark);
        if (!strncmp(t, "Exercise ", 9))      /* the mark says it is one */
            t += 9;
        snprintf(out, len, "%s %s", mark, t);
    }
}

/* The lessons on the left, each title whole (wrapped if it must be); the
 * chosen lesson on the right: with the lessons in focus its summary and
 * steps, with the steps in focus the steps and what the chosen one is (a
 * scenario's about text; an exercise's file and commands). */
static void draw_menu(int cur, int scur, int focus)
{
    char label[256], head[160];
    erase();
    if (COLS < 80 || LINES < 24) {
        char msg[96];
        snprintf(msg, sizeof msg, "Enlarge the terminal to at least 80x24 (it is %dx%d). q quits.",
                 COLS, LINES);
        say_too_small(msg);
        return;
    }
    int li, step, done, all;
    exercise_resume(&li, &step, &done, &all);
    snprintf(head, sizeof head, " ipclab  lessons: Linux IPC between C and Python");
    if (all)
        snprintf(head + strlen(head), sizeof head - strlen(head), "   %d of %d exercises done",
                 done, all);
    attron(A_REVERSE | A_BOLD);
    mvprintw(0, 0, "%-*.*s", COLS, COLS, head);
    attroff(A_REVERSE | A_BOLD);
    int lw = 0, bottom = LINES - 2;
    int nlessons = lesson_count();
    for (int i = 0; i < nlessons; i++)
        lw = cells(lesson_at(i)->title) + 3 > lw ? cells(lesson_at(i)->title) + 3 : lw;
    lw = lw < COLS * 9 / 20 ? lw : COLS * 9 / 20;
    for (int i = 0, y = 2; i < nlessons && y < bottom; i++)
        y = wrap(y, 1, lw - 2, bottom, lesson_at(i)->title,
                 i == cur ? (focus == 0 ? A_REVERSE : A_BOLD) : A_NORMAL);
    if (nlessons > 0) {
        const struct lesson *l = lesson_at(cur);
        int x = lw + 1, w = COLS - x - 1;
        int y = wrap(2, x, w, bottom, l->title, A_BOLD) + 1;
        if (focus == 0) {
            /* The steps' titles whole; the summary gets what is left, cut
             * with "..." when it must be (enter shows the steps). */
            int need = 1, room;
            for (int k = 0; k < l->nsteps; k++) {
                step_label(cur, k, label, sizeof label);
                need += lines_of(label, w - 1);
            }
            room = bottom - y - 1 - need;
            int sum = lines_of(l->summary, w);
            if (room >= 1) {
                y = wrap(y, x, w, y + (sum < room ? sum : room), l->summary, A_NORMAL);
                if (sum > room)
                    mvprintw(y - 1, x + w - 3, "...");
                y++;
            }
        }
        if (l->scen_errno && y < bottom)     /* not "no scenarios": why */
            y = wrap(y, x, w, bottom, lesson_unreadable(cur), A_BOLD) + 1;
        char about[400] = "";
        if (focus == 1 && l->nsteps) {
            int s = l->steps[scur].index;
            if (l->steps[scur].kind == STEP_SCENARIO)
                snprintf(about, sizeof about, "%s", l->sabout[s]);
            else
                snprintf(about, sizeof about, "Edit %s (exercises/%s); enter grades it at "
                         "each save", l->ex[s].edit, l->ex[s].dir);
        }
        if (y < bottom)
            mvprintw(y++, x, "Scenarios and exercises, in order:");
        /* The chosen step and its about text in view: the list starts
         * later ("...") when both do not fit below it. */
        int room = bottom - y - (about[0] ? lines_of(about, w) + 1 : 0), from = 0;
        for (;;) {
            int need = (from > 0) + (scur + 1 < l->nsteps);   /* the "..." lines */
            for (int k = from; k <= scur && k < l->nsteps; k++) {
                step_label(cur, k, label, sizeof label);
                need += lines_of(label, w - 1);
            }
            if (need <= room || from >= scur)
                break;
            from++;
        }
        if (from > 0 && y < bottom)
            mvprintw(y++, x + 1, "...");
        int end = bottom - (about[0] ? lines_of(about, w) + 1 : 0);
        for (int k = from; k < l->nsteps; k++) {
            step_label(cur, k, label, sizeof label);
            /* A title whole or not at all: the rest are counted. */
            if (y + lines_of(label, w - 1) > end - (k + 1 < l->nsteps)) {
                if (y < end)
                    mvprintw(y++, x + 1, focus == 1 ? "... %d more (down)"
                                                     : "... %d more (enter, then up/down)",
                             l->nsteps - k);
                break;
            }
            y = wrap(y, x + 1, w - 1, bottom, label, focus == 1 && k == scur ? A_REVERSE : A_NORMAL);
        }
        if (about[0])
            y = wrap(y + 1, x, w, bottom, about, A_DIM);
    } else {
        mvprintw(2, 1, "No lessons found under %.*s/lessons.", COLS - 40, R.root);
    }
    attron(A_REVERSE);
    mvprintw(LINES - 1, 0, "%-*.*s", COLS, COLS, focus == 0 ?
             " up/down choose  enter/right its steps  q quit" :
             " up/down choose  enter run it (an exercise: watch it)  left lessons  q quit");
    attroff(A_REVERSE);
    refresh();
}

/* Returns 0 with a scenario's path, 1 when the user quit, 2 when there is
 * no terminal. An exercise chosen is watched (watch.c) and the menu comes
 * back. The first time, it opens on the first exercise not done, once
 * any was graded (resume where you left off). */
int menu_choose(char *path, size_t len)
{
    static int cur, scur, focus, opened;

    lesson_count();                         /* read them */
    int li, step, done, all;
    if (!opened++ && exercise_resume(&li, &step, &done, &all) == 0)
        cur = li, scur = step, focus = 1;
    if (ui_start() == -1) {
        complain("cannot open the terminal (TERM=%s); "
                        "try: ipclab list, ipclab run FILE.lua --headless\n",
                getenv("TERM") ? getenv("TERM") : "unset");
        return 2;
    }
    nodelay(stdscr, FALSE);
    timeout(100);                           /* a stop signal is seen within 0.1 s */
    for (;;) {
        draw_menu(cur, scur, focus);
        int nlessons = lesson_count();
        int ch = getch(), ns = nlessons ? lesson_at(cur)->nsteps : 0;
        if (ch == 'q' || ch == 'Q' || stop_requested())
            break;
        if (ch == ERR || COLS < 80 || LINES < 24)   /* too small: only q acts */
            continue;
        if (ch == KEY_UP && focus == 0 && cur > 0) cur--, scur = 0;
        else if (ch == KEY_DOWN && focus == 0 && cur + 1 < nlessons) cur++, scur = 0;
        else if (ch == KEY_UP && focus == 1 && scur > 0) scur--;
        else if (ch == KEY_DOWN && focus == 1 && scur + 1 < ns) scur++;
        else if (ch == KEY_LEFT) focus = 0, scur = 0;
        else if ((ch == KEY_RIGHT || ch == '\n' || ch == '\r' || ch == KEY_ENTER) && focus == 0 && ns)
            focus = 1;
        else if ((ch == '\n' || ch == '\r' || ch == KEY_ENTER) && focus == 1) {
            const struct lesson *l = lesson_at(cur);
            if (l->steps[scur].kind == STEP_EXERCISE) {
                char brief[16];
                snprintf(brief, sizeof brief, "%.2s/%.2s", l->dir, l->ex[l->steps[scur].index].dir);
                watch_exercise(brief);
                timeout(100);
                continue;
            }
            lesson_scenario_path(cur, l->steps[scur].index, path, len);
            timeout(-1);
            nodelay(stdscr, TRUE);
            return 0;
        }
    }
    ui_stop();
    return 1;
}
