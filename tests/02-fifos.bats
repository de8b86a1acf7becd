#!/usr/bin/env bats
# Lesson 02: two nodes talk over two FIFOs, one each way (fifo_node.c and
# fifo_node.py, every pairing). open() of a FIFO sleeps until the other end
# is opened; opening the two FIFOs in the same order on both sides cannot
# deadlock, each side opening first the FIFO it reads deadlocks for good.
# Everything is checked from the kernel's view (/proc/PID/stat, syscall, fd)
# and the files left in the run's private directory.

load helpers/common
bats_require_minimum_version 1.5.0

c()  { echo "$BIN/$1"; }
py() { echo "$PYTHON $PEERS/02-fifos/$1.py"; }
lang() { [[ $1 == *.py* ]] && echo Python || echo C; }
prog() { [[ $1 == *.py* ]] && echo fifo_node.py || echo fifo_node; }

setup() {
  common_setup
  D=$T/run                      # the run's private directory
  mkdir -m 700 "$D"
}

# opening NAME PATH HOW: NAME's last words say it opens PATH for HOW, and
# the kernel shows it asleep in openat (the line comes just before the call).
opening() {
  [[ $(tail -n 1 "$T/$1.err") == *" ${1#node_}: opening $2 for $3: waits for the other end" ]] &&
    blocked_opening_fifo "${!1}"
}

# fifo_fds PID: how many of PID's descriptors are FIFOs of the run.
fifo_fds() {
  local f n=0
  for f in /proc/"$1"/fd/*; do
    [[ $(readlink "$f" 2>/dev/null) == "$D"/* ]] && n=$((n + 1))
  done
  echo "$n"
}

nothing_in_run_dir() { assert_equal "$(ls -A "$D")" ""; }

# talk A B: node a (A, with --make) and node b (B) exchange 3 pings.
talk() {
  bg node_a $1 --make -n 3 a "$D"
  wait_for test -p "$D/b-to-a"
  run --separate-stderr $2 b "$D"
  assert_success
  assert_equal "$stderr" "$(prog "$2") b: opening $D/a-to-b for reading: waits for the other end
$(prog "$2") b: opening $D/b-to-a for writing: waits for the other end
$(prog "$2") b: answered 3 pings"
  wait "$node_a"
  assert_equal "$(<"$T/node_a.out")" "reply 1: pong: ping 1 (from $(lang "$2"))
reply 2: pong: ping 2 (from $(lang "$2"))
reply 3: pong: ping 3 (from $(lang "$2"))"
  assert_equal "$(tail -n 1 "$T/node_a.err")" "$(prog "$1") a: sent 3 pings, got 3 replies"
  nothing_in_run_dir
}

@test "C and Python nodes exchange framed pings and pongs over two FIFOs, every pairing, and leave no FIFO" {
  local a b
  for a in "$(c fifo_node)" "$(py fifo_node)"; do
    for b in "$(c fifo_node)" "$(py fifo_node)"; do
      talk "$a" "$b"
    done
  done
}

@test "node b can make the FIFOs instead: Python b with C a, C b with Python a" {
  local a b
  for a in "$(c fifo_node)" "$(py fifo_node)"; do
    b=$(py fifo_node); [[ $a == *.py ]] && b=$(c fifo_node)
    bg node_b $b --make b "$D"
    wait_for test -p "$D/b-to-a"
    run --separate-stderr $a -n 2 a "$D"
    assert_success
    assert_equal "$output" "reply 1: pong: ping 1 (from $(lang "$b"))
reply 2: pong: ping 2 (from $(lang "$b"))"
    wait "$node_b"
    assert_equal "$(tail -n 1 "$T/node_b.err")" "$(prog "$b") b: answered 2 pings"
    nothing_in_run_dir
  done
}

# first_open_waits NODE ROLE FIFO HOW: started alone with --make, the node
# sleeps in openat on its first FIFO and holds no descriptor of it yet.
first_open_waits() {
  local name=node_$2
  bg "$name" $1 --make "$2" "$D"
  wait_for opening "$name" "$D/$3" "$4"
  assert_equal "$(fifo_fds "${!name}")" 0
  assert_equal "$(stat -c '%F %a' "$D/a-to-b" "$D/b-to-a")" "fifo 600
fifo 600"
}

@test "a writer's open() of a FIFO sleeps in openat until a reader opens it, and the reverse" {
  local node other
  for node in "$(c fifo_node)" "$(py fifo_node)"; do
    other=$(py fifo_node); [[ $node == *.py ]] && other=$(c fifo_node)
    # Node a opens a-to-b for writing first: no reader yet.
    first_open_waits "$node" a a-to-b writing
    run --separate-stderr $other -n 1 b "$D"
    assert_success
    wait "$node_a"
    nothing_in_run_dir
    # Node b opens a-to-b for reading first: no writer yet.
    first_open_waits "$node" b a-to-b reading
    run --separate-stderr $other -n 1 a "$D"
    assert_success
    assert_equal "$output" "reply 1: pong: ping 1 (from $(lang "$node"))"
    wait "$node_b"
    nothing_in_run_dir
  done
}

# deadlock ORDER A B: both nodes open with --open-order ORDER; each sleeps
# in openat on the FIFO it opens first, waiting for the other, which sleeps
# in openat too: neither holds a descriptor of either FIFO, so neither open
# can ever return. SIGTERM ends both; the maker removes the FIFOs.
deadlock() {
  local ra rb how
  if [ "$1" = read-first ]; then ra=b-to-a rb=a-to-b how=reading
  else ra=a-to-b rb=b-to-a how=writing; fi
  bg node_a $2 --make --open-order "$1" a "$D"
  wait_for test -p "$D/b-to-a"
  bg node_b $3 --open-order "$1" b "$D"
  wait_for opening node_a "$D/$ra" "$how"
  wait_for opening node_b "$D/$rb" "$how"
  assert_equal "$(fifo_fds "$node_a") $(fifo_fds "$node_b")" "0 0"
  kill -TERM "$node_a" "$node_b"
  reaped "$node_a"
  assert_equal "$status" 143              # killed by SIGTERM, as it would be
  reaped "$node_b"
  assert_equal "$status" 143
  nothing_in_run_dir
}

@test "--open-order read-first: each node sleeps in openat on the FIFO it reads, for good" {
  deadlock read-first "$(c fifo_node)" "$(py fifo_node)"
  deadlock read-first "$(py fifo_node)" "$(c fifo_node)"
}

@test "--open-order write-first: each node sleeps in openat on the FIFO it writes, for good" {
  deadlock write-first "$(py fifo_node)" "$(c fifo_node)"
  deadlock write-first "$(c fifo_node)" "$(py fifo_node)"
}

@test "--open-order same on one side only still deadlocks: the other must open a-to-b first too" {
  bg node_a "$(c fifo_node)" --make --open-order read-first a "$D"
  wait_for test -p "$D/b-to-a"
  bg node_b $(py fifo_node) b "$D"
  wait_for opening node_a "$D/b-to-a" reading
  wait_for opening node_b "$D/a-to-b" reading
  kill -TERM "$node_a" "$node_b"
  wait "$node_a" "$node_b" || true
  nothing_in_run_dir
}

@test "the maker ended by SIGTERM or SIGHUP while it waits in open() removes its FIFOs" {
  local node sig
  for node in "$(c fifo_node)" "$(py fifo_node)"; do
    for sig in TERM HUP; do
      first_open_waits "$node" a a-to-b writing
      kill -"$sig" "$node_a"
      reaped "$node_a"
      assert_equal "$status" $((128 + $(kill -l "$sig")))
      nothing_in_run_dir
    done
  done
}

# b_goes A B: node b killed in mid-conversation (stopped first, so node a
# waits for a reply): a's read() returns 0 and a says b is gone, status 1.
# a_goes: the reverse: b's read() returns 0; to b that is the end, status 0.
b_goes() {
  bg node_a $1 --make -n 1000000 a "$D"
  wait_for test -p "$D/b-to-a"
  bg node_b $2 b "$D"
  wait_for grep -q '^reply 2: ' "$T/node_a.out"
  kill -STOP "$node_b"
  wait_for blocked_reading_pipe "$node_a"
  kill -KILL "$node_b"
  reaped "$node_a"
  assert_equal "$status" 1
  [[ $(tail -n 1 "$T/node_a.err") =~ ^$(prog "$1")\ a:\ reply\ [0-9]+\ from\ $D/b-to-a:\ end\ of\ file:\ node\ b\ is\ gone$ ]] ||
    fail "node a said: $(tail -n 1 "$T/node_a.err")"
  wait "$node_b" || true
  nothing_in_run_dir
}

a_goes() {
  bg node_a $1 --make -n 1000000 a "$D"
  wait_for test -p "$D/b-to-a"
  bg node_b $2 b "$D"
  wait_for grep -q '^reply 2: ' "$T/node_a.out"
  kill -STOP "$node_a"
  wait_for blocked_reading_pipe "$node_b"
  kill -KILL "$node_a"
  reaped "$node_b"
  assert_equal "$status" 0
  [[ $(tail -n 1 "$T/node_b.err") =~ ^$(prog "$2")\ b:\ answered\ [0-9]+\ pings$ ]] ||
    fail "node b said: $(tail -n 1 "$T/node_b.err")"
  wait "$node_a" || true
  nothing_in_run_dir
}

@test "node a ends with status 1 when node b goes: its read() returns 0, 'fifo_node a: ... node b is gone' (the role in every line)" {
  b_goes "$(c fifo_node)" "$(py fifo_node)"
  b_goes "$(py fifo_node)" "$(c fifo_node)"
}

@test "node b ends with status 0 when node a goes: its read() returns 0 between two pings" {
  a_goes "$(c fifo_node)" "$(py fifo_node)"
  a_goes "$(py fifo_node)" "$(c fifo_node)"
}

# refused STATUS MESSAGE NODE-ARGS...: both languages end with STATUS and
# say MESSAGE (after "PROG: ", or "PROG ROLE: " for status 1) last, with no
# traceback.
refused() {
  local want=$1 msg=$2 node role=""
  shift 2
  # Once its role is known (usage is checked first) a node says it: "fifo_node b: ".
  [ "$want" = 2 ] || for role in "$@"; do [[ $role == [ab] ]] && break; done
  for node in "$(c fifo_node)" "$(py fifo_node)"; do
    run --separate-stderr $node "$@"
    assert_equal "$status" "$want"
    assert_equal "${stderr##*$'\n'}" "$(prog "$node")${role:+ $role}: $msg"
    refute_output --partial Traceback
    [[ $stderr != *Traceback* ]] || fail "a traceback: $stderr"
  done
}

# bats test_tags=asan
@test "bad usage is refused with status 2, and nothing is made" {
  refused 2 "-n: '0' is not a number from 1 to 1000000" -n 0 a "$D"
  refused 2 "-n needs a value" -n
  refused 2 "--open-order needs a value" --open-order
  for args in "" "a" "c $D" "a $D extra" "--open-order sideways a $D" "--bogus a $D"; do
    local node
    for node in "$(c fifo_node)" "$(py fifo_node)"; do
      run --separate-stderr $node $args
      assert_equal "$status" 2
      assert_regex "$stderr" ": usage: .* \[-n COUNT\] \[--make\] \[--open-order same\|read-first\|write-first\] \[--\] a\|b DIR$"
    done
  done
  nothing_in_run_dir
}

@test "an empty DIR (an unset variable?) is a usage error, status 2, said as such, not 'lstat : No such file or directory': every program of the lesson, C and Python" {
  local p
  for p in fifo_node fifo_server fifo_client; do
    for cmd in "$(c $p)" "$(py $p)"; do
      case $p in
        fifo_node) run --separate-stderr $cmd a "" ;;
        fifo_server) run --separate-stderr $cmd "" ;;
        fifo_client) run --separate-stderr $cmd "" hello ;;
      esac
      assert_equal "$status" 2
      assert_equal "$stderr" "${cmd##*/}: DIR is empty: give a directory's path"
    done
  done
  nothing_in_run_dir
}

# bats test_tags=asan
@test "a directory that is not private, a name already taken, a missing FIFO: refused with status 1, nothing made (hostile names: 02-fifos-paths.bats)" {
  chmod 755 "$D"
  refused 1 "$D: mode 0755, not 0700: not a private directory of ours (mktemp -d makes one)" --make a "$D"
  chmod 700 "$D"
  refused 1 "lstat $D/nothere: No such file or directory" a "$D/nothere"
  touch "$D/file"
  refused 1 "$D/file: a regular file, not a directory" a "$D/file"
  rm "$D/file"
  refused 1 "lstat $D/a-to-b: No such file or directory (start the other node with --make first?)" a "$D"
  refused 1 "lstat $D/a-to-b: No such file or directory (start the other node with --make first?)" b "$D"
  # Something already at a name: mkfifo says so; what this run made is removed.
  echo keep >"$D/b-to-a"
  refused 1 "mkfifo $D/b-to-a: File exists (left from an earlier run?)" --make a "$D"
  assert_equal "$(ls -A "$D")" "b-to-a"
  assert_equal "$(<"$D/b-to-a")" keep
  rm "$D/b-to-a"
  nothing_in_run_dir
}
