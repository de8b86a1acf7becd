#!/usr/bin/env bats
# Grading test of exercise 02-fifos/01-open-order (README.md says what is
# checked). Grades $EXERCISE_DIR/ping_node.c: this folder by default.
#   bats lessons/02-fifos/exercises/01-open-order/grade.bats

load ../../../../tests/helpers/grading

setup_file() { compile_c ping_node.c; }

setup() {
  common_setup
  D=$T/run                      # the pair's private folder and its two FIFOs
  mkdir -m 700 "$D"
  mkfifo -m 600 "$D/a-to-b" "$D/b-to-a"
}

# The kit's node, the Python one: its pongs say "(from Python)", so a reply
# shows which node made it.
KIT_NODE=("$PYTHON" "$ROOT/python_peers/02-fifos/fifo_node.py")

# fifo_fds PID: PID's descriptors on the pair's FIFOs, as "a-to-b r" lines.
fifo_fds() {
  local f target
  for f in /proc/"$1"/fd/*; do
    target=$(readlink "$f" 2>/dev/null) || continue
    [[ $target == "$D"/* ]] && echo "${target##*/} $(fd_mode "$1" "${f##*/}")"
  done
  return 0
}

# asleep PID: state S in open() or read() of a FIFO.
asleep() {
  [ "$(proc_state "$1" 2>/dev/null)" = S ] &&
    [[ $(proc_syscall "$1" 2>/dev/null) == @(openat|read)" "* ]]
}

# deadlocked A B: both nodes asleep in openat() or read(), twice in a row
# with no read() or write() call made by either in between: each waits for
# the other to open a FIFO or to write to one, which it can do only once
# its own call has returned. Neither ever will. (Two nodes whose calls
# meet are never seen so: the second open, or a write, wakes the first.)
deadlocked() {
  local before
  asleep "$1" && asleep "$2" || return 1
  before="$(calls "$1") $(calls "$2")"
  asleep "$1" && asleep "$2" && [ "$(calls "$1") $(calls "$2")" = "$before" ]
}

# on_open A B: both asleep in openat(), and neither holds a FIFO open.
on_open() {
  blocked_opening_fifo "$1" 2>/dev/null && blocked_opening_fifo "$2" 2>/dev/null &&
    [ -z "$(fifo_fds "$1")$(fifo_fds "$2")" ]
}

# stuck_alone PID OTHER: OTHER has ended and PID sleeps in open(), read()
# or write() of a FIFO: only OTHER could have ended that wait.
stuck_alone() {
  proc_gone "$2" && [ "$(proc_state "$1")" = S ] &&
    [[ $(proc_syscall "$1") == @(openat|read|write)" "* ]]
}

# Both ended, or stuck for good (deadlocked, or one left waiting for the
# other that has gone), or one of them spins.
pair_done() {
  { proc_gone "$1" && proc_gone "$2"; } || spinning "$1" || spinning "$2" ||
    deadlocked "$1" "$2" || stuck_alone "$1" "$2" || stuck_alone "$2" "$1"
}

# describe NAME PID: what the kernel shows of one node, in words.
describe() {
  local pid=$2 call fds how last
  call=$(proc_syscall "$pid")
  fds=$(fifo_fds "$pid" | paste -sd, | sed 's/,/, /g')
  last=$(tail -n 1 "$T/$1.err")
  if [[ $call == "openat "* ]]; then
    how=$(opening_for "$pid")
    echo "  ${1/_/ } (pid $pid) is asleep in openat(), opening a FIFO for $how;" \
         "it holds ${fds:-neither FIFO} open"
  elif spinning "$pid"; then
    echo "  ${1/_/ } (pid $pid) $(not_ended "$pid")"
  else
    echo "  ${1/_/ } (pid $pid) is asleep in ${call%% *}() ($(proc_wchan "$pid"));" \
         "it holds ${fds:-neither FIFO} open"
    [[ $fds != *rw* ]] ||
      echo "    (a FIFO open for reading and writing: its own write end keeps it from ever seeing EOF)"
  fi
  [ -z "$last" ] || echo "    its last words: $last"
}

# pair A_CMD... -- B_CMD...: node b then node a on the pair's FIFOs, each
# marked as graded; b starts first and is let reach its first open. Waits
# until both end or are stuck for good; a stuck pair is described (in
# $stuck) and killed. Then $status_a, $status_b, $output (node a's stdout),
# $stderr_a and $stderr_b.
pair() {
  local acmd=() bcmd=()
  while [ "$1" != -- ]; do acmd+=("$1"); shift; done
  shift
  bcmd=("$@")
  bg node_b env IPCLAB_GRADED="$IPCLAB_TESTID" "${bcmd[@]}" b "$D"
  wait_for execed_or_waits "$node_b" || true
  bg node_a env IPCLAB_GRADED="$IPCLAB_TESTID" "${acmd[@]}" a "$D"
  wait_until 20 pair_done "$node_a" "$node_b" || true
  stuck=""
  if ! proc_gone "$node_a" || ! proc_gone "$node_b"; then
    if deadlocked "$node_a" "$node_b" && on_open "$node_a" "$node_b"; then
      stuck="deadlock: both nodes are asleep in openat() (/proc/PID/syscall) and neither holds"
      stuck+=" a FIFO open (/proc/PID/fd): each waits for the other to open a FIFO, which"
      stuck+=" it can do only once its own open() has returned. Neither ever will."
    elif deadlocked "$node_a" "$node_b"; then
      stuck="deadlock: both nodes are asleep (/proc/PID/syscall), each waiting for the"
      stuck+=" other, and neither made a call since the grader last looked:"
    else
      stuck="the pair did not finish its exchange:"
    fi
    proc_gone "$node_a" || stuck+=$'\n'$(describe node_a "$node_a")
    proc_gone "$node_b" || stuck+=$'\n'$(describe node_b "$node_b")
    stuck+=$'\n'"(the grader stopped them)"
  fi
  status_a=0 status_b=0 killed_a="" killed_b=""
  if [ -n "$stuck" ]; then
    proc_gone "$node_a" || killed_a=" (stopped by the grader)"
    proc_gone "$node_b" || killed_b=" (stopped by the grader)"
  fi
  # In one group with stderr muted: bash reports a child killed by a signal.
  {
    [ -z "$stuck" ] || kill -9 "$node_a" "$node_b" || true
    wait "$node_a" || status_a=$?
    wait "$node_b" || status_b=$?
  } 2>/dev/null
  kill_left_running
  output=$(capped "$T/node_a.out")
  stderr_a=$(capped "$T/node_a.err")
  stderr_b=$(capped "$T/node_b.err")
  {
    echo "node a: exit status $status_a$killed_a"
    echo "  stdout:"; printf '%s\n' "$output" | head -20 | sed 's/^/    /'
    echo "  stderr:"; printf '%s\n' "$stderr_a" | head -20 | sed 's/^/    /'
    echo "node b: exit status $status_b$killed_b"
    echo "  stderr:"; printf '%s\n' "$stderr_b" | head -20 | sed 's/^/    /'
  } >&2
  [ -z "$stuck" ] || fail "$stuck"
  [ -z "$LEFT" ] || fail "$(left_message)"
}

# Node b has started its program (or ended), and sleeps in its first open.
execed_or_waits() { proc_gone "$1" || blocked_opening_fifo "$1"; }

# replies FROM N: node a's N lines, each reply made by FROM (C or Python).
replies() {
  local i
  for i in $(seq 1 "$2"); do echo "reply $i: pong: ping $i (from $1)"; done
}

@test "ping_node.c compiles with the kit's flags" {
  assert_compiled
}

@test "node a and node b exchange 3 pings and replies, and both end with status 0" {
  local exe
  need_exe exe
  pair "$exe" -- "$exe"
  expect_equal "what node a printed" "$(replies C 3)" "$output"
  expect_equal "node a's last line on stderr" "ping_node a: sent 3 pings, got 3 replies" \
    "$(tail -n 1 <<<"$stderr_a")"
  expect_equal "node b's last line on stderr" "ping_node b: answered 3 pings" \
    "$(tail -n 1 <<<"$stderr_b")"
  expect_equal "the exit statuses of node a and node b" "0 0" "$status_a $status_b"
}

@test "your node a talks with the kit's node b (fifo_node.py b)" {
  local exe
  need_exe exe
  pair "$exe" -n 2 -- "${KIT_NODE[@]}"
  expect_equal "what your node a printed" "$(replies Python 2)" "$output"
  expect_equal "the exit statuses of your node a and the kit's node b" "0 0" "$status_a $status_b"
}

@test "your node b talks with the kit's node a (fifo_node.py a)" {
  local exe
  need_exe exe
  pair "${KIT_NODE[@]}" -n 2 -- "$exe"
  expect_equal "what the kit's node a printed (your node b's replies)" "$(replies C 2)" "$output"
  expect_equal "your node b's last line on stderr" "ping_node b: answered 2 pings" \
    "$(tail -n 1 <<<"$stderr_b")"
  expect_equal "the exit statuses of the kit's node a and your node b" "0 0" "$status_a $status_b"
}
