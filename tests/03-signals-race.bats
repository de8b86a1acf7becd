#!/usr/bin/env bats
# Lesson 03: the pause() race, forced in step mode (the trace holds the
# program between its test of the flag and pause()), and its fix
# (sigsuspend in C, sigwait in Python); and when a handler runs: at once in
# C, only once the C call returns in Python (late).

load helpers/common
load helpers/signals
bats_require_minimum_version 1.5.0

# stepped NAME CMD...: CMD in step mode: its step descriptor 7 is the FIFO
# $T/step, which we hold as $GO (one byte: one traced call goes through);
# its trace goes to $T/NAME.trace.
stepped() {
  local __name=$1
  shift
  mkfifo -m 600 "$T/step"
  exec {GO}<>"$T/step"
  bg "$__name" env IPCLAB_STEP_FD=7 IPCLAB_TRACE_FD=8 "$@" 7<"$T/step" 8>>"$T/$__name.trace" {GO}>&-
}

@test "a SIGUSR1 that comes between the test of the flag and pause() is missed: pause() then sleeps with nothing pending, C and Python" {
  local p
  for p in "$(c pause_race)" "$(py pause_race)"; do
    stepped pr $p
    wait_for blocked_reading_fd "$pr" 7     # held before pause(): the flag was 0
    grep -q 'ev=before op=pause .*step=wait' "$T/pr.trace"
    kill -USR1 "$pr"
    wait_for nothing_pending "$pr"          # taken: the handler set the flag
    wait_for blocked_reading_fd "$pr" 7     # and it still waits before pause()
    printf x >&"$GO"
    wait_for blocked_in_pause "$pr"
    assert nothing_pending "$pr"            # no signal left to wake it
    assert_equal "$(<"$T/pr.out")" "pause_race $pr: waiting for SIGUSR1"
    kill -KILL "$pr"
    finished "$pr"
    exec {GO}>&-
    rm "$T/step" "$T/pr.trace"
  done
}

@test "with --fix SIGUSR1 sent in that window stays pending (blocked) and sigsuspend (C) or sigwait (Python) takes it at once" {
  local p
  for p in "$(c pause_race) --fix" "$(py pause_race) --fix"; do
    stepped pr $p
    wait_for blocked_reading_fd "$pr" 7
    kill -USR1 "$pr"
    wait_for sig_in "$pr" ShdPnd "$SIGUSR1"   # pending: blocked, not lost
    assert sig_in "$pr" SigBlk "$SIGUSR1"
    exec {GO}>&-                              # go, and run freely from now on
    finished "$pr"
    assert_equal "$status" 0
    assert_equal "$(<"$T/pr.out")" "pause_race $pr: waiting for SIGUSR1
pause_race $pr: got SIGUSR1"
    rm "$T/step" "$T/pr.trace"
  done
}

@test "untraced, pause_race ends on its SIGUSR1 with status 0, with and without --fix, C and Python" {
  local p
  for p in "$(c pause_race)" "$(py pause_race)" "$(c pause_race) --fix" "$(py pause_race) --fix"; do
    rm -f "$T/pr.out"               # not the last run's words
    bg pr $p
    wait_for grep -q waiting "$T/pr.out"
    # (blocked, SIGUSR1 waits for sigsuspend or sigwait; else we send it
    # only once pause() sleeps: no window left)
    [[ $p == *--fix* ]] || wait_for blocked_in_pause "$pr"
    kill -USR1 "$pr"
    finished "$pr"
    assert_equal "$status" 0
    assert_equal "$(sed -n 2p "$T/pr.out")" "pause_race $pr: got SIGUSR1"
  done
}

# late PROG: late waiting in sigwait for SIGUSR2; SIGUSR1 sent (flood,
# traced) and taken; then SIGUSR2 sent (traced). $before: what it had
# printed once SIGUSR1 was taken; $t1, $t2: the trace times of the two
# sends; $th: the handler's time (its trace note).
late_run() {
  bg lt env IPCLAB_TRACE_FD=8 "$@" 8>>"$T/lt.trace"
  wait_for blocked_in_sigwait "$lt"
  IPCLAB_TRACE_FD=5 $(c flood) -n 1 --signal SIGUSR1 "$lt" 5>"$T/f1.trace" >/dev/null
  wait_for nothing_pending "$lt"        # taken by the kernel: a handler ran
  wait_for blocked_in_sigwait "$lt"     # and sigwait waits again
  before=$(cat "$T/lt.out")
  IPCLAB_TRACE_FD=5 $(c flood) -n 1 --signal SIGUSR2 "$lt" 5>"$T/f2.trace" >/dev/null
  finished "$lt"
  t1=$(sed -n '1s/.* t=\([0-9]*\) .*/\1/p' "$T/f1.trace")
  t2=$(sed -n '1s/.* t=\([0-9]*\) .*/\1/p' "$T/f2.trace")
  th=$(sed -n 's/.* ev=note sig=SIGUSR1 text=handler%20ran%20at%20t=\([0-9]*\)$/\1/p' "$T/lt.trace")
  rm "$T/lt.trace" "$T/f1.trace" "$T/f2.trace"
}

@test "C runs SIGUSR1's handler at once, inside sigwait; Python only once sigwait (a C call) has returned: its handler's time is after SIGUSR2 was sent" {
  late_run $(c late)
  assert_equal "$status" 0
  assert_equal "$before" "late $lt: in sigwait for SIGUSR2; send SIGUSR1 first
late $lt: SIGUSR1's handler runs"
  [ "$t1" -le "$th" ] && [ "$th" -lt "$t2" ]      # between the two sends
  assert_regex "$(sed -n 3p "$T/lt.out")" "^late $lt: sigwait returned SIGUSR2 at t=[0-9]+; SIGUSR1's handler had run$"

  late_run $(py late)
  assert_equal "$status" 0
  assert_equal "$before" "late $lt: in sigwait for SIGUSR2; send SIGUSR1 first"
  [ "$th" -gt "$t2" ]                             # after SIGUSR2 was sent
  assert_equal "$(sed -n 2p "$T/lt.out")" "late $lt: SIGUSR1's handler runs"
  assert_regex "$(sed -n 3p "$T/lt.out")" "^late $lt: sigwait returned SIGUSR2 at t=[0-9]+; SIGUSR1's handler had run$"
}
