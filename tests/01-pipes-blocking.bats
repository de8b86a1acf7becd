#!/usr/bin/env bats
# Lesson 01: a reader sleeps on an empty pipe, a writer sleeps on a full one.
# Everything is checked from the kernel's view: /proc/PID/{stat,wchan,syscall}
# and FIONREAD / F_GETPIPE_SZ on the pipe.

load helpers/common
bats_require_minimum_version 1.5.0

c()  { echo "$BIN/$1"; }
py() { echo "$PYTHON $PEERS/01-pipes/$1.py"; }

# reader_sleeps_on_empty_pipe WRITER READER: the writer holds (--hold), so
# the pipe stays empty and the reader sleeps in read() on its stdin; one
# SIGUSR1 later every frame arrives.
reader_sleeps_on_empty_pipe() {
  bg_pipe w r "$1 --hold" "$2"
  local job=$!
  wait_for blocked_in_sigwait "$w"
  wait_for blocked_reading_pipe "$r"
  assert_equal "$(proc_state "$r")" S
  assert_equal "$(proc_syscall "$r")" "read 0"
  assert_equal "$(pipe_level "$r" 0)" "0 65536"
  [ ! -s "$T/r.out" ]

  kill -USR1 "$w"
  wait_exit "$w"
  wait_exit "$r"
  wait "$job" || true
  run cat "$T/r.out"
  assert_equal "${#lines[@]}" 5
  assert_line --index 4 --partial "frame 5: 32 bytes: message 5 from "
  assert_equal "$(<"$T/r.err")" "${2##*/}: read 5 frames"
}

# writer_sleeps_on_full_pipe WRITER READER: the reader holds, the writer
# writes frames of 1020 bytes + a 4-byte header: 4 fill a 4 KiB page exactly,
# so the pipe's 16 pages hold 65536 bytes when the writer goes to sleep.
writer_sleeps_on_full_pipe() {
  bg_pipe w r "$1 -n 0 -s 1020" "$2 --hold"
  local job=$!
  wait_for blocked_in_sigwait "$r"
  wait_for blocked_writing_pipe "$w"
  assert_equal "$(proc_state "$w")" S
  assert_equal "$(proc_syscall "$w")" "write 1"
  assert_equal "$(pipe_level "$w" 1)" "65536 65536"
  kill "$w" "$r"
  wait_exit "$w"
  wait_exit "$r"
  wait "$job" || true
}

@test "the C reader sleeps in read() on an empty pipe until the writer writes" {
  reader_sleeps_on_empty_pipe "$(py pipe_writer)" "$(c pipe_reader)"
}

@test "the Python reader sleeps in read() on an empty pipe until the writer writes" {
  reader_sleeps_on_empty_pipe "$(c pipe_writer)" "$(py pipe_reader)"
}

@test "the C writer sleeps in write() when the pipe holds 65536 of 65536 bytes" {
  writer_sleeps_on_full_pipe "$(c pipe_writer)" "$(py pipe_reader)"
}

@test "the Python writer sleeps in write() when the pipe holds 65536 of 65536 bytes" {
  writer_sleeps_on_full_pipe "$(py pipe_writer)" "$(c pipe_reader)"
}

@test "frames of 104 bytes fill the pipe at 64896 bytes: 39 a page, 16 pages" {
  # A write that does not fit in the last page's free room starts a new
  # page, so each page keeps 4096 - 39 * 104 = 40 bytes unused.
  bg_pipe w r "$(c pipe_writer) -n 0 -s 100" "$(c pipe_reader) --hold"
  local job=$!
  wait_for blocked_in_sigwait "$r"
  wait_for blocked_writing_pipe "$w"
  assert_equal "$(pipe_level "$w" 1)" "64896 65536"
  # Released, the reader drains the pipe and the writer runs on.
  kill -USR1 "$r"
  wait_for grep -q "^frame 700: " "$T/r.out"
  kill "$w" "$r"
  wait_exit "$w"
  wait_exit "$r"
  wait "$job" || true
}
