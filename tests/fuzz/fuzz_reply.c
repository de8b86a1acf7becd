/* fuzz_reply.c - pipe_parent's reading of its child's replies
 * (demos/01-pipes/pipe_parent.c: read_reply) on any bytes.
 *
 * Input: the bytes the child wrote to the up pipe before it closed it.
 * The target reads replies as pipe_parent does after its last ping, until
 * EOF; a reply that cannot be read ends the program with a message and
 * status 1 (fail, trapped here).
 * Properties: every reply is printed as one line "reply N: TEXT" with
 * TEXT printable ASCII (whatever bytes the child sent), N counting from 1;
 * a bad reply gets status 1 and a message naming it ("reply N from ...").
 */
#define FUZZ_TRAP
#include "fuzz.h"

#define main pipe_parent_main
#include "../../demos/01-pipes/pipe_parent.c"
#undef main

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* As if SENT pings had gone out: a reply past them is refused too. */
    enum { SENT = 4 };
    int fd = fuzz_stream(data, size);
    volatile long n = 1;            /* kept across the longjmp of a fail() */
    size_t len;
    const char *text;
    char head[48];

    fuzz_output(&len);              /* nothing left from the last input */
    if (setjmp(fuzz_trap) != 0) {
        snprintf(head, sizeof head, "reply %ld from ", (long)n);
        fuzz_require(fuzz_trap_status == 1, "a bad reply ends with a status other than 1");
        fuzz_require(strncmp(fuzz_trap_msg, head, strlen(head)) == 0,
                     "a bad reply's message does not name it (\"reply N from ...\")");
        return 0;
    }
    for (;;) {
        int more = read_reply(fd, n, SENT);
        text = fuzz_output(&len);
        if (!more) {
            fuzz_require(len == 0, "output at EOF");
            return 0;
        }
        int h = snprintf(head, sizeof head, "reply %ld: ", (long)n);
        fuzz_require(len > (size_t)h && strncmp(text, head, (size_t)h) == 0 &&
                     text[len - 1] == '\n', "a reply not printed as \"reply N: TEXT\"");
        for (size_t i = (size_t)h; i + 1 < len; i++)
            fuzz_require(text[i] >= ' ' && text[i] <= '~',
                         "a reply printed with a byte that is not printable ASCII");
        n = n + 1;
    }
}
