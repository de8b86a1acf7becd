#!/usr/bin/env bats
# Grading test of exercise 08-shared-memory/01-counter-lock (README.md says
# what is checked). Grades $EXERCISE_DIR/locked_counter.c: this folder by
# default.
#   bats lessons/08-shared-memory/exercises/01-counter-lock/grade.bats
#
# The learner's counter runs beside the kit's Python shm_counter.py, both
# in step mode (tests/helpers/stepper.py): the grader forces the order
# "C load, Python load, C store, Python store" that loses an update without
# the semaphore, and reads from the kernel where each side sleeps.

load ../../../../tests/helpers/grading

setup_file() { compile_c locked_counter.c; }

setup() {
  common_setup
  SEG=/ipclab-$IPCLAB_TESTID-counter SEM=/ipclab-$IPCLAB_TESTID-lock
  PEER="$PYTHON $ROOT/python_peers/08-shared-memory/shm_counter.py"
  # The kit makes the segment (counter 0) and the semaphore (1: free).
  $PEER --create --sem "$SEM" -n 0 "$SEG" >/dev/null
}

teardown() {
  local err=0
  assert_nothing_left || err=1
  rm -f "/dev/shm/${SEG#/}" "/dev/shm/sem.${SEM#/}"
  return "$err"
}

counter() { od -An -t u8 -j 16 -N 8 "/dev/shm/${SEG#/}" | tr -d ' '; }
sem_value() {
  "$PYTHON" -c 'import sys; sys.path.insert(0, sys.argv[2]); from ipclab import posix
s = posix.sem_open(sys.argv[1]); print(posix.sem_getvalue(s)); posix.sem_close(s)' \
    "$SEM" "$ROOT/python_peers"
}

# steps N ACTIONS...: the learner's program (c) and the kit's (py), N
# increments each, stepped through ACTIONS; the transcript is in $output.
# The learner's program starts at the action start:c: whatever it does
# before its first traced call (a sem_wait it does not trace) happens then,
# not before the kit's program has taken its steps.
steps() {
  local exe n=$1
  need_exe exe
  shift
  # Both asleep on the semaphore for good: the stepper says so at once;
  # the timeout is the last resort.
  run_graded "$PYTHON" "$ROOT/tests/helpers/stepper.py" --timeout 15 \
    --later "c=$exe -n $n --sem $SEM $SEG" "py=$PEER -n $n --sem $SEM $SEG" -- "$@"
  echo "$output" | sed 's/^/  /' >&2
}

@test "locked_counter.c compiles with the kit's flags" {
  assert_compiled
}

# Alone, nothing can wake it from a wait on the semaphore: asleep there
# (sem_wait is a futex wait) is stuck for good.
asleep_on_semaphore() { [[ $(proc_syscall "$1") == futex* ]]; }

@test "alone, it adds COUNT and leaves the semaphore free" {
  local exe
  need_exe exe
  STUCK=asleep_on_semaphore STUCK_WHY="is asleep in sem_wait (a futex wait) \
while it runs alone: nobody else can post the semaphore, so it took it and \
never gave it back (a sem_post after each store?)" \
    run_graded "$exe" -n 1000 --sem "$SEM" "$SEG"
  echo "$output" | sed 's/^/  /' >&2
  expect_equal "its exit status" 0 "$status"
  expect_equal "the counter after -n 1000 (from 0)" 1000 "$(counter)"
  expect_equal "the semaphore's value after the run (1: free, 0: still held)" 1 "$(sem_value)"
}

@test "while it is between its load and its store, Python's increment waits in sem_wait" {
  steps 1 'start:c c>shm_load py>shm_load'
  # The system call, not the wchan: its name differs between kernels.
  expect_line "where Python is once C holds the semaphore (the transcript above)" \
    "^py>shm_load: py blocked in futex( |$)"
  expect_line "how both ended" "^end: c exit 0, py exit 0$"
  expect_equal "the counter after one increment each (from 0)" 2 "$(counter)"
}

@test "while Python is between its load and its store, it waits in sem_wait" {
  steps 1 'py>shm_load start:c c>shm_load'
  expect_line "where C is once Python holds the semaphore (the transcript above)" \
    "^c>shm_load: c blocked in futex( |$)"
  expect_line "how both ended" "^end: c exit 0, py exit 0$"
  expect_equal "the counter after one increment each (from 0)" 2 "$(counter)"
}

@test "forced three times into C load, Python load, C store, Python store: nothing is lost" {
  steps 3 'start:c c>shm_load py>shm_load c>shm_store py>shm_store' \
          'c>shm_load py>shm_load c>shm_store py>shm_store' \
          'c>shm_load py>shm_load c>shm_store py>shm_store'
  expect_equal "the stepper's exit status" 0 "$status"
  expect_line "how both ended" "^end: c exit 0, py exit 0$"
  expect_equal "the counter after three increments each (from 0)" 6 "$(counter)"
  expect_equal "the semaphore's value after the run (1: free, 0: still held)" 1 "$(sem_value)"
}
