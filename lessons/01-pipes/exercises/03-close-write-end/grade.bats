#!/usr/bin/env bats
# Grading test of exercise 01-pipes/03-close-write-end (README.md says what
# is checked). Grades $EXERCISE_DIR/parent_reader.py: this folder by default.
#   bats lessons/01-pipes/exercises/03-close-write-end/grade.bats

load ../../../../tests/helpers/grading

# Run parent_reader.py -n COUNT until it ends or is stuck for good: asleep
# in read() on a pipe that is empty, with its child already exited. Then no
# process but the parent itself (or one its child left behind) can write to
# that pipe: EOF can never come. A stuck parent is described (in $stuck)
# and killed; its child (a zombie until then) goes to bg_reaper's reaper.
# A process the program leaves running is named and killed, and the check
# fails (finish_reaped).
run_parent() {
  local prog
  exercise_file prog parent_reader.py
  bg_reaper parent "$PYTHON" "$prog" -n "$1"
  # A child that never ends is stuck too, but only a bound can tell.
  wait_settled 20 "$parent" ended_or_stuck "$parent" || true
  stuck=""
  if ! proc_gone "$parent"; then
    if spinning "$parent" || ! taken_and_waiting "$parent"; then
      stuck="parent_reader.py (pid $parent) $(not_ended "$parent")"
    else
      stuck=$(describe_stuck "$parent")
    fi
    echo "$stuck" >&2
    kill -9 "$parent"
  fi
  finish_reaped parent
  [ -z "$stuck" ] || status="$status (stopped by the grader: stuck)"
}

ended_or_stuck() {
  proc_gone "$1" || spinning "$1" || { no_live_children "$1" && taken_and_waiting "$1"; }
}

# What the kernel shows about a stuck parent: the pipe it reads, its child,
# and who holds that pipe's write end (the parent itself, or a process its
# child left behind).
describe_stuck() {
  local pid=$1 call fd pipe ends others child
  call=$(proc_syscall "$pid")
  fd=${call#read }
  pipe=$(fd_target "$pid" "$fd")
  ends=$(write_ends_of "$pid" "$fd" | tr '\n' ' ')
  others=$(holders "$pipe" w | grep -v "^pid $pid:")
  child="its child has exited"
  no_live_children "$pid" || child="its child (pid $(proc_children "$pid" | xargs)) still runs"
  echo "parent_reader.py (pid $pid) is asleep in read() on $pipe (fd $fd) and $child;"
  if [ -n "$ends" ]; then
    echo "the parent itself holds that pipe's write end (fd ${ends% }), so EOF never comes."
  elif [ -n "$others" ]; then
    echo "that pipe's write end is still open in:"
    sed 's/^/  /' <<<"$others"
    echo "so EOF never comes."
  else
    echo "EOF never comes."
  fi
}

@test "prints every frame the child writes" {
  run_parent 3
  show_run
  expect_equal "what it printed" "frame 1: 24 bytes: message 1 from the child
frame 2: 24 bytes: message 2 from the child
frame 3: 24 bytes: message 3 from the child" "$output"
}

# reached_eof: its last line says how many frames it read, which it can only
# say once read() has returned 0 (a program that does nothing says nothing).
reached_eof() {
  expect_match "its report on stderr once read() returned 0 (EOF)" \
    "read [0-9]+ frames?; child exited" "$stderr"
}

@test "sees EOF once the child has exited (not left asleep in read)" {
  run_parent 3
  show_run
  [ -z "$stuck" ] || fail "$stuck"
  reached_eof
}

@test "sees EOF at once when the child writes nothing" {
  run_parent 0
  show_run
  [ -z "$stuck" ] || fail "$stuck"
  reached_eof
  expect_equal "what it printed" "" "$output"
}

@test "reaps the child and ends with status 0" {
  run_parent 2
  show_run
  [ -z "$stuck" ] || fail "$stuck"
  expect_equal "its message on stderr" \
    "parent_reader.py: read 2 frames; child exited with status 0" "$stderr"
  expect_equal "its exit status" 0 "$status"
  # Reaped by the parent, not left a zombie for the grader to reap once
  # the parent had ended (the grader's reaper is a subreaper: see bg_reaper).
  expect_equal "the children it never waited for (the grader reaped them)" "" "$ADOPTED"
}
