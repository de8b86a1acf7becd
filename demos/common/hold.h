/* hold.h - "--hold": a program that waits for its cue before it starts,
 * so that a test or a scenario decides when a reader reads or a writer
 * writes (kill -USR1 PID). python_peers/ipclab/hold.py is the mirror. */
#ifndef IPCLAB_HOLD_H
#define IPCLAB_HOLD_H

/* Block until SIGUSR1 arrives. The kernel shows the process sleeping in
 * rt_sigtimedwait. */
void hold_until_sigusr1(void);

#endif
