#!/usr/bin/env python3
"""mq_receiver.py - take messages from a POSIX message queue: the highest
priority first, first in first out within one priority.

Usage: mq_receiver.py [--create] [--maxmsg N] [--msgsize N] [--keep] [--unlink]
                      [-n COUNT] [--nonblock] [--timeout SECONDS] [--buf-size N]
                      [--hold] [--] /NAME
  /NAME          the queue: '/' then 1 to 255 bytes, no other '/'
  --create       make it, 0600 whatever the umask, failing if it exists
                 (O_EXCL), with room for --maxmsg N messages (10) of up to
                 --msgsize N bytes (8192). It is ours: removed at the end,
                 on an error and on a signal that ends it, unless --keep
  --unlink       remove it the same way, though another program made it
  -n COUNT       end after COUNT messages; 0, the default: until a signal
  --nonblock     O_NONBLOCK: an empty queue fails at once (EAGAIN)
  --timeout S    mq_timedreceive: wait S seconds at most (ETIMEDOUT)
  --buf-size N   receive into N bytes; by default the queue's mq_msgsize,
                 from mq_getattr: a smaller buffer fails (EMSGSIZE)
  --hold         once the queue is open, wait for SIGUSR1 before receiving

Its first line on stdout, "created /NAME: mode 0600, room for 10 messages
of up to 8192 bytes, 0 queued" ("opened" for a queue that was there), is
the readiness line a sender waits for, never a sleep. Then, for each
message, "message K: priority P, N bytes: TEXT", its bytes that are not
printable ASCII as '.' (shown, never obeyed). What to watch: messages
queued before it reads come out by priority, not in the order sent; on an
empty queue it sleeps in the kernel (/proc/PID/syscall: mq_timedreceive,
which glibc's mq_receive calls). Python has no mq_* calls of its own: they
are glibc's, through ctypes (ipclab.posix). Mirror:
demos/06-posix-mq/mq_receiver.c. Sender: mq_sender.py.
"""
import errno
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import posix, trace                          # noqa: E402
from ipclab.hold import hold_until_sigusr1               # noqa: E402
from ipclab.pmq import (HARD_MSGMAX, HARD_MSGSIZEMAX, check_name,  # noqa: E402
                        describe, open_refused, remove_on_signal,
                        unlink_ours, unlinked)
from ipclab.err import (close_stdout, die, fail, option_value, out,  # noqa: E402
                        parse_long, plural, progname, say, undo_clear, undo_push)

USAGE = ("usage: {} [--create] [--maxmsg N] [--msgsize N] [--keep] [--unlink]"
         " [-n COUNT] [--nonblock] [--timeout SECONDS] [--buf-size N] [--hold] [--] /NAME")


def main(argv):
    maxmsg, msgsize, count, timeout, bufsize, got = 0, 0, 0, -1, 0, 0
    create = keep = unlink_it = nonblock = hold = False
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
        elif arg == "--maxmsg":
            maxmsg = parse_long("--maxmsg", option_value(arg, args), 1, HARD_MSGMAX)
        elif arg == "--msgsize":
            msgsize = parse_long("--msgsize", option_value(arg, args), 1, HARD_MSGSIZEMAX)
        elif arg == "--keep":
            keep = True
        elif arg == "--unlink":
            unlink_it = True
        elif arg == "-n":
            count = parse_long("-n", option_value(arg, args), 0, 1000000)
        elif arg == "--nonblock":
            nonblock = True
        elif arg == "--timeout":
            timeout = parse_long("--timeout", option_value(arg, args), 0, 86400)
        elif arg == "--buf-size":
            bufsize = parse_long("--buf-size", option_value(arg, args), 1, HARD_MSGSIZEMAX)
        elif arg == "--hold":
            hold = True
        elif arg == "--":
            rest = list(args)
        else:
            fail(2, USAGE.format(argv[0]))
    if len(rest) != 1:
        fail(2, USAGE.format(argv[0]))
    if keep and (not create or unlink_it):
        fail(2, "--keep keeps a queue we create: it needs --create, and no --unlink")
    if (maxmsg or msgsize) and not create:  # mq_open would ignore them without a word
        fail(2, "--maxmsg and --msgsize size a queue we create: they need --create"
                " (a queue opened keeps its own sizes)")
    maxmsg, msgsize = maxmsg or 10, msgsize or 8192
    if nonblock and timeout >= 0:
        fail(2, "--nonblock or --timeout, not both")
    name = rest[0]
    check_name(name)                # a bad name: refused before any call
    ours = (create and not keep) or unlink_it
    call = "mq_timedreceive" if timeout >= 0 else "mq_receive"

    if ours:
        remove_on_signal(None, None)  # the handlers first; nothing to remove yet
    # --create: O_CREAT | O_EXCL, a new queue or none (mode and sizes
    # count only then); otherwise the queue that has the name.
    flags = (os.O_RDONLY | (os.O_NONBLOCK if nonblock else 0)
             | (os.O_CREAT | os.O_EXCL if create else 0))
    old = os.umask(0o177)           # a queue we make is 0600, whatever our umask
    try:
        q = posix.mq_open(name, flags, 0o600, maxmsg=maxmsg, msgsize=msgsize)
    except OSError as e:
        fail(1, f"mq_open {name}: {os.strerror(e.errno)}"
                f"{open_refused(e.errno, flags, maxmsg, msgsize)}")
    finally:
        os.umask(old)
    if ours:                        # removed on every way out from here, while it is ours
        remove_on_signal(q, name)
        undo_push(unlink_ours, name)
    a = describe(q, name, create)   # what the queue is, as the kernel says (mq_getattr)
    if hold:
        say(f"{progname()}: waiting for SIGUSR1 before receiving (kill -USR1 {os.getpid()})")
        hold_until_sigusr1()

    # The buffer must hold the longest message the queue takes: mq_msgsize,
    # not the longest we expect. A smaller one fails every receive, even of
    # a message that would fit, and the message stays queued.
    size = bufsize or a.msgsize
    while count == 0 or got < count:
        trace.before(call, q, obj=name, length=size)   # for ipclab's timeline
        try:            # EINTR: retried, the deadline kept (ipclab.posix)
            if timeout >= 0:
                data, prio = posix.mq_timedreceive(q, time.time() + timeout, size)
            else:
                data, prio = posix.mq_receive(q, size)
        except OSError as e:
            trace.after(call, q, -1, e.errno)
            what = f"{call} {name}: {os.strerror(e.errno)}"
            after = f"after {got} {plural(got, 'message', 'messages')}"
            if e.errno == errno.EAGAIN:
                fail(1, f"{what}: the queue is empty (O_NONBLOCK: not waiting), {after}")
            if e.errno == errno.ETIMEDOUT:
                fail(1, f"{what}: the queue stayed empty for {timeout} s, {after}")
            if e.errno == errno.EMSGSIZE:
                fail(1, f"{what}: a buffer of {size} bytes is smaller than the queue's"
                        f" mq_msgsize ({a.msgsize}): size it from mq_getattr (the message"
                        " stays queued)")
            die(f"{call} {name}", e)
        trace.after(call, q, len(data), data=data)
        got += 1
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in data)
        out(f"message {got}: priority {prio}, {len(data)} {plural(len(data), 'byte', 'bytes')}:"
            f" {text}")
    gone = 0
    if ours:                          # mq_unlink, if the name is still our queue's
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
    fate = unlinked(gone) if ours else "kept (--keep)" if keep else "left for others"
    say(f"{progname()}: received {got} {plural(got, 'message', 'messages')}; {name} {fate}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
