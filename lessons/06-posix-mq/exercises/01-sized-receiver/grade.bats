#!/usr/bin/env bats
# Grading test of exercise 06-posix-mq/01-sized-receiver (README.md says
# what is checked). Grades $EXERCISE_DIR/sized_receiver.c: this folder by
# default.
#   bats lessons/06-posix-mq/exercises/01-sized-receiver/grade.bats
#
# The kit's mq_sender makes the queue (named after the check) and fills
# it; sized_receiver takes what is there. A queue of messages larger than
# 8192 bytes is over /proc/sys/fs/mqueue/msgsize_max for a process without
# CAP_SYS_RESOURCE (root here too): that check runs in a private IPC
# namespace of a user namespace of its own (unshare --user --map-root-user
# --ipc, which any user may make where the system allows it), where the
# limit is the namespace's to raise, and the queue goes with the namespace.
# No sleep: a receiver that sleeps in mq_receive on a queue it has emptied
# waits for good (nobody sends any more), and is stopped.

load ../../../../tests/helpers/grading
load ../../../../tests/helpers/pmq
bats_require_minimum_version 1.5.0

setup_file() { compile_c sized_receiver.c; }
# The queue the grader made goes whatever the check found (the program
# never makes one: any other queue of the check's is still reported).
teardown() { mq_rm "$Q"; pmq_teardown; }

BIG=100000          # the big queue's mq_msgsize: over 8192, over 65536

# summary: each line of stdin as it is, one over 120 characters as its
# first 60, its length and its last 20 (a 90000-byte message on one line
# is compared whole, and shown so a learner can read the difference).
summary() {
  awk '{ if (length($0) > 120) print substr($0, 1, 60) "...(" length($0) " characters in all)..." substr($0, length($0) - 19); else print }'
}

# stuck_receiving PID: asleep in mq_receive (the mq_timedreceive system
# call) on a queue it has taken everything from: nobody sends any more.
stuck_receiving() { asleep_in "$1" mq_timedreceive; }
ended_or_stuck() { proc_gone "$1" || spinning "$1" || stuck_receiving "$1"; }

# judge PID NAME: wait until the learner's program PID (not our child when
# it runs in a namespace) ends or is stuck for good; a stuck one is killed
# and the check fails saying where it slept and what it printed.
judge() {
  wait_settled 30 "$1" ended_or_stuck "$1" || true
  if ! proc_gone "$1"; then
    local why
    if stuck_receiving "$1"; then
      why="it sleeps in mq_receive (mq_timedreceive) on the queue it has emptied: nobody sends any more. It was asked for exactly the messages that were queued"
    else
      why="it $(not_ended "$1")"
    fi
    kill -9 "$1" 2>/dev/null || true
    wait_for proc_gone "$1" || true
    kill_left_running
    output=$(capped "$T/$2.out") stderr=$(capped "$T/$2.err") status=killed
    show_run
    fail "$why"
  fi
}

# emsgsize_words SIZE: what to add when the program failed with EMSGSIZE.
emsgsize_words() {
  [[ $stderr == *"Message too long"* ]] || return 0
  echo "mq_receive failed with EMSGSIZE (Message too long): the buffer it was given is smaller than the queue's mq_msgsize ($1 bytes). The kernel checks the buffer, not the message: size it from mq_getattr, allocate mq_msgsize bytes and pass that number (sizeof of a malloc'd pointer is 8, the pointer's size)"
}

@test "sized_receiver.c compiles with the kit's flags" {
  assert_compiled
}

@test "takes 4 messages from a queue of the kernel's default size (8192 bytes): highest priority first, each printed whole with its priority; status 0, the queue empty after" {
  local exe long expected
  need_exe exe
  long="long-$(printf '%*s' 4991 '' | tr ' ' x)-end"     # 5000 bytes
  run --separate-stderr "$BIN/mq_sender" --create --keep "$Q" 3:urgent hello "1:$long" 2:café
  [ "$status" -eq 0 ] || fail "the kit's mq_sender could not make and fill $Q: $stderr"
  bg yours env IPCLAB_GRADED="$IPCLAB_TESTID" "$exe" "$Q" 4
  judge "$yours" yours
  finish "$yours" yours
  local level
  level=$(mq_attr "$Q" | cut -d' ' -f3)
  show_run
  expected="message 1: priority 3, 6 bytes: urgent
message 2: priority 2, 5 bytes: caf..
message 3: priority 1, 5000 bytes: $long
message 4: priority 0, 5 bytes: hello"
  local words
  words=$(emsgsize_words 8192)
  [ -z "$words" ] || fail "$words"
  expect_equal "what it printed on stdout (a line over 120 characters shortened here, compared whole)" \
    "$(summary <<<"$expected")" "$(summary <<<"$output")"
  expect_equal "its exit status" 0 "$status"
  expect_equal "the messages left in the queue after it ended (mq_getattr's mq_curmsgs)" 0 "$level"
}

# In a user namespace of our own with a private IPC namespace: raise
# msgsize_max, make a queue of $BIG-byte messages with the kit's sender,
# run the learner's program (its pid in $T/yours.pid, its status in
# $T/yours.status), then say how many messages are left. The queue and
# the namespace go when this script ends.
IN_NS='
echo "$BIG" >/proc/sys/fs/mqueue/msgsize_max || exit 90
"$BIN/mq_sender" --create --keep --maxmsg 2 --msgsize "$BIG" "$Q" "4:$MSG" 0:short \
  >"$T/send.out" 2>&1 || exit 91
env IPCLAB_GRADED="$IPCLAB_TESTID" "$EXE" "$Q" 2 >"$T/yours.out" 2>"$T/yours.err" </dev/null &
echo $! >"$T/yours.pid.tmp" && mv "$T/yours.pid.tmp" "$T/yours.pid"
st=0; wait $! || st=$?
echo "$st" >"$T/yours.status"
"$PYTHON" -c "import os, sys
from ipclab import posix
q = posix.mq_open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
print(posix.mq_getattr(q).curmsgs)" "$Q" >"$T/level"
'

@test "sizes its buffer from mq_getattr, not from a guess: a queue of 100000-byte messages (over msgsize_max, raised in a private IPC namespace) gives a 90000-byte message and a short one, each whole; status 0" {
  local exe msg expected
  need_exe exe
  msg="big-$(printf '%*s' 89992 '' | tr ' ' y)-end"      # 90000 bytes
  bg ns env BIG="$BIG" BIN="$BIN" Q="$Q" MSG="$msg" EXE="$exe" T="$T" PYTHON="$PYTHON" \
    unshare --user --map-root-user --ipc sh -c "$IN_NS"
  wait_for eval "test -s '$T/yours.pid' || proc_gone $ns"
  if [ ! -s "$T/yours.pid" ]; then
    reaped "$ns"
    case $status in
      90) fail "the grader could not raise /proc/sys/fs/mqueue/msgsize_max in its private IPC namespace: $(cat "$T/ns.err")" ;;
      91) fail "the kit's mq_sender could not make a queue of $BIG-byte messages in the private IPC namespace: $(cat "$T/send.out")" ;;
      *) fail "this system refuses a user namespace with a private IPC namespace (unshare --user --map-root-user --ipc: $(cat "$T/ns.err")): a queue of messages over 8192 bytes cannot be made here, so this check cannot run (README.md, Grading)" ;;
    esac
  fi
  local pid
  pid=$(<"$T/yours.pid")
  judge "$pid" yours
  reaped "$ns"
  status=$(cat "$T/yours.status" 2>/dev/null || echo unknown)
  output=$(capped "$T/yours.out") stderr=$(capped "$T/yours.err")
  show_run
  local words
  words=$(emsgsize_words "$BIG")
  [ -z "$words" ] || fail "$words (a buffer of any fixed size, 8192 or 1024, is too small here: the queue's maker chose $BIG-byte messages; only mq_getattr knows)"
  expected="message 1: priority 4, 90000 bytes: $msg
message 2: priority 0, 5 bytes: short"
  expect_equal "what it printed on stdout (a line over 120 characters shortened here, compared whole)" \
    "$(summary <<<"$expected")" "$(summary <<<"$output")"
  expect_equal "its exit status" 0 "$status"
  expect_equal "the messages left in the queue after it ended (mq_getattr's mq_curmsgs)" 0 "$(cat "$T/level" 2>/dev/null)"
}
