#!/usr/bin/env bats
# Lesson 01: two writers share one pipe. A write() of at most PIPE_BUF (4096)
# bytes is atomic; a larger one is not. Made deterministic from the kernel's
# view: the reader holds (--hold); the first writer fills the pipe and
# sleeps in the middle of its first record, the second sleeps too. We stop
# the first (SIGSTOP: its write() returns the 65536 bytes it got in, and the
# program loops to write the rest later), release the reader, let the second
# writer write everything, then continue the first. Its first record was
# torn by the second writer's bytes, every time.

load helpers/common
bats_require_minimum_version 1.5.0

# two_writers SIZE COUNT FIRST SECOND READER: FIRST and SECOND (record_writer
# command lines) write COUNT records of SIZE bytes into one pipe that READER
# reads; FIRST starts alone and is the one caught in the middle of a record.
two_writers() {
  local size=$1 count=$2 first=$3 second=$4 reader=$5 job w1 w2 r
  rm -f "$T"/w1.pid "$T"/w2.pid "$T"/r.pid
  {
    bash -c 'echo $$ >"$0"; exec '"$first -s $size -n $count" "$T/w1.pid" 2>"$T/w1.err" &
    wait_for test -s "$T/w1.pid"
    wait_for blocked_writing_pipe "$(<"$T/w1.pid")"       # the pipe is full
    bash -c 'echo $$ >"$0"; exec '"$second -s $size -n $count" "$T/w2.pid" 2>"$T/w2.err" &
    wait
  } </dev/null 3>&- |
    bash -c 'echo $$ >"$0"; exec '"$reader --hold -s $size" "$T/r.pid" \
      >"$T/r.out" 2>"$T/r.err" 3>&- &
  job=$!
  wait_for test -s "$T/w1.pid" -a -s "$T/w2.pid" -a -s "$T/r.pid"
  w1=$(<"$T/w1.pid") w2=$(<"$T/w2.pid") r=$(<"$T/r.pid")

  # Both writers asleep in write(), the pipe full, the reader holding.
  wait_for blocked_writing_pipe "$w2"
  wait_for blocked_in_sigwait "$r"
  assert_equal "$(pipe_level "$w1" 1)" "65536 65536"

  kill -STOP "$w1"
  wait_for proc_stopped "$w1"
  kill -USR1 "$r"
  wait_exit "$w2"                 # the second writer wrote all its records
  kill -CONT "$w1"
  wait_exit "$w1"
  wait_exit "$r"
  wait "$job" || true
}

c()  { echo "$BIN/$1"; }
py() { echo "$PYTHON $PEERS/01-pipes/$1.py"; }

@test "records of 100000 bytes from a C and a Python writer sharing a pipe are torn (C reader)" {
  two_writers 100000 3 "$(c record_writer)" "$(py record_writer)" "$(c record_reader)"
  run cat "$T/r.out"
  assert_output "record 1 torn: 'C' x 65536 then 'P' x 34464
record 4 torn: 'P' x 65536 then 'C' x 34464"
  assert_equal "$(<"$T/r.err")" "record_reader: 6 records, 2 torn"
  assert_equal "$(<"$T/w1.err")" "record_writer: wrote 3 records of 100000 bytes 'C'"
}

@test "records of 100000 bytes from a Python and a C writer sharing a pipe are torn (Python reader)" {
  two_writers 100000 3 "$(py record_writer)" "$(c record_writer)" "$(py record_reader)"
  run cat "$T/r.out"
  assert_output "record 1 torn: 'P' x 65536 then 'C' x 34464
record 4 torn: 'C' x 65536 then 'P' x 34464"
  assert_equal "$(<"$T/r.err")" "record_reader.py: 6 records, 2 torn"
}

@test "records of PIPE_BUF (4096) bytes are never torn, whatever the two writers do" {
  two_writers 4096 40 "$(c record_writer)" "$(py record_writer)" "$(c record_reader)"
  [ ! -s "$T/r.out" ]
  assert_equal "$(<"$T/r.err")" "record_reader: 80 records, 0 torn"
  two_writers 4096 40 "$(py record_writer) -t X" "$(c record_writer) -t Y" "$(py record_reader)"
  [ ! -s "$T/r.out" ]
  assert_equal "$(<"$T/r.err")" "record_reader.py: 80 records, 0 torn"
}

@test "the reader shows at most 5 torn records and every run of bytes up to 4" {
  printf 'ABCDEFGH%.0s' $(seq 8) | "$BIN/record_reader" -s 8 >"$T/c.out" 2>"$T/c.err"
  printf 'ABCDEFGH%.0s' $(seq 8) | "$PYTHON" "$PEERS/01-pipes/record_reader.py" -s 8 \
    >"$T/py.out" 2>"$T/py.err"
  run cat "$T/c.out"
  assert_equal "${#lines[@]}" 5
  assert_line --index 4 "record 5 torn: 'A' x 1 then 'B' x 1 then 'C' x 1 then 'D' x 1 then ..."
  assert_equal "$(<"$T/c.err")" "record_reader: 8 records, 8 torn"
  assert_equal "$(<"$T/py.out")" "$(<"$T/c.out")"
  assert_equal "$(<"$T/py.err")" "record_reader.py: 8 records, 8 torn"
}
