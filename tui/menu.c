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

/* The lessons on the left, each title whole (wrapped if it must be); the
 * chosen lesson on the right: with the lessons in focus its summary and
 * scenarios, with the scenarios in focus the scenarios and the chosen
 * one's about text. */
static void draw_menu(int cur, int scur, int focus)
{
    erase();
    if (COLS < 80 || LINES < 24) {
        char msg[80];
        snprintf(msg, sizeof msg, "Enlarge the terminal to at least 80x24 (it is %dx%d).", COLS, LINES);
        mvprintw(LINES / 2, 0, "%.*s", COLS, msg);
        mvprintw(LINES / 2 + 1, 0, "%.*s", COLS, "q quits.");
        refresh();
        return;
    }
    attron(A_REVERSE | A_BOLD);
    mvprintw(0, 0, "%-*.*s", COLS, COLS, " ipclab  lessons: Linux IPC between C and Python");
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
            /* The scenarios' titles whole; the summary gets what is left,
             * cut with "..." when it must be (enter shows the scenarios). */
            int need = 1 + (l->nex ? 2 : 0), room;
            for (int s = 0; s < l->nscen; s++)
                need += lines_of(l->stitle[s][0] ? l->stitle[s] : l->scen[s], w - 1);
            room = bottom - y - 1 - need;
            int sum = lines_of(l->summary, w);
            if (room >= 1) {
                y = wrap(y, x, w, y + (sum < room ? sum : room), l->summary, A_NORMAL);
                if (sum > room)
                    mvprintw(y - 1, x + w - 3, "...");
                y++;
            }
        }
        if (y < bottom)
            mvprintw(y++, x, "Scenarios (enter runs one):");
        for (int s = 0; s < l->nscen && y < bottom; s++)
            y = wrap(y, x + 1, w - 1, bottom, l->stitle[s][0] ? l->stitle[s] : l->scen[s],
                     focus == 1 && s == scur ? A_REVERSE : A_NORMAL);
        if (focus == 1 && l->nscen && l->sabout[scur][0])
            y = wrap(y + 1, x, w, bottom - 2, l->sabout[scur], A_DIM);
        if (l->nex && y + 1 < bottom)
            mvprintw(y + 1, x, "%d exercise%s: make grade LESSON=%.2s", l->nex,
                     l->nex == 1 ? "" : "s", l->dir);
    } else {
        mvprintw(2, 1, "No lessons found under %.*s/lessons.", COLS - 40, R.root);
    }
    attron(A_REVERSE);
    mvprintw(LINES - 1, 0, "%-*.*s", COLS, COLS, focus == 0 ?
             " up/down choose  enter/right scenarios  q quit" :
             " up/down choose  enter run it  left lessons  q quit");
    attroff(A_REVERSE);
    refresh();
}

/* Returns 0 with a scenario's path, 1 when the user quit, 2 when there is
 * no terminal. */
int menu_choose(char *path, size_t len)
{
    static int cur, scur, focus;

    lesson_count();                         /* read them */
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
        int ch = getch(), ns = nlessons ? lesson_at(cur)->nscen : 0;
        if (ch == 'q' || ch == 'Q' || stop_requested())
            break;
        if (ch == ERR || COLS < 80 || LINES < 24)   /* too small: only q acts */
            continue;
        if (ch == KEY_UP && focus == 0 && cur > 0) cur--, scur = 0;
        else if (ch == KEY_DOWN && focus == 0 && cur + 1 < nlessons) cur++, scur = 0;
        else if (ch == KEY_UP && focus == 1 && scur > 0) scur--;
        else if (ch == KEY_DOWN && focus == 1 && scur + 1 < ns) scur++;
        else if (ch == KEY_LEFT) focus = 0;
        else if ((ch == KEY_RIGHT || ch == '\n' || ch == '\r' || ch == KEY_ENTER) && focus == 0 && ns)
            focus = 1;
        else if ((ch == '\n' || ch == '\r' || ch == KEY_ENTER) && focus == 1) {
            lesson_scenario_path(cur, scur, path, len);
            timeout(-1);
            nodelay(stdscr, TRUE);
            return 0;
        }
    }
    ui_stop();
    return 1;
}
