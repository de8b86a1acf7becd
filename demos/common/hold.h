/* hold.h - "--hold": a program that waits for its cue before it starts,
 * so that a test or a scenario decides when a reader reads or a writer
 * writes (kill -USR1 PID). python_peers/ipclab/hold.py is the mirror. */
#ifndef IPCLAB_HOLD_H
#define IPCLAB_HOLD_H

/* Block SIGUSR1 now (sigprocmask), for a program whose hold comes after a
 * call that may sleep (connect() to a full accept queue): a cue sent before
 * the hold stays pending until it, instead of killing (SIGUSR1's default).
 * Dies naming the call on error. */
void hold_arm(void);

/* Block until SIGUSR1 arrives (sigwait(3); blocks it first). The kernel
 * shows the process sleeping in rt_sigtimedwait. */
void hold_until_sigusr1(void);

#endif
