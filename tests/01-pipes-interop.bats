#!/usr/bin/env bats
# Lesson 01: C and Python programs speak the same frames over pipes, in
# both directions, and the mirror images print the same lines.

load helpers/common
bats_require_minimum_version 1.5.0

# The mirrors' lines are equal once the language and program names agree.
same_lines() { sed -e 's/from Python/from C/; s/\.py:/:/; s/child [0-9]* reads/child PID reads/'; }

@test "C parent and Python child talk over two pipes, and the Python parent with the C child prints the same" {
  run --separate-stderr "$BIN/pipe_parent" -n 5 -- "$PYTHON" "$PEERS/01-pipes/pipe_child.py"
  assert_success
  assert_equal "${#lines[@]}" 6
  assert_line --index 0 "reply 1: pong: ping 1 (from Python)"
  assert_line --index 4 "reply 5: pong: ping 5 (from Python)"
  assert_line --index 5 "child exited with status 0"
  local c_out=$output c_err=$stderr

  run --separate-stderr "$PYTHON" "$PEERS/01-pipes/pipe_parent.py" -n 5 -- "$BIN/pipe_child"
  assert_success
  assert_line --index 4 "reply 5: pong: ping 5 (from C)"
  assert_line --index 5 "child exited with status 0"
  assert_equal "$(same_lines <<<"$output")" "$(same_lines <<<"$c_out")"
  assert_equal "$(same_lines <<<"$stderr")" "$(same_lines <<<"$c_err")"
  assert_equal "$(same_lines <<<"$stderr" | tail -1)" "pipe_parent: sent 5 pings, got 5 replies"
}

@test "C parent with C child and Python parent with Python child get every reply" {
  run "$BIN/pipe_parent" -n 20 -- "$BIN/pipe_child"
  assert_success
  assert_line "reply 20: pong: ping 20 (from C)"
  assert_line "child exited with status 0"
  assert_line --partial "pipe_child: answered 20 pings"

  run "$PYTHON" "$PEERS/01-pipes/pipe_parent.py" -n 20 -- "$PYTHON" "$PEERS/01-pipes/pipe_child.py"
  assert_success
  assert_line "reply 20: pong: ping 20 (from Python)"
  assert_line "child exited with status 0"
  assert_line --partial "pipe_child.py: answered 20 pings"
}

@test "the parent reports the child's exit status and fails when it is not 0" {
  # A child that reads every ping, answers none and exits 3.
  local child='cat <&"$1" >/dev/null; exit 3'
  run --separate-stderr "$BIN/pipe_parent" -n 2 -- bash -c "$child" child
  assert_failure 1
  assert_output "child exited with status 3"
  assert_equal "${stderr##*$'\n'}" "pipe_parent: sent 2 pings, got 0 replies"
  run --separate-stderr "$PYTHON" "$PEERS/01-pipes/pipe_parent.py" -n 2 -- bash -c "$child" child
  assert_failure 1
  assert_output "child exited with status 3"
}

@test "a C writer's frames read by the Python reader and the other way round print the same" {
  run --separate-stderr bash -c '"$0" -n 4 -s 100 2>/dev/null | "$1" "$2"' \
    "$BIN/pipe_writer" "$PYTHON" "$PEERS/01-pipes/pipe_reader.py"
  assert_success
  assert_equal "${#lines[@]}" 4
  assert_line --index 3 "frame 4: 100 bytes: message 4 from C........................"
  assert_equal "$stderr" "pipe_reader.py: read 4 frames"
  local py_out=$output

  run --separate-stderr bash -c '"$0" "$1" -n 4 -s 100 2>/dev/null | "$2"' \
    "$PYTHON" "$PEERS/01-pipes/pipe_writer.py" "$BIN/pipe_reader"
  assert_success
  assert_line --index 3 "frame 4: 100 bytes: message 4 from Python..................."
  assert_equal "$stderr" "pipe_reader: read 4 frames"
  assert_equal "$(sed 's/from Python\.*/from C/' <<<"$output")" \
               "$(sed 's/from C\.*/from C/' <<<"$py_out")"
}
