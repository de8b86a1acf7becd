#!/usr/bin/env bats
# Grading test of exercise 03-signals/01-handler-flag (README.md says what
# is checked). Grades $EXERCISE_DIR/notify_worker.c: this folder by default.
#   bats lessons/03-signals/exercises/01-handler-flag/grade.bats

load ../../../../tests/helpers/grading
load ../../../../tests/helpers/signals

setup_file() { compile_c notify_worker.c; }

# waits_for_signals PID: its handlers are in place (SIGUSR1 and SIGTERM
# caught or blocked), it sleeps (state S) and no signal is pending: it
# has printed its lines and waits.
waits_for_signals() {
  ready_for "$1" "$SIGUSR1" "$SIGTERM" && [ "$(proc_state "$1")" = S ] && nothing_pending "$1"
}

# asleep_not_writing PID: waits_for_signals, in a call other than write(),
# and it did not run between two looks (each look reads several files).
asleep_not_writing() {
  local sw
  sw=$(switches "$1") && waits_for_signals "$1" && [[ $(proc_syscall "$1") != "write "* ]] &&
    [ "$(proc_state "$1")" = S ] && [ "$(switches "$1")" = "$sw" ]
}

# noticed PID K: it printed its notice "(K so far)", or ended, or spins, or
# is stuck: it took the signal (nothing pending) and sleeps, the notice
# not printed, and it did not run between two looks.
noticed() {
  local sw
  grep -q "notified by SIGUSR1 ($2 so far)\$" "$T/wk.out" && return 0
  proc_gone "$1" || spinning "$1" && return 0
  sw=$(switches "$1") && [ "$(proc_state "$1")" = S ] && nothing_pending "$1" &&
    ! grep -q "notified by SIGUSR1 ($2 so far)\$" "$T/wk.out" && [ "$(switches "$1")" = "$sw" ]
}

@test "notify_worker.c compiles with the kit's flags" {
  assert_compiled
}

# A variable a handler writes and the main flow reads must be a volatile
# sig_atomic_t (C11 7.14.1.1, signal-safety(7)): volatile, so the main flow
# reads it again at each test instead of a copy kept in a register;
# sig_atomic_t, so it is written in one go. No run here shows a plain long
# going wrong: on x86_64 a long is stored in one instruction, and every
# read of notified in act() follows a call (printf, sigsuspend) that the
# compiler must assume runs the handler, so even -O2 reads it again. So
# this check asks the compiler the declared type (any spelling passes).
@test "notified, the counter its SIGUSR1 handler adds to, is declared volatile sig_atomic_t, as stop is" {
  local exe how
  need_exe exe
  c_has_type notify_worker.c notified "volatile sig_atomic_t" && return 0
  how=$(c_declared notify_worker.c notified)
  if [ "$how" = nowhere ]; then
    fail "notify_worker.c has no variable notified at file scope: the counter its SIGUSR1 handler adds to keeps that name (the skeleton's), and it must be declared volatile sig_atomic_t, as stop is"
  fi
  fail "notified, the counter its SIGUSR1 handler adds to, is declared ${how:+$how, }not volatile sig_atomic_t: the handler writes it and the main flow reads it, so it must be volatile (read again at each test, not a copy kept in a register) and sig_atomic_t (written in one go), as stop is. No run can show the difference here, so the grader checks the declaration. Expected: static volatile sig_atomic_t notified;"
}

# The main flow must never write notified: a decrement or a reset there is
# a load, a change and a store, and a SIGUSR1 whose handler runs between
# the load and the store is lost. No run can force that moment, so the
# grader reads the code (comments left out, macros not expanded).
@test "only the handler writes notified: the main flow keeps its own count (seen), never decrements or resets it" {
  local exe src writes
  need_exe exe                          # a file that does not build proves nothing
  exercise_file src notify_worker.c
  # Inside functions only: its declaration's initializer (file scope,
  # outside any brace) is no write of the main flow.
  writes=$(gcc -fpreprocessed -dD -E -P "$src" 2>/dev/null | awk '
    depth > 0 && /(^|[^[:alnum:]_])notified[[:space:]]*(--|-=|[*\/%&|^]=|<<=|>>=|=[^=])|--[[:space:]]*notified([^[:alnum:]_]|$)/ {
      sub(/^[[:space:]]+/, ""); print }
    { depth += gsub(/{/, "{") - gsub(/}/, "}") }' | head -n 3)
  [ -z "$writes" ] && return 0
  fail "the main flow writes notified ($(tr '\n' ' ' <<<"$writes" | sed 's/ $//')): a decrement or a reset of it is a load, a change and a store, and a SIGUSR1 whose handler runs between them is lost. Only the handler writes notified (notified++); the main flow compares it with a count of its own, as act()'s *seen does"
}

@test "prints its N lines, then one notice a SIGUSR1, in order, and ends with status 0 on SIGTERM" {
  local exe k why="" expected
  need_exe exe
  bg wk env IPCLAB_GRADED="$IPCLAB_TESTID" "$exe" --lines 3
  wait_for eval 'waits_for_signals $wk || proc_gone $wk || spinning $wk' || true
  for k in 1 2 3; do
    proc_gone "$wk" && { why="it ended before SIGUSR1 number $k"; break; }
    spinning "$wk" && { why="notify_worker (pid $wk) $(not_ended "$wk")"; break; }
    kill -USR1 "$wk"
    wait_for noticed "$wk" "$k" || true
    grep -q "notified by SIGUSR1 ($k so far)\$" "$T/wk.out" && continue
    proc_gone "$wk" && { why="it ended after SIGUSR1 number $k without its notice"; break; }
    why="after SIGUSR1 number $k (taken: nothing pending) it printed no"
    why+=" 'notified by SIGUSR1 ($k so far)' line; it sleeps: $(where "$wk")"
    break
  done
  [ -n "$why" ] || proc_gone "$wk" || kill -TERM "$wk"
  [ -z "$why" ] || stop "$wk"
  finish "$wk" wk
  show_run
  [ -z "$why" ] || fail "$why"
  expected=$(printf "worker $wk: line %s\n" 1 2 3; printf "worker $wk: notified by SIGUSR1 (%s so far)\n" 1 2 3
             echo "worker $wk: stopping on SIGTERM")
  expect_equal "what it printed (the lines, a notice a SIGUSR1, then the stop)" "$expected" "$output"
  expect_equal "its exit status after SIGTERM" 0 "$status"
}

# full_run: notify_worker --lines 10000 with its standard output a FIFO
# nobody reads yet: it fills the pipe and sleeps in write(), inside printf,
# writing out stdio's buffer. Then SIGUSR1; once the kernel shows it asleep
# in write() again, IN_HANDLER says whether that write() is inside its
# handler (SIGUSR1 blocked: the handler's mask) and SIGBLK shows the mask.
# If not, a second SIGUSR1 the same way: both come while one printf waits,
# so act() finds two when it next looks. SENT: how many it took (1 if the
# first was held off, blocked by the main flow: a second would coalesce).
# Then a reader drains the pipe into $T/got, SIGTERM, and $status, $output
# (the first lines of what it printed) and $stderr as finish sets them. WHY
# says why the run went wrong, if it did.
full_run() {
  local exe o drain k
  need_exe exe
  WHY="" IN_HANDLER=no SIGBLK="" SENT=0
  mkfifo -m 600 "$T/outfifo"
  exec {o}<>"$T/outfifo"          # a reader for now: its open() does not wait
  ( trap - EXIT ERR DEBUG INT TERM; eval "exec $o>&-"
    exec env IPCLAB_GRADED="$IPCLAB_TESTID" "$exe" --lines 10000 ) \
    >"$T/outfifo" 2>"$T/wk.err" </dev/null 3>&- &
  wk=$!
  wait_for eval 'ready_for $wk $SIGUSR1 $SIGTERM && blocked_writing_pipe $wk || proc_gone $wk || spinning $wk' || true
  if blocked_writing_pipe "$wk"; then
    for k in 1 2; do
      kill -USR1 "$wk"
      SENT=$k
      # Taken (nothing pending) and asleep in write() again; or held off
      # (blocked by the main flow, pending) while it sleeps in write().
      wait_for eval 'blocked_writing_pipe $wk && { nothing_pending $wk || sig_in $wk SigBlk $SIGUSR1; } || proc_gone $wk || spinning $wk' || true
      if blocked_writing_pipe "$wk" && nothing_pending "$wk"; then
        SIGBLK=$(status_field "$wk" SigBlk)
        ! sig_in "$wk" SigBlk "$SIGUSR1" || { IN_HANDLER=yes; break; }
      elif ! blocked_writing_pipe "$wk"; then
        WHY="after SIGUSR1 number $k it is no longer asleep in write() on the full pipe: $(where "$wk")"
        break
      else
        break
      fi
    done
  else
    WHY="with its stdout a pipe nobody reads, it never slept in write() with its handlers in place: $(where "$wk")"
  fi
  # Drain the pipe; once all is written it waits for signals; SIGTERM.
  ( trap - EXIT ERR DEBUG INT TERM; eval "exec $o>&-"; exec cat "$T/outfifo" ) \
    >"$T/got" 2>/dev/null </dev/null 3>&- &
  drain=$!
  wait_for eval 'execed $drain cat && ls -l /proc/$drain/fd 2>/dev/null | grep -q outfifo' || true
  exec {o}>&-
  if wait_for eval 'asleep_not_writing $wk || proc_gone $wk || spinning $wk' &&
     ! proc_gone "$wk" && ! spinning "$wk"; then
    kill -TERM "$wk"
  elif ! proc_gone "$wk"; then
    WHY+="${WHY:+; }once the pipe was drained it did not wait for signals: $(where "$wk")"
    stop "$wk"
  fi
  finish "$wk"
  stderr=$(capped "$T/wk.err")
  wait "$drain" || true
  output=$(head -n 5 "$T/got")
  rm -f "$T/outfifo"
}

# summary PID: what $T/got holds, counted: the numbered lines, whether they
# run 1, 2, 3... once each, lines printed twice, torn lines (neither a
# numbered line, nor a notice, nor the stop), notices, and the last line.
summary() {
  "$PYTHON" - "$1" "$T/got" <<'PY'
import collections, re, sys
pid, lines = sys.argv[1], open(sys.argv[2], "rb").read().decode(errors="replace").split("\n")
if lines and lines[-1] == "":
    lines.pop()
ok = re.compile(rf"worker {pid}: (line (\d+)|notified by SIGUSR1 \(\d+ so far\)|stopping on SIGTERM)")
numbers = [int(m.group(2)) for m in map(ok.fullmatch, lines) if m and m.group(2)]
twice = sum(1 for n in collections.Counter(numbers).values() if n > 1)
torn = sum(1 for line in lines if not ok.fullmatch(line))
notices = sum(1 for line in lines if re.fullmatch(rf"worker {pid}: notified by SIGUSR1 \(\d+ so far\)", line))
order = "in order" if numbers == list(range(1, len(numbers) + 1)) else "not in order"
print(f"{len(numbers)} numbered lines, {order}; {twice} printed twice; {torn} torn;"
      f" {notices} {'notice' if notices == 1 else 'notices'}")
PY
}

@test "two SIGUSR1 while printf is writing to a full pipe: its handler writes nothing (not seen asleep in write() inside the handler)" {
  full_run
  show_run
  [ -z "$WHY" ] || fail "$WHY"
  local why="after SIGUSR1 the kernel shows it asleep in write() with SIGUSR1 blocked"
  why+=" (SigBlk $SIGBLK in /proc/PID/status): the handler's mask, so that write() is"
  why+=" inside the handler, on the same full pipe, while the main flow's printf is half"
  why+=" done. Expected the handler to write nothing and return"
  [ "$IN_HANDLER" = no ] || fail "$why"
  echo "after each SIGUSR1: asleep in write() again, SIGUSR1 not blocked (SigBlk $SIGBLK): the main flow's own write() went on" >&2
}

@test "two SIGUSR1 while printf is writing to a full pipe: every line comes out once, whole and in order, the two notices together, then status 0 on SIGTERM" {
  local expected found
  full_run
  show_run
  [ -z "$WHY" ] || fail "$WHY"
  expect_equal "what it printed, counted (10000 lines and SIGUSR1 $SENT $( ((SENT == 1)) && echo time || echo times))" \
    "10000 numbered lines, in order; 0 printed twice; 0 torn; $SENT $( ((SENT == 1)) && echo notice || echo notices)" "$(summary "$wk")"
  # Both came while one printf waited: act(), after that line, finds two.
  expected=$(for ((k = 1; k <= SENT; k++)); do echo "worker $wk: notified by SIGUSR1 ($k so far)"; done)
  found=$(grep -m 1 -A $((SENT - 1)) 'notified by' "$T/got" | head -n "$SENT")
  [ "$SENT" -eq 1 ] ||
    expect_equal "its first notice and the line after it (both SIGUSR1 came while one printf waited, so act() finds two when it next looks, and prints both)" "$expected" "$found"
  expect_equal "its notices" "$expected" "$(grep 'notified by' "$T/got" | head -n 3)"
  expect_equal "its last line" "worker $wk: stopping on SIGTERM" "$(tail -n 1 "$T/got")"
  expect_equal "its exit status after SIGTERM" 0 "$status"
}
