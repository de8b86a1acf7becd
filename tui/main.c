/* main.c - ipclab: run a lesson's scenario and show, as the kernel sees it,
 * who runs and who is blocked in which call on which object.
 *
 *   ipclab                     the lesson menu
 *   ipclab run FILE.lua        play a scenario on screen
 *   ipclab run FILE.lua --headless [--record FILE]   print a transcript
 *   ipclab list [LESSON]       lessons (or one) and their scenarios, as text
 *   ipclab clean               remove what crashed runs left
 *
 * The loop (redis's ae.c, reduced): poll the trace pipe and a self-pipe
 * for signals (signals.c) with a timeout of one sample period; then sample,
 * step the scenario, draw and read the keys. Every way out of a run goes
 * through end_run(). */
#include "ipclab.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct run R;
static int sig_fd = -1;                     /* signals.c's self-pipe */

double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One transcript line: seconds since start, then what happened. */
void tlog(const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One line, no control bytes: a program's output or a scenario's text
     * can neither forge a line nor drive the reader's terminal (tail -f). */
    for (char *c = line; *c; c++)           /* a line break is a space */
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    clean_text(line, 1);                    /* print()'s tabs stay */
    if (R.tour)
        tour_line(line);
    else if (R.headless)
        printf("%7.3f %s\n", now() - R.t0, line);
    if (R.record)
        fprintf(R.record, "%7.3f %s\n", now() - R.t0, line);
}

static void usage(FILE *to)
{
    fprintf(to,
        "usage: ipclab                        open the lesson menu\n"
        "       ipclab run FILE.lua|LESSON/NAME [--headless [--pace S]] [--record FILE]\n"
        "                           [--no-color] [--seed S]\n"
        "       ipclab list [LESSON]          list lessons (or one: 01, pipes) and scenarios\n"
        "       ipclab tour [LESSON|FILE.lua] every lesson's scenarios, told as text\n"
        "       ipclab progress               your exercises: done, failing, not tried\n"
        "       ipclab watch LESSON/EXERCISE  grade your file each time you save it\n"
        "       ipclab hint|solution LESSON/EXERCISE    (the solution once it passes)\n"
        "       ipclab reset LESSON/EXERCISE [--yes]    your file back to the skeleton\n"
        "       ipclab clean                  remove what crashed runs left\n"
        "       ipclab --help | --version\n"
        "Keys on screen: space continue/step, tab select, s stop/continue,\n"
        "k kill, r restart, ? or h help, q quit. See ipclab(1).\n");
}

/* The kit's root: IPCLAB_ROOT, else the first folder above the binary that
 * holds lessons/ (build/bin/ipclab, build/asan/bin/ipclab), else the
 * installed data (make install). The demos: IPCLAB_BIN, else the binary's own folder,
 * where make builds them. */
static void find_paths(void)
{
    char exe[PATH_MAX], dir[PATH_MAX], probe[PATH_MAX + 16];
    const char *env;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *s;

    exe[n > 0 ? n : 0] = '\0';
    if ((s = strrchr(exe, '/')) != NULL)
        *s = '\0';
    scopy(R.bin, sizeof R.bin, (env = getenv("IPCLAB_BIN")) && *env ? env : exe);
    /* Installed: PREFIX/libexec/ipclab/ipclab and PREFIX/share/ipclab. */
    snprintf(R.root, sizeof R.root, "%.400s/../../share/ipclab", exe);
    if ((env = getenv("IPCLAB_ROOT")) && *env) {
        scopy(R.root, sizeof R.root, env);
    } else {
        scopy(dir, sizeof dir, exe);
        while (dir[0] != '\0') {
            snprintf(probe, sizeof probe, "%s/lessons", dir);
            if (access(probe, F_OK) == 0) {
                scopy(R.root, sizeof R.root, dir);
                break;
            }
            if ((s = strrchr(dir, '/')) == NULL)
                break;
            *s = '\0';
        }
    }
    scopy(R.python, sizeof R.python,
          (env = getenv("PYTHON")) && *env ? env : "/usr/bin/python3");
}

/* lessons/NN-topic/scenarios/x.lua -> "NN-topic", for Python "x.py". */
static void find_lesson(const char *path)
{
    char real[PATH_MAX];
    const char *s = realpath(path, real) ? strstr(real, "/lessons/") : NULL;

    R.lesson[0] = '\0';
    if (s) {
        s += strlen("/lessons/");
        size_t n = strcspn(s, "/");
        if (n < sizeof R.lesson)
            memcpy(R.lesson, s, n), R.lesson[n] = '\0';
    }
}

static int start_run(const char *path, char *err, size_t errlen)
{
    memset(R.procs, 0, sizeof R.procs);
    memset(R.chans, 0, sizeof R.chans);
    R.gen++;
    R.nevents = 0;
    R.expects = R.failed = R.errored = 0;
    R.error[0] = R.narration[0] = R.yours[0] = '\0';
    story_clear();
    R.wait = W_NONE;
    R.t0 = now();
    scopy(R.scenario, sizeof R.scenario, path);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    scopy(R.title, sizeof R.title, base);
    R.show_signals = 0;
    find_lesson(path);
    if (run_dir_create(err, errlen) == -1)
        return -1;
    int tp[2];
    if (pipe2(tp, O_CLOEXEC) == -1) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    R.trace_r = tp[0];
    R.trace_w = tp[1];
    /* Reading it must never block the loop; writing it may block a program. */
    if (fcntl(R.trace_r, F_SETFL, O_NONBLOCK) == -1) {
        snprintf(err, errlen, "fcntl O_NONBLOCK on the trace pipe: %s", strerror(errno));
        return -1;
    }
    /* Room for bursts, so a slow frame never blocks a traced program (the
     * default 64 KiB when the user's pipe budget says no: still correct). */
    (void)fcntl(R.trace_r, F_SETPIPE_SZ, 1 << 20);
    return runner_load(path) == -1 ? 1 : 0;
}

/* Stop everything the run started and remove every object it made. Lua
 * goes first: nothing of the scenario's can run during or after clean-up. */
static void end_run(void)
{
    runner_close();
    stop_all();
    events_drain();
    chan_cleanup_all();
    clean_run_dir(R.dir, R.id);
    close(R.trace_r);
    close(R.trace_w);
}

/* Stop signals that arrived: say so once, and end the run. */
static void read_signals(void)
{
    int s;
    while ((s = signals_next()) != 0) {
        if (s == SIGCHLD || R.quit)
            continue;
        if (s == QUIT_KEY)
            tlog("quit (q) while the scenario was busy: cleaning up");
        else
            tlog("interrupted by SIG%s: cleaning up", sigabbrev_np(s));
        R.quit = 1;
    }
}

static void loop(void)
{
    struct pollfd fds[2] = { { R.trace_r, POLLIN, 0 }, { sig_fd, POLLIN, 0 } };

    while (!R.quit) {
        sample_all();
        /* A scenario that did not wait runs on at once (several steps). */
        for (int k = 0; k < 8 && R.wait != W_DONE && !R.quit; k++) {
            enum wait_kind before = R.wait;
            double start = R.wait_start;
            runner_step();
            if (R.wait == before && R.wait_start == start)
                break;
        }
        read_signals();                     /* one may have stopped the scenario */
        if (R.quit || (R.headless ? R.wait == W_DONE : ui_frame()))
            break;
        /* A trace line held (events.c) is told when it has settled. */
        int ms = 1000 / SAMPLE_HZ;
        double next = events_next();
        if (next > 0 && (next - now()) * 1000 < ms)
            ms = next <= now() ? 0 : (int)((next - now()) * 1000) + 1;
        poll(fds, 2, ms);
        read_signals();
    }
}

static int in_menu;                         /* scenarios chosen in the menu */

static int run_scenario(const char *path)
{
    char err[512];
    int status;

    /* The screen first: q works while the file loads (a FIFO may block). */
    if (!R.headless && ui_start() == -1) {
        complain("cannot open the terminal (TERM=%s); "
                        "try --headless\n", getenv("TERM") ? getenv("TERM") : "unset");
        return 3;
    }
    ui_loading(path);
    int st = start_run(path, err, sizeof err);
    if (st == -1) {
        ui_stop();
        complain("%s\n", err);
        return 3;
    }
    if (st == 1) {                          /* the file does not load */
        R.errored = 1;
        R.wait = W_DONE;
        tlog("error %s", R.error);
        story_add(ST_ERROR, R.error);
    }
    if (!R.errored || !R.headless)          /* on screen the error stays until q or r */
        loop();
    end_run();
    if (!R.headless && !R.restart)          /* a restart keeps the screen */
        ui_stop();
    tlog("end: %d expectation%s, %d passed, %d failed%s", R.expects, R.expects == 1 ? "" : "s",
         R.expects - R.failed, R.failed, R.errored ? ", scenario error" : R.quit ? ", interrupted" : "");
    /* Printed once the screen is given back; never while curses owns it
     * (a restart keeps it; the menu's runs show it in the narration). */
    if (R.errored && !R.headless && !in_menu && !R.restart)
        complain("%s\n", R.error);
    int sig = stop_requested();             /* 128 + N, as a shell reports it */
    status = R.errored ? 2 : R.failed ? 1 : !R.quit ? 0 : sig && sig != QUIT_KEY ? 128 + sig : 130;
    return status;
}

int main(int argc, char *argv[])
{
    const char *scenario = NULL, *record = NULL;
    int clean = 0, list = 0, seeded = 0, yes = 0;
    const char *excmd = NULL, *exarg = NULL;    /* progress, hint, solution, reset */
    const char *tour_lesson = NULL, *list_lesson = NULL;

    R.id = (long)getpid();
    R.argv0 = argv[0];
    R.color = getenv("NO_COLOR") == NULL || getenv("NO_COLOR")[0] == '\0';
    find_paths();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
            (!strcmp(argv[i], "run") && i + 1 < argc &&      /* run --help: no scenario */
             (!strcmp(argv[i + 1], "--help") || !strcmp(argv[i + 1], "-h")))) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--version")) {
            printf("ipclab %s\n", IPCLAB_VERSION);
            return 0;
        } else if (!strcmp(argv[i], "run") && i + 1 < argc && !scenario) {
            scenario = argv[++i];
        } else if (!strcmp(argv[i], "--headless")) {
            R.headless = 1;
        } else if (!strcmp(argv[i], "--no-color")) {
            R.color = 0;
        } else if (!strcmp(argv[i], "--record") && i + 1 < argc) {
            record = argv[++i];
        } else if (!strcmp(argv[i], "--pace") && i + 1 < argc) {
            char *end;
            R.pace = strtod(argv[++i], &end);
            if (*end || end == argv[i] || !(R.pace >= 0 && R.pace <= 60)) {
                complain("--pace %s: a number of seconds, 0 to 60\n", argv[i]);
                return 3;
            }
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            const char *v = argv[++i];
            errno = 0;
            R.seed = strtoll(v, NULL, 10);
            if (v[0] == '\0' || v[strspn(v, "0123456789")] != '\0' || errno) {
                complain("--seed %s: a whole number, 0 to %lld\n", argv[i], LLONG_MAX);
                return 3;
            }
            seeded = 1;
        } else if (!strcmp(argv[i], "clean")) {
            clean = 1;
        } else if (!strcmp(argv[i], "list") && !list) {
            list = 1;
            if (i + 1 < argc && argv[i + 1][0] != '-')
                list_lesson = argv[++i];
        } else if (!strcmp(argv[i], "progress") && !excmd) {
            excmd = "progress";
        } else if ((!strcmp(argv[i], "hint") || !strcmp(argv[i], "solution") ||
                    !strcmp(argv[i], "reset") || !strcmp(argv[i], "watch")) && i + 1 < argc && !excmd) {
            excmd = argv[i];
            exarg = argv[++i];
        } else if (!strcmp(argv[i], "--yes") || !strcmp(argv[i], "-y")) {
            yes = 1;
        } else if (!strcmp(argv[i], "tour") && !scenario && !R.tour) {
            R.tour = R.headless = 1;
            if (i + 1 < argc && argv[i + 1][0] != '-')
                tour_lesson = argv[++i];
            size_t n = tour_lesson ? strlen(tour_lesson) : 0;
            if (n > 4 && !strcmp(tour_lesson + n - 4, ".lua"))
                scenario = tour_lesson, tour_lesson = NULL;   /* one scenario, told */
        } else {
            const char *a = argv[i];
            int needs = !strcmp(a, "run") || !strcmp(a, "--record") || !strcmp(a, "--pace") ||
                        !strcmp(a, "--seed") || !strcmp(a, "hint") || !strcmp(a, "solution") ||
                        !strcmp(a, "reset") || !strcmp(a, "watch");
            if (!strcmp(a, "run") && scenario)
                complain("run %s: one scenario at a time\n", argv[i + 1 < argc ? i + 1 : i]);
            else if (needs)
                complain("%s needs a%s\n", a, !strcmp(a, "run") ? " scenario file" :
                        a[0] != '-' ? "n exercise: LESSON/EXERCISE, as in 01/02" :
                        !strcmp(a, "--record") ? " file" : !strcmp(a, "--pace") ? " number of seconds" :
                        " number");
            else
                complain("unknown argument '%s'\n", a);
            usage(stderr);
            return 3;
        }
    }
    if (clean)
        return clean_leftovers(1) >= 0 ? 0 : 1;
    if (!seeded)                            /* printed: a run can be played again */
        R.seed = (long long)(((unsigned long long)time(NULL) * 1000003u ^ (unsigned long long)getpid()) % 1000000);
    if (list)
        return list_lessons(list_lesson);
    if (excmd && !strcmp(excmd, "progress"))
        return progress_print();
    if (excmd && strcmp(excmd, "watch") != 0)
        return exercise_cmd(excmd, exarg, yes);
    if (record && (R.record = fopen(record, "we")) == NULL) {
        complain("--record %s: %s\n", record, strerror(errno));
        return 3;
    }
    if (R.record)                           /* live: tail -f on a second screen */
        setvbuf(R.record, NULL, _IOLBF, 0);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if ((sig_fd = signals_start()) == -1) {
        complain("signals and watchdog: %s\n", strerror(errno));
        return 3;
    }
    /* Orphaned descendants come back to ipclab, which reaps and kills them. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1) {
        complain("prctl PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
        return 3;
    }
    if (excmd)                              /* watch: grades on each save */
        return watch_exercise(exarg);
    if (R.tour && !scenario)                /* each scenario by an ipclab of its own */
        return tour(tour_lesson, sig_fd);
    static char chosen[PATH_MAX];
    int menu = in_menu = scenario == NULL;  /* q in a scenario: back to the menu */
    if (menu && R.headless) {
        complain("--headless needs a scenario: ipclab run FILE.lua --headless\n");
        return 3;
    }
    if (menu) {
        int m = menu_choose(chosen, sizeof chosen);
        if (m != 0)                         /* 2: no terminal; 1: quit */
            return m == 2 ? 3 : stop_requested() ? 128 + stop_requested() : 0;
        scenario = chosen;
    }
    static char brief[PATH_MAX];            /* ipclab run 01/empty-pipe */
    if (!menu && access(scenario, F_OK) != 0 && errno == ENOENT) {
        char why[600];
        int b = brief_scenario(scenario, brief, sizeof brief, why, sizeof why);
        if (b == -1) {
            complain("%s\n", why);
            return 3;
        }
        if (b == 0)
            scenario = brief;
        errno = ENOENT;                     /* a path: said below */
    }
    struct stat st;
    if (menu) {
        /* From the menu a file that does not load is an error on screen. */
    } else if (access(scenario, R_OK) != 0 || stat(scenario, &st) != 0) {
        complain("%s: %s\n", scenario, strerror(errno));
        return 3;
    } else if (S_ISDIR(st.st_mode)) {       /* a pipe may be: ipclab run <(...) */
        complain("%s: not a scenario file (a Lua file)\n", scenario);
        return 3;
    }
    char err[512];
    if (run_dir_create(err, sizeof err) == -1) {
        complain("%s\n", err);
        return 3;
    }
    if (janitor_start() == -1) {
        complain("cannot start the janitor: %s\n", strerror(errno));
        return 3;
    }
    int status;
    for (;;) {
        do {
            R.restart = 0;
            R.quit = 0;
            status = run_scenario(scenario);
        } while (R.restart);
        /* From the menu, a scenario's end (q, a failed check, a key that
         * killed a process) is the user's business: back to the menu, the
         * scenario just played selected; q there quits, with status 0. A
         * stop signal ends ipclab. */
        if (!menu || stop_requested())
            break;
        int m = menu_choose(chosen, sizeof chosen);
        if (m != 0) {
            status = m == 2 ? 3 : stop_requested() ? 128 + stop_requested() : 0;
            break;
        }
    }
    clean_run_dir(R.dir, R.id);             /* also when the run never started */
    janitor_finish();
    if (R.record && (ferror(R.record) | fclose(R.record))) {
        complain("--record %s: some lines could not be written (a full "
                "disk?)\n", record);
        status = status ? status : 3;
    }
    return status;
}
