#!/usr/bin/env python3
"""fuzz_python.py - fuzz the Python parsers of peer bytes (docs/fuzzing.md).

Usage: fuzz_python.py [--seed S] [--iterations N] [--time SECONDS]
                      [--target NAME] [--keep] [-v]
  --seed S          the random generator's seed (default 1): the same seed
                    and count give the same inputs, so a failure replays
  --iterations N    mutated inputs to try, over all targets (default 2000,
                    or no limit with --time)
  --time SECONDS    stop after this long (with --iterations: whichever first)
  --target NAME     only this target: frame, reply, shmseg, ring, records,
                    request, tcpserver
  --keep            write a failing input, minimized, into
                    tests/fuzz/regressions/NAME/ with a note (scripts/fuzz)
  -v                say which input each failure came from

The Python mirror of the C fuzz targets (tests/fuzz/fuzz_NAME.c), on the same
inputs: every file of tests/fuzz/corpus/NAME and tests/fuzz/regressions/NAME
first, as it is, then inputs made from them by random mutations (bits
flipped, bytes and 4-byte numbers set to values at the edges, bytes
inserted, deleted, repeated, spliced from another input, cut off) and some
made of random bytes alone.
  frame    ipclab.frame.read, frame after frame until EOF or FrameError
  reply    pipe_parent.py's read_reply (frame.read, then the reply printed)
  shmseg   ipclab.shmseg: check (a counter), ring_check, ring_index_check
  ring     shm_ring_consumer.py's take, and its check of a frame's length
  records  record_reader.py's loop and describe
  request  fifo_server.py's take_request, on each frame read as it reads them
  tcpserver  tcp_server.py's Server.take and flush, on a client's bytes
The property: every input parses, or is refused the documented way: the
module's error (FrameError) with a message, a reason returned (check,
ring_check, ring_index_check), or the program's exit with status 1 and a
message (fail) - never another exception, nor a hang (2 s an input). And
what parses is right (the same properties as the C targets).
Prints how many inputs each target ran; exit status 0 when all held, 1 on a
failure (the target, the input in hex, and how to replay it), 2 bad usage.
"""
import argparse
import contextlib
import hashlib
import importlib.util
import io
import os
import random
import re
import signal
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEERS = os.path.join(ROOT, "python_peers")
FUZZ = os.path.join(ROOT, "tests", "fuzz")
# A fuzz run never traces, even when started under ipclab: before any import.
os.environ.pop("IPCLAB_TRACE_FD", None)
os.environ.pop("IPCLAB_STEP_FD", None)
sys.path.insert(0, PEERS)
from ipclab import frame, shmseg  # noqa: E402

HANG_SECONDS = 2
MAX_INPUT = 64 * 1024


def load_peer(path, name):
    """A lesson program as a module (its main() is not run)."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(PEERS, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pipe_parent = load_peer("01-pipes/pipe_parent.py", "pipe_parent")
record_reader = load_peer("01-pipes/record_reader.py", "record_reader")
consumer = load_peer("08-shared-memory/shm_ring_consumer.py", "shm_ring_consumer")
fifo_server = load_peer("02-fifos/fifo_server.py", "fifo_server")
tcp_server = load_peer("04-tcp/tcp_server.py", "tcp_server")


class PropertyFailed(Exception):
    """A property of a target did not hold."""


class Hang(BaseException):
    """An input took longer than HANG_SECONDS (BaseException: a parser's
    own `except Exception` must not swallow it)."""


def require(ok, what):
    if not ok:
        raise PropertyFailed(what)


_stream_fd = None


def stream(data):
    """A descriptor that reads data from its start, then EOF: one memfd,
    refilled for each input (what a pipe holds after its writer closed)."""
    global _stream_fd
    if _stream_fd is None:
        _stream_fd = os.memfd_create("fuzz-stream", os.MFD_CLOEXEC)
    os.ftruncate(_stream_fd, 0)
    done = 0
    while done < len(data):
        done += os.pwrite(_stream_fd, data[done:], done)
    os.lseek(_stream_fd, 0, os.SEEK_SET)
    return _stream_fd


@contextlib.contextmanager
def captured():
    """sys.stdout and sys.stderr as text buffers: what out() and say() print."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        yield out, err
    finally:
        sys.stdout, sys.stderr = saved


def le32(b):
    return int.from_bytes(b, "little")


def run_frame(data):
    fd = stream(data)
    used = 0
    while True:
        try:
            payload = frame.read(fd)
        except frame.FrameError as e:
            require(str(e), "FrameError without a message")
            return
        if payload is None:
            require(used == len(data), "None (EOF) before the end of the input")
            return
        require(used + 4 + len(payload) <= len(data), "a frame made of more bytes than were sent")
        require(le32(data[used:used + 4]) == len(payload),
                "a payload length that is not its header's")
        require(data[used + 4:used + 4 + len(payload)] == payload,
                "a payload that is not the bytes after its header")
        used += 4 + len(payload)


def run_reply(data):
    fd = stream(data)
    n = 1
    while True:
        with captured() as (out, err):
            try:
                more = pipe_parent.read_reply(fd, n, 4)   # as if 4 pings had gone out
            except SystemExit as e:
                require(e.code == 1, f"a bad reply ends with status {e.code}, not 1")
                require(f": reply {n} from " in err.getvalue(),
                        "a bad reply's message does not name it (reply N from ...)")
                return
        text = out.getvalue()
        if not more:
            require(text == "", "output at EOF")
            return
        head = f"reply {n}: "
        require(text.startswith(head) and text.endswith("\n") and text.count("\n") == 1,
                'a reply not printed as one line "reply N: TEXT"')
        require(all(" " <= c <= "~" for c in text[len(head):-1]),
                "a reply printed with a character that is not printable ASCII")
        n += 1


def check_ring(mem):
    """ring_check on mem; its properties. A Ring, or None if refused."""
    why, slots, slot_size = shmseg.ring_check(mem, len(mem))
    if why is not None:
        require(isinstance(why, str) and why, "a ring refused without a reason")
        return None
    require(1 <= slots <= shmseg.RING_SLOTS_MAX, "slots out of range accepted")
    require(4 + shmseg.RING_RECORD_MIN <= slot_size <= 4 + shmseg.RING_RECORD_MAX,
            "a slot size out of range accepted")
    require(shmseg.RING_HEADER + slots * slot_size <= len(mem),
            "slots that do not fit the segment accepted")
    return shmseg.Ring(mem, slots, slot_size, "fuzz")


def run_shmseg(data):
    mem = bytearray(data)           # writable, as a mapping is
    why = shmseg.check(mem, len(mem), shmseg.COUNTER_MAGIC, shmseg.COUNTER_SIZE)
    if why is None:
        require(len(mem) >= shmseg.COUNTER_SIZE, "a counter accepted in too few bytes")
        shmseg.U64.unpack_from(mem, shmseg.COUNTER_AT)
    else:
        require(isinstance(why, str) and why, "a counter refused without a reason")
    ring = check_ring(mem)
    if ring is None:
        return
    for k, field in enumerate(("head", "tail", "head", "tail")):
        if k == 2:                  # a peer's later stores: the input's last 8 bytes
            mem[shmseg.HEAD_AT:shmseg.HEAD_AT + 8] = data[-8:]
        i, why = shmseg.ring_index_check(ring, field)
        if why is None:
            require(i < ring.slots, "an index accepted that names no slot")
        else:
            require(isinstance(why, str) and why, "an index refused without a reason")


def run_ring(data):
    mem = bytearray(data)
    ring = check_ring(mem)
    if ring is None:
        return
    for _ in range(2 * ring.slots):
        slot, frame_bytes = consumer.take(ring)
        require(shmseg.U32.unpack_from(mem, shmseg.TAIL_AT)[0] < ring.slots,
                "tail left naming no slot")
        (length,) = shmseg.U32.unpack_from(frame_bytes)
        if length > ring.slot_size - 4:     # the consumer refuses it: bad data
            return
        at = shmseg.RING_HEADER + slot * ring.slot_size + 4
        require(frame_bytes[4:4 + length] == mem[at:at + length],
                "a record that is not the bytes of its slot")


def check_description(text, nr, size):
    head = f"record {nr} torn:"
    require(text.startswith(head) and text.endswith("\n") and text.count("\n") == 1,
            'a torn record not described in one line "record N torn: ..."')
    counts = [int(c) for c in re.findall(r" x (\d+)", text[len(head):])]
    more = " then ..." in text
    require(2 <= len(counts) <= record_reader.SHOW_RUNS,
            "a torn record described in too few or many runs")
    require(sum(counts) < size if more else sum(counts) == size,
            "runs that do not add up to the record's size")


def run_records(data):
    if len(data) < 2:
        return
    size = 1 + le32(data[:2])
    fd = stream(data[2:])
    records = 0
    while record := record_reader.read_full(fd, size):
        if len(record) < size:
            return                  # record_reader: "cut short by EOF"
        records += 1
        torn = record[:-1] != record[1:]
        require(torn == (len(set(record)) > 1),
                "a record called torn whose bytes are all equal, or not torn")
        if torn:
            with captured() as (out, _):
                record_reader.describe(records, record)
            check_description(out.getvalue(), records, size)


def run_request(data):
    fd = stream(data)
    n = 0
    while True:
        try:
            req = frame.read(fd)
        except frame.FrameError as e:
            require(str(e), "FrameError without a message")
            return
        if req is None:
            return
        n += 1
        path, nul, text = req.partition(b"\0")
        ok = (len(req) <= fifo_server.REQUEST_MAX and nul == b"\0"
              and all(32 <= c < 127 for c in path))
        with captured() as (out, err):
            got = fifo_server.take_request(n, req)
        require((got is not None) == ok,
                "a request taken that breaks the format, or refused that keeps it")
        if ok:
            shown = "".join(chr(c) if 32 <= c < 127 else "." for c in text)
            require(got == (path.decode(), shown), "a request's path or text is not its own")
            require(out.getvalue() == f"request {n}: {path.decode() or chr(39) * 2}: {shown}\n",
                    'a request not shown as "request N: PATH: TEXT" (TEXT printable; '
                    "an empty PATH as '')")
            require(err.getvalue() == "", "a request taken with a message")
        else:
            said = err.getvalue()
            require(out.getvalue() == "", "a request refused and shown")
            require(said.startswith(f"{fifo_server.progname()}: request {n}: {len(req)} bytes")
                    and said.endswith(": refused\n") and said.count("\n") == 1,
                    'a request refused without one line "request N: L bytes ...: refused"')


def run_tcpserver(data):
    """The bytes a client sent, then its end closed for writing, waiting in
    a socketpair: take() as the selector would call it, flush() while a
    reply waits, until the server closes the client (fuzz_tcpserver.c)."""
    import socket
    import struct
    want_out, want_rep, at, k = [], b"", 0, 0
    while True:                         # what the server must do
        if at == len(data):
            why = (f"closed the connection (recv 0) after {k} "
                   + ("request" if k == 1 else "requests"))
            break
        if len(data) - at < 4:
            why = f"frame cut short by EOF: got {len(data) - at} of 4 header bytes"
            break
        (n,) = struct.unpack("<i", data[at:at + 4])
        if not 0 <= n <= frame.FRAME_MAX:
            why = f"frame length {n} is out of range"
            break
        if n > tcp_server.REQUEST_MAX:
            why = f"frame length {n} does not fit the"
            break
        if len(data) - at - 4 < n:
            why = f"frame cut short by EOF: got {len(data) - at - 4} of {n} payload bytes"
            break
        k += 1
        shown = "".join(chr(b) if 32 <= b < 127 else "." for b in data[at + 4:at + 4 + n])
        want_out.append(f"request {k} from 127.0.0.1:1: {shown}\n")
        reply = f"reply {k}: {shown} (from Python)".encode()
        want_rep += struct.pack("<i", len(reply)) + reply
        at += 4 + n
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        theirs.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024 * 1024)
        theirs.sendall(data)
        theirs.shutdown(socket.SHUT_WR)
        ours.setblocking(False)
        theirs.setblocking(False)
        server, got = tcp_server.Server(False), b""
        with captured() as (out, err):
            server.add(ours, ("127.0.0.1", 1))
            c = server.clients[ours]
            while ours.fileno() != -1:
                if c.out:               # the client reads its replies, then EVENT_WRITE
                    try:
                        while chunk := theirs.recv(1 << 20):
                            got += chunk
                    except (BlockingIOError, ConnectionResetError):
                        pass
                    server.flush(c)
                else:
                    server.take(c)
        try:
            while chunk := theirs.recv(1 << 20):
                got += chunk
        except (BlockingIOError, ConnectionResetError):    # closed with our bytes unread
            pass
    finally:
        ours.close()
        theirs.close()
    require(out.getvalue() == "".join(want_out),
            "the requests shown are not the input's whole frames, in order, printable")
    require(got == want_rep,
            'the replies are not one "reply K: TEXT (from Python)" frame a request')
    lines = err.getvalue().splitlines()
    prog = tcp_server.progname()
    require(len(lines) == 2 and lines[0] == f"{prog}: client 127.0.0.1:1: connected"
            and lines[1].startswith(f"{prog}: client 127.0.0.1:1: ") and why in lines[1],
            "the client closed without the one reason expected")


# Each target: what it runs, and the corpus folders its inputs come from.
TARGETS = {
    "frame": (run_frame, ("frame", "reply")),
    "reply": (run_reply, ("reply", "frame")),
    "shmseg": (run_shmseg, ("shmseg", "ring")),
    "ring": (run_ring, ("ring", "shmseg")),
    "records": (run_records, ("records",)),
    "request": (run_request, ("request", "frame")),
    "tcpserver": (run_tcpserver, ("tcpserver", "frame")),
}

EDGE32 = [0, 1, 2, 3, 4, 15, 16, 20, 31, 32, 63, 64, 255, 256, 4095, 4096, 65535, 65536,
          frame.FRAME_MAX - 1, frame.FRAME_MAX, frame.FRAME_MAX + 1,
          0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF]
EDGE8 = [0, 1, 0x0A, 0x20, 0x25, 0x7E, 0x7F, 0x80, 0xFF]


def inputs_of(folders):
    """Every corpus and regression file of these folders: (path, bytes)."""
    found = []
    for kind in ("corpus", "regressions"):
        for folder in folders:
            d = os.path.join(FUZZ, kind, folder)
            if not os.path.isdir(d):
                continue
            for name in sorted(os.listdir(d)):
                if name.startswith(".") or name.endswith(".note"):
                    continue
                with open(os.path.join(d, name), "rb") as f:
                    found.append((os.path.join("tests", "fuzz", kind, folder, name), f.read()))
    return found


def mutate(rng, data, pool):
    """1 to 5 random changes to data; pool: other inputs to splice from."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 5)):
        op = rng.randrange(9)
        at = rng.randrange(len(b) + 1)
        if op == 0 and b:                       # flip a bit
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1 and b:                     # a byte at an edge
            b[rng.randrange(len(b))] = rng.choice(EDGE8)
        elif op == 2 and len(b) >= 4:           # a 4-byte number at an edge
            i = rng.randrange(len(b) - 3)
            if rng.random() < 0.7:
                i &= ~3                         # mostly on a field's boundary
            b[i:i + 4] = rng.choice(EDGE32).to_bytes(4, "little")
        elif op == 3:                           # insert random bytes
            b[at:at] = rng.randbytes(rng.randint(1, 16))
        elif op == 4 and b:                     # delete a range
            del b[at:at + rng.randint(1, max(1, len(b) // 4))]
        elif op == 5 and b:                     # repeat a range
            i = rng.randrange(len(b))
            b[at:at] = b[i:i + rng.randint(1, 64)] * rng.randint(1, 8)
        elif op == 6 and pool:                  # splice from another input
            other = rng.choice(pool)
            i = rng.randrange(len(other) + 1)
            b[at:] = other[i:i + rng.randint(0, 256)]
        elif op == 7 and b:                     # cut off the end
            del b[rng.randrange(len(b)):]
        elif op == 8:                           # a byte at an edge, inserted
            b[at:at] = bytes([rng.choice(EDGE8)])
    return bytes(b[:MAX_INPUT])


def on_alarm(sig, frame_):
    raise Hang(f"no answer within {HANG_SECONDS} s")


def attempt(run, data):
    """Run one input: None if every property held, else what went wrong
    (the exception: a property, a hang, or an exception of a kind no parser
    may raise)."""
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        run(data)
    except (Exception, Hang, SystemExit) as e:     # SystemExit: a fail() no target expects
        return e
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return None


def same_failure(a, b):
    return type(a) is type(b) and (not isinstance(a, PropertyFailed) or str(a) == str(b))


def minimize(run, data, failure, budget=4000):
    """A shorter input that fails the same way: drop chunks, halving their
    size, while it still does (at most budget tries)."""
    chunk = max(1, len(data) // 2)
    while chunk >= 1 and budget > 0:
        i, shrunk = 0, False
        while i < len(data) and budget > 0:
            candidate = data[:i] + data[i + chunk:]
            budget -= 1
            got = attempt(run, candidate)
            if got is not None and same_failure(got, failure):
                data, shrunk = candidate, True
            else:
                i += chunk
        if not shrunk:
            chunk //= 2
    return data


def describe_failure(e):
    if isinstance(e, PropertyFailed):
        return f"property failed: {e}"
    if isinstance(e, SystemExit):
        return f"SystemExit({e.code!r}) where none was expected"
    if isinstance(e, Hang):
        return f"hang: {e}"
    return "".join(traceback.format_exception_only(type(e), e)).strip()


def keep(name, data, failure, args, iteration, origin):
    """The failing input as a regression input, with a note."""
    d = os.path.join(FUZZ, "regressions", name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "py-" + hashlib.sha1(data).hexdigest()[:12])
    with open(path, "wb") as f:
        f.write(data)
    with open(path + ".note", "w") as f:
        f.write(f"target: {name} (Python: tests/fuzz/fuzz_python.py)\n"
                f"found: {time.strftime('%Y-%m-%d', time.gmtime())} by fuzz_python.py "
                f"--seed {args.seed}, input {iteration} (made from {origin}), "
                f"{len(data)} bytes after minimizing\n"
                f"what it showed:\n  {describe_failure(failure)}\n"
                "(write here what the bug was and how it was fixed)\n")
    return path


def main(argv):
    p = argparse.ArgumentParser(
        prog="fuzz_python.py", description="Fuzz the Python parsers of peer bytes.")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--iterations", type=int)
    p.add_argument("--time", type=float)
    p.add_argument("--target", choices=sorted(TARGETS))
    p.add_argument("--keep", action="store_true")
    p.add_argument("-v", action="store_true", dest="verbose")
    args = p.parse_args(argv[1:])
    if (args.iterations is not None and args.iterations < 0) or \
            (args.time is not None and args.time <= 0):
        p.error("--iterations must be 0 or more, --time above 0")
    if args.iterations is None and args.time is None:
        args.iterations = 2000
    signal.signal(signal.SIGALRM, on_alarm)

    names = [args.target] if args.target else sorted(TARGETS)
    seeds = {n: inputs_of(TARGETS[n][1]) for n in names}
    counts = {n: 0 for n in names}
    rng = random.Random(args.seed)
    start = time.monotonic()

    def failed(name, data, failure, iteration, origin):
        run = TARGETS[name][0]
        small = minimize(run, data, failure)
        print(f"python {name}: FAILED on input {iteration} (from {origin}), "
              f"{len(data)} bytes, {len(small)} after minimizing:", file=sys.stderr)
        print(f"  {describe_failure(failure)}", file=sys.stderr)
        print(f"  input (hex): {small[:256].hex()}{'...' if len(small) > 256 else ''}",
              file=sys.stderr)
        if args.verbose or not isinstance(failure, PropertyFailed):
            traceback.print_exception(type(failure), failure, failure.__traceback__,
                                      file=sys.stderr)
        if args.keep:
            print(f"  kept as {keep(name, small, failure, args, iteration, origin)}",
                  file=sys.stderr)
        else:
            # The same seed and count make the same inputs (not so with --time).
            again = f"--seed {args.seed} --iterations {iteration}"
            again += f" --target {args.target}" if args.target else ""
            print(f"  replay: {sys.executable} tests/fuzz/fuzz_python.py {again} "
                  "(--keep: keep the input as a regression test)", file=sys.stderr)
        return 1

    # The corpus and regressions as they are, then mutations of them.
    for name in names:
        for path, data in seeds[name]:
            failure = attempt(TARGETS[name][0], data)
            counts[name] += 1
            if failure is not None:
                return failed(name, data, failure, 0, path)
    iteration = 0
    while args.iterations is None or iteration < args.iterations:
        if args.time is not None and time.monotonic() - start >= args.time:
            break
        iteration += 1
        name = names[iteration % len(names)]
        pool = [d for _, d in seeds[name]]
        if rng.random() < 0.1 or not pool:
            origin, data = "random bytes", rng.randbytes(rng.randint(0, 300))
        else:
            k = rng.randrange(len(pool))
            origin, data = seeds[name][k][0], mutate(rng, pool[k], pool)
        failure = attempt(TARGETS[name][0], data)
        counts[name] += 1
        if failure is not None:
            return failed(name, data, failure, iteration, origin)
    took = time.monotonic() - start
    total = sum(counts.values())
    print(f"python: {total} inputs in {took:.1f} s ({total / max(took, 1e-9):.0f}/s), "
          f"seed {args.seed}, every property held: "
          + ", ".join(f"{n} {counts[n]}" for n in names))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
