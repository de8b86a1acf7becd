#!/usr/bin/env python3
"""naive_writer.py - the common tutorial's FIFO writer, kept as it is
written there, to see where it breaks. Do not copy it: fifo_node.py is the fix.

Usage: naive_writer.py MESSAGE...     (each MESSAGE sent with one write())

What is wrong with it: see demos/02-fifos/naive_writer.c (a fixed name in
/tmp, mode 0666, "mkfifo unless it exists", no framing, nothing checked,
nothing removed). NAIVE_DIR changes the folder, for the kit's tests only.
Mirror: demos/02-fifos/naive_writer.c. Reader: naive_reader.c/.py.
"""
import os
import sys

path = os.path.join(os.environ.get("NAIVE_DIR", "/tmp"), "myfifo")
if not os.path.exists(path):            # "mkfifo unless it exists"
    os.mkfifo(path, 0o666)
fd = os.open(path, os.O_WRONLY)
for message in sys.argv[1:]:
    os.write(fd, message.encode() + b"\0")     # with a '\0', as the C side
os.close(fd)
