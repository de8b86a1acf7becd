#!/usr/bin/env bats
# Lesson 01: bad input gets a clear message and exit status. A frame's
# length must be 0 to 1 MiB; a frame cut short by EOF is refused; frames
# before the bad one are still shown. Bad options exit 2 before anything
# is created.

load helpers/common
bats_require_minimum_version 1.5.0

GOOD='\x05\x00\x00\x00hello'            # a 5-byte frame: "hello"

# read_bytes BYTES READER...: printf BYTES | READER (stdin is a pipe).
read_bytes() {
  local bytes=$1; shift
  run --separate-stderr bash -c 'printf "$0" | "$@"' "$bytes" "$@"
}

# both_readers BYTES MESSAGE: the C and the Python reader each print the
# good frame, then fail with status 1 and "frame 2 from pipe:[N] (fd 0): MESSAGE".
both_readers() {
  local reader
  for reader in "$BIN/pipe_reader" "$PEERS/01-pipes/pipe_reader.py"; do
    if [[ $reader == *.py ]]; then
      read_bytes "$GOOD$1" "$PYTHON" "$reader"
    else
      read_bytes "$GOOD$1" "$reader"
    fi
    assert_failure 1
    assert_output "frame 1: 5 bytes: hello"
    [[ $stderr =~ ^pipe_reader(\.py)?:\ frame\ 2\ from\ pipe:\[[0-9]+\]\ \(fd\ 0\):\ (.*)$ ]]
    assert_equal "${BASH_REMATCH[2]}" "$2"
  done
}

# bats test_tags=asan
@test "a frame with length -5 is refused, naming the length and the limit" {
  both_readers '\xfb\xff\xff\xff' "frame length -5 is out of range (0 to 1048576 bytes)"
}

# bats test_tags=asan
@test "a frame with length 2000000 (over 1 MiB) is refused, naming the length and the limit" {
  both_readers '\x80\x84\x1e\x00' "frame length 2000000 is out of range (0 to 1048576 bytes)"
}

# bats test_tags=asan
@test "a header cut short by EOF is refused" {
  both_readers '\x05\x00' "frame cut short by EOF: got 2 of 4 header bytes"
}

# bats test_tags=asan
@test "a payload cut short by EOF is refused" {
  both_readers '\x0a\x00\x00\x00abc' "frame cut short by EOF: got 3 of 10 payload bytes"
}

# bats test_tags=asan
@test "an empty stream is 0 frames, and a 0-byte frame is a frame" {
  read_bytes '' "$BIN/pipe_reader"
  assert_success
  assert_equal "$stderr" "pipe_reader: read 0 frames"
  read_bytes '\x00\x00\x00\x00' "$PYTHON" "$PEERS/01-pipes/pipe_reader.py"
  assert_success
  assert_output "frame 1: 0 bytes: "
  assert_equal "$stderr" "pipe_reader.py: read 1 frame"
}

# bats test_tags=asan
@test "the child refuses a bad ping, and the parent a bad reply" {
  # pipe_child reads pings from RFD 0 and answers on WFD 1 here.
  read_bytes '\x80\x84\x1e\x00' "$BIN/pipe_child" 0 1
  assert_failure 1
  assert_output ""
  assert_stderr_regexp() { [[ $stderr =~ $1 ]] || fail "stderr: $stderr"; }
  assert_stderr_regexp '^pipe_child: ping 1 from pipe:\[[0-9]+\] \(fd 0\): frame length 2000000 is out of range \(0 to 1048576 bytes\)$'
  read_bytes '\x80\x84\x1e\x00' "$PYTHON" "$PEERS/01-pipes/pipe_child.py" 0 1
  assert_failure 1
  assert_stderr_regexp '^pipe_child\.py: ping 1 from pipe:\[[0-9]+\] \(fd 0\): frame length 2000000 is out of range \(0 to 1048576 bytes\)$'

  # A "child" that answers with a negative length, then reads on. The
  # parent gives up on it: it ends it and reaps it, and says so. (The child
  # may have ended already: it reads to EOF, and the parent closes the down
  # pipe once it has sent its one ping.)
  local child='printf "\xfb\xff\xff\xff" >&"$2"; exec cat <&"$1" >/dev/null'
  run --separate-stderr "$BIN/pipe_parent" -n 1 -- bash -c "$child" child 3>&-
  assert_failure 1
  assert_stderr_regexp $'pipe_parent: reply 1 from pipe:\\[[0-9]+\\] \\(fd [0-9]+\\): frame length -5 is out of range \\(0 to 1048576 bytes\\)\npipe_parent: giving up on child [0-9]+ \\(bash\\): sent it SIGTERM; child (killed by signal 15 \\(Terminated\\)|exited with status 0)$'
  run --separate-stderr "$PYTHON" "$PEERS/01-pipes/pipe_parent.py" -n 1 -- bash -c "$child" child 3>&-
  assert_failure 1
  assert_stderr_regexp $'pipe_parent\\.py: reply 1 from pipe:\\[[0-9]+\\] \\(fd [0-9]+\\): frame length -5 is out of range \\(0 to 1048576 bytes\\)\npipe_parent\\.py: giving up on child [0-9]+ \\(bash\\): sent it SIGTERM; child (killed by signal 15 \\(Terminated\\)|exited with status 0)$'
}

# bats test_tags=asan
@test "a record cut short by EOF is refused by both record readers" {
  read_bytes 'CCCCCCCCCC' "$BIN/record_reader" -s 4
  assert_failure 1
  [[ $stderr =~ ^record_reader:\ record\ 3\ from\ pipe:\[[0-9]+\]\ \(fd\ 0\)\ cut\ short\ by\ EOF:\ got\ 2\ of\ 4\ bytes$ ]]
  read_bytes 'CCCCCCCCCC' "$PYTHON" "$PEERS/01-pipes/record_reader.py" -s 4
  assert_failure 1
  [[ $stderr =~ ^record_reader\.py:\ record\ 3\ from\ pipe:\[[0-9]+\]\ \(fd\ 0\)\ cut\ short\ by\ EOF:\ got\ 2\ of\ 4\ bytes$ ]]
}

# bats test_tags=asan
@test "bad options and sizes exit 2 with a message, before anything happens" {
  local prog args
  while IFS='|' read -r prog args; do
    for cmd in "$BIN/$prog" "$PYTHON $PEERS/01-pipes/$prog.py"; do
      run --separate-stderr $cmd $args </dev/null
      assert_failure 2
      assert_output ""
      [[ $stderr == "${prog}"*": "* ]] || fail "$cmd $args: $stderr"
    done
  done <<'LIST'
pipe_writer|-s 15
pipe_reader|-x
pipe_reader|-n -1
pipe_parent|-n 0 -- true
pipe_parent|-n 1001 -- true
pipe_parent|-n 3
pipe_child|3
pipe_child|3 nine
record_writer|-s 0
record_writer|-s 1048577
record_writer|-t XY
record_reader|-s 0
LIST
  run --separate-stderr "$BIN/record_writer" -s 0
  assert_equal "$stderr" "record_writer: -s: '0' is not a number from 1 to 1048576"
  run --separate-stderr "$PYTHON" "$PEERS/01-pipes/record_writer.py" -t XY
  assert_equal "$stderr" "record_writer.py: -t: 'XY' is not one printable character"
}

# bats test_tags=asan
@test "the child refuses descriptors it was not given" {
  run --separate-stderr "$BIN/pipe_child" 0 9 3>&-
  assert_failure 1
  assert_equal "$stderr" "pipe_child: WFD fd 9: Bad file descriptor"
  run --separate-stderr "$PYTHON" "$PEERS/01-pipes/pipe_child.py" 0 9 3>&-
  assert_failure 1
  assert_equal "$stderr" "pipe_child.py: WFD fd 9: Bad file descriptor"
}

# ping_of LEN: one frame of LEN bytes 'x', into $T/ping.
ping_of() {
  "$PYTHON" -c 'import struct, sys; n = int(sys.argv[1])
sys.stdout.buffer.write(struct.pack("<i", n) + b"x" * n)' "$1" >"$T/ping"
}

# bats test_tags=asan
@test "the child answers the longest ping whose pong fits in a frame, and refuses a longer one: never a pong cut short" {
  local child lang extra n
  for child in "$BIN/pipe_child" "$PYTHON $PEERS/01-pipes/pipe_child.py"; do
    # "pong: " PING " (from C)" is 15 bytes longer than PING; " (from Python)" 20.
    lang=C extra=15
    [[ $child == *.py ]] && lang=Python extra=20
    n=$((1048576 - extra))
    ping_of "$n"
    $child 0 1 <"$T/ping" >"$T/pong" 2>"$T/err" 3>&-
    assert_equal "$(stat -c %s "$T/pong")" $((4 + 1048576))
    assert_equal "$(od -An -t d4 -N 4 "$T/pong" | xargs)" 1048576
    assert_equal "$(head -c 14 "$T/pong" | tail -c 10)" "pong: xxxx"
    assert_equal "$(tail -c $((extra - 6 + 4)) "$T/pong")" "xxxx (from $lang)"
    ping_of $((n + 1))
    run --separate-stderr $child 0 1 <"$T/ping" 3>&-
    assert_failure 1
    assert_output ""
    [[ $stderr =~ ^pipe_child(\.py)?:\ ping\ 1\ from\ .*\ \(fd\ 0\):\ $((n + 1))\ bytes\ is\ too\ long\ to\ answer:\ the\ pong\ would\ be\ 1048577\ bytes,\ over\ 1048576$ ]] ||
      fail "stderr: $stderr"
  done
}

# bats test_tags=asan
@test "the child answers any byte, NUL included, in C and Python alike" {
  local child
  for child in "$BIN/pipe_child" "$PYTHON $PEERS/01-pipes/pipe_child.py"; do
    # "a" NUL "b" 0xff; the pong's first 11 bytes after its header:
    # "pong: a" NUL "b" 0xff " ".
    printf '\x04\x00\x00\x00a\x00b\xff' | $child 0 1 2>/dev/null | od -An -t x1 -j 4 -N 11 >"$T/pong"
    assert_equal "$(xargs <"$T/pong")" "70 6f 6e 67 3a 20 61 00 62 ff 20"
  done
}

# bats test_tags=asan
@test "a reader takes a frame of 0 or 1048576 bytes and refuses a length of -1 or 1048577, in C and Python alike" {
  local reader n
  for reader in "$BIN/pipe_reader" "$PYTHON $PEERS/01-pipes/pipe_reader.py"; do
    for n in 0 1048576; do
      ping_of "$n"
      run --separate-stderr $reader -q <"$T/ping" 3>&-
      assert_success
      assert_regex "$stderr" '^pipe_reader(\.py)?: read 1 frame$'
    done
    for n in -1 1048577; do
      "$PYTHON" -c 'import struct, sys; sys.stdout.buffer.write(struct.pack("<i", int(sys.argv[1])))' "$n" >"$T/ping"
      run --separate-stderr $reader -q <"$T/ping" 3>&-
      assert_failure 1
      assert_regex "$stderr" "^pipe_reader(\\.py)?: frame 1 from $T/ping \\(fd 0\\): frame length $n is out of range \\(0 to 1048576 bytes\\)\$"
    done
  done
}

# bats test_tags=asan
@test "\"ping 1\" goes down the pipe as 06 00 00 00 70 69 6e 67 20 31, from C and Python alike" {
  local parent child='od -An -tx1 -N 10 <&"$1" | tr -s " " >&2; exec cat <&"$1" >/dev/null'
  for parent in "$BIN/pipe_parent" "$PYTHON $PEERS/01-pipes/pipe_parent.py"; do
    run --separate-stderr $parent -n 1 -- bash -c "$child" child 3>&-
    assert_failure 1          # the child never answers: no reply, status 1
    [[ $stderr == *$'\n'" 06 00 00 00 70 69 6e 67 20 31"$'\n'* ]] || fail "${parent##*/}: $stderr"
  done
}
