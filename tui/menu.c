/* menu.c - the lessons under lessons/: each README's first heading and
 * first paragraph, its scenarios (with their titles) and exercises. Shown
 * as a menu on screen (`ipclab`) or as text (`ipclab list`). */
#include "ipclab.h"

#include <curses.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LESSONS 32
#define MAX_SCEN 16

struct lesson {
    char dir[64], title[96], summary[400];
    char scen[MAX_SCEN][64], stitle[MAX_SCEN][96], sabout[MAX_SCEN][300];
    int nscen, nex;
    int scen_errno;             /* scenarios/ could not be read: why (not ENOENT) */
};

static struct lesson lessons[MAX_LESSONS];
static int nlessons;

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_errno;          /* why the last list_dir found no folder */

/* Sorted entries of a directory, ending in suffix ("" for any). */
static int list_dir(const char *path, const char *suffix, char out[][64], int max)
{
    char *names[64];
    int n = 0;
    DIR *d = opendir(path);
    struct dirent *e;

    list_errno = d ? 0 : errno;

    while (d && (e = readdir(d)) != NULL && n < 64 && n < max) {
        size_t l = strlen(e->d_name), s = strlen(suffix);
        if (e->d_name[0] != '.' && l < 64 && l >= s && !strcmp(e->d_name + l - s, suffix))
            names[n++] = strdup(e->d_name);
    }
    if (d)
        closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp);
    for (int i = 0; i < n; i++) {
        scopy(out[i], 64, names[i]);
        free(names[i]);
    }
    return n;
}

/* The string after `key =` in the scenario's first 40 lines, without
 * running it: one literal, or several joined by `..` across lines (as
 * `about` often is). Escapes are not undone: the menu shows the text. */
static void scenario_field(const char *path, const char *key, char *out, size_t len)
{
    char line[512];
    FILE *f = fopen(path, "re");
    size_t n = 0;
    int in = 0;                             /* 1: after `key =`, 2: after `..` */
    out[0] = '\0';
    for (int k = 0; f && k < 40 && fgets(line, sizeof line, f); k++) {
        char *p = line;
        if (!in) {
            char *t = strstr(line, key);
            if (t == NULL || (t > line && (t[-1] == '_' || (t[-1] >= 'a' && t[-1] <= 'z'))))
                continue;
            p = t + strlen(key) + strspn(t + strlen(key), " ");
            if (*p++ != '=')
                continue;
            in = 1;
        }
        for (;;) {
            p += strspn(p, " \t\n");
            if (*p == '\0')
                break;                      /* the next line goes on */
            char *q2 = *p == '"' ? strchr(p + 1, '"') : NULL;
            if (q2 == NULL || in == 3)
                goto done;                  /* not a literal: the value ends */
            n += (size_t)snprintf(out + n, len - n, "%.*s", (int)(q2 - p - 1), p + 1);
            n = n < len ? n : len - 1;
            p = q2 + 1 + strspn(q2 + 1, " \t");
            if (strncmp(p, "..", 2) != 0)
                in = 3;                     /* a line starting with .. may go on */
            else
                p += 2, in = 2;
        }
        if (in == 3) {                      /* go on only if the next line starts with .. */
            long at = ftell(f);
            if (fgets(line, sizeof line, f) == NULL)
                break;
            char *q = line + strspn(line, " \t");
            fseek(f, at, SEEK_SET);
            if (strncmp(q, "..", 2) != 0)
                break;
            fseek(f, at + (long)(q - line) + 2, SEEK_SET);
            in = 2;
        }
    }
done:
    if (f)
        fclose(f);
}

static void read_readme(struct lesson *l, const char *path)
{
    char line[512];
    FILE *f = fopen(path, "re");
    int in_summary = 0;

    scopy(l->title, sizeof l->title, l->dir);
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, "# ", 2) && !in_summary && !l->summary[0]) {
            scopy(l->title, sizeof l->title, line + 2);
        } else if (line[0] == '\0') {
            if (in_summary)
                break;
        } else if (line[0] != '#' && l->title[0]) {
            in_summary = 1;
            size_t n = strlen(l->summary);
            snprintf(l->summary + n, sizeof l->summary - n, "%s%s", n ? " " : "", line);
        } else if (in_summary) {
            break;
        }
    }
    if (f)
        fclose(f);
}

/* The scenarios in the order the lesson's README teaches them: by the
 * first `ipclab run NN/NAME` naming each (the README is the one place the
 * order lives); those it does not name follow, by name. */
static void readme_order(struct lesson *l, const char *readme)
{
    char text[32768], pat[96];
    FILE *f = fopen(readme, "re");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    long at[MAX_SCEN];

    if (f)
        fclose(f);
    text[n] = '\0';
    for (int s = 0; s < l->nscen; s++) {
        snprintf(pat, sizeof pat, "ipclab run %.2s/%.*s", l->dir, (int)strlen(l->scen[s]) - 4,
                 l->scen[s]);
        const char *p = text;
        at[s] = LONG_MAX;
        while ((p = strstr(p, pat)) != NULL) {  /* whole name: not a prefix of another */
            char next = p[strlen(pat)];
            if (!(next == '-' || next == '_' || (next >= 'a' && next <= 'z') ||
                  (next >= '0' && next <= '9'))) {
                at[s] = p - text;
                break;
            }
            p += strlen(pat);
        }
    }
    for (int a = 1; a < l->nscen; a++)         /* insertion sort: stable */
        for (int b = a; b > 0 && at[b] < at[b - 1]; b--) {
            long t = at[b];
            char name[64];
            at[b] = at[b - 1], at[b - 1] = t;
            scopy(name, sizeof name, l->scen[b]);
            scopy(l->scen[b], sizeof l->scen[b], l->scen[b - 1]);
            scopy(l->scen[b - 1], sizeof l->scen[b - 1], name);
        }
}

/* ROOT/lessons/DIR/SUB */
static void lesson_path(char *out, size_t len, const char *dir, const char *sub)
{
    snprintf(out, len, "%s/lessons/%s/%s", R.root, dir, sub);
}

static void load_lessons(void)
{
    char dirs[MAX_LESSONS][64], path[1024], names[MAX_SCEN][64];

    snprintf(path, sizeof path, "%s/lessons", R.root);
    nlessons = list_dir(path, "", dirs, MAX_LESSONS);
    for (int i = 0; i < nlessons; i++) {
        struct lesson *l = &lessons[i];
        memset(l, 0, sizeof *l);
        scopy(l->dir, sizeof l->dir, dirs[i]);
        lesson_path(path, sizeof path, l->dir, "README.md");
        read_readme(l, path);
        lesson_path(path, sizeof path, l->dir, "scenarios");
        l->nscen = list_dir(path, ".lua", names, MAX_SCEN);
        l->scen_errno = list_errno == ENOENT ? 0 : list_errno;
        for (int s = 0; s < l->nscen; s++)
            scopy(l->scen[s], sizeof l->scen[s], names[s]);
        lesson_path(path, sizeof path, l->dir, "README.md");
        readme_order(l, path);
        for (int s = 0; s < l->nscen; s++) {
            scopy(names[s], sizeof names[s], l->scen[s]);
            char sub[80];
            snprintf(sub, sizeof sub, "scenarios/%s", names[s]);
            lesson_path(path, sizeof path, l->dir, sub);
            scenario_field(path, "title", l->stitle[s], sizeof l->stitle[s]);
            scenario_field(path, "about", l->sabout[s], sizeof l->sabout[s]);
        }
        lesson_path(path, sizeof path, l->dir, "exercises");
        l->nex = list_dir(path, "", names, MAX_SCEN);
    }
}

/* A lesson named briefly: its folder (01-pipes), number (01, 1) or topic
 * (pipes). */
static const struct lesson *find_lesson_named(const char *name, size_t n)
{
    for (int i = 0; i < nlessons; i++) {
        const char *d = lessons[i].dir, *topic = strchr(d, '-');
        char *end;
        long num = strtol(name, &end, 10);
        if ((strlen(d) == n && !strncmp(d, name, n)) ||
            (end == name + n && n > 0 && n <= 3 && num == strtol(d, NULL, 10) && topic) ||
            (topic && strlen(topic + 1) == n && !strncmp(topic + 1, name, n)))
            return &lessons[i];
    }
    return NULL;
}

/* ipclab run 01/empty-pipe: LESSON/NAME, the lesson by folder, number or
 * topic, the scenario by its file name with or without .lua. The path in
 * out; -1 with a message naming what is missing; -2 when brief is not of
 * that form (a path). */
static void scenario_names(const struct lesson *l, char *out, size_t len)
{
    size_t n = 0;
    out[0] = 0;
    for (int s = 0; s < l->nscen && n < len; s++)
        n += (size_t)snprintf(out + n, len - n, "%s%.*s", s ? ", " : "",
                              (int)strlen(l->scen[s]) - 4, l->scen[s]);
}

int brief_scenario(const char *brief, char *out, size_t len, char *why, size_t wlen)
{
    const char *slash = strchr(brief, '/');
    char names[400];
    load_lessons();
    if (slash == NULL) {                    /* a lesson alone: name its scenarios */
        const struct lesson *l = find_lesson_named(brief, strlen(brief));
        if (l == NULL)
            return -2;
        if (l->scen_errno) {
            snprintf(why, wlen, "%s: lessons/%s/scenarios: %s", brief, l->dir, strerror(l->scen_errno));
            return -1;
        }
        scenario_names(l, names, sizeof names);
        if (l->nscen == 0)
            snprintf(why, wlen, "%s: lesson %s has no scenarios", brief, l->dir);
        else
            snprintf(why, wlen, "%s: a lesson; run one of its scenarios: %s; for example: "
                     "%s run %s/%.*s", brief, names, R.argv0 ? R.argv0 : "ipclab", brief,
                     (int)strlen(l->scen[0]) - 4, l->scen[0]);
        return -1;
    }
    if (strchr(slash + 1, '/') || slash == brief || !slash[1])
        return -2;                          /* not LESSON/NAME: a path */
    const struct lesson *l = find_lesson_named(brief, (size_t)(slash - brief));
    if (l == NULL) {
        snprintf(why, wlen, "%s: no lesson '%.*s' (ipclab list shows them)", brief,
                 (int)(slash - brief), brief);
        return -1;
    }
    if (l->scen_errno) {
        snprintf(why, wlen, "%s: lessons/%s/scenarios: %s", brief, l->dir, strerror(l->scen_errno));
        return -1;
    }
    char name[80];
    snprintf(name, sizeof name, "%s%s", slash + 1,
             strlen(slash + 1) > 4 && !strcmp(slash + 1 + strlen(slash + 1) - 4, ".lua") ? "" : ".lua");
    for (int s = 0; s < l->nscen; s++)
        if (!strcmp(l->scen[s], name)) {
            char sub[96];
            snprintf(sub, sizeof sub, "scenarios/%s", name);
            lesson_path(out, len, l->dir, sub);
            return 0;
        }
    scenario_names(l, names, sizeof names);
    snprintf(why, wlen, "%s: lesson %s has no scenario '%s'; it has: %s; for example: %s run "
             "%.*s/%.*s", brief, l->dir, slash + 1, names, R.argv0 ? R.argv0 : "ipclab",
             (int)(slash - brief), brief, l->nscen ? (int)strlen(l->scen[0]) - 4 : 0,
             l->nscen ? l->scen[0] : "");
    return -1;
}

/* For the tour: how many lessons; lesson i's title, summary and number of
 * scenarios; whether it is the one named; its scenario s's path. */
int lesson_count(void)
{
    if (nlessons == 0)
        load_lessons();
    return nlessons;
}

int lesson_about(int i, const char **title, const char **summary)
{
    *title = lessons[i].title;
    *summary = lessons[i].summary;
    return lessons[i].nscen;
}

/* Why lesson i's scenarios cannot be listed, or NULL. */
const char *lesson_unreadable(int i)
{
    static char why[200];
    if (!lessons[i].scen_errno)
        return NULL;
    snprintf(why, sizeof why, "lessons/%s/scenarios: %s", lessons[i].dir,
             strerror(lessons[i].scen_errno));
    return why;
}

int lesson_is(int i, const char *name)
{
    return find_lesson_named(name, strlen(name)) == &lessons[i];
}

void lesson_scenario_path(int i, int s, char *out, size_t len)
{
    char sub[96];
    snprintf(sub, sizeof sub, "scenarios/%s", lessons[i].scen[s]);
    lesson_path(out, len, lessons[i].dir, sub);
}

int list_lessons(void)
{
    load_lessons();
    if (nlessons == 0) {
        complain("no lessons under %s/lessons\n", R.root);
        return 1;
    }
    setlocale(LC_CTYPE, "");                /* widths of the summaries' text */
    for (int i = 0; i < nlessons; i++) {
        struct lesson *l = &lessons[i];
        size_t skip;
        printf("%s\n", l->title);
        for (const char *t = l->summary; *t; ) {    /* wrapped at 78 cells */
            size_t n = wrap_cells(t, 76, &skip);
            printf("  %.*s\n", (int)n, t);
            t += n + skip;
            if (n == 0 && skip == 0)
                break;
        }
        if (l->scen_errno)
            printf("  (its scenarios cannot be listed: lessons/%s/scenarios: %s)\n", l->dir,
                   strerror(l->scen_errno));
        for (int s = 0; s < l->nscen; s++)
            printf("  %s run %.2s/%-18.*s %s\n", R.argv0, l->dir,
                   (int)strlen(l->scen[s]) - 4, l->scen[s], l->stitle[s][0] ? l->stitle[s] : l->scen[s]);
        if (l->nex)
            printf("  %d exercise%s: make grade LESSON=%.2s\n", l->nex, l->nex == 1 ? "" : "s", l->dir);
        printf("\n");
    }
    return 0;
}

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
    for (int i = 0; i < nlessons; i++)
        lw = cells(lessons[i].title) + 3 > lw ? cells(lessons[i].title) + 3 : lw;
    lw = lw < COLS * 9 / 20 ? lw : COLS * 9 / 20;
    for (int i = 0, y = 2; i < nlessons && y < bottom; i++)
        y = wrap(y, 1, lw - 2, bottom, lessons[i].title,
                 i == cur ? (focus == 0 ? A_REVERSE : A_BOLD) : A_NORMAL);
    if (nlessons > 0) {
        struct lesson *l = &lessons[cur];
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
        if (l->scen_errno && y < bottom)     /* not "no scenarios": why */
            y = wrap(y, x, w, bottom, lesson_unreadable(cur), A_BOLD) + 1;
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

    load_lessons();
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
        int ch = getch(), ns = nlessons ? lessons[cur].nscen : 0;
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
            char sub[80];
            snprintf(sub, sizeof sub, "scenarios/%s", lessons[cur].scen[scur]);
            lesson_path(path, len, lessons[cur].dir, sub);
            timeout(-1);
            nodelay(stdscr, TRUE);
            return 0;
        }
    }
    ui_stop();
    return 1;
}
