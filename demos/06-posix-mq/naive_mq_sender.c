/* naive_mq_sender.c - the common tutorial's POSIX message queue sender,
 * kept as it is written there, to see where it breaks. Do not copy it:
 * mq_sender.c is the fix.
 *
 * Usage: naive_mq_sender NAME TEXT...   (one mq_send a TEXT, priority 0,
 *                                        its '\0' included; "exit" ends
 *                                        naive_mq_receiver)
 *
 * What is wrong with it, each one shown in lesson 06:
 *   - mq_open(O_CREAT, 0666, NULL): whoever comes first makes the queue.
 *     Started before the receiver, it makes it with the kernel's default
 *     sizes (/proc/sys/fs/mqueue/msgsize_default: 8192 bytes), and the
 *     receiver's 1024-byte buffer then fails every mq_receive (EMSGSIZE);
 *     0666 less the umask lets other users in;
 *   - nothing checked: an mq_open that failed gives -1, and every
 *     mq_send on it fails (EBADF) without a word;
 *   - the queue is never unlinked.
 * The kit changed one thing: NAME is an argument (the tutorial's fixed
 * "/test_queue" would make runs side by side meet).
 * Receiver: naive_mq_receiver.c.
 */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char *argv[])
{
    mqd_t mq;

    if (argc < 2) {
        printf("usage: %s NAME TEXT...\n", argv[0]);
        return 2;
    }
    mq = mq_open(argv[1], O_CREAT | O_WRONLY, 0666, NULL);     /* the kernel's sizes */
    for (int i = 2; i < argc; i++) {
        mq_send(mq, argv[i], strlen(argv[i]) + 1, 0);           /* unchecked */
        printf("Sent: %s\n", argv[i]);
    }
    mq_close(mq);                                               /* never mq_unlink */
    return 0;
}
