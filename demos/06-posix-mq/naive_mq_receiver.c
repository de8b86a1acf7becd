/* naive_mq_receiver.c - the common tutorial's POSIX message queue receiver,
 * kept as it is written there, to see where it breaks. Do not copy it:
 * mq_receiver.c is the fix.
 *
 * Usage: naive_mq_receiver NAME   (prints "Received: TEXT" for each message,
 *                                  until one that says "exit")
 *
 * What is wrong with it, each one shown in lesson 06:
 *   - mq_open(O_CREAT, 0666, &attr) with no O_EXCL: a queue already at the
 *     name is opened as it is, its sizes and its mode kept, attr ignored
 *     without a word. A new one is 0666 less the umask: 0644 with the
 *     usual 022, and any user may open it to receive, taking the messages
 *     meant for us (with umask 0, to send too);
 *   - a receive buffer of the size it asked for (MAX_SIZE), not the
 *     queue's mq_msgsize: on a queue made by someone else with the
 *     default 8192 bytes, every mq_receive fails (EMSGSIZE), even of a
 *     5-byte message;
 *   - the queue is never unlinked: it stays after the program, with the
 *     messages it holds, until someone removes it or the machine stops.
 * The kit changed two things: NAME is an argument (the tutorial's fixed
 * "/test_queue" would make runs side by side meet), and it prints a
 * readiness line, "waiting on NAME".
 * Sender: naive_mq_sender.c.
 */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>

#define MAX_SIZE 1024

int main(int argc, char *argv[])
{
    struct mq_attr attr;
    char buffer[MAX_SIZE + 1];
    ssize_t bytes_read;
    mqd_t mq;

    if (argc < 2) {
        printf("usage: %s NAME\n", argv[0]);
        return 2;
    }
    attr.mq_flags = 0;
    attr.mq_maxmsg = 10;
    attr.mq_msgsize = MAX_SIZE;
    attr.mq_curmsgs = 0;
    mq = mq_open(argv[1], O_CREAT | O_RDONLY, 0666, &attr);    /* no O_EXCL */
    printf("waiting on %s\n", argv[1]);
    fflush(stdout);
    for (;;) {
        bytes_read = mq_receive(mq, buffer, MAX_SIZE, NULL);   /* MAX_SIZE, not mq_msgsize */
        if (bytes_read < 0) {
            perror("mq_receive");
            return 1;                                           /* the queue stays */
        }
        buffer[bytes_read] = '\0';
        if (strcmp(buffer, "exit") == 0)
            break;
        printf("Received: %s\n", buffer);
        fflush(stdout);
    }
    mq_close(mq);                                               /* never mq_unlink */
    return 0;
}
