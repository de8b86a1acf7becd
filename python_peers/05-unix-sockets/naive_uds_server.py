#!/usr/bin/env python3
"""naive_uds_server.py - the common tutorial's Unix domain socket server,
kept as it is written there, to see where it breaks. Do not copy it:
uds_server.py is the fix.

Usage: naive_uds_server.py PATH   (prints "Received: TEXT" after every recv())

What is wrong with it: naive_uds_server.c's list, the same here, but one:
Python's bind() refuses a PATH too long for sun_path (OSError: AF_UNIX
path too long, a traceback) where C's strncpy() cuts it short without a
word. The C tutorial's buffer, reused: recv_into() 100 bytes at most into
a bytearray that is never cleared, printed up to the first '\\0' in it, as
printf("%s") does. The kit changed what naive_uds_server.c says: PATH is
an argument, the readiness line.
Mirror: demos/05-unix-sockets/naive_uds_server.c.
Client: naive_uds_client.c/.py.
"""
import os
import socket
import sys

if len(sys.argv) < 2:
    print("usage: %s PATH" % sys.argv[0])
    sys.exit(2)
path = sys.argv[1]
if os.path.exists(path):                # "in case it exists"
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(5)
print("listening on %s" % path, flush=True)
buf = bytearray(100 + 1)
while True:
    conn, addr = s.accept()
    while conn.recv_into(buf, 100) > 0:  # one recv taken for one message
        print("Received: " + buf[:buf.index(0)].decode(errors="replace"), flush=True)
    conn.close()
