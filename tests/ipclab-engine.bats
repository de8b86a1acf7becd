#!/usr/bin/env bats
# ipclab's scenario engine, headless: errors point at the scenario's line,
# the sandbox holds, waits time out, step mode lets one call through, and
# every way ipclab can end leaves nothing behind.
load helpers/common
load helpers/ipclab

# A test that fails midway kills ipclab and its janitor in teardown: clean
# what they leave (only this test's runs: XDG_RUNTIME_DIR is per test).
teardown() {
  local rc=0 key
  # System V queues a test made for someone else (key per line).
  [ ! -f "$T/foreign" ] || while read -r key; do ipcrm -Q "$key" 2>/dev/null; done <"$T/foreign"
  assert_nothing_left || rc=$?
  "$IPCLAB" clean >/dev/null 2>&1 || true
  return "$rc"
}

# bats test_tags=asan
@test "ipclab --help and --version answer; an unknown option is refused; names are echoed without control bytes" {
  run "$IPCLAB" --help
  assert_success
  assert_output --partial "ipclab run FILE.lua"
  run "$IPCLAB" --version
  assert_success
  assert_output --regexp '^ipclab [0-9]+\.[0-9]+\.[0-9]+$'
  run "$IPCLAB" --frobnicate
  assert_failure 3
  assert_line --index 0 "ipclab: unknown argument '--frobnicate'"
  assert_output --partial "usage:"
  # What is missing is named on the first line, then the usage.
  run "$IPCLAB" run
  assert_failure 3
  assert_line --index 0 "ipclab: run needs a scenario file"
  run "$IPCLAB" run "$FIX/random.lua" --seed
  assert_failure 3
  assert_line --index 0 "ipclab: --seed needs a number"
  # A folder is no scenario: refused before anything starts (3, not 2).
  run "$IPCLAB" run "$FIX" --headless
  assert_failure 3
  assert_output "ipclab: $FIX: not a scenario file (a Lua file)"
  # A name with control bytes is echoed with '?' for each: it cannot clear
  # or recolour the terminal, nor forge a second line.
  run "$IPCLAB" run $'\e[2J\e[31mx\nipclab: fine' --headless
  assert_failure 3
  assert_output "ipclab: ?[2J?[31mx?ipclab: fine: No such file or directory"
}

# bats test_tags=asan
@test "a scenario with a syntax error is reported at its file and line" {
  run "$IPCLAB" run "$FIX/syntax-error.lua" --headless
  assert_failure 2
  assert_output --partial "syntax-error.lua:3: unexpected symbol near '='"
}

# bats test_tags=asan
@test "a runtime error names file:line and the reason, and its processes are stopped" {
  run "$IPCLAB" run "$FIX/runtime-error.lua" --headless
  assert_failure 2
  assert_output --partial "runtime-error.lua:5: attempt to call a nil value (global 'no_such_function')"
  assert_output --partial "exit sleeper signal SIGTERM"
}

# bats test_tags=asan
@test "an endless loop in a scenario is stopped with a clear error" {
  run "$IPCLAB" run "$FIX/runaway.lua" --headless
  assert_failure 2
  assert_output --partial "runaway.lua:3: the scenario ran 10 million instructions (or 100000 calls) without waiting"
}

# bats test_tags=asan
@test "scenarios run sandboxed: no os, io or load" {
  run "$IPCLAB" run "$FIX/sandbox.lua" --headless
  assert_failure 2
  assert_output --partial "expect ok: no os, io, load, require, dofile"
  assert_output --partial "sandbox.lua:4: attempt to index a nil value (global 'os')"
}

# bats test_tags=asan
@test "wait_until times out with an error at the scenario's line, saying where each live process is" {
  run "$IPCLAB" run "$FIX/timeout.lua" --headless
  assert_failure 2
  assert_output --regexp "timeout.lua:3: timed out after 0.3 s waiting for the sleeper to exit; now: sleeper (running|sleeping in clock_nanosleep)"
}

# bats test_tags=asan
@test "a failed expectation is shown as FAILED and makes headless ipclab exit 1" {
  run "$IPCLAB" run "$FIX/expect-fails.lua" --headless
  assert_failure 1
  assert_output --partial "expect ok: arithmetic works"
  assert_output --partial "expect FAILED: this one fails on purpose"
  assert_output --partial "end: 2 expectations, 1 passed, 1 failed"
}

# bats test_tags=asan
@test "step mode lets exactly one traced call of a process through" {
  run "$IPCLAB" run "$FIX/step.lua" --headless
  assert_success
  assert_output --partial "step writer waits before write(fd 1, 36 bytes)"
  assert_output --partial "expect ok: exactly one write went through"
  assert_output --partial "expect ok: then exactly two"
  assert_output --partial "end: 5 expectations, 5 passed, 0 failed"
}

# bats test_tags=asan
@test "a stepped reader let go into a read() that blocks: step() returns it blocked in read" {
  # Held in read() on the step fd, then asleep in read() on fd 0: the same
  # call, and maybe no sample between to see it run.
  run "$IPCLAB" run "$FIX/step-read.lua" --headless
  assert_success
  assert_output --partial "expect ok: let go, it is asleep in read() on the empty pipe"
  assert_output --partial "end: 2 expectations, 2 passed, 0 failed"
}

# bats test_tags=asan
@test "a missing scenario file or terminal gives a clear message and leaves no run folder" {
  run "$IPCLAB" run "$T/nope.lua" --headless
  assert_failure 3
  assert_output --partial "nope.lua: No such file or directory"
  TERM= run "$IPCLAB" run "$FIX/expect-fails.lua" </dev/null
  assert_failure 3
  assert_output --partial "cannot open the terminal"
  assert_output --partial "--headless"
  run ls -A "$XDG_RUNTIME_DIR/ipclab"
  assert_output ""                      # its run-ID folder went with it
}

# bats test_tags=asan
@test "--seed replays a scenario's random choices and is in the transcript; a bad seed is refused" {
  local a b c
  run "$IPCLAB" run "$FIX/random.lua" --headless --seed 1130
  assert_success
  assert_line --regexp '^ *[0-9.]+ seed 1130$'
  a=$(grep -o 'choices .*' <<<"$output")
  run "$IPCLAB" run "$FIX/random.lua" --headless --seed 1130
  b=$(grep -o 'choices .*' <<<"$output")
  run "$IPCLAB" run "$FIX/random.lua" --headless --seed 1131
  c=$(grep -o 'choices .*' <<<"$output")
  assert_equal "$a" "$b"
  [ "$a" != "$c" ] || fail "seeds 1130 and 1131 made the same choices: $a"
  # Without --seed: a seed of its own, printed, that plays the run again.
  run "$IPCLAB" run "$FIX/random.lua" --headless
  a=$(grep -o 'choices .*' <<<"$output")
  run "$IPCLAB" run "$FIX/random.lua" --headless --seed "$(sed -n 's/^ *[0-9.]* seed //p' <<<"$output")"
  assert_equal "$(grep -o 'choices .*' <<<"$output")" "$a"
  for bad in -1 12x "" +5 " 5" 99999999999999999999; do
    run "$IPCLAB" run "$FIX/random.lua" --headless --seed "$bad"
    assert_failure 3
    assert_output "ipclab: --seed $bad: a whole number, 0 to 9223372036854775807"
  done
  run ls -A "$XDG_RUNTIME_DIR/ipclab"
  assert_output ""
}

# bats test_tags=asan
@test "--record saves the transcript" {
  run "$IPCLAB" run "$FIX/expect-fails.lua" --headless --record "$T/t.txt"
  assert_failure 1
  run cat "$T/t.txt"
  assert_output --partial "expect FAILED: this one fails on purpose"
}

# Start the long fixture, wait until it made its objects; sets IPID, NAME, FIFO.
start_long_run() {
  rm -f "$T/IPID.out"     # not the last run's: bg truncates it only when it starts
  bg IPID "$IPCLAB" run "$FIX/long.lua" --headless
  wait_for grep -q "say ready:" "$T/IPID.out"
  read -r NAME FIFO < <(sed -n 's/.*say ready: //p' "$T/IPID.out")
  assert_file_exist "/dev/shm${NAME}"
  assert_fifo_exists "$FIFO"
}

assert_run_left_nothing() {
  wait_for no_procs_left
  assert_file_not_exist "/dev/shm${NAME}"
  assert_file_not_exist "$FIFO"
  assert_dir_not_exist "$(dirname "$FIFO")"
}

# bats test_tags=asan
@test "SIGKILL or a crash (SIGSEGV) of ipclab mid-scenario leaves no process, object or file" {
  ulimit -c 0
  for sig in KILL SEGV; do
    start_long_run
    kill -"$sig" "$IPID"
    assert_run_left_nothing
  done
}

# bats test_tags=asan
@test "SIGTERM, SIGINT and SIGHUP of ipclab clean up and say so" {
  for sig in TERM INT HUP; do
    start_long_run
    kill -"$sig" "$IPID"
    wait_exit "$IPID"
    assert_run_left_nothing
    run cat "$T/IPID.out"
    assert_output --partial "interrupted by SIG$sig: cleaning up"
  done
}

# bats test_tags=asan
@test "ipclab clean removes what a run killed with its janitor left" {
  start_long_run
  # Kill the janitor first, then ipclab: nobody cleans; the children die
  # with ipclab (PR_SET_PDEATHSIG) but the object and the directory stay.
  kill -KILL $(janitor_of "$IPID") "$IPID"
  wait_for no_procs_left
  assert_file_exist "/dev/shm${NAME}"
  run "$IPCLAB" clean
  assert_success
  assert_output --partial "removing what run $IPID left"
  assert_file_not_exist "/dev/shm${NAME}"
  assert_dir_not_exist "$(dirname "$FIFO")"
}

# bats test_tags=asan
@test "a receive that spins (like MPI_Recv) is shown busy-polling, not blocked" {
  run "$IPCLAB" run "$FIX/busy-poll.lua" --headless
  assert_success
  assert_output --partial "expect ok: it spins in MPI_Recv"
}

# bats test_tags=asan
@test "FIFOs, socketpairs and stdin work as channels, measured from the kernel" {
  run "$IPCLAB" run "$FIX/channels.lua" --headless
  assert_success
  assert_output --partial "end: 4 expectations, 4 passed, 0 failed"
  run ls "$XDG_RUNTIME_DIR/ipclab"
  assert_output ""
}

@test "say() text reaches the transcript without control bytes, stray bytes, NULs or bidirectional overrides; long text is cut at a character with ..." {
  run "$IPCLAB" run "$FIX/say-bytes.lua" --headless
  assert_success
  assert_line --regexp '^ *[0-9.]+ say nul\?after$'
  assert_line --regexp '^ *[0-9.]+ say \?\? stray bytes$'
  assert_line --regexp '^ *[0-9.]+ say rtl \?evil\? ok$'
  assert_line --regexp '^ *[0-9.]+ say c1 \?31m and esc \?\[2J$'
  assert_line --regexp '^ *[0-9.]+ say é 漢字 kept$'
  assert_line --regexp '^ *[0-9.]+ say x{252}\.\.\.$'
  assert_line --regexp '^ *[0-9.]+ say (é){126}\.\.\.$'
  # Every line is valid UTF-8.
  iconv -f UTF-8 -t UTF-8 <<<"$output" >/dev/null
}

@test "exits are told in causal order: the writer's exit before the reader's read() = 0 it caused, each process's last trace line before its own exit, a child its parent reaps before that parent" {
  local i n w r x c p
  for i in 1 2 3 4 5; do
    run "$IPCLAB" run "$ROOT/lessons/01-pipes/scenarios/empty-pipe.lua" --headless
    assert_success
    w=$(grep -n ' exit writer ' <<<"$output" | cut -d: -f1)
    r=$(grep -n ' trace reader read(fd 0) = 0$' <<<"$output" | cut -d: -f1)
    x=$(grep -n ' exit reader ' <<<"$output" | cut -d: -f1)
    [ -n "$w" ] && [ -n "$r" ] && [ -n "$x" ] || fail "$output"
    [ "$w" -lt "$r" ] ||
      fail "run $i: the reader's end of file (line $r) before the writer's exit (line $w):"$'\n'"$(sed -n "$((r - 12)),$((w + 1))p" <<<"$output")"
    [ "$r" -lt "$x" ] || fail "run $i: the reader's exit (line $x) before its last read (line $r)"
    # A child its own parent reaps is told gone before that parent.
    run "$IPCLAB" run "$ROOT/lessons/01-pipes/scenarios/eof-hang.lua" --headless
    assert_success
    c=$(grep -n ' exit pipe_child.py (reaped by its parent)$' <<<"$output" | head -1 | cut -d: -f1)
    p=$(grep -n ' exit parent exit 0$' <<<"$output" | head -1 | cut -d: -f1)
    [ -n "$c" ] && [ -n "$p" ] && [ "$c" -lt "$p" ] || fail "run $i: the child's exit (line $c) after its parent's (line $p)"
  done
}

@test "a child that ends before a sample sees it is still followed by its trace: no trace line of ours goes unnamed" {
  local i
  for i in 1 2 3 4 5 6 7 8; do
    run "$IPCLAB" run "$ROOT/lessons/01-pipes/scenarios/interop.lua" --headless
    assert_success
    refute_output --partial "trace ? "
  done
}

@test "a read comes after the write that fed it, though each program writes its trace line after its call" {
  local i
  for i in 1 2 3 4 5; do
    run "$IPCLAB" run "$ROOT/lessons/01-pipes/scenarios/interop.lua" --headless
    assert_success
    "$PYTHON" -c '
import re, sys
lines = sys.stdin.read().splitlines()
wrote = {}
for i, l in enumerate(lines):
    m = re.search(r"trace .+? write\(fd \d+\) = \d+ \"\.\.\.\.(pong: .*?)\"", l)
    if m:
        wrote.setdefault(m.group(1), i)
reads = 0
for i, l in enumerate(lines):
    m = re.search(r"trace .+? read\(fd \d+\) = \d+ \"(pong: .*?)\"", l)
    if m:
        reads += 1
        assert m.group(1) in wrote and wrote[m.group(1)] < i, "read before its write: " + l
assert reads == 6, reads
' <<<"$output" || fail "run $i"
  done
}

@test "two children running the same program are followed under two names (sleep, sleep 2)" {
  run "$IPCLAB" run "$FIX/twins.lua" --headless
  assert_success
  assert_line --regexp '^ *[0-9.]+ follow sleep pid [0-9]+ \[program\], child of parent$'
  assert_line --regexp '^ *[0-9.]+ follow sleep 2 pid [0-9]+ \[program\], child of parent$'
}

@test "a private directory that is not ours, open to others or a symbolic link is refused with why and what to do; nothing runs" {
  local base=$XDG_RUNTIME_DIR/ipclab
  rm -rf "$base"
  ln -s "$T" "$base"
  run "$IPCLAB" run "$FIX/channels.lua" --headless
  assert_failure 3
  assert_output "ipclab: private directory $base: not a directory (a symbolic link); ipclab will not use it"
  rm "$base"
  mkdir -m 755 "$base"
  run "$IPCLAB" run "$FIX/channels.lua" --headless
  assert_failure 3
  assert_output "ipclab: private directory $base: mode 755, open to others: chmod 700 it, or remove it"
  chmod 700 "$base"
  chown nobody "$base"
  run "$IPCLAB" run "$FIX/channels.lua" --headless
  assert_failure 3
  assert_output "ipclab: private directory $base: owned by user $(id -u nobody), not you ($(id -u)): someone made it before you; ask them or root to remove it"
  rm -rf "$base"
}

@test "two channels are never labelled alike: a second pipe() is \"pipe 2\"; a label given is kept" {
  run "$IPCLAB" run "$FIX/labels.lua" --headless
  assert_success
  assert_line --regexp '^ *[0-9.]+ channel pipe 0/65536 bytes$'
  assert_line --regexp '^ *[0-9.]+ channel pipe 2 0/65536 bytes$'
  assert_line --regexp '^ *[0-9.]+ channel requests 0/65536 bytes$'
}

# bats test_tags=asan
@test "the spawn line shows each argument: a path by its last part, an abstract name with its @, an option whole, an empty one or one with a space quoted, a control byte as ?" {
  run "$IPCLAB" run "$FIX/spawn-line.lua" --headless
  assert_success
  assert_line --regexp "^ *[0-9.]+ spawn argv pid [0-9]+ \\[program\\] true a.sock @abs '' 'two words' x\\?y /ipclab-42-x -I/a/b$"
}

# bats test_tags=asan
@test "message queues show their depth and limits, and are removed at the end" {
  run "$IPCLAB" run "$FIX/queues.lua" --headless
  assert_success
  assert_output --partial "expect ok: the POSIX queue holds 3 of 4 messages"
  assert_output --partial "expect ok: the System V queue holds 2 messages"
  local id
  id=$(sed -n 's/.*say Nothing yet: \/ipclab-\([0-9]*\)-jobs.*/\1/p' <<<"$output")
  [ -n "$id" ]
  run "$PYTHON" -c 'import sys; sys.path.insert(0, sys.argv[1])
from ipclab import posix
posix.mq_open(sys.argv[2], 0)' "$PEERS" "/ipclab-$id-jobs"
  assert_failure
  assert_output --partial "No such file or directory"
  run ipcs -q
  refute_output --regexp "$(printf '0x%06x' "$id")[0-9a-f]{2} "
}

# bats test_tags=asan
@test "a POSIX queue unlinked while a process holds it: level() is nil (the name is gone), the row and the transcript say it is still open there, with its messages" {
  run "$IPCLAB" run "$FIX/queue-unlinked.lua" --headless
  assert_success
  assert_line --regexp '^ *[0-9.]+ channel /ipclab-[0-9]+-jobs: unlinked, its queue still open in receiver fd 3: 1/10 messages$'
  refute_output --partial "no such queue"
  assert_output --partial "expect ok: the receiver took 'hello' from the unlinked queue"
}

# bats test_tags=asan
@test "a POSIX queue's bytes queued (QSIZE) and who is registered with mq_notify (NOTIFY_PID): read through a holder's descriptor, a sender's write-only one too; a thread and a signal told apart; the transcript tells each change" {
  run "$IPCLAB" run "$FIX/queue-notify.lua" --headless
  assert_success
  assert_output --partial "expect ok: 2 messages, 8 bytes queued (QSIZE), read through the sender's write-only descriptor; nobody registered"
  assert_output --partial "expect ok: registered: the 'by thread' process, SIGEV_THREAD; 0 bytes queued"
  assert_output --partial "expect ok: registered: the 'by signal' process, SIGUSR2"
  assert_line --regexp '^ *[0-9.]+ channel /ipclab-[0-9]+-jobs: mq_notify: by thread \(pid [0-9]+\), SIGEV_THREAD$'
  assert_line --regexp '^ *[0-9.]+ channel /ipclab-[0-9]+-jobs: mq_notify: by signal \(pid [0-9]+\), SIGUSR2$'
  assert_line --regexp '^ *[0-9.]+ channel /ipclab-[0-9]+-jobs: mq_notify: none$'
  assert_output --partial "end: 4 expectations, 4 passed, 0 failed"
}

@test "a folder an ordinary user may not read is named with Permission denied, not called missing" {
  public_copy "$BIN" "$PEERS" lessons
  # Lessons 01 and 08 are enough to show it (the tour below tells them all).
  find "$PUB/lessons" -mindepth 1 -maxdepth 1 ! -name '01-*' ! -name '08-*' -exec rm -rf {} +
  local as=(setpriv --reuid=nobody --regid=nogroup --clear-groups) b="$PUB/$(basename "$BIN")"
  # Its own runtime folder: /tmp/ipclab-UID is the other test's to look at.
  install -d -m 700 -o nobody "$PUB/xdg"
  local env=(env XDG_RUNTIME_DIR="$PUB/xdg" IPCLAB_ROOT="$PUB" IPCLAB_BIN="$b")
  mv "$PUB/$(basename "$PEERS")" "$PUB/python_peers" 2>/dev/null || true
  chmod 700 "$PUB/python_peers/01-pipes"
  run "${env[@]}" "${as[@]}" "$b/ipclab" run 01/empty-pipe --headless
  assert_failure 2
  assert_output --partial "Python peer $PUB/python_peers/01-pipes/pipe_writer.py: Permission denied"
  chmod 700 "$PUB/lessons/01-pipes/scenarios"
  run "${env[@]}" "${as[@]}" "$b/ipclab" run 01/empty-pipe --headless
  assert_failure 3
  assert_output "ipclab: 01/empty-pipe: lessons/01-pipes/scenarios: Permission denied"
  run "${env[@]}" "${as[@]}" "$b/ipclab" list
  assert_output --partial "(its scenarios cannot be listed: lessons/01-pipes/scenarios: Permission denied)"
  # The tour says so, and goes on; a scenario file it may not read too.
  chmod 755 "$PUB/lessons/01-pipes/scenarios" "$PUB/python_peers/01-pipes"
  chmod 600 "$PUB/lessons/08-shared-memory/scenarios/ring.lua"
  chmod 700 "$PUB/lessons/01-pipes/scenarios"
  run "${env[@]}" "${as[@]}" "$b/ipclab" tour
  assert_failure 2
  assert_line "      ERROR lessons/01-pipes/scenarios: Permission denied"
  assert_line "  * ring.lua"
  assert_line "      ERROR it could not be played: Permission denied"
  assert_line --regexp '^      = [0-9]+ expectations, [0-9]+ passed, 0 failed$'
}

# bats test_tags=asan
@test "an ordinary user runs scenarios; the run's folder is private (0700) and left empty" {
  public_copy "$BIN" "$PEERS" "$FIX"
  local as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  run env -u XDG_RUNTIME_DIR IPCLAB_ROOT="$PUB" IPCLAB_BIN="$PUB/$(basename "$BIN")" \
    "${as[@]}" "$PUB/$(basename "$BIN")/ipclab" run "$PUB/fixtures/channels.lua" --headless
  assert_success
  assert_output --partial "end: 4 expectations, 4 passed, 0 failed"
  local base=/tmp/ipclab-$(id -u nobody)
  assert_equal "$(stat -c '%a %U' "$base")" "700 nobody"
  run ls -A "$base"
  refute_output --regexp "run-"
}

# bats test_tags=asan
@test "after a teacher's pause, step() returns only once the process has moved: the lost update holds" {
  # --pace 1: every pause() lasts a second, as on screen; each process then
  # sits held for a second before its next step.
  run "$IPCLAB" run "$ROOT/lessons/08-shared-memory/scenarios/lost-update.lua" --headless --pace 1
  assert_success
  refute_output --partial "FAILED"
  assert_output --partial "expect ok: 6 increments, 3 forced interleavings: the counter says 3"
  assert_output --partial "end: 11 expectations, 11 passed, 0 failed"
}

# bats test_tags=asan
@test "a forged or wrong handle is an error at its line; print prints only its values; write never blocks" {
  run "$IPCLAB" run "$FIX/handles.lua" --headless
  assert_success
  refute_output --partial "FAILED"
  assert_output --regexp $'print two\tvalues\t3\n'
  run "$IPCLAB" run "$FIX/forged.lua" --headless
  assert_failure 2
  assert_output --partial "forged.lua:2: bad argument #1 to 'step' (process expected, got table)"
}

# bats test_tags=asan
@test "an endless loop that catches every error is still stopped, and cannot catch the stop" {
  run timeout -k 2 20 "$IPCLAB" run "$FIX/hostage-pcall.lua" --headless
  assert_failure 2
  assert_output --partial "hostage-pcall.lua:3: the scenario ran 10 million instructions (or 100000 calls) without waiting"
  assert_output --partial "exit sleeper signal SIGTERM"
}

# bats test_tags=asan
@test "a scenario cannot set a finalizer, and its memory is capped" {
  run timeout -k 2 20 "$IPCLAB" run "$FIX/hostage-gc.lua" --headless
  assert_failure 2
  assert_output --partial "hostage-gc.lua:2: setmetatable: finalizers (__gc) are not allowed in scenarios"
  run timeout -k 2 60 "$IPCLAB" run "$FIX/hostage-memory.lua" --headless
  assert_failure 2
  assert_output --partial "hostage-memory.lua:4: the scenario used more than 256 MiB of memory"
}

# Sleeping in the system call named $2 (by syscall, never by wchan).
blocked_in() {
  [ "$(proc_state "$1")" = S ] && [[ $(proc_syscall "$1") == "$2 "* ]]
}

# Start the fixture stuck in one long C call; sets IPID and NAME.
start_stuck_run() {
  rm -f "$T/IPID.out"
  bg IPID "$IPCLAB" run "$FIX/hostage-cfunc.lua" --headless
  wait_for grep -q "say ready:" "$T/IPID.out"
  NAME=$(sed -n 's/.*say ready: //p' "$T/IPID.out")
  assert_file_exist "/dev/shm${NAME}"
  # Inside string.find: running, in Lua, for as long as anyone waits.
  wait_for test "$(proc_state "$IPID")" = R
}

# bats test_tags=asan
@test "SIGINT, SIGTERM, SIGHUP and SIGQUIT end a scenario stuck in one long library call; nothing is left" {
  for sig in INT TERM HUP QUIT; do
    start_stuck_run
    kill -"$sig" "$IPID"
    wait_exit "$IPID"
    wait_for no_procs_left
    assert_file_not_exist "/dev/shm${NAME}"
    run cat "$T/IPID.out"
    assert_output --partial "hostage-cfunc.lua:9: interrupted by SIG$sig, but the scenario did not stop within half a second"
    assert_output --regexp "end: interrupted"
  done
  run ls -A "$XDG_RUNTIME_DIR/ipclab"
  assert_output ""
}

# bats test_tags=asan
@test "a scenario stuck in one long library call is stopped by the wall clock" {
  start_stuck_run
  wait_exit "$IPID"
  wait "$IPID" || assert_equal "$?" 2
  run cat "$T/IPID.out"
  assert_output --partial "hostage-cfunc.lua:9: the scenario ran more than 5 s without waiting and did not stop"
  assert_output --partial "end: scenario error"
  wait_for no_procs_left
  assert_file_not_exist "/dev/shm${NAME}"
}

# bats test_tags=asan
@test "Ctrl-C ends ipclab while it loads a scenario file that blocks (a FIFO)" {
  mkfifo "$T/scenario.lua"
  bg IPID "$IPCLAB" run "$T/scenario.lua" --headless
  wait_for blocked_in "$IPID" openat
  kill -INT "$IPID"
  wait_exit "$IPID"
  run wait "$IPID"
  assert_equal "$status" 130
}

# bats test_tags=asan
@test "watching a FIFO never opens it: a writer asleep in open() stays asleep through 2 s of sampling" {
  run "$IPCLAB" run "$FIX/watch-fifo.lua" --headless
  assert_success
  refute_output --partial "FAILED"
  assert_output --partial "expect ok: two seconds of watching later, the writer still sleeps in open"
}

# bats test_tags=asan
@test "watching a System V segment never attaches it: nattch and the last attacher stay the program's" {
  bg IPID "$IPCLAB" run "$FIX/watch-sysv.lua" --headless
  wait_for grep -q "say ready:" "$T/IPID.out"
  local key maker
  read -r key maker < <(sed -n 's/.*say ready: //p' "$T/IPID.out")
  # The scenario has read the value through ipclab by now. In
  # /proc/sysvipc/shm (key shmid perms size cpid lpid nattch ...) lpid is
  # the last process to attach or detach: an attach by ipclab would show.
  local k id perms size cpid lpid nattch rest
  read -r k id perms size cpid lpid nattch rest < <(awk -v k="$key" '$1 == k' /proc/sysvipc/shm)
  assert_equal "$nattch" 1
  assert_equal "$lpid" "$maker"
  run ipcs -m -i "$id"
  assert_output --partial "nattch=1"
  kill -TERM "$IPID"
  wait_exit "$IPID"
  wait_for no_procs_left
  run awk -v k="$key" '$1 == k' /proc/sysvipc/shm
  assert_output ""
}

# bats test_tags=asan
@test "a descendant is named after its program once it execs, under its real parent" {
  run "$IPCLAB" run "$FIX/adopt.lua" --headless
  assert_success
  refute_output --partial "FAILED"
  # Found by its trace line, usually; on a busy machine a sample may see it
  # first. Either way it hangs under its real parent (the expectations).
  assert_output --regexp "follow python3 pid [0-9]+ \[Python\], (by its trace|child of parent)"
  assert_output --regexp "exec python3 pid [0-9]+ is now sleep \[program\]"
}

# Found by a sample, a child that exited at once has no command line left
# (a Python parent's child, killed before ipclab looked, was "pid N").
@test "a child first seen as a zombie is named after its program (its comm), not pid N" {
  run "$IPCLAB" run "$FIX/zombie-child.lua" --headless
  assert_success
  # (Under load a sample may catch it between fork and exec: then it is
  # renamed at its exec, as the next test shows.)
  assert_output --regexp "(follow|is now) true "
}

# bats test_tags=asan
@test "a child seen before its exec, that execs and exits between two samples, is named after its last program" {
  run "$IPCLAB" run "$FIX/exec-zombie.lua" --headless
  assert_success
  assert_output --regexp "say first seen as: python3"
  assert_output --regexp "exec python3 pid [0-9]+ is now true "
}

# bats test_tags=asan
@test "SIGKILL of ipclab: the janitor finds a grandchild however large its environment" {
  # 40 KB of environment before the run's mark (the janitor once read 16).
  export IPCLAB_BIG_ENV=$(printf '%040000d' 0)
  bg IPID "$IPCLAB" run "$FIX/grandchild.lua" --headless
  wait_for grep -q "say ready" "$T/IPID.out"
  kill -KILL "$IPID"
  wait_for no_procs_left
}

# bats test_tags=asan
@test "a followed process whose pid goes to an unrelated process: ipclab never signals the newcomer" {
  [ -w /proc/sys/kernel/ns_last_pid ] || skip "needs root in the initial pid namespace"
  bg IPID "$IPCLAB" run "$FIX/reuse.lua" --headless
  wait_for grep -q "say ready:" "$T/IPID.out"
  local child parent newcomer=
  read -r child parent < <(sed -n 's/.*say ready: //p' "$T/IPID.out")
  kill -STOP "$IPID"                 # no sample between the child's end and its reuse
  kill -USR1 "$parent"
  wait_for proc_gone "$child"
  # An unrelated process takes the child's pid (other processes may take it
  # first on a busy machine: try again).
  local i
  for ((i = 0; i < 50; i++)); do
    echo $((child - 1)) >/proc/sys/kernel/ns_last_pid
    bg newcomer sleep 300
    [ "$newcomer" = "$child" ] && break
    wait_for execed "$newcomer" sleep
    kill "$newcomer"
  done
  kill -CONT "$IPID"
  kill -TERM "$IPID"
  wait_exit "$IPID"                  # ended either way: a skip leaves nothing
  [ "$newcomer" = "$child" ] || skip "could not give the pid to a newcomer"
  # Alive, not killed by ipclab (asleep, or R for a moment on a busy machine).
  [[ $(proc_state "$newcomer") = [RS] ]] || fail "the newcomer is $(proc_state "$newcomer")"
  kill "$newcomer"
  wait_exit "$newcomer"
}

# bats test_tags=asan
@test "System V keys hold the whole run id, skip a key someone uses, and clean-up leaves others' objects" {
  [ -w /proc/sys/kernel/ns_last_pid ] || skip "needs root in the initial pid namespace"
  local x= i out
  for ((i = 0; i < 20; i++)); do
    # Choose ipclab's pid, and take its first key for someone else first.
    x=$(( $(</proc/sys/kernel/ns_last_pid) + 300 ))
    (( x < $(</proc/sys/kernel/pid_max) - 10 )) || x=1000
    "$PYTHON" -c 'import sys, sysv_ipc; sysv_ipc.MessageQueue(int(sys.argv[1]), sysv_ipc.IPC_CREX, 0o600)' $((x << 8 | 1))
    echo $((x << 8 | 1)) >>"$T/foreign"
    echo $((x - 1)) >/proc/sys/kernel/ns_last_pid
    bg IPID "$IPCLAB" run "$FIX/sysvkeys.lua" --headless
    wait_exit "$IPID"
    [ "$IPID" = "$x" ] && break
  done
  [ "$IPID" = "$x" ] || skip "could not start ipclab with a chosen pid"
  out=$(sed -n 's/.*say keys: //p' "$T/IPID.out")
  assert_equal "$out" "$((x << 8 | 2)) $((x << 8 | 3))"
  # The other's queue is still there after the run's clean-up.
  run ipcs -q
  assert_output --partial "$(printf '0x%08x' $((x << 8 | 1)))"
}

# bats test_tags=asan
@test "watching a semaphore file shorter than a sem_t shows no value and ipclab goes on" {
  run "$IPCLAB" run "$FIX/short-sem.lua" --headless
  assert_success
  assert_output --partial "expect ok: its value is unknown, and ipclab goes on"
  local id
  id=$(sed -n 's/.*spawn maker pid [0-9]* \[Python\].* \/ipclab-\([0-9]*\)-lock$/\1/p' <<<"$output")
  [ -n "$id" ]
  assert_file_not_exist "/dev/shm/sem.ipclab-$id-lock"
}

# bats test_tags=asan
@test "a trace line naming a process that is not ipclab's descendant is not followed" {
  run "$IPCLAB" run "$FIX/forged-trace.lua" --headless
  assert_success
  assert_output --regexp "output liar \| claimed [0-9]+"
  refute_output --regexp "[0-9] follow "
  refute_output --regexp "signal|exit .*SIGTERM"
}

# bats test_tags=asan
@test "garbage on the trace pipe (a NUL byte, a line too long) costs no later line and makes none" {
  run "$IPCLAB" run "$FIX/garbage-trace.lua" --headless
  assert_success
  assert_output --partial "note writer after the NUL"
  assert_output --partial "note writer after the long line"
  refute_output --partial "note writer tail"
  refute_output --partial "FAILED"
}

# bats test_tags=asan
@test "a spawned program holds only its 0, 1, 2, the ends it was given and the trace descriptor" {
  run "$IPCLAB" run "$FIX/fds.lua" --headless
  assert_success
  assert_output --partial "output lister | fds: 0 1 2 5 90"
}

# bats test_tags=asan
@test "a trace line's claims are checked: no step wait outside step mode, no fd out of range" {
  run "$IPCLAB" run "$FIX/forged-step.lua" --headless
  assert_success
  refute_output --partial "FAILED"
  refute_output --partial "held in step mode"
  refute_output --partial "waits before"
}

# bats test_tags=asan
@test "names and keys are checked; a POSIX name someone else has is never used, nor removed" {
  [ "$(id -u)" = 0 ] || skip "makes a file as another user"
  run "$IPCLAB" run "$FIX/names.lua" --headless
  assert_success
  refute_output --partial "FAILED"
  local id
  id=$(sed -n 's/.*say taken: \([0-9]*\) .*/\1/p' <<<"$output")
  [ -n "$id" ]
  assert_file_exist "/dev/shm/ipclab-$id-taken"       # daemon's, left alone
  rm -f "/dev/shm/ipclab-$id-taken"
}

# bats test_tags=asan
@test "a descendant that drops the run's mark and leaves its parent is still stopped at the end" {
  run "$IPCLAB" run "$FIX/unmarked.lua" --headless
  assert_success
  wait_for no_procs_left
}

# scenario TEXT: write a scenario file made of TEXT; its path is $T/s.lua.
scenario() { printf '%s\n' "$@" >"$T/s.lua"; }

# bats test_tags=asan
@test "a scenario outside the lessons that names a Python peer without its lesson's folder is told the folder that has it" {
  scenario 'local p = Python "mq_sender.py"'
  run "$IPCLAB" run "$T/s.lua" --headless
  assert_failure 2
  assert_output --partial "s.lua:1: Python \"mq_sender.py\": this scenario is in no lesson's folder: name the peer with its lesson's, Python \"06-posix-mq/mq_sender.py\""
  scenario 'local p = Python "06-posix-mq/mq_sender.py"' 'say(p.name)'
  run "$IPCLAB" run "$T/s.lua" --headless
  assert_success
}

# bats test_tags=asan
@test "any error object is reported with the scenario's file and line" {
  local obj
  for obj in '{}' '' '42' 'setmetatable({}, { __tostring = function() return "custom" end })'; do
    scenario 'say("start")' "error($obj)"
    run "$IPCLAB" run "$T/s.lua" --headless
    assert_failure 2
    assert_output --regexp "error $T/s.lua:2: "
  done
  assert_output --partial "s.lua:2: custom"
  scenario 'say("start")' 'wait_until(function() sleep(1) return true end, 5)'
  run "$IPCLAB" run "$T/s.lua" --headless
  assert_failure 2
  assert_output --partial "s.lua:2: sleep, pause, step and wait_until cannot be called inside a wait_until condition"
}

# bats test_tags=asan
@test "scenario values are checked: names, keys, indexes, NUL bytes, ipclab's own environment" {
  local bad
  for bad in 'shm(0)' 'shm(1.5)' 'shm(2^40)' 'shm("/../../etc/passwd")' 'sem(5, -1)' \
             'spawn { "a\0b" }' 'spawn { "true", env = { IPCLAB_RUN = "1" } }' \
             'spawn { "true", stdin = 5 }' 'watch(shm("/x"), { { "a", 0, "u128" } })' \
             'shm("/x"):read("u64", 250)'; do
    scenario 'say("start")' "$bad"
    run "$IPCLAB" run "$T/s.lua" --headless
    assert_failure 2
    assert_output --regexp "error $T/s.lua:2: (bad argument|spawn: |watch: )"
  done
}

# bats test_tags=asan
@test "ipclab with no scenario and no terminal says so and exits 3" {
  run "$IPCLAB" </dev/null
  assert_failure 3
  assert_output --partial "cannot open the terminal"
}

# bats test_tags=asan
@test "a process asleep reading the input ipclab feeds it (stdin = \"pipe\") is said to read ipclab's pipe, not the lesson's" {
  run "$IPCLAB" run "$FIX/input-pipe.lua" --headless
  assert_success
  assert_line --regexp '^ *[0-9.]+ state reader sleeping in read\(fd 0 -> pipe:\[[0-9]+\], its input from ipclab\)$'
}
