#!/usr/bin/env bats
# Lesson 03: how each program ends, C and Python alike. A worker that is
# stopping ends with status 0 whatever signal comes next; a full or closed
# stdout is one line naming the write and the object; a master that fails
# (a full stdout, a fork or exec that fails) ends and reaps its workers
# first; a second Ctrl-C to a master SIGKILLs workers that ignore the first;
# Ctrl-C ends the Python mirrors as it ends the C programs; the workers of a
# C and of a Python master start with the same ignored signals; the same
# bad arguments get the same words; one of a thing is said in the singular.

load helpers/common
load helpers/signals
bats_require_minimum_version 1.5.0

setup() {
  common_setup
  open_input
}

# same_words: a message with what differs between C and Python left out:
# ".py" after the program's name, the path of argv[0] in a usage line,
# pids and pipe inodes.
same_words() {
  sed -E -e 's#usage: [^ ]*/([a-z_]+)(\.py)? #usage: \1 #' -e 's/^([a-z_]+)\.py: /\1: /' \
         -e 's/(worker|pid) [0-9]+/\1 PID/g' -e 's/pipe:\[[0-9]+\]/pipe:[N]/g' \
         -e 's#\([^ ]*/(worker|nosuch)(\.py)?\)#(\1)#'
}

# SIGINT_DEFAULT CMD...: CMD with SIGINT back to its default action (a
# background job starts with it ignored), as in a terminal.
SIGINT_DEFAULT=("$PYTHON" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])')

# NO_READER CMD...: CMD with its stdout a pipe whose read end is closed
# (every write: SIGPIPE, or EPIPE if ignored), SIGPIPE at its default.
NO_READER=("$PYTHON" -c 'import os, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
r, w = os.pipe()
os.close(r)
os.dup2(w, 1)
os.execvp(sys.argv[1], sys.argv[1:])')

# ---- a worker -------------------------------------------------------------

# ending PID: worker PID has said it stops, or has ended.
ending() { grep -qE ': stopping on |: end of input$' "$T/wk.out" || proc_zombie "$1"; }

@test "a worker that is stopping ends with status 0 though a second SIGINT or SIGTERM comes while it shuts down (two at once; one as it says it stops; end of input then SIGTERM), C and Python, 5 runs each" {
  local w k first second
  for w in "$(c worker)" "$(py worker)"; do
    for k in 1 2 3 4 5; do
      for first in INT INT-then EOF-then; do
        second=INT
        [[ $first != EOF* ]] || second=TERM
        bg_in wk $w
        wait_for ready_for "$wk" "$SIGUSR1" "$SIGINT" "$SIGTERM"
        if [ "$first" = INT ]; then
          kill -INT "$wk"; kill -INT "$wk" 2>/dev/null || true    # at once (or gone)
        else
          if [ "$first" = EOF-then ]; then close_input; else kill -INT "$wk"; fi
          # Polled without a pause: the second signal must land in the few
          # ms Python takes to shut down, after the worker has said it ends.
          until ending "$wk"; do :; done
          kill "-$second" "$wk" 2>/dev/null || true
        fi
        finished "$wk"
        [ "$status" = 0 ] ||
          fail "$(lang "$w") worker, run $k, $first then $second: status $status: $(<"$T/wk.out") $(<"$T/wk.err")"
        assert_equal "$(<"$T/wk.err")" ""
        close_input
        open_input
      done
    done
  done
}

@test "a worker whose stdout is full or closed says 'write /dev/full (fd 1)' or 'write stdout (fd 1)' in one line and exits 1, no traceback, C and Python alike, buffered or not" {
  local w buf n
  for w in "$(c worker)" "$(py worker)"; do
    for buf in "env PYTHONUNBUFFERED=1" "env -u PYTHONUNBUFFERED"; do
      for n in 3 3000; do
        run --separate-stderr bash -c 'exec "$@" </dev/null >/dev/full' - $buf $w --lines "$n"
        assert_equal "$status: $(same_words <<<"$stderr")" \
                     "1: worker: write /dev/full (fd 1): No space left on device"
        run --separate-stderr bash -c 'exec "$@" </dev/null >&-' - $buf $w --lines "$n"
        assert_equal "$status: $(same_words <<<"$stderr")" "1: worker: write stdout (fd 1): Bad file descriptor"
      done
      # No --lines: its first line is out()'s, the same words.
      run --separate-stderr bash -c 'exec "$@" </dev/null >/dev/full' - $buf $w
      assert_equal "$status: $(same_words <<<"$stderr")" \
                   "1: worker: write /dev/full (fd 1): No space left on device"
    done
  done
}

# ---- a master that fails ---------------------------------------------------

# master_fails HOW MASTER ARG...: MASTER under a reaper (bg_reaped),
# standard input our FIFO (its workers wait for work there), stdout HOW
# (full: /dev/full; nobody: a pipe with no reader; out: $T/ms.out). Once the master is
# gone, anything it left is a child of the reaper: there must be none.
# $status: the master's.
master_fails() {
  local how=$1
  shift
  if [ "$how" = full ]; then
    bg_reaped ms bash -c 'exec "$@" <"$0" >/dev/full' "$T/in" "$@" {IN}>&-
  elif [ "$how" = out ]; then
    bg_reaped ms bash -c 'exec "$@" <"$0"' "$T/in" "$@" {IN}>&-
  else
    bg_reaped ms bash -c 'exec "$@" <"$0"' "$T/in" "${NO_READER[@]}" "$@" {IN}>&-
  fi
  wait_for gone "$ms"
  has_children 0 "$ms_reaper" || fail "$*: left behind: $(children "$ms_reaper")"
  status=0
  wait "$ms_reaper" || status=$?
}

@test "a master whose stdout is full or read by nobody says so, ends and reaps its workers first (nothing left) and exits 1, C and Python" {
  local m how
  for m in "$(c master)|$(py worker)" "$(py master)|$(c worker)" "$(c master)|$(c worker)"; do
    for how in full nobody; do
      master_fails "$how" ${m%%|*} --workers 2 -- ${m##*|}
      assert_equal "$status" 1
      if [ "$how" = full ]; then
        assert_equal "$(grep '^master' "$T/ms.err" | head -n 1 | same_words)" \
                     "master: write /dev/full (fd 1): No space left on device"
      else
        assert_equal "$(grep '^master' "$T/ms.err" | head -n 1 | same_words)" \
                     "master: write pipe:[N] (fd 1): Broken pipe"
      fi
      # (A worker slow to end, on a busy machine, gets SIGKILL 1 s later.)
      assert_equal "$(grep -cE '^master(\.py)?: giving up on worker [0-9]+ \([^)]*\): sent it SIGTERM(, then SIGKILL when it had not ended 1 s later)?; worker (exited with status [01]|killed by signal [0-9]+ \([A-Za-z ]+\))$' "$T/ms.err")" 2
    done
  done
}

@test "a master whose fork fails part-way (RLIMIT_NPROC) ends and reaps the workers it started, status 1, C and Python" {
  local m uid=$((200000 + RANDOM * 32768 + RANDOM))
  # A user of its own (a random uid, no account) with room for 2
  # processes: the master and its first worker; the second fork fails.
  public_copy "$BIN/master" "$BIN/worker" "$PEERS"
  for m in "$PUB/master" "$PYTHON $PUB/python_peers/03-signals/master.py"; do
    master_fails out prlimit --nproc=2 setpriv --reuid="$uid" --regid="$uid" --clear-groups \
      $m --workers 3 -- "$PUB/worker"
    assert_equal "$status" 1
    assert_equal "$(head -n 1 "$T/ms.err" | same_words)" "master: fork: Resource temporarily unavailable"
    # The one worker it started: SIGTERM (it stops; or, not yet ready, dies of it).
    assert_regex "$(sed -n '2,$p' "$T/ms.err")" \
                 "^master(\.py)?: giving up on worker [0-9]+ \([^)]*\): sent it SIGTERM(, then SIGKILL when it had not ended 1 s later)?; worker (exited with status 0|killed by signal (15 \(Terminated\)|9 \(Killed\)))$"
    assert_equal "$(grep -c 'ready' "$T/ms.out")" 0
  done
}

@test "a master whose workers cannot be exec'd says which and that they did not start, reaps them and exits 1 (not 'ready', not 0), C and Python" {
  local m
  for m in "$(c master)" "$(py master)"; do
    run --separate-stderr $m --workers 2 -- "$T/nosuch" </dev/null
    assert_equal "$status" 1
    assert_equal "$output" ""
    assert_equal "$(same_words <<<"$stderr" | LC_ALL=C sort)" \
"master: 2 of 2 workers did not start: giving up
master: exec $T/nosuch: No such file or directory
master: exec $T/nosuch: No such file or directory
master: giving up on worker PID (nosuch): sent it SIGTERM; worker exited with status 127
master: giving up on worker PID (nosuch): sent it SIGTERM; worker exited with status 127"
    run --separate-stderr $m --workers 1 -- "$T/nosuch" </dev/null
    assert_equal "$status" 1
    assert_equal "$(grep 'did not start' <<<"$stderr" | same_words)" \
                 "master: 1 of 1 worker did not start: giving up"
  done
}

@test "a second SIGINT or SIGTERM to a master whose workers ignore the first sends them SIGKILL, says so, reaps them: status 0, nothing left, C and Python" {
  local m sig w2
  # Workers that ignore SIGINT and SIGTERM, and say they are ready by
  # closing descriptor 3 (the master appends --ready-fd 3: sh's $1 $2).
  local w='trap "" INT TERM; exec 3>&-; exec sleep 1000'
  for m in "$(c master)" "$(py master)"; do
    for sig in INT TERM; do
      rm -f "$T/ms.out"
      bg_in ms $m --workers 2 -- sh -c "$w" sh
      wait_for grep -q "2 workers ready" "$T/ms.out"
      workers=$(children "$ms")
      for w2 in $workers; do wait_for in_syscall "$w2" clock_nanosleep; done
      kill "-$sig" "$ms"
      wait_for grep -q "^master: SIG$sig: stopping the workers$" "$T/ms.out"
      wait_for in_syscall "$ms" rt_sigtimedwait     # back in sigwaitinfo
      for w2 in $workers; do assert in_syscall "$w2" clock_nanosleep; done
      kill "-$sig" "$ms"
      for w2 in $workers; do
        wait_for gone "$w2" || { kill -KILL $workers; fail "${m##*/}: a second SIG$sig left its workers"; }
      done
      finished "$ms"
      assert_equal "$status" 0
      assert_equal "$(sed -n '2,$p' "$T/ms.out" | same_words | LC_ALL=C sort)" \
"master: SIG$sig again: killing the workers (SIGKILL)
master: SIG$sig: stopping the workers
master: all 2 workers reaped
master: worker PID killed by signal 9 (Killed)
master: worker PID killed by signal 9 (Killed)"
      for w2 in $workers; do gone "$w2"; done
    done
  done
}

# ---- Ctrl-C ---------------------------------------------------------------

# in_sigsuspend_or_sigwait PID: pause_race --fix waits: sigsuspend (C) or
# sigwait (Python).
in_sigsuspend_or_sigwait() { in_syscall "$1" rt_sigsuspend || in_syscall "$1" rt_sigtimedwait; }

@test "Ctrl-C (SIGINT) ends count, pause_race (with and without --fix, in pause, sigsuspend or sigwait), late (in sigwait) and flood (held in step mode) as it ends the C programs: killed, status 130, no traceback" {
  local p name opt
  mkfifo -m 600 "$T/step"
  exec {GO}<>"$T/step"
  for p in count pause_race "pause_race --fix" late flood; do
    opt=""
    [[ $p != *" "* ]] || opt=" ${p#* }"
    for name in "$(c ${p%% *})$opt" "$(py ${p%% *})$opt"; do
      rm -f "$T/p.out" "$T/p.err"
      if [[ $p == flood ]]; then
        # Step mode: the trace holds flood before its first kill().
        IPCLAB_STEP_FD=7 IPCLAB_TRACE_FD=8 "${SIGINT_DEFAULT[@]}" $name -n 1 --signal SIGCONT \
          "$BASHPID" 7<"$T/step" 8>/dev/null >"$T/p.out" 2>"$T/p.err" 3>&- {IN}>&- {GO}>&- &
      else
        "${SIGINT_DEFAULT[@]}" $name <"$T/in" >"$T/p.out" 2>"$T/p.err" 3>&- {IN}>&- {GO}>&- &
      fi
      pr=$!
      case $p in
        count) wait_for blocked_reading_pipe "$pr" ;;
        flood) wait_for blocked_reading_fd "$pr" 7 ;;
        late) wait_for blocked_in_sigwait "$pr" ;;
        "pause_race --fix") wait_for grep -q waiting "$T/p.out"
                            wait_for in_sigsuspend_or_sigwait "$pr" ;;
        *) wait_for blocked_in_pause "$pr" ;;
      esac
      kill -INT "$pr"
      wait_for proc_gone "$pr" || { kill -KILL "$pr"; fail "$name: SIGINT did not end it"; }
      finished "$pr"
      assert_equal "$status" 130                 # 128 + SIGINT (2)
      run grep -v ': pid [0-9]* blocks ' "$T/p.err"      # count's first words
      assert_output ""
    done
  done
  exec {GO}>&-
}

# ---- the same dispositions, the same words -----------------------------------

# worker_sigign MASTER...: SigIgn of the worker MASTER starts (a C worker
# that waits for work), once it is ready.
worker_sigign() {
  rm -f "$T/ms.out"
  bg_in ms "$@" -- "$(c worker)"
  wait_for grep -qE "workers? (ready|started)" "$T/ms.out"
  local w
  w=$(children "$ms")
  wait_for blocked_reading_pipe "$w"
  status_field "$w" SigIgn
  kill -TERM "$w"
  wait "$ms"
}

@test "the workers of a C master and of a Python master (master, reaping_master skeleton and solution) start with the same signals ignored: not SIGPIPE, not SIGXFSZ" {
  local ref got m SIGPIPE=13 SIGXFSZ=25
  ref=$(worker_sigign "$BIN/master" --workers 1)
  (( (16#$ref >> (SIGPIPE - 1) & 1) == 0 && (16#$ref >> (SIGXFSZ - 1) & 1) == 0 ))
  for m in "$PYTHON $PEERS/03-signals/master.py" \
           "$PYTHON $ROOT/lessons/03-signals/exercises/03-reap-all/reaping_master.py" \
           "$PYTHON $ROOT/lessons/03-signals/solutions/03-reap-all/reaping_master.py"; do
    got=$(worker_sigign $m --workers 1)
    [ "$got" = "$ref" ] || fail "${m##*/}'s worker: SigIgn $got; a C master's worker: $ref"
  done
}

@test "a program whose stdout nobody reads is killed by SIGPIPE at its first line in Python as in C: count, pause_race, late, flood, worker (a master is not: see above)" {
  local p name
  for p in count pause_race late flood worker; do
    for name in "$(c $p)" "$(py $p)"; do
      if [ "$p" = flood ]; then
        run --separate-stderr "${NO_READER[@]}" $name -n 1 --signal SIGCONT "$BASHPID"
      else
        run --separate-stderr "${NO_READER[@]}" $name </dev/null
      fi
      assert_equal "$status" 141        # 128 + SIGPIPE (13)
      assert_equal "$(grep -v ': pid [0-9]* blocks ' <<<"$stderr")" ""
    done
  done
}

@test "flood: the same bad arguments get the same words and status from C and Python (a missing value, no PID, two PIDs, an option after the PID)" {
  local a c py
  for a in "-n" "--signal" "-n 5" "--queue" "" "1 2" "--bogus 1" "-- 1" "-n x 1" "-1" \
           "1 -n 5" "--signal SIGUSR1" "-n 0 1"; do
    run --separate-stderr $(c flood) $a
    c="$status $(same_words <<<"$stderr")"
    run --separate-stderr $(py flood) $a
    py="$status $(same_words <<<"$stderr")"
    [ "$c" = "$py" ] || fail "flood $a: C: $c; Python: $py"
    [ "${c%% *}" = 2 ] || fail "flood $a: status ${c%% *}, not 2 (usage)"
  done
  run --separate-stderr $(c flood) -n
  assert_equal "$stderr" "flood: -n needs a value"
}

@test "one of a thing is said in the singular, C and Python alike: 1 worker ready, stopping the worker, the 1 worker reaped, 1 of 1 worker did not start" {
  local m
  for m in "$(c master)" "$(py master)"; do
    rm -f "$T/ms.out"
    bg_in ms $m --workers 1 -- "$(c worker)"
    wait_for grep -q "ready" "$T/ms.out"
    wait_for blocked_reading_pipe "$(children "$ms")"
    kill -INT "$ms"
    finished "$ms"
    assert_equal "$status" 0
    assert_equal "$(grep '^master' "$T/ms.out" | same_words)" "master: 1 worker ready
master: SIGINT: stopping the worker
master: worker PID exited with status 0
master: the 1 worker reaped"
  done
}

@test "Ctrl-C to a master and its Python workers (SIGINT to the whole process group, then the master's own): every worker exited with status 0, 5 runs, C and Python masters" {
  local m k w
  for m in "$(c master)" "$(py master)"; do
    for k in 1 2 3 4 5; do
      rm -f "$T/ms.out"
      # pgroup: the master leads a group of its own, as a shell's job does,
      # and the terminal's Ctrl-C reaches every process in it.
      bg_in ms $m --workers 3 --orphan-fix pgroup -- $(py worker)
      wait_for grep -q "workers ready" "$T/ms.out"
      workers=$(children "$ms")
      for w in $workers; do wait_for blocked_reading_pipe "$w"; done
      kill -INT -- "-$ms"
      finished "$ms"
      assert_equal "$status" 0
      assert_equal "$(grep -c ' exited with status 0$' "$T/ms.out")" 3
    done
  done
}
