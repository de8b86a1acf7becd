/* uds_server.c - a Unix domain socket server: who each client is, and what
 * each read returns, on a stream, a datagram or a seqpacket socket.
 *
 * Usage: uds_server [--type stream|dgram|seqpacket] [--read-size N] [-n COUNT]
 *                   [--backlog N] [--hold] [--no-read] [--any-user] [--] PATH|@NAME
 *   PATH           the socket file to make (0600) in a private 0700 directory
 *                  of ours; @NAME: a name in Linux's abstract namespace, no file
 *   --type T       stream (the default): a byte stream, as TCP; dgram: one
 *                  datagram a message, no connection; seqpacket: connected as
 *                  a stream, one message a read as dgram
 *   --read-size N  each read asks for at most N bytes (1 to 65536, default 4096)
 *   -n COUNT       end after COUNT clients (dgram: COUNT messages); 0, the
 *                  default: until a signal
 *   --backlog N    listen()'s backlog: connections queued until accept() (16)
 *   --hold         after bind(), wait for SIGUSR1 before listen() (dgram: before
 *                  reading): meanwhile a connect() is refused (dgram: they queue)
 *   --no-read      never read: what clients send fills the queues
 *   --any-user     serve clients of any user (else only those of our own uid;
 *                  dgram: read only messages from our uid, SO_PASSCRED)
 *
 * Its first line on stdout is "listening on NAME" (dgram: "bound to NAME")
 * once a client can connect: the readiness line a client waits for, never a
 * sleep. Then for each client of a stream or seqpacket server who it is, as
 * the kernel says (SO_PEERCRED): "client pid P uid U gid G", and for each
 * read "read K: N bytes: TEXT". What to watch: a stream keeps no boundaries
 * (three sends, one read), dgram and seqpacket keep each message whole (one
 * read each; a read too small cuts it: MSG_TRUNC). The socket file goes at
 * the end, and on a signal that ends it (SIGTERM, SIGUSR1...). One that a
 * crashed server left makes bind() fail (EADDRINUSE): it is removed only
 * when a connect() to it is refused (nobody there), never blindly.
 * Mirror: python_peers/05-unix-sockets/uds_server.py. Client: uds_client.c.
 */
#include <errno.h>
#include <poll.h>
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

#define USAGE "usage: %s [--type stream|dgram|seqpacket] [--read-size N] [-n COUNT]" \
              " [--backlog N] [--hold] [--no-read] [--any-user] [--] PATH|@NAME"

/* One recvmsg() of at most size bytes, printed "read K: N bytes: TEXT", its
 * bytes that are not printable ASCII as '.' (shown, never obeyed). Returns
 * what it read: 0 ends a stream or seqpacket connection (dgram: an empty
 * datagram, printed). A datagram comes with its sender's credentials
 * (SO_PASSCRED: SCM_CREDENTIALS, filled in by the kernel): one from
 * another uid is refused unless any_user, as a connection would be. */
static long refused;             /* clients or messages refused: said at the end */

static ssize_t take(int fd, const char *name, long size, long k, int type, int any_user)
{
    int dgram = type == SOCK_DGRAM;
    static char buf[65536];
    union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(struct ucred))]; } ctl;
    struct iovec iov = { buf, (size_t)size };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
                          .msg_controllen = dgram ? sizeof ctl.b : 0 };
    struct ucred who = { 0, (uid_t)-1, (gid_t)-1 };
    ssize_t r;

    trace_before("recvmsg", fd, name, (size_t)size, NULL, 0);     /* for ipclab's timeline */
    while ((r = recvmsg(fd, &msg, 0)) == -1 && errno == EINTR)
        ;
    trace_after("recvmsg", fd, (long)r, errno, buf, r > 0 ? (size_t)r : 0);
    if (r == -1)
        die("recvmsg %s", name);
    struct cmsghdr *h = dgram ? CMSG_FIRSTHDR(&msg) : NULL;
    if (h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_CREDENTIALS &&
        h->cmsg_len == CMSG_LEN(sizeof who))
        memcpy(&who, CMSG_DATA(h), sizeof who);
    if (dgram && who.uid != geteuid() && !any_user) {
        fprintf(stderr, "%s: message %ld from pid %ld: uid %ld is not ours (%ld): refused"
                " (--any-user lets it in)\n", progname(), k, (long)who.pid, (long)who.uid,
                (long)geteuid());
        refused++;
        return r;
    }
    /* seqpacket: an empty message reads as 0 bytes, as the end does. It was
     * a message if the peer is still there (no POLLRDHUP) or more is queued
     * (an empty one sent just before the peer closed looks like the end). */
    struct pollfd end = { fd, POLLRDHUP, 0 };
    if (r == 0 && type == SOCK_SEQPACKET
        && (poll(&end, 1, 0) == 0 || recv(fd, buf, 1, MSG_PEEK | MSG_DONTWAIT) > 0)) {
        out("read %ld: 0 bytes: an empty message (not the end)\n", k);
        return 1;
    }
    for (ssize_t i = 0; i < r; i++)
        buf[i] = buf[i] >= ' ' && buf[i] <= '~' ? buf[i] : '.';
    if (r > 0 || dgram)         /* a message longer than size: its rest is gone */
        out("read %ld: %zd %s: %.*s%s\n", k, r, plural(r, "byte", "bytes"), (int)r, buf,
            msg.msg_flags & MSG_TRUNC ? " (cut short: MSG_TRUNC, the rest of it is lost)" : "");
    return r;
}

/* A connected client: who it is, as the kernel recorded it when it
 * connected (SO_PEERCRED: pid, uid, gid; nothing it could forge), then,
 * unless refused, every read until it closes. */
static void serve(int c, const char *name, int type, long size, int any_user, int no_read)
{
    struct ucred who;
    socklen_t len = sizeof who;
    long k = 0;

    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &who, &len) == -1)
        die("getsockopt SO_PEERCRED %s", name);
    out("client pid %ld uid %ld gid %ld\n", (long)who.pid, (long)who.uid, (long)who.gid);
    if (who.uid != geteuid() && !any_user) {
        fprintf(stderr, "%s: client pid %ld: uid %ld is not ours (%ld): refused"
                " (--any-user lets it in)\n", progname(), (long)who.pid, (long)who.uid,
                (long)geteuid());
        refused++;
    } else if (no_read) {
        fprintf(stderr, "%s: client pid %ld: not reading it (--no-read)\n", progname(),
                (long)who.pid);
        return;                 /* kept open, unread, until we end */
    } else {
        while (take(c, name, size, ++k, type, 1) > 0)
            ;
        fprintf(stderr, "%s: client pid %ld: end of stream after %ld %s\n", progname(),
                (long)who.pid, k - 1, plural(k - 1, "read", "reads"));
    }
    if (close(c) == -1)
        die("close %s", name);
}

/* bind() failed with EADDRINUSE: something is at the name. Only a socket
 * nobody is bound to is removed: a connect() to it is refused
 * (ECONNREFUSED). A live server (the connect succeeds; it sees a client
 * come and go), a file that is no socket, anything else: we say so and
 * end. (A server bound but not listening yet, --hold, is refused too: it
 * looks stale.) */
static void remove_stale(const char *name, int type, const struct sockaddr_un *a, socklen_t alen)
{
    struct stat st;

    if (lstat(name, &st) == -1)
        die("lstat %s", name);
    if (!S_ISSOCK(st.st_mode))
        fail(1, "bind %s: %s: %s, not a socket: not removing it", name, strerror(EADDRINUSE),
             file_kind(st.st_mode));
    /* Non-blocking: a server whose backlog is full fails it at once (EAGAIN). */
    int probe = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (probe == -1)
        die("socket");
    int r = connect(probe, (const struct sockaddr *)a, alen), err = errno;
    if (close(probe) == -1)
        die("close %s", name);
    if (r == 0)
        fail(1, "bind %s: %s: a server is there (connect succeeded): not removing it", name,
             strerror(EADDRINUSE));
    if (err != ECONNREFUSED)
        fail(1, "bind %s: %s: connect: %s: not removing it", name, strerror(EADDRINUSE),
             strerror(err));
    if (unlink(name) == -1)
        die("unlink %s", name);
    fprintf(stderr, "%s: %s: removed a stale socket: nobody there (connect: %s)\n",
            progname(), name, strerror(err));
}

int main(int argc, char *argv[])
{
    long size = 4096, count = 0, backlog = 16, served = 0;
    int type = SOCK_STREAM, hold = 0, no_read = 0, any_user = 0, i;

    set_progname(argv[0]);
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--type") == 0) {
            const char *t = option_value(argc, argv, &i);
            if ((type = uds_type(t)) == -1)
                fail(2, "--type: '%s' is not stream, dgram or seqpacket", t);
        } else if (strcmp(argv[i], "--read-size") == 0)
            size = parse_long("--read-size", option_value(argc, argv, &i), 1, 65536);
        else if (strcmp(argv[i], "-n") == 0)
            count = parse_long("-n", option_value(argc, argv, &i), 0, 1000000);
        else if (strcmp(argv[i], "--backlog") == 0)
            backlog = parse_long("--backlog", option_value(argc, argv, &i), 0, 4096);
        else if (strcmp(argv[i], "--hold") == 0)
            hold = 1;
        else if (strcmp(argv[i], "--no-read") == 0)
            no_read = 1;
        else if (strcmp(argv[i], "--any-user") == 0)
            any_user = 1;
        else if (strcmp(argv[i], "--") == 0 && ++i)     /* a PATH that starts with '-' */
            break;
        else
            fail(2, USAGE, argv[0]);
    }
    if (argc - i != 1)
        fail(2, USAGE, argv[0]);
    if (no_read && count != 0)
        fail(2, "--no-read never reads: it ends on a signal, not after -n COUNT");
    const char *name = argv[i];
    int dgram = type == SOCK_DGRAM, path = name[0] != '@';
    struct sockaddr_un addr;
    socklen_t alen = uds_addr(name, &addr);     /* too long: refused before any call */
    uds_check_dir(name, 1);

    uds_remove_on_signal(NULL);     /* the handlers first; nothing to remove yet */
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0), on = 1;
    if (fd == -1)
        die("socket");
    /* dgram: every datagram with its sender's credentials, from the first. */
    if (dgram && setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) == -1)
        die("setsockopt SO_PASSCRED %s", name);
    /* bind() makes the file 0777 less the umask: 0600, whatever ours was. */
    mode_t old = umask(0177);
    int r = bind(fd, (struct sockaddr *)&addr, alen);
    if (r == -1 && errno == EADDRINUSE && path) {
        remove_stale(name, type, &addr, alen);
        r = bind(fd, (struct sockaddr *)&addr, alen);
    }
    umask(old);
    if (r == -1)
        die("bind %s", name);
    if (path) {                 /* ours now: removed on every way out */
        uds_remove_on_signal(name);
        undo_push(uds_unlink_ours, name);
    }
    if (hold) {
        fprintf(stderr, "%s: bound to %s, not %s yet: waiting for SIGUSR1 (kill -USR1 %ld)\n",
                progname(), name, dgram ? "reading" : "listening", (long)getpid());
        hold_until_sigusr1();
    }
    if (!dgram && listen(fd, (int)backlog) == -1)
        die("listen %s", name);
    out("%s %s\n", dgram ? "bound to" : "listening on", name);     /* ready */

    while (dgram && no_read)    /* datagrams queue until the queue is full */
        pause();
    while (dgram && (count == 0 || served < count))
        take(fd, name, size, ++served, type, any_user);
    while (!dgram && (count == 0 || served < count)) {     /* one client at a time */
        int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (c == -1 && (errno == EINTR || errno == ECONNABORTED))
            continue;
        if (c == -1)
            die("accept %s", name);
        served++;
        serve(c, name, type, size, any_user, no_read);
    }
    if (path) {                 /* ours only: a file put there since is left */
        int gone = uds_unlink_ours(name);
        uds_remove_on_signal(NULL);
        undo_clear();
        if (gone == -1)
            die("unlink %s", name);
        if (gone == 1)
            fprintf(stderr, "%s: %s: not the socket we made any more: left in place\n",
                    progname(), name);
    }
    if (close(fd) == -1)
        die("close %s", name);
    close_stdout();
    fprintf(stderr, "%s: %s %ld %s", progname(), dgram ? "read" : "served", served,
            dgram ? plural(served, "message", "messages") : plural(served, "client", "clients"));
    fprintf(stderr, refused ? ", %ld of them refused\n" : "\n", refused);
    return 0;
}
