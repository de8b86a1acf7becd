#!/usr/bin/env bats
# Lesson 01 facing hostile peers (tests/hostile/hostile_pipe.py,
# docs/hostile-peers.md): a writer of garbage and bad frames, one that
# closes and reopens, one stopped for ever mid-frame (or dead there), one
# that floods. Every reader ends with a message naming the call and the
# object and a non-zero status, C and Python alike: never a signal, a
# sanitizer report, a traceback or a hang. Where the right thing is to
# wait (a peer stopped mid-frame may yet write the rest: nobody can know),
# the kernel shows the reader asleep in read(); once the peer is killed the
# reader says the frame was cut short.

load helpers/common
load helpers/hostile
bats_require_minimum_version 1.5.0

READERS=("$BIN/pipe_reader" "$PYTHON $PEERS/01-pipes/pipe_reader.py")
PARENTS=("$BIN/pipe_parent" "$PYTHON $PEERS/01-pipes/pipe_parent.py")
CHILDREN=("$BIN/pipe_child" "$PYTHON $PEERS/01-pipes/pipe_child.py")

# facing "STEP..." PROGRAM...: hostile_pipe.py STEP... | PROGRAM, run to
# its end; $status, $output and $stderr are PROGRAM's, the peer's stderr
# is in $T/peer.err.
facing() {
  local steps=$1
  shift
  run --separate-stderr bash -c '"$1" "$2" $3 2>"$0" | "${@:4}"' \
    "$T/peer.err" "$PYTHON" "$HOSTILE" "$steps" "$@" 3>&-
}

# One program's words with what differs between runs and languages left
# out: its name's ".py", pipe inode numbers, pids, the child's command.
same_words() {
  sed -E -e 's/^([a-z_]+)\.py: /\1: /' -e 's/pipe:\[[0-9]+\]/pipe:[N]/g' \
         -e 's/child [0-9]+ (\([^)]*\))?/child PID /g'
}

# Asleep in pause() (aarch64 has no pause: glibc's is a ppoll).
paused() {
  [ "$(proc_state "$1")" = S ] && [[ $(proc_syscall "$1") == @(pause|syscall-73)" "* ]]
}

has_child() { [ -n "$(proc_children "$1")" ]; }

# Asleep in wait4: a parent waiting for its child to end.
in_wait4() { [ "$(proc_state "$1")" = S ] && [[ $(proc_syscall "$1") == "wait4 "* ]]; }

# A reader's one line of complaint about frame N (C or Python).
frame_error() {
  echo "^pipe_reader(\\.py)?: frame $1 from pipe:\\[[0-9]+\\] \\(fd 0\\): $2\$"
}

# bats test_tags=asan
@test "pipe_reader facing a peer that writes garbage ends with a message and status 1, C and Python alike" {
  local seed reader c_err
  for seed in 1 2; do
    for reader in "${READERS[@]}"; do
      facing "--seed $seed frames 2 16 garbage 64" $reader
      assert_failure 1
      # The two good frames are shown; then the first 4 bytes of garbage
      # are a length, almost always out of range (a seed whose length fits
      # reads on, and EOF cuts that frame short).
      assert_line --index 0 --regexp '^frame 1: 16 bytes: '
      assert_line --index 1 --regexp '^frame 2: 16 bytes: '
      [[ $stderr =~ $(frame_error 3 '(frame length -?[0-9]+ is out of range \(0 to 1048576 bytes\)|frame cut short by EOF: got [0-9]+ of [0-9]+ payload bytes)') ]] ||
        fail "seed $seed, $reader: $stderr"
      if [[ $reader == *.py ]]; then
        assert_equal "$(same_words <<<"$stderr")" "$(same_words <<<"$c_err")"
      fi
      c_err=$stderr
    done
  done
}

# bats test_tags=asan
@test "pipe_reader facing a frame header with a huge or negative length refuses it, naming the length and the limit, C and Python" {
  local length reader
  for reader in "${READERS[@]}"; do
    for length in -2147483648 2147483647 1048577; do
      facing "frames 1 0 length $length frames 1" $reader
      assert_failure 1
      assert_output "frame 1: 0 bytes: "
      [[ $stderr =~ $(frame_error 2 "frame length $length is out of range \\(0 to 1048576 bytes\\)") ]] ||
        fail "$reader, length $length: $stderr"
    done
    # The largest length allowed, then fewer bytes and EOF: cut short.
    facing "length 1048576 bytes 5000 exit" $reader
    assert_failure 1
    [[ $stderr =~ $(frame_error 1 "frame cut short by EOF: got 5000 of 1048576 payload bytes") ]] ||
      fail "$reader: $stderr"
  done
}

# bats test_tags=asan
@test "pipe_reader facing a peer stopped mid-frame sleeps in read(); once the peer is killed it says the frame was cut short, status 1, C and Python" {
  local reader job
  for reader in "${READERS[@]}"; do
    bg_pipe w r "$PYTHON $HOSTILE frames 1 length 10 bytes 3 pause" "$reader"
    job=$!
    wait_for paused "$w"
    # It cannot know whether the other 7 bytes will come: it has taken the
    # 3 that came (the pipe is empty) and sleeps in read() on stdin.
    wait_for blocked_reading_pipe "$r"
    assert_equal "$(proc_syscall "$r")" "read 0"
    assert_equal "$(pipe_level "$r" 0)" "0 65536"
    assert_equal "$(wc -l <"$T/r.out")" 1
    kill -9 "$w"
    status=0
    wait "$job" || status=$?
    assert_equal "$status" 1
    [[ $(<"$T/r.err") =~ $(frame_error 2 "frame cut short by EOF: got 3 of 10 payload bytes") ]] ||
      fail "$reader: $(<"$T/r.err")"
  done
  # The peer that dies mid-frame (or crashes: SIGKILL) says no more.
  for reader in "${READERS[@]}"; do
    for end in exit kill; do
      facing "length 10 bytes 3 $end" $reader
      assert_failure 1
      [[ $stderr =~ $(frame_error 1 "frame cut short by EOF: got 3 of 10 payload bytes") ]] ||
        fail "$reader, $end: $stderr"
    done
  done
}

# bats test_tags=asan
@test "pipe_reader facing a peer that closes its end mid-frame and opens the pipe again: EOF is final, the frame was cut short, status 1, C and Python" {
  local reader job
  for reader in "${READERS[@]}"; do
    # Closed: no write end is left, the reader sees EOF. The peer waits
    # (SIGUSR1) until the reader is gone, then opens the pipe again.
    bg_pipe w r "$PYTHON $HOSTILE length 10 bytes 3 close hold reopen bytes 7" "$reader"
    job=$!
    wait_for blocked_in_sigwait "$w"
    wait_exit "$r"
    kill -USR1 "$w"
    status=0
    wait "$job" || status=$?
    assert_equal "$status" 1
    [[ $(<"$T/r.err") =~ $(frame_error 1 "frame cut short by EOF: got 3 of 10 payload bytes") ]] ||
      fail "$reader: $(<"$T/r.err")"
    # Nobody reads the pipe any more: the peer's next write fails (EPIPE).
    [[ $(<"$T/w.err") =~ ^hostile_pipe\.py:\ bytes\ pipe:\[[0-9]+\]\ \(fd\ 1\):\ Broken\ pipe$ ]] ||
      fail "the peer: $(<"$T/w.err")"
  done
}

# rss CMD...: run CMD; its peak resident memory in KiB goes to $T/rss, and
# its exit status is rss's (128 + N for signal N).
rss_helper() {
  cat >"$T/rss.py" <<'PY'
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(f"{usage.ru_maxrss}\n")
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
PY
}

# bats test_tags=asan
@test "pipe_reader facing a flood of 64 frames of 1 MiB counts every one in bounded memory (its peak under half of what went through), C and Python" {
  rss_helper
  local reader
  for reader in "${READERS[@]}"; do
    facing "flood 64 1048576" "$PYTHON" "$T/rss.py" "$T/rss" $reader -q
    assert_success
    assert_output ""
    [[ $stderr =~ ^pipe_reader(\.py)?:\ read\ 64\ frames$ ]] || fail "$reader: $stderr"
    (($(<"$T/rss") < 32768)) || fail "$reader: peak memory $(<"$T/rss") KiB for a 64 MiB flood"
  done
}

# bats test_tags=asan
@test "record_reader facing garbage reports torn records (its job) and a stream that stops mid-record as cut short, status 1; a flood is counted; C and Python alike" {
  local reader job c_out
  for reader in "$BIN/record_reader" "$PYTHON $PEERS/01-pipes/record_reader.py"; do
    facing "--seed 7 garbage 400" $reader -s 100
    assert_success
    assert_equal "${#lines[@]}" 4
    [[ $stderr =~ ^record_reader(\.py)?:\ 4\ records,\ 4\ torn$ ]] || fail "$reader: $stderr"
    [ -z "${c_out+set}" ] || assert_equal "$output" "$c_out"
    c_out=$output
    # 1000 frames of 4096 bytes, header included, as fast as they go: each
    # is a record of -s 4096, and each is torn (a header, then payload).
    facing "flood 1000 4092" $reader -s 4096
    assert_success
    [[ $stderr =~ ^record_reader(\.py)?:\ 1000\ records,\ 1000\ torn$ ]] || fail "$reader: $stderr"
    # Stopped mid-record: asleep in read(); killed: cut short.
    bg_pipe w r "$PYTHON $HOSTILE garbage 150 pause" "$reader -s 100"
    job=$!
    wait_for paused "$w"
    wait_for blocked_reading_pipe "$r"
    assert_equal "$(pipe_level "$r" 0)" "0 65536"
    kill -9 "$w"
    status=0
    wait "$job" || status=$?
    assert_equal "$status" 1
    [[ $(<"$T/r.err") =~ ^record_reader(\.py)?:\ record\ 2\ from\ pipe:\[[0-9]+\]\ \(fd\ 0\)\ cut\ short\ by\ EOF:\ got\ 50\ of\ 100\ bytes$ ]] ||
      fail "$reader: $(<"$T/r.err")"
  done
}

# bats test_tags=asan
@test "pipe_child facing a parent that floods pings answers every one; stopped mid-ping it sleeps in read(), then says the ping was cut short, status 1, C and Python" {
  local child job extra
  for child in "${CHILDREN[@]}"; do
    # 5000 pings of 16 bytes (100 KB: more than a pipe holds), as fast as they go;
    # the pongs go to a file.
    run --separate-stderr bash -c '"$1" "$2" flood 5000 16 | "${@:3}" 0 1 >"$0"' \
      "$T/pongs" "$PYTHON" "$HOSTILE" $child 3>&-
    assert_success
    [[ $stderr =~ ^pipe_child(\.py)?:\ answered\ 5000\ pings$ ]] || fail "$child: $stderr"
    # Each pong: a header, the ping, and " (from C)" or " (from Python)".
    [[ $child == *.py ]] && extra=20 || extra=15
    assert_equal "$(stat -c %s "$T/pongs")" $((5000 * (4 + 16 + extra)))

    bg_pipe w r "$PYTHON $HOSTILE frames 2 length 10 bytes 3 pause" "$child 0 1"
    job=$!
    wait_for paused "$w"
    wait_for blocked_reading_pipe "$r"
    assert_equal "$(proc_syscall "$r")" "read 0"
    kill -9 "$w"
    status=0
    wait "$job" || status=$?
    assert_equal "$status" 1
    [[ $(<"$T/r.err") =~ ^pipe_child(\.py)?:\ ping\ 3\ from\ pipe:\[[0-9]+\]\ \(fd\ 0\):\ frame\ cut\ short\ by\ EOF:\ got\ 3\ of\ 10\ payload\ bytes$ ]] ||
      fail "$child: $(<"$T/r.err")"
  done
}

# A parent's last words: its stderr without the line that names its child.
parent_said() { grep -v ': child [0-9]* reads fd' "$T/p.err"; }

# bats test_tags=asan
@test "pipe_parent facing a child that writes garbage refuses the reply, ends the child and says so, status 1, C and Python alike" {
  local seed parent c_err
  for seed in 1; do
    for parent in "${PARENTS[@]}"; do
      bg_reaped p $parent -n 3 -- "$PYTHON" "$HOSTILE" --seed "$seed" --child garbage 64 pause
      status=0
      wait "$p_reaper" || status=$?
      assert_equal "$status" 1
      assert_equal "$(<"$T/p.out")" ""
      [[ $(parent_said) =~ ^pipe_parent(\.py)?:\ reply\ 1\ from\ pipe:\[[0-9]+\]\ \(fd\ [0-9]+\):\ frame\ length\ -?[0-9]+\ is\ out\ of\ range\ \(0\ to\ 1048576\ bytes\)$'\n'pipe_parent(\.py)?:\ giving\ up\ on\ child\ [0-9]+\ \($PYTHON\):\ sent\ it\ SIGTERM\;\ child\ killed\ by\ signal\ 15\ \(Terminated\)$ ]] ||
        fail "seed $seed, $parent: $(parent_said)"
      if [[ $parent == *.py ]]; then
        assert_equal "$(parent_said | same_words)" "$(same_words <<<"$c_err")"
      fi
      c_err=$(parent_said)
    done
  done
}

# bats test_tags=asan
@test "pipe_parent facing a child that floods replies nobody asked for refuses the first one past its pings and ends the child, status 1, C and Python" {
  local parent
  for parent in "${PARENTS[@]}"; do
    facing_flood "$parent" pipe_parent pipe
  done
}

# bats test_tags=asan
@test "pipe_parent facing a child stopped mid-reply sleeps in read(); once the child is killed it says the reply was cut short, reaps it, status 1, C and Python" {
  local parent child fd
  for parent in "${PARENTS[@]}"; do
    bg_reaped p $parent -n 3 -- "$PYTHON" "$HOSTILE" --child length 10 bytes 3 pause
    wait_for has_child "$p"
    child=$(proc_children "$p")
    wait_for paused "$child"
    wait_for blocked_reading_pipe "$p"
    # It sleeps reading the pipe the child answers on.
    fd=$(proc_syscall "$p")
    fd=${fd#read }
    assert_equal "$(fd_target "$p" "$fd")" "$(fd_target "$child" "$(tr '\0' '\n' <"/proc/$child/cmdline" | tail -n 1)")"
    kill -9 "$child"
    status=0
    wait "$p_reaper" || status=$?
    assert_equal "$status" 1
    [[ $(parent_said) =~ ^pipe_parent(\.py)?:\ reply\ 1\ from\ pipe:\[[0-9]+\]\ \(fd\ $fd\):\ frame\ cut\ short\ by\ EOF:\ got\ 3\ of\ 10\ payload\ bytes$'\n'pipe_parent(\.py)?:\ giving\ up\ on\ child\ $child\ \($PYTHON\):\ sent\ it\ SIGTERM\;\ child\ killed\ by\ signal\ 9\ \(Killed\)$ ]] ||
      fail "$parent: $(parent_said)"
  done
}

# bats test_tags=asan
@test "pipe_parent facing a child that closes its answering end and stays waits for it in wait4 (it cannot know the child will not end); killed, the child is reported, status 1, C and Python" {
  local parent child
  for parent in "${PARENTS[@]}"; do
    bg_reaped p $parent -n 3 -- "$PYTHON" "$HOSTILE" --child close pause
    wait_for has_child "$p"
    child=$(proc_children "$p")
    wait_for paused "$child"
    # EOF: no reply can come any more. What is left is the child's end.
    wait_for in_wait4 "$p"
    kill -9 "$child"
    status=0
    wait "$p_reaper" || status=$?
    assert_equal "$status" 1
    assert_equal "$(<"$T/p.out")" "child killed by signal 9 (Killed)"
    [[ $(parent_said) =~ ^pipe_parent(\.py)?:\ sent\ [0-3]\ pings?,\ got\ 0\ replies$ ]] ||
      fail "$parent: $(parent_said)"
  done
}

# bats test_tags=asan
@test "pipe_parent giving up on a child that ignores SIGTERM ends it with SIGKILL 1 s later, never waits for ever, C and Python" {
  local who
  # Both parents at once: each waits its one second side by side.
  bg_reaped p "${PARENTS[0]}" -n 3 -- "$PYTHON" "$HOSTILE" --ignore-term --child garbage 8 pause
  bg_reaped q ${PARENTS[1]} -n 3 -- "$PYTHON" "$HOSTILE" --ignore-term --child garbage 8 pause
  for who in p q; do
    # A parent still there 10 s on waits for ever: say where.
    wait_until 10 proc_gone "${!who}" ||
      fail "$who: the parent did not end: asleep in $(proc_syscall "${!who}") after: $(<"$T/$who.err")"
    local reaper=${who}_reaper
    status=0
    wait "${!reaper}" || status=$?
    assert_equal "$status" 1
    [[ $(grep 'giving up' "$T/$who.err") =~ ^pipe_parent(\.py)?:\ giving\ up\ on\ child\ [0-9]+\ \($PYTHON\):\ sent\ it\ SIGTERM,\ then\ SIGKILL\ when\ it\ had\ not\ ended\ 1\ s\ later\;\ child\ killed\ by\ signal\ 9\ \(Killed\)$ ]] ||
      fail "$who: $(<"$T/$who.err")"
  done
}
