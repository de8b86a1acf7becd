/* tour.c - `ipclab tour [LESSON]`: every lesson's scenarios played headless,
 * in the lesson's order, their transcripts told for reading: each lesson's
 * title and summary, what the scenario says, what the kernel showed (a
 * process asleep in which call on which object, a channel's level, an
 * exit), and each check. What `make run` prints without a terminal. Made
 * from the lessons' own scenarios: a new lesson is in the tour as soon as
 * it has one. */
#include "ipclab.h"
#include "sockets.h"
#include "unixsocks.h"

#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define WIDTH 78

/* mark then text, wrapped at spaces to WIDTH display cells; the lines
 * after the first start under the text. */
static void para(const char *mark, const char *text)
{
    int indent = (int)strlen(mark), w = WIDTH - indent;
    size_t skip;
    printf("%s", mark);
    do {
        size_t n = wrap_cells(text, w, &skip);
        printf("%.*s\n", (int)n, text);
        text += n + skip;
        if (*text)
            printf("%*s", indent, "");
    } while (*text);
}

/* After the first word of line: the rest, if the word is kind. */
static const char *after(const char *line, const char *kind)
{
    size_t n = strlen(kind);
    return !strncmp(line, kind, n) && line[n] == ' ' ? line + n + 1 : NULL;
}

/* A channel line "NAME LEVEL/CAPACITY ...": at capacity. The last '/':
 * a POSIX queue's NAME starts with one ("/ipclab-42-jobs 3/3 messages"). */
static int full(const char *v)
{
    const char *slash = strrchr(v, '/');
    if (slash == NULL)
        return 0;
    const char *lv = slash;
    while (lv > v && lv[-1] >= '0' && lv[-1] <= '9')
        lv--;
    return lv < slash && atol(lv) == atol(slash + 1);
}

static char last_kernel[600];   /* the last kernel line told, until a line in between */

/* What the kernel showed, unless it is the line just told (a process
 * asleep again in the same call after running unseen by the tour). */
static void kernel(const char *v)
{
    if (strcmp(v, last_kernel) != 0)
        para("        kernel: ", v);
    scopy(last_kernel, sizeof last_kernel, v);
}

/* One transcript line (without its time), told for reading, or left out:
 * traces, notes, outputs and spawns are the screen's detail. */
void tour_line(const char *line)
{
    static int headed;                      /* this scenario's heading printed */
    const char *v;
    if ((v = after(line, "scenario")) != NULL) {
        printf("\n");
        para("  * ", v);
        headed = 1;
    } else if (!headed && after(line, "error")) {   /* it did not load: its file */
        const char *base = strrchr(R.scenario, '/');
        printf("\n");
        para("  * ", base ? base + 1 : R.scenario);
        headed = 1;
    }
    if (after(line, "scenario"))
        return;
    if (after(line, "say") || after(line, "expect") || after(line, "exit") ||
        after(line, "error") || after(line, "end:"))
        last_kernel[0] = '\0';             /* told in between: tell it again */
    if ((v = after(line, "say")) != NULL) {
        /* A pause's "Press space..." is for the screen: the tour goes on. */
        char said[512];
        scopy(said, sizeof said, v);
        char *press = strstr(said, "Press space");
        if (press) {
            while (press > said && press[-1] == ' ')
                press--;
            *press = '\0';
        }
        if (said[0])
            para("      ", said);
    } else if ((v = after(line, "expect")) != NULL) {
        para(!strncmp(v, "ok: ", 4) ? "      [ok] " : "      [FAILED] ", strchr(v, ':') + 2);
    } else if ((v = after(line, "state")) != NULL && !strstr(v, " running")) {
        const char *asleep = strstr(v, " sleeping in read(");
        char held[300];
        if (asleep && strstr(v, " (held in step mode)")) {   /* ipclab's own pipe */
            snprintf(held, sizeof held, "%.*s held in step mode, before its next traced call",
                     (int)(asleep - v), v);
            v = held;
        }
        kernel(v);
    } else if ((v = after(line, "channel")) != NULL && (strstr(v, " 0/") || full(v))) {
        kernel(v);                          /* empty or full: the moments that teach */
    } else if ((v = after(line, "channel")) != NULL && strstr(v, ": ")) {
        kernel(v);                          /* a FIFO's holders: "jobs: read end: b fd 3" */
    } else if ((v = after(line, "signals")) != NULL && strstr(v, " pending ")) {
        kernel(v);                          /* a signal left pending: "w shared pending SIGUSR1; ..." */
    } else if ((v = after(line, "socket")) != NULL && (socket_teaches(v) || unix_teaches(v))) {
        kernel(v);                          /* a socket appears or changes state (sockets.c, unixsocks.c) */
    } else if ((v = after(line, "fd")) != NULL) {
        kernel(v);                          /* a descriptor passed from another process (fds.c) */
    } else if ((v = after(line, "exit")) != NULL) {
        para("        exit: ", v);
    } else if ((v = after(line, "error")) != NULL) {
        para("      ERROR ", v);
    } else if ((v = after(line, "end:")) != NULL) {
        para("      = ", v);
    }
}

/* One scenario told by an ipclab of its own (`ipclab tour FILE.lua`), so
 * a scenario that has to be stopped hard (a run away string.find) ends
 * that process, not the tour. A stop signal for the tour is passed on.
 * Returns its status (128 + N for a signal). */
static int play(const char *path, int sig_fd)
{
    char seed[24];
    if (stop_requested())                   /* stopped between two scenarios */
        return 128 + (stop_requested() == QUIT_KEY ? SIGTERM : stop_requested());
    snprintf(seed, sizeof seed, "%lld", R.seed);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == -1) {
        complain("tour: fork: %s", strerror(errno));
        return 3;
    }
    if (pid == 0) {
        execl("/proc/self/exe", R.argv0, "tour", path, "--seed", seed, (char *)NULL);
        complain("tour: %s: %s", "/proc/self/exe", strerror(errno));
        _exit(3);
    }
    int ws, passed_on = 0;
    for (;;) {
        pid_t w = waitpid(pid, &ws, WNOHANG);
        if (w == pid)
            break;
        if (w == -1 && errno != EINTR)
            return 3;
        if (stop_requested() && !passed_on) {
            kill(pid, stop_requested() == QUIT_KEY ? SIGTERM : stop_requested());
            passed_on = 1;
        }
        struct pollfd p = { sig_fd, POLLIN, 0 };
        if (poll(&p, 1, 200) > 0)           /* SIGCHLD or a stop: look again */
            while (signals_next())
                ;
    }
    int st = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    if (st == 3) {                          /* it could not start: say which, go on */
        const char *base = strrchr(path, '/');
        printf("\n  * %s\n      ERROR it could not be played: %s\n", base ? base + 1 : path,
               access(path, R_OK) == -1 ? strerror(errno) : "see the message above");
        st = 2;
    }
    return st;
}

/* The lessons (all, or the one named: 08, 08-shared-memory, shared-memory),
 * each scenario played headless. Status 0 when every check held, 1 if one
 * failed, 2 if a scenario raised an error, 3 for no such lesson. */
int tour(const char *lesson, int sig_fd)
{
    int status = 0, shown = 0;
    setlocale(LC_CTYPE, "");                /* widths of the narration's text */
    for (int i = 0; i < lesson_count(); i++) {
        const char *title, *summary;
        int nscen = lesson_about(i, &title, &summary);
        if (lesson && !lesson_is(i, lesson))
            continue;
        shown++;
        printf("%s\n", title);
        para("", summary);
        const char *why = lesson_unreadable(i);
        if (why) {                          /* its scenarios cannot be listed */
            printf("\n      ERROR %s\n", why);
            status = status < 2 ? 2 : status;
        }
        for (int s = 0; s < nscen; s++) {
            char path[1024];
            if (lesson_scenario_yours(i, s))    /* about the learner's code: not a tour */
                continue;
            lesson_scenario_path(i, s, path, sizeof path);
            int st = play(path, sig_fd);
            if (st > status && st <= 2)
                status = st;
            else if (st > 2)
                return st;                  /* stopped: Ctrl-C, a signal */
        }
        printf("\n");
    }
    if (shown == 0) {
        complain("tour %s: no such lesson (ipclab list shows them)\n",
                lesson ? lesson : "");
        return 3;
    }
    return status;
}
