/* frame.h - length-prefixed frames on a byte stream (pipe, FIFO, socket).
 *
 * Wire format: a 4-byte little-endian signed length n, then n bytes of
 * payload, 0 <= n <= FRAME_MAX. Python's struct.pack('<i', n) writes the
 * same header. python_peers/ipclab/frame.py is the mirror image.
 */
#ifndef IPCLAB_FRAME_H
#define IPCLAB_FRAME_H

#include <stddef.h>

#define FRAME_MAX (1024 * 1024)   /* 1 MiB: a longer length is an error */

enum { FRAME_EOF = -1, FRAME_ERROR = -2 };

/* Write one frame, looping over short writes and EINTR: in one write()
 * when the frame, header included, is at most PIPE_BUF (4096) bytes, so
 * that it reaches a pipe whole whoever else writes to it; else in two.
 * Returns 0, or -1 with errno set (EPIPE when the reader is gone). */
int frame_write(int fd, const void *payload, size_t len);

/* read() until n bytes or end of file, looping over short reads and EINTR,
 * traced: the bytes read (< n only at EOF), or -1 with errno set. */
long frame_read_full(int fd, void *buf, size_t n);

/* Read one frame into buf (cap bytes, at least FRAME_MAX for any frame).
 * Returns the payload length, FRAME_EOF at a clean end of stream (EOF
 * before the first header byte), or FRAME_ERROR with the reason written
 * to why: a failed read, a length out of range, a frame cut short by EOF. */
long frame_read(int fd, void *buf, size_t cap, char *why, size_t whylen);

/* For sockets (lesson 04). The 4-byte header of a frame of len bytes
 * (little-endian), and the length a header holds (may be out of range:
 * check it). */
void frame_put_header(unsigned char hdr[4], size_t len);
long frame_get_length(const unsigned char hdr[4]);

/* Send one frame on a socket with send flags (MSG_NOSIGNAL: EPIPE, not
 * SIGPIPE, when the peer is gone): header and payload in one sendmsg(),
 * looping over short sends and EINTR. Returns 0, or -1 with errno set. */
int frame_send(int fd, const void *payload, size_t len, int flags);

#endif
