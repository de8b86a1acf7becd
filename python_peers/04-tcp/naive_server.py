#!/usr/bin/env python3
"""naive_server.py - the common tutorial's TCP server, kept as it is
written there, to see where it breaks. Do not copy it: tcp_server.py is the fix.

Usage: naive_server.py      (prints "Received: TEXT" after every recv())

What is wrong with it: naive_server.c's list, the same here. The C
tutorial's buffer, reused: recv_into() 50 bytes at most into a bytearray
that is never cleared, the result never looked at, and the text printed
up to the first '\\0' in it, as printf("%s") does. (A Python tutorial's
conn.recv(50) prints an empty line, not the last one, at every turn of
its spin.) The kit changed what naive_server.c says: 127.0.0.1 port 0,
the readiness line.
Mirror: demos/04-tcp/naive_server.c. Client: naive_client.c/.py.
"""
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))                # the tutorial: ("", 8888)
s.listen(3)
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
conn, addr = s.accept()
buf = bytearray(50 + 1)
while True:
    conn.recv_into(buf, 50)             # one recv taken for one message
    print("Received: " + buf[:buf.index(0)].decode(errors="replace"), flush=True)
