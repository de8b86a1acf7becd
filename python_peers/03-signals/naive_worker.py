#!/usr/bin/env python3
"""naive_worker.py - the common tutorial's worker, kept as it is written
there. Do not copy it: worker.py is the fix.

Usage: naive_worker.py     (SIGUSR1: "got SIGUSR1"; SIGINT, SIGTERM: stop)

What is wrong with it: print in the handler (see worker.py --handler
print), and a loop that spins at 100% CPU doing nothing. Unlike its C
mirror it does stop: Python reads `running` again on every turn (there is
no optimiser to keep it in a register), and runs the handler between two
bytecodes of the loop. Mirror: demos/03-signals/naive_worker.c.
"""
import os
import signal

running = True


def handle(sig, frame):
    global running
    if sig == signal.SIGUSR1:
        print(f"Worker {os.getpid()}: got SIGUSR1")
    else:
        print(f"Worker {os.getpid()}: stopping")
        running = False


signal.signal(signal.SIGUSR1, handle)
signal.signal(signal.SIGINT, handle)
signal.signal(signal.SIGTERM, handle)
print(f"Worker {os.getpid()} started")
while running:
    pass    # do some work
print(f"Worker {os.getpid()} done")
