/* fifo_send.c - send each TEXT as a frame into a FIFO a server reads,
 * but only through a FIFO of our own that nobody else can open.
 * Reference solution of exercise 02-fifos/03-safe-open (README.md there).
 *
 * Usage: fifo_send PATH TEXT...
 *   PATH   the server's FIFO: ours, mode 0600 (mkfifo -m 600 PATH)
 *   TEXT   one frame each (lesson 01's wire format), at most 4092 bytes
 *
 * A name is only a name: in a folder others can write to, somebody may
 * have put a regular file there, or a link to one of our files, or a FIFO
 * of theirs that they read. lstat() says what is at the name without
 * following a link; open() with O_NOFOLLOW refuses a link that appeared
 * since; fstat() on the descriptor says that what we opened is what we
 * checked. Only then does a byte go out.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"

static const char *kind(mode_t m)
{
    return S_ISREG(m) ? "a regular file" : S_ISLNK(m) ? "a symbolic link" :
           S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : "a special file";
}

int main(int argc, char *argv[])
{
    struct stat st, now;

    set_progname(argv[0]);
    if (argc < 3)
        fail(2, "usage: %s PATH TEXT...", argv[0]);
    const char *path = argv[1];
    for (int i = 2; i < argc; i++)          /* one write() each: never torn */
        if (strlen(argv[i]) > PIPE_BUF - 4)
            fail(2, "TEXT %d: %zu bytes, more than %d", i - 1, strlen(argv[i]),
                 PIPE_BUF - 4);
    /* The server gone, write() fails with EPIPE: we say so. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");

    /* What is at the name, without following a link. */
    if (lstat(path, &st) == -1)
        die("lstat %s", path);
    if (!S_ISFIFO(st.st_mode))
        fail(1, "%s: %s, not a FIFO: refused", path, kind(st.st_mode));
    if (st.st_uid != geteuid())             /* say only what is wrong */
        fail(1, "%s: owner uid %ld, not %ld (us): not a private FIFO of ours: refused", path,
             (long)st.st_uid, (long)geteuid());
    if ((st.st_mode & 07777) != 0600)
        fail(1, "%s: mode %04o, not 0600: not a private FIFO of ours: refused", path,
             (unsigned)st.st_mode & 07777);
    /* Sleeps until the server has the FIFO open for reading. */
    int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd == -1)
        die("open %s", path);
    /* The name may have been replaced between lstat() and open(). */
    if (fstat(fd, &now) == -1)
        die("fstat %s", path);
    if (now.st_dev != st.st_dev || now.st_ino != st.st_ino)
        fail(1, "%s: replaced between lstat and open: refused", path);

    for (int i = 2; i < argc; i++)
        if (frame_write(fd, argv[i], strlen(argv[i])) == -1)
            die("write %s", path);
    if (close(fd) == -1)
        die("close %s", path);
    fprintf(stderr, "%s: sent %d %s to %s\n", progname(), argc - 2,
            plural(argc - 2, "frame", "frames"), path);
    return 0;
}
