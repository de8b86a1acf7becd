/* fd_sender.c - pass open descriptors to another process over a Unix
 * stream socket (SCM_RIGHTS): a file we opened, and a pipe's read end.
 *
 * Usage: fd_sender [--] PATH FILE
 *   PATH   fd_receiver's socket, as its readiness line names it
 *   FILE   a file to create, 0600 (O_EXCL: refused if anything is there), in
 *          the run's private directory; removed at the end, and on
 *          a signal that ends it (SIGINT, SIGTERM, SIGUSR1...)
 *
 *   sender                                       receiver
 *   1 byte "F" + SCM_RIGHTS [FILE, pipe read end] --> two new descriptors
 *   writes FILE again; a line into the pipe, closes its write end
 *                                                 reads the pipe to EOF, looks
 *                                                 at the offset, writes FILE
 *   reads 1 byte "A" <--------------------------- answers
 *
 * What to watch: a passed descriptor is not a number (the receiver's are
 * others) nor a name: it is a new descriptor for the same open file
 * description, as dup() would make, in another process. So there is one
 * file offset: our write after sending moves the receiver's, its write
 * moves ours. The pipe's read end we keep too: the pipe ends for the
 * receiver only once we close its write end.
 * Mirror: python_peers/05-unix-sockets/fd_sender.py. Receiver: fd_receiver.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "err.h"
#include "uds.h"

static const char before[] = "written by fd_sender before sending\n",
                  after[] = "written by fd_sender after sending\n",
                  line[] = "a line through the pipe\n";

/* write() all of text or die naming what: a short write to a file is a
 * full disk, and we say so too (ENOSPC). */
static void write_text(int fd, const char *text, const char *what)
{
    ssize_t w = write(fd, text, strlen(text));

    if (w >= 0 && (size_t)w < strlen(text))
        errno = ENOSPC;
    if (w == -1 || (size_t)w < strlen(text))
        die("write %s", what);
}

/* Where the file's offset is now: lseek(fd, 0, SEEK_CUR) moves nothing. */
static long offset(int fd, const char *what)
{
    off_t off = lseek(fd, 0, SEEK_CUR);

    if (off == -1)
        die("lseek %s", what);
    return (long)off;
}

int main(int argc, char *argv[])
{
    int i = 1, p[2];
    char file_obj[200];

    set_progname(argv[0]);
    if (argc > 1 && strcmp(argv[1], "--") == 0)     /* a PATH that starts with '-' */
        i = 2;
    else if (argc > 1 && argv[1][0] == '-')
        i = argc;               /* -h, an unknown option: the usage */
    if (argc - i != 2)
        fail(2, "usage: %s [--] PATH FILE", argv[0]);
    const char *path = argv[i], *file_name = argv[i + 1];
    if (file_name[0] == '\0')
        fail(2, "FILE is empty: name a new file for fd_sender to make");
    struct sockaddr_un addr;
    socklen_t alen = uds_addr(path, &addr);     /* too long: refused before any call */
    uds_check_dir(path, 0);
    /* A receiver gone makes our sendmsg() fail with EPIPE, which we report,
     * rather than SIGPIPE killing us (Python's send_fds takes no flags). */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");

    /* O_EXCL: our own new file, never one someone put there; 0600. */
    uds_remove_on_signal(NULL);     /* the handlers first; nothing to remove yet */
    int file = open(file_name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (file == -1 && errno == EEXIST)
        fail(1, "open %s: %s: fd_sender makes a new file of its own (O_EXCL): name one that is"
             " not there", file_name, strerror(errno));
    if (file == -1)
        die("open %s", file_name);
    undo_push(unlink, file_name);
    uds_remove_on_signal(file_name);    /* and on SIGINT, SIGTERM, SIGHUP */
    write_text(file, before, file_name);
    if (pipe2(p, O_CLOEXEC) == -1)
        die("pipe2");
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1)
        die("socket");
    if (connect(fd, (struct sockaddr *)&addr, alen) == -1)
        die("connect %s", path);

    /* The descriptors ride on a message of at least one byte: on a stream
     * socket, ancillary data never travels alone. */
    char one = 'F';
    int fds[2] = { file, p[0] };
    struct iovec iov = { &one, 1 };
    union {                     /* aligned as a cmsghdr must be */
        char buf[CMSG_SPACE(sizeof fds)];
        struct cmsghdr align;
    } control;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                          .msg_controllen = sizeof control.buf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof fds);
    memcpy(CMSG_DATA(c), fds, sizeof fds);
    if (sendmsg(fd, &msg, 0) == -1)
        die("sendmsg %s", path);
    snprintf(file_obj, sizeof file_obj, "%s", fd_object(file));
    out("sent %s and %s with SCM_RIGHTS\n", file_obj, fd_object(p[0]));

    /* Still ours too: what we do to them now, the receiver sees. */
    write_text(file, after, file_name);
    long before = offset(file, file_name);
    out("wrote %zu bytes to the file after sending: offset %ld\n", strlen(after), before);
    write_text(p[1], line, fd_object(p[1]));
    if (close(p[1]) == -1)      /* the last write end: the receiver's read() returns 0 */
        die("close %s", fd_object(p[1]));
    out("wrote a line to the pipe and closed its write end; waiting for the receiver's answer\n");

    ssize_t r;
    while ((r = read(fd, &one, 1)) == -1 && errno == EINTR)
        ;
    if (r == -1)
        die("read %s", path);
    if (r == 0)
        fail(1, "%s: fd_receiver closed the connection without answering", path);
    if (one != 'A')             /* a peer's byte: shown, never obeyed */
        fail(1, "%s: the answer is '%c', not fd_receiver's 'A'", path,
             one >= ' ' && one <= '~' ? one : '.');
    long now = offset(file, file_name);     /* only its write through our file moves it */
    if (now == before)
        fail(1, "file offset still %ld: nothing wrote through the descriptor we sent", now);
    out("file offset now %ld: fd_receiver's write moved ours (one open file description)\n", now);
    if (close(p[0]) == -1)
        die("close %s", fd_object(p[0]));
    if (close(file) == -1)
        die("close %s", file_name);
    if (close(fd) == -1)
        die("close %s", path);
    uds_remove_on_signal(NULL);
    if (unlink(file_name) == -1)
        die("unlink %s", file_name);
    undo_clear();
    close_stdout();
    return 0;
}
