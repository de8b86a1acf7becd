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

# ---- "mkfifo unless it exists": it writes into whatever is there ----------
# The tutorial's writer ignores mkfifo's EEXIST (Python: does not call it when
# the name exists) and opens and writes whatever it finds at the name. In a
# shared sticky folder like /tmp, another user plants the name first. Here
# the folder is $PUB/tmp (1777, as /tmp; public_copy's, removed in
# teardown) and the other user is nobody. The kit's fifo_node refuses each of
# these before open() (02-fifos-paths.bats).

# Asleep in open() of a FIFO, waiting for a partner: state S, syscall openat.
blocked_opening_fifo() {
  [ "$(proc_state "$1")" = S ] && [[ $(proc_syscall "$1") == "openat "* ]]
}

shared_tmp() {
  public_copy "$BIN/naive_writer"
  install -d -m 1777 "$PUB/tmp"
  export NAIVE_DIR=$PUB/tmp
}

@test "a regular file another user planted at the tutorial's name gets the messages written into it, C and Python" {
  local w
  shared_tmp
  for w in "$(c naive_writer)" "$(py naive_writer)"; do
    runuser -u nobody -- sh -c 'umask 0; printf "planted by nobody\n" >"$1"' - "$NAIVE_DIR/myfifo"
    run $w secret
    assert_success                  # not a word: it did as it was told
    assert_equal "$(stat -c '%F %U' "$NAIVE_DIR/myfifo")" "regular file nobody"
    assert_equal "$(head -c 7 "$NAIVE_DIR/myfifo" | od -An -c | tr -s ' ')" " s e c r e t \\0"
    rm "$NAIVE_DIR/myfifo"
  done
}

@test "a FIFO another user planted (mode 0666) at the tutorial's name: that user's reader gets the messages, C and Python" {
  local w
  shared_tmp
  for w in "$(c naive_writer)" "$(py naive_writer)"; do
    runuser -u nobody -- mkfifo -m 666 "$NAIVE_DIR/myfifo"
    bg spy setpriv --reuid=nobody --regid=nogroup --clear-groups cat "$NAIVE_DIR/myfifo"
    wait_for blocked_opening_fifo "$spy"
    run $w secret "card 1234"
    assert_success
    wait "$spy"
    assert_equal "$(stat -c '%F %U %a' "$NAIVE_DIR/myfifo")" "fifo nobody 666"
    assert_equal "$(tr '\0' '|' <"$T/spy.out")" "secret|card 1234|"
    rm "$NAIVE_DIR/myfifo"
  done
}

# bats test_tags=asan
@test "the kit's fifo_node refuses that shared folder outright, and the planted objects in its own (02-fifos-paths.bats)" {
  local node
  shared_tmp
  for node in "$(c fifo_node)" "$(py fifo_node)"; do
    run --separate-stderr $node a "$NAIVE_DIR"
    assert_equal "$status" 1
    assert_regex "$stderr" "^fifo_node(\.py)? a: $NAIVE_DIR: mode 1777, not 0700: not a private directory of ours \(mktemp -d makes one\)$"
  done
}

@test "the naive pair checks nothing, as the README says: NAIVE_DIR naming no folder gives C's 'write: Bad file descriptor' per message with status 0, a silent C reader, Python tracebacks (FileNotFoundError)" {
  NAIVE_DIR=$D/none
  run --separate-stderr $(c naive_writer) one two
  assert_success
  assert_equal "$stderr" "write: Bad file descriptor
write: Bad file descriptor"
  run --separate-stderr $(c naive_reader)
  assert_success
  assert_equal "$stderr$output" ""
  for p in naive_writer naive_reader; do
    run --separate-stderr $(py $p) one
    assert_equal "$status" 1
    assert_regex "$stderr" "^Traceback "
    assert_regex "${stderr##*$'\n'}" "^FileNotFoundError: "
  done
  assert_equal "$(ls -A "$D")" ""
}

@test "no test or scenario of the kit sets NAIVE_DIR empty (it would put the FIFO at /myfifo or ./myfifo)" {
  run grep -rnE "NAIVE_DIR=(\"\"|''|\s|$)|NAIVE_DIR *= *\"\"" "$ROOT/tests" "$ROOT/lessons" --include='*.bats' --include='*.bash' --include='*.lua'
  assert_failure 1
}
