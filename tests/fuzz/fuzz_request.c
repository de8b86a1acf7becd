/* fuzz_request.c - fifo_server's reading of request frames
 * (demos/02-fifos/fifo_server.c: frame_read, then take_request) on any bytes.
 *
 * Input: the bytes clients wrote to DIR/server. The target reads frames as
 * the server does, into its FRAME_MAX buffer, until EOF or a frame it cannot
 * read; each payload is copied to a buffer of exactly its size (a byte read
 * past it is an ASan report) and given to take_request.
 * Properties: a request is taken exactly when it is at most REQUEST_MAX
 * (4092) bytes, holds a NUL, and every byte before its first NUL is
 * printable ASCII; then its text starts right after that NUL, standard
 * output gets exactly "request N: PATH: TEXT\n" (an empty PATH as '', TEXT's
 * bytes that are not printable ASCII as '.') and standard error nothing; a request refused gets
 * one line on standard error, "PROG: request N: L bytes ...: refused", and
 * nothing on standard output.
 */
#define FUZZ_TRAP
#include "fuzz.h"

#define main fifo_server_main
#include "../../demos/02-fifos/fifo_server.c"
#undef main

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char buf[FRAME_MAX], want[FRAME_MAX + 64];
    char why[160], head[64];
    long len;
    volatile long n = 0;            /* kept across the longjmp of a fail() */
    size_t outlen, errlen;
    int fd = fuzz_stream(data, size);

    fuzz_output(&outlen);           /* nothing left from the last input */
    if (setjmp(fuzz_trap) != 0)
        fuzz_require(0, "fail() on a request: the server refuses it and goes on");
    while ((len = frame_read(fd, buf, sizeof buf, why, sizeof why)) >= 0) {
        char *req = malloc(len > 0 ? (size_t)len : 1), *errs = NULL;
        const char *nul = memchr(buf, '\0', (size_t)len), *p = buf;
        if (req == NULL)
            abort();
        memcpy(req, buf, (size_t)len);
        while (p < nul && *p >= ' ' && *p <= '~')
            p++;
        int ok = len <= REQUEST_MAX && nul != NULL && p == nul;
        n++;

        FILE *saved = stderr;       /* what take_request says, kept to check */
        stderr = open_memstream(&errs, &errlen);
        if (stderr == NULL)
            abort();
        long text = take_request(n, req, len);
        fclose(stderr);
        stderr = saved;
        const char *out = fuzz_output(&outlen);

        fuzz_require((text != -1) == ok, "a request taken that breaks the format, or refused"
                     " that keeps it");
        if (ok) {
            fuzz_require(text == nul - buf + 1, "a request's text does not start after its NUL");
            int w = snprintf(want, sizeof want, "request %ld: %s: ", n, buf[0] ? buf : "''");
            for (long k = text; k < len; k++)
                want[w++] = buf[k] >= ' ' && buf[k] <= '~' ? buf[k] : '.';
            want[w++] = '\n';
            fuzz_require(outlen == (size_t)w && memcmp(out, want, (size_t)w) == 0,
                         "a request not shown as \"request N: PATH: TEXT\" (TEXT printable)");
            fuzz_require(errlen == 0, "a request taken with a message");
        } else {
            int h = snprintf(head, sizeof head, "%s: request %ld: %ld bytes", progname(), n, len);
            fuzz_require(outlen == 0, "a request refused and shown");
            fuzz_require(errlen > (size_t)h && strncmp(errs, head, (size_t)h) == 0 &&
                         strcmp(errs + errlen - 10, ": refused\n") == 0 &&
                         memchr(errs, '\n', errlen) == errs + errlen - 1,
                         "a request refused without one line \"request N: L bytes ...: refused\"");
        }
        free(errs);
        free(req);
    }
    fuzz_require(len == FRAME_EOF || why[0] != '\0', "a frame not read, with no reason");
    return 0;
}
