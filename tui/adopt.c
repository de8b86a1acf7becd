/* adopt.c - the descendants ipclab follows without having spawned them (a
 * parent's child, mpirun's ranks), found in /proc or by a trace line:
 * checked to be ipclab's descendants, placed under their nearest followed
 * ancestor, and named from their command line, again when they exec. */
#include "ipclab.h"

#include <limits.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A name no other process of the run has: "pipe_child.py 2" for the
 * second child that runs the same program (two lanes never look alike). */
void unique_name(struct proc *p)
{
    char base[sizeof p->name], name[sizeof p->name];
    scopy(base, sizeof base, p->name);
    scopy(name, sizeof name, base);
    for (int n = 2, clash = 1; clash && n <= MAX_PROCS + 1; ) {
        clash = 0;
        for (int i = 0; i < MAX_PROCS && !clash; i++)
            clash = &R.procs[i] != p && R.procs[i].used && !strcmp(R.procs[i].name, name);
        if (clash)
            snprintf(name, sizeof name, "%.*s %d", (int)sizeof name - 5, base, n++);
    }
    scopy(p->name, sizeof p->name, name);
}

/* Its name and language from its command line: a Python's script, else
 * its program. Called at adoption and again when it execs (its comm
 * changes): a child adopted between fork and exec had its parent's. */
static void name_from_cmdline(struct proc *p)
{
    char path[64], buf[256] = "";
    size_t n = 0;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)p->pid);
    if ((f = fopen(path, "re")) != NULL) {
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
    }
    if (n == 0) {               /* a zombie has no command line: its comm */
        snprintf(path, sizeof path, "/proc/%ld/comm", (long)p->pid);
        if (p->cmd[0] == '\0' && (f = fopen(path, "re")) != NULL) {
            n = fread(buf, 1, 16, f);   /* TASK_COMM_LEN */
            fclose(f);
            buf[n] = '\0';
            buf[strcspn(buf, "\n")] = '\0';
            if (buf[0]) {
                char prog[PATH_MAX];            /* a lesson program: one of ours */
                snprintf(prog, sizeof prog, "%s/%s", R.bin, buf);
                scopy(p->name, sizeof p->name, buf);
                scopy(p->lang, sizeof p->lang, strstr(buf, "python") ? "Python"
                      : !strchr(buf, '/') && access(prog, X_OK) == 0 ? "C" : "program");
                unique_name(p);
            }
        }
        return;
    }
    buf[n] = '\0';
    const char *arg0 = buf, *arg1 = buf + strlen(buf) + 1;
    int python = strstr(arg0, "python") != NULL && arg1 < buf + n;
    const char *prog = python && arg1[0] != '-' ? arg1 : arg0;   /* not -c, -m */
    const char *base = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;
    scopy(p->name, sizeof p->name, base);
    unique_name(p);
    /* C: a lesson program (ipclab's bin folder); anything else (sleep, sh,
     * mpirun) is a program, labelled as such. */
    size_t bl = strlen(R.bin);
    int ours = !strncmp(arg0, R.bin, bl) && arg0[bl] == '/';
    scopy(p->lang, sizeof p->lang, python ? "Python" : ours ? "C" : "program");
    for (size_t k = 0; k + 1 < n; k++)
        if (buf[k] == '\0')
            buf[k] = ' ';
    scopy(p->cmd, sizeof p->cmd, buf);
}

/* The nearest followed ancestor of pid, from the kernel's parent links
 * (/proc/PID/stat); -1 for a descendant of ipclab without one (an orphan
 * that came back to ipclab, its subreaper); NOT_OURS for any other process. */
#define NOT_OURS (-2)
static int followed_ancestor(pid_t pid)
{
    for (int depth = 0; depth < 64 && pid > 1; depth++) {
        char path[64], stat[512];
        snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
        FILE *f = fopen(path, "re");
        size_t n = f ? fread(stat, 1, sizeof stat - 1, f) : 0;
        if (f)
            fclose(f);
        stat[n] = '\0';
        char *paren = strrchr(stat, ')');
        long ppid;
        if (paren == NULL || sscanf(paren + 1, " %*c %ld", &ppid) != 1)
            return NOT_OURS;
        pid = (pid_t)ppid;
        int i = proc_index(pid);
        if (i >= 0)
            return i;
        if (pid == getpid())
            return -1;
    }
    return NOT_OURS;
}

/* A descendant found in /proc (mpirun's ranks, a parent's child), or by
 * its first trace line: parent -1 means find it in the kernel. A pid named
 * by a trace line is only a claim: a process that is not a descendant of
 * ipclab is never followed (nor, at the end, signalled). */
int adopt_proc(pid_t pid, int parent)
{
    int i = proc_free_slot();

    if (i < 0)
        return -1;
    proc_init(&R.procs[i], pid, parent);    /* the pidfd first: then the /proc */
    if (parent < 0)                         /* we read is this process's, if */
        R.procs[i].parent = followed_ancestor(pid);   /* it is alive after */
    if (R.procs[i].parent == NOT_OURS || !proc_alive(&R.procs[i])) {
        if (R.procs[i].pidfd >= 0)
            close(R.procs[i].pidfd);
        R.procs[i].used = 0;
        return -1;
    }
    snprintf(R.procs[i].name, sizeof R.procs[i].name, "pid %ld", (long)pid);
    /* Its comm first, then its command line: an exec between the two
     * reads shows at the next sample as a new comm (proc_execed renames
     * it), never as the old program's name kept for good (a fork of
     * master.py, named master.py, that was already a C worker). */
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/comm", (long)pid);
    FILE *f = fopen(path, "re");
    size_t n = f ? fread(R.procs[i].comm, 1, sizeof R.procs[i].comm - 1, f) : 0;
    if (f)
        fclose(f);
    R.procs[i].comm[n] = '\0';
    R.procs[i].comm[strcspn(R.procs[i].comm, "\n")] = '\0';
    name_from_cmdline(&R.procs[i]);         /* a zombie: its comm */
    return i;
}

/* A pid whose trace lines came through our pipe but which was gone before
 * a sample saw it (a child its parent started and reaped within 0.1 s):
 * kept as an exited process, so its events have a lane. Never sampled or
 * signalled (no pidfd): the pid may be anyone's by now. */
int adopt_ghost(pid_t pid)
{
    int i = proc_free_slot();
    if (i < 0)
        return -1;
    struct proc *p = &R.procs[i];
    memset(p, 0, sizeof *p);
    p->used = p->exited = 1;
    p->pid = pid;
    p->pidfd = p->out_fd = p->in_fd = p->step_fd = -1;
    p->step_event = p->call_fd = p->parent = -1;
    p->state = PS_EXITED;
    snprintf(p->name, sizeof p->name, "pid %ld", (long)pid);
    scopy(p->lang, sizeof p->lang, "?");
    scopy(p->status, sizeof p->status, "gone before a sample saw it");
    return i;
}

/* The process's comm changed: it ran exec. Its name follows. */
void proc_execed(struct proc *p)
{
    char was[sizeof p->name];
    if (p->spawned)
        return;
    scopy(was, sizeof was, p->name);
    p->cmd[0] = '\0';             /* the old program's: a zombie is named by its comm */
    name_from_cmdline(p);
    if (strcmp(was, p->name) != 0)
        tlog("exec %s pid %d is now %s [%s]", was, (int)p->pid, p->name, p->lang);
}
