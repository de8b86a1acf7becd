#!/usr/bin/env python3
"""tcp_peer.py - a client for lesson 04's tests that sends exactly what it
is told, in the pieces it is told: frames split anywhere, lengths out of
range, a frame cut short, a peer that stops half-way.

Usage: tcp_peer.py PORT STEP...
       tcp_peer.py --serve STEP...
  --serve     be a server instead: listen on 127.0.0.1 port 0, print the
              readiness line "listening on 127.0.0.1:PORT", accept one
              client, then take the steps on its connection
  len:N       send a 4-byte little-endian header holding N (any int32)
  hex:HEX     send these bytes (hex digits, two a byte)
  bytes:TEXT  send TEXT's bytes as they are
  frame:TEXT  send a whole frame of TEXT
  many:N:SIZE send N frames of SIZE bytes each, reading nothing
  hold        wait for SIGUSR1 (the test sees rt_sigtimedwait)
  reply       read one frame and print its payload (request: the same)
  eof         read until EOF; print "eof after N bytes" (or the error)
  close       close the socket (what is left of the steps is ignored)
Prints "tcp_peer.py: connected from 127.0.0.1:C to 127.0.0.1:PORT" on
stderr once connected, as tcp_client does.
"""
import signal
import socket
import struct
import sys


def read_n(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            sys.exit(f"tcp_peer: EOF after {len(data)} of {n} bytes")
        data += chunk
    return data


signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
if sys.argv[1] == "--serve":
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    print("listening on 127.0.0.1:%d" % ls.getsockname()[1], flush=True)
    s, _ = ls.accept()
    ls.close()
else:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    print("tcp_peer.py: connected from %s:%d to 127.0.0.1:%s" % (*s.getsockname(), sys.argv[1]),
          file=sys.stderr, flush=True)
for step in sys.argv[2:]:
    kind, _, arg = step.partition(":")
    if kind == "len":
        s.sendall(struct.pack("<i", int(arg)))
    elif kind == "hex":
        s.sendall(bytes.fromhex(arg))
    elif kind == "bytes":
        s.sendall(arg.encode())
    elif kind == "frame":
        s.sendall(struct.pack("<i", len(arg.encode())) + arg.encode())
    elif kind == "many":
        count, _, size = arg.partition(":")
        for _ in range(int(count)):
            s.sendall(struct.pack("<i", int(size)) + b"m" * int(size))
    elif kind == "hold":
        signal.sigwait({signal.SIGUSR1})
    elif kind in ("reply", "request"):
        (n,) = struct.unpack("<i", read_n(s, 4))
        print(read_n(s, n).decode(errors="replace"), flush=True)
    elif kind == "eof":
        got = 0
        try:
            while chunk := s.recv(65536):
                got += len(chunk)
            print(f"eof after {got} bytes", flush=True)
        except OSError as e:
            print(f"{e.strerror} after {got} bytes", flush=True)
    elif kind == "close":
        break
    else:
        sys.exit(f"tcp_peer: unknown step {step}")
s.close()
