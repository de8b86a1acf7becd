#!/usr/bin/env python3
"""worker.py - a worker that does its work (lines on standard input) and
takes signals: SIGUSR1 notifies it, SIGINT or SIGTERM stops it.

Usage: worker.py [--handler flag|print|selfpipe|wakeupfd] [--restart]
                 [--lines N] [--pdeathsig] [--ready-fd FD]
  --handler flag      (default) the handler (signal.signal) only sets a
                      flag; the main loop acts on it
  --handler print     the handler calls print itself (the mistake)
  --handler selfpipe  the handler writes a byte to a pipe of our own; the
                      main loop polls stdin and that pipe
  --handler wakeupfd  signal.set_wakeup_fd: Python's C-level handler writes
                      the signal's number to our pipe; the main loop polls
  --restart           let Python retry the read() a signal interrupts (PEP
                      475, its default); without it the handler raises
                      InterruptedError while we are in read(), as EINTR in C
  --lines N           first print N numbered lines (print, buffered)
  --pdeathsig         SIGTERM us when our parent dies (PR_SET_PDEATHSIG)
  --ready-fd FD       close FD once the signals are set up

What to watch: Python's handlers are not C handlers. The C library's
handler only notes the signal; Python runs ours later, in the main thread,
between bytecodes, and retries an interrupted read() by itself (PEP 475):
the flag waits for the next line unless the handler raises (and so does
a signal that comes after the loop looked at the flag and before read()
began, in C too: pause_race.py shows that window; the self-pipe and the
wakeup fd close it). A print in a
handler that runs while the main flow is inside print (stdout full) is a
reentrant call: RuntimeError. Status 0 at end of input or on a stop (from
then on the signals stay blocked: a second Ctrl-C changes nothing); 1 if
stdout is full or closed.
Mirror: demos/03-signals/worker.c (its signalfd is our wakeupfd).
"""
import errno
import os
import select
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ipclab import posix, signame, trace              # noqa: E402
from ipclab.err import (close_stdout, die, fail, fd_object, option_value, out,  # noqa: E402
                        parse_long)

USAGE = ("usage: {} [--handler flag|print|selfpipe|wakeupfd] [--restart] "
         "[--lines N] [--pdeathsig] [--ready-fd FD]")
SIGS = {signal.SIGUSR1, signal.SIGINT, signal.SIGTERM}
notified = 0
stop = 0
in_read = False         # the main flow is blocked in read(): the handler may raise
how, restart, self_pipe = "flag", False, None


def on_signal(sig, frame):
    global notified, stop
    if sig == signal.SIGUSR1:
        notified += 1
    else:
        stop = sig
    if how == "print":      # wrong: it runs in the middle of the main flow
        # flush=True, to see it at once: into the buffer the main flow is
        # in the middle of writing out.
        print(f"worker {os.getpid()}: notified by {signame.name(sig)}", flush=True)
    if how == "selfpipe":
        try:
            os.write(self_pipe[1], b"x")
        except BlockingIOError:     # full: the main loop is woken already
            pass
    if not restart and in_read:     # as EINTR does in C: the read() stops
        raise InterruptedError(errno.EINTR, os.strerror(errno.EINTR))


def stopping():
    """We are ending (a stop, the end of input): from here on a signal
    changes nothing, so it stays blocked and pending, and goes with us. A
    second Ctrl-C or SIGTERM (a terminal's and the master's SIGINT both
    come) would otherwise kill us: Python puts the default actions back
    while it shuts down (status 130 instead of 0); in C it would cut our
    last write short (worker.c)."""
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGS)
    except OSError as e:
        die("sigprocmask SIG_BLOCK", e)


def act(seen):
    """Tell what the handler recorded, from the main flow."""
    if notified != seen:
        seen = notified
        trace.signal_note(signal.SIGUSR1, None, "handled SIGUSR1")
        out(f"worker {os.getpid()}: notified by SIGUSR1 ({seen} so far)")
    if stop:
        stopping()
        trace.signal_note(stop, None, "stopping")
        out(f"worker {os.getpid()}: stopping on {signame.name(stop)}")
        close_stdout()
        sys.exit(0)
    return seen


def show_lines(data):
    """'worker PID: got: TEXT' for each line; unprintable bytes as '.'."""
    for line in data.rstrip(b"\n").split(b"\n"):
        out(f"worker {os.getpid()}: got: "
            + "".join(chr(c) if 32 <= c < 127 else "." for c in line))


def main(argv):
    global how, restart, self_pipe, in_read
    # Python ignores SIGPIPE (a write raises BrokenPipeError instead) and
    # turns SIGINT into KeyboardInterrupt (a traceback on Ctrl-C) until our
    # handlers are in: put back the kernel's defaults, as in C.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    lines, pdeathsig, ready, seen = 0, False, -1, 0
    args = iter(argv[1:])
    for a in args:
        if a == "--handler":
            how = option_value(a, args)
            if how not in ("flag", "print", "selfpipe", "wakeupfd"):
                fail(2, f"--handler: '{how}' is none of flag, print, selfpipe, wakeupfd"
                        + (" (signalfd is C's: worker)" if how == "signalfd" else ""))
        elif a == "--restart":
            restart = True
        elif a == "--lines":
            lines = parse_long(a, option_value(a, args), 0, 10000000)
        elif a == "--pdeathsig":
            pdeathsig = True
        elif a == "--ready-fd":
            ready = parse_long(a, option_value(a, args), 3, 1023)
        else:
            fail(2, USAGE.format(argv[0]))

    if pdeathsig:
        parent = os.getppid()
        try:
            posix.prctl_set_pdeathsig(signal.SIGTERM)
        except OSError as e:
            die("prctl PR_SET_PDEATHSIG SIGTERM", e)
        if os.getppid() != parent:  # it died before prctl: no signal will come
            fail(1, f"parent {parent} gone before prctl PR_SET_PDEATHSIG")
    if how in ("selfpipe", "wakeupfd"):
        self_pipe = os.pipe()
        for fd in self_pipe:
            os.set_blocking(fd, False)
    if how == "wakeupfd":           # must be non-blocking, else Python refuses it
        signal.set_wakeup_fd(self_pipe[1])
    for sig in SIGS:
        signal.signal(sig, on_signal)
    if ready != -1:
        try:
            os.close(ready)
        except OSError as e:
            die(f"close --ready-fd {ready}", e)

    try:                            # the tutorial's printing, buffered
        for n in range(1, lines + 1):
            print(f"worker {os.getpid()}: line {n}")
        if lines and sys.stdout is None:    # fd 1 closed: print() drops it all
            raise OSError(errno.EBADF, os.strerror(errno.EBADF))
        if sys.stdout:
            sys.stdout.flush()
    except RuntimeError as e:       # the handler's print inside our print
        fail(1, f"print: {e}")
    except OSError as e:            # print's write(), as printf's in C
        sys.stdout = None           # lost: Python's flush at exit must not try again
        die(f"write {fd_object(1)}", e)
    seen = act(seen)

    while True:
        if self_pipe:
            poll = select.poll()
            poll.register(0, select.POLLIN)
            poll.register(self_pipe[0], select.POLLIN)
            trace.before("poll")
            ready_fds = dict(poll.poll())   # a handler ran: poll goes on (PEP 475)
            trace.after("poll", ret=len(ready_fds))
            if self_pipe[0] in ready_fds:
                try:
                    got = os.read(self_pipe[0], 512)
                except BlockingIOError:
                    got = b""
                if how == "wakeupfd":       # one byte a signal: its number
                    trace.note("wakeup fd: " + " ".join(signame.name(b) for b in got))
            seen = act(seen)
            if 0 not in ready_fds:
                continue
        trace.before("read", 0, length=511)
        try:
            in_read = True
            data = os.read(0, 511)
        except InterruptedError as e:
            in_read = False
            trace.after("read", 0, -1, e.errno)
            out(f"worker {os.getpid()}: read stdin: {os.strerror(errno.EINTR)} (EINTR)")
            seen = act(seen)
            continue
        except OSError as e:
            die(f"read {fd_object(0)}", e)
        finally:
            in_read = False
        trace.after("read", 0, len(data), data=data)
        if not data:
            break
        show_lines(data)
        seen = act(seen)
    stopping()
    out(f"worker {os.getpid()}: end of input")
    close_stdout()


if __name__ == "__main__":
    main(sys.argv)
