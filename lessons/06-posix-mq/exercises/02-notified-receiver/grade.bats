#!/usr/bin/env bats
# Grading test of exercise 06-posix-mq/02-notified-receiver (README.md
# says what is checked). Grades $EXERCISE_DIR/notified_receiver.py: this
# folder by default.
#   bats lessons/06-posix-mq/exercises/02-notified-receiver/grade.bats
#
# The grader makes the queue (named after the check) and sends with the
# kit's mq_sender, each time the program has said it waits for a
# notification and the kernel shows it asleep in sigwaitinfo
# (rt_sigtimedwait). Each classic bug is forced, never left to chance:
#  - two messages sent while the program is stopped (SIGSTOP) after its
#    notification fired and before it takes anything: one notification
#    for two messages;
#  - a message sent at the worst moment: the program runs under a few
#    lines of Python that wrap ipclab.posix's mq_receive and mq_notify,
#    and once it has taken a message, hold it (reading a FIFO of the
#    grader's) at the first of: its mq_receive finding the queue empty
#    (EAGAIN), or its next mq_notify. The grader sends there, then lets
#    it go on. A program that registered first is notified; one that
#    registers after taking finds the message queued and is never told.
# A program stuck for good (asleep in sigwaitinfo, nothing pending, nothing
# more to come; or in mq_receive) is said so, with the queue's level
# (mq_getattr, opened read-only: it takes nothing), and stopped.

load ../../../../tests/helpers/grading
load ../../../../tests/helpers/pmq
bats_require_minimum_version 1.5.0

# The queue the grader made goes whatever the check found (the program
# never makes one: any other queue of the check's is still reported).
teardown() { mq_rm "$Q"; pmq_teardown; }

# mk_queue: the check's queue, empty, 0600, the kernel's default sizes.
mk_queue() {
  "$PYTHON" -c 'import os, sys
from ipclab import posix
posix.mq_close(posix.mq_open(sys.argv[1], os.O_CREAT | os.O_EXCL | os.O_RDONLY, 0o600))' "$Q" ||
    fail "the grader could not make the queue $Q"
}

# send MSG...: the kit's mq_sender sends them, one mq_send each.
send() {
  run --separate-stderr "$BIN/mq_sender" "$Q" "$@"
  [ "$status" -eq 0 ] || fail "the kit's mq_sender could not send to $Q: $stderr"
}

# HOOKED GATE FILE ARGS...: run FILE as __main__ with ipclab.posix's
# mq_receive and mq_notify wrapped: once a message has been taken, the
# first mq_receive that fails with EAGAIN (after the call) or the first
# mq_notify that registers (before the call) writes what it was to
# GATE.held and reads a byte from the FIFO GATE: the grader's cue.
HOOKED='import errno, os, runpy, sys
from ipclab import posix
path = sys.argv[1]
gate = os.open(path, os.O_RDWR | os.O_CLOEXEC)
state = {"taken": False, "held": False}
real_receive, real_notify = posix.mq_receive, posix.mq_notify
def hold(where):
    if state["taken"] and not state["held"]:
        state["held"] = True
        with open(path + ".tmp", "w") as f:
            f.write(where + "\n")
        os.rename(path + ".tmp", path + ".held")
        os.read(gate, 1)
def mq_receive(*args, **kwargs):
    try:
        got = real_receive(*args, **kwargs)
    except OSError as e:
        if e.errno == errno.EAGAIN:
            hold("EAGAIN")
        raise
    state["taken"] = True
    return got
def mq_notify(q, notify, *args, **kwargs):
    if notify is not None:
        hold("mq_notify")
    return real_notify(q, notify, *args, **kwargs)
posix.mq_receive, posix.mq_notify = mq_receive, mq_notify
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")'

# start [--hooked] COUNT: notified_receiver.py $Q COUNT in the background,
# marked as graded, until its readiness line ("registered: ...") or its end.
start() {
  local file hook=()
  exercise_file file notified_receiver.py
  if [ "$1" = --hooked ]; then
    shift
    mkfifo "$T/gate"
    hook=(-c "$HOOKED" "$T/gate")
  fi
  bg rx env IPCLAB_GRADED="$IPCLAB_TESTID" "$PYTHON" "${hook[@]}" "$file" "$Q" "$1"
  wait_for registered_or_gone "$rx" "$T/rx.out"
  if ! grep -q '^registered: ' "$T/rx.out"; then
    finish "$rx" rx
    show_run
    fail "it ended without its readiness line 'registered: mq_notify SIGEV_SIGNAL SIGUSR2'"
  fi
}

level() { mq_attr "$Q" | cut -d' ' -f3; }

# waiting K: the program said it waits for notification K and sleeps in
# sigwaitinfo (rt_sigtimedwait); or it has ended, or is stuck elsewhere.
waiting_line() { grep -qx "empty (EAGAIN): waiting for notification $1" "$T/rx.out"; }
waiting_or_gone() { proc_gone "$2" || spinning "$2" || { waiting_line "$1" && held "$2"; }; }
waiting() {
  wait_settled 20 "$rx" waiting_or_gone "$1" "$rx" || true
  waiting_line "$1" && held "$rx" && return 0
  stuck_fail "it never said 'empty (EAGAIN): waiting for notification $1' and slept in sigwaitinfo"
}

# stuck RX: asleep for good, with every message sent: in sigwaitinfo with
# no SIGUSR2 pending (no notification will come), or in mq_receive.
stuck() { { held "$1" && ! usr2_pending "$1"; } || asleep_in "$1" mq_timedreceive; }
ended_or_stuck() { proc_gone "$1" || spinning "$1" || stuck "$1"; }

# explain_run (show_run calls it): mq_notify's EBUSY, in words. The queue
# has a registration already: in this exercise, nearly always the
# program's own, made again before the last one fired.
explain_run() {
  [[ $stderr == *mq_notify*"Device or resource busy"* ]] || return 0
  echo "mq_notify failed with EBUSY: the queue already had a registration. One lasts until it" \
       "fires (or mq_notify(q, None) ends it), and a second is refused, even from the same" \
       "process: register once before waiting, then once after each notification, never twice."
}

# stuck_fail WORDS: stop the program, show what it said, fail with WORDS
# and the kernel's view.
stuck_fail() {
  local where="" n
  n=$(level)
  proc_gone "$rx" || where=" (the kernel shows it asleep in $(proc_syscall "$rx" | cut -d" " -f1), state $(proc_state "$rx"); $n $(plural_of "$n" message messages) queued, mq_getattr; a SIGUSR2 pending: $(usr2_pending "$rx" && echo yes || echo no))"
  stop "$rx"
  kill_left_running
  output=$(capped "$T/rx.out") stderr=$(capped "$T/rx.err") status=killed
  show_run
  fail "$1$where"
}
plural_of() { [ "$1" = 1 ] && echo "$2" || echo "$3"; }

# over WORDS: wait for the end; a program stuck for good fails with WORDS.
over() {
  wait_settled 20 "$rx" ended_or_stuck "$rx" || true
  proc_gone "$rx" || stuck_fail "$1"
  finish "$rx" rx
}

@test "takes a message queued before it started, then one sent once it waits: 'notified 1', each message with its priority; status 0" {
  mk_queue
  send 0:early
  start 2
  waiting 1
  send 3:first
  over "message 'first' came to the empty queue while it waited for notification 1, and it was not taken"
  show_run
  expect_equal "what it printed on stdout" "registered: mq_notify SIGEV_SIGNAL SIGUSR2
message 1: priority 0, 5 bytes: early
empty (EAGAIN): waiting for notification 1
notified 1: SIGUSR2, si_code SI_MESGQ
message 2: priority 3, 5 bytes: first" "$output"
  expect_equal "its exit status" 0 "$status"
}

@test "takes every message a notification stands for: two sent while it is stopped before it takes any are both taken after 'notified 1', highest priority first" {
  mk_queue
  start 2
  waiting 1
  kill -STOP "$rx"
  wait_for eval "[ \"\$(proc_state $rx)\" = T ]"
  send 1:first 2:second           # the first fires the notification, the second nothing
  usr2_pending "$rx" || { kill -CONT "$rx"; stuck_fail "the grader's first message fired no notification: no SIGUSR2 pending after it came (was it registered?)"; }
  kill -CONT "$rx"
  over "two messages came while it was stopped (SIGSTOP) before taking anything; one notification stands for both, and it took fewer than both: it waits for another notification that will never come, for a queue that is not empty (a registration fires only when a message comes to an EMPTY queue). Take every message, until mq_receive says EAGAIN"
  show_run
  expect_equal "what it printed on stdout" "registered: mq_notify SIGEV_SIGNAL SIGUSR2
empty (EAGAIN): waiting for notification 1
notified 1: SIGUSR2, si_code SI_MESGQ
message 1: priority 2, 6 bytes: second
message 2: priority 1, 5 bytes: first" "$output"
  expect_equal "its exit status" 0 "$status"
}

@test "registers again before it takes: a message sent right after it has taken one (held where it finds the queue empty, or at its next mq_notify) is notified, not missed" {
  local at="" registered
  mk_queue
  start --hooked 2
  waiting 1
  send 1:first
  # Held by the hook, or (a program that neither looks for EAGAIN nor
  # registers after taking) waiting for notification 2.
  wait_settled 20 "$rx" eval "[ -s '$T/gate.held' ] || proc_gone $rx || spinning $rx || { waiting_line 2 && held $rx; }" || true
  if [ -s "$T/gate.held" ]; then
    at=$(<"$T/gate.held")
    wait_for eval "asleep_in $rx read || proc_gone $rx"
  fi
  send 2:second
  usr2_pending "$rx" && registered=yes || registered=no
  # The cue: it goes on if held, or passes a hold that comes later (a
  # program that registers only after its next notification) at once.
  echo go >"$T/gate"
  local when
  case $at in
    EAGAIN) when="right after its mq_receive found the queue empty (EAGAIN), having taken message 1" ;;
    mq_notify) when="right after it had taken message 1, before its next mq_notify" ;;
    *) when="once it had taken message 1 and waited for notification 2" ;;
  esac
  local why="message 'second' came $when; it was $( [ "$registered" = yes ] && echo "registered then" || echo "not registered then: the registration had gone when it fired, and no notification came (no SIGUSR2 pending)"). It was never taken: it waits in the queue while the program waits for a notification"
  [ "$registered" = yes ] || why+=". Registered after taking, on a queue no longer empty, a registration fires nothing: register again FIRST, then take until EAGAIN"
  over "$why"
  show_run
  expect_equal "what it printed on stdout" "registered: mq_notify SIGEV_SIGNAL SIGUSR2
empty (EAGAIN): waiting for notification 1
notified 1: SIGUSR2, si_code SI_MESGQ
message 1: priority 1, 5 bytes: first
empty (EAGAIN): waiting for notification 2
notified 2: SIGUSR2, si_code SI_MESGQ
message 2: priority 2, 6 bytes: second" "$output"
  expect_equal "its exit status" 0 "$status"
}
