#!/usr/bin/env python3
"""naive_mq_receiver.py - the common tutorial's POSIX message queue
receiver, kept as it is written there, to see where it breaks. Do not copy
it: mq_receiver.py is the fix.

Usage: naive_mq_receiver.py NAME   (prints "Received: TEXT" for each
                                    message, until one that says "exit")

What is wrong with it: naive_mq_receiver.c's list, the same here. The
Python tutorials use ipcqueue (posixmq.Queue(NAME), not in Debian), which
makes the same calls: mq_open(O_CREAT) with no O_EXCL (mode 0644 there),
a receive buffer of the size it asked for, not the queue's mq_msgsize,
and no mq_unlink unless asked. Here those calls are written out through
the kit's ctypes module. (ipcqueue also pickles what it sends: only
Python can read it.) The kit changed what naive_mq_receiver.c says: NAME
is an argument, the readiness line.
Mirror: demos/06-posix-mq/naive_mq_receiver.c. Sender: naive_mq_sender.py.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import posix                                 # noqa: E402

MAX_SIZE = 1024

if len(sys.argv) < 2:
    print("usage: %s NAME" % sys.argv[0])
    sys.exit(2)
mq = posix.mq_open(sys.argv[1], os.O_CREAT | os.O_RDONLY, 0o666,
                   maxmsg=10, msgsize=MAX_SIZE)          # no O_EXCL
print("waiting on %s" % sys.argv[1], flush=True)
while True:
    data, prio = posix.mq_receive(mq, MAX_SIZE)          # MAX_SIZE, not mq_msgsize
    text = data.split(b"\0")[0].decode(errors="replace")
    if text == "exit":
        break
    print("Received: %s" % text, flush=True)
posix.mq_close(mq)                                       # never mq_unlink
