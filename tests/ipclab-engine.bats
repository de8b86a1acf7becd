#!/usr/bin/env bats
# ipclab's scenario engine, headless: errors point at the scenario's line,
# the sandbox holds, waits time out, step mode lets one call through, and
# every way ipclab can end leaves nothing behind.
load helpers/common
load helpers/ipclab

# A test that fails midway kills ipclab and its janitor in teardown: clean
# what they leave (only this test's runs: XDG_RUNTIME_DIR is per test).
teardown() {
  local rc=0
  assert_nothing_left || rc=$?
  "$IPCLAB" clean >/dev/null 2>&1 || true
  return "$rc"
}

# bats test_tags=demo
@test "ipclab --help and --version answer; an unknown option is refused" {
  run "$IPCLAB" --help
  assert_success
  assert_output --partial "ipclab run FILE.lua"
  run "$IPCLAB" --version
  assert_success
  assert_output --regexp '^ipclab [0-9]+\.[0-9]+\.[0-9]+$'
  run "$IPCLAB" --frobnicate
  assert_failure 3
  assert_output --partial "usage:"
}

# bats test_tags=demo
@test "a scenario with a syntax error is reported at its file and line" {
  run "$IPCLAB" run "$FIX/syntax-error.lua" --headless
  assert_failure 2
  assert_output --partial "syntax-error.lua:3: unexpected symbol near '='"
}

# bats test_tags=demo
@test "a runtime error names file:line and the reason, and its processes are stopped" {
  run "$IPCLAB" run "$FIX/runtime-error.lua" --headless
  assert_failure 2
  assert_output --partial "runtime-error.lua:5: attempt to call a nil value (global 'no_such_function')"
  assert_output --partial "exit sleeper signal SIGTERM"
}

# bats test_tags=demo
@test "an endless loop in a scenario is stopped with a clear error" {
  run "$IPCLAB" run "$FIX/runaway.lua" --headless
  assert_failure 2
  assert_output --partial "runaway.lua:3: the scenario ran 10 million instructions without waiting"
}

# bats test_tags=demo
@test "scenarios run sandboxed: no os, io or load" {
  run "$IPCLAB" run "$FIX/sandbox.lua" --headless
  assert_failure 2
  assert_output --partial "expect ok: no os, io, load, require, dofile"
  assert_output --partial "sandbox.lua:4: attempt to index a nil value (global 'os')"
}

# bats test_tags=demo
@test "wait_until times out with an error at the scenario's line" {
  run "$IPCLAB" run "$FIX/timeout.lua" --headless
  assert_failure 2
  assert_output --partial "timeout.lua:3: timed out after 0.3 s waiting for the sleeper to exit"
}

# bats test_tags=demo
@test "a failed expectation is shown as FAILED and makes headless ipclab exit 1" {
  run "$IPCLAB" run "$FIX/expect-fails.lua" --headless
  assert_failure 1
  assert_output --partial "expect ok: arithmetic works"
  assert_output --partial "expect FAILED: this one fails on purpose"
  assert_output --partial "end: 2 expectations, 1 failed"
}

# bats test_tags=demo
@test "step mode lets exactly one traced call of a process through" {
  run "$IPCLAB" run "$FIX/step.lua" --headless
  assert_success
  assert_output --partial "step writer waits before write(fd 1, 36 bytes)"
  assert_output --partial "expect ok: exactly one write went through"
  assert_output --partial "expect ok: then exactly two"
  assert_output --partial "end: 5 expectations, 0 failed"
}

# bats test_tags=demo
@test "a missing scenario file or terminal gives a clear message" {
  run "$IPCLAB" run "$T/nope.lua" --headless
  assert_failure 3
  assert_output --partial "nope.lua: No such file or directory"
  TERM= run "$IPCLAB" run "$FIX/expect-fails.lua" </dev/null
  assert_failure 3
  assert_output --partial "cannot open the terminal"
  assert_output --partial "--headless"
}

# bats test_tags=demo
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

# bats test_tags=demo
@test "SIGKILL or a crash (SIGSEGV) of ipclab mid-scenario leaves no process, object or file" {
  ulimit -c 0
  for sig in KILL SEGV; do
    start_long_run
    kill -"$sig" "$IPID"
    assert_run_left_nothing
  done
}

# bats test_tags=demo
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

# bats test_tags=demo
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

# bats test_tags=demo
@test "a receive that spins (like MPI_Recv) is shown busy-polling, not blocked" {
  run "$IPCLAB" run "$FIX/busy-poll.lua" --headless
  assert_success
  assert_output --partial "expect ok: it spins in MPI_Recv"
}

# bats test_tags=demo
@test "FIFOs, socketpairs and stdin work as channels, measured from the kernel" {
  run "$IPCLAB" run "$FIX/channels.lua" --headless
  assert_success
  assert_output --partial "end: 4 expectations, 0 failed"
  run ls "$XDG_RUNTIME_DIR/ipclab"
  assert_output ""
}

# bats test_tags=demo
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
  refute_output --regexp "0x1c$(printf '%04x' $((id & 0xFFFF)))"
}

# bats test_tags=demo
@test "an ordinary user runs scenarios; the run's folder is private (0700) and left empty" {
  public_copy "$BIN" "$PEERS" "$FIX"
  local as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  run env -u XDG_RUNTIME_DIR IPCLAB_ROOT="$PUB" IPCLAB_BIN="$PUB/$(basename "$BIN")" \
    "${as[@]}" "$PUB/$(basename "$BIN")/ipclab" run "$PUB/fixtures/channels.lua" --headless
  assert_success
  assert_output --partial "end: 4 expectations, 0 failed"
  local base=/tmp/ipclab-$(id -u nobody)
  assert_equal "$(stat -c '%a %U' "$base")" "700 nobody"
  run ls -A "$base"
  refute_output --regexp "run-"
}
