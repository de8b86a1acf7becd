/* skeleton.c - an exercise's skeleton as the kit shipped it, for ipclab
 * reset: from git (the last commit that changed the file and is not the
 * learner's own), or from the pristine copy `make install` keeps. */
#include "ipclab.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* git -C ROOT ARGS... (NULL-terminated, at most 8) with its standard
 * output into fd, stderr muted; git's exit status, or -1 with why when it
 * could not start. Reading a checkout someone else owns: git refuses
 * ("dubious ownership") unless told the folder is safe. */
static int git_into(int fd, const char *const args[], char *why, size_t wlen)
{
    char safe[PATH_MAX + 32];
    snprintf(safe, sizeof safe, "safe.directory=%s", R.root);
    char *argv[16] = { "git", "-c", safe, "-C", R.root };
    for (int i = 0; i < 8 && args[i]; i++)
        argv[5 + i] = (char *)args[i];
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int ws;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd, STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    int err = posix_spawnp(&pid, "git", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err != 0) {
        snprintf(why, wlen, "git: %s", strerror(err));
        return -1;
    }
    while (waitpid(pid, &ws, 0) == -1 && errno == EINTR)
        ;
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128;
}

/* git's output (at most len - 1 bytes) into out; git's status, -1 when it
 * could not start. */
static int git_text(const char *const args[], char *out, size_t len)
{
    char why[80];
    FILE *f = tmpfile();
    out[0] = '\0';
    if (!f)
        return -1;
    int st = git_into(fileno(f), args, why, sizeof why);
    rewind(f);
    size_t n = fread(out, 1, len - 1, f);
    out[n] = '\0';
    fclose(f);
    return st;
}

/* The last commit that changed rel and is not the learner's own (its
 * author is not who git would name as the author now: git var
 * GIT_AUTHOR_IDENT), into hash; whether commits of theirs changed rel
 * after it, into own. Returns 0, or -1 when none is found. A learner who
 * commits (and pushes) their work still gets the kit's skeleton back. */
static int kit_commit(const char *rel, char hash[41], int *own)
{
    /* 50 commits of 40 + 1 + at most 254 (an address) + 1 bytes fit. */
    char me[320], log[16384];
    const char *var[] = { "var", "GIT_AUTHOR_IDENT", NULL };
    const char *lg[] = { "log", "--format=%H %ae", "-n", "50", "HEAD", "--", rel, NULL };
    char *lt = NULL, *gt = NULL;
    if (git_text(var, me, sizeof me) == 0 && (lt = strchr(me, '<')) && (gt = strchr(lt, '>')))
        *gt = '\0';
    const char *email = lt && gt ? lt + 1 : "";
    if (git_text(lg, log, sizeof log) != 0)
        return -1;
    *own = 0;
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
        char *sp = strchr(line, ' ');
        if (!sp || sp - line != 40)
            continue;
        if (*email && !strcmp(sp + 1, email)) {
            *own = 1;                   /* theirs: look further back */
            continue;
        }
        memcpy(hash, line, 40);
        hash[40] = '\0';
        return 0;
    }
    return -1;
}

/* The skeleton of path (relative to the kit) into fd: in a git checkout,
 * from the last commit that changed it, skipping the learner's own
 * commits; otherwise from the pristine copy `make install` keeps. Returns
 * 0, or -1 with what failed in why. */
int skeleton_into(const char *rel, int fd, char *why, size_t wlen, const char **from)
{
    char git[PATH_MAX + 8], spec[PATH_MAX + 48], pristine[PATH_MAX + 32], hash[41];
    snprintf(git, sizeof git, "%s/.git", R.root);
    if (access(git, F_OK) == 0) {
        int own = 0;
        if (kit_commit(rel, hash, &own) == -1) {
            snprintf(hash, sizeof hash, "HEAD");
            own = 0;
        }
        snprintf(spec, sizeof spec, "%s:%s", hash, rel);
        const char *args[] = { "show", spec, NULL };
        int st = git_into(fd, args, why, wlen);
        if (st == -1)
            return -1;
        if (st != 0) {
            snprintf(why, wlen, "git show HEAD:%s: not in the checkout's last commit", rel);
            return -1;
        }
        *from = own ? "the last commit of it that is not yours: "
                      "a commit of yours changed it" : "the checkout's last commit";
        return 0;
    }
    snprintf(pristine, sizeof pristine, "%s/.pristine/%s", R.root, rel);
    int in = open(pristine, O_RDONLY | O_CLOEXEC);
    char buf[8192];
    ssize_t n = 0;
    while (in != -1 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(fd, buf, (size_t)n) != n)
            n = -1;
    if (in == -1 || n < 0) {
        snprintf(why, wlen, "%s: %s (not a git checkout, and no copy kept by make install)",
                 pristine, strerror(errno));
        if (in != -1)
            close(in);
        return -1;
    }
    close(in);
    *from = "the copy make install kept";
    return 0;
}

