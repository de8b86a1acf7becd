#!/usr/bin/env bats
# Grading test of exercise 01-pipes/02-safe-writer (README.md says what is
# checked). Grades $EXERCISE_DIR/safe_writer.py: this folder by default.
#   bats lessons/01-pipes/exercises/02-safe-writer/grade.bats

load ../../../../tests/helpers/grading

# The reader goes away while the writer is asleep in write() on a full pipe.
# Sets status/output/stderr, and K: the frames the writer put in the pipe
# whole (frames of 16 bytes + 4 of header: 20 bytes; each one write() of at
# most PIPE_BUF bytes, so the kernel takes all of it or none).
reader_leaves() {
  local prog r queued cap
  exercise_file prog safe_writer.py
  mkfifo "$T/fifo"
  # The writer first, so it does not inherit our end of the FIFO.
  env IPCLAB_GRADED="$IPCLAB_TESTID" "$PYTHON" "$prog" -n 0 -s 16 >"$T/fifo" \
    2>"$T/writer.err" </dev/null 3>&- &
  local writer=$!
  exec {r}<>"$T/fifo"     # our reader end (read-write: the open never blocks)
  # Nobody reads: the writer fills the pipe, then sleeps in write().
  wait_for blocked_writing_pipe_or_gone "$writer"
  read -r queued cap < <(pipe_level "$writer" 1 2>/dev/null || echo 0 0)
  K=$((queued / 20))
  exec {r}>&-             # the reader goes away
  finish "$writer"
  output=""
  stderr=$(capped "$T/writer.err")
}

blocked_writing_pipe_or_gone() { proc_gone "$1" || blocked_writing_pipe "$1" || spinning "$1"; }

@test "writes every frame when the reader reads them all" {
  local prog
  exercise_file prog safe_writer.py
  # Into a file: what it wrote is judged once it has ended (and whatever it
  # started has too: finish).
  env IPCLAB_GRADED="$IPCLAB_TESTID" "$PYTHON" "$prog" -n 3 -s 24 >"$T/writer.out" \
    2>"$T/writer.err" </dev/null 3>&- &
  finish "$!"
  output=$(decode_frames <"$T/writer.out") stderr=$(capped "$T/writer.err")
  show_run
  expect_equal "the frames it wrote" "frame 1: 24 bytes: message 1 from Python...
frame 2: 24 bytes: message 2 from Python...
frame 3: 24 bytes: message 3 from Python..." "$output"
  expect_equal "its message on stderr" "safe_writer.py: wrote 3 frames of 24 bytes" "$stderr"
  expect_equal "its exit status" 0 "$status"
}

# filled: the writer filled the pipe before the reader left (a program that
# writes nothing has nothing to survive).
filled() {
  ((K > 0)) || fail "it wrote no frame into the pipe before the reader left: \
it must fill the pipe and sleep in write() for this check to mean anything"
}

@test "is not killed by SIGPIPE when the reader goes away" {
  reader_leaves
  show_run
  filled
  if ((status > 128)); then
    fail "killed by signal $((status - 128)) (SIG$(kill -l $((status - 128))))"
  fi
}

@test "prints no traceback when the reader goes away" {
  reader_leaves
  show_run
  filled
  expect_no_match "what it said on stderr" "Traceback|Exception|Error" "$stderr"
}

@test "says 'reader gone after K frames' (K written whole), then ends with status 1" {
  reader_leaves
  show_run
  local frames=frames
  [ "$K" != 1 ] || frames=frame
  expect_equal "its message on stderr ($K frames got into the pipe whole)" \
    "safe_writer.py: reader gone after $K $frames" "$stderr"
  expect_equal "its exit status" 1 "$status"
}

@test "says 'reader gone after 0 frames' when the reader is gone before the first" {
  local prog
  exercise_file prog safe_writer.py
  # Standard output: a pipe whose read end is already closed. SIGPIPE back
  # to the default first, as a shell would start the program.
  env IPCLAB_GRADED="$IPCLAB_TESTID" "$PYTHON" -c '
import os, signal, sys
r, w = os.pipe()
os.close(r)
os.dup2(w, 1)
os.close(w)
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])
' "$PYTHON" "$prog" -n 5 2>"$T/writer.err" </dev/null 3>&- &
  finish "$!"
  output="" stderr=$(capped "$T/writer.err")
  show_run
  expect_equal "its message on stderr" "safe_writer.py: reader gone after 0 frames" "$stderr"
  expect_equal "its exit status" 1 "$status"
}
