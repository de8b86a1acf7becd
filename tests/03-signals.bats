#!/usr/bin/env bats
# Lesson 03: the master and its workers, both ways round (C master, Python
# workers; Python master, C workers); a worker's handlers: EINTR with and
# without SA_RESTART, printf in a handler, the self-pipe, signalfd and
# set_wakeup_fd. Everything waits on what /proc shows: pending and blocked
# masks, the call a process sleeps in, its children.

load helpers/common
load helpers/signals
bats_require_minimum_version 1.5.0

setup() {
  common_setup
  open_input
}

# ---- the master -----------------------------------------------------------

# start_master NAME MASTER [OPTION...] -- WORKER...: the master with our
# FIFO as standard input (the workers inherit it); waits until it says its
# workers are ready. $workers: their pids.
start_master() {
  local __name=$1
  shift
  rm -f "$T/$__name.out"          # not the last master's words
  bg_in "$__name" "$@"
  wait_for grep -q "workers ready" "$T/$__name.out"
  workers=$(children "${!__name}")
}

@test "a master starts 3 workers of the other language, notifies each once, forwards SIGINT, reaps all and reports status 0" {
  local m w
  for m in "$(c master) --workers 3 --notify -- $(py worker)" \
           "$(py master) --workers 3 --notify -- $(c worker)"; do
    start_master ms $m
    assert_equal "$(wc -w <<<"$workers")" 3
    # Each has taken its SIGUSR1 (nothing pending) and waits for work. (One
    # that took it just before its read() says so only at the next signal:
    # the race a self-pipe closes; see the next tests.)
    for w in $workers; do
      wait_for nothing_pending "$w"
      wait_for blocked_reading_pipe "$w"
    done
    kill -INT "$ms"
    finished "$ms"
    assert_equal "$status" 0
    for w in $workers; do
      assert_equal "$(count_lines "$T/ms.out" "^worker $w: notified by SIGUSR1 \(1 so far\)$")" 1
      assert_equal "$(count_lines "$T/ms.out" "^worker $w: stopping on SIGINT$")" 1
      assert_equal "$(count_lines "$T/ms.out" "^master: worker $w exited with status 0$")" 1
      gone "$w"
    done
    assert_equal "$(grep -c 'notified by SIGUSR1' "$T/ms.out")" 3
    assert_equal "$(sed -n '$p' "$T/ms.out")" "master: all 3 workers reaped"
    assert_equal "$(grep -c '^master: SIGINT: stopping the workers$' "$T/ms.out")" 1
  done
}

@test "a worker that ends early is reaped at once (no zombie) while the others run on; its status is reported" {
  local m first
  for m in "$(c master) --workers 3 -- $(py worker)" "$(py master) --workers 3 -- $(c worker)"; do
    start_master ms $m
    first=${workers%% *}
    wait_for blocked_reading_pipe "$first"
    kill -TERM "$first"
    wait_for gone "$first"          # reaped: not even a zombie
    wait_for grep -q "^master: worker $first exited with status 0$" "$T/ms.out"
    assert_equal "$(wc -w <<<"$(children "$ms")")" 2
    kill -TERM "$ms"
    finished "$ms"
    assert_equal "$status" 0
    assert_equal "$(grep -c 'exited with status 0$' "$T/ms.out")" 3
  done
}

@test "workers killed together may make one SIGCHLD: the master reaps every one and says each was killed by signal 9" {
  local m w
  for m in "$(c master) --workers 4 -- $(py worker)" "$(py master) --workers 4 -- $(c worker)"; do
    start_master ms $m
    # The master waits in sigwaitinfo with SIGCHLD blocked: it is stopped
    # first, so that all four end before it takes one SIGCHLD.
    kill -STOP "$ms"
    wait_for proc_stopped "$ms"
    kill -KILL $workers
    for w in $workers; do wait_for proc_zombie "$w"; done
    assert sig_in "$ms" ShdPnd "$SIGCHLD"   # one bit: four children ended
    kill -CONT "$ms"
    for w in $workers; do wait_for gone "$w"; done
    finished "$ms"
    assert_equal "$status" 0
    assert_equal "$(grep -c 'killed by signal 9 (Killed)$' "$T/ms.out")" 4
    assert_equal "$(sed -n '$p' "$T/ms.out")" "master: all 4 workers reaped"
  done
}

# ---- orphans --------------------------------------------------------------

# orphans MASTER FIX WORKER: the master (standard input: our FIFO) under a
# reaper that adopts what it leaves (bg_reaped), killed with SIGKILL once
# its 2 workers wait for work. $workers: their pids; $ms_reaper ends when
# every one has ended.
orphans() {
  local m=$1 fix=$2 w=$3
  bg_reaped ms bash -c 'exec "$@" <"$0"' "$T/in" $m --workers 2 --orphan-fix "$fix" -- $w {IN}>&-
  wait_for grep -q "workers ready" "$T/ms.out"
  workers=$(children "$ms")
  for w in $workers; do wait_for blocked_reading_pipe "$w"; done
  kill -KILL "$ms"
  wait_for gone "$ms"
}

@test "a master killed with SIGKILL leaves its workers running, orphans; with --orphan-fix pdeathsig, pipe or pgroup they end" {
  local m w fix
  for m in "$(c master)|$(py worker)" "$(py master)|$(c worker)"; do
    orphans "${m%%|*}" none "${m##*|}"
    for w in $workers; do
      assert blocked_reading_pipe "$w"     # still there, still waiting for work
      assert_not_equal "$(awk '{ print $4 }' "/proc/$w/stat")" "$ms"
    done
    kill -TERM $workers
    wait "$ms_reaper" || true
    for fix in pdeathsig pipe; do
      orphans "${m%%|*}" "$fix" "${m##*|}"
      wait "$ms_reaper" || true     # the reaper ends when the workers have
      if [ "$fix" = pdeathsig ]; then
        assert_equal "$(grep -c 'stopping on SIGTERM$' "$T/ms.out")" 2
      else
        assert_equal "$(grep -c 'end of input$' "$T/ms.out")" 2
      fi
    done
    orphans "${m%%|*}" pgroup "${m##*|}"
    grep -q "workers ready, in our process group" "$T/ms.out"
    for w in $workers; do
      assert_equal "$(ps -o pgid= -p "$w" | tr -d ' ')" "$ms"
    done
    kill -KILL -- "-$ms"            # what a launcher does: the whole group
    wait "$ms_reaper" || true
    for w in $workers; do gone "$w"; done
  done
}

# ---- a worker's handler ---------------------------------------------------

@test "SIGUSR1 interrupts a read of empty stdin with EINTR without SA_RESTART (C; Python: the handler raises); with --restart the read goes on and the flag waits for the next line" {
  local w
  for w in "$(c worker)" "$(py worker)"; do
    bg_in wk $w
    wait_for ready_for "$wk" "$SIGUSR1" "$SIGTERM"
    wait_for blocked_reading_pipe "$wk"
    kill -USR1 "$wk"
    wait_for grep -q "notified by SIGUSR1 (1 so far)" "$T/wk.out"
    wait_for blocked_reading_pipe "$wk"
    echo hello >&"$IN"
    wait_for grep -q "got: hello" "$T/wk.out"
    kill -TERM "$wk"
    finished "$wk"
    assert_equal "$status" 0
    assert_equal "$(cat "$T/wk.out" | cut -d' ' -f3-)" "read stdin: Interrupted system call (EINTR)
notified by SIGUSR1 (1 so far)
got: hello
read stdin: Interrupted system call (EINTR)
stopping on SIGTERM"

    bg_in wk $w --restart
    wait_for ready_for "$wk" "$SIGUSR1" "$SIGTERM"
    wait_for blocked_reading_pipe "$wk"
    kill -USR1 "$wk"
    wait_for nothing_pending "$wk"              # taken: the handler has run
    wait_for blocked_reading_pipe "$wk"         # and read() goes on
    [ ! -s "$T/wk.out" ]                        # nothing said yet
    echo hello >&"$IN"
    wait_for grep -q "notified by SIGUSR1" "$T/wk.out"
    assert_equal "$(cat "$T/wk.out" | cut -d' ' -f3-)" "got: hello
notified by SIGUSR1 (1 so far)"
    wait_for blocked_reading_pipe "$wk"
    close_input                                 # a stop would wait for a line too
    finished "$wk"
    assert_equal "$status" 0
    assert_equal "$(sed -n '$p' "$T/wk.out" | cut -d' ' -f3-)" "end of input"
    open_input
  done
}

@test "with a self-pipe (C, Python), a signalfd (C) or signal.set_wakeup_fd (Python) the worker sleeps in poll and acts on SIGUSR1 at once, with no EINTR" {
  local w
  for w in "$(c worker) --handler selfpipe" "$(c worker) --handler signalfd" \
           "$(py worker) --handler selfpipe" "$(py worker) --handler wakeupfd"; do
    bg_in wk env IPCLAB_TRACE_FD=5 $w --restart 5>"$T/wk.trace"
    wait_for ready_for "$wk" "$SIGUSR1" "$SIGTERM"
    wait_for blocked_in_poll "$wk"
    kill -USR1 "$wk"
    wait_for grep -q "notified by SIGUSR1 (1 so far)" "$T/wk.out"
    wait_for blocked_in_poll "$wk"
    kill -TERM "$wk"
    finished "$wk"
    assert_equal "$status" 0
    assert_equal "$(cat "$T/wk.out" | cut -d' ' -f3-)" "notified by SIGUSR1 (1 so far)
stopping on SIGTERM"
    # A signalfd read is one 128-byte struct signalfd_siginfo; its sender is ssi_pid.
    [[ $w != *signalfd* ]] ||
      grep -qE "ev=after op=read fd=[0-9]+ ret=128 sig=SIGUSR1 from=$BASHPID\$" "$T/wk.trace"
    rm "$T/wk.trace"
  done
}

# print_run WORKER [OPTION...]: the worker prints 10000 lines into a FIFO
# nobody reads until it is full (10000 lines are more than the 64 KiB it
# holds and the 4 KiB stdio buffer) and the worker sleeps in write() inside
# printf (print); then SIGUSR1; then all it wrote is read. $got: that.
print_run() {
  local o drain
  mkfifo -m 600 "$T/outfifo"
  exec {o}<>"$T/outfifo"
  ( trap - EXIT ERR DEBUG INT TERM; eval "exec $IN>&- $o>&-"
    exec env -u PYTHONUNBUFFERED "$@" --lines 10000 ) \
    >"$T/outfifo" 2>"$T/wk.err" <"$T/in" 3>&- &
  wk=$!
  wait_for ready_for "$wk" "$SIGUSR1" "$SIGTERM"
  wait_for blocked_writing_pipe "$wk"
  kill -USR1 "$wk"
  wait_for taken_or_ended "$wk"
  # The C worker is now in its handler (SigBlk: the handler's mask), in a
  # write() of its own to the full pipe: that is what the handler's
  # printf does.
  [[ $* != *"--handler print"* || $* == *.py* ]] || wait_for sig_in "$wk" SigBlk "$SIGUSR1"
  ( trap - EXIT ERR DEBUG INT TERM; eval "exec $IN>&- $o>&-"; exec cat "$T/outfifo" ) \
    >"$T/got" 3>&- &
  drain=$!
  wait_for holds "$drain" "$T/outfifo"    # a reader before ours goes: no SIGPIPE
  exec {o}>&-
  close_input                     # once all is written, the worker ends
  finished "$wk"
  wait "$drain"
  open_input
  rm "$T/outfifo"
}

holds() { local f; for f in /proc/"$1"/fd/*; do [ "$(readlink "$f")" = "$2" ] && return 0; done; return 1; }

taken_or_ended() { gone "$1" || proc_zombie "$1" || nothing_pending "$1"; }

lines_once_in_order() {
  [ "$(grep -c ": line " "$T/got")" = 10000 ] &&
  [ "$(grep ': line ' "$T/got" | awk '{ print $4 }' | paste -sd ' ')" = "$(seq 1 10000 | paste -sd " ")" ]
}

@test "printf in a C handler while the main flow is inside printf: with SA_RESTART a block of lines comes out twice; without, printf's write fails with EINTR and lines are lost" {
  print_run $(c worker) --handler print --restart
  assert_equal "$status" 0
  run lines_once_in_order
  assert_failure
  local dup
  dup=$(grep ': line ' "$T/got" | awk '{ print $4 }' | sort -n | uniq -d | wc -l)
  [ "$dup" -gt 0 ]                  # lines written twice
  print_run $(c worker) --handler print
  assert_equal "$status" 1
  assert_equal "$(<"$T/wk.err")" "worker: write $T/outfifo (fd 1): Interrupted system call"
  [ "$(grep -c ': line ' "$T/got")" -lt 10000 ]
}

@test "print in a Python handler while the main flow is inside print: RuntimeError, reentrant call; the flag handler prints every line once, in order, C and Python" {
  print_run $(py worker) --handler print
  assert_equal "$status" 1
  assert_equal "$(<"$T/wk.err")" "worker.py: print: reentrant call inside <_io.BufferedWriter name='<stdout>'>"
  [ "$(grep -c ': line ' "$T/got")" -lt 10000 ]
  local w
  for w in "$(c worker)" "$(py worker)"; do
    print_run $w --handler flag --restart
    assert_equal "$status" 0
    run lines_once_in_order
    assert_success
    assert_equal "$(grep -c 'notified by SIGUSR1 (1 so far)' "$T/got")" 1
  done
}

# ---- the tutorial's pair ----------------------------------------------------

# poked PID W: worker W of master PID has taken its SIGUSR1 ("got SIGUSR1"),
# or was killed by it before its signal() (the master's second is a guess;
# nobody reaps it: a zombie).
poked() { grep -q "^Worker $2: got SIGUSR1$" "$T/nm.out" || proc_zombie "$2"; }

@test "the tutorial's C worker catches SIGINT, says stopping and never stops (a plain int read once at -O2): the naive masters leave their workers spinning as orphans" {
  local m w alive
  for m in "$(py naive_master)" "$(c naive_master)"; do
    # stdbuf -oL: each printf line is written at once, so that the test
    # sees the handler's "got SIGUSR1" (the workers' stdout is a file).
    # (ASan wants to be the first library; stdbuf's comes first: allowed.)
    ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0 \
      bg_reaped nm $m stdbuf -oL "$BIN/naive_worker" {IN}>&-
    wait_for has_children 10 "$nm"
    workers=$(children "$nm")
    for w in $workers; do wait_for poked "$nm" "$w"; done
    # Asleep again after the ten pokes: in the loop, its SIGINT handler set.
    wait_for in_syscall "$nm" clock_nanosleep
    alive=$(for w in $workers; do proc_zombie "$w" || echo "$w"; done)
    [ -n "$alive" ]
    kill -INT "$nm"
    wait_for gone "$nm"
    for w in $alive; do
      wait_for grep -q "^Worker $w: stopping$" "$T/nm.out"
      assert_equal "$(proc_state "$w")" R     # still running: the loop never ends
      assert sig_in "$w" SigCgt "$SIGINT"
      assert_not_equal "$(awk '{ print $4 }' "/proc/$w/stat")" "$nm"   # an orphan
    done
    assert_equal "$(grep -c ' done$' "$T/nm.out")" 0
    kill -KILL $alive
    wait "$nm_reaper" || true
  done
}

@test "the tutorial's Python worker does stop on SIGINT: Python reads its flag again on every turn" {
  bg wk env PYTHONUNBUFFERED=1 $(py naive_worker)
  wait_for ready_for "$wk" "$SIGUSR1" "$SIGTERM"
  kill -INT "$wk"
  finished "$wk"
  assert_equal "$status" 0
  assert_equal "$(sed -n '2,$p' "$T/wk.out" | cut -d' ' -f3-)" "stopping
done"
}

# ---- step mode and children ------------------------------------------------

@test "the step descriptor reaches no child, not even one started before the first traced call: the masters' workers have neither it nor IPCLAB_STEP_FD, C and Python" {
  local m report='env | grep -c "^IPCLAB_STEP_FD="; if [ -e /proc/self/fd/7 ]; then echo "fd 7 open"; else echo "fd 7 closed"; fi'
  for m in "$BIN/master" "$PYTHON $PEERS/03-signals/master.py"; do
    # The masters trace nothing before they fork their workers; /dev/null
    # as the step descriptor lets them run on (EOF: no observer).
    run env IPCLAB_STEP_FD=7 $m --workers 1 -- sh -c "$report" 7</dev/null </dev/null
    assert_success
    assert_line 0
    assert_line "fd 7 closed"
  done
}

@test "a child made by fork() without exec does not step: its traced call runs at once while its parent's step descriptor has no go byte (Python)" {
  mkfifo "$T/step"
  # Open read-write: a writer always exists, so a read of it sleeps for ever.
  run env IPCLAB_STEP_FD=7 timeout 20 "$PYTHON" -c '
import os, sys
sys.path.insert(0, sys.argv[1])
from ipclab import trace
pid = os.fork()
if pid == 0:
    trace.before("write", 1, None, 0)   # would wait for a go byte in step mode
    print("child: traced call done")
    os._exit(0)
_, status = os.waitpid(pid, 0)
print("parent: child status", os.waitstatus_to_exitcode(status))' "$PEERS" 7<>"$T/step"
  assert_success
  assert_line "child: traced call done"
  assert_line "parent: child status 0"
}
