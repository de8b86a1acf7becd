#!/usr/bin/env bats
# Grading test of exercise 02-fifos/03-safe-open (README.md says what is
# checked). Grades $EXERCISE_DIR/fifo_send.c: this folder by default.
#   bats lessons/02-fifos/exercises/03-safe-open/grade.bats

load ../../../../tests/helpers/grading

setup_file() { compile_c fifo_send.c; }

setup() {
  common_setup
  D=$T/run                      # the folder where things are planted
  mkdir -m 700 "$D"
}

# reader PATH: a server in the background reading the FIFO at PATH into
# $T/got until EOF (cat: the kit's own reader is not being graded).
reader() {
  bg reader cat "$1"
  printf '%s' "$1" >"$T/reader.path"
}

# reader_got: what the reader took, decoded as frames.
reader_got() { decode_frames <"$T/reader.out"; }

# Asleep in open() of something it should have refused: the sender is
# stuck for good there (no reader will come).
opening_it() { blocked_opening_fifo "$1"; }

# send WHAT PATH TEXT...: run fifo_send PATH TEXT..., WHAT being what was
# planted at PATH, in words ("a symbolic link to a FIFO of ours"); stopped
# if it sleeps in open() (STUCK): a sender that refuses never gets that
# far. Each run's account names what was planted and shows that run's own
# output, so a check that runs it twice says which run failed.
send() {
  local exe
  need_exe exe
  SENT=$1
  shift
  echo "$SENT at the path: fifo_send $*" >&2
  STUCK=opening_it STUCK_WHY="did not refuse $SENT at $1: it sleeps in open() of it, waiting for a reader, to write to it" \
    run_graded "$exe" "$@"
  echo "  exit status $status; it printed $(shown "$output")" >&2
}

# refused WHAT WORDS: exit status 1, and one message naming the path and
# holding WORDS (a regular expression), for the run of the last send.
refused() {
  expect_equal "$SENT at the path: its exit status" 1 "$status"
  expect_match "$SENT at the path: its message" "$1" "$output"
  expect_match "$SENT at the path: its message (the words)" "$2" "$output"
}

@test "fifo_send.c compiles with the kit's flags" {
  assert_compiled
}

@test "sends each TEXT as a frame through a FIFO of ours, mode 0600, and ends with status 0" {
  local exe
  need_exe exe            # first: with no sender, the reader would wait for ever
  mkfifo -m 600 "$D/server"
  reader "$D/server"
  send "a FIFO of ours, mode 0600, that cat reads" "$D/server" hello "two words"
  wait_for proc_gone "$reader"
  expect_equal "its exit status" 0 "$status"
  expect_equal "what the server read" "frame 1: 5 bytes: hello
frame 2: 9 bytes: two words" "$(reader_got)"
}

@test "refuses a regular file at the path, writing nothing to it" {
  echo "precious" >"$D/server"
  send "a regular file" "$D/server" hello
  refused "$D/server" "not a FIFO"
  expect_equal "the file after the run" "precious" "$(cat "$D/server")"
}

@test "refuses a symbolic link at the path, even to a FIFO of ours, writing nothing through it" {
  echo "precious" >"$T/file"
  ln -s "$T/file" "$D/server"
  send "a symbolic link to a regular file of ours" "$D/server" hello
  refused "$D/server" "not a FIFO|link"
  expect_equal "the file the link points at, after the run" "precious" "$(cat "$T/file")"
  # A link to a good FIFO is a link all the same: whoever made it chose
  # where our bytes go.
  rm "$D/server"
  mkfifo -m 600 "$T/fifo"
  ln -s "$T/fifo" "$D/server"
  send "a symbolic link to a FIFO of ours (mode 0600)" "$D/server" hello
  refused "$D/server" "not a FIFO|link"
}

@test "refuses a directory at the path" {
  mkdir "$D/server"
  send "a directory" "$D/server" hello
  refused "$D/server" "not a FIFO"
}

@test "refuses a FIFO that others may open (mode 0644) or that another user owns" {
  mkfifo -m 644 "$D/server"
  send "a FIFO of ours with mode 0644" "$D/server" hello
  refused "$D/server" "0644"
  if [ "$(id -u)" = 0 ]; then
    # As root another user's FIFO can be made (root passes every
    # permission check: a FIFO chowned to nobody stands for it).
    rm "$D/server"
    mkfifo -m 600 "$D/server"
    chown nobody "$D/server"
    send "a FIFO of another user's (nobody, uid $(id -u nobody)), mode 0600" "$D/server" hello
    refused "$D/server" "$(id -u nobody)"
  fi
}
