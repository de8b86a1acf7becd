#!/usr/bin/env bats
# Lesson 02 in ipclab: a process asleep in open() of a FIFO is shown
# waiting for a partner, with the path and the access, from the kernel alone
# (no trace: sh's own open); a FIFO's holders and their ends come from
# /proc/PID/fd and fdinfo; nothing is opened to find out (watching a FIFO
# never releases a waiting open: tests/ipclab-engine.bats).
load helpers/common
load helpers/ipclab

teardown() {
  tmux_stop
  assert_nothing_left
}

# bats test_tags=asan
@test "ipclab shows a program asleep in open() of a FIFO as waiting for a partner, path and access read from the kernel, a relative path made whole" {
  run "$IPCLAB" run "$FIX/fifo-holders.lua" --headless
  assert_success
  # sh opened "jobs" relative to its working directory: the path is whole.
  assert_line --regexp '^ *[0-9.]+ state writer sleeping in openat: waiting for a partner on FIFO /.*/run-[0-9]+/jobs \(to write: needs a reader\)$'
  assert_line --regexp '^ *[0-9.]+ print state	FIFO /.*/run-[0-9]+/jobs	write$'
  # The waiter is listed on the FIFO, with no descriptor yet.
  assert_line --regexp '^ *[0-9.]+ print waiting	1	true	true	write	nil$'
  assert_line --regexp '^ *[0-9.]+ channel jobs: opening: writer \(to write\)$'
}

# bats test_tags=asan
@test "a FIFO's holders are named with the end each descriptor is (read, write, read-write), in the transcript and from holders()" {
  run "$IPCLAB" run "$FIX/fifo-holders.lua" --headless
  assert_success
  assert_line --regexp '^ *[0-9.]+ channel jobs: read end: reader fd 4; write end: writer fd 3; read-write: reader fd 5$'
  assert_line --regexp '^ *[0-9.]+ print holder	writer	3	write$'
  assert_line --regexp '^ *[0-9.]+ print holder	reader	4	read$'
  assert_line --regexp '^ *[0-9.]+ print holder	reader	5	read-write$'
}

# bats test_tags=asan
@test "fifo(name, { make = false }) watches a FIFO a program makes, from when it appears; bad options are refused" {
  run "$IPCLAB" run "$FIX/fifo-holders.lua" --headless
  assert_success
  assert_line --regexp '^ *[0-9.]+ print before	0	nil$'
  assert_line --regexp '^ *[0-9.]+ channel made: read-write: maker fd 6$'
  assert_line --regexp '^ *[0-9.]+ print made-holder	maker	6	read-write$'
  assert_line --regexp "print bad	false	bad argument #2 to '.*' \(the only option is make = true or false\)$"
  [ "$(grep -c 'the only option is make' <<<"$output")" -eq 2 ]
  assert_line --regexp "print bad	false	bad argument #1 to '.*' \(a plain file name, under 64 characters\)$"
  assert_line --regexp "print bad	false	bad argument #2 to '.*' \(table expected, got number\)$"
  # p:cpu() is a number while it lives, nil once it has gone.
  assert_line --regexp '^ *[0-9.]+ print cpu	number$'
  assert_line --regexp '^ *[0-9.]+ print cpu	nil$'
}

# bats test_tags=asan
@test "on screen at 80x24 the waiter's pane names the FIFO it waits on and the FIFO's row who holds each end" {
  tmux_start 80 24 "NO_COLOR=1 $IPCLAB run $FIX/fifo-holders.lua"
  wait_for screen_has "paused: press space"
  run screen
  assert_output --partial "waits for a reader: FIFO"
  assert_output --partial "opening: writer (to write)"
  assert_output --partial "(nobody has it open: no level to read)"
  keys Space
  wait_for screen_has "both hold it"
  wait_for screen_has "read end: reader fd 4; write end: writer fd 3"
  keys q
  wait_for pane_exited
  assert_equal "$(pane_status)" 0
}

# bats test_tags=asan
@test "as an ordinary user, ipclab reads the path its own child waits on in open() and the FIFO's holders, and plays the server scenario" {
  public_copy "$BIN" "$PEERS" "$FIX" lessons
  mv "$PUB/$(basename "$PEERS")" "$PUB/python_peers" 2>/dev/null || true
  local as=(setpriv --reuid=nobody --regid=nogroup --clear-groups) b="$PUB/$(basename "$BIN")"
  install -d -m 700 -o nobody "$PUB/xdg"
  local env=(env XDG_RUNTIME_DIR="$PUB/xdg" IPCLAB_ROOT="$PUB" IPCLAB_BIN="$b")
  run "${env[@]}" "${as[@]}" "$b/ipclab" run "$PUB/fixtures/fifo-holders.lua" --headless
  assert_success
  assert_line --regexp '^ *[0-9.]+ state writer sleeping in openat: waiting for a partner on FIFO /.*/run-[0-9]+/jobs \(to write: needs a reader\)$'
  assert_line --regexp '^ *[0-9.]+ channel jobs: read end: reader fd 4; write end: writer fd 3; read-write: reader fd 5$'
  run "${env[@]}" "${as[@]}" "$b/ipclab" run 02/many-clients --headless
  assert_success
  assert_output --regexp 'end: [0-9]+ expectations, [0-9]+ passed, 0 failed$'
}

@test "a FIFO held by more descriptors than ipclab names says how many more, never drops them unsaid" {
  run "$IPCLAB" run "$FIX/fifo-many-holders.lua" --headless
  assert_success
  assert_line --regexp '^ *[0-9.]+ channel jobs: read-write: h fd 3, h fd 4, h fd 5, h fd 6, h fd 7, h fd 8, h fd 9, h fd 10; and 1 more descriptor$'
}

# bats test_tags=asan
@test "tutorial-pair: the narration quotes what each reader printed, read from its output and checked (at 80x24 the panes may not show it)" {
  run "$IPCLAB" run 02/tutorial-pair --headless
  assert_success
  assert_line --regexp '^ *[0-9.]+ say The C reader printed "Received: hello": read\(\) returns what the FIFO holds'
  assert_line --regexp '^ *[0-9.]+ say The Python reader printed "Received: hello\\0world": it cuts the last byte'
  assert_line --regexp "^ *[0-9.]+ say The reader printed 3 lines for one message, \"Received: \" and 1024 x's, \"Received: \" and 1024 x's, \"Received: \" and 452 x's: "
  assert_line --regexp "^ *[0-9.]+ expect ok: one long message came out as three 'messages': reads of 1024, 1024 and 453 bytes"
  assert_output --regexp 'end: 5 expectations, 5 passed, 0 failed$'
}

# bats test_tags=asan
@test "your-open-order on the skeleton: a node asleep in open() is not counted among those on its FIFO: 'nobody else', not 'nobody'" {
  local K=$T/kit
  mkdir -p "$K"
  cp -R "$ROOT/python_peers" "$ROOT/demos" "$ROOT/lessons" "$K/"
  IPCLAB_ROOT=$K run "$IPCLAB" run 02/your-open-order --headless
  assert_equal "$status" 1             # the skeleton deadlocks: FAILED checks
  assert_line --regexp '^ *[0-9.]+ say Your node b is asleep in open\(\) of FIFO a-to-b for reading; it needs somebody to open it for writing\. Open or waiting on a-to-b: nobody else\. '
  refute_output --partial ": nobody."
  # Its messages start with the name it was built as, and the narration says so.
  assert_line --regexp "^ *[0-9.]+ say It is built as yours-ping_node in the run's folder: its messages start 'yours-ping_node b:'\.$"
}

@test "every lesson-02 scenario's title fits the 80-column header whole, with 'ipclab' and the lesson's folder" {
  local f t
  for f in "$ROOT"/lessons/02-fifos/scenarios/*.lua; do
    t=$(sed -n 's/.*title = "\([^"]*\)".*/\1/p' "$f" | head -1)
    [ -n "$t" ] || fail "no title in $f"
    t=" ipclab  02-fifos  $t"       # ui.c's widest heading
    (( ${#t} <= 80 )) || fail "${f##*/}: ${#t} columns: $t"
  done
}

# said_before_kills TRANSCRIPT [pause]: every SIGKILL or SIGTERM the
# scenario sends (a "signal NAME SIGKILL" line) is said first: the last
# "say" before it (other signal and exit lines skipped) names that signal.
# With "pause": the presenter also had a pause between that say and it, to
# look at the stuck process on screen.
said_before_kills() {
  awk -v want_pause="${2:-}" '
    $2 == "say" { said = $0; paused = 0; next }
    $2 == "pause" { paused = 1; next }
    $2 == "signal" && ($NF == "SIGKILL" || $NF == "SIGTERM") {
      kills++
      if (index(said, $NF) == 0) { print "not said first: " $0 " (last said: " said ")"; bad = 1 }
      if (want_pause != "" && !paused) { print "no pause before: " $0; bad = 1 }
      next
    }
    $2 == "exit" { next }
    { }
    END { if (kills == 0) { print "no kill at all"; bad = 1 }; exit bad }' <<<"$1"
}

@test "every kill a lesson-02 scenario makes is said in its narration before it comes; the your-* scenarios leave a stuck program on screen (a pause) before they end it" {
  local K=$T/kit s
  mkdir -p "$K"
  cp -R "$ROOT/python_peers" "$ROOT/demos" "$ROOT/lessons" "$K/"      # the skeletons
  for s in tutorial-pair open-deadlock many-clients spinning-server your-eof-spin; do
    IPCLAB_ROOT=$K run "$IPCLAB" run 02/$s --headless
    said_before_kills "$output" || fail "$s"
  done
  for s in your-open-order your-safe-open; do
    IPCLAB_ROOT=$K run "$IPCLAB" run 02/$s --headless
    said_before_kills "$output" pause || fail "$s"
  done
  # your-safe-open plants through one helper process: one pane, not one a step.
  # (Every spawn but cc, the server and the senders is a helper.)
  assert_equal "$(grep '^ *[0-9.]* spawn ' <<<"$output" |
                  grep -v ' spawn \(cc\|server\|your sender\|sender ([^)]*)\) pid ')" \
               "$(grep '^ *[0-9.]* spawn someone else pid ' <<<"$output")"
  assert_equal "$(grep -c '^ *[0-9.]* spawn someone else pid ' <<<"$output")" 1
}

@test "open-deadlock: a node ended with the k key during the pause is said as such, not 'two sleeping processes'; the scenario then ends the other and says how each ended" {
  tmux_start 80 24 "NO_COLOR=1 $IPCLAB run 02/open-deadlock"
  wait_for screen_has "how long will they wait?"
  keys Tab                          # node a selected
  keys k
  wait_for screen_has "EXITED: signal SIGKILL"
  keys Space
  wait_for screen_has "Not both asleep any more"
  run screen
  refute_output --partial "the kernel sees two sleeping processes"
  assert_output --partial "FAILED a moment later both still sleep in open()"
  keys Space
  wait_for screen_has "(signal SIGKILL), node b ended (signal SIGKILL)."
  keys q q
  wait_for pane_exited
}
