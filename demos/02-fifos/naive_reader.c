/* naive_reader.c - the common tutorial's FIFO reader, kept as it is written
 * there, to see where it breaks. Do not copy it: fifo_node.c is the fix.
 *
 * Usage: naive_reader        (prints "Received: TEXT" for every read())
 *
 * What is wrong with it: the writer's list (naive_writer.c), and one read()
 * taken for one message. read() returns what the FIFO holds, up to 1024
 * bytes: two messages written before it reads come back as one (and
 * printf("%s") stops at the first's '\0': the second is lost without a
 * word); a message longer than 1024 bytes comes back in pieces.
 * (The tutorial prints buf without a '\0' after the bytes read; this copy
 * adds one, so that the kit's sanitizer build does not stop it first.)
 * Mirror: python_peers/02-fifos/naive_reader.py. Writer: naive_writer.c/.py.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
    char path[4096], buf[1024 + 1];
    const char *dir = getenv("NAIVE_DIR") ? getenv("NAIVE_DIR") : "/tmp";
    ssize_t n;

    snprintf(path, sizeof path, "%s/myfifo", dir);
    mkfifo(path, 0666);                     /* fails if it exists: ignored */
    int fd = open(path, O_RDONLY);
    while ((n = read(fd, buf, 1024)) > 0) {  /* one read taken for one message */
        buf[n] = '\0';
        printf("Received: %s\n", buf);
        fflush(stdout);
    }
    close(fd);
    return 0;
}
