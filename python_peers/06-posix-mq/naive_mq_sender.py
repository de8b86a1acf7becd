#!/usr/bin/env python3
"""naive_mq_sender.py - the common tutorial's POSIX message queue sender,
kept as it is written there, to see where it breaks. Do not copy it:
mq_sender.py is the fix.

Usage: naive_mq_sender.py NAME TEXT...   (one mq_send a TEXT, priority 0,
                                          a '\\0' after it, as C sends it)

What is wrong with it: naive_mq_sender.c's list. mq_open(O_CREAT) with the
kernel's default sizes (8192 bytes a message) and 0666: whoever comes first
makes the queue; it is never unlinked. Python raises where C went on
without a word: a failed call ends it with a traceback.
Mirror: demos/06-posix-mq/naive_mq_sender.c. Receiver: naive_mq_receiver.py.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import posix                                 # noqa: E402

if len(sys.argv) < 2:
    print("usage: %s NAME TEXT..." % sys.argv[0])
    sys.exit(2)
mq = posix.mq_open(sys.argv[1], os.O_CREAT | os.O_WRONLY, 0o666)   # the kernel's sizes
for text in sys.argv[2:]:
    posix.mq_send(mq, os.fsencode(text) + b"\0", 0)
    print("Sent: %s" % text)
posix.mq_close(mq)                                       # never mq_unlink
