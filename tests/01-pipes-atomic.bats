#!/usr/bin/env bats
# Lesson 01: a write() of at most PIPE_BUF (4096) bytes reaches a pipe whole,
# never mixed with another writer's bytes. The kit's frames go out in one
# write() when the whole frame, header included, is at most PIPE_BUF bytes
# (a payload of up to 4092), and in two (header, then payload) when larger.
# Both sides of the boundary, made certain in step mode
# (docs/trace-protocol.md): three writers share one pipe and are let
# through one write() each in turn, W1 W2 W3 W1 W2 W3 ...

load helpers/common
bats_require_minimum_version 1.5.0

c()  { echo "$BIN/$1"; }
py() { echo "$PYTHON $PEERS/01-pipes/$1.py"; }

# writes SIZE WRITER: the write() calls WRITER makes for one frame of SIZE
# payload bytes, as its trace tells them: "len=N" each.
writes() {
  rm -f "$T/trace"
  IPCLAB_TRACE_FD=7 $2 -n 1 -s "$1" 7>>"$T/trace" >/dev/null 2>&1 </dev/null 3>&-
  sed -n 's/.* ev=before op=write fd=1 .* len=\([0-9]*\)$/len=\1/p' "$T/trace" | xargs
}

@test "a frame of 4096 bytes, header included, is one write(); one of 4097 bytes is two" {
  local w
  for w in "$(c pipe_writer)" "$(py pipe_writer)"; do
    assert_equal "$(writes 4092 "$w")" "len=4096"
    assert_equal "$(writes 4093 "$w")" "len=4 len=4093"
    assert_equal "$(writes 16 "$w")" "len=20"
  done
}

# waits N: how many times writer N has stopped to wait for its go.
waits() { grep -c ' step=wait$' "$T/trace$1" 2>/dev/null || true; }

# past N PID BEFORE: writer N (PID) has made the call it was let through:
# it waits again (more waits than BEFORE, asleep in read() on its step
# descriptor 6), or it has ended.
past() {
  proc_gone "$2" ||
    { [ "$(waits "$1")" -gt "$3" ] && [ "$(proc_syscall "$2")" = "read 6" ] &&
      blocked_reading_pipe "$2"; }
}

# round_robin SIZE COUNT W1 W2 W3: three writers, COUNT frames of SIZE
# payload bytes each, into one pipe (a FIFO) that the C pipe_reader reads;
# one write() of each in turn until all have ended. The reader's output is
# in $T/r.out and .err, its exit status in $rstatus.
round_robin() {
  local size=$1 count=$2 i n go reader
  local -a pid gofd
  shift 2
  mkfifo "$T/data"
  "$BIN/pipe_reader" <"$T/data" >"$T/r.out" 2>"$T/r.err" 3>&- &
  reader=$!
  for i in 1 2 3; do
    mkfifo "$T/step$i"
    exec {go}<>"$T/step$i"         # never blocks; we only ever write to it
    gofd[i]=$go
    IPCLAB_STEP_FD=6 IPCLAB_TRACE_FD=7 ${!i} -n "$count" -s "$size" 6<"$T/step$i" \
      7>>"$T/trace$i" >"$T/data" 2>"$T/w$i.err" </dev/null 3>&- &
    pid[i]=$!
    wait_for past "$i" "${pid[i]}" 0      # asleep before its first write()
  done
  while ! { proc_gone "${pid[1]}" && proc_gone "${pid[2]}" && proc_gone "${pid[3]}"; }; do
    for i in 1 2 3; do
      proc_gone "${pid[i]}" && continue
      n=$(waits "$i")
      printf x >&"${gofd[i]}"              # one write() goes through
      wait_for past "$i" "${pid[i]}" "$n"
    done
  done
  for i in 1 2 3; do
    exec {gofd[i]}>&-
    wait "${pid[i]}" || true
  done
  rstatus=0
  wait "$reader" || rstatus=$?
}

# preview TEXT: how pipe_reader shows a payload of TEXT padded with '.'.
preview() { local p="$1........................................"; echo "${p:0:40}"; }

@test "frames of exactly 4096 bytes from three writers, let through write by write, arrive whole" {
  round_robin 4092 2 "$(c pipe_writer)" "$(py pipe_writer)" "$(c pipe_writer)"
  assert_equal "$rstatus" 0
  assert_equal "$(<"$T/r.err")" "pipe_reader: read 6 frames"
  run cat "$T/r.out"
  assert_output "frame 1: 4092 bytes: $(preview 'message 1 from C')
frame 2: 4092 bytes: $(preview 'message 1 from Python')
frame 3: 4092 bytes: $(preview 'message 1 from C')
frame 4: 4092 bytes: $(preview 'message 2 from C')
frame 5: 4092 bytes: $(preview 'message 2 from Python')
frame 6: 4092 bytes: $(preview 'message 2 from C')"
}

# bats test_tags=asan
@test "frames of 4097 bytes from three writers, let through write by write, are torn: the reader refuses them" {
  round_robin 4093 2 "$(py pipe_writer)" "$(c pipe_writer)" "$(py pipe_writer)"
  # W1's header (4093), then W2's and W3's headers, then W1's payload: the
  # reader takes 8 header bytes and 4085 of W1's payload as frame 1, then
  # reads 4 dots of padding as the next length: 0x2e2e2e2e.
  assert_equal "$rstatus" 1
  run cat "$T/r.out"
  assert_output "frame 1: 4093 bytes: ........$(preview 'message 1 from Python' | cut -c1-32)"
  assert_equal "$(<"$T/r.err")" "pipe_reader: frame 2 from $T/data (fd 0): frame length 774778414 is out of range (0 to 1048576 bytes)"
}
