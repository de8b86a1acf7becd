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

The numbers (decimal, or 0x hexadecimal): N of frames, flood, garbage and
bytes from 0 to 2147483647 (flood 0: until the reader has gone); SIZE from
0 to 1048576 (the largest frame a reader takes: "length L bytes N" writes
a bigger one); L from -2147483648 to 2147483647; STATUS from 0 to 255;
chaos N from 1 to 1000. Nothing may follow a step that never returns
(exit, kill, pause, chaos, flood 0), and nothing that writes or closes may
follow close without a reopen in between.

--seed S (0 to 4294967295) makes every random byte and choice the same
from run to run (default 1). --plan prints the steps (chaos chosen) on
stdout and exits. --fd N (0 to 1023) must be open for writing. --child
takes the last two words of the command as RFD WFD (0 to 1023 each): not
with --fd N. --ignore-term: SIGTERM does not end the peer (a
child a parent tries to end politely).

Exit status: 0 when the steps are done, 1 when a write fails (the reader
has gone: EPIPE, said on stderr), 2 for bad usage: a word of the command
line that is not what it should be, said on one line, before any step
runs. A flood that ends because the reader has gone says how many frames
went out and exits 0.
"""
import argparse
import fcntl
import os
import random
import signal
import struct
import sys

from words import ended_by, fail, looks_like_number, number, shown, usage

PROG = "hostile_pipe.py"
FRAME_MAX = 1024 * 1024
BATCH = 65536
COUNT_MAX = 2**31 - 1
CHAOS_MAX = 1000
FD_MAX = 1023


def arg(word, lo, hi, optional=False):
    return word, lo, hi, optional


# Each step's arguments, in order: (word, lowest, highest, optional).
STEPS = {
    "frames": [arg("N", 0, COUNT_MAX), arg("SIZE", 0, FRAME_MAX, True)],
    "flood": [arg("N", 0, COUNT_MAX), arg("SIZE", 0, FRAME_MAX, True)],
    "garbage": [arg("N", 0, COUNT_MAX)],
    "length": [arg("L", -2**31, 2**31 - 1)],
    "bytes": [arg("N", 0, COUNT_MAX)],
    "close": [], "reopen": [], "hold": [], "pause": [],
    "exit": [arg("STATUS", 0, 255, True)],
    "kill": [],
    "chaos": [arg("N", 1, CHAOS_MAX)],
}
WRITERS = {"frames", "flood", "garbage", "length", "bytes", "chaos"}


def synopsis(name):
    return " ".join([name] + [f"[{w}]" if opt else w for w, _, _, opt in STEPS[name]])


def parse_steps(words):
    """The words as (name, [numbers]), every one checked: else usage()."""
    steps, i = [], 0
    while i < len(words):
        name = words[i]
        if name not in STEPS:
            usage(f"unknown step {shown(name)}"
                  + (" (options go before the steps)" if name.startswith("-") else ""))
        i += 1
        args = []
        for word, lo, hi, optional in STEPS[name]:
            if optional and not (i < len(words) and looks_like_number(words[i])):
                break           # the next word is the next step's
            if i == len(words) or words[i] in STEPS:
                usage(f"{name}: no {word} ({synopsis(name)})")
            args.append(number(words[i], lo, hi, f"{name} {word}"))
            i += 1
        steps.append((name, args))
    check_order(steps)
    return steps


def never_returns(name, args):
    if name in ("exit", "kill"):
        return f"'{name}', which ends the peer"
    if name == "pause":
        return "'pause', which never returns"
    if name == "chaos":
        return "'chaos', which ends with exit, kill or pause"
    if name == "flood" and args[0] == 0:
        return "'flood 0', which floods until the reader has gone, then exits"
    return None


def check_order(steps):
    """Nothing after a step that never returns; nothing that writes or
    closes while our end is closed (its number may be another file's by
    then)."""
    ended_by(steps, never_returns)
    closed = False
    for name, _ in steps:
        if closed and (name in WRITERS or name == "close"):
            usage(f"'{name}' after 'close' with no 'reopen' in between: our end is closed")
        closed = name == "close" or (closed and name != "reopen")


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

    def random_bytes(self, count):
        """count random bytes, BATCH at a time (memory stays bounded)."""
        while count > 0:
            self.write(self.rng.randbytes(min(count, BATCH)))
            count -= BATCH

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
        elif name in ("garbage", "bytes"):
            self.random_bytes(args[0])
        elif name == "length":
            self.write(struct.pack("<i", args[0]))
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


def writable(fd, what):
    """fd must be open for writing: else usage()."""
    try:
        mode = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
    except OSError:
        usage(f"{what}: descriptor {fd} is not open")
    if mode == os.O_RDONLY:
        usage(f"{what}: descriptor {fd} is open for reading only")
    return fd


def main(argv):
    opts = argparse.ArgumentParser(prog=PROG, add_help=False, allow_abbrev=False)
    opts.add_argument("-h", "--help", action="store_true")
    opts.add_argument("--seed", default="1")
    opts.add_argument("--plan", action="store_true")
    opts.add_argument("--fd")
    opts.add_argument("--child", action="store_true")
    opts.add_argument("--ignore-term", action="store_true")
    opts.add_argument("steps", nargs=argparse.REMAINDER)
    opts.error = usage
    opts = opts.parse_args(argv[1:])
    if opts.help:
        sys.stdout.write(__doc__)
        return 0
    seed = number(opts.seed, 0, 2**32 - 1, "--seed")
    words = opts.steps
    if opts.child:              # pipe_parent appended RFD WFD
        if opts.fd is not None:
            usage("--fd N and --child: one or the other")
        ends = words[-2:]
        if len(ends) < 2 or not all(w.isdigit() for w in ends):
            usage(f"--child: the command must end with RFD WFD (the descriptors pipe_parent "
                  f"appends), not {shown(' '.join(ends))}")
        number(ends[0], 0, FD_MAX, "--child RFD")
        fd = number(ends[1], 0, FD_MAX, "--child WFD")
        words = words[:-2]
    else:
        fd = 1 if opts.fd is None else number(opts.fd, 0, FD_MAX, "--fd")
    if not words:
        usage("no STEP")
    steps = parse_steps(words)
    # The plan from a random generator of its own: the plan and the seed
    # replay a chaos run byte for byte.
    planned, plan_rng = [], random.Random(f"plan {seed}")
    for name, args in steps:
        planned += chaos(plan_rng, args[0]) if name == "chaos" else [name] + [str(a) for a in args]
    if opts.plan:
        print(" ".join(planned))
        return 0
    writable(fd, "--child WFD" if opts.child else "--fd")
    # Python would raise KeyboardInterrupt (a traceback) on SIGINT: die of it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if opts.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if any(name == "chaos" for name, _ in steps):
        say(f"seed {seed}: {' '.join(planned)}")
        steps = parse_steps(planned)
    try:
        peer = Peer(fd, random.Random(seed))
    except OSError as e:
        fail(f"open /proc/self/fd/{fd} (O_PATH): {os.strerror(e.errno)}")
    for name, args in steps:
        try:
            peer.run(name, args)
        except OSError as e:
            say(f"{name} {os.readlink(f'/proc/self/fd/{peer.handle}')} (fd {fd}): "
                f"{os.strerror(e.errno)}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
