#!/usr/bin/env bats
# Grading test of exercise 01-pipes/01-frame-reader (README.md says what is
# checked). Grades $EXERCISE_DIR/frame_reader.c: this folder by default.
#   bats lessons/01-pipes/exercises/01-frame-reader/grade.bats

load ../../../../tests/helpers/grading

setup_file() { compile_c frame_reader.c; }

# Each check writes its input to a file first; feed sends it through a pipe.
input() { cat >"$T/in"; }

# Run the reader on $T/in; status, output and stderr are set for the asserts.
read_input() {
  local exe
  need_exe exe
  feed reader "$T/in" "$exe"
  finish "$reader" reader
}

@test "frame_reader.c compiles with the kit's flags" {
  assert_compiled
}

@test "prints each frame of a stream, then ends with status 0" {
  { frame hello "" "two words" x; header 3; printf 'a\nb'; } | input
  read_input
  show_run
  expect_equal "what it printed" "frame 1: 5 bytes: hello
frame 2: 0 bytes: 
frame 3: 9 bytes: two words
frame 4: 1 byte: x
frame 5: 3 bytes: a\\x0ab" "$output"
  expect_equal "its exit status" 0 "$status"
}

@test "an empty stream is a clean end: no frames, status 0" {
  input </dev/null
  read_input
  show_run
  expect_equal "what it printed" "" "$output"
  expect_equal "its exit status" 0 "$status"
}

@test "waits for the rest of a frame that arrives in pieces" {
  local exe w
  need_exe exe
  mkfifo "$T/fifo"
  # The reader first, so it does not inherit our end of the FIFO.
  env IPCLAB_GRADED="$IPCLAB_TESTID" "$exe" <"$T/fifo" >"$T/reader.out" \
    2>"$T/reader.err" 3>&- &
  local reader=$!
  exec {w}<>"$T/fifo"     # read-write: never blocks, and no SIGPIPE for us
  # Send the frames "hello" and "world!" in four pieces; before each next
  # piece, the reader must have taken all we sent and be asleep in read()
  # (or have ended: then what it printed is judged).
  local piece
  for piece in '\x05\x00' '\x00\x00he' 'llo\x06\x00\x00' '\x00world!'; do
    printf "$piece" >&"$w"
    wait_for taken_or_gone "$reader"
  done
  exec {w}>&-             # EOF
  finish "$reader" reader
  echo "sent in four pieces: 05 00 | 00 00 h e | l l o 06 00 00 | 00 w o r l d !" >&2
  show_run
  expect_equal "what it printed" "frame 1: 5 bytes: hello
frame 2: 6 bytes: world!" "$output"
  expect_equal "its exit status" 0 "$status"
}

@test "reads a frame of 1 MiB, the largest allowed" {
  { header 1048576; head -c 1048576 /dev/zero | tr '\0' x; frame end; } | input
  read_input
  # Judge the file, and show its lines cut short when the check fails.
  output=$(cut -c1-60 "$T/reader.out") show_run
  expect_equal "the characters on its first line (\"frame 1: 1048576 bytes: \", 24, then the payload's 1048576 x and a newline)" \
    $((24 + 1048576 + 1)) "$(head -n 1 "$T/reader.out" | wc -c)"
  expect_equal "the start of its first line" "frame 1: 1048576 bytes: xxxxxx" \
    "$(head -c 30 "$T/reader.out")"
  expect_equal "what it printed after the first line" "frame 2: 3 bytes: end" \
    "$(tail -n +2 "$T/reader.out")"
  expect_equal "its exit status" 0 "$status"
}

@test "reports a header cut short by EOF and ends with status 1" {
  { frame hello; printf '\x05\x00'; } | input
  read_input
  show_run
  expect_equal "what it printed (the good frame before the bad one)" "frame 1: 5 bytes: hello" "$output"
  expect_match "its message on stderr" "cut short" "$stderr"
  expect_equal "its exit status" 1 "$status"
}

@test "reports a payload cut short by EOF and ends with status 1" {
  { frame hello; header 10; printf 'abc'; } | input
  read_input
  show_run
  expect_equal "what it printed (the good frame before the bad one)" "frame 1: 5 bytes: hello" "$output"
  expect_match "its message on stderr" "cut short" "$stderr"
  expect_equal "its exit status" 1 "$status"
}

@test "refuses a length above 1 MiB, naming the length and the limit" {
  { frame hello; header 1048577; printf 'abc'; } | input
  read_input
  show_run
  expect_equal "what it printed (the good frame before the bad one)" "frame 1: 5 bytes: hello" "$output"
  expect_number "its message on stderr (the length)" 1048577 "$stderr"
  expect_number "its message on stderr (the limit)" 1048576 "$stderr"
  expect_equal "its exit status" 1 "$status"
}

@test "refuses a negative length, naming the length and the limit" {
  { frame hello; header -5; printf 'abc'; } | input
  read_input
  show_run
  expect_equal "what it printed (the good frame before the bad one)" "frame 1: 5 bytes: hello" "$output"
  expect_number "its message on stderr (the length)" -5 "$stderr"
  expect_number "its message on stderr (the limit)" 1048576 "$stderr"
  expect_equal "its exit status" 1 "$status"
}
