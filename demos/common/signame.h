/* signame.h - signals by name, both ways: "SIGUSR1", "SIGRTMIN+3".
 * The trace (docs/trace-protocol.md) and the lesson 03 programs name
 * signals this way, never by a bare number: a real-time signal's number
 * depends on the C library (glibc keeps two for itself), its name does not.
 * python_peers/ipclab/signame.py is the mirror image. */
#ifndef IPCLAB_SIGNAME_H
#define IPCLAB_SIGNAME_H

/* "SIGUSR1", "SIGRTMIN", "SIGRTMIN+3"; "SIG?" for a number that is no
 * signal. Returns a static buffer, overwritten by the next call. */
const char *signal_name(int sig);

/* The signal a name stands for, with or without "SIG" ("USR1", "SIGINT",
 * "SIGRTMIN+3", "RTMAX-1"), or 0 when it names none. A number is no name. */
int signal_number(const char *name);

#endif
