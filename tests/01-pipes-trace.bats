#!/usr/bin/env bats
# Lesson 01 programs speak the trace protocol (docs/trace-protocol.md):
# with IPCLAB_TRACE_FD they describe each read and write; with
# IPCLAB_STEP_FD they wait, asleep in read() on that descriptor, before
# each traced call until the observer writes one byte.

load helpers/common
bats_require_minimum_version 1.5.0

c()  { echo "$BIN/$1"; }
py() { echo "$PYTHON $PEERS/01-pipes/$1.py"; }

# traced_writer_and_reader WRITER READER: WRITER -n 2 | READER, both traced
# into one file (O_APPEND: lines of both never mix).
traced_writer_and_reader() {
  run bash -c "IPCLAB_TRACE_FD=7 $1 -n 2 2>/dev/null | IPCLAB_TRACE_FD=7 $2 >/dev/null 2>&1" \
    7>>"$T/trace"
  assert_success
  run cat "$T/trace"
  # The writer: a note per frame, a before and an after per write (36 bytes:
  # 4 of header, 32 of payload).
  assert_equal "$(grep -c ' ev=note text=frame%201$' "$T/trace")" 2   # writer and reader
  assert_equal "$(grep -cE ' ev=before op=write fd=1 data=%20%00%00%00message%20[12]%20from%20' "$T/trace")" 2
  assert_equal "$(grep -cE ' ev=before op=write fd=1 .* len=36$' "$T/trace")" 2
  assert_equal "$(grep -cE ' ev=after op=write fd=1 ret=36$' "$T/trace")" 2
  # The reader: header then payload, and the final read that returns 0.
  assert_equal "$(grep -cE ' ev=after op=read fd=0 data=%20%00%00%00 ret=4$' "$T/trace")" 2
  assert_equal "$(grep -cE ' ev=after op=read fd=0 data=message%20[12]%20from%20.* ret=32$' "$T/trace")" 2
  assert_equal "$(grep -cE ' ev=after op=read fd=0 ret=0$' "$T/trace")" 1
  # Every line is v=1 with a pid, and the fields are in the documented order.
  assert_equal "$(grep -cvE '^v=1 seq=[0-9]+ t=[0-9]+ pid=[0-9]+ ev=(before|after|note) ' "$T/trace")" 0
}

# bats test_tags=asan
@test "a traced C writer and Python reader report every write and read" {
  traced_writer_and_reader "$(c pipe_writer)" "$(py pipe_reader)"
}

# bats test_tags=asan
@test "a traced Python writer and C reader report every write and read" {
  traced_writer_and_reader "$(py pipe_writer)" "$(c pipe_reader)"
}

# bats test_tags=asan
@test "the trace descriptor reaches the child: parent and child are both traced" {
  local parent child pids
  for parent in "$(c pipe_parent)" "$(py pipe_parent)"; do
    for child in "$(c pipe_child)" "$(py pipe_child)"; do
      rm -f "$T/trace"
      IPCLAB_TRACE_FD=9 $parent -n 2 -- $child >/dev/null 2>"$T/err" 9>>"$T/trace"
      pids=$(sed -n 's/.* pid=\([0-9]*\) .*/\1/p' "$T/trace" | sort -u | wc -l)
      assert_equal "$pids" 2
      # The parent wrote its pings on the down pipe, the child its answers
      # on the up pipe's write end (WFD); each in its own pid's lines.
      [[ $(<"$T/err") =~ child\ ([0-9]+)\ reads\ fd\ ([0-9]+),\ answers\ on\ fd\ ([0-9]+) ]]
      grep -qE " pid=${BASH_REMATCH[1]} ev=before op=write fd=${BASH_REMATCH[3]} data=[^ ]*pong:%20ping%202%20\\(from%20" "$T/trace"
      grep -qE " pid=[0-9]+ ev=before op=write fd=[0-9]+ data=%06%00%00%00ping%201 " "$T/trace"
    done
  done
}

# stepped_writer WRITER: WRITER -n 3 in step mode. It sleeps in read() on
# its step descriptor before its first write; one byte lets exactly one
# write through; when the observer closes its end it runs freely.
stepped_writer() {
  local go w
  mkfifo "$T/step"
  exec {go}<>"$T/step"            # never blocks; we only ever write to it
  IPCLAB_STEP_FD=6 IPCLAB_TRACE_FD=7 $1 -n 3 6<"$T/step" 7>>"$T/trace" \
    >"$T/out" 2>"$T/err" </dev/null 3>&- {go}>&- &
  w=$!

  wait_for blocked_reading_pipe "$w"
  rm "$T/step"                    # opened by now: the name is not needed
  assert_equal "$(proc_syscall "$w")" "read 6"
  [ ! -s "$T/out" ]               # not a byte written yet
  assert_equal "$(grep -c ' ev=before op=write fd=1 .* step=wait$' "$T/trace")" 1

  printf x >&"$go"                # one go: frame 1 goes out, then it waits again
  stepped_once() { [ "$(stat -c %s "$T/out")" = 36 ] && blocked_reading_pipe "$w" &&
                   [ "$(grep -c ' step=wait$' "$T/trace")" = 2 ]; }
  wait_for stepped_once
  assert_equal "$(proc_syscall "$w")" "read 6"

  exec {go}>&-                    # observer gone: EOF, it runs to the end
  local status=0
  wait "$w" || status=$?
  assert_equal "$status" 0
  assert_equal "$(stat -c %s "$T/out")" 108
}

# bats test_tags=asan
@test "in step mode the C writer waits in read() on the step descriptor before each write" {
  stepped_writer "$(c pipe_writer)"
}

# bats test_tags=asan
@test "in step mode the Python writer waits in read() on the step descriptor before each write" {
  stepped_writer "$(py pipe_writer)"
}
