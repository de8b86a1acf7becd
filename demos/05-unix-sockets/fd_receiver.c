/* fd_receiver.c - receive open descriptors over a Unix stream socket
 * (SCM_RIGHTS) from fd_sender: a file and a pipe's read end.
 *
 * Usage: fd_receiver [--max-fds N] [--hold] [--] PATH|@NAME
 *   PATH         the socket file to make (0600) in a private 0700 directory of ours;
 *                @NAME: a name in the abstract namespace, no file
 *   --max-fds N  room for N descriptors (1 to 8, default 2): for fewer than
 *                are sent the kernel closes the rest and says so (MSG_CTRUNC)
 *   --hold       with the descriptors received, wait for SIGUSR1 before
 *                answering: meanwhile both processes hold them
 *
 * Its first line on stdout is "listening on PATH", the readiness line. It
 * accepts one connection (from our own uid only: SO_PEERCRED), takes one
 * byte and its descriptors (recvmsg), prints what each is (fstat), reads
 * the pipe to its end, shows the file's offset and lines, writes a line of
 * its own, answers one byte ("A").
 * What to watch: the descriptors arrive under new numbers, for the sender's
 * own open file descriptions: the file's offset is where the sender's last
 * write left it, and our write moves the sender's (it prints it). ls -l
 * /proc/PID/fd of both shows the same file; kcmp(2) KCMP_FILE says it is the
 * same open file, not just the same inode. A control buffer too small for
 * them, MSG_CTRUNC, is an error: the kernel closed what did not fit.
 * Mirror: python_peers/05-unix-sockets/fd_receiver.py. Sender: fd_sender.c.
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
#include "uds.h"

#define MAX_FDS 8
#define TEXT_MAX 4096
static const char mine[] = "written by fd_receiver\n";

/* Where the file's offset is now: lseek(fd, 0, SEEK_CUR) moves nothing. */
static long offset(int fd)
{
    off_t off = lseek(fd, 0, SEEK_CUR);

    if (off == -1)
        die("lseek %s", fd_object(fd));
    return (long)off;
}

/* Show text (n bytes) line by line after prefix, bytes that are not
 * printable ASCII as '.': a peer's bytes are shown, never obeyed. */
static void show(const char *prefix, char *text, size_t n)
{
    for (size_t start = 0, i = 0; i <= n; i++)
        if (i == n || text[i] == '\n') {
            for (size_t k = start; k < i; k++)
                text[k] = text[k] >= ' ' && text[k] <= '~' ? text[k] : '.';
            if (i > start)
                out("%s%.*s\n", prefix, (int)(i - start), text + start);
            start = i + 1;
        }
}

int main(int argc, char *argv[])
{
    static char text[TEXT_MAX];
    long max = 2;
    int hold = 0, i, fds[MAX_FDS], n = 0;
    struct stat st[MAX_FDS];

    set_progname(argv[0]);
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--max-fds") == 0)
            max = parse_long("--max-fds", option_value(argc, argv, &i), 1, MAX_FDS);
        else if (strcmp(argv[i], "--hold") == 0)
            hold = 1;
        else if (strcmp(argv[i], "--") == 0 && ++i)     /* a PATH that starts with '-' */
            break;
        else
            fail(2, "usage: %s [--max-fds N] [--hold] [--] PATH|@NAME", argv[0]);
    }
    if (argc - i != 1)
        fail(2, "usage: %s [--max-fds N] [--hold] [--] PATH|@NAME", argv[0]);
    const char *path = argv[i];
    struct sockaddr_un addr;
    socklen_t alen = uds_addr(path, &addr);     /* too long: refused before any call */
    uds_check_dir(path, 1);

    uds_remove_on_signal(NULL);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd == -1)
        die("socket");
    mode_t old = umask(0177);   /* the socket file 0600 */
    int r = bind(lfd, (struct sockaddr *)&addr, alen);
    umask(old);
    if (r == -1 && errno == EADDRINUSE)     /* it removes nothing: uds_server shows how */
        fail(1, "bind %s: %s: fd_receiver removes nothing at its name: name a new one",
             path, strerror(EADDRINUSE));
    if (r == -1)
        die("bind %s", path);
    if (path[0] != '@') {
        uds_remove_on_signal(path);
        undo_push(uds_unlink_ours, path);
    }
    if (listen(lfd, 1) == -1)
        die("listen %s", path);
    out("listening on %s\n", path);
    int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (c == -1)
        die("accept %s", path);
    /* Who connected, from the kernel (an abstract name has no permissions). */
    struct ucred who;
    socklen_t wlen = sizeof who;
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &who, &wlen) == -1)
        die("getsockopt SO_PEERCRED %s", path);
    if (who.uid != geteuid())
        fail(1, "%s: sender pid %ld: uid %ld is not ours (%ld): refused", path, (long)who.pid,
             (long)who.uid, (long)geteuid());

    /* Room for max descriptors exactly: CMSG_LEN, as Python's recv_fds
     * asks (CMSG_SPACE rounds up: room for one more). MSG_CMSG_CLOEXEC:
     * they are not to leak into a program we might run. */
    char one;
    struct iovec iov = { &one, 1 };
    union {
        char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                          .msg_controllen = CMSG_LEN((size_t)max * sizeof(int)) };
    ssize_t got;
    while ((got = recvmsg(c, &msg, MSG_CMSG_CLOEXEC)) == -1 && errno == EINTR)
        ;
    if (got == -1)
        die("recvmsg %s", path);
    for (struct cmsghdr *m = CMSG_FIRSTHDR(&msg); m != NULL; m = CMSG_NXTHDR(&msg, m))
        if (m->cmsg_level == SOL_SOCKET && m->cmsg_type == SCM_RIGHTS) {
            int k = (int)((m->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            if (k > MAX_FDS - n)                /* never more than we made room for */
                k = MAX_FDS - n;
            memcpy(fds + n, CMSG_DATA(m), (size_t)k * sizeof(int));
            n += k;
        }
    if (msg.msg_flags & MSG_CTRUNC)
        fail(1, "recvmsg %s: MSG_CTRUNC: room for %ld %s, more were sent: the kernel closed"
             " the rest (%d received)", path, max, plural(max, "descriptor", "descriptors"), n);
    if (got == 0)
        fail(1, "%s: the sender closed the connection before sending anything", path);
    out("received %zd %s and %d %s\n", got, plural(got, "byte", "bytes"), n,
        plural(n, "descriptor", "descriptors"));
    for (int k = 0; k < n; k++) {
        if (fstat(fds[k], &st[k]) == -1)
            die("fstat fd %d", fds[k]);
        out("fd %d: %s, inode %lu\n", fds[k], file_kind(st[k].st_mode),
            (unsigned long)st[k].st_ino);
    }
    if (one != 'F')             /* a peer's byte: shown, never obeyed */
        fail(1, "%s: the byte sent is '%c', not fd_sender's 'F': refused", path,
             one >= ' ' && one <= '~' ? one : '.');
    if (n != 2 || !S_ISREG(st[0].st_mode) || !S_ISFIFO(st[1].st_mode))
        fail(1, "%s: expected a regular file and a FIFO (a pipe's read end): refused", path);
    int file = fds[0], pipe_r = fds[1];

    /* The pipe ends when the sender closes its write end. */
    size_t len = 0;
    while (len < sizeof text && (got = read(pipe_r, text + len, sizeof text - len)) != 0) {
        if (got == -1 && errno != EINTR)
            die("read %s", fd_object(pipe_r));
        len += got > 0 ? (size_t)got : 0;
    }
    if (len == sizeof text)
        fail(1, "read %s: more than %d bytes: refused", fd_object(pipe_r), TEXT_MAX);
    show("pipe: ", text, len);
    /* Nobody told us an offset: it is the sender's, shared. */
    out("file offset %ld: where fd_sender's last write left it\n", offset(file));
    ssize_t flen = pread(file, text, sizeof text, 0);   /* pread: the offset stays */
    if (flen == -1)
        die("pread %s", fd_object(file));
    show("file: ", text, (size_t)flen);
    ssize_t w = write(file, mine, strlen(mine));
    if (w >= 0 && w < (ssize_t)strlen(mine))
        errno = ENOSPC;         /* a short write to a file: the disk is full */
    if (w != (ssize_t)strlen(mine))
        die("write %s", fd_object(file));
    out("wrote %zd bytes to the file: offset now %ld\n", w, offset(file));

    if (hold) {
        fprintf(stderr, "%s: holding the descriptors: waiting for SIGUSR1 (kill -USR1 %ld)\n",
                progname(), (long)getpid());
        hold_until_sigusr1();
    }
    if (send(c, "A", 1, MSG_NOSIGNAL) == -1)
        die("send %s", path);
    for (int k = 0; k < n; k++)
        if (close(fds[k]) == -1)
            die("close fd %d", fds[k]);
    if (close(c) == -1 || close(lfd) == -1)
        die("close %s", path);
    if (path[0] != '@') {       /* ours only: a file put there since is left */
        int gone = uds_unlink_ours(path);
        uds_remove_on_signal(NULL);
        undo_clear();
        if (gone == -1)
            die("unlink %s", path);
        if (gone == 1)
            fprintf(stderr, "%s: %s: not the socket we made any more: left in place\n",
                    progname(), path);
    }
    close_stdout();
    return 0;
}
