/* replay.c - the main of a fuzz target built without libFuzzer (make
 * fuzz-replay, make test): every input file named, or in a folder named,
 * goes through LLVMFuzzerTestOneInput once, in name order, under the
 * sanitizers the target is built with. A report (or a property that
 * failed) ends the process, and "replay: the input was PATH" on stderr
 * names the input that did it.
 *
 * Usage: replay-NAME [-v] PATH...   (files, or folders of files; in a
 *        folder, NAME.note files and names starting with '.' are skipped)
 * Prints "NAME: N inputs replayed" and exits 0; a PATH that cannot be
 * read exits 1, bad usage 2. */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* libFuzzer's optional set-up hook: called first when the target has one. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
/* The sanitizers' hook, run after a report, before the process ends. */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static int verbose;
static long replayed;
static char culprit[4200];      /* "replay: the input was PATH\n", made before each run */
static size_t culprit_len;

/* After a sanitizer report or an abort() (a property that failed): name
 * the input. Only write(): it may run in a signal handler. */
static void name_culprit(void)
{
    if (write(STDERR_FILENO, culprit, culprit_len) == -1) {
        /* stderr is gone: nothing else to tell */
    }
}

static void on_abort(int sig)
{
    name_culprit();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat st;

    if (f == NULL || fstat(fileno(f), &st) == -1) {
        fprintf(stderr, "replay: open %s: %s\n", path, strerror(errno));
        exit(1);
    }
    size_t n = (size_t)st.st_size;
    /* malloc'd at its exact size (1 byte for an empty file), as libFuzzer
     * does: a read past the input's end is an ASan report. */
    uint8_t *data = malloc(n ? n : 1);
    if (data == NULL || fread(data, 1, n, f) != n || ferror(f)) {
        fprintf(stderr, "replay: read %s: %s\n", path, data ? "short read" : "no memory");
        exit(1);
    }
    if (fclose(f) == EOF) {
        fprintf(stderr, "replay: close %s: %s\n", path, strerror(errno));
        exit(1);
    }
    if (verbose)
        fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
    snprintf(culprit, sizeof culprit, "replay: the input was %s\n", path);
    culprit_len = strlen(culprit);
    LLVMFuzzerTestOneInput(data, n);
    free(data);
    replayed++;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_input(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && !(n > 5 && strcmp(d->d_name + n - 5, ".note") == 0);
}

static void replay_path(const char *path)
{
    struct stat st;
    struct dirent **names;
    char file[4096];

    if (stat(path, &st) == -1) {
        fprintf(stderr, "replay: stat %s: %s\n", path, strerror(errno));
        exit(1);
    }
    if (!S_ISDIR(st.st_mode)) {
        replay_file(path);
        return;
    }
    int n = scandir(path, &names, is_input, by_name);
    if (n == -1) {
        fprintf(stderr, "replay: scandir %s: %s\n", path, strerror(errno));
        exit(1);
    }
    for (int i = 0; i < n; i++) {
        snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name);
        replay_file(file);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char *argv[])
{
    const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    int first = 1;

    if (argc > 1 && strcmp(argv[1], "-v") == 0)
        verbose = 1, first = 2;
    if (first >= argc) {
        fprintf(stderr, "usage: %s [-v] PATH...\n", argv[0]);
        return 2;
    }
    /* A target may take descriptor 1 for itself (fuzz_capture_stdout):
     * the summary goes to a copy of it made first. */
    int out = dup(STDOUT_FILENO);
    if (out == -1) {
        perror("replay: dup stdout");
        return 1;
    }
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(name_culprit);
    if (signal(SIGABRT, on_abort) == SIG_ERR) {
        perror("replay: signal SIGABRT");
        return 1;
    }
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = first; i < argc; i++)
        replay_path(argv[i]);
    if (dprintf(out, "%s: %ld %s replayed\n", name, replayed,
                replayed == 1 ? "input" : "inputs") < 0 || close(out) == -1) {
        perror("replay: write stdout");
        return 1;
    }
    return 0;
}
