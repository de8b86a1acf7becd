/* janitor.c - nothing of a run may outlive it.
 *
 * Every run has a private directory (0700) holding its FIFOs and a registry
 * of the named objects it handed out; every process it starts carries
 * IPCLAB_RUN=ID in its environment (descendants inherit it). Cleaning a run
 * means: SIGKILL every process with that mark, remove every POSIX object
 * named /ipclab-ID-*, every System V object under a registered key, and the
 * directory. Three paths lead there:
 *   - ipclab's normal end (any key, signal, error) calls clean_run_dir;
 *   - a janitor process, forked at start, waits for EOF on a pipe whose only
 *     write end ipclab holds: when ipclab dies, even by SIGKILL, it cleans;
 *   - `ipclab clean` cleans every run whose ipclab is gone.
 */
#include "ipclab.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/random.h>
#include <sys/pidfd.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static int janitor_w = -1;
static pid_t janitor_pid = -1;
static int nkeys;

/* $XDG_RUNTIME_DIR/ipclab, else /tmp/ipclab-UID: ours, 0700, no symlink.
 * When it is not, why in words (else ""). */
static char base_why[200];

static int base_dir(char *out, size_t len)
{
    const char *x = getenv("XDG_RUNTIME_DIR");
    struct stat st;

    base_why[0] = '\0';
    if (x && *x && access(x, W_OK) == 0)
        snprintf(out, len, "%.150s/ipclab", x);
    else
        snprintf(out, len, "/tmp/ipclab-%ld", (long)getuid());
    if (mkdir(out, 0700) == -1 && errno != EEXIST)
        return -1;
    if (lstat(out, &st) == -1)
        return -1;
    if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077)) {
        errno = EPERM;              /* someone else's, or open to others */
        if (!S_ISDIR(st.st_mode))
            snprintf(base_why, sizeof base_why, "not a directory (%s); ipclab will not use it",
                     S_ISLNK(st.st_mode) ? "a symbolic link" : "a file");
        else if (st.st_uid != getuid())
            snprintf(base_why, sizeof base_why, "owned by user %ld, not you (%ld): someone "
                     "made it before you; ask them or root to remove it", (long)st.st_uid,
                     (long)getuid());
        else
            snprintf(base_why, sizeof base_why, "mode %03o, open to others: chmod 700 it, "
                     "or remove it", (unsigned)(st.st_mode & 0777));
        return -1;
    }
    return 0;
}

int run_dir_create(char *err, size_t errlen)
{
    char base[160];

    if (base_dir(base, sizeof base) == -1) {
        snprintf(err, errlen, "private directory %s: %s", base,
                 base_why[0] ? base_why : strerror(errno));
        return -1;
    }
    snprintf(R.dir, sizeof R.dir, "%s/run-%ld", base, R.id);
    nkeys = 0;                              /* a restart's objects are gone */
    if (mkdir(R.dir, 0700) == 0)
        return 0;
    /* It exists: this run's, restarted; or a dead run's whose ipclab had
     * our pid, left for `ipclab clean`: its objects are not ours to use. */
    if (errno == EEXIST && R.gen == 0) {
        clean_run_dir(R.dir, R.id);
        if (mkdir(R.dir, 0700) == 0)
            return 0;
    }
    if (errno == EEXIST && R.gen > 0)
        return 0;
    snprintf(err, errlen, "mkdir %s: %s", R.dir, strerror(errno));
    return -1;
}

void registry_add(const char *kind, const char *what)
{
    char path[260], line[400];
    snprintf(path, sizeof path, "%s/objects", R.dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd == -1)
        return;
    int n = snprintf(line, sizeof line, "%s %s\n", kind, what);
    (void)!write(fd, line, (size_t)n);
    close(fd);
}

/* Does anything exist under the POSIX name: a segment, a semaphore, a
 * queue? (A queue's mq_open fails with ENOENT only when there is none.) */
static int posix_name_taken(const char *name)
{
    char path[300];
    snprintf(path, sizeof path, "/dev/shm/%s", name + 1);
    if (access(path, F_OK) == 0)
        return 1;
    snprintf(path, sizeof path, "/dev/shm/sem.%s", name + 1);
    if (access(path, F_OK) == 0)
        return 1;
    mqd_t q = mq_open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (q != (mqd_t)-1)
        mq_close(q);
    return q != (mqd_t)-1 || errno != ENOENT;
}

/* /ipclab-ID-NAME, or, when someone already has that name (another user
 * may make names in /dev/shm before we run), /ipclab-ID-NAME-XXXXXX with
 * random hex: a run never works on an object it did not make. name is
 * checked by the caller: letters, digits, '.', '_' and '-' only, so a line
 * of the registry can never name anything else. */
void ipcname(const char *name, char *out, size_t len)
{
    snprintf(out, len, "/ipclab-%ld-%s", R.id, name);
    for (int tries = 0; tries < 16 && posix_name_taken(out); tries++) {
        unsigned r = 0;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
            r = (unsigned)now() ^ (unsigned)tries;
        snprintf(out, len, "/ipclab-%ld-%s-%06x", R.id, name, r & 0xffffff);
    }
    registry_add("posix", out);
}

/* A System V key no other live run can hold: the run id (ipclab's pid,
 * below 2^22, unique among live processes) times 256, plus the name's
 * number in this run (1 to 255); one that someone already uses is skipped.
 * Returns -1 when the run has used them all. */
long sysvkey(const char *name)
{
    char what[64];
    while (++nkeys < 256) {
        long key = R.id << 8 | nkeys;
        if (msgget((key_t)key, 0) != -1 || shmget((key_t)key, 0, 0) != -1 ||
            semget((key_t)key, 0, 0) != -1)
            continue;                       /* taken (not by a run of ours) */
        snprintf(what, sizeof what, "%ld %.40s", key, name);
        registry_add("sysv", what);
        return key;
    }
    return -1;
}

/* Does the process's environment hold the mark? Read whole (environ may
 * be far longer than any buffer), one entry at a time. */
static int has_mark(pid_t pid, const char *mark)
{
    char path[64], buf[4096];
    size_t mlen = strlen(mark), at = 0;     /* at: bytes of this entry so far */
    int match = 1, found = 0;
    ssize_t n;

    snprintf(path, sizeof path, "/proc/%ld/environ", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        return 0;
    while (!found && (n = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n && !found; i++) {
            if (buf[i] == '\0') {
                found = match && at == mlen;
                at = 0;
                match = 1;
                continue;
            }
            match = match && at < mlen && buf[i] == mark[at];
            at++;
        }
    close(fd);
    return found;
}

/* SIGKILL every process carrying the mark. Through a pidfd opened before
 * the check: if the process is still alive after its environment was
 * read, that environment was its own, and the signal cannot reach a
 * process that got its pid meanwhile. */
static void kill_marked(long id)
{
    char mark[48];
    DIR *d = opendir("/proc");
    struct dirent *e;

    snprintf(mark, sizeof mark, "IPCLAB_RUN=%ld", id);
    while (d && (e = readdir(d)) != NULL) {
        pid_t pid = (pid_t)atol(e->d_name);
        if (pid <= 0 || pid == getpid())
            continue;
        int pidfd = pidfd_open(pid, 0);
        if (pidfd == -1)
            continue;
        if (has_mark(pid, mark))
            pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
        close(pidfd);
    }
    if (d)
        closedir(d);
}

/* Remove a file only if this user made it: another user may make a file
 * under one of our names (/dev/shm is open to all), and root could remove
 * it. */
static void unlink_ours(const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0 && st.st_uid == getuid())
        unlink(path);
}

/* A POSIX queue of ours: its owner asked of the queue itself (on Linux an
 * mqd_t is a file descriptor: fstat), then mq_unlink. Another user's
 * (made at the name after ours was gone) is left. */
static void mq_unlink_ours(const char *name)
{
    struct stat st;
    mqd_t q = mq_open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (q == (mqd_t)-1)
        return;
    int mine = fstat(q, &st) == 0 && st.st_uid == getuid();
    mq_close(q);
    if (mine)
        mq_unlink(name);
}

static void unlink_prefixed(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[600];

    while (d && (e = readdir(d)) != NULL)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink_ours(path);
        }
    if (d)
        closedir(d);
}

void clean_run_dir(const char *dir, long id)
{
    char path[300], prefix[64], kind[16], what[300];
    FILE *f;

    kill_marked(id);
    snprintf(path, sizeof path, "%s/objects", dir);
    if ((f = fopen(path, "re")) != NULL) {
        /* The registry is ours (0600 in our 0700 folder), but each line is
         * still checked: only this run's names and keys are ever removed. */
        snprintf(prefix, sizeof prefix, "/ipclab-%ld-", id);
        while (fscanf(f, "%15s %299[^\n]", kind, what) == 2) {
            if (strcmp(kind, "posix") == 0 && strncmp(what, prefix, strlen(prefix)) == 0 &&
                strchr(what + 1, '/') == NULL) {
                char path[320];
                snprintf(path, sizeof path, "/dev/shm/%s", what + 1);
                unlink_ours(path);              /* shm_unlink, after a look */
                snprintf(path, sizeof path, "/dev/shm/sem.%s", what + 1);
                unlink_ours(path);              /* sem_unlink, the same */
                mq_unlink_ours(what);           /* mq_unlink, after a look */
            } else if (strcmp(kind, "sysv") == 0 && atol(what) >> 8 == id) {
                key_t key = (key_t)atol(what);
                int q = msgget(key, 0), m = shmget(key, 0, 0), s = semget(key, 0, 0);
                struct msqid_ds qd;
                struct shmid_ds md;
                struct semid_ds sd;
                union { int val; struct semid_ds *buf; } arg = { .buf = &sd };
                /* Ours only: the owner, from the kernel's table (IPC_STAT). */
                if (q != -1 && msgctl(q, IPC_STAT, &qd) == 0 && qd.msg_perm.uid == getuid())
                    msgctl(q, IPC_RMID, NULL);
                if (m != -1 && shmctl(m, IPC_STAT, &md) == 0 && md.shm_perm.uid == getuid())
                    shmctl(m, IPC_RMID, NULL);
                if (s != -1 && semctl(s, 0, IPC_STAT, arg) == 0 && sd.sem_perm.uid == getuid())
                    semctl(s, 0, IPC_RMID);
            }
        }
        fclose(f);
    }
    snprintf(prefix, sizeof prefix, "ipclab-%ld-", id);
    unlink_prefixed("/dev/shm", prefix);
    unlink_prefixed("/dev/mqueue", prefix);
    snprintf(prefix, sizeof prefix, "sem.ipclab-%ld-", id);
    unlink_prefixed("/dev/shm", prefix);
    /* The directory holds only files we made: FIFOs, sockets, the registry. */
    unlink_prefixed(dir, "");
    rmdir(dir);
}

int janitor_start(void)
{
    int p[2];

    /* The terminal's modes before the screen changed them (taken here, not
     * in the child, which may run after ui_start; from the screen's own
     * copy when the menu has it up already): if ipclab dies with the
     * terminal raw (SIGKILL), the janitor puts them back. */
    struct termios was, now;
    int tty_ok = isatty(STDIN_FILENO) &&
                 (ui_saved_modes(&was) == 0 || tcgetattr(STDIN_FILENO, &was) == 0);
    int screen = ui_is_up();

    if (pipe2(p, O_CLOEXEC) == -1)
        return -1;
    janitor_pid = fork();
    if (janitor_pid == -1)
        return -1;
    if (janitor_pid == 0) {
        char c;
        int tty = tty_ok ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3) : -1;
        /* Its own group, deaf to the terminal's signals: it must outlive
         * ipclab, not die with it. */
        setpgid(0, 0);
        signal(SIGINT, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        signal(SIGQUIT, SIG_IGN);
        signal(SIGTTOU, SIG_IGN);           /* tcsetattr from a background group */
        for (int fd = 0; fd < 1024; fd++)
            if (fd != p[0] && fd != tty)
                close(fd);
        /* ipclab says 's' when its screen goes up, 'n' when it comes down,
         * 'q' at its normal end (it cleaned up itself); EOF means it died. */
        ssize_t n;
        for (;;) {
            n = read(p[0], &c, 1);
            if (n == -1 && errno == EINTR)
                continue;
            if (n != 1 || c == 'q')
                break;
            screen = c == 's';
        }
        if (n != 1) {                       /* EOF: ipclab died */
            clean_run_dir(R.dir, R.id);
            /* The modes, and the alternate screen: an interactive bash
             * puts back the modes of a job killed by a signal, not the
             * screen. */
            if (tty >= 0 && tcgetattr(tty, &now) == 0 &&
                (screen || now.c_lflag != was.c_lflag || now.c_iflag != was.c_iflag)) {
                static const char reset[] = "\033[0m\033[?1049l\033[?25h\r\n";
                tcsetattr(tty, TCSANOW, &was);
                (void)!write(tty, reset, sizeof reset - 1);
            }
        }
        _exit(0);
    }
    close(p[0]);
    janitor_w = p[1];
    return 0;
}

/* From a signal handler, when ipclab must go at once: the janitor sees EOF
 * and cleans everything up; wait for it. Async-signal-safe. */
void janitor_now(void)
{
    if (janitor_w >= 0) {
        close(janitor_w);
        janitor_w = -1;
        waitpid(janitor_pid, NULL, 0);
    }
}

/* The screen went up (on = 1) or came down (0): after ipclab's death the
 * janitor leaves the alternate screen only if it was up. Async-signal-safe. */
void janitor_screen(int on)
{
    if (janitor_w >= 0)
        (void)!write(janitor_w, on ? "s" : "n", 1);
}

pid_t janitor_pid_of(void)
{
    return janitor_pid;
}

/* The normal end: ipclab cleaned up itself; the janitor leaves quietly. */
void janitor_finish(void)
{
    if (janitor_w >= 0) {
        (void)!write(janitor_w, "q", 1);
        close(janitor_w);
        waitpid(janitor_pid, NULL, 0);
        janitor_w = -1;
    }
}

/* ipclab clean: every run of ours whose ipclab is gone. */
int clean_leftovers(int verbose)
{
    char base[160], dir[400];
    DIR *d;
    struct dirent *e;
    int n = 0;

    if (base_dir(base, sizeof base) == -1 || (d = opendir(base)) == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        long id;
        char comm[64] = "";
        if (sscanf(e->d_name, "run-%ld", &id) != 1)
            continue;
        snprintf(dir, sizeof dir, "/proc/%ld/comm", id);
        FILE *f = fopen(dir, "re");
        if (f) {
            if (!fgets(comm, sizeof comm, f)) comm[0] = '\0';
            fclose(f);
        }
        if (strncmp(comm, "ipclab", 6) == 0)
            continue;                       /* still running */
        snprintf(dir, sizeof dir, "%s/%.30s", base, e->d_name);
        if (verbose)
            printf("ipclab clean: removing what run %ld left\n", id);
        clean_run_dir(dir, id);
        n++;
    }
    closedir(d);
    if (verbose && n == 0)
        printf("ipclab clean: nothing left by earlier runs\n");
    return n;
}
