#!/usr/bin/env python3
"""hostile_pipe.py - the hostile end of a pipe: garbage, bad frames, a peer
that closes and reopens, stops for ever mid-frame, dies, or floods.

Usage: hostile_pipe.py [--seed S] [--plan] [--fd N | --child] [--ignore-term] STEP...

Writes to descriptor N (default 1, standard output), or, with --child, to
the last of the two descriptors pipe_parent appends to its child's command
(RFD WFD): the peer stands in for pipe_child and keeps RFD open unread.
The STEPs run in order (docs/hostile-peers.md has examples):

  frames N [SIZE]  N whole frames of SIZE payload bytes (default 16), one
                   write() each; payloads are random bytes, any of the 256
  flood N [SIZE]   N whole frames (0: until the reader has gone), packed
                   into 64 KiB writes, as fast as the pipe takes them
  garbage N        N random bytes
  length L         a frame header that says L bytes: any int32 (-1,
                   2147483647, 1048577)
  bytes N          N random payload bytes: "length 10 bytes 3" is a frame
                   cut short
  close            close our end: with no other write end left, the reader
                   sees EOF
  reopen           open the same pipe for writing again (through an O_PATH
                   handle taken at the start: it is not a write end itself)
  hold             wait for SIGUSR1 (the kernel shows rt_sigtimedwait): a
                   test lets the peer go on once it has seen what it needs
  pause            stop for ever: asleep in pause() until a signal ends it
  exit [STATUS]    exit now (default 0)
  kill             die of SIGKILL, as a crash would
  chaos N          N steps chosen at random from the seed (frames, garbage,
                   a bad length, a frame cut short), then
                   "exit", "kill" or "pause"; the list goes to stderr first:
                   the list with the same --seed replays the run byte for byte

--seed S makes every random byte and choice the same from run to run
(default 1). --plan prints the steps (chaos chosen) on stdout and exits. --ignore-term: SIGTERM does not end the peer (a child a
parent tries to end politely). Exit status: 0 when the steps are done, 1
when a write fails (the reader has gone: EPIPE, said on stderr), 2 for bad
usage. A flood that ends because the reader has gone says how many frames
went out and exits 0.
"""
import argparse
import errno
import os
import random
import signal
import struct
import sys

import words
from words import usage

PROG = "hostile_pipe.py"
FRAME_MAX = 1024 * 1024
BATCH = 65536


def number(text, lo=-2**31, hi=2**31 - 1):
    return words.number(text, lo, hi)


# How many arguments each step takes: (required, optional).
ARITY = {"frames": (1, 1), "flood": (1, 1), "garbage": (1, 0), "length": (1, 0),
         "bytes": (1, 0), "close": (0, 0), "reopen": (0, 0), "hold": (0, 0),
         "pause": (0, 0), "exit": (0, 1), "kill": (0, 0), "chaos": (1, 0)}


def parse_steps(words):
    steps, i = [], 0
    while i < len(words):
        name = words[i]
        if name not in ARITY:
            usage(f"unknown step '{name}'")
        need, extra = ARITY[name]
        args = []
        for k in range(need + extra):
            word = words[i + 1 + k] if i + 1 + k < len(words) else None
            if word is None or (k >= need and word in ARITY):
                if k < need:
                    usage(f"{name} needs {need} number{'s' if need > 1 else ''}")
                break
            args.append(number(word))
        steps.append((name, args))
        i += 1 + len(args)
    return steps


def chaos(rng, n):
    """n random steps, then an ending: the list, as words. No close and
    reopen: whether the reader looks in between (and sees EOF) is up to the
    kernel, and a chaos run must replay the same from its seed."""
    words = []
    for _ in range(n):
        kind = rng.choice(["frames", "garbage", "length", "short"])
        if kind == "frames":
            words += ["frames", str(rng.randint(1, 3)), str(rng.choice([0, 1, 16, 4092, 5000]))]
        elif kind == "garbage":
            words += ["garbage", str(rng.randint(1, 64))]
        elif kind == "length":
            words += ["length", str(rng.choice([-1, -2**31, 2**31 - 1, FRAME_MAX + 1,
                                               rng.randint(-2**31, -1),
                                               rng.randint(FRAME_MAX + 1, 2**31 - 1)]))]
        elif kind == "short":
            length = rng.randint(1, 5000)
            words += ["length", str(length), "bytes", str(rng.randint(0, length - 1))]
    return words + [rng.choice(["exit", "kill", "pause"])]


class Peer:
    def __init__(self, fd, rng):
        self.fd, self.rng = fd, rng
        # A handle on the pipe that is not a write end: "reopen" opens the
        # pipe again through it, after "close".
        self.handle = os.open(f"/proc/self/fd/{fd}", os.O_PATH)

    def write(self, data):
        """Write it all (os.write may write less); OSError when it fails."""
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]

    def frame(self, size):
        return struct.pack("<i", size) + self.rng.randbytes(size)

    def flood(self, count, size):
        sent, batch, frame = 0, bytearray(), self.frame(size)   # one payload, sent over and over
        while count == 0 or sent < count:
            batch += frame
            sent += 1
            if len(batch) >= BATCH or sent == count:
                try:
                    self.write(batch)
                except BrokenPipeError:
                    say(f"flood: the reader has gone after at most {sent} frames")
                    sys.exit(0)
                batch.clear()

    def run(self, name, args):
        if name == "frames":
            for _ in range(args[0]):
                self.write(self.frame(args[1] if len(args) > 1 else 16))
        elif name == "flood":
            self.flood(args[0], args[1] if len(args) > 1 else 16)
        elif name == "garbage":
            self.write(self.rng.randbytes(args[0]))
        elif name == "length":
            self.write(struct.pack("<i", args[0]))
        elif name == "bytes":
            self.write(self.rng.randbytes(args[0]))
        elif name == "close":
            os.close(self.fd)
        elif name == "reopen":
            # O_NONBLOCK: a FIFO with no reader fails (ENXIO) rather than
            # waits; a pipe opens whatever its readers (and EPIPE follows).
            fd = os.open(f"/proc/self/fd/{self.handle}", os.O_WRONLY | os.O_NONBLOCK)
            os.set_blocking(fd, True)
            if fd != self.fd:
                os.dup2(fd, self.fd)
                os.close(fd)
        elif name == "hold":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
            signal.sigwait({signal.SIGUSR1})
        elif name == "pause":
            while True:
                signal.pause()
        elif name == "exit":
            sys.exit(args[0] if args else 0)
        elif name == "kill":
            os.kill(os.getpid(), signal.SIGKILL)


def say(text):
    sys.stderr.write(f"{PROG}: {text}\n")


def main(argv):
    opts = argparse.ArgumentParser(prog=PROG, add_help=False)
    opts.add_argument("-h", "--help", action="store_true")
    opts.add_argument("--seed", type=int, default=1)
    opts.add_argument("--plan", action="store_true")
    opts.add_argument("--fd", type=int, default=1)
    opts.add_argument("--child", action="store_true")
    opts.add_argument("--ignore-term", action="store_true")
    opts.add_argument("steps", nargs=argparse.REMAINDER)
    opts.error = usage
    opts = opts.parse_args(argv[1:])
    if opts.help:
        sys.stdout.write(__doc__)
        return 0
    words = opts.steps
    if opts.child:              # pipe_parent appended RFD WFD
        if len(words) < 2:
            usage("--child: no RFD WFD at the end")
        opts.fd = number(words[-1], 0, 1023)
        words = words[:-2]
    if not words:
        usage("no STEP")
    # Python would raise KeyboardInterrupt (a traceback) on SIGINT: die of it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if opts.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    rng = random.Random(opts.seed)
    steps = parse_steps(words)
    # The plan from a random generator of its own: the plan and the seed
    # replay a chaos run byte for byte.
    planned, plan_rng = [], random.Random(f"plan {opts.seed}")
    for name, args in steps:
        planned += chaos(plan_rng, args[0]) if name == "chaos" else [name] + [str(a) for a in args]
    if opts.plan:
        print(" ".join(planned))
        return 0
    if any(name == "chaos" for name, _ in steps):
        say(f"seed {opts.seed}: {' '.join(planned)}")
        steps = parse_steps(planned)
    try:
        peer = Peer(opts.fd, rng)
    except OSError as e:
        usage(f"fd {opts.fd}: {os.strerror(e.errno)}")
    for name, args in steps:
        try:
            peer.run(name, args)
        except OSError as e:
            say(f"{name} {os.readlink(f'/proc/self/fd/{peer.handle}')} (fd {opts.fd}): "
                f"{os.strerror(e.errno)}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
