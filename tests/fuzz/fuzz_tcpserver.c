/* fuzz_tcpserver.c - tcp_server's poll loop reading a client's requests
 * (demos/04-tcp/tcp_server.c: take, answer, flush) on any bytes.
 *
 * Input: the bytes a client sent before closing its end. They wait in one
 * end of a Unix stream socketpair, the server's end non-blocking as
 * accept4 makes it; take() is called as poll() would call it, flush()
 * while a reply waits (the replies read from the other end), until the
 * server closes the client.
 * Properties: the requests shown on stdout are exactly the input's whole
 * frames of 0 to 65536 bytes, in order, up to the first frame that is not
 * ("request K from 127.0.0.1:1: TEXT", TEXT's bytes that are not printable
 * ASCII as '.'); the replies are exactly one frame "reply K: TEXT (from
 * C)" each; the client is then closed with one reason on stderr: "closed
 * the connection (recv 0) after K requests" at the input's end after a
 * whole frame, a length out of range, over 65536, or a frame cut short.
 */
#define FUZZ_TRAP
#include "fuzz.h"

#define main tcp_server_main
#include "../../demos/04-tcp/tcp_server.c"
#undef main

#include <fcntl.h>
#include <stdlib.h>

static int32_t le32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char want_out[4 * 1024 * 1024], replies[4 * 1024 * 1024];
    static unsigned char want_rep[4 * 1024 * 1024];
    struct sockaddr_in a = loopback(1);
    size_t outlen, errlen = 0, got = 0, wo = 0, wr = 0, at = 0;
    char *errs = NULL, why[96];
    int sv[2];
    long k = 0;

    if (size > 256 * 1024)
        return 0;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
        abort();
    int big = 4 * 1024 * 1024;
    (void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    for (size_t w = 0; w < size;) {
        ssize_t n = send(sv[1], data + w, size - w, 0);
        if (n <= 0)
            abort();
        w += (size_t)n;
    }
    if (shutdown(sv[1], SHUT_WR) == -1 || fcntl(sv[0], F_SETFL, O_NONBLOCK) == -1)
        abort();
    fuzz_output(&outlen);           /* nothing left from the last input */
    if (setjmp(fuzz_trap) != 0)
        fuzz_require(0, "fail() on a client's bytes: the server closes that client and goes on");

    /* What the server must do: every whole frame of 0 to 65536 bytes,
     * until the first that is not, or the end. */
    for (;;) {
        if (at == size) {
            snprintf(why, sizeof why, "closed the connection (recv 0) after %ld %s", k,
                     plural(k, "request", "requests"));
            break;
        }
        if (size - at < 4) {
            snprintf(why, sizeof why, "frame cut short by EOF: got %zu of 4 header bytes",
                     size - at);
            break;
        }
        long len = le32(data + at);
        if (len < 0 || len > FRAME_MAX) {
            snprintf(why, sizeof why, "frame length %ld is out of range", len);
            break;
        }
        if (len > REQUEST_MAX) {
            snprintf(why, sizeof why, "frame length %ld does not fit the", len);
            break;
        }
        if (size - at - 4 < (size_t)len) {
            snprintf(why, sizeof why, "frame cut short by EOF: got %zu of %ld payload bytes",
                     size - at - 4, len);
            break;
        }
        k++;
        int w = snprintf(want_out + wo, sizeof want_out - wo, "request %ld from 127.0.0.1:1: ", k);
        wo += (size_t)w;
        int r = snprintf((char *)want_rep + wr + 4, sizeof want_rep - wr - 4, "reply %ld: ", k);
        size_t rl = (size_t)r;
        for (long i = 0; i < len; i++) {
            uint8_t b = data[at + 4 + (size_t)i];
            char shown = b >= ' ' && b <= '~' ? (char)b : '.';
            want_out[wo++] = shown;
            want_rep[wr + 4 + rl++] = (unsigned char)shown;
        }
        want_out[wo++] = '\n';
        memcpy(want_rep + wr + 4 + rl, " (from C)", 9);
        rl += 9;
        frame_put_header(want_rep + wr, rl);
        wr += 4 + rl;
        at += 4 + (size_t)len;
    }

    FILE *saved = stderr;           /* what the server says, kept to check */
    stderr = open_memstream(&errs, &errlen);
    if (stderr == NULL)
        abort();
    struct client *c = &cl[0];
    add_client(c, sv[0], &a, 0);
    long turns = 0;
    while (c->fd != -1) {
        fuzz_require(++turns < 10 * 1000 * 1000, "the server never ends with this client");
        if (c->out_len) {           /* the client reads its replies, then POLLOUT */
            ssize_t n;
            while ((n = recv(sv[1], replies + got, sizeof replies - got, MSG_DONTWAIT)) > 0)
                got += (size_t)n;
            flush(c);
        } else {
            take(c);
        }
    }
    ssize_t n;
    while ((n = recv(sv[1], replies + got, sizeof replies - got, MSG_DONTWAIT)) > 0)
        got += (size_t)n;
    fclose(stderr);
    stderr = saved;
    close(sv[1]);

    const char *out = fuzz_output(&outlen);
    fuzz_require(outlen == wo && memcmp(out, want_out, wo) == 0,
                 "the requests shown are not the input's whole frames, in order, printable");
    /* The client's end stays open to the end: every reply is owed. */
    fuzz_require(got == wr && memcmp(replies, want_rep, wr) == 0,
                 "the replies are not one \"reply K: TEXT (from C)\" frame a request");
    char head[64];
    int h = snprintf(head, sizeof head, "%s: client 127.0.0.1:1: connected\n", progname());
    fuzz_require(errlen > (size_t)h && memcmp(errs, head, (size_t)h) == 0,
                 "no \"connected\" line first");
    char *last = errs + h;
    fuzz_require(strncmp(last, progname(), strlen(progname())) == 0 &&
                 strstr(last, why) != NULL && memchr(last, '\n', errlen - (size_t)h) ==
                 errs + errlen - 1, "the client closed without the one reason expected");
    free(errs);
    return 0;
}
