#!/usr/bin/env bats
# Lesson 01: writing to a pipe nobody reads. The reader stops after one frame
# (pipe_reader -n 1) and exits; the writer's next write() raises SIGPIPE,
# which kills it (status 141 = 128 + 13), or fails with EPIPE when SIGPIPE
# is ignored. The Python writer puts back SIG_DFL, so it behaves the same.

load helpers/common
bats_require_minimum_version 1.5.0

# pipeline WRITER READER: run WRITER | READER; $output is both exit statuses.
pipeline() {
  run bash -c "$1 2>'$T/w.err' | $2 >'$T/r.out' 2>'$T/r.err'"'; echo "${PIPESTATUS[*]}"'
}

c()  { echo "$BIN/$1"; }
py() { echo "$PYTHON $PEERS/01-pipes/$1.py"; }

@test "the C writer dies of SIGPIPE when its reader has gone" {
  pipeline "$(c pipe_writer) -n 0" "$(py pipe_reader) -n 1"
  assert_output "141 0"           # 128 + SIGPIPE (13); the reader exited 0
  assert_equal "$(<"$T/r.out")" "frame 1: 32 bytes: message 1 from C................"
  [ ! -s "$T/w.err" ]             # killed: no message of its own
}

@test "the Python writer dies of SIGPIPE too, like the C one" {
  pipeline "$(py pipe_writer) -n 0" "$(c pipe_reader) -n 1"
  assert_output "141 0"
  assert_equal "$(<"$T/r.out")" "frame 1: 32 bytes: message 1 from Python..........."
  [ ! -s "$T/w.err" ]
}

@test "with SIGPIPE ignored the C writer gets EPIPE: exit 1, the call and the pipe named" {
  pipeline "$(c pipe_writer) -n 0 --ignore-sigpipe" "$(c pipe_reader) -n 1"
  assert_output "1 0"
  run cat "$T/w.err"
  assert_output --regexp '^pipe_writer: write pipe:\[[0-9]+\] \(fd 1\): Broken pipe$'
}

@test "with SIGPIPE ignored the Python writer gets EPIPE: exit 1, the call and the pipe named" {
  pipeline "$(py pipe_writer) -n 0 --ignore-sigpipe" "$(py pipe_reader) -n 1"
  assert_output "1 0"
  run cat "$T/w.err"
  assert_output --regexp '^pipe_writer\.py: write pipe:\[[0-9]+\] \(fd 1\): Broken pipe$'
}

@test "a writer asleep in write() on a full pipe dies of SIGPIPE when the reader leaves" {
  # The same story seen from the kernel: the reader holds, the writer fills
  # the pipe and sleeps; released, the reader reads one frame and exits.
  # The writer is this shell's own child, so wait gives its status.
  local pw r w status=0
  exec {pw}> >(exec "$PYTHON" "$PEERS/01-pipes/pipe_reader.py" -n 1 --hold \
                 >"$T/r.out" 2>"$T/r.err" 3>&-)
  r=$!
  "$BIN/pipe_writer" -n 0 -s 1020 >&"$pw" 2>"$T/w.err" </dev/null 3>&- {pw}>&- &
  w=$!
  exec {pw}>&-                    # the writer holds the only write end
  wait_for blocked_in_sigwait "$r"
  wait_for blocked_writing_pipe "$w"
  kill -USR1 "$r"
  wait "$w" || status=$?
  assert_equal "$status" 141      # 128 + SIGPIPE
  wait_exit "$r"
  wait "$r" || true
  assert_equal "$(<"$T/r.out")" "frame 1: 1020 bytes: message 1 from C........................"
  [ ! -s "$T/w.err" ]
}
