#!/usr/bin/env python3
"""naive_master.py - the common tutorial's master, kept as it is written
there, to see where it breaks. Do not copy it: master.py is the fix.

Usage: naive_master.py WORKER [ARG...]   (the tutorial has ./worker fixed)

It starts ten workers, gives them a second to start, pokes each with
SIGUSR1, and on Ctrl-C (SIGINT) forwards SIGINT to each and exits.

What is wrong with it: a second is a guess: a worker not yet at its
signal() when SIGUSR1 comes is killed by it (the default action). Nobody
waits for the workers: one that ends while the master runs stays a zombie
(state Z) until the master is gone; on Ctrl-C the master exits without
waiting, so workers that do not stop (naive_worker.c: they never do) run on
as orphans, and nothing says how any of them ended. Killed with SIGKILL,
the master forwards nothing at all. Mirror: demos/03-signals/naive_master.c.
"""
import os
import signal
import subprocess
import sys
import time

workers = []
for i in range(10):
    workers.append(subprocess.Popen(sys.argv[1:]))
time.sleep(1)   # give them time to start
for w in workers:
    os.kill(w.pid, signal.SIGUSR1)


def forward(sig, frame):
    for w in workers:
        os.kill(w.pid, signal.SIGINT)
    sys.exit(0)


signal.signal(signal.SIGINT, forward)
while True:
    time.sleep(1)
