#!/usr/bin/env bats
# Lesson 01: each C program and its Python mirror answer the same input the
# same way: same options, same messages, same exit status, on every way
# out (bad usage, a failed exec, a closed or full stdout, Ctrl-C, a stop).

load helpers/common
bats_require_minimum_version 1.5.0

# same_words: one program's messages with what differs from run to run or
# from language to language left out: the program's name without ".py",
# the path of argv[0] in a usage line, pipe inode numbers, the child's pid.
same_words() {
  sed -E -e 's#usage: [^ ]*/([a-z_]+)(\.py)? #usage: \1 #' \
         -e 's/^([a-z_]+)\.py: /\1: /' -e 's/pipe:\[[0-9]+\]/pipe:[N]/g' \
         -e 's/child [0-9]+ reads/child PID reads/' -e 's/on child [0-9]+ /on child PID /'
}

# both PROG ARG...: run build/bin/PROG and PROG.py with the same arguments
# and stdin (/dev/null); fail unless their status, stdout and stderr agree.
# $status and $stderr are the C program's.
both() {
  local prog=$1 c_status c_out c_err
  shift
  run --separate-stderr "$BIN/$prog" "$@" </dev/null 3>&-
  c_status=$status c_out=$output c_err=$stderr
  run --separate-stderr "$PYTHON" "$PEERS/01-pipes/$prog.py" "$@" </dev/null 3>&-
  [ "$status" = "$c_status" ] && [ "$output" = "$c_out" ] &&
    [ "$(same_words <<<"$stderr")" = "$(same_words <<<"$c_err")" ] ||
    fail "$prog $*: C says (status $c_status) ${c_err:-nothing}
  Python says (status $status) ${stderr:-nothing}"
  status=$c_status stderr=$c_err
}

# bats test_tags=asan
@test "each program and its mirror refuse the same bad options with the same words and status 2" {
  local line prog args
  while IFS='|' read -r prog args; do
    # Arguments are separated by ';' (so that one may hold spaces).
    IFS=';' read -r -a args <<<"$args"
    both "$prog" "${args[@]}"
    [ "$status" = 2 ] || fail "$prog ${args[*]}: status $status"
    [[ $stderr == "$prog: "* ]] || fail "$prog ${args[*]}: $stderr"
  done <<'LIST'
pipe_writer|-n
pipe_writer|-s
pipe_writer|-n;x
pipe_writer|-n;1_0
pipe_writer|-n; 5
pipe_writer|-n;٥
pipe_writer|-s;15
pipe_writer|-s;1048577
pipe_writer|--bogus
pipe_reader|-n
pipe_reader|-n;-1
pipe_reader|-n;+-1
pipe_reader|-q;x
pipe_parent|-n
pipe_parent|--pipe-size
pipe_parent|-n;0;--;true
pipe_parent|-n;1001;--;true
pipe_parent|--pipe-size;4095;--;true
pipe_parent|-n;1
pipe_parent|-n;1;--
pipe_parent|-x;--;true
pipe_parent|
pipe_child|
pipe_child|3
pipe_child|3;nine
pipe_child|1024;1
record_writer|-t
record_writer|-t;XY
record_writer|-t;é
record_writer|-s
record_writer|-s;0
record_writer|-n
record_reader|-s
record_reader|-s;0
record_reader|--hold;x
LIST
  both pipe_writer -n "5 "                 # (a trailing space: not in the list)
  [ "$status" = 2 ] || fail "pipe_writer -n '5 ': status $status"
  # The words themselves, once:
  both pipe_writer -n
  assert_equal "$stderr" "pipe_writer: -n needs a value"
  both pipe_writer -n 1_0
  assert_equal "$stderr" "pipe_writer: -n: '1_0' is not a number from 0 to 1000000000"
}

@test "a child program that cannot be run: the parent says so, in C and Python alike, and exits 1" {
  both pipe_parent -n 1 -- "$T/no-such-program"
  assert_equal "$status" 1
  assert_equal "$stderr" "pipe_parent: exec $T/no-such-program: No such file or directory"
  both pipe_parent -n 1 -- "$T"
  assert_equal "$stderr" "pipe_parent: exec $T: Permission denied"
  # Five descriptors: 0, 1, 2 and the down pipe; the up pipe is one too
  # many. The same call named.
  both_limited() {
    "$PYTHON" -c 'import os, resource, sys
os.closerange(3, 65536)
resource.setrlimit(resource.RLIMIT_NOFILE, (5, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
os.execvp(sys.argv[1], sys.argv[1:])' "$@" </dev/null 2>&1
  }
  # (LeakSanitizer, in the ASan build, needs descriptors of its own at exit.)
  assert_equal "$(ASAN_OPTIONS=detect_leaks=0 both_limited "$BIN/pipe_parent" -n 1 -- true)" \
    "pipe_parent: pipe2 (up): Too many open files"
  assert_equal "$(both_limited "$PYTHON" "$PEERS/01-pipes/pipe_parent.py" -n 1 -- true)" \
    "pipe_parent.py: pipe2 (up): Too many open files"
}

# bats test_tags=asan
@test "replies of any bytes are shown the same by both parents" {
  # A "child" that reads the ping (10 bytes), answers one frame of 'a' NUL
  # 'b' 0xff DEL, then reads to EOF. (A reply before the ping would be a
  # reply to no ping, refused.)
  local child='head -c 10 <&"$1" >/dev/null; printf "\x05\x00\x00\x00a\x00b\xff\x7f" >&"$2"; exec cat <&"$1" >/dev/null'
  both pipe_parent -n 1 -- bash -c "$child" child
  assert_equal "$status" 0
  assert_equal "$output" "reply 1: a.b..
child exited with status 0"
}

@test "one of a thing is said in the singular, in C and Python alike: 1 frame, 1 byte, 1 ping, 1 reply, 1 record" {
  local lang c py
  for lang in C Python; do
    c() { echo "$BIN/$1"; }
    [ "$lang" = Python ] && c() { echo "$PYTHON $PEERS/01-pipes/$1.py"; }
    run --separate-stderr bash -c 'printf "\x01\x00\x00\x00x" | $0' "$(c pipe_reader)"
    assert_success
    assert_output "frame 1: 1 byte: x"
    assert_regex "$stderr" '^pipe_reader(\.py)?: read 1 frame$'
    run --separate-stderr $(c pipe_writer) -n 1 </dev/null
    assert_success
    assert_regex "$stderr" '^pipe_writer(\.py)?: wrote 1 frame of 32 bytes$'
    run --separate-stderr $(c pipe_parent) -n 1 -- $(c pipe_child) </dev/null 3>&-
    assert_success
    assert_output $'reply 1: pong: ping 1 (from '"$lang"$')\nchild exited with status 0'
    assert_regex "$stderr" $'\npipe_child(\\.py)?: answered 1 ping\npipe_parent(\\.py)?: sent 1 ping, got 1 reply$'
    run --separate-stderr bash -c '$0 -n 1 -s 1 -t x | $1 -s 1' "$(c record_writer)" "$(c record_reader)"
    assert_success
    assert_regex "$stderr" $'^record_writer(\\.py)?: wrote 1 record of 1 byte \'x\'\nrecord_reader(\\.py)?: 1 record, 0 torn$|^record_reader(\\.py)?: 1 record, 0 torn\nrecord_writer(\\.py)?: wrote 1 record of 1 byte \'x\'$'
  done
}

# unbuffered PROG.py ARG...: run PROG.py as Python runs it unbuffered
# (PYTHONUNBUFFERED=1, python3 -u: stdout and stderr write through to the
# descriptor at every write() call), and list each write() it makes through
# sys.stdout or sys.stderr in $T/calls, one "fd N: TEXT" a call (a newline
# shown as \n). What it writes to descriptor 1 itself (frames) goes on.
unbuffered() {
  "$PYTHON" -c 'import io, runpy, sys
calls = []
class Recorder(io.RawIOBase):
    def __init__(self, fd):
        self.fd = fd
    def writable(self):
        return True
    def write(self, b):
        calls.append((self.fd, bytes(b)))
        return len(b)
# What Python builds for an unbuffered stream: a text layer on the raw
# descriptor, written through.
sys.stdout = io.TextIOWrapper(Recorder(1), encoding="utf-8", write_through=True)
sys.stderr = io.TextIOWrapper(Recorder(2), encoding="utf-8", write_through=True)
out, sys.argv = sys.argv[1], sys.argv[2:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit:
    pass
with open(out, "w") as f:
    for fd, b in calls:
        f.write(f"fd {fd}: " + b.decode().replace("\n", "\\n") + "\n")' "$T/calls" "$@" 3>&-
}

@test "a Python program writes each line of its report in one write(), as C does, unbuffered too: no other writer can land inside it" {
  printf '\x01\x00\x00\x00x' >"$T/frame"
  unbuffered "$PEERS/01-pipes/pipe_reader.py" <"$T/frame"
  run cat "$T/calls"
  assert_output "fd 1: frame 1: 1 byte: x\n
fd 2: pipe_reader.py: read 1 frame\n"
  unbuffered "$PEERS/01-pipes/pipe_writer.py" -n 1 >/dev/null
  run cat "$T/calls"
  assert_output "fd 2: pipe_writer.py: wrote 1 frame of 32 bytes\n"
  unbuffered "$PEERS/01-pipes/pipe_parent.py" -n 1 -- "$BIN/pipe_child" 2>/dev/null
  run cat "$T/calls"
  assert_line --regexp '^fd 2: pipe_parent\.py: child [0-9]+ reads fd [0-9]+, answers on fd [0-9]+\\n$'
  assert_line 'fd 1: reply 1: pong: ping 1 (from C)\n'
  assert_line 'fd 1: child exited with status 0\n'
  assert_line 'fd 2: pipe_parent.py: sent 1 ping, got 1 reply\n'
  assert_equal "${#lines[@]}" 4
  unbuffered "$PEERS/01-pipes/pipe_parent.py" -n 0 -- true
  run cat "$T/calls"
  assert_output "fd 2: pipe_parent.py: -n: '0' is not a number from 1 to 1000\n"
  unbuffered "$PEERS/01-pipes/record_writer.py" -n 1 -s 1 -t x >/dev/null
  run cat "$T/calls"
  assert_output "fd 2: record_writer.py: wrote 1 record of 1 byte 'x'\n"
  printf 'xxxxx' >"$T/record"
  unbuffered "$PEERS/01-pipes/record_reader.py" -s 5 <"$T/record"
  run cat "$T/calls"
  assert_output "fd 2: record_reader.py: 1 record, 0 torn\n"
  unbuffered "$PEERS/01-pipes/pipe_child.py" 0 1 <"$T/frame" >/dev/null
  run cat "$T/calls"
  assert_output "fd 2: pipe_child.py: answered 1 ping\n"
  unbuffered "$PEERS/08-shared-memory/shm_counter.py" -n 0 "/ipclab-$IPCLAB_TESTID-none"
  run cat "$T/calls"
  assert_output "fd 2: shm_counter.py: shm_open /ipclab-$IPCLAB_TESTID-none: No such file or directory\n"
}

# gave_up CALL: the run's stderr (set by run --separate-stderr) ends with
# CALL's failure, then the parent's word that it ended its child, a bash
# that had become a sleep (exec): "prog: giving up on child PID (bash):
# sent it SIGTERM; child killed by signal 15 (Terminated)". No process of
# the test is left.
gave_up() {
  [[ ${stderr%$'\n'*} =~ ^pipe_parent(\.py)?:\ .*$1$ ]] || fail "not '$1' before the end: $stderr"
  [[ ${stderr##*$'\n'} =~ ^pipe_parent(\.py)?:\ giving\ up\ on\ child\ [0-9]+\ \(bash\):\ sent\ it\ SIGTERM\;\ child\ killed\ by\ signal\ 15\ \(Terminated\)$ ]] ||
    fail "no word of the child at the end: $stderr"
  assert_equal "$(our_procs)" ""
}

@test "a parent that gives up on its child ends it (SIGTERM) and reaps it, whatever failed, in C and Python alike" {
  # Each child would sleep on for ever once its parent had failed. The
  # parent's three ways to fail after the fork: a bad reply, a write that
  # fails (the child closed its end: EPIPE, not death by SIGPIPE), its own
  # stdout gone.
  local parent sleeper='exec sleep 1000 </dev/null >/dev/null 2>&1'
  for parent in "$BIN/pipe_parent" "$PYTHON $PEERS/01-pipes/pipe_parent.py"; do
    run --separate-stderr $parent -n 1 -- bash -c 'printf "\xff\xff\xff\xff" >&"$2"; '"$sleeper" child 3>&-
    assert_failure 1
    gave_up ": reply 1 from pipe:\[[0-9]+\] \(fd [0-9]+\): frame length -1 is out of range \(0 to 1048576 bytes\)"
    # (More pings than a one-page pipe holds: some are still to send when
    # the child has closed its end.)
    run --separate-stderr $parent --pipe-size 4096 -n 1000 -- bash -c 'eval "exec $1<&-"; '"$sleeper" child 3>&-
    assert_failure 1
    gave_up ": write pipe:\[[0-9]+\] \(fd [0-9]+\): Broken pipe"
    # (The child answers once it has read the ping, 10 bytes: a reply that
    # comes before any ping is refused as a reply to no ping.)
    run --separate-stderr bash -c 'exec "$@" >&-' - $parent -n 1 -- \
      bash -c 'head -c 10 <&"$1" >/dev/null; printf "\x04\x00\x00\x00pong" >&"$2"; '"$sleeper" child 3>&-
    assert_failure 1
    gave_up ": write stdout \(fd 1\): Bad file descriptor"
  done
  # SIGPIPE, which the parents ignore, is back to its default in the child.
  for parent in "$BIN/pipe_parent" "$PYTHON $PEERS/01-pipes/pipe_parent.py"; do
    run --separate-stderr $parent -n 1 -- \
      bash -c 'sed -n "s/^SigIgn:\t//p" /proc/self/status >&2; exec cat <&"$1" >/dev/null' child 3>&-
    # (The child's line and the parent's come in either order.)
    local sigign
    sigign=$(grep -x '[0-9a-f]\{16\}' <<<"$stderr") || fail "no SigIgn: $stderr"
    (( (0x$sigign & 1 << (13 - 1)) == 0 )) || fail "${parent##*/}: SIGPIPE ignored in the child"
  done
}

# closed_or_full PROG ARG... (with its stdin prepared by the caller in
# $T/in): with stdout closed and with stdout /dev/full, PROG and its mirror
# exit 1 naming the write and the object.
closed_or_full() {
  local prog=$1 cmd
  shift
  for cmd in "$BIN/$prog" "$PYTHON $PEERS/01-pipes/$prog.py"; do
    # Under a reaper, which waits for every descendant: pipe_parent ends its
    # child when it fails (whose last words, said or not by then, are left
    # out here: see the test above).
    bg_reaped r bash -c 'exec "$@" <"$0" >&-' "$T/in" $cmd "$@"
    status=0
    wait "$r_reaper" || status=$?
    assert_equal "$status" 1
    assert_equal "$(grep -v ': child [0-9]* reads fd\|: giving up on child \|^pipe_child\|^pipe_writer' "$T/r.err" | same_words)" \
                 "$prog: write stdout (fd 1): Bad file descriptor"
    bg_reaped r bash -c 'exec "$@" <"$0" >/dev/full' "$T/in" $cmd "$@"
    status=0
    wait "$r_reaper" || status=$?
    assert_equal "$status" 1
    assert_equal "$(grep -v ': child [0-9]* reads fd\|: giving up on child \|^pipe_child\|^pipe_writer' "$T/r.err" | same_words)" \
                 "$prog: write /dev/full (fd 1): No space left on device"
  done
}

@test "a program whose stdout is closed or full says so and exits 1, in C and Python alike" {
  "$BIN/pipe_writer" -n 3 >"$T/in" 2>/dev/null
  closed_or_full pipe_reader
  printf 'ABCDEFGH' >"$T/in"
  closed_or_full record_reader -s 8
  : >"$T/in"
  closed_or_full pipe_parent -n 2 -- "$BIN/pipe_child"
  # Nothing to print, nothing lost: a closed stdout is no error then.
  "$BIN/pipe_writer" -n 3 >"$T/in" 2>/dev/null
  run bash -c 'exec "$@" <"$0" >&-' "$T/in" "$BIN/pipe_reader" -q
  assert_success
  run bash -c 'exec "$@" <"$0" >&-' "$T/in" "$PYTHON" "$PEERS/01-pipes/pipe_reader.py" -q
  assert_success
}

# sigint_default CMD...: CMD with SIGINT back to its default action (a
# background job starts with it ignored), as in a terminal.
SIGINT_DEFAULT=("$PYTHON" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])')

@test "Ctrl-C (SIGINT) ends a Python program as it ends a C one: killed, no traceback" {
  local prog w r status
  mkfifo "$T/fifo"
  exec {w}<>"$T/fifo"
  for prog in "$BIN/pipe_reader" "$PYTHON $PEERS/01-pipes/pipe_reader.py"; do
    # Asleep in read() on an empty pipe, then asleep in sigwait (--hold).
    "${SIGINT_DEFAULT[@]}" $prog <"$T/fifo" >"$T/out" 2>"$T/err" 3>&- {w}>&- &
    r=$!
    wait_for blocked_reading_pipe "$r"
    kill -INT "$r"
    status=0
    wait "$r" || status=$?
    assert_equal "$status" 130                 # 128 + SIGINT (2)
    assert_equal "$(<"$T/err")" ""
    "${SIGINT_DEFAULT[@]}" $prog --hold <"$T/fifo" >"$T/out" 2>"$T/err" 3>&- {w}>&- &
    r=$!
    wait_for blocked_in_sigwait "$r"
    kill -INT "$r"
    wait_for proc_gone "$r" || { kill -9 "$r"; fail "$prog --hold: SIGINT did not end it"; }
    status=0
    wait "$r" || status=$?
    assert_equal "$status" 130
    assert_equal "$(<"$T/err")" ""
  done
}

@test "stopped and continued (SIGSTOP, SIGCONT) in sigwait, read() or poll(), a program goes on as if nothing happened" {
  local wc rc w r
  for wc in "$BIN/pipe_writer" "$PYTHON $PEERS/01-pipes/pipe_writer.py"; do
    for rc in "$BIN/pipe_reader" "$PYTHON $PEERS/01-pipes/pipe_reader.py"; do
      bg_pipe w r "$wc --hold" "$rc"
      local job=$!
      wait_for blocked_in_sigwait "$w"
      wait_for blocked_reading_pipe "$r"
      kill -STOP "$w" "$r"
      wait_for proc_stopped "$w"
      wait_for proc_stopped "$r"
      kill -CONT "$w" "$r"
      wait_for blocked_in_sigwait "$w"
      wait_for blocked_reading_pipe "$r"
      kill -USR1 "$w"
      wait_exit "$w"
      wait_exit "$r"
      wait "$job" || true
      assert_equal "$(wc -l <"$T/r.out")" 5
      assert_equal "$(<"$T/w.err")" "${wc##*/}: wrote 5 frames of 32 bytes"
    done
  done
  # A parent asleep in poll(): its child reads nothing, the down pipe is full.
  local parent
  for parent in "$BIN/pipe_parent" "$PYTHON $PEERS/01-pipes/pipe_parent.py"; do
    bg_reaped p $parent --pipe-size 4096 -n 1000 -- sleep 1000
    # Once continued, the kernel shows the poll() restarted: a syscall named
    # restart_syscall, asleep in the same poll wait.
    in_poll() { [ "$(proc_state "$1")" = S ] &&
                [[ $(proc_syscall "$1") == poll* || $(proc_wchan "$1") == *poll* ]]; }
    wait_for in_poll "$p"
    kill -STOP "$p"
    wait_for proc_stopped "$p"
    kill -CONT "$p"
    wait_for in_poll "$p"
    kill "$(proc_children "$p")"          # the child goes: the parent sees why
    status=0
    wait "$p_reaper" || status=$?
    assert_equal "$status" 1
    assert_equal "$(<"$T/p.out")" "child killed by signal 15 (Terminated)"
    assert_equal "$(tail -n 1 "$T/p.err" | same_words)" "pipe_parent: sent 1 ping, got 0 replies"
  done
}
