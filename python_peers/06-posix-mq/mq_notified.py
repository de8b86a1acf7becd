#!/usr/bin/env python3
"""mq_notified.py - take messages from a POSIX message queue when the kernel
says one came (mq_notify), instead of asleep in mq_receive.

Usage: mq_notified.py [--create] [--thread] [--forget] [-n COUNT] [--hold] [--] /NAME
  /NAME          the queue: '/' then 1 to 255 bytes, no other '/'
  --create       make it, 0600, failing if it exists (O_EXCL), with the
                 kernel's default sizes; removed at the end, on an error
                 and on a signal that ends it (INT, TERM, HUP, USR1...)
  --thread       C only (SIGEV_THREAD: glibc would call a Python function
                 from a thread of its own): refused here; SIGEV_SIGNAL: the
                 kernel sends SIGUSR2
  --forget       the classic bug: never register again after a notification
  -n COUNT       end after COUNT messages; 0, the default: until a signal
  --hold         once registered, wait for SIGUSR1 before taking anything

Its first line says what the queue is (as mq_receiver's); its second,
"registered: mq_notify ...", is its readiness line. A registration fires
once, when a message comes to an EMPTY queue that no mq_receive waits on,
and is gone. So, at each "notified K: ...", it registers again FIRST, then
takes every message (O_NONBLOCK, until EAGAIN): one that comes between
the two is taken by this drain or notified anew, never missed. What to
watch: with --forget, a message sent after the first drain stays queued,
and the program waits for ever (rt_sigtimedwait). One process at a time
may be registered (EBUSY); the queue's file in the mqueue file system
names it (NOTIFY_PID). Python has no mq_* calls of its own: they are
glibc's, through ctypes (ipclab.posix). Mirror:
demos/06-posix-mq/mq_notified.c. Sender: mq_sender.py.
"""
import errno
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import posix, trace                          # noqa: E402
from ipclab.hold import hold_until_sigusr1               # noqa: E402
from ipclab.pmq import (check_name, describe, open_refused, remove_on_signal,  # noqa: E402
                        si_code, unlink_ours, unlinked)
from ipclab.err import (close_stdout, die, fail, option_value, out,  # noqa: E402
                        parse_long, plural, progname, say, undo_clear, undo_push)

USAGE = "usage: {} [--create] [--thread] [--forget] [-n COUNT] [--hold] [--] /NAME"


def register_for(q, name):
    try:
        posix.mq_notify(q, posix.SIGEV_SIGNAL, signal.SIGUSR2)
    except OSError as e:
        if e.errno == errno.EBUSY:
            fail(1, f"mq_notify {name}: {os.strerror(e.errno)}: another process is registered"
                    " for this queue (one at a time)")
        die(f"mq_notify {name}", e)


def main(argv):
    count, got, notes = 0, 0, 0
    create = forget = hold = False
    # As in C: SIGPIPE kills (our stdout gone), Ctrl-C before the queue
    # exists ends us with no traceback.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    args = iter(argv[1:])
    rest = []
    for arg in args:
        if rest or not arg.startswith("-"):
            rest.append(arg)
        elif arg == "--create":
            create = True
        elif arg == "--thread":
            fail(2, "--thread: SIGEV_THREAD is the C program's (glibc would call a Python"
                    " function from a thread of its own): build/bin/mq_notified --thread")
        elif arg == "--forget":
            forget = True
        elif arg == "-n":
            count = parse_long("-n", option_value(arg, args), 0, 1000000)
        elif arg == "--hold":
            hold = True
        elif arg == "--":
            rest = list(args)
        else:
            fail(2, USAGE.format(argv[0]))
    if len(rest) != 1:
        fail(2, USAGE.format(argv[0]))
    name = rest[0]
    check_name(name)                # a bad name: refused before any call
    if create:
        remove_on_signal(None, None)  # the handlers first; nothing to remove yet
    # O_NONBLOCK: a drain ends at EAGAIN; we never sleep in mq_receive (the
    # kernel would hand it each message, and notify nobody).
    flags = os.O_RDONLY | os.O_NONBLOCK | (os.O_CREAT | os.O_EXCL if create else 0)
    old = os.umask(0o177)           # a queue we make is 0600, whatever our umask
    try:
        q = posix.mq_open(name, flags, 0o600)   # no sizes: the default ones
    except OSError as e:
        fail(1, f"mq_open {name}: {os.strerror(e.errno)}{open_refused(e.errno, flags)}")
    finally:
        os.umask(old)
    if create:                      # removed on every way out from here, while it is ours
        remove_on_signal(q, name)
        undo_push(unlink_ours, name)
    a = describe(q, name, create)   # what the queue is, as the kernel says (mq_getattr)

    # Blocked before we register: a notification that comes before we wait
    # stays pending, instead of killing us (SIGUSR2's default).
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
    except OSError as e:
        die("sigprocmask SIG_BLOCK SIGUSR2", e)
    register_for(q, name)
    out("registered: mq_notify SIGEV_SIGNAL SIGUSR2")
    if hold:
        say(f"{progname()}: waiting for SIGUSR1 before receiving (kill -USR1 {os.getpid()})")
        hold_until_sigusr1()

    # Registered, then drained: messages queued before we registered never
    # fire a notification (the queue was not empty), so take them now.
    while True:
        while count == 0 or got < count:
            trace.before("mq_receive", q, obj=name, length=a.msgsize)    # ipclab
            try:
                data, prio = posix.mq_receive(q, a.msgsize)
            except OSError as e:
                trace.after("mq_receive", q, -1, e.errno)
                if e.errno == errno.EAGAIN:
                    break       # drained
                die(f"mq_receive {name}", e)
            trace.after("mq_receive", q, len(data), data=data)
            got += 1
            text = "".join(chr(b) if 32 <= b < 127 else "." for b in data)
            out(f"message {got}: priority {prio}, {len(data)}"
                f" {plural(len(data), 'byte', 'bytes')}: {text}")
        if count != 0 and got >= count:
            break
        out(f"empty (EAGAIN): waiting for notification {notes + 1}")
        lost = False
        while True:     # EINTR: retried by Python (PEP 475)
            trace.before("sigwaitinfo")
            try:
                si = signal.sigwaitinfo({signal.SIGUSR2})
            except OSError as e:
                trace.signal_after("sigwaitinfo", -1, -1, e.errno)
                die("sigwaitinfo SIGUSR2", e)
            trace.signal_after("sigwaitinfo", -1, si.si_signo, 0, si.si_signo, si.si_pid)
            if si.si_code == posix.SI_MESGQ:
                break
            # Anyone may kill -USR2 us: only SI_MESGQ comes from the queue.
            say(f"{progname()}: SIGUSR2 from pid {si.si_pid} (si_code {si_code(si.si_code)})"
                " is not a notification: ignored")
            # But a standard signal is pending at most once: the queue's
            # SIGUSR2, sent while that one was pending, merged into it.
            # Registering again tells: EBUSY, we still are.
            if forget:
                continue
            try:
                posix.mq_notify(q, posix.SIGEV_SIGNAL, signal.SIGUSR2)
            except OSError as e:
                if e.errno != errno.EBUSY:
                    die(f"mq_notify {name}", e)
                continue
            lost = True
            break
        if lost:            # registered again already: drain
            notes += 1
            out(f"notified {notes}: merged into the stray SIGUSR2 (a standard signal is pending"
                " at most once): registered again: mq_notify SIGEV_SIGNAL SIGUSR2")
            continue
        out(f"notified {notes + 1}: SIGUSR2, si_code {si_code(si.si_code)}, sent by pid"
            f" {si.si_pid}")
        notes += 1
        if forget:
            out("not registered again (--forget)")
            continue
        # Again BEFORE draining: the registration is gone since it fired.
        register_for(q, name)
        out("registered again: mq_notify SIGEV_SIGNAL SIGUSR2")
    # mq_close would end the registration too; said here, it is seen.
    try:
        posix.mq_notify(q, None)
    except OSError as e:
        die(f"mq_notify {name} NULL", e)
    gone = 0
    if create:                          # mq_unlink, if the name is still our queue's
        remove_on_signal(None, None)
        try:
            gone = unlink_ours(name)
        except OSError as e:
            die(f"mq_unlink {name}", e)
        undo_clear()
    try:
        posix.mq_close(q)
    except OSError as e:
        die(f"mq_close {name}", e)
    close_stdout()
    say(f"{progname()}: {notes} {plural(notes, 'notification', 'notifications')}, received"
        f" {got} {plural(got, 'message', 'messages')}; {name}"
        f" {unlinked(gone) if create else 'left for others'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
