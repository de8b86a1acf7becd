#!/usr/bin/env python3
"""mq_sender.py - put messages with priorities on a POSIX message queue.

Usage: mq_sender.py [--create] [--maxmsg N] [--msgsize N] [--keep] [--unlink]
                    [--nonblock] [--timeout SECONDS] [--hold] [--] /NAME [PRIO:]TEXT...
  /NAME          the queue: '/' then 1 to 255 bytes, no other '/'
  PRIO:TEXT      one message: the bytes of TEXT, with priority PRIO (0 to
                 32767, MQ_PRIO_MAX - 1; the highest is received first).
                 A TEXT with no PRIO: before it has priority 0, the lowest
                 (a TEXT that starts with digits and ':' needs one: 0:12:30;
                 -1:... is refused, not sent as text)
  --create       make it, 0600 whatever the umask, failing if it exists
                 (O_EXCL), with room for --maxmsg N messages (10) of up to
                 --msgsize N bytes (8192). It is ours: removed at the end,
                 on an error and on a signal that ends it, unless --keep
                 (a receiver that has it open by then still reads it all)
  --unlink       remove it the same way, though another program made it
                 (with no TEXT: only that, a leftover queue removed by hand)
  --nonblock     O_NONBLOCK: a full queue fails at once (EAGAIN)
  --timeout S    mq_timedsend: wait S seconds at most for room (ETIMEDOUT)
  --hold         once the queue is open, wait for SIGUSR1 before sending

Its first line on stdout says what the queue is ("created /NAME: ..." or
"opened /NAME: ...", as mq_receiver does); then "sent K: priority P, N
bytes" once mq_send has returned for message K. What to watch: on a full
queue (mq_maxmsg messages) mq_send sleeps in the kernel (/proc/PID/syscall:
mq_timedsend, which glibc's mq_send calls) until a receiver takes one; a
message longer than mq_msgsize is refused (EMSGSIZE). TEXT goes as the
bytes the command line gave (os.fsencode), as in C.
Mirror: demos/06-posix-mq/mq_sender.c. Receiver: mq_receiver.py.
"""
import errno
import os
import re
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
         " [--nonblock] [--timeout SECONDS] [--hold] [--] /NAME [PRIO:]TEXT...")


def main(argv):
    maxmsg, msgsize, timeout, sent = 0, 0, -1, 0
    prio_max = os.sysconf("SC_MQ_PRIO_MAX")     # 32768 on Linux
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
        elif arg == "--nonblock":
            nonblock = True
        elif arg == "--timeout":
            timeout = parse_long("--timeout", option_value(arg, args), 0, 86400)
        elif arg == "--hold":
            hold = True
        elif arg == "--":
            rest = list(args)
        else:
            fail(2, USAGE.format(argv[0]))
    if len(rest) < 2 - unlink_it:   # --unlink with no message: remove it, that is all
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
    # Each message's priority and text, checked before the queue is touched:
    # "2:B" is B with priority 2; "A" (no digits and ':' first) is A with 0.
    messages = []
    for k, arg in enumerate(rest[1:], 1):
        text = os.fsencode(arg)
        m = re.match(rb"(-?[0-9]+):", text)        # "-1:B": a priority, refused
        if not m:
            messages.append((0, text))
            continue
        if not 0 <= int(m[1]) < prio_max:
            fail(2, f"message {k}: priority {m[1].decode()} is not from 0 to {prio_max - 1}"
                    " (MQ_PRIO_MAX - 1)")
        messages.append((int(m[1]), text[m.end():]))
    ours = (create and not keep) or unlink_it
    call = "mq_timedsend" if timeout >= 0 else "mq_send"

    if ours:
        remove_on_signal(None, None)  # the handlers first; nothing to remove yet
    # --create: O_CREAT | O_EXCL, a new queue or none (mode and sizes
    # count only then); otherwise the queue that has the name.
    flags = (os.O_WRONLY | (os.O_NONBLOCK if nonblock else 0)
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
        say(f"{progname()}: waiting for SIGUSR1 before sending (kill -USR1 {os.getpid()})")
        hold_until_sigusr1()

    for k, (prio, text) in enumerate(messages, 1):
        trace.before(call, q, obj=name, length=len(text), data=text)   # for ipclab's timeline
        try:            # EINTR: retried, the deadline kept (ipclab.posix)
            if timeout >= 0:
                posix.mq_timedsend(q, text, prio, time.time() + timeout)
            else:
                posix.mq_send(q, text, prio)
        except OSError as e:
            trace.after(call, q, -1, e.errno)
            what = f"{call} {name}: {os.strerror(e.errno)}"
            after = f"after {sent} {plural(sent, 'message', 'messages')}"
            if e.errno == errno.EAGAIN:
                fail(1, f"{what}: the queue is full (mq_maxmsg {a.maxmsg}; O_NONBLOCK: not"
                        f" waiting), {after}")
            if e.errno == errno.ETIMEDOUT:
                fail(1, f"{what}: the queue stayed full (mq_maxmsg {a.maxmsg}) for {timeout} s,"
                        f" {after}")
            if e.errno == errno.EMSGSIZE:
                fail(1, f"{what}: message {k} is {len(text)} bytes, over the queue's mq_msgsize"
                        f" ({a.msgsize}), {after}")
            die(f"{call} {name}", e)
        trace.after(call, q, len(text))
        sent += 1
        out(f"sent {k}: priority {prio}, {len(text)} {plural(len(text), 'byte', 'bytes')}")
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
    say(f"{progname()}: sent {sent} {plural(sent, 'message', 'messages')}; {name} {fate}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
