#!/usr/bin/env bats
# Lesson 02: the common tutorial's FIFO pair (naive_writer, naive_reader,
# C and Python), measured. No framing: what one read() returns is what the
# FIFO holds, up to 1024 bytes, whatever the messages were. The tutorial's
# fixed /tmp name is moved into the test's own folder with NAIVE_DIR.

load helpers/common
bats_require_minimum_version 1.5.0

c()  { echo "$BIN/$1"; }
py() { echo "$PYTHON $PEERS/02-fifos/$1.py"; }

setup() {
  common_setup
  D=$T/run
  mkdir -m 700 "$D"
  export NAIVE_DIR=$D
}

# deliver WRITER READER MESSAGE...: the writer sends every message before
# the reader reads once. The test holds the FIFO open read-write meanwhile,
# so neither open() waits for the other, and the reader sees EOF only when
# the test lets go. $queued: the bytes in the FIFO before the reader came.
deliver() {
  local w=$1 r=$2 h
  shift 2
  rm -f "$D/myfifo"
  mkfifo -m 600 "$D/myfifo"
  exec {h}<>"$D/myfifo"
  run $w "$@"
  assert_success
  queued=$(pipe_level $$ "$h")
  # (as bg does, and without the test's end: else the reader holds a
  # write end of its own FIFO, and never sees EOF)
  ( trap - EXIT ERR DEBUG INT TERM; eval "exec $h>&-"; exec $r ) \
    >"$T/reader.out" 2>"$T/reader.err" </dev/null 3>&- &
  reader=$!
  wait_for blocked_reading_pipe "$reader"     # it took all there was
  eval "exec $h>&-"
  wait "$reader"
  rm "$D/myfifo"
}

# bats test_tags=demo
@test "two quick messages come back from one read(): the C reader prints the first and loses the second, the Python reader prints both as one" {
  local w
  for w in "$(c naive_writer)" "$(py naive_writer)"; do
    deliver "$w" "$(c naive_reader)" hello world
    assert_equal "$queued" "12 65536"         # hello\0world\0, both in the FIFO
    assert_equal "$(<"$T/reader.out")" "Received: hello"
    deliver "$w" "$(py naive_reader)" hello world
    assert_equal "$(cat -v "$T/reader.out")" "Received: hello^@world"
  done
}

# bats test_tags=demo
@test "a message of 3000 bytes comes back in three reads: 1024, 1024 and 953 bytes; the Python reader cuts a character off each" {
  local w long
  long=$(printf 'x%.0s' {1..3000})
  for w in "$(c naive_writer)" "$(py naive_writer)"; do
    deliver "$w" "$(c naive_reader)" "$long"
    assert_equal "$queued" "3001 65536"
    assert_equal "$(awk '{ print length($2) }' "$T/reader.out" | paste -sd ' ')" "1024 1024 952"
    deliver "$w" "$(py naive_reader)" "$long"
    assert_equal "$(awk '{ print length($2) }' "$T/reader.out" | paste -sd ' ')" "1023 1023 952"
  done
}

# bats test_tags=demo
@test "the naive pair leaves its FIFO behind, readable by others: mode 0666 less the umask" {
  local w r
  umask 022
  for w in "$(c naive_writer)" "$(py naive_writer)"; do
    for r in "$(c naive_reader)" "$(py naive_reader)"; do
      # The reader first, and the writer once the FIFO is there: started
      # together, both might find no FIFO and both make one; the Python
      # side's mkfifo would then fail with EEXIST (check, then act: a race).
      bg reader $r
      wait_for test -p "$D/myfifo"
      bg writer $w hi
      wait "$writer"
      wait "$reader"
      assert_equal "$(<"$T/reader.out")" "Received: hi"
      assert_equal "$(stat -c '%F %a' "$D/myfifo")" "fifo 644"
      rm "$D/myfifo"
    done
  done
}
