#!/usr/bin/env bats
# Lesson 03: standard signals coalesce, real-time signals queue (flood and
# count, C and Python both ways), the limit on queued signals
# (RLIMIT_SIGPENDING, SigQ in /proc/PID/status) on both sides of it, the
# trace lines of lesson 03 (docs/trace-protocol.md), and bad input.

load helpers/common
load helpers/signals
bats_require_minimum_version 1.5.0

setup() {
  common_setup
  open_input
}

# start_count NAME COUNT...: count reading our FIFO; waits until the kernel
# shows its signals blocked (SIGUSR1 and SIGRTMIN by default).
start_count() {
  local __name=$1
  shift
  bg_in "$__name" "$@"
  wait_for sig_in "${!__name}" SigBlk "$SIGUSR1"
  wait_for sig_in "${!__name}" SigBlk "$SIGRTMIN"
  wait_for blocked_reading_pipe "${!__name}"
}

@test "1000 SIGUSR1 sent to a process that blocks it arrive as one; 1000 SIGRTMIN sent with sigqueue arrive 1000 times, values 1 to 1000 in order" {
  local cnt fl
  for cnt in "$(c count)" "$(py count)"; do
    for fl in "$(py flood)" "$(c flood)"; do
      start_count ct $cnt
      run $fl -n 1000 "$ct"
      assert_success
      assert_output "flood: sent SIGUSR1 1000 times to $ct with kill"
      assert sig_in "$ct" ShdPnd "$SIGUSR1"
      run $fl -n 1000 --signal SIGRTMIN --queue "$ct"
      assert_success
      assert_output "flood: sent SIGRTMIN 1000 times to $ct with sigqueue, values 1 to 1000"
      assert sig_in "$ct" ShdPnd "$SIGRTMIN"
      # SigQ counts every signal queued for our user: at least these 1001.
      [ "$(status_field "$ct" SigQ | cut -d/ -f1)" -ge 1001 ]
      close_input
      finished "$ct"
      assert_equal "$status" 0
      assert_equal "$(<"$T/ct.out")" "count: SIGUSR1 arrived 1 time
count: SIGRTMIN arrived 1000 times, values 1 to 1000 in order"
      open_input
    done
  done
}

@test "RLIMIT_SIGPENDING 100 (prlimit --sigpending=100): 100 SIGRTMIN queue (SigQ 100/100), the 101st sigqueue fails with EAGAIN, C and Python" {
  local cnt fl uid=$((200000 + RANDOM * 32768 + RANDOM))
  # The limit counts every signal queued for the receiver's user: a user of
  # its own (a random uid with no account; nobody is other tests' user too)
  # keeps this test's count apart from every other process's.
  public_copy "$BIN/count" "$PEERS"
  for cnt in "$PUB/count" "$PYTHON $PUB/python_peers/03-signals/count.py"; do
    for fl in "$(c flood)" "$(py flood)"; do
      start_count ct prlimit --sigpending=100 \
        setpriv --reuid="$uid" --regid="$uid" --clear-groups $cnt
      run $fl -n 100 --signal SIGRTMIN --queue "$ct"
      assert_success
      assert_equal "$(status_field "$ct" SigQ)" 100/100
      run --separate-stderr $fl -n 1 --signal SIGRTMIN --queue "$ct"
      assert_equal "$status" 1
      assert_regex "$stderr" "^flood(\.py)?: sigqueue SIGRTMIN to $ct: Resource temporarily unavailable: the receiver's user has as many signals queued as its RLIMIT_SIGPENDING allows \(sent 0 of 1\)$"
      assert_equal "$(status_field "$ct" SigQ)" 100/100
      close_input
      finished "$ct"
      assert_equal "$status" 0
      assert_equal "$(sed -n 2p "$T/ct.out")" "count: SIGRTMIN arrived 100 times, values 1 to 100 in order"
      open_input
    done
  done
}

@test "the trace names each signal sent and taken: kill and sigqueue with sig, to and value; sigtimedwait with sig, from and value, C and Python alike" {
  local cnt fl
  for cnt in "$(c count)" "$(py count)"; do
    for fl in "$(c flood)" "$(py flood)"; do
      start_count ct env IPCLAB_TRACE_FD=5 $cnt 5>>"$T/ct.trace"
      IPCLAB_TRACE_FD=5 $fl -n 2 --signal SIGRTMIN --queue "$ct" 5>"$T/fl.trace" >/dev/null
      IPCLAB_TRACE_FD=5 $fl -n 1 "$ct" 5>>"$T/fl.trace" >/dev/null
      local fp
      fp=$(sed -n '1s/.* pid=\([0-9]*\) .*/\1/p' "$T/fl.trace")
      assert_equal "$(cut -d' ' -f5- "$T/fl.trace")" "ev=before op=sigqueue sig=SIGRTMIN to=$ct value=1
ev=after op=sigqueue ret=0
ev=before op=sigqueue sig=SIGRTMIN to=$ct value=2
ev=after op=sigqueue ret=0
ev=before op=kill sig=SIGUSR1 to=$ct
ev=after op=kill ret=0"
      close_input
      finished "$ct"
      local fp2
      fp2=$(sed -n '5s/.* pid=\([0-9]*\) .*/\1/p' "$T/fl.trace")
      # Standard signals first (lowest number first), then real-time ones.
      assert_equal "$(cut -d' ' -f5- "$T/ct.trace")" "ev=after op=sigtimedwait ret=$SIGUSR1 sig=SIGUSR1 from=$fp2
ev=after op=sigtimedwait ret=$SIGRTMIN sig=SIGRTMIN from=$fp value=1
ev=after op=sigtimedwait ret=$SIGRTMIN sig=SIGRTMIN from=$fp value=2"
      rm "$T/ct.trace" "$T/fl.trace"
      open_input
    done
  done
}

# bats test_tags=asan
@test "bad input: no such process is status 1 naming the call; a bad signal name, a count or pid out of range, an unknown option are usage errors, status 2, C and Python" {
  local p fl
  for fl in "$(c flood)" "$(py flood)"; do
    p=$(prog "$fl")
    run --separate-stderr $fl -n 1 4194304
    assert_equal "$status" 1
    assert_equal "$stderr" "$p: kill SIGUSR1 to 4194304: No such process"
    run --separate-stderr $fl --signal SIGFOO 1
    assert_equal "$status" 2
    assert_equal "$stderr" "$p: --signal: 'SIGFOO' is no signal name (SIGUSR1, SIGRTMIN, SIGRTMIN+3, ...)"
    run --separate-stderr $fl --signal 10 1
    assert_equal "$status" 2
    run --separate-stderr $fl --signal SIGRTMIN+31 1
    assert_equal "$status" 2
    run --separate-stderr $fl -n 0 1
    assert_equal "$status" 2
    assert_equal "$stderr" "$p: -n: '0' is not a number from 1 to 1000000"
    run --separate-stderr $fl -n 1000001 1
    assert_equal "$status" 2
    run --separate-stderr $fl -- -1
    assert_equal "$status" 2
    run --separate-stderr $fl 0
    assert_equal "$status" 2
    assert_equal "$stderr" "$p: PID: '0' is not a number from 1 to 4194304"
    run --separate-stderr $fl
    assert_equal "$status" 2
  done
  for p in "$(c count)" "$(py count)"; do
    run --separate-stderr $p --signal SIGKILL
    assert_equal "$status" 2
    assert_equal "$stderr" "$(prog "$p"): --signal: SIGKILL cannot be blocked"
    run --separate-stderr $p --signal USR9
    assert_equal "$status" 2
  done
  for p in "$(c worker)" "$(py worker)"; do
    run --separate-stderr $p --handler nope
    assert_equal "$status" 2
    run --separate-stderr $p --lines -1
    assert_equal "$status" 2
    run --separate-stderr $p --ready-fd 2
    assert_equal "$status" 2
  done
  for p in "$(c master)" "$(py master)"; do
    run --separate-stderr $p --workers 0 -- true
    assert_equal "$status" 2
    assert_equal "$stderr" "$(prog "$p"): --workers: '0' is not a number from 1 to 64"
    run --separate-stderr $p --orphan-fix luck -- true
    assert_equal "$status" 2
    run --separate-stderr $p --workers 2
    assert_equal "$status" 2
  done
  for p in "$(c pause_race)" "$(py pause_race)" "$(c late)" "$(py late)"; do
    run --separate-stderr $p --bogus
    assert_equal "$status" 2
  done
}
