/* pmq.h - small helpers for lesson 06's POSIX message queue programs.
 * python_peers/ipclab/pmq.py is the mirror image. The calls the lesson is
 * about (mq_open, mq_send, mq_receive, mq_getattr, mq_notify, mq_unlink)
 * stay in the programs; these only check a name, explain a refusal, remove
 * a queue on a signal and name a signal's si_code. */
#ifndef IPCLAB_PMQ_H
#define IPCLAB_PMQ_H

#include <mqueue.h>

/* The kernel's hard limits (include/linux/ipc_namespace.h): no process,
 * however privileged, makes a queue with more messages (HARD_MSGMAX) or
 * longer messages (HARD_MSGSIZEMAX). The options refuse more before any
 * call; below them the kernel decides, by /proc/sys/fs/mqueue. */
#define PMQ_HARD_MSGMAX 65536
#define PMQ_HARD_MSGSIZEMAX (16L * 1024 * 1024)

/* A queue name is '/', then 1 to 255 bytes (NAME_MAX), none of them '/',
 * and not "." or "..": the kernel keeps queues as files of one folder
 * (mq_overview(7)). Anything else is refused before any call, status 2,
 * saying the rule: "'/a/b': not a queue name: ...". */
void pmq_check_name(const char *name);

/* Why mq_open(name, flags, ...) failed with err, in words, or "" when
 * there is nothing to add to strerror: EEXIST (O_CREAT | O_EXCL) "a queue
 * has that name already"; ENOENT "no queue has that name"; EACCES, the
 * queue's mode refuses this user that way (reading or writing, by flags);
 * with O_CREAT, of a queue of maxmsg messages of msgsize bytes: EINVAL,
 * the /proc/sys/fs/mqueue limit it is over ("--maxmsg 11 is over
 * /proc/sys/fs/mqueue/msg_max (10)"); EMFILE, RLIMIT_MSGQUEUE, the bytes
 * all of a user's queues may take (or RLIMIT_NOFILE, when no descriptor
 * is free). maxmsg 0: the default sizes (/proc/sys/fs/mqueue/msg_default,
 * msgsize_default). "" or starting with ": ". A static buffer. mq_open(3) lists the
 * errors. */
const char *pmq_open_refused(int err, int flags, long maxmsg, long msgsize);

/* Every lesson-06 program's first line, what the queue is, as the kernel
 * says: "created /NAME: mode 0600, room for 10 messages of up to 8192
 * bytes, 0 queued" ("opened" unless created; after the mode, "owner uid
 * 1000, not 0 (us)" when another user owns it): the sizes from mq_getattr
 * (left in *a for the caller), the mode from fstat (on Linux a queue
 * descriptor is a file descriptor). A call that fails ends the program. */
void pmq_describe(mqd_t q, const char *name, int created, struct mq_attr *a);

/* From now on a signal that ends the program (remove_on_ending_signals,
 * err.h: SIGINT, SIGTERM, SIGHUP, SIGUSR1...) removes the queue q, named
 * NAME, as pmq_unlink_ours does: only while the name is still that
 * queue's. Then the program ends as the signal would have (status 128 +
 * N). NULL (q unused): nothing to remove any more (before the program's
 * own removal at its end, or a queue it keeps). The first call installs
 * the handlers; a signal ignored from the start (nohup) stays ignored.
 * name must live as long as the program (argv). */
void pmq_remove_on_signal(mqd_t q, const char *name);

/* mq_unlink(name), only if the name still names the queue
 * pmq_remove_on_signal recorded (the same device and inode: the name is
 * opened read-only, or else write-only, O_NONBLOCK, for a moment: nothing
 * is read; a process's mq_notify registration ends with any descriptor it
 * closes, so call it once unregistered). Returns 0: removed; 1: another
 * queue has the name now (made since ours was removed), left in place;
 * 2: no queue has the name, removed already by another program; -1: a
 * call failed (errno). Safe in a signal handler. For undo_push. */
int pmq_unlink_ours(const char *name);

/* What pmq_unlink_ours's r did, for the last line: "removed", "left in
 * place: another queue has the name now (...)", "removed already (...)". */
const char *pmq_unlinked(int r);

/* The name of a siginfo's si_code, for a message: "SI_MESGQ" (what the
 * kernel sends for a queue's notification), "SI_USER" (kill), "SI_QUEUE"
 * (sigqueue), "SI_TKILL" (tgkill), else the number. A static buffer. */
const char *pmq_si_code(int code);

#endif
