/* uds.h - small helpers for lesson 05's Unix domain socket programs.
 * python_peers/ipclab/uds.py is the mirror image. The calls the lesson is
 * about (socket, bind, listen, connect, sendmsg, recvmsg) stay in the
 * programs; these only name things and check them. */
#ifndef IPCLAB_UDS_H
#define IPCLAB_UDS_H

#include <sys/socket.h>
#include <sys/un.h>

/* "stream", "dgram", "seqpacket" -> SOCK_STREAM, SOCK_DGRAM,
 * SOCK_SEQPACKET; -1 for any other word. uds_type_name: the other way. */
int uds_type(const char *word);
const char *uds_type_name(int type);

/* Fill *a for NAME, a path ("DIR/srv.sock") or "@name" for Linux's
 * abstract namespace (sun_path[0] is '\0', the name follows, no file is
 * made), and return the length to give bind() and connect(). sun_path is
 * 108 bytes: a path fits with its terminating NUL (107 bytes at most), an
 * abstract name after its leading NUL (107 at most). Anything longer, or
 * empty, is refused before any call, status 2, with the limit named:
 * "PATH: a path of 120 bytes does not fit in sun_path (108 bytes with its
 * NUL: at most 107)". Never cut short: a shorter name is another socket. */
socklen_t uds_addr(const char *name, struct sockaddr_un *a);

/* The directory a socket path is in (".", for a bare name) must be
 * private, else the program ends saying what is wrong (status 1). A server
 * (ours != 0) makes a file there: the directory must be ours and 0700
 * (rundir's private_dir). A client only connects: the directory may be
 * another user's (the server's), but nobody but its owner may enter it
 * (no group or other bits): "DIR: mode 0755, not 0700: not a private
 * directory". Nothing to check for an "@name". */
void uds_check_dir(const char *name, int ours);

/* Called right after bind() made the socket file at path (or fd_sender
 * made its file): from now on
 * SIGINT, SIGTERM, SIGHUP and SIGPIPE remove it (uds_unlink_ours; lstat()
 * and unlink() are async-signal-safe), then end the program as the signal
 * would have (status 128 + N). It records the file's device and inode:
 * only that file is ever removed. NULL: nothing to remove any more (after
 * the program's own uds_unlink_ours at its end). The first call installs
 * the handlers; a signal ignored from the start (nohup, a background job)
 * stays ignored. path must live as long as the program (argv). */
void uds_remove_on_signal(const char *path);

/* unlink(path) only while it is still the file we made (the device and
 * inode uds_remove_on_signal recorded): a file someone put at
 * the name since (a server that took it over, anything else) is theirs.
 * Returns 0 when removed or already gone, 1 when what is there is not
 * ours (left in place), -1 with errno when lstat() or unlink() failed.
 * Its type fits undo_push. */
int uds_unlink_ours(const char *path);

#endif
