#!/usr/bin/env python3
"""stepper.py - interleave lesson programs call by call, in step mode.

Usage: stepper.py [--timeout SECONDS] [--run NAME=COMMAND]...
                  [--later NAME=COMMAND]... NAME=COMMAND... -- ACTION...

Starts each COMMAND (split like a shell line) with its own trace pipe
(IPCLAB_TRACE_FD) and its own step pipe (IPCLAB_STEP_FD): each program then
waits before every traced call until it is let through (docs/trace-protocol.md).
The ACTIONs (one per argument, or several in one argument separated by spaces)
run in order; after each, one line says where the program stopped:

  NAME>OP     let NAME through its calls until it has made call OP, then
              until it stops again:
                c>shm_load: c waits before shm_store [shm_load data=0700000000000000]
                py>sem_wait: py blocked in futex (wchan futex_do_wait)
                c>shm_store: c exit 0
              A program that is blocked in the kernel (not waiting for a
              step) when its action starts is only reported, not waited for.
  start:NAME  start the --later program NAME (stepped like the others) and
              wait until it stops: start:c: c waits before shm_load. What
              it does before its first traced call (an untraced sem_wait)
              then happens only now, after the steps before it.
  kill:NAME   SIGKILL NAME and reap it:  kill:c: c signal SIGKILL
  free:NAME   close NAME's step pipe: it runs freely from now on
  run:NAME    run the --run command NAME to its end while the stepped
              programs stay where they are (a peer that rewrites shared
              memory between two steps):  run:evil: evil exit 0

Then every program runs freely; the last line is
  end: c exit 0, py exit 0
"Blocked" is what the kernel shows: state S in the system call futex
(sem_wait) or semop/semtimedop (a System V semaphore), read from
/proc/PID/syscall. The wchan in parentheses is only an example of where in
the kernel it sleeps: the name differs between kernel versions
(futex_do_wait on 6.18, futex_wait_queue on 6.1), so tests never pin it.
The trace pipes are read all along, so a program running freely never
blocks on a full trace pipe. When every program still running is blocked
(twice in a row, a sample apart), nobody is left to post: the stepper says
"stuck for good" and stops at once.

A program that uses over 2 s of CPU time since its last trace line (while
stepped or running freely) loops without end: said as "spins", and at the
end the stepper stops at once. (A program at work traces as it goes.)

Exit status: 0 when the actions ran (whatever the programs' statuses), 1 when
a wait timed out, a program spins, or the programs are stuck for good (every program is then
killed; the message says where each one was), 2 for bad usage. The programs
inherit stdout and stderr and die with the stepper (PR_SET_PDEATHSIG).
"""
import ctypes
import os
import re
import select
import shlex
import signal
import subprocess
import sys
import time

# The system calls a program sleeps in on a semaphore, by number
# (asm/unistd.h): sem_wait is a futex wait, semop a semtimedop or semop.
SEM_SYSCALLS = {
    "x86_64": {202: "futex", 65: "semop", 220: "semtimedop"},
    "aarch64": {98: "futex", 193: "semop", 192: "semtimedop"},
}.get(os.uname().machine, {})       # another machine: add its numbers here

# A program that uses this much CPU time without reaching its next traced
# call loops without end (the programs here need a few hundredths).
SPIN_CPU_SECONDS = 2


class Timeout(Exception):
    pass


class Stuck(Exception):
    pass


class Spins(Exception):
    pass


def die_with_parent():
    """In the child before exec: SIGKILL when the stepper dies."""
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG


class Proc:
    def __init__(self, name, argv):
        self.name = name
        trace_r, trace_w = os.pipe()
        step_r, step_w = os.pipe()
        env = dict(os.environ, IPCLAB_TRACE_FD=str(trace_w),
                   IPCLAB_STEP_FD=str(step_r))
        self.popen = subprocess.Popen(argv, env=env, pass_fds=(trace_w, step_r),
                                      stdin=subprocess.DEVNULL,
                                      preexec_fn=die_with_parent)
        os.close(trace_w)
        os.close(step_r)
        self.trace_fd, self.step_fd = trace_r, step_w
        self.buf = b""
        self.events = []
        self.waiting = None         # the before event it now waits at
        self.eof = False
        self.cpu_mark = 0.0         # its CPU time at its last trace line

    def feed(self, chunk):
        if not chunk:
            self.eof = True
            return
        self.buf += chunk
        *lines, self.buf = self.buf.split(b"\n")
        if lines:
            self.cpu_mark = self.cpu_seconds()
        for line in lines:
            # The protocol is ASCII (percent-encoded); a program's stray
            # bytes are its claim, never the stepper's crash.
            ev = dict(f.split("=", 1) for f in line.decode("ascii", "replace").split(" ")
                      if "=" in f)
            self.events.append(ev)
            if ev.get("ev") == "before" and ev.get("step") == "wait":
                self.waiting = ev

    def release(self):
        os.write(self.step_fd, b"g")
        self.waiting = None

    def free(self):
        if self.step_fd != -1:
            os.close(self.step_fd)
            self.step_fd = -1
        self.waiting = None

    def status(self):
        rc = self.popen.returncode
        return f"exit {rc}" if rc >= 0 else f"signal {signal.Signals(-rc).name}"

    def cpu_seconds(self):
        """User plus system CPU time it has used (proc(5): stat fields 14, 15)."""
        try:
            with open(f"/proc/{self.popen.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return 0.0

    def spins(self):
        """Over SPIN_CPU_SECONDS of CPU time since its last trace line: a
        loop without end (a program at work traces as it goes)."""
        return self.cpu_seconds() - self.cpu_mark > SPIN_CPU_SECONDS

    def blocked(self):
        """When the kernel shows it asleep on a semaphore: the system call,
        then the wchan as an extra ("futex (wchan futex_do_wait)")."""
        pid = self.popen.pid
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            with open(f"/proc/{pid}/syscall") as f:
                nr = f.read().split()[0]
            with open(f"/proc/{pid}/wchan") as f:
                wchan = f.read().strip()
        except (OSError, IndexError):
            return None
        if state != "S" or not nr.isdigit() or int(nr) not in SEM_SYSCALLS:
            return None
        call = SEM_SYSCALLS[int(nr)]
        return f"{call} (wchan {wchan})" if wchan not in ("", "0") else call


class Stepper:
    def __init__(self, procs, timeout):
        self.procs = procs
        self.timeout = timeout
        self.commands = {}          # --run NAME=COMMAND: name -> argv
        self.later = {}             # --later NAME=COMMAND, not started yet
        self.order = []             # every program's name, --later ones too

    def pump(self, wait):
        """Read whatever the programs have traced, waiting up to wait seconds."""
        fds = {p.trace_fd: p for p in self.procs.values() if not p.eof}
        if not fds:
            time.sleep(wait)        # nothing to read: poll the exits
            return
        ready, _, _ = select.select(list(fds), [], [], wait)
        for fd in ready:
            fds[fd].feed(os.read(fd, 65536))

    def settle(self, p, what):
        """Wait until p waits for a step, has ended, or is blocked."""
        deadline = time.monotonic() + self.timeout
        while True:
            self.pump(0)
            if p.waiting is not None:
                return f"waits before {p.waiting.get('op')}"
            if p.eof and p.popen.poll() is not None:
                return p.status()
            call = p.blocked()
            if call is not None:
                return f"blocked in {call}"
            if p.spins():
                return f"spins: over {SPIN_CPU_SECONDS} s of CPU time between two traced calls"
            if time.monotonic() > deadline:
                raise Timeout(f"{p.name} {what}")
            self.pump(0.01)

    def run_through(self, p, op):
        released_at = None
        while True:
            where = self.settle(p, f"to reach {op}")
            if p.waiting is None or released_at is not None:
                break
            if p.waiting.get("op") == op:
                released_at = len(p.events)
            p.release()
        for ev in p.events[len(p.events) if released_at is None else released_at:]:
            if ev.get("ev") == "after" and ev.get("op") == op and "data" in ev:
                where += f" [{op} data={decode(ev['data']).hex()}]"
                break
        return f"{p.name} {where}"

    def kill(self, p):
        p.popen.kill()
        p.popen.wait()
        p.free()
        return f"{p.name} {p.status()}"

    def run(self, name):
        """Run the --run command name to its end, reading the traces."""
        if name not in self.commands:
            usage(f"no --run command named {name!r}")
        proc = subprocess.Popen(self.commands[name], stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.timeout
        while proc.poll() is None:
            self.pump(0.01)
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise Timeout(f"{name} to end")
        rc = proc.returncode
        return f"{name} " + (f"exit {rc}" if rc >= 0 else f"signal {signal.Signals(-rc).name}")

    def act(self, action):
        if m := re.fullmatch(r"(\w+)>(\w+)", action):
            return self.run_through(self.proc(m[1]), m[2])
        if m := re.fullmatch(r"start:(\w+)", action):
            if m[1] not in self.later:
                usage(f"no --later program named {m[1]!r} (or started already)")
            p = self.procs[m[1]] = Proc(m[1], self.later.pop(m[1]))
            return f"{p.name} {self.settle(p, 'to start')}"
        if m := re.fullmatch(r"kill:(\w+)", action):
            return self.kill(self.proc(m[1]))
        if m := re.fullmatch(r"run:(\w+)", action):
            return self.run(m[1])
        if m := re.fullmatch(r"free:(\w+)", action):
            self.proc(m[1]).free()
            return f"{m[1]} runs freely"
        usage(f"unknown action {action!r}")

    def proc(self, name):
        if name not in self.procs:
            usage(f"no program named {name!r}")
        return self.procs[name]

    def finish(self):
        """Let everybody run freely to the end, reading their traces."""
        for p in self.procs.values():
            p.free()
        deadline = time.monotonic() + self.timeout
        all_blocked_before = False
        while True:
            self.pump(0.01)
            live = [p for p in self.procs.values() if p.popen.poll() is None]
            if not live:
                break
            spinners = [p.name for p in live if p.spins()]
            if spinners:
                raise Spins(", ".join(spinners))
            all_blocked = all(p.blocked() for p in live)
            if all_blocked and all_blocked_before:
                raise Stuck(self.where())
            all_blocked_before = all_blocked
            if time.monotonic() > deadline:
                raise Timeout("every program to exit")
        return "end: " + ", ".join(f"{p.name} {p.status()}" for p in self.in_order())

    def in_order(self):
        """The programs started, in the order the command line names them."""
        return sorted(self.procs.values(), key=lambda p: self.order.index(p.name))

    def where(self):
        """Where each program is now, as the kernel and its trace say. The
        kernel first: a program that runs freely may have traced far more
        than has been read yet, and its last "before" read is long gone."""
        out = []
        for p in self.in_order():
            if p.popen.poll() is not None:
                out.append(f"{p.name} {p.status()}")
            elif p.blocked():
                out.append(f"{p.name} blocked in {p.blocked()}")
            elif p.waiting is not None:
                out.append(f"{p.name} waits before {p.waiting.get('op')}")
            else:
                out.append(f"{p.name} running")
        return ", ".join(out)


def decode(value):
    """Undo the trace protocol's percent-encoding."""
    return re.sub(rb"%([0-9A-F]{2})", lambda m: bytes([int(m[1], 16)]), value.encode())


def usage(why):
    print(f"stepper.py: {why}\nusage: stepper.py [--timeout SECONDS] "
          "[--run NAME=COMMAND]... [--later NAME=COMMAND]... NAME=COMMAND... "
          "-- ACTION...", file=sys.stderr)
    sys.exit(2)


def main(argv):
    args, timeout, commands, later = argv[1:], 20.0, [], []
    while args[:1] in (["--timeout"], ["--run"], ["--later"]) and len(args) > 1:
        if args[0] == "--timeout":
            timeout = float(args[1])
        else:
            (commands if args[0] == "--run" else later).append(args[1])
        args = args[2:]
    if "--" not in args:
        usage("no -- before the actions")
    split = args.index("--")
    specs, actions = args[:split], " ".join(args[split + 1:]).split()
    procs = {}
    stepper = Stepper(procs, timeout)
    try:
        for i, spec in enumerate(commands + later + specs):
            name, eq, command = spec.partition("=")
            if (not eq or not re.fullmatch(r"\w+", name) or name in procs
                    or name in stepper.commands or name in stepper.later):
                usage(f"bad program {spec!r}")
            if i >= len(commands):
                stepper.order.append(name)
            if i < len(commands):
                stepper.commands[name] = shlex.split(command)
            elif i < len(commands) + len(later):
                stepper.later[name] = shlex.split(command)
            else:
                procs[name] = Proc(name, shlex.split(command))
        for action in actions:
            print(f"{action}: {stepper.act(action)}", flush=True)
        print(stepper.finish(), flush=True)
        return 0
    except Timeout as e:
        print(f"stepper.py: timed out after {timeout:g} s waiting for {e}; now: "
              f"{stepper.where()}", file=sys.stderr, flush=True)
        return 1
    except Spins as e:
        print(f"stepper.py: {e} used over {SPIN_CPU_SECONDS} s of CPU time without "
              f"ending (a loop without end?); now: {stepper.where()}", file=sys.stderr, flush=True)
        return 1
    except Stuck as e:
        print(f"stepper.py: stuck for good, every program left sleeps on a semaphore "
              f"that nobody can post: {e}", file=sys.stderr, flush=True)
        return 1
    finally:
        for p in procs.values():
            if p.popen.poll() is None:
                p.popen.kill()
                p.popen.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
