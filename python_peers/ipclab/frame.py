"""Length-prefixed frames on a byte stream (pipe, FIFO, socket).

Wire format: a 4-byte little-endian signed length n (struct '<i'), then n
bytes of payload, 0 <= n <= FRAME_MAX. Mirror image of demos/common/frame.c;
every read and write is traced (trace.py).
"""
import errno
import os
import select
import struct

from ipclab import trace

FRAME_MAX = 1024 * 1024   # 1 MiB: a longer length is an error
HEADER = struct.Struct("<i")


class FrameError(Exception):
    """A frame that cannot be read: bad length, cut short, failed read."""


def _write_all(fd, data):
    """os.write() may write less than asked: loop until done."""
    view = memoryview(data)
    while view:
        trace.before("write", fd, length=len(view), data=view)
        try:
            w = os.write(fd, view)
        except OSError as e:               # EINTR: Python retries (PEP 475)
            trace.after("write", fd, -1, e.errno)
            raise
        trace.after("write", fd, w)
        view = view[w:]


def _read_full(fd, n):
    """os.read() may return less than asked: loop until n bytes or EOF."""
    got = bytearray()
    while len(got) < n:
        trace.before("read", fd, length=n - len(got))
        try:
            chunk = os.read(fd, n - len(got))
        except OSError as e:               # EINTR: Python retries (PEP 475)
            trace.after("read", fd, -1, e.errno)
            raise
        trace.after("read", fd, len(chunk), data=chunk)
        if not chunk:
            break
        got += chunk
    return bytes(got)


def read_full(fd, n):
    """os.read() until n bytes or end of file, traced: the bytes read (fewer
    than n only at EOF). Raises OSError. Mirror of frame_read_full."""
    return _read_full(fd, n)


def write(fd, payload):
    """Write one frame: in one write() when the frame, header included, is
    at most PIPE_BUF (4096) bytes, else in two. Raises OSError (EPIPE when
    the reader is gone)."""
    if len(payload) > FRAME_MAX:
        raise OSError(errno.EMSGSIZE, os.strerror(errno.EMSGSIZE))
    # A write() of at most PIPE_BUF (4096) bytes reaches a pipe whole, never
    # mixed with another writer's bytes. So a frame of at most PIPE_BUF
    # bytes, header included (a payload of up to 4092), goes out in one
    # write(); a larger one in two, header then payload, which the kernel
    # may split further and interleave with other writers' frames.
    if HEADER.size + len(payload) <= select.PIPE_BUF:
        _write_all(fd, HEADER.pack(len(payload)) + payload)
    else:
        _write_all(fd, HEADER.pack(len(payload)))
        _write_all(fd, payload)


def read(fd, cap=None):
    """Read one frame: its payload, or None at a clean end of stream.

    Raises FrameError for a failed read, a length out of range (or over
    cap bytes, when cap is given: frame_read's buffer size) or a frame cut
    short by EOF."""
    try:
        hdr = _read_full(fd, 4)
    except OSError as e:
        raise FrameError(f"read frame header: {os.strerror(e.errno)}") from e
    if not hdr:
        return None
    if len(hdr) < 4:
        raise FrameError(f"frame cut short by EOF: got {len(hdr)} of 4 header bytes")
    (length,) = HEADER.unpack(hdr)
    if not 0 <= length <= FRAME_MAX:
        raise FrameError(f"frame length {length} is out of range "
                         f"(0 to {FRAME_MAX} bytes)")
    if cap is not None and length > cap:
        raise FrameError(f"frame length {length} does not fit the {cap}-byte buffer")
    try:
        payload = _read_full(fd, length)
    except OSError as e:
        raise FrameError(f"read frame payload: {os.strerror(e.errno)}") from e
    if len(payload) < length:
        raise FrameError(f"frame cut short by EOF: got {len(payload)} of "
                         f"{length} payload bytes")
    return payload


def send(sock, payload, flags=0):
    """Send one frame on a socket with send flags (socket.MSG_NOSIGNAL:
    EPIPE, not SIGPIPE, when the peer is gone): header and payload in one
    sendmsg(), looping over short sends. Raises OSError. Mirror of
    frame_send (lesson 04)."""
    if len(payload) > FRAME_MAX:
        raise OSError(errno.EMSGSIZE, os.strerror(errno.EMSGSIZE))
    # One sendmsg(): header and payload leave together, never as two small
    # writes that Nagle's algorithm would hold apart.
    parts = [memoryview(HEADER.pack(len(payload))), memoryview(payload)]
    while parts:
        fd = sock.fileno()
        trace.before("send", fd, length=sum(len(p) for p in parts))
        try:
            w = sock.sendmsg(parts, [], flags)  # EINTR: Python retries (PEP 475)
        except OSError as e:
            trace.after("send", fd, -1, e.errno)
            raise
        trace.after("send", fd, w)
        while parts and w >= len(parts[0]):   # a short send: skip what went
            w -= len(parts[0])
            parts.pop(0)
        if parts:
            parts[0] = parts[0][w:]
