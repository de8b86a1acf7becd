#!/usr/bin/env python3
"""notified_receiver.py - take COUNT messages from a POSIX message queue
someone else made, when the kernel says one came (mq_notify), instead of
asleep in mq_receive.

Exercise 06-posix-mq/02-notified-receiver: the task is in README.md.

Usage: notified_receiver.py /NAME COUNT

Its first line on stdout, "registered: mq_notify SIGEV_SIGNAL SIGUSR2", is
its readiness line: a message sent after it is notified. Then "empty
(EAGAIN): waiting for notification K" each time it has taken everything
and waits; "notified K: SIGUSR2, si_code SI_MESGQ" when the kernel says a
message came; "message K: priority P, N bytes: TEXT" for each message
(bytes that are not printable ASCII as '.'). Status 0 once COUNT are
taken. It neither makes nor removes the queue: its maker does.
"""
import errno
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "..", "python_peers"))
from ipclab import posix                                 # noqa: E402
from ipclab.err import close_stdout, die, fail, out, parse_long, plural  # noqa: E402
from ipclab.pmq import check_name, si_code               # noqa: E402


def register(q, name):
    """Ask for SIGUSR2 when a message comes to the empty queue (once)."""
    try:
        posix.mq_notify(q, posix.SIGEV_SIGNAL, signal.SIGUSR2)
    except OSError as e:
        die(f"mq_notify {name}", e)


def take_one(q, name, size, got):
    """Take a message and print it; False when the queue is empty (EAGAIN:
    the queue is open O_NONBLOCK, so mq_receive never waits)."""
    try:
        data, prio = posix.mq_receive(q, size)
    except OSError as e:
        if e.errno == errno.EAGAIN:
            return False
        die(f"mq_receive {name}", e)
    text = "".join(chr(b) if 32 <= b < 127 else "." for b in data)
    out(f"message {got + 1}: priority {prio}, {len(data)} {plural(len(data), 'byte', 'bytes')}: {text}")
    return True


def wait_notification(k):
    """Sleep in sigwaitinfo until the queue's SIGUSR2 (blocked: it waits
    pending if it comes before we sleep)."""
    out(f"empty (EAGAIN): waiting for notification {k}")
    while True:
        si = signal.sigwaitinfo({signal.SIGUSR2})
        if si.si_code == posix.SI_MESGQ:
            break               # anyone may kill -USR2 us: only this is the queue's
    out(f"notified {k}: SIGUSR2, si_code {si_code(si.si_code)}")


def main(argv):
    if len(argv) != 3:
        fail(2, f"usage: {argv[0]} /NAME COUNT")
    name = argv[1]
    check_name(name)                    # a bad name: refused before any call
    count = parse_long("COUNT", argv[2], 1, 1000000)
    try:
        q = posix.mq_open(name, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as e:
        die(f"mq_open {name}", e)
    size = posix.mq_getattr(q).msgsize
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
    register(q, name)
    out("registered: mq_notify SIGEV_SIGNAL SIGUSR2")

    # Messages queued before we registered fire nothing: take them now.
    got, notes = 0, 0
    while got < count and take_one(q, name, size, got):
        got += 1
    while got < count:
        notes += 1
        wait_notification(notes)
        # The registration is gone: it fired. Register again FIRST: a
        # message that comes after our last EAGAIN then finds us
        # registered and fires; registered after the drain, we would find
        # it queued (a queue not empty fires nothing) and wait for ever.
        register(q, name)
        # One notification may stand for many messages: take them all,
        # until the queue says it is empty.
        while got < count and take_one(q, name, size, got):
            got += 1
    try:
        posix.mq_close(q)               # ends our registration too
    except OSError as e:
        die(f"mq_close {name}", e)
    close_stdout()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
