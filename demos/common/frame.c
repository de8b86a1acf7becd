/* frame.c - see frame.h. Every read and write is traced (trace.h). */
#include "frame.h"
#include "trace.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* write() may write less than asked (a signal, a socket): loop until done. */
static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        trace_before("write", fd, NULL, n, p, n);
        ssize_t w = write(fd, p, n);
        trace_after("write", fd, (long)w, errno, NULL, 0);
        if (w == -1 && errno == EINTR)
            continue;
        if (w == -1)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* read() may return less than asked: loop until n bytes or EOF.
 * Returns the bytes read (< n only at EOF), or -1 with errno set. */
static ssize_t read_full(int fd, unsigned char *p, size_t n)
{
    size_t got = 0;

    while (got < n) {
        trace_before("read", fd, NULL, n - got, NULL, 0);
        ssize_t r = read(fd, p + got, n - got);
        trace_after("read", fd, (long)r, errno, p + got, r > 0 ? (size_t)r : 0);
        if (r == -1 && errno == EINTR)
            continue;
        if (r == -1)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

long frame_read_full(int fd, void *buf, size_t n)
{
    return (long)read_full(fd, buf, n);
}

int frame_write(int fd, const void *payload, size_t len)
{
    unsigned char frame[PIPE_BUF];
    uint32_t n = (uint32_t)len;

    if (len > FRAME_MAX) {
        errno = EMSGSIZE;
        return -1;
    }
    /* Little-endian whatever the CPU: the byte order is part of the format. */
    unsigned char hdr[4] = { n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >> 24 };

    /* A write() of at most PIPE_BUF (4096) bytes reaches a pipe whole, never
     * mixed with another writer's bytes. So a frame of at most PIPE_BUF
     * bytes, header included (a payload of up to 4092), goes out in one
     * write(); a larger one in two, header then payload, which the kernel
     * may split further and interleave with other writers' frames. */
    if (4 + len <= sizeof frame) {
        memcpy(frame, hdr, 4);
        memcpy(frame + 4, payload, len);
        return write_all(fd, frame, 4 + len);
    }
    if (write_all(fd, hdr, 4) == -1)
        return -1;
    return write_all(fd, payload, len);
}

long frame_read(int fd, void *buf, size_t cap, char *why, size_t whylen)
{
    unsigned char hdr[4];
    ssize_t got = read_full(fd, hdr, 4);

    if (got == -1) {
        snprintf(why, whylen, "read frame header: %s", strerror(errno));
        return FRAME_ERROR;
    }
    if (got == 0)
        return FRAME_EOF;
    if (got < 4) {
        snprintf(why, whylen, "frame cut short by EOF: got %zd of 4 header bytes", got);
        return FRAME_ERROR;
    }
    int32_t len = (int32_t)((uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 |
                            (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24);
    if (len < 0 || len > FRAME_MAX) {
        snprintf(why, whylen, "frame length %ld is out of range (0 to %d bytes)",
                 (long)len, FRAME_MAX);
        return FRAME_ERROR;
    }
    if ((size_t)len > cap) {
        snprintf(why, whylen, "frame length %ld does not fit the %zu-byte buffer",
                 (long)len, cap);
        return FRAME_ERROR;
    }
    got = read_full(fd, buf, (size_t)len);
    if (got == -1) {
        snprintf(why, whylen, "read frame payload: %s", strerror(errno));
        return FRAME_ERROR;
    }
    if (got < len) {
        snprintf(why, whylen, "frame cut short by EOF: got %zd of %ld payload bytes",
                 got, (long)len);
        return FRAME_ERROR;
    }
    return len;
}

void frame_put_header(unsigned char hdr[4], size_t len)
{
    uint32_t n = (uint32_t)len;

    hdr[0] = n & 0xff;
    hdr[1] = (n >> 8) & 0xff;
    hdr[2] = (n >> 16) & 0xff;
    hdr[3] = n >> 24;
}

long frame_get_length(const unsigned char hdr[4])
{
    return (int32_t)((uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 |
                     (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24);
}

int frame_send(int fd, const void *payload, size_t len, int flags)
{
    unsigned char hdr[4];
    struct iovec iov[2] = { { hdr, 4 }, { (void *)payload, len } };
    struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

    if (len > FRAME_MAX) {
        errno = EMSGSIZE;
        return -1;
    }
    frame_put_header(hdr, len);
    /* One sendmsg(): header and payload leave together, never as two small
     * writes that Nagle's algorithm would hold apart (lesson 04). */
    while (msg.msg_iovlen > 0) {
        trace_before("send", fd, NULL, iov[0].iov_len + (msg.msg_iovlen > 1 ? len : 0),
                     NULL, 0);
        ssize_t w = sendmsg(fd, &msg, flags);
        trace_after("send", fd, (long)w, errno, NULL, 0);
        if (w == -1 && errno == EINTR)
            continue;
        if (w == -1)
            return -1;
        /* A short send: skip what went, in the iovecs. */
        while (msg.msg_iovlen > 0 && (size_t)w >= msg.msg_iov[0].iov_len) {
            w -= (ssize_t)msg.msg_iov[0].iov_len;
            msg.msg_iov++;
            msg.msg_iovlen--;
        }
        if (msg.msg_iovlen > 0) {
            msg.msg_iov[0].iov_base = (char *)msg.msg_iov[0].iov_base + w;
            msg.msg_iov[0].iov_len -= (size_t)w;
        }
    }
    return 0;
}
