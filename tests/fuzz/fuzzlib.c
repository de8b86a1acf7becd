/* fuzzlib.c - see fuzz.h. */
#define FUZZ_TRAP           /* the prototypes of fuzz_fail and fuzz_die */
#include "fuzz.h"
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

jmp_buf fuzz_trap;
int fuzz_trap_status;
char fuzz_trap_msg[512];

/* A failed call in the harness itself: say which, and stop (a crash, to
 * libFuzzer: no input is to blame, but nothing after it would mean much). */
static void broken(const char *call)
{
    fprintf(stderr, "fuzz: %s: %s\n", call, strerror(errno));
    abort();
}

int fuzz_stream(const uint8_t *data, size_t size)
{
    static int fd = -1;

    if (fd == -1 && (fd = memfd_create("fuzz-stream", MFD_CLOEXEC)) == -1)
        broken("memfd_create fuzz-stream");
    if (ftruncate(fd, 0) == -1)
        broken("ftruncate fuzz-stream");
    /* pwrite may write less than asked: loop (a memfd never does, but). */
    for (size_t done = 0; done < size; ) {
        ssize_t w = pwrite(fd, data + done, size - done, (off_t)done);
        if (w <= 0)
            broken("pwrite fuzz-stream");
        done += (size_t)w;
    }
    if (lseek(fd, 0, SEEK_SET) == -1)
        broken("lseek fuzz-stream");
    return fd;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    int fd = memfd_create("fuzz-stdout", MFD_CLOEXEC);

    (void)argc, (void)argv;
    if (unsetenv("IPCLAB_TRACE_FD") == -1 || unsetenv("IPCLAB_STEP_FD") == -1)
        broken("unsetenv IPCLAB_TRACE_FD");
    if (fd == -1)
        broken("memfd_create fuzz-stdout");
    if (fflush(stdout) == EOF || dup2(fd, STDOUT_FILENO) == -1 || close(fd) == -1)
        broken("dup2 fuzz-stdout (fd 1)");
    return 0;
}

const char *fuzz_output(size_t *len)
{
    static char *buf;
    static size_t cap;
    struct stat st;

    if (fflush(stdout) == EOF || fstat(STDOUT_FILENO, &st) == -1)
        broken("fstat fuzz-stdout (fd 1)");
    size_t n = (size_t)st.st_size;
    if (n + 1 > cap) {
        char *more = realloc(buf, n + 1);
        if (more == NULL)
            broken("realloc fuzz-stdout");
        buf = more, cap = n + 1;
    }
    for (size_t done = 0; done < n; ) {
        ssize_t r = pread(STDOUT_FILENO, buf + done, n - done, (off_t)done);
        if (r <= 0)
            broken("pread fuzz-stdout (fd 1)");
        done += (size_t)r;
    }
    buf[n] = '\0';
    /* Emptied for the next input: stdout writes at its offset, so back to 0. */
    if (ftruncate(STDOUT_FILENO, 0) == -1 || lseek(STDOUT_FILENO, 0, SEEK_SET) == -1)
        broken("ftruncate fuzz-stdout (fd 1)");
    *len = n;
    return buf;
}

void fuzz_require(int ok, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz: property failed: %s\n", what);
    abort();
}

void fuzz_fail(int status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(fuzz_trap_msg, sizeof fuzz_trap_msg, fmt, ap);
    va_end(ap);
    fuzz_trap_status = status;
    longjmp(fuzz_trap, 1);
}

void fuzz_die(const char *fmt, ...)
{
    int err = errno;
    va_list ap;

    fprintf(stderr, "fuzz: a demo's call failed: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": %s\n", strerror(err));
    abort();
}
