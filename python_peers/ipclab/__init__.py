"""ipclab's shared helpers for the Python peers.

Mirror images of demos/common/ in C: trace (the trace protocol), frame (the
length-prefixed wire format), err (messages that name the call and the
object), hold (wait for SIGUSR1 before starting), shmseg (the header every
shared-memory segment starts with), psem (POSIX named
semaphores, traced), signame (signals by name, "SIGRTMIN+3"), tcp (an
address as 127.0.0.1:PORT, lesson 04), uds (Unix domain socket
addresses, a path or @name, their directory and their removal on a signal,
lesson 05), pmq (POSIX queue names, which limit a refused mq_open hit, a
queue's removal on a signal, lesson 06). Python only:
posix (POSIX message queues and named semaphores through ctypes: Debian 12
has no posix_ipc; sigqueue and prctl PR_SET_PDEATHSIG, which the os module
lacks).
"""
