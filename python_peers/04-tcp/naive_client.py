#!/usr/bin/env python3
"""naive_client.py - the common tutorial's TCP client, kept as it is
written there, to see where it breaks. Do not copy it: tcp_client.py is the fix.

Usage: naive_client.py [--nul] PORT MESSAGE...
  each MESSAGE goes with one send(): its bytes, and with --nul its '\\0'
  too (tutorials do either), nothing that says where it ends

What is wrong with it: no framing (naive_server.c says what that does);
send()'s result never looked at. The kit changed one thing: PORT comes
from the server's readiness line (the tutorial: 8888).
Mirror: demos/04-tcp/naive_client.c. Server: naive_server.c/.py.
"""
import socket
import sys

nul = len(sys.argv) > 1 and sys.argv[1] == "--nul"
if len(sys.argv) < 2 + nul:
    print("usage: %s [--nul] PORT MESSAGE..." % sys.argv[0])
    sys.exit(2)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", int(sys.argv[1 + nul])))
for message in sys.argv[2 + nul:]:
    s.send(message.encode() + (b"\0" if nul else b""))
s.close()
