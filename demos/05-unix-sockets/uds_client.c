/* uds_client.c - connect to uds_server and send it messages, one send()
 * each, on a stream, a datagram or a seqpacket socket.
 *
 * Usage: uds_client [--type stream|dgram|seqpacket] [--count N] [--size BYTES]
 *                   [--hold] [--] PATH|@NAME [TEXT...]
 *   PATH|@NAME    the server's socket, as its readiness line names it
 *   TEXT...       the messages, one send() each ("" too: an empty message,
 *                 no bytes on a stream); without TEXT, --count N
 *                 messages "message 1", "message 2"... (3 by default)
 *   --count N     how many: 0 sends until a send fails (to a server that
 *                 reads nothing: the queue fills, and send() sleeps)
 *   --size BYTES  each message BYTES long: "message K" then dots (1 to 65536)
 *   --type T      the server's type (stream by default); another type's
 *                 connect() is refused (EPROTOTYPE)
 *   --hold        after connect(), wait for SIGUSR1 before sending
 *
 * It prints "sent K: N bytes" once send() has returned for message K. What
 * to watch: the same three sends reach a stream server as bytes (one read
 * may take them all) and a dgram or seqpacket server as three messages. A
 * dgram send sleeps while the server's queue holds more than
 * /proc/sys/net/unix/max_dgram_qlen datagrams; a stream send while the
 * bytes queued at the server fill our send buffer. connect() is refused
 * (ECONNREFUSED) before the server listens, and sleeps while its backlog
 * is full. Mirror: python_peers/05-unix-sockets/uds_client.py.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "err.h"
#include "hold.h"
#include "rundir.h"
#include "trace.h"
#include "uds.h"

#define USAGE "usage: %s [--type stream|dgram|seqpacket] [--count N] [--size BYTES]" \
              " [--hold] [--] PATH|@NAME [TEXT...]"

int main(int argc, char *argv[])
{
    static char msg[65536];
    long count = -1, size = 0;
    int type = SOCK_STREAM, hold = 0, i;

    set_progname(argv[0]);
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--type") == 0) {
            const char *t = option_value(argc, argv, &i);
            if ((type = uds_type(t)) == -1)
                fail(2, "--type: '%s' is not stream, dgram or seqpacket", t);
        } else if (strcmp(argv[i], "--count") == 0)
            count = parse_long("--count", option_value(argc, argv, &i), 0, 1000000);
        else if (strcmp(argv[i], "--size") == 0)
            size = parse_long("--size", option_value(argc, argv, &i), 1, 65536);
        else if (strcmp(argv[i], "--hold") == 0)
            hold = 1;
        else if (strcmp(argv[i], "--") == 0 && ++i)     /* a PATH that starts with '-' */
            break;
        else
            fail(2, USAGE, argv[0]);
    }
    if (i >= argc)
        fail(2, USAGE, argv[0]);
    const char *name = argv[i++];
    int ntext = argc - i;
    char **text = argv + i;
    if (ntext > 0 && (count != -1 || size != 0))
        fail(2, "TEXT... or --count and --size, not both");
    for (int t = 0; t < ntext; t++)
        if (strlen(text[t]) > sizeof msg)
            fail(2, "TEXT %d: %zu bytes; a message is 0 to %zu bytes", t + 1, strlen(text[t]),
                 sizeof msg);
    if (ntext > 0)
        count = ntext;
    else if (count == -1)
        count = 3;
    struct sockaddr_un addr;
    socklen_t alen = uds_addr(name, &addr);     /* too long: refused before any call */
    uds_check_dir(name, 0);

    if (hold)       /* connect() may sleep (a full backlog): a cue then waits */
        hold_arm();
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd == -1)
        die("socket");
    /* The same call for all three types: a dgram socket "connected" to the
     * server's name sends there with plain send(). */
    if (connect(fd, (struct sockaddr *)&addr, alen) == -1) {
        int err = errno;
        struct stat st;         /* refused: by nobody listening, or no socket at all? */
        if (err == ECONNREFUSED && name[0] != '@' && lstat(name, &st) == 0 && !S_ISSOCK(st.st_mode))
            fail(1, "connect %s: %s: %s, not a socket", name, strerror(err), file_kind(st.st_mode));
        errno = err;
        die("connect %s", name);
    }
    if (hold)
        fprintf(stderr, "%s: connected to %s (%s): waiting for SIGUSR1 before sending"
                " (kill -USR1 %ld)\n", progname(), name, uds_type_name(type), (long)getpid());
    else
        fprintf(stderr, "%s: connected to %s (%s)\n", progname(), name, uds_type_name(type));
    if (hold)
        hold_until_sigusr1();

    for (long k = 1; count == 0 || k <= count; k++) {
        size_t len, done = 0;
        if (ntext > 0) {
            len = strlen(text[k - 1]);
            memcpy(msg, text[k - 1], len);
        } else {
            len = (size_t)snprintf(msg, sizeof msg, "message %ld", k);
            if (size != 0) {    /* "message 7......": BYTES long (cut, if shorter) */
                if (len < (size_t)size)
                    memset(msg + len, '.', (size_t)size - len);
                len = (size_t)size;
            }
        }
        /* MSG_NOSIGNAL: a server gone makes send() fail with EPIPE, which we
         * report, instead of raising SIGPIPE, which kills. A stream send a
         * signal cuts short goes on with the rest; a datagram goes whole.
         * An empty TEXT is sent too: a message on dgram and seqpacket,
         * nothing at all on a stream. */
        trace_before("send", fd, name, len, msg, len);     /* for ipclab's timeline */
        do {
            ssize_t w = send(fd, msg + done, len - done, MSG_NOSIGNAL);
            if (w == -1 && errno == EINTR)
                continue;
            if (w == -1) {
                trace_after("send", fd, -1, errno, NULL, 0);
                fail(1, "send %s: %s (after %ld %s)", name, strerror(errno), k - 1,
                     plural(k - 1, "message", "messages"));
            }
            done += (size_t)w;
        } while (done < len);
        trace_after("send", fd, (long)done, 0, NULL, 0);
        out("sent %ld: %zu %s\n", k, len, plural((long)len, "byte", "bytes"));
    }
    if (close(fd) == -1)
        die("close %s", name);
    close_stdout();
    return 0;
}
