#!/usr/bin/env bats
# Grading test of exercise 03-signals/02-retry-eintr (README.md says what
# is checked). Grades $EXERCISE_DIR/read_worker.c: this folder by default.
#   bats lessons/03-signals/exercises/02-retry-eintr/grade.bats

load ../../../../tests/helpers/grading
load ../../../../tests/helpers/signals

setup_file() { compile_c read_worker.c; }

# Its standard input is the FIFO $T/in, which the test holds open
# read-write as $IN: what the test writes there is its work, and closing
# $IN is the end of its input.
setup() {
  common_setup
  open_input
}

# start_worker: read_worker in the background, marked graded; $wk its pid.
# Waits until its SIGUSR1 handler is in place and it sleeps in read().
start_worker() {
  local exe
  need_exe exe
  bg_in wk env IPCLAB_GRADED="$IPCLAB_TESTID" "$exe"
  wait_for eval 'ready_for $wk $SIGUSR1 && blocked_reading_pipe $wk || proc_gone $wk || spinning $wk' || true
  if proc_gone "$wk"; then
    finish "$wk" wk
    show_run
    fail "it ended before any input or signal came"
  elif ! blocked_reading_pipe "$wk"; then
    local why
    why="it never slept in read() of its standard input with a SIGUSR1 handler in place:"
    why+=" $(where "$wk"); SigCgt $(status_field "$wk" SigCgt)"
    stop "$wk"
    fail "$why"
  fi
}

# said TEXT: its output has the line "worker PID: TEXT".
said() { grep -qxF "worker $wk: $1" "$T/wk.out"; }

# back_in_read PID TEXT: it took the signal (nothing pending), sleeps in
# read() again without having said TEXT, and did not run between two
# looks: with SA_RESTART the read() went on, and TEXT waits for input.
back_in_read() {
  local sw
  sw=$(switches "$1") && nothing_pending "$1" && blocked_reading_pipe "$1" && ! said "$2" &&
    blocked_reading_pipe "$1" && [ "$(switches "$1")" = "$sw" ]
}

# notify K [IDLE]: SIGUSR1 while it sleeps in read(); waits until it has
# said "notified by SIGUSR1 (K so far)" and sleeps in read() again, or has
# ended, or went back to read() without a word. IDLE set: no input came
# since SIGUSR1 number K-1 (its read() was retried once already). WHY says
# what went wrong.
notify() {
  local k=$1 text="notified by SIGUSR1 ($1 so far)" idle=${2:-} said_err
  WHY="" TEXT=$text
  kill -USR1 "$wk"
  wait_for eval 'said "$TEXT" && taken_and_waiting $wk || proc_gone $wk || spinning $wk || back_in_read $wk "$TEXT"' || true
  if said "$text" && taken_and_waiting "$wk"; then
    return 0
  elif proc_gone "$wk"; then
    WHY="SIGUSR1 number $k came while it slept in read()"
    [ -z "$idle" ] || WHY+=" again, with no input since SIGUSR1 number $((k - 1))"
    WHY+=", and it ended"
    # What it said before it ended: its own words, not a guess.
    said_err=$(grep -m 1 'Interrupted system call' "$T/wk.err" 2>/dev/null | cut -c1-200)
    if [ -n "$said_err" ]; then
      WHY+=": read() returned -1 with errno EINTR (its stderr: $said_err), which is no error of its input."
    else
      said_err=$(head -n 1 "$T/wk.err" 2>/dev/null | cut -c1-200)
      WHY+=" (its stderr: ${said_err:-nothing})."
    fi
    [ -z "$idle" ] || WHY+=" It read on after the one before: a read() must be retried each time a signal interrupts it, not once."
    WHY+=" Expected it to say '$text' and read on"
  elif spinning "$wk"; then
    WHY="read_worker (pid $wk) $(not_ended "$wk")"
  else
    # The kernel shows these two alike (asleep in read() again, nothing
    # pending, the same call with the same stack): the words name both.
    WHY="SIGUSR1 number $k came while it slept in read(); it took it (nothing pending) and"
    WHY+=" sleeps in read() again without saying '$text': after its handler ran, either the"
    WHY+=" kernel restarted the read() (a handler installed with SA_RESTART) or read()"
    WHY+=" returned -1, EINTR and the loop read again without act(). Either way the notice"
    WHY+=" waits for the next line of input. Expected it to say '$text' before it reads again"
  fi
  return 1
}
TEXT=""

# send LINE: LINE to its input; waits until it took it all and reads again.
send() {
  echo "$1" >&"$IN"
  wait_for taken_or_gone "$wk" || true
}

# give_up: say what it printed, stop it, fail with WHY.
give_up() {
  close_input
  proc_gone "$wk" || stop "$wk"
  finish "$wk" wk || true
  show_run
  fail "$WHY"
}

@test "read_worker.c compiles with the kit's flags" {
  assert_compiled
}

@test "prints each read of its input, then 'end of input' and status 0 when its input ends" {
  start_worker
  send hello
  send "two words"
  close_input
  finish "$wk" wk
  show_run
  expect_equal "what it printed" "worker $wk: got: hello
worker $wk: got: two words
worker $wk: end of input" "$output"
  expect_equal "what it printed on stderr" "" "$stderr"
  expect_equal "its exit status" 0 "$status"
}

@test "a SIGUSR1 while it waits in read(): it says 'notified' at once, without input, and reads on, each time (it does not die of EINTR)" {
  start_worker
  notify 1 || give_up
  # A second one with no input between: its read() is interrupted again.
  notify 2 idle || give_up
  send after
  notify 3 || give_up
  send "and more"
  close_input
  finish "$wk" wk
  show_run
  expect_equal "what it printed (SIGUSR1 twice, a line, SIGUSR1, a line, the end)" \
    "worker $wk: notified by SIGUSR1 (1 so far)
worker $wk: notified by SIGUSR1 (2 so far)
worker $wk: got: after
worker $wk: notified by SIGUSR1 (3 so far)
worker $wk: got: and more
worker $wk: end of input" "$output"
  expect_equal "what it printed on stderr" "" "$stderr"
  expect_equal "its exit status" 0 "$status"
}

# Only EINTR is retried: a read() that fails with any other error still
# ends it. Standard input a folder: each read() fails with EISDIR.
@test "a read() that fails with another error than EINTR still ends it: 'read ...: Is a directory' on stderr, status 1" {
  local exe
  need_exe exe
  ( trap - EXIT ERR DEBUG INT TERM; eval "exec $IN>&-"
    exec env IPCLAB_GRADED="$IPCLAB_TESTID" "$exe" ) \
    >"$T/wk.out" 2>"$T/wk.err" <"$T" 3>&- &
  wk=$!
  wait_for proc_gone_or_spinning "$wk" || true
  if ! proc_gone "$wk"; then
    WHY="with standard input a folder, each read() fails with EISDIR (Is a directory), and it"
    if spinning "$wk"; then
      WHY+=" did not end: it $(not_ended "$wk" | sed 's/:.*//') (read() calls that fail, retried)."
      WHY+=" Only EINTR is to be retried: any other error of read() stays fatal"
    else
      WHY+=" did not end: it is $(where "$wk")"
    fi
    WHY+=". Expected it to say 'read ...: Is a directory' on stderr and end with status 1"
    give_up
  fi
  finish "$wk" wk
  show_run
  expect_match "what it printed on stderr (its error, naming the call)" "read .*: Is a directory" "$stderr"
  expect_equal "what it printed" "" "$output"
  expect_equal "its exit status" 1 "$status"
}

# Its standard output a pipe already full (the test holds both ends): any
# write() it makes sleeps. A SIGUSR1 while it sleeps in read(): the notice
# is the main flow's to write, after read() returned EINTR; written from
# the handler (printf there, exercise 01's mistake), that write() sleeps
# with SIGUSR1 blocked: the handler's own mask, as /proc/PID/status shows.
@test "a SIGUSR1 while its output is full: the notice is written by the main flow, never inside the handler" {
  local exe fill
  need_exe exe
  mkfifo "$T/full"
  exec {fill}<>"$T/full"
  "$PYTHON" -c 'import os, sys
fd = int(sys.argv[1])
os.set_blocking(fd, False)
for size in (4096, 1):              # to the last byte: no room for a notice
    try:
        while True:
            os.write(fd, b"x" * size)
    except BlockingIOError:
        pass' "$fill"
  ( trap - EXIT ERR DEBUG INT TERM; eval "exec $IN>&- $fill>&-"
    exec env IPCLAB_GRADED="$IPCLAB_TESTID" "$exe" ) \
    >"$T/full" 2>"$T/wk.err" <"$T/in" 3>&- &
  wk=$!
  wait_for eval 'ready_for $wk $SIGUSR1 && blocked_reading_pipe $wk || proc_gone $wk || spinning $wk' || true
  blocked_reading_pipe "$wk" || { WHY="it never slept in read() of its input: $(where "$wk")"; exec {fill}>&-; give_up; }
  kill -USR1 "$wk"
  wait_for eval 'blocked_writing_pipe $wk || proc_gone $wk || spinning $wk || back_in_read $wk "notified"' || true
  local blk
  blk=$(status_field "$wk" SigBlk 2>/dev/null) || blk=""
  if blocked_writing_pipe "$wk" && sig_in "$wk" SigBlk "$SIGUSR1"; then
    WHY="after SIGUSR1 it sleeps in write() on its full standard output with SIGUSR1 blocked (SigBlk $blk"
    WHY+=" in /proc/PID/status): the handler's own mask, so that write() is inside the handler. A"
    WHY+=" handler only counts (exercise 01); the main flow says 'notified' once read() returns -1, EINTR"
  elif blocked_writing_pipe "$wk"; then
    stop "$wk"
    exec {fill}>&-
    return 0
  elif proc_gone "$wk"; then
    WHY="after SIGUSR1 it ended instead of writing its notice (with its standard output full,"
    WHY+=" the main flow's write() of it would sleep there)"
  else
    WHY="after SIGUSR1 it did not write its notice (its standard output full, it would sleep in"
    WHY+=" write()): it $(where "$wk")"
  fi
  exec {fill}>&-
  give_up
}
