/* spawn.c - start the scenario's processes, capture their output, feed
 * their stdin, signal them, reap them, and stop them all at the end.
 *
 * Each child: its own process group (so the terminal's Ctrl-C reaches only
 * ipclab, which then cleans up), PR_SET_PDEATHSIG so it dies with ipclab,
 * default signal dispositions and mask, stdout+stderr on a pty so that C
 * stdio and Python line-buffer as in a terminal and the pane is live. */
#include "ipclab.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define HIGH_FD 200             /* sources are parked above this first */

int proc_index(pid_t pid)
{
    for (int i = 0; i < MAX_PROCS; i++)
        if (R.procs[i].used && R.procs[i].pid == pid)
            return i;
    return -1;
}

int proc_free_slot(void)
{
    for (int i = 0; i < MAX_PROCS; i++)
        if (!R.procs[i].used)
            return i;
    return -1;
}

/* A pidfd pins the process: signals sent through it can never reach an
 * unrelated process that got the pid after this one was reaped. */
void proc_init(struct proc *p, pid_t pid, int parent)
{
    memset(p, 0, sizeof *p);
    p->used = 1;
    p->pid = pid;
    p->pidfd = pidfd_open(pid, 0);
    p->parent = parent;
    p->out_fd = p->in_fd = p->step_fd = -1;
    p->step_event = -1;
    p->call_fd = -1;
    p->since = now();
    p->shown_state = (enum pstate)-1;
}

/* Is p still the process we followed? (Its pid may have been reused
 * once it was reaped by someone else.) */
int proc_alive(const struct proc *p)
{
    return p->pidfd >= 0 && pidfd_send_signal(p->pidfd, 0, NULL, 0) == 0;
}

/* A pty whose slave passes bytes through unchanged (no \r\n). */
static int open_pty(char *slave, size_t len)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m == -1)
        return -1;
    if (grantpt(m) == -1 || unlockpt(m) == -1 ||
        ptsname_r(m, slave, len) != 0) {
        close(m);
        return -1;
    }
    if (fcntl(m, F_SETFL, O_NONBLOCK) == -1) {   /* reading must never block the loop */
        close(m);
        return -1;
    }
    return m;
}

/* In the child: never returns. Errors go back through errfd as errno. */
static void child(const struct spawn_req *req, const char *slave, int in_r,
                  int step_r, int errfd)
{
    sigset_t none;
    int parked[16], fd;
    char num[16];

    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1)                     /* ipclab died before prctl */
        _exit(127);
    for (int s = 1; s < NSIG; s++)
        signal(s, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    /* Park every source high first, so no dup2 clobbers a later source. */
    for (int i = 0; i < req->nfds; i++)
        parked[i] = fcntl(req->fd_source[i], F_DUPFD_CLOEXEC, HIGH_FD);
    int trace = fcntl(R.trace_w, F_DUPFD_CLOEXEC, HIGH_FD);
    int step = step_r >= 0 ? fcntl(step_r, F_DUPFD_CLOEXEC, HIGH_FD) : -1;

    /* Close-on-exec: the program gets these as 0, 1 and 2 only. */
    fd = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd == -1)
        goto fail;
    struct termios tio;
    if (tcgetattr(fd, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(fd, TCSANOW, &tio);
    }
    int in = in_r >= 0 ? in_r : open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in == -1 || dup2(in, 0) == -1 || dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
        goto fail;
    for (int i = 0; i < req->nfds; i++)
        if (parked[i] == -1 || dup2(parked[i], req->fd_target[i]) == -1)
            goto fail;
    /* Fixed numbers for the trace and step descriptors, above the
     * program's own. dup2 clears close-on-exec. */
    if (dup2(trace, TRACE_FD) == -1 || (step >= 0 && dup2(step, STEP_FD) == -1))
        goto fail;
    /* Nothing else crosses the exec: not even what ipclab itself inherited
     * from its parent (a shell's, a test runner's descriptors). */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == -1)
        goto fail;
    for (int i = 0; i < req->nfds; i++)
        if (req->fd_target[i] > 2 && fcntl(req->fd_target[i], F_SETFD, 0) == -1)
            goto fail;
    if (fcntl(TRACE_FD, F_SETFD, 0) == -1 || (step >= 0 && fcntl(STEP_FD, F_SETFD, 0) == -1))
        goto fail;
    snprintf(num, sizeof num, "%d", TRACE_FD);
    setenv("IPCLAB_TRACE_FD", num, 1);
    snprintf(num, sizeof num, "%d", STEP_FD);
    if (step >= 0)
        setenv("IPCLAB_STEP_FD", num, 1);
    else
        unsetenv("IPCLAB_STEP_FD");
    snprintf(num, sizeof num, "%ld", R.id);
    setenv("IPCLAB_RUN", num, 1);
    for (int i = 0; i < req->nenv; i++)
        putenv(req->env[i]);
    execvp(req->argv[0], req->argv);
fail:
    fd = errno;
    (void)!write(errfd, &fd, sizeof fd);
    _exit(127);
}

int spawn_proc(const struct spawn_req *req, char *err, size_t errlen)
{
    int i = proc_free_slot(), in[2] = { -1, -1 }, step[2] = { -1, -1 }, ep[2] = { -1, -1 };
    char slave[64];
    int master = -1, e;
    pid_t pid = -1;
    ssize_t n = 0;

    if (i < 0) {
        snprintf(err, errlen, "too many processes (at most %d)", MAX_PROCS);
        return -1;
    }
    if ((master = open_pty(slave, sizeof slave)) == -1 ||
        (req->stdin_pipe && pipe2(in, O_CLOEXEC) == -1) ||
        (req->step && pipe2(step, O_CLOEXEC) == -1) ||
        pipe2(ep, O_CLOEXEC) == -1) {
        snprintf(err, errlen, "spawn %s: %s", req->argv[0], strerror(errno));
        goto fail;
    }
    if ((pid = fork()) == -1) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0)
        child(req, slave, in[0], step[0], ep[1]);
    close(ep[1]);
    ep[1] = -1;
    /* The error pipe closes on a successful exec: a read of 0 means ran. */
    n = read(ep[0], &e, sizeof e);
    if (n == sizeof e) {
        waitpid(pid, NULL, 0);
        snprintf(err, errlen, "cannot run %s: %s", req->argv[0], strerror(e));
        goto fail;
    }
    close(ep[0]);
    if (in[0] >= 0)
        close(in[0]);
    if (step[0] >= 0)
        close(step[0]);
    struct proc *p = &R.procs[i];
    proc_init(p, pid, -1);
    p->spawned = 1;
    p->nofollow = req->nofollow;
    scopy(p->name, sizeof p->name, req->name);
    unique_name(p);                         /* two lanes never look alike */
    scopy(p->lang, sizeof p->lang, req->lang);
    /* The command as a person reads it: paths shortened to their last part
     * (an abstract name keeps its '@'; an option such as -I/x/y stays
     * whole), an empty argument or one with a space quoted, newlines and
     * tabs as spaces, other control bytes as '?'. */
    for (int a = 0, o = 0; a < req->argc && o < (int)sizeof p->cmd - 1; a++) {
        const char *s = req->argv[a], *slash = strrchr(s, '/');
        int at = s[0] == '@', cut = 0;
        if (a > 0 && s[0] != '-' && slash && slash != s + at &&  /* not -I/x/y, nor /ipclab-42-x */
            !strpbrk(s, " \n\t"))
            cut = 1;
        const char *q = *s == '\0' || strpbrk(s, " \n\t") ? "'" : "";
        o += snprintf(p->cmd + o, sizeof p->cmd - (size_t)o, "%s%s%s%s%s", a ? " " : "", q,
                      cut && at ? "@" : "", cut ? slash + 1 : s, q);
    }
    for (char *c = p->cmd; *c; c++)
        if (*c == '\n' || *c == '\t')
            *c = ' ';
        else if ((unsigned char)*c < ' ' || *c == 0x7f)
            *c = '?';
    p->out_fd = master;
    p->in_fd = in[1];
    struct stat in_st;
    if (p->in_fd >= 0 && fstat(p->in_fd, &in_st) == 0)
        p->in_ino = (unsigned long)in_st.st_ino;
    if (p->in_fd >= 0 && fcntl(p->in_fd, F_SETFL, O_NONBLOCK) == -1) {
        close(p->in_fd);                    /* proc:write must never block the loop */
        p->in_fd = -1;
    }
    p->step_fd = step[1];
    return i;
fail:
    for (int k = 0; k < 2; k++) {
        if (in[k] >= 0) close(in[k]);
        if (step[k] >= 0) close(step[k]);
        if (ep[k] >= 0) close(ep[k]);
    }
    if (master >= 0)
        close(master);
    return -1;
}

static unsigned long exits_seen;    /* exit_seq of the latest exit */

static void set_status(struct proc *p, int ws)
{
    p->exited = 1;
    p->exit_seq = ++exits_seen;
    p->state = PS_EXITED;
    if (WIFEXITED(ws))
        snprintf(p->status, sizeof p->status, "exit %d", WEXITSTATUS(ws));
    else if (WIFSIGNALED(ws))
        snprintf(p->status, sizeof p->status, "signal SIG%s",
                 sigabbrev_np(WTERMSIG(ws)) ? sigabbrev_np(WTERMSIG(ws)) : "?");
}

void reap_children(void)
{
    int ws;
    pid_t pid;

    /* ipclab is a subreaper: orphaned descendants come back to it too. */
    int reaped = 0;
    while ((pid = waitpid(-1, &ws, WNOHANG)) > 0) {
        int i = proc_index(pid);
        if (i >= 0 && !R.procs[i].exited) {
            set_status(&R.procs[i], ws);
            R.procs[i].exit_pending = 1;
            reaped = 1;
        }
    }
    /* A followed process its own parent reaped: gone from the kernel (its
     * pidfd says so). Told with the others, before its parent's exit. */
    for (int i = 0; i < MAX_PROCS; i++) {
        struct proc *p = &R.procs[i];
        if (p->used && !p->exited && !p->spawned && !proc_alive(p)) {
            proc_gone(p);
            reaped = 1;
        }
    }
    /* Told in their place: what they wrote before they died comes first,
     * and each exit right after its own last trace line (events.c). */
    if (reaped) {
        read_outputs();
        events_settle();
    }
}

/* Process i, a child of ours, is on its way out (procfs_exiting): reap
 * it as soon as it is a zombie, waiting at most 1 s. Returns 1 when
 * reaped (its exit is then pending, to be told). */
int reap_exiting(int i)
{
    struct proc *p = &R.procs[i];
    int ws;
    if (!p->used || p->exited || !p->spawned || !procfs_exiting(p->pid))
        return 0;
    /* It is past the point of no return (PF_EXITING): a zombie soon, in
     * microseconds on an idle machine; up to 1 s on a busy one. */
    double until = now() + 1.0;
    do {
        pid_t w = waitpid(p->pid, &ws, WNOHANG);
        if (w == p->pid) {
            set_status(p, ws);
            p->exit_pending = 1;
            return 1;
        }
        if (w == -1)
            return 0;
        nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    } while (now() < until);
    return 0;
}

/* A followed process that is gone, its parent having reaped it: its exit
 * is told in its place with the others (events.c). */
void proc_gone(struct proc *p)
{
    p->exited = 1;
    p->exit_seq = ++exits_seen;
    p->state = PS_EXITED;
    scopy(p->status, sizeof p->status, "reaped by its parent");
    p->exit_pending = 1;
}

/* An exit reaped, into the transcript and the timeline. */
void tell_exit(int i)
{
    struct proc *p = &R.procs[i];
    char what[80];
    p->exit_pending = 0;
    tlog(p->spawned ? "exit %s %s" : "exit %s (%s)", p->name, p->status);
    snprintf(what, sizeof what, "exited: %s", p->status);
    timeline_now(i, what);
}

/* Append output; in the transcript, one line per complete output line. */
static void keep_output(struct proc *p, const char *buf, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (p->out_len == OUT_KEEP) {       /* keep the most recent bytes */
            memmove(p->out, p->out + OUT_KEEP / 2, OUT_KEEP / 2);
            p->out_len = OUT_KEEP / 2;
            p->out_dropped = 1;
        }
        p->out[p->out_len++] = buf[k];
    }
}

static void log_lines(struct proc *p, const char *buf, size_t n, int flush)
{
    static char line[MAX_PROCS][256];
    static size_t len[MAX_PROCS];
    int i = (int)(p - R.procs);

    for (size_t k = 0; k < n; k++) {
        if (buf[k] == '\n' || len[i] == sizeof line[i] - 1) {
            line[i][len[i]] = '\0';
            tlog("output %s | %s", p->name, line[i]);
            len[i] = 0;
        } else if (buf[k] != '\r') {       /* a NUL shown, not an end: '?' */
            line[i][len[i]++] = buf[k] ? buf[k] : '?';
        }
    }
    if (flush && len[i] > 0) {
        line[i][len[i]] = '\0';
        tlog("output %s | %s", p->name, line[i]);
        len[i] = 0;
    }
}

void read_outputs(void)
{
    char buf[4096];

    for (int i = 0; i < MAX_PROCS; i++) {
        struct proc *p = &R.procs[i];
        if (!p->used || p->out_fd < 0)
            continue;
        for (;;) {
            ssize_t n = read(p->out_fd, buf, sizeof buf);
            if (n > 0) {
                keep_output(p, buf, (size_t)n);
                log_lines(p, buf, (size_t)n, 0);
                continue;
            }
            if (n == -1 && (errno == EAGAIN || errno == EINTR))
                break;
            /* EOF, or EIO once every holder of the pty's slave is gone. */
            log_lines(p, "", 0, 1);
            close(p->out_fd);
            p->out_fd = -1;
            break;
        }
    }
}

/* Step mode: let the process through the traced call it waits before.
 * Returns -1 when its step pipe is closed. */
int proc_step_go(int i)
{
    struct proc *p = &R.procs[i];
    p->step_waiting = 0;
    p->go_t = now();
    p->go_runs = procfs_runs(p->pid);
    return write(p->step_fd, "g", 1) == 1 ? 0 : -1;
}

/* Through its pidfd: never another process that reuses the pid. */
int proc_signal(int i, int sig)
{
    struct proc *p = &R.procs[i];
    if (!p->used || p->exited || p->pidfd < 0)
        return -1;
    if (sig == SIGCONT || sig == SIGKILL)
        p->user_stopped = 0;                /* no longer the user's hold */
    return pidfd_send_signal(p->pidfd, sig, NULL, 0);
}

/* Queue bytes for its stdin (the loop writes them as it reads them).
 * Returns -1 when more than IN_KEEP bytes would wait. */
int proc_feed(int i, const char *s, size_t n)
{
    struct proc *p = &R.procs[i];
    if (p->in_len + n > IN_KEEP)
        return -1;
    char *grown = realloc(p->in_buf, p->in_len + n);
    if (grown == NULL && p->in_len + n > 0)
        return -1;
    p->in_buf = grown;
    memcpy(p->in_buf + p->in_len, s, n);
    p->in_len += n;
    write_inputs();
    return 0;
}

static void close_input(struct proc *p)
{
    if (p->in_fd >= 0)
        close(p->in_fd);
    p->in_fd = -1;
    free(p->in_buf);
    p->in_buf = NULL;
    p->in_len = 0;
    p->in_close = 0;
}

/* What the scenario fed, as far as each process reads it; then the close
 * it asked for. A process that closed its stdin or exited gets no more. */
void write_inputs(void)
{
    for (int i = 0; i < MAX_PROCS; i++) {
        struct proc *p = &R.procs[i];
        if (!p->used || p->in_fd < 0)
            continue;
        while (p->in_len > 0) {
            ssize_t w = write(p->in_fd, p->in_buf, p->in_len);
            if (w > 0) {
                memmove(p->in_buf, p->in_buf + w, p->in_len - (size_t)w);
                p->in_len -= (size_t)w;
            } else if (w == -1 && errno == EINTR) {
                continue;
            } else {
                if (w == -1 && errno != EAGAIN) {   /* EPIPE: nobody reads */
                    tlog("stdin %s: %s; %zu bytes not delivered", p->name,
                         strerror(errno), p->in_len);
                    close_input(p);
                }
                break;
            }
        }
        if (p->in_fd >= 0 && p->in_len == 0 && p->in_close)
            close_input(p);
    }
}

/* Close its stdin once everything queued is written. */
void proc_close_stdin(int i)
{
    R.procs[i].in_close = 1;
    write_inputs();
}

/* Descendants whose parents died came back to ipclab, their subreaper,
 * whether or not they were followed or still carry the run's mark (a
 * program may drop it): all of them go. The janitor is ipclab's too. */
static void kill_returned(void)
{
    pid_t kids[64];
    int n = procfs_children(getpid(), kids, 64);

    for (int k = 0; k < n; k++) {
        if (kids[k] == janitor_pid_of() || proc_index(kids[k]) >= 0)
            continue;
        int pidfd = pidfd_open(kids[k], 0);
        if (pidfd >= 0) {
            pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
            close(pidfd);
        }
    }
}

/* Are children of ipclab other than the janitor left (not yet reaped)? */
static int returned_left(void)
{
    pid_t kids[8];
    int n = procfs_children(getpid(), kids, 8);
    for (int k = 0; k < n; k++)
        if (kids[k] != janitor_pid_of())
            return 1;
    return 0;
}

/* SIGTERM to every group, a short grace, then SIGKILL; reap all. */
void stop_all(void)
{
    int live = 0;

    for (int sig = SIGTERM; ; sig = SIGKILL) {
        for (int i = 0; i < MAX_PROCS; i++) {
            struct proc *p = &R.procs[i];
            if (p->used && !p->exited) {
                /* Its group, which it leads: a spawned child not yet reaped
                 * keeps its pid, so the group id is still its own. */
                if (p->spawned)
                    kill(-p->pid, sig);
                proc_signal(i, sig);
                proc_signal(i, SIGCONT);    /* a stopped process must see it */
            }
        }
        for (int tries = 0; tries < 50; tries++) {
            reap_children();
            live = 0;
            for (int i = 0; i < MAX_PROCS; i++) {
                struct proc *p = &R.procs[i];
                /* A descendant that is not ours to reap: gone is enough. */
                if (p->used && !p->exited && !p->spawned && !proc_alive(p))
                    p->exited = 1;
                live += p->used && !p->exited;
            }
            if (live == 0)
                break;
            usleep(10000);
        }
        if (live == 0 || sig == SIGKILL)
            break;
    }
    kill_returned();
    for (int tries = 0; tries < 50 && returned_left(); tries++) {
        reap_children();
        usleep(10000);
    }
    read_outputs();
    for (int i = 0; i < MAX_PROCS; i++) {
        struct proc *p = &R.procs[i];
        if (!p->used)                       /* a zeroed slot's fds are not ours */
            continue;
        if (p->out_fd >= 0) close(p->out_fd);
        if (p->step_fd >= 0) close(p->step_fd);
        if (p->pidfd >= 0) close(p->pidfd);
        close_input(p);
        p->out_fd = p->step_fd = p->pidfd = -1;
    }
}
