#!/usr/bin/env python3
"""naive_uds_client.py - the common tutorial's Unix domain socket client,
kept as it is written there, to see where it breaks. Do not copy it:
uds_client.py is the fix.

Usage: naive_uds_client.py PATH MESSAGE...
  each MESSAGE goes with one send(): its bytes, nothing that says where
  it ends

What is wrong with it: no framing (naive_uds_server.c says what that
does); send()'s result never looked at. (A PATH too long for sun_path:
Python's connect() refuses it with a traceback, where C's strncpy() cuts
it short without a word.) The kit changed one thing: PATH is an argument
(the tutorial's: "/tmp/mysocket").
Mirror: demos/05-unix-sockets/naive_uds_client.c.
Server: naive_uds_server.c/.py.
"""
import socket
import sys

if len(sys.argv) < 3:
    print("usage: %s PATH MESSAGE..." % sys.argv[0])
    sys.exit(2)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
for message in sys.argv[2:]:
    s.send(message.encode())
s.close()
