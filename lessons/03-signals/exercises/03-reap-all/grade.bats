#!/usr/bin/env bats
# Grading test of exercise 03-signals/03-reap-all (README.md says what is
# checked). Grades $EXERCISE_DIR/reaping_master.py: this folder by default.
#   bats lessons/03-signals/exercises/03-reap-all/grade.bats

load ../../../../tests/helpers/grading
load ../../../../tests/helpers/signals

# The grader's worker: it waits for signals; SIGTERM ends it with status 3.
WORKER='import signal, sys
signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
while True:
    signal.pause()'

# start_master N: reaping_master.py --workers N -- WORKER under a reaper
# (bg_reaper: what it leaves is reaped), marked graded; once it has said
# its workers started and each has its SIGTERM handler, $workers holds
# their pids, in the order they started. WHY says why not, if not.
start_master() {
  local prog
  exercise_file prog reaping_master.py
  bg_reaper ms "$PYTHON" "$prog" --workers "$1" -- "$PYTHON" -c "$WORKER"
  WHY="" workers="" WANT=$1
  wait_for eval 'started $WANT || proc_gone $ms || spinning $ms' || true
  if ! started "$1"; then
    WHY="it did not start $1 workers and say 'master: $1 workers started':"
    if proc_gone "$ms"; then WHY+=" it ended"; else WHY+=" it is $(where "$ms")"; fi
    WHY+="; it has $(children "$ms" | wc -w) children"
    local w
    for w in $(proc_children "$ms"); do
      WHY+=", worker $w: state $(proc_state "$w" 2>/dev/null || echo gone)"
      sig_in "$w" SigCgt "$SIGTERM" 2>/dev/null && WHY+=", SIGTERM caught" || WHY+=", SIGTERM not caught yet"
    done
    return 0
  fi
  workers=$(children "$ms")
}
# started N: it said so, it has N children, each waiting with its handler.
started() {
  local w
  grep -qx "master: $1 workers started" "$T/ms.out" &&
    [ "$(proc_children "$ms" | wc -l)" = "$1" ] || return 1
  for w in $(proc_children "$ms"); do
    sig_in "$w" SigCgt "$SIGTERM" && [ "$(proc_state "$w")" = S ] || return 1
  done
}

# zombies PID: its children that have ended and are not reaped (state Z).
zombies() {
  local c
  for c in $(proc_children "$1"); do [ "$(proc_state "$c" 2>/dev/null)" = Z ] && echo "$c"; done
  return 0
}

# sigchld_pending PID: a SIGCHLD waits to be taken, for the process or its thread.
sigchld_pending() { sig_in "$1" ShdPnd "$SIGCHLD" || sig_in "$1" SigPnd "$SIGCHLD"; }

# left_zombies PID: stuck for good with zombies: it has a child in state Z
# and sleeps, and did not run between two looks. (A child that ends wakes
# its parent, or makes SIGCHLD pending for it to take: a parent that sleeps
# on with the child a zombie is waiting for something else, or took the
# SIGCHLD and slept again without reaping it.)
left_zombies() {
  local sw
  sw=$(switches "$1") && [ -n "$(zombies "$1")" ] && [ "$(proc_state "$1")" = S ] &&
    [ -n "$(zombies "$1")" ] && [ "$(proc_state "$1")" = S ] && [ "$(switches "$1")" = "$sw" ]
}

# reaped W...: each worker W is gone, not even a zombie: its parent reaped it.
reaped() { local w; for w; do gone "$w" || return 1; done; }

# wait_reaped W...: wait until the master has reaped each W, or has ended,
# spins, or is stuck with zombies; WHY says what went wrong, in words.
wait_reaped() {
  WANT=$*
  wait_for eval 'reaped $WANT || proc_gone $ms || spinning $ms || left_zombies $ms' || true
  reaped "$@" && return 0
  if proc_gone "$ms"; then
    WHY="it ended before it reaped worker(s) $*"
  elif spinning "$ms"; then
    WHY="reaping_master.py (pid $ms) $(not_ended "$ms")"
  else
    local z
    z=$(zombies "$ms" | paste -sd ' ')
    if [[ $z == *" "* ]]; then WHY="its children $z are zombies"; else WHY="its child $z is a zombie"; fi
    WHY+=" (state Z in /proc/PID/stat)"
    WHY+=" while it sleeps ($(where "$ms"))"
    if sigchld_pending "$ms"; then
      WHY+=", SIGCHLD pending and blocked: what it sleeps in does not take it, nor reap them"
    else
      WHY+=" with no SIGCHLD pending: it took the SIGCHLD and did not reap them all, and"
      WHY+=" nothing will wake it again to reap them"
    fi
  fi
  return 1
}

# sleeps_elsewhere PID: asleep in a call other than sigwaitinfo's
# (rt_sigtimedwait), none of its children ended (no zombie: a wait for a
# child would have reaped it), and it did not run between two looks: it
# waits for something else than the next SIGCHLD.
sleeps_elsewhere() {
  local sw call
  sw=$(switches "$1") && [ "$(proc_state "$1")" = S ] && call=$(proc_syscall "$1") &&
    [[ $call != "rt_sigtimedwait "* ]] && [ -z "$(zombies "$1")" ] &&
    [ "$(proc_state "$1")" = S ] && [ "$(proc_syscall "$1")" = "$call" ] &&
    [ "$(switches "$1")" = "$sw" ]
}

# waits_for_sigchld DONE RUNNING...: once worker DONE is reaped, with the
# workers RUNNING still running, the master goes back to sigwaitinfo for
# the next SIGCHLD (asleep in rt_sigtimedwait). One asleep in wait4 waits
# for a worker still running: it can take no other signal, nor do anything
# else, until one ends. WHY says what went wrong, in words.
waits_for_sigchld() {
  local done=$1 call w
  shift
  wait_for eval 'blocked_in_sigwait $ms || proc_gone $ms || spinning $ms || left_zombies $ms || sleeps_elsewhere $ms' || true
  blocked_in_sigwait "$ms" && return 0
  if proc_gone "$ms"; then
    WHY="it ended while its workers $* still ran"
  elif spinning "$ms"; then
    WHY="reaping_master.py (pid $ms) $(not_ended "$ms")"
  elif left_zombies "$ms"; then
    WHY="after it reaped worker $done, its child(ren) $(zombies "$ms" | paste -sd ' ') ended and"
    WHY+=" it did not reap them; it sleeps ($(where "$ms"))"
  else
    call=$(proc_syscall "$ms")
    call=${call%% *}
    WHY="after it reaped worker $done, its"
    if [ $# -gt 1 ]; then WHY+=" workers $* still run and none has ended,"
    else WHY+=" worker $* still runs,"; fi
    WHY+=" and it sleeps in $call() ($(proc_wchan "$ms"))"
    if [ "$call" = wait4 ]; then
      WHY+=": a wait for a child to end (os.wait(), or waitpid without WNOHANG), so it waits"
      WHY+=" for the workers still running. Expected it to reap only the workers that have"
      WHY+=" ended (os.waitpid(-1, os.WNOHANG) until it returns (0, 0)) and wait for the next"
      WHY+=" SIGCHLD in sigwaitinfo (rt_sigtimedwait)"
    else
      WHY+=", not in sigwaitinfo (rt_sigtimedwait). Expected it to wait there for the next SIGCHLD"
    fi
  fi
  return 1
}

# give_up: the check failed while it ran: kill it (its workers are reaped
# by the reaper), show what it printed, fail with WHY.
give_up() {
  kill -9 "$ms" 2>/dev/null || true
  kill -9 $workers 2>/dev/null || true
  finish_reaped ms || true
  show_run
  fail "$WHY (the grader then killed it)"
}

# ended W...: each W has ended (state Z, or gone).
ended() { local w; for w; do proc_zombie "$w" || gone "$w" || return 1; done; }

@test "starts N workers and reports each one's end as it comes (exited with status 3, killed by signal 9), status 0 once all are reaped" {
  local w1 w2 w3
  start_master 3
  [ -z "$WHY" ] || give_up
  read -r w1 w2 w3 <<<"$workers"
  # Not in the order they started: a master must reap whichever ends.
  kill -TERM "$w2"
  wait_reaped "$w2" || give_up
  kill -KILL "$w3"
  wait_reaped "$w3" || give_up
  kill -TERM "$w1"
  wait_reaped "$w1" || give_up
  finish_reaped ms
  show_run
  expect_equal "what it printed" "master: 3 workers started
master: worker $w2 exited with status 3
master: worker $w3 killed by signal 9 (Killed)
master: worker $w1 exited with status 3
master: all 3 workers reaped" "$output"
  expect_equal "the children it never waited for (the grader reaped them)" "" "$ADOPTED"
  expect_equal "its exit status" 0 "$status"
}

@test "between SIGCHLDs it waits in sigwaitinfo for the next one, not for the workers still running" {
  local w1 w2 w3
  start_master 3
  [ -z "$WHY" ] || give_up
  read -r w1 w2 w3 <<<"$workers"
  kill -TERM "$w1"
  wait_reaped "$w1" || give_up
  waits_for_sigchld "$w1" "$w2" "$w3" || give_up
  kill -KILL "$w3"
  wait_reaped "$w3" || give_up
  waits_for_sigchld "$w3" "$w2" || give_up
  kill -TERM "$w2"
  wait_reaped "$w2" || give_up
  finish_reaped ms
  show_run
  expect_equal "its last line" "master: all 3 workers reaped" "$(tail -n 1 <<<"$output")"
  expect_equal "its exit status" 0 "$status"
}

@test "workers that end together (one SIGCHLD for all) are every one reaped: no zombie left while it runs" {
  local w
  start_master 4
  [ -z "$WHY" ] || give_up
  # Stopped, it cannot take a SIGCHLD until all four have ended: one
  # pending SIGCHLD stands for the four.
  kill -STOP "$ms"
  wait_for proc_stopped "$ms"
  kill -KILL $workers
  wait_for ended $workers
  echo "4 workers killed while it was stopped; SIGCHLD pending: $(sigchld_pending "$ms" && echo once || echo no)" >&2
  kill -CONT "$ms"
  wait_reaped $workers || give_up
  finish_reaped ms
  show_run
  expect_equal "its lines for the 4 workers, sorted" \
    "$(for w in $workers; do echo "master: worker $w killed by signal 9 (Killed)"; done | sort)" \
    "$(grep '^master: worker ' <<<"$output" | sort)"
  expect_equal "its last line" "master: all 4 workers reaped" "$(tail -n 1 <<<"$output")"
  expect_equal "its exit status" 0 "$status"
}

@test "after two workers end together, a third that ends later is reaped at once too; each is reported once" {
  local w1 w2 w3
  start_master 3
  [ -z "$WHY" ] || give_up
  read -r w1 w2 w3 <<<"$workers"
  kill -STOP "$ms"
  wait_for proc_stopped "$ms"
  kill -TERM "$w3"
  kill -KILL "$w2"
  wait_for ended "$w2" "$w3"
  kill -CONT "$ms"
  wait_reaped "$w2" "$w3" || give_up
  kill -KILL "$w1"
  wait_reaped "$w1" || give_up
  finish_reaped ms
  show_run
  expect_equal "its lines for the two that ended together, sorted" \
    "$(printf '%s\n' "master: worker $w2 killed by signal 9 (Killed)" \
       "master: worker $w3 exited with status 3" | sort)" \
    "$(sed -n '2,3p' <<<"$output" | sort)"
  expect_equal "what it printed after them" "master: worker $w1 killed by signal 9 (Killed)
master: all 3 workers reaped" "$(sed -n '4,$p' <<<"$output")"
  expect_equal "its exit status" 0 "$status"
}
