#!/usr/bin/env python3
"""naive_reader.py - the common tutorial's FIFO reader, kept as it is
written there, to see where it breaks. Do not copy it: fifo_node.py is the fix.

Usage: naive_reader.py        (prints "Received: TEXT" for every read())

What is wrong with it: the writer's list (naive_writer.c), one read() taken
for one message, and the last character of what arrives cut off, taken for
the message's '\0': two messages read at once print as one, the '\0'
between them kept; a long message comes in pieces of 1024 bytes, each
losing its last character.
Mirror: demos/02-fifos/naive_reader.c. Writer: naive_writer.c/.py.
"""
import os

path = os.path.join(os.environ.get("NAIVE_DIR", "/tmp"), "myfifo")
if not os.path.exists(path):            # "mkfifo unless it exists"
    os.mkfifo(path, 0o666)
fd = os.open(path, os.O_RDONLY)
while True:
    data = os.read(fd, 1024)            # one read taken for one message
    if not data:
        break
    print("Received: " + data.decode(errors="replace")[:-1], flush=True)  # drop the '\0'
os.close(fd)
