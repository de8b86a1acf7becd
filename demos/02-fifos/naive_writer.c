/* naive_writer.c - the common tutorial's FIFO writer, kept as it is written
 * there, to see where it breaks. Do not copy it: fifo_node.c is the fix.
 *
 * Usage: naive_writer MESSAGE...     (each MESSAGE sent with one write())
 *
 * What is wrong with it, each one shown in lesson 02:
 *   - a fixed name in /tmp (NAIVE_DIR changes the folder, for the kit's
 *     tests only): two users, or two runs, share one FIFO;
 *   - mode 0666: anybody may open it, read our messages or write their own;
 *   - "mkfifo unless it exists": whatever is there, we open and write to it;
 *   - no framing: each message is its bytes and a '\0', and nothing tells
 *     the reader where one ends; a quick second message lands in the same
 *     read(), a long one is cut into several;
 *   - nothing checked, nothing removed.
 * Mirror: python_peers/02-fifos/naive_writer.py. Reader: naive_reader.c/.py.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
    char path[4096];
    const char *dir = getenv("NAIVE_DIR") ? getenv("NAIVE_DIR") : "/tmp";

    snprintf(path, sizeof path, "%s/myfifo", dir);
    mkfifo(path, 0666);                     /* fails if it exists: ignored */
    int fd = open(path, O_WRONLY);
    for (int i = 1; i < argc; i++)
        if (write(fd, argv[i], strlen(argv[i]) + 1) < 0)   /* with its '\0' */
            perror("write");
    close(fd);
    return 0;
}
