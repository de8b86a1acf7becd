/* exercise.c - a student's exercises from the command line: ipclab
 * progress, hint, solution and reset. Progress is what scripts/grade
 * recorded for this checkout: ${XDG_STATE_HOME:-~/.local/state}/ipclab/
 * ID/progress, found by the folder whose `root` file names this kit
 * (docs/lesson-format.md). The order is the lessons' steps files. */
#include "ipclab.h"
#include "lessons.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* What the last grading said; done: it passed and the file it graded is
 * still the learner's file (not edited or put back since). */
struct result {
    int graded, pass, passed, total, changed, done;
};

/* ${XDG_STATE_HOME:-$HOME/.local/state}/ipclab */
static void state_home(char *out, size_t len)
{
    const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    if (x && x[0] == '/')
        snprintf(out, len, "%s/ipclab", x);
    else
        snprintf(out, len, "%s/.local/state/ipclab", home && *home ? home : "/nonexistent");
}

/* The progress file of this checkout, or -1 when it was never graded.
 * Once found, kept (the menu asks at every frame). */
static int progress_file(char *out, size_t len)
{
    static char found[PATH_MAX + 320];
    char base[PATH_MAX], root[PATH_MAX], path[PATH_MAX + 300], line[PATH_MAX];
    if (found[0]) {
        snprintf(out, len, "%s", found);
        return 0;
    }
    if (realpath(R.root, root) == NULL)
        return -1;
    state_home(base, sizeof base);
    DIR *d = opendir(base);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s/root", base, e->d_name);
        FILE *f = fopen(path, "re");
        int ours = f && fgets(line, sizeof line, f) && (line[strcspn(line, "\n")] = '\0', 1) &&
                   !strcmp(line, root);
        if (f)
            fclose(f);
        if (ours) {
            snprintf(path, sizeof path, "%s/%s/progress", base, e->d_name);
            closedir(d);
            /* Only a regular file is read (scripts/grade never writes
             * through a folder or a symbolic link put in its place). */
            struct stat st;
            if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
                static int said;
                if (!said++)
                    complain("%s is not a regular file: progress not read", path);
                return -1;
            }
            snprintf(found, sizeof found, "%s", path);
            snprintf(out, len, "%s", found);
            return 0;
        }
    }
    if (d)
        closedir(d);
    return -1;
}

/* The learner's file of exercise x now, as scripts/grade stamps it:
 * "SIZE:SECONDS.NANOSECONDS" of its modification time (stat(2)); "-" when
 * there is none. */
static void stamp_now(const struct lesson *l, const struct exercise *x, char *out, size_t len)
{
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/lessons/%s/exercises/%s/%s", R.root, l->dir, x->dir, x->edit);
    if (!x->edit[0] || stat(path, &st) == -1)
        snprintf(out, len, "-");
    else
        snprintf(out, len, "%lld:%lld.%09ld", (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                 (long)st.st_mtim.tv_nsec);
}

/* What the last grading of exercise x of lesson l said, and whether the
 * file is the one it graded (a line without a stamp, from an older kit,
 * is taken as it says). */
static struct result result_of(const struct lesson *l, const struct exercise *x)
{
    struct result r = { 0 };
    char path[PATH_MAX + 320], line[512], want[160], status[8], when[32], stamp[64], now[64];
    if (progress_file(path, sizeof path) == -1)
        return r;
    snprintf(want, sizeof want, "%s/%s ", l->dir, x->dir);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof line, f)) {
        int n;
        if (!strncmp(line, want, strlen(want)) &&
            (n = sscanf(line + strlen(want), "%7s %d %d %31s %63s", status, &r.passed,
                        &r.total, when, stamp)) >= 3 &&
            r.passed >= 0 && r.total >= r.passed && r.total <= 10000) {
            r.graded = 1;
            r.pass = !strcmp(status, "pass");
            r.changed = 0;
            if (n == 5) {
                stamp_now(l, x, now, sizeof now);
                r.changed = strcmp(stamp, now) != 0;
            }
        }
    }
    if (f)
        fclose(f);
    r.done = r.pass && !r.changed;
    return r;
}

/* For the menu: exercise e of lesson li's mark ("[done]", "[3 of 5]",
 * "[ ]"); returns 2 done, 1 failing, 0 not tried. */
int exercise_mark(int li, int e, char *mark, size_t len)
{
    const struct lesson *l = lesson_at(li);
    struct result r = result_of(l, &l->ex[e]);
    if (r.done)
        snprintf(mark, len, "[done]");
    else if (r.pass)
        snprintf(mark, len, "[changed]");   /* passed, then edited or put back */
    else if (r.graded)
        snprintf(mark, len, "[%d of %d]", r.passed, r.total);
    else
        snprintf(mark, len, "[ ]");
    return r.done ? 2 : r.graded;
}

/* Where to resume: the first exercise not done, in the steps' order, as
 * its lesson and step; -1 when none was ever graded, or all are done.
 * *done and *all count the exercises. */
int exercise_resume(int *li, int *step, int *done, int *all)
{
    int found = -1, graded = 0;
    *done = *all = 0;
    for (int i = 0; i < lesson_count(); i++) {
        const struct lesson *l = lesson_at(i);
        for (int k = 0; k < l->nsteps; k++) {
            if (l->steps[k].kind != STEP_EXERCISE)
                continue;
            struct result r = result_of(l, &l->ex[l->steps[k].index]);
            (*all)++;
            *done += r.done;
            graded |= r.graded;
            if (!r.done && found < 0)
                found = 0, *li = i, *step = k;
        }
    }
    return graded ? found : -1;
}

/* ipclab progress: every lesson's exercises with their state, how many are
 * done, and the first one not done (the one to resume). */
int progress_print(void)
{
    int done = 0, all = 0, next_l = -1, next_e = -1;
    for (int i = 0; i < lesson_count(); i++) {
        const struct lesson *l = lesson_at(i);
        if (l->nex == 0)
            continue;
        printf("%s\n", l->title);
        for (int k = 0; k < l->nsteps; k++) {
            if (l->steps[k].kind != STEP_EXERCISE)
                continue;
            const struct exercise *x = &l->ex[l->steps[k].index];
            struct result r = result_of(l, x);
            char state[48];
            if (r.done)
                snprintf(state, sizeof state, "done");
            else if (r.pass)
                snprintf(state, sizeof state, "changed");
            else if (r.graded)
                snprintf(state, sizeof state, "%d of %d checks", r.passed, r.total);
            else
                snprintf(state, sizeof state, "not tried");
            printf("  %-16s %.2s/%.2s  %s%s\n", state, l->dir, x->dir, x->title,
                   r.changed ? r.pass ? " (it passed; the file has changed since: grade it again)"
                                      : " (the file changed since)" : "");
            all++;
            done += r.done;
            if (!r.done && next_l < 0)
                next_l = i, next_e = l->steps[k].index;
        }
    }
    printf("\n%d of %d exercise%s done.", done, all, all == 1 ? "" : "s");
    if (next_l >= 0) {
        const struct lesson *l = lesson_at(next_l);
        const struct exercise *x = &l->ex[next_e];
        printf(" Next: %s\n  edit lessons/%s/exercises/%s/%s, then: make grade LESSON=%.2s/%.2s\n",
               x->title, l->dir, x->dir, x->edit, l->dir, x->dir);
    } else {
        printf("\n");
    }
    return 0;
}

/* Print a file whole to standard output; -1 with errno when it cannot. */
static int print_file(const char *path)
{
    char buf[8192];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        return -1;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        fwrite(buf, 1, (size_t)n, stdout);
    close(fd);
    return n < 0 ? -1 : 0;
}

static int same_bytes(const char *a, const char *b)
{
    FILE *f = fopen(a, "re"), *g = fopen(b, "re");
    int same = f && g, c;
    while (same && (c = getc(f)) == getc(g))
        if (c == EOF)
            break;
    same = same && feof(f) && feof(g);
    if (f)
        fclose(f);
    if (g)
        fclose(g);
    return same;
}

/* A copy of file at keep, a name no other copy has (.2, .3 after it when
 * two resets come in one second), on any filesystem. keep is updated to
 * the name used. Returns 0, or -1 with errno. */
static int keep_copy(const char *file, char *keep, size_t len)
{
    char name[PATH_MAX + 420];
    int out = -1;
    for (int n = 1; n < 100 && out == -1; n++) {
        if (n == 1)
            snprintf(name, sizeof name, "%s", keep);
        else
            snprintf(name, sizeof name, "%s.%d", keep, n);
        out = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (out == -1 && errno != EEXIST)
            return -1;
    }
    int in = open(file, O_RDONLY | O_CLOEXEC);
    char buf[8192];
    ssize_t r = 0;
    while (in != -1 && out != -1 && (r = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)r) != r)
            r = -1;
    int bad = in == -1 || out == -1 || r < 0;
    int saved = errno;
    if (in != -1)
        close(in);
    if (out != -1 && close(out) == -1)
        bad = 1;
    if (bad) {
        unlink(name);
        errno = saved ? saved : EIO;
        return -1;
    }
    scopy(keep, len, name);
    return 0;
}

/* Drop exercise x's line from the progress file (rewritten whole). */
static void forget_result(const struct lesson *l, const struct exercise *x)
{
    char path[PATH_MAX + 320], tmp[PATH_MAX + 330], line[512], want[160];
    if (progress_file(path, sizeof path) == -1)
        return;
    snprintf(tmp, sizeof tmp, "%s.new", path);
    snprintf(want, sizeof want, "%s/%s ", l->dir, x->dir);
    FILE *f = fopen(path, "re"), *g = fopen(tmp, "we");
    while (f && g && fgets(line, sizeof line, f))
        if (strncmp(line, want, strlen(want)) != 0)
            fputs(line, g);
    int ok = f && g && !ferror(f);
    if (f)
        fclose(f);
    if (g && fclose(g) == 0 && ok)
        rename(tmp, path);
    else
        unlink(tmp);
}

/* ipclab reset L/E: the learner's file back to the skeleton, byte for
 * byte, after a yes (or --yes); their version kept under the state
 * folder's backups/. */
static int reset(const struct lesson *l, const struct exercise *x, const char *brief, int yes)
{
    char rel[PATH_MAX], file[PATH_MAX + 8], tmp[PATH_MAX + 16], why[PATH_MAX + 64];
    snprintf(rel, sizeof rel, "lessons/%s/exercises/%s/%s", l->dir, x->dir, x->edit);
    snprintf(file, sizeof file, "%s/%s", R.root, rel);
    snprintf(tmp, sizeof tmp, "%s.resetXXXXXX", file);
    int fd = mkstemp(tmp);
    if (fd == -1) {
        complain("reset %s: %s: %s", brief, rel, strerror(errno));
        return 2;
    }
    const char *from = "";
    int got = skeleton_into(rel, fd, why, sizeof why, &from);
    close(fd);
    if (got == -1) {
        unlink(tmp);
        complain("reset %s: %s", brief, why);
        return 2;
    }
    if (same_bytes(tmp, file)) {
        unlink(tmp);
        printf("%s is the skeleton already: nothing changed.\n", rel);
        return 0;
    }
    /* Their version is kept: a reset by mistake costs nothing. */
    char keep[PATH_MAX + 400], stamp[32];
    time_t now_s = time(NULL);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime(&now_s));
    state_home(keep, sizeof keep);
    size_t n = strlen(keep);
    snprintf(keep + n, sizeof keep - n, "/backups/%s/%s", l->dir, x->dir);
    if (!yes) {
        if (!isatty(STDIN_FILENO)) {
            unlink(tmp);
            complain("reset %s: it replaces %s: add --yes, or run it at a terminal to be asked",
                     brief, rel);
            return 2;
        }
        char answer[16] = "";
        fprintf(stderr, "Reset %s to the skeleton? Your version is kept in %s/. [y/N] ", rel, keep);
        if (fgets(answer, sizeof answer, stdin) == NULL || (answer[0] != 'y' && answer[0] != 'Y')) {
            unlink(tmp);
            printf("Nothing changed.\n");
            return 1;
        }
    }
    char cmd_dir[PATH_MAX + 400];
    scopy(cmd_dir, sizeof cmd_dir, keep);
    for (char *p = cmd_dir + 1; *p; p++)    /* mkdir -p */
        if (*p == '/') {
            *p = '\0';
            mkdir(cmd_dir, 0700);
            *p = '/';
        }
    mkdir(cmd_dir, 0700);
    n = strlen(keep);
    snprintf(keep + n, sizeof keep - n, "/%s.%s", x->edit, stamp);
    struct stat st;
    int have = stat(file, &st) == 0;        /* deleted: nothing of theirs to keep */
    if (have && !S_ISREG(st.st_mode)) {
        unlink(tmp);
        complain("reset %s: %s is not a file (a folder?): move it away, then reset again",
                 brief, rel);
        return 2;
    }
    if (have && keep_copy(file, keep, sizeof keep) == -1) {
        unlink(tmp);
        complain("reset %s: cannot keep your version in %s: %s", brief, keep, strerror(errno));
        return 2;
    }
    if (have)
        chmod(tmp, st.st_mode & 07777);
    if (rename(tmp, file) == -1) {
        unlink(tmp);
        complain("reset %s: %s: %s", brief, rel, strerror(errno));
        return 2;
    }
    forget_result(l, x);                    /* its last grading was of another file */
    if (have)
        printf("%s is the skeleton again (from %s). Your version: %s\n", rel, from, keep);
    else
        printf("%s is back, the skeleton (from %s).\n", rel, from);
    return 0;
}

/* ipclab hint|solution|reset LESSON/EXERCISE [--yes] */
int exercise_cmd(const char *cmd, const char *brief, int yes)
{
    int li, ei;
    char why[600], path[PATH_MAX + 200];
    if (find_exercise(brief, &li, &ei, why, sizeof why) == -1) {
        complain("%s %s", cmd, why);
        return 3;
    }
    const struct lesson *l = lesson_at(li);
    const struct exercise *x = &l->ex[ei];
    if (!strcmp(cmd, "reset"))
        return reset(l, x, brief, yes);
    if (!strcmp(cmd, "hint")) {
        snprintf(path, sizeof path, "%s/lessons/%s/exercises/%s/HINT.md", R.root, l->dir, x->dir);
        printf("%s: a hint (lessons/%s/exercises/%s/HINT.md)\n\n", x->title, l->dir, x->dir);
        fflush(stdout);
        if (print_file(path) == -1) {
            complain("hint %s: %s: %s", brief, path, strerror(errno));
            return 2;
        }
        return 0;
    }
    struct result r = result_of(l, x);       /* solution */
    if (!r.pass) {
        if (r.graded)
            complain("solution %s: not solved yet (%d of %d checks pass): it opens once "
                     "make grade LESSON=%.2s/%.2s passes; a hint first: %s hint %s", brief,
                     r.passed, r.total, l->dir, x->dir, R.argv0, brief);
        else
            complain("solution %s: not solved yet (never graded): it opens once "
                     "make grade LESSON=%.2s/%.2s passes; a hint first: %s hint %s", brief,
                     l->dir, x->dir, R.argv0, brief);
        return 1;
    }
    snprintf(path, sizeof path, "%s/lessons/%s/solutions/%s/%s", R.root, l->dir, x->dir, x->edit);
    printf("%s: the reference solution (lessons/%s/solutions/%s/%s)\n\n", x->title, l->dir,
           x->dir, x->edit);
    fflush(stdout);
    if (print_file(path) == -1) {
        complain("solution %s: %s: %s", brief, path, strerror(errno));
        return 2;
    }
    return 0;
}
