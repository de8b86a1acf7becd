#!/usr/bin/env bats
# ipclab shows each process's signals as the kernel does (/proc/PID/status:
# SigQ, SigPnd, ShdPnd, SigBlk, SigIgn, SigCgt; tui/sigmask.c), and the
# trace's kill, sigqueue, sigwaitinfo and "handled" notes on the timeline.
# The stand-ins are Python one-liners in tests/fixtures/signals*.lua; each
# receiver runs as a user of its own, since SigQ counts every signal queued
# for a process's real user.
load helpers/common
load helpers/ipclab

teardown() {
  local rc=0
  [ -z "${TMUXS:-}" ] || tmux_stop
  assert_nothing_left || rc=$?
  "$IPCLAB" clean >/dev/null 2>&1 || true
  return "$rc"
}

# The pid of process NAME in the transcript in $output.
pid_of() { sed -n "s/^ *[0-9.]* spawn $1 pid \([0-9]*\) .*/\1/p" <<<"$output"; }

play_signals() {
  run "$IPCLAB" run "$FIX/signals.lua" --headless
  assert_success
  assert_output --partial "end: 8 expectations, 8 passed, 0 failed"
}

# bats test_tags=asan
@test "a blocked standard signal sent twice shows as one pending: queued 1" {
  play_signals
  assert_output --partial "expect ok: w1: SIGUSR1 sent twice while blocked is pending once (queued 1)"
  assert_line --regexp '^ *[0-9.]+ signals w1 shared pending SIGUSR1; blocked SIGUSR1; caught SIGINT SIGTERM; ignored SIGHUP SIGPIPE SIGXFSZ; queued 1/[0-9]+$'
  refute_line --regexp 'signals w1 .*queued [02-9]'
}

# bats test_tags=asan
@test "a blocked real-time signal sent three times is queued three times" {
  play_signals
  assert_output --partial "expect ok: w2: SIGRTMIN sent three times is queued 3"
  assert_line --regexp '^ *[0-9.]+ signals w2 shared pending SIGRTMIN; blocked SIGRTMIN; queued 3/[0-9]+$'
}

# bats test_tags=asan
@test "caught, ignored and blocked signals are named, a full set by what it lacks; a thread's own pending signal names its thread" {
  play_signals
  assert_output --partial "expect ok: w1: caught SIGTERM, ignored SIGHUP, blocked SIGUSR1, by name"
  assert_output --partial "expect ok: w1: nothing pending yet, queued 0"
  assert_output --partial "expect ok: w3: USR2 pending for its thread only"
  assert_line --regexp '^ *[0-9.]+ signals w1 blocked SIGUSR1; caught SIGINT SIGTERM; ignored SIGHUP SIGPIPE SIGXFSZ$'
  # More than half a set: said by what it lacks (the kernel never blocks
  # KILL and STOP; glibc keeps 32 and 33 out).
  assert_output --partial "expect ok: blockall: 60 blocked, never SIGKILL, SIGSTOP, 32 or 33"
  assert_line --regexp '^ *[0-9.]+ signals blockall blocked all but SIGKILL SIGSTOP SIG32\(glibc\) SIG33\(glibc\)$'
  local w3
  w3=$(pid_of w3)
  assert_line --regexp "^ *[0-9.]+ signals w3 thread [0-9]+ pending SIGUSR2; blocked SIGUSR2; queued 1/[0-9]+\$"
  refute_output --partial "signals w3 thread $w3 pending"     # the other thread, not the main one
}

# bats test_tags=asan
@test "the trace's kill, sigqueue, sigwaitinfo and handled note name sender and receiver" {
  play_signals
  local w1 w2 taker sender
  w1=$(pid_of w1) w2=$(pid_of w2) taker=$(pid_of taker) sender=$(pid_of sender)
  [ "$(grep -c "trace sender kill(w1 pid $w1, SIGUSR1) = 0$" <<<"$output")" = 2 ] ||
    fail "not two kills of w1 named: $output"
  for v in 1 2 3; do
    assert_line --regexp "^ *[0-9.]+ trace sender sigqueue\(w2 pid $w2, SIGRTMIN, value $v\) = 0\$"
  done
  assert_line --regexp "^ *[0-9.]+ trace sender kill\(taker pid $taker, SIGUSR1\) = 0\$"
  assert_line --regexp "^ *[0-9.]+ trace taker sigwaitinfo = 10: SIGUSR1 from sender pid $sender\$"
  assert_line --regexp "^ *[0-9.]+ note taker handled SIGUSR1 \(SIGUSR1 from sender pid $sender\)\$"
  assert_output --partial "expect ok: the taker took SIGUSR1 from the sender"
}

# bats test_tags=asan
@test "a sender held in step mode before kill: step() names the signal and its target, and nothing is pending until the go" {
  run "$IPCLAB" run "$FIX/signals-step.lua" --headless
  assert_success
  assert_output --partial "end: 4 expectations, 4 passed, 0 failed"
  local w
  w=$(pid_of w)
  assert_line --regexp "^ *[0-9.]+ step sender waits before kill\(w pid $w, SIGUSR1\)\$"
  assert_output --partial "expect ok: held before kill(w, SIGUSR1)"
  assert_output --partial "expect ok: held: nothing pending in w yet"
}

# bats test_tags=asan
@test "a trace line's signal is a name: a number, a forged name or a target that is no pid is dropped" {
  run "$IPCLAB" run "$FIX/signals-forged.lua" --headless
  assert_success
  assert_output --partial "expect ok: only the named signal and the whole pid were kept"
  assert_line --regexp '^ *[0-9.]+ trace forger kill\(pid 1, SIGTERM\) = 0$'
  assert_line --regexp '^ *[0-9.]+ trace forger kill\(pid 1, SIGHUP\) = -1 EPERM$'
  refute_line --regexp 'forger kill\(.*(SIG12|SIGUSR2|1x)'
}

# bats test_tags=asan
@test "a malformed /proc status line changes nothing: every regression input is refused whole" {
  local replay=$ROOT/build/fuzz/replay/sigmask dir=$ROOT/tests/fuzz/regressions/sigmask n
  [ -x "$replay" ] || fail "no $replay: run make fuzz-replay-build (make test does)"
  n=$(find "$dir" -type f ! -name '*.note' | wc -l)
  [ "$n" -ge 12 ] || fail "only $n regression inputs in $dir"
  run "$replay" "$dir"
  assert_success
  assert_output "sigmask: $n inputs replayed"
}

# bats test_tags=asan
@test "at 80x24 without colour the panes name pending, queued, blocked and caught signals, and the timeline the kills" {
  tmux_start 80 24 "env NO_COLOR=1 $IPCLAB run $FIX/signals-screen.lua"
  wait_for screen_has "paused: press space"
  run screen
  assert_output --regexp "receiver  program  pid [0-9]+"
  assert_output --regexp "   pending USR1; queued 1/[0-9]+"
  assert_output --partial "   blocked USR1; caught INT TERM"
  [ "$(grep -cE '^ +[0-9]+ +[0-9.]+ +kill USR1 --> receiver$' <<<"$output")" = 2 ] ||
    fail "not two kill rows naming the receiver: $output"
  assert_output --regexp ": shared pending USR1; blocked USR1; caught INT TERM; queued 1/"
  assert_output --partial "ok sent twice, pending once"
  # No colour escapes (3x/4x/9x parameters); bold and reverse remain.
  run bash -c "tmux -S $TMUXS capture-pane -p -e | grep -cE $'\e\\\\[([0-9;]*;)?(3[0-7]|4[0-7]|9[0-7])(;[0-9;]*)?m'"
  assert_output 0
  keys q
  wait_for pane_exited
  assert_equal "$(pane_status)" 0
}
