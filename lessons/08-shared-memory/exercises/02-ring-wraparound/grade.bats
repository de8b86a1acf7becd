#!/usr/bin/env bats
# Grading test of exercise 08-shared-memory/02-ring-wraparound (README.md
# says what is checked). Grades $EXERCISE_DIR/ring_consumer.py: this folder
# by default.
#   bats lessons/08-shared-memory/exercises/02-ring-wraparound/grade.bats
#
# The kit's C producer (build/bin/shm_ring_producer: run make first) makes
# the ring and fills it; the learner's consumer empties it. What the ring's
# header and semaphores hold is read from the kernel afterwards.

load ../../../../tests/helpers/grading

setup() {
  common_setup
  RING=/ipclab-$IPCLAB_TESTID-ring
  EMPTY=/ipclab-$IPCLAB_TESTID-empty FULL=/ipclab-$IPCLAB_TESTID-full
  prod=""
}

teardown() {
  local err=0
  # A producer still waiting for free slots is the consumer's fault, judged
  # by the check itself: stop it here.
  [ -z "$prod" ] || stop "$prod"
  assert_nothing_left || err=1
  rm -f "/dev/shm/${RING#/}" "/dev/shm/sem.${EMPTY#/}" "/dev/shm/sem.${FULL#/}"
  return "$err"
}

in_sem_wait() { blocked_in_sem_wait "$1"; }   # helpers/kernel.bash: the futex call
blocked_or_gone() { proc_gone "$1" || in_sem_wait "$1" || spinning "$1"; }

# The consumer has ended, or sleeps in sem_wait while the producer is gone
# or asleep too, twice in a row with neither woken in between (their
# voluntary context switches unchanged): then nothing will ever wake it.
# One look is not enough: the consumer can be woken between the look at it
# and the look at the producer, which then falls asleep on a full ring.
switches() { grep -h voluntary_ctxt_switches "/proc/$1/status" "/proc/$prod/status" 2>/dev/null | xargs; }
asleep_both() { in_sem_wait "$1" && blocked_or_gone "$prod"; }
ended_or_stuck() {
  proc_gone "$1" || spinning "$1" && return 0
  asleep_both "$1" || { last_look=; return 1; }
  local now
  now=$(switches "$1")
  [ "$now" = "${last_look:-}" ] && asleep_both "$1" && return 0
  last_look=$now
  return 1
}

# producer SLOTS COUNT: the kit's producer makes a ring of SLOTS slots and
# sends COUNT records; returns once it has sent them all or sleeps on a
# full ring. Its pid is in $prod.
producer() {
  [ -x "$BIN/shm_ring_producer" ] || fail "build the kit first (make): $BIN/shm_ring_producer is missing"
  "$BIN/shm_ring_producer" --create --slots "$1" -n "$2" "$RING" "$EMPTY" "$FULL" \
    >/dev/null 2>"$T/producer.err" </dev/null 3>&- &
  prod=$!
  wait_for blocked_or_gone "$prod"
}

# consume COUNT: run the learner's consumer; status, output, stderr set.
# A consumer stuck for good is stopped and the check fails, saying so.
consume() {
  local prog pid
  exercise_file prog ring_consumer.py
  "$PYTHON" "$prog" -n "$1" "$RING" "$EMPTY" "$FULL" >"$T/consumer.out" \
    2>"$T/consumer.err" </dev/null 3>&- &
  pid=$!
  last_look=
  wait_settled 30 "$pid" ended_or_stuck "$pid" || true
  if ! proc_gone "$pid" && ! spinning "$pid"; then    # (finish says a spin)
    stop "$pid"
    status="killed by the grader" output=$(capped "$T/consumer.out") stderr=$(capped "$T/consumer.err")
    show_run
    fail "the consumer sleeps in sem_wait for ever: the producer is $(proc_gone "$prod" &&
      echo gone || echo asleep too), nothing will wake it. Does every slot taken get posted back?"
  fi
  finish "$pid" consumer
  show_run
}

records() { for i in $(seq "$1"); do echo "record $i from C"; done; }

# The ring's header, each number named, and the semaphores' values.
ring_fields() {
  od -An -t u4 -j 16 -N 16 "/dev/shm/${RING#/}" |
    awk '{ printf "slots %s, slot size %s, head %s, tail %s\n", $1, $2, $3, $4 }'
}
sem_values() {
  "$PYTHON" -c 'import sys; sys.path.insert(0, sys.argv[1]); from ipclab import posix
def value(name):
    s = posix.sem_open(name); v = posix.sem_getvalue(s); posix.sem_close(s); return v
print(f"EMPTY {value(sys.argv[2])}, FULL {value(sys.argv[3])}")' "$ROOT/python_peers" "$EMPTY" "$FULL"
}

@test "takes 3 records from a ring of 4 slots, in order" {
  producer 4 3
  consume 3
  expect_equal "the records it printed" "$(records 3)" "$output"
  expect_equal "its exit status" 0 "$status"
}

@test "takes 10 records through a ring of 4 slots, in order: after the last slot comes slot 0" {
  producer 4 10
  consume 10
  expect_equal "the records it printed" "$(records 10)" "$output"
  expect_equal "its exit status" 0 "$status"
  wait_for proc_gone "$prod"
  # Every slot given back, none waiting.
  expect_equal "the semaphores after the run (EMPTY: free slots, FULL: records waiting)" \
    "EMPTY 4, FULL 0" "$(sem_values)"
}

@test "leaves tail inside the ring: after 4 records from 4 slots it is back at slot 0" {
  producer 4 4
  consume 4
  expect_equal "the records it printed" "$(records 4)" "$output"
  expect_equal "its exit status" 0 "$status"
  # Head 0: the producer wrapped round. Tail must too.
  expect_equal "the ring's header after the run" \
    "slots 4, slot size 36, head 0, tail 0" "$(ring_fields)"
}

@test "a ring of a single slot: every record passes through slot 0" {
  producer 1 3
  consume 3
  expect_equal "the records it printed" "$(records 3)" "$output"
  expect_equal "its exit status" 0 "$status"
  expect_equal "the ring's header after the run" \
    "slots 1, slot size 36, head 0, tail 0" "$(ring_fields)"
}
