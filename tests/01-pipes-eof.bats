#!/usr/bin/env bats
# Lesson 01: read() returns 0 (EOF) only when every write end of the pipe is
# closed. pipe_parent --forget-close keeps its own copy of the up pipe's write
# end: the child exits, and the parent sleeps in read() forever.

load helpers/common
bats_require_minimum_version 1.5.0

has_child() { [ -n "$(proc_children "$1")" ]; }

# forgotten_write_end_hangs PARENT-ARGV... -- CHILD-ARGV...: the parent
# starts with descriptors 0, 1 and 2 only, as from a shell.
forgotten_write_end_hangs() {
  bg_reaped p "$PYTHON" -c 'import os, sys
os.closerange(3, 65536)
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
  wait_for has_child "$p"
  local child call fd pipe
  child=$(proc_children "$p")

  # The child read every ping (EOF: the parent closed the down pipe),
  # answered, and exited; the parent has not reaped it: a zombie.
  wait_for proc_zombie "$child"
  wait_for grep -q "^reply 3: pong: ping 3 " "$T/p.out"
  # ... and the parent sleeps in read() on the up pipe, for good.
  wait_for blocked_reading_pipe "$p"
  read -r call fd <<<"$(proc_syscall "$p")"
  pipe=$(fd_target "$p" "$fd")
  [[ $pipe == pipe:* ]]
  # It holds both ends of that pipe: its own write end keeps EOF away. (The
  # down pipe took descriptors 3 and 4, the up pipe 5 and 6: what
  # ls -l /proc/PID/fd shows on the lesson's slide.)
  run fds_on "$p" "$pipe"
  assert_equal "${#lines[@]}" 2
  assert_line --index 0 "5 r"
  assert_line --index 1 "6 w"
  assert_equal "$fd" 5
  refute_line --partial "child exited"
  grep -qF -- "--forget-close: keeping $pipe" "$T/p.err"

  kill "$p"
  wait_exit "$p"
  wait_exit "$p_reaper"           # it reaped the child handed to it
  wait "$p_reaper" || true
}

@test "a C parent that forgets to close its write end never sees EOF: it sleeps in read(), its Python child a zombie" {
  forgotten_write_end_hangs "$BIN/pipe_parent" --forget-close -n 3 -- \
    "$PYTHON" "$PEERS/01-pipes/pipe_child.py"
}

@test "a Python parent that forgets to close its write end never sees EOF: it sleeps in read(), its C child a zombie" {
  forgotten_write_end_hangs "$PYTHON" "$PEERS/01-pipes/pipe_parent.py" --forget-close -n 3 -- \
    "$BIN/pipe_child"
}

@test "with every write end closed the parent sees EOF and reaps its child" {
  run "$BIN/pipe_parent" -n 3 -- "$BIN/pipe_child"
  assert_success
  assert_line "reply 3: pong: ping 3 (from C)"
  assert_line "child exited with status 0"
  run "$PYTHON" "$PEERS/01-pipes/pipe_parent.py" -n 3 -- "$PYTHON" "$PEERS/01-pipes/pipe_child.py"
  assert_success
  assert_line "child exited with status 0"
}

@test "the child gets exactly its two ends: none of the parent's leak through exec" {
  # A child that lists the descriptors it holds on pipes, then reads to EOF.
  local child='echo "holds:" $(find /proc/self/fd/ -mindepth 1 -lname "pipe:*" -printf "%f\n" |
    sort -n) >&2; exec cat <&"$1" >/dev/null'
  local parent fd rfd wfd held
  for parent in "$BIN/pipe_parent" "$PYTHON $PEERS/01-pipes/pipe_parent.py"; do
    run --separate-stderr $parent -n 1 -- bash -c "$child" child 3>&-
    assert_failure 1          # no replies from this child: the parent says so
    [[ $stderr =~ child\ [0-9]+\ reads\ fd\ ([0-9]+),\ answers\ on\ fd\ ([0-9]+) ]]
    rfd=${BASH_REMATCH[1]} wfd=${BASH_REMATCH[2]}
    # The parent's four ends are the lowest free descriptors from 3 up: the
    # child holds its two and neither of the parent's (between them).
    held=
    for fd in $(sed -n 's/^holds://p' <<<"$stderr"); do
      ((fd >= 3 && fd <= wfd)) && held+="$fd "
    done
    assert_equal "$held" "$rfd $wfd "
  done
}
