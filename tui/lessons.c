/* lessons.c - the lessons under lessons/, read from their files: each
 * README's first heading and first paragraph, and the `steps` file, the
 * one ordered list of the lesson's scenarios and exercises (each
 * exercise's folder, the file the learner edits, its hint HINT.md, the
 * scenario that runs the learner's file). The menu, `ipclab list`, the
 * tour and the grader (scripts/grade) all take the order from it.
 * docs/lesson-format.md says how to write one. */
#include "ipclab.h"
#include "lessons.h"

#include <dirent.h>
#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* ROOT/lessons/DIR/SUB */
static void lesson_path(char *out, size_t len, const char *dir, const char *sub)
{
    snprintf(out, len, "%s/lessons/%s/%s", R.root, dir, sub);
}

/* The first heading of an exercise's README, without "# ". */
static void first_heading(const char *path, char *out, size_t len)
{
    char line[256];
    FILE *f = fopen(path, "re");
    out[0] = '\0';
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "# ", 2)) {
            line[strcspn(line, "\n")] = '\0';
            scopy(out, len, line + 2);
            break;
        }
    if (f)
        fclose(f);
}

static int has_file(const struct lesson *l, const char *sub)
{
    char path[1024];
    lesson_path(path, sizeof path, l->dir, sub);
    return access(path, F_OK) == 0;
}

static void step_error(struct lesson *l, const char *fmt, const char *a, const char *b)
{
    if (!l->steps_error[0])                 /* the first fault is the one to fix */
        snprintf(l->steps_error, sizeof l->steps_error, fmt, a, b);
}

static int add_scenario(struct lesson *l, const char *name)
{
    if (l->nscen == MAX_SCEN || l->nsteps == 2 * MAX_SCEN)
        return -1;
    for (int s = 0; s < l->nscen; s++)
        if (!strcmp(l->scen[s], name))
            return 0;                       /* listed twice: once is enough */
    snprintf(l->scen[l->nscen], sizeof l->scen[0], "%s", name);
    l->steps[l->nsteps++] = (struct step){ STEP_SCENARIO, l->nscen++ };
    return 0;
}

static int add_exercise(struct lesson *l, const char *dir, const char *edit, const char *run)
{
    if (l->nex == MAX_SCEN || l->nsteps == 2 * MAX_SCEN)
        return -1;
    for (int e = 0; e < l->nex; e++)
        if (!strcmp(l->ex[e].dir, dir))
            return 0;
    struct exercise *x = &l->ex[l->nex];
    char sub[160];
    memset(x, 0, sizeof *x);
    scopy(x->dir, sizeof x->dir, dir);
    scopy(x->edit, sizeof x->edit, edit);
    scopy(x->run, sizeof x->run, run);
    snprintf(sub, sizeof sub, "exercises/%s/README.md", dir);
    char path[1024];
    lesson_path(path, sizeof path, l->dir, sub);
    first_heading(path, x->title, sizeof x->title);
    if (!x->title[0])
        scopy(x->title, sizeof x->title, dir);
    l->steps[l->nsteps++] = (struct step){ STEP_EXERCISE, l->nex++ };
    return 0;
}

/* lessons/DIR/steps: one step a line, in order; # starts a comment.
 *   scenario NAME                       scenarios/NAME.lua
 *   exercise FOLDER FILE [run=NAME]     exercises/FOLDER, FILE the learner's
 * What the folders hold and the file leaves out follows, by name, and
 * steps_error says so (a test keeps every lesson's list whole). */
static void read_steps(struct lesson *l)
{
    char path[1024], line[512], names[MAX_SCEN][64];
    lesson_path(path, sizeof path, l->dir, "steps");
    FILE *f = fopen(path, "re");
    if (f == NULL)
        step_error(l, "lessons/%s/steps: %s", l->dir, strerror(errno));
    for (int n = 1; f && fgets(line, sizeof line, f); n++) {
        char kind[16], name[64], edit[64], opt[80], sub[200], where[32];
        line[strcspn(line, "#\n")] = '\0';
        int k = sscanf(line, "%15s %63s %63s %79s", kind, name, edit, opt);
        snprintf(where, sizeof where, "steps:%d", n);
        if (k <= 0)
            continue;
        if (!strcmp(kind, "scenario") && k == 2) {
            snprintf(sub, sizeof sub, "scenarios/%s.lua", name);
            if (!has_file(l, sub))
                step_error(l, "%s: no file %s", where, sub);
            else
                snprintf(sub, sizeof sub, "%s.lua", name), add_scenario(l, sub);
        } else if (!strcmp(kind, "exercise") && (k == 3 || (k == 4 && !strncmp(opt, "run=", 4)))) {
            snprintf(sub, sizeof sub, "exercises/%s/%s", name, edit);
            char grader[200];               /* the learner may have deleted the file */
            snprintf(grader, sizeof grader, "exercises/%s/grade.bats", name);
            if (!has_file(l, sub) && !has_file(l, grader)) {
                step_error(l, "%s: no file %s", where, sub);
                continue;
            }
            add_exercise(l, name, edit, k == 4 ? opt + 4 : "");
            if (k == 4) {                   /* its scenario: a step right after it */
                snprintf(sub, sizeof sub, "scenarios/%s.lua", opt + 4);
                if (!has_file(l, sub))
                    step_error(l, "%s: no file %s", where, sub);
                else if (snprintf(sub, sizeof sub, "%s.lua", opt + 4), add_scenario(l, sub) == 0)
                    l->syours[l->nscen - 1] = 1;
            }
        } else {
            step_error(l, "%s: not a step: %s (scenario NAME, or exercise FOLDER FILE [run=NAME])",
                       where, line);
        }
    }
    if (f)
        fclose(f);
    /* Left out: after the rest, by name, so none is hidden. */
    lesson_path(path, sizeof path, l->dir, "scenarios");
    int n = list_dir(path, ".lua", names, MAX_SCEN);
    l->scen_errno = list_errno == ENOENT ? 0 : list_errno;
    for (int s = 0; s < n; s++) {
        int listed = 0;
        for (int t = 0; t < l->nscen; t++)
            listed |= !strcmp(l->scen[t], names[s]);
        if (!listed) {
            step_error(l, "steps: scenarios/%s is not listed%s", names[s], "");
            add_scenario(l, names[s]);
        }
    }
    lesson_path(path, sizeof path, l->dir, "exercises");
    n = list_dir(path, "", names, MAX_SCEN);
    for (int e = 0; e < n; e++) {
        int listed = 0;
        for (int t = 0; t < l->nex; t++)
            listed |= !strcmp(l->ex[t].dir, names[e]);
        if (!listed) {
            step_error(l, "steps: exercises/%s is not listed%s", names[e], "");
            add_exercise(l, names[e], "", "");
        }
    }
}

static void load_lessons(void)
{
    char dirs[MAX_LESSONS][64], path[1024];

    snprintf(path, sizeof path, "%s/lessons", R.root);
    nlessons = list_dir(path, "", dirs, MAX_LESSONS);
    for (int i = 0; i < nlessons; i++) {
        struct lesson *l = &lessons[i];
        memset(l, 0, sizeof *l);
        scopy(l->dir, sizeof l->dir, dirs[i]);
        lesson_path(path, sizeof path, l->dir, "README.md");
        read_readme(l, path);
        read_steps(l);
        for (int s = 0; s < l->nscen; s++) {
            char sub[96];
            snprintf(sub, sizeof sub, "scenarios/%s", l->scen[s]);
            lesson_path(path, sizeof path, l->dir, sub);
            scenario_field(path, "title", l->stitle[s], sizeof l->stitle[s]);
            scenario_field(path, "about", l->sabout[s], sizeof l->sabout[s]);
        }
    }
}

const struct lesson *lesson_at(int i)
{
    return i >= 0 && i < lesson_count() ? &lessons[i] : NULL;
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

/* An exercise named briefly: LESSON/EXERCISE, the lesson as for scenarios,
 * the exercise by its folder (02-safe-writer), number (02, 2) or topic
 * (safe-writer). Its
 * lesson's and its own index; -1 with a message naming what is missing. */
int find_exercise(const char *brief, int *li, int *ei, char *why, size_t wlen)
{
    const char *slash = strchr(brief, '/');
    load_lessons();
    const struct lesson *l = slash ? find_lesson_named(brief, (size_t)(slash - brief)) : NULL;
    if (slash == NULL || !slash[1] || strchr(slash + 1, '/')) {
        snprintf(why, wlen, "%s: name an exercise as LESSON/EXERCISE, as in 01/02", brief);
        return -1;
    }
    if (l == NULL) {
        snprintf(why, wlen, "%s: no lesson '%.*s' (ipclab list shows them)", brief,
                 (int)(slash - brief), brief);
        return -1;
    }
    const char *want = slash + 1;
    char *end;
    long num = strtol(want, &end, 10);
    for (int e = 0; e < l->nex; e++) {
        const char *d = l->ex[e].dir, *topic = strchr(d, '-');
        if (!strcmp(d, want) || (topic && !strcmp(topic + 1, want)) ||
            (*end == '\0' && end != want && num == strtol(d, NULL, 10))) {
            *li = (int)(l - lessons);
            *ei = e;
            return 0;
        }
    }
    size_t n = (size_t)snprintf(why, wlen, "%s: lesson %s has no exercise '%s'; it has:", brief,
                                l->dir, want);
    for (int e = 0; e < l->nex && n < wlen; e++)
        n += (size_t)snprintf(why + n, wlen - n, " %s", l->ex[e].dir);
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

/* Does lesson i's scenario s run the learner's own file? */
int lesson_scenario_yours(int i, int s)
{
    return lessons[i].syours[s];
}

void lesson_scenario_path(int i, int s, char *out, size_t len)
{
    char sub[96];
    snprintf(sub, sizeof sub, "scenarios/%s", lessons[i].scen[s]);
    lesson_path(out, len, lessons[i].dir, sub);
}

int list_lessons(const char *lesson)
{
    load_lessons();
    if (nlessons == 0) {
        complain("no lessons under %s/lessons\n", R.root);
        return 1;
    }
    const struct lesson *only = lesson ? find_lesson_named(lesson, strlen(lesson)) : NULL;
    if (lesson && !only) {
        complain("list %s: no such lesson (ipclab list shows them)\n", lesson);
        return 3;
    }
    setlocale(LC_CTYPE, "");                /* widths of the summaries' text */
    int w = 18;     /* the longest scenario name of all lessons (list 01 as in list), at least 18 */
    for (int i = 0; i < nlessons; i++)
        for (int k = 0; k < lessons[i].nsteps; k++)
            if (lessons[i].steps[k].kind == STEP_SCENARIO) {
                int n = (int)strlen(lessons[i].scen[lessons[i].steps[k].index]) - 4;
                w = n > w ? n : w;
            }
    for (int i = 0; i < nlessons; i++) {
        struct lesson *l = &lessons[i];
        size_t skip;
        if (only && l != only)
            continue;
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
        if (l->steps_error[0])
            printf("  (%s)\n", l->steps_error);
        for (int k = 0; k < l->nsteps; k++) {
            int s = l->steps[k].index;
            if (l->steps[k].kind == STEP_SCENARIO) {
                printf("  %s run %.2s/%-*.*s %s\n", R.argv0, l->dir, w,
                       (int)strlen(l->scen[s]) - 4, l->scen[s],
                       l->stitle[s][0] ? l->stitle[s] : l->scen[s]);
            } else {
                const struct exercise *x = &l->ex[s];
                char cmd[128];              /* its title under the scenarios' */
                snprintf(cmd, sizeof cmd, "make grade LESSON=%.2s/%.2s", l->dir, x->dir);
                printf("  %-*s %s\n", (int)strlen(R.argv0) + 8 + w, cmd, x->title);
                if (x->edit[0])
                    printf("      edit lessons/%s/exercises/%s/%s\n", l->dir, x->dir, x->edit);
            }
        }
        printf("\n");
    }
    return 0;
}
